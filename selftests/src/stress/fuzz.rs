//! The fuzz phases: random arguments from a seeded generator, in classes
//! that cover every kind of value. A result must be success or an error the
//! documentation lists for the call; a failing call is printed with its
//! arguments, the seed and the batch, so that `--seed` reproduces it.

use crate::account::file_handle;
use crate::races::{IOCTL_ERRORS, NSFD_ERRORS, SETNS_ERRORS};
use crate::stats::{res, Budget, Stats};
use crate::sys::{nsfd, setns, NsType, ALL_TYPES, FOR_CHILDREN_TYPES, NSFD_FOR_CHILDREN};
use crate::Opts;
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Every `CLONE_NEW*` flag.
const CLONE_NEW_ALL: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWTIME) as u64;

/// Whether nsfd() may succeed with `nstype`: one type, for-children only with pid or time.
fn valid_nstype(nstype: u64) -> bool {
    let flag = nstype & !NSFD_FOR_CHILDREN;
    flag & !CLONE_NEW_ALL == 0
        && flag.is_power_of_two()
        && (nstype & NSFD_FOR_CHILDREN == 0
            || flag == libc::CLONE_NEWPID as u64
            || flag == libc::CLONE_NEWTIME as u64)
}

fn random_nstype(r: &mut fastrand::Rng) -> u64 {
    let t = ALL_TYPES[r.usize(..8)].flag as u64;
    match r.u8(..8) {
        0 => 0,
        1 => 1 << r.u32(..64),
        2 => t,
        3 => t | NSFD_FOR_CHILDREN,
        4 => t | ALL_TYPES[r.usize(..8)].flag as u64,
        5 => t | 1 << r.u32(32..64),
        6 => r.u64(..),
        _ => FOR_CHILDREN_TYPES[r.usize(..2)].nstype(),
    }
}

/// A child that exits at once; reaped (its pid free for reuse) or left a zombie.
fn exited_child(reap: bool) -> libc::pid_t {
    // SAFETY: the child only exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: leave at once.
        unsafe { libc::_exit(0) };
    }
    if reap {
        let mut st = 0;
        // SAFETY: our child.
        unsafe { libc::waitpid(pid, &mut st, 0) };
    } else {
        // Until it is a zombie.
        // SAFETY: siginfo_t is plain data; all zeroes is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid out-buffer; WNOWAIT leaves the zombie.
        unsafe {
            libc::waitid(
                libc::P_PID,
                pid as _,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
    }
    pid
}

/// nsfd(pid, nstype) over every class of pid and of nstype.
pub fn nsfd_calls(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let mut r = fastrand::Rng::with_seed(o.seed);
    let alive = crate::races::spawn_sitter(libc::CLONE_NEWUTS | libc::CLONE_NEWIPC);
    let zombie = exited_child(false);
    let reaped = exited_child(true);
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    let alive_pid = alive.as_ref().map(|s| s.pid).unwrap_or(1);
    let mut n = 0u64;
    while b.take() {
        n += 1;
        let pid = match r.u8(..10) {
            0 => 0,
            1 => me,
            2 => alive_pid,
            3 => zombie,
            4 => reaped,
            5 => [1, 2][r.usize(..2)],
            6 => [-1, -2, i32::MIN][r.usize(..3)],
            7 => [i32::MAX, 4_194_304, 4_194_305][r.usize(..3)],
            _ => r.i32(..),
        };
        let nstype = random_nstype(&mut r);
        // SAFETY: nsfd takes two integers; a descriptor it returns is closed below.
        let fd = res(unsafe { libc::syscall(nsfd::SYS_NSFD, pid as libc::c_long, nstype) });
        let what = || format!("seed {} call {n}: nsfd({pid}, {nstype:#x})", o.seed);
        st.record("nsfd", &fd, NSFD_ERRORS, what);
        match &fd {
            Ok(fd) => {
                // SAFETY: the new descriptor is ours.
                let fd = unsafe { OwnedFd::from_raw_fd(*fd as RawFd) };
                if !valid_nstype(nstype) {
                    st.violate(format!("{}: succeeded with an invalid nstype", what()));
                }
                // The child's own namespaces (the rest are ours) must die with it.
                let new_ns = [libc::CLONE_NEWUTS, libc::CLONE_NEWIPC]
                    .map(|f| f as u64)
                    .contains(&nstype);
                if pid == alive_pid && new_ns && st.created.len() < 16 {
                    if let Some(h) = file_handle(&fd) {
                        st.created.push(h);
                    }
                }
            }
            Err(e) if !valid_nstype(nstype) && e.raw_os_error() != Some(libc::EINVAL) => {
                st.violate(format!(
                    "{}: {e}, an invalid nstype must give EINVAL",
                    what()
                ));
            }
            Err(e) if valid_nstype(nstype) && pid < 0 && e.raw_os_error() != Some(libc::EINVAL) => {
                st.violate(format!("{}: {e}, a negative pid must give EINVAL", what()));
            }
            Err(_) => {}
        }
    }
    drop(alive);
    let mut s = 0;
    // SAFETY: reaping our zombie.
    unsafe { libc::waitpid(zombie, &mut s, 0) };
    st
}

/// One descriptor of the setns pool: what it is, for messages.
struct PoolFd {
    what: String,
    fd: RawFd,
    /// The namespace type of a namespace file (what a setns(fd, 0) joins).
    ty: Option<NsType>,
    _owned: Option<OwnedFd>,
}

fn owned(what: impl Into<String>, fd: std::io::Result<OwnedFd>, pool: &mut Vec<PoolFd>) {
    if let Ok(fd) = fd {
        let ty = crate::sys::ns_ioctl(&fd, crate::sys::ioctl::NS_GET_NSTYPE, 0)
            .ok()
            .and_then(NsType::by_flag);
        pool.push(PoolFd {
            what: what.into(),
            fd: fd.as_raw_fd(),
            ty,
            _owned: Some(fd),
        });
    }
}

fn open_flags(path: &str, flags: libc::c_int) -> std::io::Result<OwnedFd> {
    let c = CString::new(path).unwrap();
    // SAFETY: valid string.
    let fd = res(unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) } as _)?;
    // SAFETY: our new descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

pub(crate) fn pidfd_open(pid: libc::pid_t, flags: libc::c_uint) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes integers.
    let fd = res(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, flags) })?;
    // SAFETY: our new descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

const PIDFD_THREAD: libc::c_uint = libc::O_EXCL as libc::c_uint;

/// The pool: handles of every type (ours and a child's new ones), /proc nsfs
/// files, pidfds of processes and of a thread, of an exited process, other
/// files, O_PATH descriptors, and numbers that are not open.
fn setns_pool(child: libc::pid_t, thread: libc::pid_t, exited: libc::pid_t) -> Vec<PoolFd> {
    let mut pool = vec![];
    for t in ALL_TYPES.iter().chain(FOR_CHILDREN_TYPES.iter()) {
        owned(
            format!("own {} handle", t.name),
            nsfd(0, t.nstype()),
            &mut pool,
        );
        owned(
            format!("child's {} handle", t.name),
            nsfd(child, t.nstype()),
            &mut pool,
        );
        owned(
            format!("/proc/child/ns/{}", t.name),
            open_flags(&format!("/proc/{child}/ns/{}", t.name), libc::O_RDONLY),
            &mut pool,
        );
    }
    owned("pidfd of the child", pidfd_open(child, 0), &mut pool);
    owned(
        "pidfd of a thread",
        pidfd_open(thread, PIDFD_THREAD),
        &mut pool,
    );
    owned(
        "pidfd of an exited process",
        pidfd_open(exited, 0),
        &mut pool,
    );
    owned(
        "own pidfd",
        pidfd_open(std::process::id() as _, 0),
        &mut pool,
    );
    owned(
        "regular file",
        open_flags("/proc/self/status", libc::O_RDONLY),
        &mut pool,
    );
    owned(
        "O_PATH nsfs file",
        open_flags("/proc/self/ns/uts", libc::O_PATH),
        &mut pool,
    );
    owned(
        "O_PATH regular file",
        open_flags("/proc/self/status", libc::O_PATH),
        &mut pool,
    );
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let sock = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    );
    owned("socket", sock.map_err(Into::into), &mut pool);
    let efd = rustix::event::eventfd(0, rustix::event::EventfdFlags::CLOEXEC);
    owned("eventfd", efd.map_err(Into::into), &mut pool);
    let closed = open_flags("/proc/self/status", libc::O_RDONLY)
        .map(|f| f.as_raw_fd())
        .unwrap_or(1000);
    for (what, fd) in [
        ("closed descriptor", closed),
        ("-1", -1),
        ("out of range", 1 << 20),
        ("INT_MIN", i32::MIN),
    ] {
        pool.push(PoolFd {
            what: what.into(),
            fd,
            ty: None,
            _owned: None,
        });
    }
    pool
}

fn random_setns_flags(r: &mut fastrand::Rng) -> libc::c_int {
    let t = ALL_TYPES[r.usize(..8)].flag;
    match r.u8(..7) {
        0 => 0,
        1 => t,
        2 => t | ALL_TYPES[r.usize(..8)].flag,
        3 => CLONE_NEW_ALL as libc::c_int,
        4 => 1 << r.u32(..32),
        5 => -1,
        _ => r.i32(..),
    }
}

/// Joins this process back to its namespaces of the types `flags` names
/// (all when 0) after a successful setns(); false when that is impossible
/// (a user namespace was joined, and with it the capabilities are gone).
fn restore(own: &[(NsType, OwnedFd)], flags: libc::c_int) -> bool {
    let changed = |t: &NsType| flags == 0 || flags & t.flag != 0;
    own.iter()
        .filter(|(t, _)| changed(t))
        .all(|(t, h)| t.flag == libc::CLONE_NEWUSER || setns(h, 0).is_ok())
        && own
            .iter()
            .find(|(t, _)| t.flag == libc::CLONE_NEWUSER)
            .is_none_or(|(_, h)| {
                crate::sys::fstat(h).ok().map(|s| s.st_ino)
                    == crate::sys::stat("/proc/self/ns/user")
                        .ok()
                        .map(|s| s.st_ino)
            })
}

/// One batch of setns() calls in a forked child, which may end up in other
/// namespaces: it reports its counts to the parent through a pipe.
fn setns_batch(
    o: &Opts,
    batch: u64,
    calls: u64,
    child: libc::pid_t,
    thread: libc::pid_t,
    exited: libc::pid_t,
) -> Stats {
    let mut st = Stats::default();
    let mut p = [0; 2];
    // SAFETY: room for two descriptors.
    if unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        st.violate("pipe2 failed".into());
        return st;
    }
    let _ = std::io::stdout().flush();
    // SAFETY: the stress process is single-threaded between phases.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: our pipe's ends.
        let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(p[0]), OwnedFd::from_raw_fd(p[1])) };
        drop(rd);
        let mut st = Stats::default();
        let mut r =
            fastrand::Rng::with_seed(o.seed ^ (batch + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let own: Vec<(NsType, OwnedFd)> = ALL_TYPES
            .iter()
            .chain(FOR_CHILDREN_TYPES.iter())
            .filter_map(|t| nsfd(0, t.nstype()).ok().map(|h| (*t, h)))
            .collect();
        let pool = setns_pool(child, thread, exited);
        let mut stranded = false;
        for n in 0..calls {
            let f = &pool[r.usize(..pool.len())];
            let flags = random_setns_flags(&mut r);
            // SAFETY: setns takes integers; the descriptor may be anything.
            let x = res(unsafe { libc::setns(f.fd, flags) } as _);
            let what = || {
                format!(
                    "seed {} batch {batch} call {n}: setns({}, {flags:#x})",
                    o.seed, f.what
                )
            };
            st.record("setns", &x, SETNS_ERRORS, what);
            // setns(nsfs file, 0) joins the file's type; a pidfd, those in `flags`.
            let joined = if flags == 0 {
                f.ty.map_or(0, |t| t.flag)
            } else {
                flags
            };
            // Once in another user namespace there is no way back: the batch
            // goes on from there (the same seed gives the same path).
            if x.is_ok() && !stranded && !restore(&own, joined) {
                stranded = true;
            }
        }
        let mut w = std::fs::File::from(wr);
        let _ = w.write_all(st.encode().as_bytes());
        drop(w);
        // SAFETY: leave without the parent's exit handlers.
        unsafe { libc::_exit(0) };
    }
    // SAFETY: our pipe's ends.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(p[0]), OwnedFd::from_raw_fd(p[1])) };
    drop(wr);
    let mut text = String::new();
    let _ = std::fs::File::from(rd).read_to_string(&mut text);
    let mut status = 0;
    // SAFETY: our child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if status != 0 {
        st.violate(format!(
            "seed {} batch {batch}: the fuzzing child died (status {status:#x})",
            o.seed
        ));
    }
    st.decode(&text, &["setns"]);
    st
}

/// setns(fd, nstype) over a pool of descriptors of every kind and every flag class.
pub fn setns_calls(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let flags = libc::CLONE_NEWUTS
        | libc::CLONE_NEWIPC
        | libc::CLONE_NEWNET
        | libc::CLONE_NEWCGROUP
        | libc::CLONE_NEWNS
        | libc::CLONE_NEWUSER
        | libc::CLONE_NEWPID
        | libc::CLONE_NEWTIME;
    let (sitter, thread) = match crate::races::spawn_sitter_with_thread(flags) {
        Ok(x) => x,
        Err(e) => {
            st.violate(format!("fork a child in new namespaces: {e}"));
            return st;
        }
    };
    let exited = exited_child(true);
    let mut batch = 0;
    while !b.done() {
        // Only the calls a batch made count (it may die early).
        let got = setns_batch(o, batch, b.left().min(5000), sitter.pid, thread, exited);
        b.consume(got.total());
        st.merge(got);
        batch += 1;
    }
    drop(sitter);
    st
}

/// Pointers an ioctl may get: NULL, a valid buffer, a read-only page, an
/// unmapped page, kernel and non-canonical addresses, small numbers. Never a
/// random address, which could be our own memory.
struct Pointers {
    buf: Vec<u8>,
    ro: usize,
    unmapped: usize,
}

impl Pointers {
    fn new() -> Pointers {
        // SAFETY: fresh anonymous mappings; one is left read-only, one is unmapped again.
        unsafe {
            let ro = libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            let gone = libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            libc::munmap(gone, 4096);
            Pointers {
                buf: vec![0; 1 << 16],
                ro: ro as usize,
                unmapped: gone as usize,
            }
        }
    }

    fn pick(&mut self, r: &mut fastrand::Rng) -> u64 {
        match r.u8(..8) {
            0 => 0,
            1 | 2 => self.buf.as_mut_ptr() as u64,
            3 => self.ro as u64,
            4 => self.unmapped as u64,
            5 => 0xffff_ffff_8100_0000,
            6 => 0x8000_0000_0000_0000,
            _ => r.u64(1..4096),
        }
    }
}

/// ioctl(handle, cmd, arg) with random commands (the nsfs group, any group)
/// and random arguments, including bad pointers.
pub fn ioctl_calls(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let mut r = fastrand::Rng::with_seed(o.seed.rotate_left(17));
    let sitter = crate::races::spawn_sitter(
        libc::CLONE_NEWUSER | libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_NEWUTS,
    );
    let target = sitter.as_ref().map(|s| s.pid).unwrap_or(0);
    let mut handles = vec![];
    for t in ALL_TYPES.iter().chain(FOR_CHILDREN_TYPES.iter()) {
        for pid in [0, target] {
            if let Ok(h) = nsfd(pid, t.nstype()) {
                handles.push((
                    format!("{} of {}", t.name, if pid == 0 { "self" } else { "child" }),
                    h,
                ));
            }
        }
    }
    let mut ptrs = Pointers::new();
    // Nothing else opens files during the loop: an open descriptor not in
    // this set is one an ioctl returned (NS_GET_USERNS, NS_MNT_GET_NEXT...).
    let listed: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // Without the directory's own descriptor, closed again by now.
    let before: std::collections::HashSet<RawFd> = listed
        .into_iter()
        // SAFETY: F_GETFD only asks whether a number is open.
        .filter(|fd| unsafe { libc::fcntl(*fd, libc::F_GETFD) } >= 0)
        .collect();
    let mut n = 0u64;
    while b.take() {
        n += 1;
        let (what, h) = &handles[r.usize(..handles.len())];
        let cmd: u64 = match r.u8(..4) {
            // The nsfs group with any number, direction and size.
            0 | 1 => (r.u64(..4) << 30) | (r.u64(..1 << 14) << 16) | (0xb7 << 8) | r.u64(..32),
            2 => [
                0xb701,
                0xb702,
                0xb703,
                0xb704,
                0x8004_b706,
                0x8004_b707,
                0x8004_b708,
                0x8004_b709,
                0x8010_b70a,
                0x8010_b70b,
                0x8010_b70c,
                0x8008_b705,
                0x8008_b70d,
            ][r.usize(..13)],
            _ => r.u32(..) as u64,
        };
        let arg = ptrs.pick(&mut r);
        // SAFETY: every pointer `arg` can be is either our own buffer, large
        // enough for any size an ioctl number encodes, or memory the kernel
        // must refuse to touch (EFAULT): no random address of our own.
        let x = res(unsafe { libc::ioctl(h.as_raw_fd(), cmd as _, arg) } as _);
        if let Ok(fd) = x {
            let fd = fd as RawFd;
            // SAFETY: F_GETFD only asks whether the number is open.
            let open =
                fd >= 0 && !before.contains(&fd) && unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0;
            if open {
                // SAFETY: not one we had: a new descriptor the ioctl made, ours.
                unsafe { libc::close(fd) };
            }
        }
        st.record("ioctl(handle)", &x, IOCTL_ERRORS, || {
            format!(
                "seed {} call {n}: ioctl({what}, {cmd:#x}, {arg:#x})",
                o.seed
            )
        });
    }
    drop(sitter);
    st
}
