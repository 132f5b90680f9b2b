//! The fuzz phases: random arguments from a seeded generator, in classes
//! that cover every kind of value. A result must be success or an error the
//! documentation lists for the call; a failing call is printed with its
//! arguments, the seed and the batch, so that `--seed` reproduces it.

use crate::account::file_handle;
use crate::stats::{Budget, Stats};
use crate::sys::ioctl::*;
use crate::sys::{
    any_for_children_type, any_type, is_open, nsfd, open_path, open_ro, pidfd_open,
    pidfd_open_with, setns, FakeFd, Flag, NsType, NSFD_FOR_CHILDREN, PIDFD_THREAD,
};
use crate::Opts;
use nsfd_testutil::child::{exit_now, fork, fork_child, wait, Holder, Zombie};
use nsfd_testutil::errno::own;
use nsfd_testutil::sys::{ioctl_any, nsfd_unchecked};
use rustix::process::WaitOptions;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};

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
    let t = any_type(r).clone_flag() as u64;
    match r.u8(..8) {
        0 => 0,
        1 => 1 << r.u32(..64),
        2 => t,
        3 => t | NSFD_FOR_CHILDREN,
        4 => t | any_type(r).clone_flag() as u64,
        5 => t | 1 << r.u32(32..64),
        6 => r.u64(..),
        _ => any_for_children_type(r).nstype().into(),
    }
}

/// A child that has exited and been reaped: its pid is free for reuse (-1 if fork failed).
fn reaped_child() -> libc::pid_t {
    fork_child(0, || ()).map_or(-1, |pid| {
        wait(pid);
        pid
    })
}

/// No pid reaches PID_MAX_LIMIT (<linux/threads.h> on 64-bit).
const PID_MAX_LIMIT: i32 = 4 * 1024 * 1024;
/// The inodes of the initial pid and user namespaces (<linux/nsfs.h>).
const PID_NS_INIT_INO: u64 = 0xEFFF_FFFC;
const USER_NS_INIT_INO: u64 = 0xEFFF_FFFD;

/// The inode of one of the caller's namespaces (0 if it cannot be opened).
fn own_ino(t: NsType) -> u64 {
    nsfd(0, t.nstype().into())
        .ok()
        .and_then(|h| crate::sys::fstat(&h).ok())
        .map_or(0, |s| s.st_ino)
}

/// nsfd(pid, nstype) over every class of pid and of nstype.
pub fn nsfd_calls(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let mut r = fastrand::Rng::with_seed(o.seed);
    let Ok(alive) = Holder::spawn_bare(libc::CLONE_NEWUTS | libc::CLONE_NEWIPC) else {
        st.violate("fork a child in new namespaces failed".into());
        return st;
    };
    // Reaped when dropped, at the end (-1 if fork failed).
    let zombie_child = Zombie::new().ok();
    let zombie = zombie_child.as_ref().map_or(-1, |z| z.pid);
    let reaped = reaped_child();
    let me = rustix::process::getpid().as_raw_pid();
    let alive_pid = alive.pid;
    // In the initial pid namespace pid 2 is kthreadd, which never exits.
    let kthreadd = own_ino(NsType::Pid) == PID_NS_INIT_INO;
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
        // Raw: any pid and nstype, as libnsfd's typed calls take none.
        let fd = nsfd_unchecked(pid, nstype);
        let what = || format!("seed {} call {n}: nsfd({pid}, {nstype:#x})", o.seed);
        // The caller is root: never EACCES. Its own pid namespace (the
        // pid's) and user namespace (its credentials) outlive a task's exit.
        let held_by_zombie = [libc::CLONE_NEWUSER, libc::CLONE_NEWPID]
            .map(|f| f as u64)
            .contains(&nstype);
        let (ok, errs): (bool, &[i32]) = if !valid_nstype(nstype) || pid < 0 {
            (false, &[libc::EINVAL]) // not one type, or a negative pid
        } else if [0, me, alive_pid, 1].contains(&pid)
            || (pid == 2 && kthreadd)
            || (pid == zombie && held_by_zombie)
        {
            (true, &[]) // a task there for the whole phase (a zombie keeps these two)
        } else if pid == zombie || pid >= PID_MAX_LIMIT {
            (false, &[libc::ESRCH]) // a zombie has dropped the rest; no pid is that large
        } else {
            (true, &[libc::ESRCH]) // any pid: a task, or none
        };
        st.expect("nsfd", &fd, ok, errs, what);
        if let Ok(fd) = &fd {
            // The child's own namespaces (the rest are ours) must die with it.
            let new_ns = [libc::CLONE_NEWUTS, libc::CLONE_NEWIPC]
                .map(|f| f as u64)
                .contains(&nstype);
            if pid == alive_pid && new_ns && st.created.len() < 16 {
                if let Some(h) = file_handle(fd) {
                    st.created.push(h);
                }
            }
        }
    }
    drop(alive);
    drop(zombie_child);
    st
}

/// What a descriptor of the setns pool is: what decides setns()'s result.
#[derive(Clone, Copy)]
enum Kind {
    /// A namespace file: its type and its namespace.
    Ns(NsType, Ident),
    /// A pidfd of the child or of its thread, which share every namespace.
    ChildPidfd,
    /// A pidfd of the batch process itself.
    OwnPidfd,
    /// A pidfd of a process that has exited and been reaped.
    ReapedPidfd,
    /// An open file that is neither an nsfs file nor a pidfd.
    Other,
    /// Not a file setns() takes: an O_PATH descriptor, or no descriptor.
    Bad,
}

/// A namespace: its inode, and that of the user namespace owning it (for a
/// user namespace, its parent; 0 when we cannot see it).
#[derive(Clone, Copy, PartialEq, Debug)]
struct Ident {
    ino: u64,
    owner: u64,
}

fn ident(fd: &impl AsRawFd) -> Option<Ident> {
    let ino = crate::sys::fstat(fd).ok()?.st_ino;
    let owner = crate::sys::ns_ioctl_fd(fd, crate::sys::ioctl::NS_GET_USERNS)
        .ok()
        .and_then(|u| crate::sys::fstat(&u).ok())
        .map_or(0, |s| s.st_ino);
    Some(Ident { ino, owner })
}

/// One descriptor of the setns pool: what it is, for messages.
struct PoolFd {
    what: String,
    fd: RawFd,
    kind: Kind,
    _owned: Option<OwnedFd>,
}

/// Adds `fd` to the pool, as a namespace file when it is one; a descriptor
/// that could not be made is a violation (each is made from a live process
/// or a path that is there).
fn owned(
    st: &mut Stats,
    what: impl Into<String>,
    fd: std::io::Result<OwnedFd>,
    kind: Kind,
    pool: &mut Vec<PoolFd>,
) {
    let what = what.into();
    match fd {
        Ok(fd) => {
            let kind = match kind {
                Kind::Ns(..) => match (
                    crate::sys::ns_ioctl(&fd, crate::sys::ioctl::NS_GET_NSTYPE, 0)
                        .ok()
                        .and_then(|f| u32::try_from(f).ok())
                        .and_then(NsType::by_clone_flag),
                    ident(&fd),
                ) {
                    (Some(t), Some(id)) => Kind::Ns(t, id),
                    _ => {
                        st.violate(format!("setns pool: {what} is no namespace file"));
                        return;
                    }
                },
                k => k,
            };
            pool.push(PoolFd {
                what,
                fd: fd.as_raw_fd(),
                kind,
                _owned: Some(fd),
            })
        }
        Err(e) => st.violate(format!("setns pool: {what}: {e}")),
    }
}

/// A pidfd of a process that has exited and been reaped: opened while it
/// is a zombie, so that no other process can have taken its pid.
fn reaped_pidfd() -> std::io::Result<OwnedFd> {
    let zombie = Zombie::new().map_err(std::io::Error::other)?;
    let fd = pidfd_open(zombie.pid);
    // Reaping our zombie.
    drop(zombie);
    fd
}

/// The pool: handles of every type (ours and a child's new ones), /proc nsfs
/// files, pidfds of processes and of a thread, of a reaped process, other
/// files, O_PATH descriptors, and numbers that are not open. Also the
/// child's namespaces (those a pidfd of it joins), in `NsType::all()` order (libnsfd keeps it in the order setns() installs a pidfd's).
fn setns_pool(
    st: &mut Stats,
    child: libc::pid_t,
    thread: libc::pid_t,
    reaped: RawFd,
) -> (Vec<PoolFd>, Vec<Option<Ident>>) {
    let mut pool = vec![];
    // A namespace file; owned() fills in its type and namespace.
    let ns = Kind::Ns(NsType::User, Ident { ino: 0, owner: 0 });
    for t in NsType::all_with_children() {
        let what = format!("own {} handle", t.name());
        owned(st, what, nsfd(0, t.nstype().into()), ns, &mut pool);
        let what = format!("child's {} handle", t.name());
        owned(st, what, nsfd(child, t.nstype().into()), ns, &mut pool);
        owned(
            st,
            format!("/proc/child/ns/{}", t.name()),
            open_ro(&format!("/proc/{child}/ns/{}", t.name())),
            ns,
            &mut pool,
        );
    }
    // A task's own pid and time namespaces, not those for its children.
    let of_child = NsType::all()
        .iter()
        .map(|t| nsfd(child, t.nstype().into()).ok().and_then(|h| ident(&h)))
        .collect();
    let pidfd = pidfd_open(child);
    owned(st, "pidfd of the child", pidfd, Kind::ChildPidfd, &mut pool);
    let pidfd = pidfd_open_with(thread, PIDFD_THREAD);
    owned(st, "pidfd of a thread", pidfd, Kind::ChildPidfd, &mut pool);
    pool.push(PoolFd {
        what: "pidfd of a reaped process".into(),
        fd: reaped,
        kind: Kind::ReapedPidfd,
        _owned: None,
    });
    let pidfd = pidfd_open(std::process::id() as _);
    owned(st, "own pidfd", pidfd, Kind::OwnPidfd, &mut pool);
    let file = open_ro("/proc/self/status");
    owned(st, "regular file", file, Kind::Other, &mut pool);
    let path = open_path("/proc/self/ns/uts");
    owned(st, "O_PATH nsfs file", path, Kind::Bad, &mut pool);
    let path = open_path("/proc/self/status");
    owned(st, "O_PATH regular file", path, Kind::Bad, &mut pool);
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let sock = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    );
    owned(
        st,
        "socket",
        sock.map_err(Into::into),
        Kind::Other,
        &mut pool,
    );
    let efd = rustix::event::eventfd(0, rustix::event::EventfdFlags::CLOEXEC);
    owned(
        st,
        "eventfd",
        efd.map_err(Into::into),
        Kind::Other,
        &mut pool,
    );
    // What opens a descriptor after this closes it before the next call:
    // the number is closed whenever setns() gets it.
    let closed = open_ro("/proc/self/status")
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
            kind: Kind::Bad,
            _owned: None,
        });
    }
    (pool, of_child)
}

fn random_setns_flags(r: &mut fastrand::Rng) -> libc::c_int {
    let t = any_type(r).flag();
    match r.u8(..7) {
        0 => 0,
        1 => t,
        2 => t | any_type(r).flag(),
        3 => CLONE_NEW_ALL as libc::c_int,
        4 => 1 << r.u32(..32),
        5 => -1,
        _ => r.i32(..),
    }
}

/// The batch process as setns() sees it: single-threaded, its own
/// fs_struct, root with every capability in the user namespace it is in.
struct Caller {
    /// The user namespace it is in.
    user: u64,
    /// Its namespaces, in `NsType::all()` order (pid: its own, which setns() never
    /// changes; user: unused, see `user`).
    ns: Vec<Option<Ident>>,
    /// Each user namespace of the pool and its parent.
    parents: Vec<(u64, u64)>,
}

impl Caller {
    /// CAP_SYS_ADMIN over user namespace `u`: it is ours or below ours.
    fn capable(&self, mut u: u64) -> bool {
        for _ in 0..8 {
            if u == self.user {
                return true;
            }
            match self.parents.iter().find(|(c, _)| *c == u) {
                Some((_, p)) if *p != 0 => u = *p,
                _ => return false,
            }
        }
        false
    }

    /// One type's `install`: EINVAL and EPERM in mainline's order. Every pid
    /// namespace of the pool is our own or its child (the descendant rule
    /// holds), and the caller is single-threaded with its own fs_struct (the
    /// thread and CLONE_FS rules of user, mount and time namespaces hold).
    fn install(&self, t: NsType, id: Ident) -> Result<(), i32> {
        if t.flag() == libc::CLONE_NEWUSER {
            if id.ino == self.user {
                return Err(libc::EINVAL); // its own user namespace
            }
            if !self.capable(id.ino) {
                return Err(libc::EPERM); // a user namespace not below its own
            }
        } else if !self.capable(id.owner) {
            return Err(libc::EPERM); // owned by a user namespace not below its own
        }
        Ok(())
    }

    /// What setns(`kind`, `flags`) must give, and on success the
    /// namespaces it joins.
    fn setns(
        &self,
        kind: Kind,
        flags: libc::c_int,
        of_child: &[Option<Ident>],
    ) -> Result<Vec<(NsType, Ident)>, i32> {
        let pidfd = |ns: &[Option<Ident>]| {
            // No type, or a bit that is none (a negative int widens to high bits).
            if flags <= 0 || flags as u64 & !CLONE_NEW_ALL != 0 {
                return Err(libc::EINVAL);
            }
            let mut joined = vec![];
            for (t, id) in NsType::all().iter().zip(ns) {
                if flags & t.flag() != 0 {
                    let id = id.ok_or(libc::ESRCH)?;
                    self.install(*t, id)?;
                    joined.push((*t, id));
                }
            }
            Ok(joined)
        };
        match kind {
            Kind::Bad => Err(libc::EBADF),
            Kind::Other => Err(libc::EINVAL),
            Kind::Ns(t, id) => {
                if flags != 0 && flags != t.flag() {
                    return Err(libc::EINVAL); // another type asked for
                }
                self.install(t, id).map(|()| vec![(t, id)])
            }
            // Valid flags: ESRCH, there is no task.
            Kind::ReapedPidfd => pidfd(&[None; 8]),
            Kind::ChildPidfd => pidfd(of_child),
            Kind::OwnPidfd => {
                let mut own = self.ns.clone();
                own[0] = Some(Ident {
                    ino: self.user,
                    owner: 0,
                });
                pidfd(&own)
            }
        }
    }
}

/// One batch of setns() calls in a forked child, which may end up in other
/// namespaces: it reports its counts to the parent through a pipe.
fn setns_batch(
    o: &Opts,
    batch: u64,
    calls: u64,
    child: libc::pid_t,
    thread: libc::pid_t,
    reaped: RawFd,
) -> Stats {
    let mut st = Stats::default();
    let Ok((rd, wr)) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC) else {
        st.violate("pipe2 failed".into());
        return st;
    };
    let _ = std::io::stdout().flush();
    // SAFETY: the stress process is single-threaded between phases.
    let pid = unsafe { fork() }.map_or(-1, |p| p.unwrap_or(0));
    if pid == 0 {
        drop(rd);
        let mut st = Stats::default();
        let mut r =
            fastrand::Rng::with_seed(o.seed ^ (batch + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let own: Vec<(NsType, OwnedFd)> = NsType::all_with_children()
            .iter()
            .filter_map(|t| nsfd(0, t.nstype().into()).ok().map(|h| (*t, h)))
            .collect();
        let (pool, of_child) = setns_pool(&mut st, child, thread, reaped);
        let mut me = Caller {
            user: own_ino(NsType::User),
            ns: NsType::all()
                .iter()
                .map(|t| nsfd(0, t.nstype().into()).ok().and_then(|h| ident(&h)))
                .collect(),
            parents: pool
                .iter()
                .filter_map(|f| match f.kind {
                    Kind::Ns(t, id) if t.flag() == libc::CLONE_NEWUSER => Some((id.ino, id.owner)),
                    _ => None,
                })
                .collect(),
        };
        if of_child.iter().any(Option::is_none) {
            st.violate("setns pool: a namespace of the child did not open".into());
        }
        let home = me.user;
        for n in 0..calls {
            let f = &pool[r.usize(..pool.len())];
            let flags = random_setns_flags(&mut r);
            let want = me.setns(f.kind, flags, &of_child);
            // Raw: any descriptor number, any flags.
            let x = setns(&FakeFd(f.fd), flags);
            let away = me.user != home;
            let what = || {
                format!(
                    "seed {} batch {batch} call {n}: setns({}, {flags:#x}){}",
                    o.seed,
                    f.what,
                    if away {
                        " in the child's user namespace"
                    } else {
                        ""
                    }
                )
            };
            st.exact("setns", &x, want.as_ref().map(|_| ()).map_err(|e| *e), what);
            let (Ok(_), Ok(joined)) = (&x, want) else {
                if x.is_ok() {
                    break; // joined what it should not have: where it is now is unknown
                }
                continue;
            };
            let user = joined.iter().find(|(t, _)| t.flag() == libc::CLONE_NEWUSER);
            if let Some((_, u)) = user {
                // No way back from another user namespace: the batch goes on
                // from there (the same seed gives the same path).
                me.user = u.ino;
            }
            if me.user == home {
                // Back to our namespaces, as a process in its own user
                // namespace always can.
                for (t, h) in &own {
                    if joined.iter().any(|(j, _)| j.flag() == t.flag()) {
                        if let Err(e) = rustix::thread::move_into_link_name_space(h.as_fd(), None) {
                            st.violate(format!("{}: back to own {}: {e}", what(), t.name()));
                        }
                    }
                }
            } else {
                // Now in those namespaces; its pid namespace stays (setns
                // changes only that of its children).
                for (t, id) in joined {
                    if let Some(i) = NsType::all().iter().position(|p| p.flag() == t.flag()) {
                        if t.flag() != libc::CLONE_NEWPID {
                            me.ns[i] = Some(id);
                        }
                    }
                }
            }
            if own_ino(NsType::User) != me.user {
                st.violate(format!("{}: not in the user namespace it joined", what()));
            }
        }
        let mut w = std::fs::File::from(wr);
        let _ = w.write_all(st.encode().as_bytes());
        drop(w);
        // Leave without the parent's exit handlers.
        exit_now(0);
    }
    drop(wr);
    let mut text = String::new();
    let _ = std::fs::File::from(rd).read_to_string(&mut text);
    // As before, a wait that fails counts as status 0.
    let status = nsfd_testutil::sys::positive_pid(pid)
        .and_then(|p| rustix::process::waitpid(Some(p), WaitOptions::empty()).ok()?)
        .map_or(0, |(_, s)| s.as_raw());
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
    let (sitter, thread) = match Holder::spawn_with_thread(flags) {
        Ok(x) => x,
        Err(e) => {
            st.violate(format!("fork a child in new namespaces: {e}"));
            return st;
        }
    };
    let reaped = match reaped_pidfd() {
        Ok(fd) => fd,
        Err(e) => {
            st.violate(format!("pidfd of a reaped process: {e}"));
            return st;
        }
    };
    let mut batch = 0;
    while !b.done() {
        // Only the calls a batch made count (it may die early).
        let got = setns_batch(
            o,
            batch,
            b.left().min(5000),
            sitter.pid,
            thread,
            reaped.as_raw_fd(),
        );
        let made = got.total();
        b.consume(made);
        st.merge(got);
        batch += 1;
        if made == 0 {
            // Its violation says why; the phase falls short of its share.
            break;
        }
    }
    drop(sitter);
    st
}

/// What an ioctl's pointer argument is.
#[derive(Clone, Copy, PartialEq)]
enum Ptr {
    Null,
    /// Our buffer, writable and larger than any result.
    Buf,
    /// Read-only, unmapped, kernel, non-canonical or in the first page.
    Fault,
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
        use rustix::mm::{MapFlags, ProtFlags};
        // A failed mmap is MAP_FAILED (-1), as before: an address the kernel refuses too.
        let map = || {
            // SAFETY: a fresh anonymous mapping at an address of the kernel's choosing
            // overlaps nothing of ours.
            unsafe {
                rustix::mm::mmap_anonymous(
                    std::ptr::null_mut(),
                    4096,
                    ProtFlags::READ,
                    MapFlags::PRIVATE,
                )
            }
            .map_or(usize::MAX, |p| p as usize)
        };
        // One is left read-only, one is unmapped again.
        let (ro, gone) = (map(), map());
        if gone != usize::MAX {
            // SAFETY: our own mapping, which nothing refers to.
            let _ = unsafe { rustix::mm::munmap(gone as *mut _, 4096) };
        }
        Pointers {
            buf: vec![0; 1 << 16],
            ro,
            unmapped: gone,
        }
    }

    fn pick(&mut self, r: &mut fastrand::Rng) -> (u64, Ptr) {
        match r.u8(..8) {
            0 => (0, Ptr::Null),
            1 | 2 => (self.buf.as_mut_ptr() as u64, Ptr::Buf),
            3 => (self.ro as u64, Ptr::Fault),
            4 => (self.unmapped as u64, Ptr::Fault),
            5 => (0xffff_ffff_8100_0000, Ptr::Fault),
            6 => (0x8000_0000_0000_0000, Ptr::Fault),
            _ => (r.u64(1..4096), Ptr::Fault),
        }
    }
}

/// The ioctl types of the VFS's generic commands (fs/ioctl.c: FIO*, FI*,
/// FS_IOC_*, FIBMAP): do_vfs_ioctl() answers them for every file before
/// nsfs sees them, so the fuzzer leaves them out.
const VFS_IOCTL_TYPES: [u64; 6] = [0x00, 0x15, 0x54, 0x58, 0x66, 0x94];

/// A handle of the ioctl phase: its type and namespace, and whether it is
/// ours (the rest are the child's new ones, below ours).
struct IoctlHandle {
    what: String,
    fd: OwnedFd,
    ty: libc::c_int,
    own: bool,
}

/// ioctl_ns(2) in fs/nsfs.c: whether `cmd` is an nsfs command.
fn nsfs_command(cmd: u64) -> bool {
    const FIXED: [u64; 10] = [
        NS_GET_USERNS,
        NS_GET_PARENT,
        NS_GET_NSTYPE,
        NS_GET_OWNER_UID,
        NS_GET_MNTNS_ID,
        NS_GET_PID_FROM_PIDNS,
        NS_GET_TGID_FROM_PIDNS,
        NS_GET_PID_IN_PIDNS,
        NS_GET_TGID_IN_PIDNS,
        NS_GET_ID,
    ];
    // NS_MNT_GET_{INFO,NEXT,PREV}: read, any size from struct mnt_ns_info's first.
    let extensible = cmd >> 30 == 2
        && (cmd >> 8) & 0xff == 0xb7
        && (10..=12).contains(&(cmd & 0xff))
        && (cmd >> 16) & 0x3fff >= 16;
    FIXED.contains(&cmd) || extensible
}

/// What ioctl(`h`, `cmd`, `arg`) may give: success or not, and which errors
/// (fs/nsfs.c's ns_ioctl(); the caller is root in the initial namespaces
/// when `sees_all`).
fn ioctl_allowed(h: &IoctlHandle, cmd: u64, arg: Ptr, sees_all: bool) -> (bool, &'static [i32]) {
    const FAULT: &[i32] = &[libc::EFAULT];
    // Written to `arg`: success for our buffer, EFAULT for anything else.
    let put = |ok| {
        if arg == Ptr::Buf {
            (ok, &[][..])
        } else {
            (false, FAULT)
        }
    };
    let is = |t| h.ty == t;
    if !nsfs_command(cmd) {
        return (false, &[libc::ENOTTY]); // no command of nsfs
    }
    let nr = cmd & 0xff;
    if (nr == 11 || nr == 12) && !sees_all {
        return (false, &[libc::EPERM]); // NS_MNT_GET_NEXT/PREV outside the initial namespaces
    }
    match cmd {
        // The owner (a user namespace's parent): ours for the child's
        // namespaces, none we can see for our own user namespace.
        NS_GET_USERNS if is(libc::CLONE_NEWUSER) && h.own => (false, &[libc::EPERM]),
        NS_GET_USERNS => (true, &[]),
        // NS_GET_PARENT: only pid and user namespaces have one, visible
        // for the child's (ours), not for our own.
        NS_GET_PARENT if !is(libc::CLONE_NEWUSER) && !is(libc::CLONE_NEWPID) => {
            (false, &[libc::EINVAL])
        }
        NS_GET_PARENT if h.own => (false, &[libc::EPERM]),
        NS_GET_PARENT => (true, &[]),
        // NS_GET_NSTYPE never fails.
        NS_GET_NSTYPE => (true, &[]),
        NS_GET_OWNER_UID if !is(libc::CLONE_NEWUSER) => (false, &[libc::EINVAL]),
        NS_GET_OWNER_UID => put(true),
        NS_GET_MNTNS_ID if !is(libc::CLONE_NEWNS) => (false, &[libc::EINVAL]),
        NS_GET_MNTNS_ID => put(true),
        NS_GET_PID_FROM_PIDNS..=NS_GET_TGID_IN_PIDNS if !is(libc::CLONE_NEWPID) => {
            (false, &[libc::EINVAL])
        }
        // The argument, as a pid: a task in the namespace, or none.
        NS_GET_PID_FROM_PIDNS..=NS_GET_TGID_IN_PIDNS => (true, &[libc::ESRCH]),
        NS_GET_ID => put(true),
        _ if !is(libc::CLONE_NEWNS) => (false, &[libc::EINVAL]), // NS_MNT_GET_*: mount namespaces only
        _ if nr == 10 && arg == Ptr::Null => (false, &[libc::EINVAL]), // NS_MNT_GET_INFO needs a buffer
        _ if nr == 10 => put(true),
        // The child's mount namespace is newer than ours: ours has a next,
        // the child's a previous one; past those, maybe none (ENOENT).
        _ if (nr == 11) == h.own => put(true),
        _ if arg == Ptr::Buf => (true, &[libc::ENOENT]),
        _ => (false, &[libc::ENOENT, libc::EFAULT]),
    }
}

/// ioctl(handle, cmd, arg) with random commands (the nsfs group, any group
/// but the VFS's generic ones) and random arguments, including bad pointers.
pub fn ioctl_calls(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let mut r = fastrand::Rng::with_seed(o.seed.rotate_left(17));
    let Ok(sitter) = Holder::spawn_bare(
        libc::CLONE_NEWUSER | libc::CLONE_NEWPID | libc::CLONE_NEWNS | libc::CLONE_NEWUTS,
    ) else {
        st.violate("fork a child in new namespaces failed".into());
        return st;
    };
    // The child's namespaces that are not its new ones are ours.
    let new_ones = [
        NsType::User,
        NsType::PidForChildren,
        NsType::Mnt,
        NsType::Uts,
    ];
    let mut handles = vec![];
    for t in NsType::all_with_children() {
        for pid in [0, sitter.pid] {
            let what = format!(
                "{} of {}",
                t.name(),
                if pid == 0 { "self" } else { "child" }
            );
            match nsfd(pid, t.nstype().into()) {
                Ok(fd) => handles.push(IoctlHandle {
                    what,
                    fd,
                    ty: t.flag(),
                    own: pid == 0 || !new_ones.contains(t),
                }),
                Err(e) => st.violate(format!("nsfd({what}): {e}")),
            }
        }
    }
    if handles.is_empty() {
        return st;
    }
    let sees_all =
        own_ino(NsType::Pid) == PID_NS_INIT_INO && own_ino(NsType::User) == USER_NS_INIT_INO;
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
        // Raw: any number, open or not; rustix takes only open descriptors.
        .filter(|fd| is_open(*fd))
        .collect();
    let mut n = 0u64;
    while b.take() {
        n += 1;
        let h = &handles[r.usize(..handles.len())];
        let cmd: u64 = match r.u8(..4) {
            // The nsfs group with any number, direction and size.
            0 | 1 => (r.u64(..4) << 30) | (r.u64(..1 << 14) << 16) | (0xb7 << 8) | r.u64(..32),
            2 => [
                NS_GET_USERNS,
                NS_GET_PARENT,
                NS_GET_NSTYPE,
                NS_GET_OWNER_UID,
                NS_GET_PID_FROM_PIDNS,
                NS_GET_TGID_FROM_PIDNS,
                NS_GET_PID_IN_PIDNS,
                NS_GET_TGID_IN_PIDNS,
                NS_MNT_GET_INFO,
                NS_MNT_GET_NEXT,
                NS_MNT_GET_PREV,
                NS_GET_MNTNS_ID,
                NS_GET_ID,
            ][r.usize(..13)],
            _ => loop {
                let c = r.u32(..) as u64;
                if !VFS_IOCTL_TYPES.contains(&((c >> 8) & 0xff)) {
                    break c;
                }
            },
        };
        let (arg, ptr) = ptrs.pick(&mut r);
        // Raw: any command and argument, which rustix's typed ioctls do not take.
        // SAFETY: every pointer `arg` can be is either our own buffer, large
        // enough for any size an ioctl number encodes, or memory the kernel
        // must refuse to touch (EFAULT): no random address of our own.
        let x = unsafe { ioctl_any(&h.fd, cmd, arg) };
        if let Ok(fd) = x {
            if fd >= 0 && !before.contains(&fd) && is_open(fd) {
                // Not one we had: a new descriptor the ioctl made, ours to close.
                drop(own(fd));
            }
        }
        let (ok, errs) = ioctl_allowed(h, cmd, ptr, sees_all);
        st.expect("ioctl(handle)", &x, ok, errs, || {
            format!(
                "seed {} call {n}: ioctl({}, {cmd:#x}, {arg:#x})",
                o.seed, h.what
            )
        });
    }
    drop(sitter);
    st
}
