//! nsfd_selftest: kselftest of nsfd(2) and setns(2), run as root inside the
//! kernel built by this project. One KTAP case per rule.

mod child;
mod exec_lock;
mod parity;

use child::Holder;
use nsfd::ktap::{check, Outcome, Suite};
use nsfd::*;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

pub(crate) fn fail(msg: impl Into<String>) -> Outcome {
    Outcome::Fail(msg.into())
}

/// `r` must fail with `errno`.
pub(crate) fn expect_errno<T>(r: io::Result<T>, errno: i32, what: &str) -> Result<(), Outcome> {
    match r {
        Err(e) if errno_of(&e) == errno => Ok(()),
        other => Err(fail(format!(
            "{what}: expected {}, got {}",
            errno_name(errno),
            describe(&other)
        ))),
    }
}

pub(crate) fn ok<T>(r: io::Result<T>, what: &str) -> Result<T, Outcome> {
    r.map_err(|e| fail(format!("{what}: {}", errno_name(errno_of(&e)))))
}

fn readlink_fd(fd: &impl AsRawFd) -> String {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|e| format!("<{e}>"))
}

/// A type's CONFIG is on when its /proc/self/ns entry exists.
fn configured(t: &NsType) -> bool {
    std::path::Path::new(&format!("/proc/self/ns/{}", t.name)).exists()
}

fn all_kinds() -> Vec<NsType> {
    ALL_TYPES
        .iter()
        .chain(FOR_CHILDREN_TYPES.iter())
        .copied()
        .collect()
}

fn fd_flags(fd: &impl AsRawFd) -> (i32, i32) {
    // SAFETY: F_GETFD/F_GETFL on a valid descriptor.
    unsafe {
        (
            libc::fcntl(fd.as_raw_fd(), libc::F_GETFD),
            libc::fcntl(fd.as_raw_fd(), libc::F_GETFL),
        )
    }
}

fn handle_rules(s: &mut Suite) {
    for t in all_kinds() {
        s.case(&format!("nsfd_{}_matches_proc_file", t.name), || {
            if !configured(&t) {
                return Err(Outcome::Skip(format!("CONFIG for {} is off", t.name)));
            }
            let h = ok(nsfd(0, t.nstype()), "nsfd")?;
            let st = ok(fstat(&h), "fstat")?;
            let proc = ok(
                stat(&format!("/proc/self/ns/{}", t.name)),
                "stat /proc/self/ns",
            )?;
            check(st.st_ino == proc.st_ino && st.st_dev == proc.st_dev, || {
                format!(
                    "(dev, ino) = ({}, {}), /proc file has ({}, {})",
                    st.st_dev, st.st_ino, proc.st_dev, proc.st_ino
                )
            })?;
            check(st.st_mode == libc::S_IFREG | 0o444, || {
                format!("mode {:o}, want 100444", st.st_mode)
            })?;
            // A handle is the namespace's nsfs file: no path of its own, and the link count
            // of the /proc file.
            check(st.st_nlink == proc.st_nlink, || {
                format!("st_nlink {}, /proc file has {}", st.st_nlink, proc.st_nlink)
            })?;
            let want = format!("{}:[{}]", t.link_name(), proc.st_ino);
            let got = readlink_fd(&h);
            check(got == want, || format!("readlink {got:?}, want {want:?}"))?;
            let (fdf, fl) = fd_flags(&h);
            check(fdf & libc::FD_CLOEXEC != 0, || "no FD_CLOEXEC".into())?;
            check(fl & libc::O_ACCMODE == libc::O_RDONLY, || {
                format!("access mode {:#x}, want O_RDONLY", fl & libc::O_ACCMODE)
            })?;
            let ty = ok(ns_ioctl(&h, ioctl::NS_GET_NSTYPE, 0), "NS_GET_NSTYPE")?;
            check(ty == t.flag, || {
                format!("NS_GET_NSTYPE {ty:#x}, want {:#x}", t.flag)
            })?;
            let pf = ok(
                open_ro(&format!("/proc/self/ns/{}", t.name)),
                "open /proc file",
            )?;
            let (a, b) = (
                ok(ns_id(&h), "NS_GET_ID")?,
                ok(ns_id(&pf), "NS_GET_ID on /proc file")?,
            );
            check(a == b, || {
                format!("NS_GET_ID {a} vs {b} for the /proc file")
            })
        });
    }
}

fn argument_errors(s: &mut Suite) {
    let net = libc::CLONE_NEWNET as libc::c_ulong;
    let cases: [(&str, libc::pid_t, libc::c_ulong, i32); 8] = [
        ("nsfd_nstype_zero_einval", 0, 0, libc::EINVAL),
        (
            "nsfd_two_types_einval",
            0,
            net | libc::CLONE_NEWUTS as libc::c_ulong,
            libc::EINVAL,
        ),
        ("nsfd_unknown_bits_einval", 0, 1 << 40, libc::EINVAL),
        (
            "nsfd_non_ns_clone_flag_einval",
            0,
            libc::CLONE_VM as libc::c_ulong,
            libc::EINVAL,
        ),
        (
            "nsfd_for_children_with_net_einval",
            0,
            net | NSFD_FOR_CHILDREN,
            libc::EINVAL,
        ),
        (
            "nsfd_for_children_alone_einval",
            0,
            NSFD_FOR_CHILDREN,
            libc::EINVAL,
        ),
        ("nsfd_negative_pid_einval", -1, net, libc::EINVAL),
        ("nsfd_missing_pid_esrch", 4_000_000, net, libc::ESRCH),
    ];
    for (name, pid, nstype, errno) in cases {
        s.case(name, || {
            expect_errno(
                nsfd(pid, nstype),
                errno,
                &format!("nsfd({pid}, {nstype:#x})"),
            )
        });
    }
    s.case("nsfd_other_task_pid", || {
        let h = ok(nsfd(1, libc::CLONE_NEWNET as _), "nsfd(1, NET)")?;
        let a = ok(fstat(&h), "fstat")?.st_ino;
        let b = ok(stat("/proc/1/ns/net"), "stat /proc/1/ns/net")?.st_ino;
        check(a == b, || format!("ino {a}, /proc/1/ns/net has {b}"))
    });
    s.case("nsfd_config_off_type_eopnotsupp", || {
        // A type whose CONFIG is off has no /proc/self/ns entry.
        let off: Vec<NsType> = all_kinds().into_iter().filter(|t| !configured(t)).collect();
        if off.is_empty() {
            return Err(Outcome::Skip(
                "every namespace type is configured in this kernel".into(),
            ));
        }
        for t in off {
            expect_errno(
                nsfd(0, t.nstype()),
                libc::EOPNOTSUPP,
                &format!("nsfd(0, {})", t.name),
            )?;
        }
        Ok(())
    });
    s.case("nsfd_exited_task_esrch", || {
        // A zombie has dropped its nsproxy but keeps its credentials and pid: the types held by
        // the nsproxy are ESRCH (its /proc/PID/ns files fail too), user and pid still work.
        let zombie = Zombie::new().map_err(fail)?;
        for t in all_kinds().iter().filter(|t| configured(t)) {
            let h = nsfd(zombie.pid, t.nstype());
            let p = open_ro(&format!("/proc/{}/ns/{}", zombie.pid, t.name));
            if matches!(t.name, "user" | "pid") {
                let (h, p) = (ok(h, t.name)?, ok(p, t.name)?);
                let (a, b) = (
                    ok(fstat(&h), "fstat")?.st_ino,
                    ok(fstat(&p), "fstat")?.st_ino,
                );
                check(a == b, || format!("{}: handle ino {a}, /proc {b}", t.name))?;
            } else {
                expect_errno(h, libc::ESRCH, &format!("nsfd(zombie, {})", t.name))?;
                check(p.is_err(), || {
                    format!("/proc/PID/ns/{} of a zombie opened", t.name)
                })?;
            }
        }
        Ok(())
    });
}

/// A child that has exited and is not reaped until drop.
struct Zombie {
    pid: libc::pid_t,
}

impl Zombie {
    fn new() -> Result<Zombie, String> {
        // SAFETY: the child only calls _exit.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: leave at once.
            unsafe { libc::_exit(0) };
        }
        if pid < 0 {
            return Err("fork failed".into());
        }
        // SAFETY: zeroed siginfo is a valid out-parameter.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: WNOWAIT leaves the child a zombie.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as _,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r < 0 {
            child::wait(pid);
            return Err(format!("waitid: {}", io::Error::last_os_error()));
        }
        Ok(Zombie { pid })
    }
}

impl Drop for Zombie {
    fn drop(&mut self) {
        child::wait(self.pid);
    }
}

/// A raw system call's return value as a result (errno when negative).
fn sys_result(r: isize) -> io::Result<isize> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn file_rules(s: &mut Suite) {
    s.case("handle_read_einval", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        let mut b = [0u8; 8];
        // SAFETY: valid buffer.
        let r = unsafe { libc::read(h.as_raw_fd(), b.as_mut_ptr().cast(), b.len()) };
        expect_errno(sys_result(r), libc::EINVAL, "read")
    });
    s.case("handle_write_fails_as_nsfs", || {
        // The handle is O_RDONLY: the VFS answers EBADF before the file is asked, as for
        // any read-only descriptor and for nsfs files.
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        // SAFETY: valid buffer.
        let r = unsafe { libc::write(h.as_raw_fd(), b"x".as_ptr().cast(), 1) };
        expect_errno(sys_result(r), libc::EBADF, "write")?;
        // It cannot be reopened for writing, even by root: like nsfs inodes it is immutable.
        let open_rw = |p: String| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(p)
                .map(|_| ())
        };
        let a = open_rw(format!("/proc/self/fd/{}", h.as_raw_fd()));
        let b = open_rw("/proc/self/ns/uts".into());
        check(describe(&a) == describe(&b) && a.is_err(), || {
            format!(
                "O_RDWR reopen: handle {}, nsfs file {}",
                describe(&a),
                describe(&b)
            )
        })
    });
    s.case("handle_reopen_same_namespace", || {
        let h = ok(nsfd(0, libc::CLONE_NEWIPC as _), "nsfd")?;
        let r = ok(
            open_ro(&format!("/proc/self/fd/{}", h.as_raw_fd())),
            "reopen",
        )?;
        let (a, b) = (ok(fstat(&h), "fstat")?, ok(fstat(&r), "fstat reopened")?);
        check(a.st_ino == b.st_ino, || {
            "reopened fd names another namespace".into()
        })?;
        let ty = ok(
            ns_ioctl(&r, ioctl::NS_GET_NSTYPE, 0),
            "NS_GET_NSTYPE on reopened fd",
        )?;
        check(ty == libc::CLONE_NEWIPC, || format!("type {ty:#x}"))
    });
    s.case("ioctl_get_userns_matches_proc", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        let u = ok(ns_ioctl_fd(&h, ioctl::NS_GET_USERNS), "NS_GET_USERNS")?;
        let a = ok(fstat(&u), "fstat")?.st_ino;
        let b = ok(stat("/proc/self/ns/user"), "stat")?.st_ino;
        check(a == b, || format!("owner {a}, /proc/self/ns/user {b}"))
    });
    s.case("ioctl_get_parent_of_init_userns_eperm", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUSER as _), "nsfd")?;
        expect_errno(
            ns_ioctl_fd(&h, ioctl::NS_GET_PARENT),
            libc::EPERM,
            "NS_GET_PARENT",
        )
    });
    s.case("ioctl_get_parent_of_uts_einval", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        expect_errno(
            ns_ioctl_fd(&h, ioctl::NS_GET_PARENT),
            libc::EINVAL,
            "NS_GET_PARENT",
        )
    });
    s.case("ioctl_owner_uid", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUSER as _), "nsfd")?;
        let uid = ok(ns_owner_uid(&h), "NS_GET_OWNER_UID")?;
        check(uid == 0, || format!("owner uid {uid}"))?;
        let u = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        expect_errno(ns_owner_uid(&u), libc::EINVAL, "NS_GET_OWNER_UID on uts")
    });
    s.case("ioctl_pid_translation", || {
        let h = ok(nsfd(0, libc::CLONE_NEWPID as _), "nsfd")?;
        // SAFETY: getpid has no preconditions.
        let me = unsafe { libc::getpid() };
        let a = ok(
            ns_ioctl(&h, ioctl::NS_GET_PID_IN_PIDNS, me as _),
            "NS_GET_PID_IN_PIDNS",
        )?;
        let b = ok(
            ns_ioctl(&h, ioctl::NS_GET_TGID_FROM_PIDNS, me as _),
            "NS_GET_TGID_FROM_PIDNS",
        )?;
        check(a == me && b == me, || format!("{a}, {b}, want {me}"))
    });
}

/// Whether the namespace with 64-bit `id` and type `flag` is still listed by listns().
fn listed(id: u64, flag: libc::c_int) -> io::Result<bool> {
    #[repr(C)]
    struct NsIdReq {
        size: u32,
        spare: u32,
        ns_id: u64,
        ns_type: u32,
        spare2: u32,
        user_ns_id: u64,
    }
    let req = NsIdReq {
        size: 32,
        spare: 0,
        ns_id: 0,
        ns_type: flag as u32,
        spare2: 0,
        user_ns_id: 0,
    };
    let mut ids = vec![0u64; 4096];
    // SAFETY: listns(req, ids, nr, flags) with valid buffers; 470 is listns in every table.
    let n = unsafe { libc::syscall(470, &req as *const NsIdReq, ids.as_mut_ptr(), ids.len(), 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(ids[..n as usize].contains(&id))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn set_hostname(name: &str) {
    // SAFETY: valid buffer and length.
    unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) };
}

/// The hostname seen after joining the uts namespace behind `path`.
fn hostname_via(path: String) -> Result<String, String> {
    child::run(move || {
        let f = open_ro(&path).map_err(|e| format!("open {path}: {e}"))?;
        setns(&f, libc::CLONE_NEWUTS).map_err(|e| format!("setns: {e}"))?;
        Ok(hostname())
    })
}

fn lifetime(s: &mut Suite) {
    s.case("lifetime_handle_outlives_creator", || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-life")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd(holder)")?;
        let id = ok(ns_id(&h), "NS_GET_ID")?;
        holder.exit();
        let got = hostname_via(format!("/proc/self/fd/{}", h.as_raw_fd())).map_err(fail)?;
        check(got == "nsfd-life", || {
            format!("hostname {got:?} after the creator exited")
        })?;
        check(listed(id, libc::CLONE_NEWUTS).unwrap_or(false), || {
            "listns() lost the namespace".into()
        })?;
        drop(h);
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still listed after the last handle closed".into()
        })
    });
    s.case("lifetime_reopened_fd_keeps_namespace", || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-reopen")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd(holder)")?;
        let id = ok(ns_id(&h), "NS_GET_ID")?;
        let r = ok(
            open_ro(&format!("/proc/self/fd/{}", h.as_raw_fd())),
            "reopen",
        )?;
        holder.exit();
        drop(h);
        let got = hostname_via(format!("/proc/self/fd/{}", r.as_raw_fd())).map_err(fail)?;
        check(got == "nsfd-reopen", || {
            format!("hostname {got:?} through the reopened fd")
        })?;
        drop(r);
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still listed after the reopened fd closed".into()
        })
    });
    s.case("lifetime_bind_mount_keeps_namespace", || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-bind")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd(holder)")?;
        let id = ok(ns_id(&h), "NS_GET_ID")?;
        holder.exit();
        let path = "/tmp/nsfd-bind-test";
        touch(path).map_err(fail)?;
        mount_bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), path).map_err(fail)?;
        drop(h);
        let got = hostname_via(path.into()).map_err(fail)?;
        check(got == "nsfd-bind", || {
            format!("hostname {got:?} through the bind mount")
        })?;
        check(listed(id, libc::CLONE_NEWUTS).unwrap_or(false), || {
            "bind mount did not keep the namespace listed".into()
        })?;
        umount(path).map_err(fail)?;
        let _ = std::fs::remove_file(path);
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still listed after umount".into()
        })
    });
    s.case("no_leak_10000_cycles", || {
        let holder = Holder::spawn(libc::CLONE_NEWUTS, || ()).map_err(fail)?;
        let first = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd")?;
        let id = ok(ns_id(&first), "NS_GET_ID")?;
        drop(first);
        // Exact object counts, not memory: under KASAN freed memory sits in quarantine. Every
        // handle is one inode and one file, both released by the time close() returns.
        let before = (fs_count("inode-nr")?, fs_count("file-nr")?);
        for i in 0..10_000 {
            let h = nsfd(holder.pid, libc::CLONE_NEWUTS as _)
                .map_err(|e| fail(format!("cycle {i}: {e}")))?;
            drop(h);
        }
        let after = (fs_count("inode-nr")?, fs_count("file-nr")?);
        holder.exit();
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still alive after 10000 handles were closed".into()
        })?;
        // One leaked handle per cycle would add 10000 of each; allow for the rest of the system.
        check(after.0 < before.0 + 500 && after.1 < before.1 + 500, || {
            format!(
                "inodes {} -> {}, files {} -> {} over 10000 handles",
                before.0, after.0, before.1, after.1
            )
        })
    });
}

/// The first number of /proc/sys/fs/NAME: allocated inodes (inode-nr) or files (file-nr).
fn fs_count(name: &str) -> Result<u64, Outcome> {
    std::fs::read_to_string(format!("/proc/sys/fs/{name}"))
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| fail(format!("cannot read /proc/sys/fs/{name}")))
}

fn mount_bind(src: &str, dst: &str) -> Result<(), String> {
    nsfd::mount_bind(src, dst).map_err(|e| format!("mount --bind {src} {dst}: {e}"))
}

fn umount(path: &str) -> Result<(), String> {
    let p = std::ffi::CString::new(path).unwrap();
    // SAFETY: valid string.
    if unsafe { libc::umount2(p.as_ptr(), 0) } < 0 {
        return Err(format!("umount {path}: {}", io::Error::last_os_error()));
    }
    Ok(())
}

/// The namespace of `t` that the calling process is in, by inode number.
fn own_ino(name: &str) -> u64 {
    stat(&format!("/proc/self/ns/{name}"))
        .map(|s| s.st_ino)
        .unwrap_or(0)
}

/// setns() in a child on `open()` of `path`, then the child's namespaces. The
/// child opens the file first and then becomes the caller under test, as a
/// process that was handed the descriptor would.
fn setns_result(path: String, nstype: libc::c_int, prep: Prep) -> String {
    child::run(move || {
        let f = open_ro(&path).map_err(|e| format!("open {path}: {e}"))?;
        prep()?;
        // A caller that made its own user namespace has a different one in each child:
        // name it "caller" so that the two children compare equal.
        let caller_user = own_ino("user");
        let r = setns(&f, nstype);
        let mut out = describe(&r);
        for t in ALL_TYPES.iter().chain(FOR_CHILDREN_TYPES.iter()) {
            match own_ino(t.name) {
                ino if t.name == "user" && ino == caller_user => out.push_str(" user=caller"),
                ino => out.push_str(&format!(" {}={ino}", t.name)),
            }
        }
        Ok(out)
    })
    .unwrap_or_else(|e| format!("child failed: {e}"))
}

fn as_root() -> Result<(), String> {
    Ok(())
}

fn as_nobody() -> Result<(), String> {
    // SAFETY: plain credential system call.
    let gid = unsafe { libc::setresgid(65534, 65534, 65534) };
    // SAFETY: plain credential system call.
    let uid = unsafe { libc::setresuid(65534, 65534, 65534) };
    if gid < 0 || uid < 0 {
        return Err(format!("drop to nobody: {}", io::Error::last_os_error()));
    }
    Ok(())
}

fn in_new_userns() -> Result<(), String> {
    // SAFETY: plain system call.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER) } < 0 {
        return Err(format!(
            "unshare(CLONE_NEWUSER): {}",
            io::Error::last_os_error()
        ));
    }
    Ok(())
}

fn multithreaded() -> Result<(), String> {
    // A second thread: the caller is multithreaded and shares its fs_struct.
    std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(3600)));
    Ok(())
}

fn sharing_fs_struct() -> Result<(), String> {
    // A process, not a thread, that shares the caller's fs_struct (CLONE_FS).
    // SAFETY: clone without CLONE_VM behaves as fork; the child only waits to die.
    let pid = unsafe { libc::syscall(libc::SYS_clone, libc::CLONE_FS | libc::SIGCHLD, 0, 0, 0, 0) };
    match pid {
        0 => {
            // SAFETY: plain system calls in the child.
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                libc::pause();
                libc::_exit(0)
            }
        }
        p if p < 0 => Err(format!("clone(CLONE_FS): {}", io::Error::last_os_error())),
        _ => Ok(()),
    }
}

/// A way to become the caller of a test: runs in the child before the call.
type Prep = fn() -> Result<(), String>;

const MATRIX_CALLERS: [(&str, Prep); 5] = [
    ("root", as_root),
    ("nobody", as_nobody),
    ("userns", in_new_userns),
    ("threaded", multithreaded),
    ("clonefs", sharing_fs_struct),
];
const MATRIX_NSTYPES: [&str; 3] = ["match", "zero", "mismatch"];

fn matrix_name(t: &str, caller: &str, nstype: &str) -> String {
    format!("setns_{t}_{caller}_{nstype}")
}

/// Reports every matrix case of `t` with the same outcome (a skip or a set-up failure).
fn matrix_all(s: &mut Suite, t: &str, outcome: impl Fn() -> Outcome) {
    for (c, _) in MATRIX_CALLERS {
        for n in MATRIX_NSTYPES {
            s.report(&matrix_name(t, c, n), outcome());
        }
    }
}

fn setns_matrix(s: &mut Suite) {
    let callers = MATRIX_CALLERS;
    // Targets: a fresh namespace of each type held by a child, plus the caller's own.
    for t in ALL_TYPES {
        if !configured(&t) {
            matrix_all(s, t.name, || {
                Outcome::Skip(format!("CONFIG for {} is off", t.name))
            });
            continue;
        }
        let holder = match Holder::spawn(t.flag, || ()) {
            Ok(h) => h,
            Err(e) => {
                matrix_all(s, t.name, || fail(e.clone()));
                continue;
            }
        };
        let (pid, src) = (
            holder.pid,
            if matches!(t.name, "pid" | "time") {
                format!("{}_for_children", t.name)
            } else {
                t.name.to_string()
            },
        );
        let kind = NsType::by_name(&src).unwrap();
        let handle = match nsfd(pid, kind.nstype()) {
            Ok(h) => h,
            Err(e) => {
                matrix_all(s, t.name, || fail(format!("nsfd: {e}")));
                continue;
            }
        };
        let hpath = format!("/proc/{}/fd/{}", std::process::id(), handle.as_raw_fd());
        let ppath = format!("/proc/{pid}/ns/{src}");
        for (cname, prep) in callers {
            for (nname, nstype) in MATRIX_NSTYPES
                .into_iter()
                .zip([t.flag, 0, mismatch(t.flag)])
            {
                let name = matrix_name(t.name, cname, nname);
                let (a, b) = (
                    setns_result(hpath.clone(), nstype, prep),
                    setns_result(ppath.clone(), nstype, prep),
                );
                s.report(
                    &name,
                    if a == b {
                        Outcome::Pass
                    } else {
                        fail(format!("handle: {a}\n/proc:   {b}"))
                    },
                );
            }
        }
        drop(handle);
        holder.exit();
    }
}

fn mismatch(flag: libc::c_int) -> libc::c_int {
    if flag == libc::CLONE_NEWNET {
        libc::CLONE_NEWUTS
    } else {
        libc::CLONE_NEWNET
    }
}

fn setns_errors(s: &mut Suite) {
    s.case("setns_closed_fd_ebadf", || {
        expect_errno(setns(&FakeFd(1000), 0), libc::EBADF, "setns(1000)")
    });
    s.case("setns_negative_fd_ebadf", || {
        expect_errno(setns(&FakeFd(-1), 0), libc::EBADF, "setns(-1)")
    });
    s.case("setns_regular_file_einval", || {
        let f = ok(open_ro("/proc/self/status"), "open")?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(regular file)")
    });
    s.case("setns_memfd_einval", || {
        // SAFETY: valid name.
        let fd = unsafe { libc::memfd_create(c"nsfd".as_ptr(), libc::MFD_CLOEXEC) };
        let f = ok(own(fd), "memfd_create")?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(memfd)")
    });
    s.case("setns_eventfd_einval", || {
        // SAFETY: plain system call.
        let f = ok(
            own(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) }),
            "eventfd",
        )?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(eventfd)")
    });
    s.case("setns_socket_einval", || {
        // SAFETY: plain system call.
        let f = ok(
            own(unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) }),
            "socket",
        )?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(socket)")
    });
    s.case("setns_pidfd_bad_flags_einval", || {
        // SAFETY: plain system call.
        let pfd = ok(
            own(unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) } as i32),
            "pidfd_open",
        )?;
        expect_errno(setns(&pfd, 0), libc::EINVAL, "setns(pidfd, 0)")?;
        expect_errno(setns(&pfd, -1), libc::EINVAL, "setns(pidfd, -1)")?;
        expect_errno(
            setns(&pfd, libc::CLONE_VM),
            libc::EINVAL,
            "setns(pidfd, CLONE_VM)",
        )
    });
    s.case("setns_pidfd_exited_esrch", || {
        let holder = Holder::spawn(0, || ()).map_err(fail)?;
        // SAFETY: plain system call.
        let pfd = ok(
            own(unsafe { libc::syscall(libc::SYS_pidfd_open, holder.pid, 0) } as i32),
            "pidfd_open",
        )?;
        holder.exit();
        expect_errno(
            setns(&pfd, libc::CLONE_NEWUTS),
            libc::ESRCH,
            "setns(pidfd of exited task)",
        )
    });
}

struct FakeFd(i32);
impl AsRawFd for FakeFd {
    fn as_raw_fd(&self) -> i32 {
        self.0
    }
}

fn own(fd: i32) -> io::Result<OwnedFd> {
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor we own.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(fd) })
}

fn permissions(s: &mut Suite) {
    // For each caller, nsfd(pid, type) must give what open(/proc/pid/ns/type) gives.
    let callers: [(&str, Prep); 3] = [
        ("root", as_root),
        ("nobody", as_nobody),
        ("userns", in_new_userns),
    ];
    for (cname, prep) in callers {
        s.case(&format!("permission_{cname}_equals_proc"), || {
            let out = child::run(move || {
                prep()?;
                let mut diffs = String::new();
                // SAFETY: getpid has no preconditions.
                for pid in [1, 0, unsafe { libc::getpid() }] {
                    for t in all_kinds() {
                        if !configured(&t) {
                            continue;
                        }
                        let a = describe(&nsfd(pid, t.nstype()));
                        let p = if pid == 0 {
                            "self".to_string()
                        } else {
                            pid.to_string()
                        };
                        let b = describe(&open_ro(&format!("/proc/{p}/ns/{}", t.name)));
                        if a != b {
                            diffs.push_str(&format!("pid {pid} {}: nsfd {a}, /proc {b}\n", t.name));
                        }
                    }
                }
                if diffs.is_empty() {
                    Ok(String::new())
                } else {
                    Err(diffs)
                }
            });
            out.map(|_| ()).map_err(fail)
        });
    }
}

fn round_trips(s: &mut Suite) {
    s.case("round_trip_net_back_and_forth", || {
        child_case(|| {
            let orig = nsfd(0, libc::CLONE_NEWNET as _).map_err(|e| e.to_string())?;
            let before = own_ino("net");
            // SAFETY: plain system call.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } < 0 {
                return Err("unshare".into());
            }
            let new = nsfd(0, libc::CLONE_NEWNET as _).map_err(|e| e.to_string())?;
            let inside = own_ino("net");
            setns(&orig, libc::CLONE_NEWNET).map_err(|e| format!("setns back: {e}"))?;
            if own_ino("net") != before {
                return Err("not back in the original net namespace".into());
            }
            setns(&new, 0).map_err(|e| format!("setns again: {e}"))?;
            if own_ino("net") != inside {
                return Err("not in the new net namespace again".into());
            }
            Ok(String::new())
        })
    });
    s.case("round_trip_mnt_sees_its_mounts", || {
        let holder = Holder::spawn(libc::CLONE_NEWNS, || {
            let (t, s) = (c"tmpfs", c"/mnt");
            // SAFETY: valid strings. Make the mount private to this namespace, then mount.
            unsafe {
                libc::mount(
                    std::ptr::null(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                );
                libc::mount(t.as_ptr(), s.as_ptr(), t.as_ptr(), 0, std::ptr::null());
                std::fs::write("/mnt/nsfd-marker", b"x").ok();
            }
        })
        .map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWNS as _), "nsfd(mnt)")?;
        holder.exit();
        let hp = format!("/proc/self/fd/{}", h.as_raw_fd());
        let out = child::run(move || {
            let f = open_ro(&hp).map_err(|e| e.to_string())?;
            setns(&f, libc::CLONE_NEWNS).map_err(|e| format!("setns: {e}"))?;
            Ok(std::path::Path::new("/mnt/nsfd-marker")
                .exists()
                .to_string())
        })
        .map_err(fail)?;
        check(out == "true", || {
            "the mount namespace's tmpfs is not visible after setns".into()
        })
    });
    s.case("round_trip_pid_only_children", || {
        let holder = Holder::spawn(libc::CLONE_NEWPID, || ()).map_err(fail)?;
        let h = ok(
            nsfd(
                holder.pid,
                libc::CLONE_NEWPID as libc::c_ulong | NSFD_FOR_CHILDREN,
            ),
            "nsfd(pid_for_children)",
        )?;
        let target = ok(fstat(&h), "fstat")?.st_ino;
        let hp = format!("/proc/self/fd/{}", h.as_raw_fd());
        let out = child::run(move || {
            let own_before = own_ino("pid");
            let f = open_ro(&hp).map_err(|e| e.to_string())?;
            setns(&f, libc::CLONE_NEWPID).map_err(|e| format!("setns: {e}"))?;
            let own_after = own_ino("pid");
            let child = own_ino("pid_for_children");
            // A child lands in it, with a pid of that namespace.
            // SAFETY: getpid has no preconditions.
            let pid_in_child = child::run(|| Ok(unsafe { libc::getpid() }.to_string()))?;
            Ok(format!(
                "{} {} {} {}",
                own_before == own_after,
                child,
                pid_in_child,
                own_after
            ))
        })
        .map_err(fail)?;
        holder.exit();
        let parts: Vec<&str> = out.split(' ').collect();
        check(parts[0] == "true", || {
            "setns(pid) changed the caller's own pid namespace".into()
        })?;
        check(parts[1] == target.to_string(), || {
            format!("pid_for_children {} want {target}", parts[1])
        })?;
        // The holder's first child is pid 1 there (and was killed), so ours is small.
        check(
            parts[2].parse::<i32>().map(|p| p < 100).unwrap_or(false),
            || format!("child pid {} in the new namespace", parts[2]),
        )
    });
}

fn shell_flow(s: &mut Suite) {
    s.case("rfc_shell_flow_bind_mount_survives_shell", || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-shell")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd")?;
        holder.exit();
        let path = "/tmp/nsfd-shell-uts";
        // The shell inherits the handle as fd 7 and does the bind mount itself.
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "touch {path} && mount --bind /proc/self/fd/7 {path}"
            ))
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .pre_exec_dup(h.as_raw_fd(), 7)
            .status()
            .map_err(|e| fail(format!("sh: {e}")))?;
        drop(h);
        check(status.success(), || {
            format!("the shell's mount --bind failed: {status}")
        })?;
        let got = hostname_via(path.into()).map_err(fail)?;
        let _ = umount(path);
        let _ = std::fs::remove_file(path);
        check(got == "nsfd-shell", || {
            format!("hostname {got:?} after the shell exited")
        })
    });
}

trait PreExecDup {
    fn pre_exec_dup(&mut self, from: i32, to: i32) -> &mut Self;
}

impl PreExecDup for std::process::Command {
    fn pre_exec_dup(&mut self, from: i32, to: i32) -> &mut Self {
        use std::os::unix::process::CommandExt;
        // SAFETY: dup2 is async-signal-safe; the new fd is not close-on-exec.
        unsafe {
            self.pre_exec(move || {
                if libc::dup2(from, to) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            })
        }
    }
}

/// A private mount namespace for the calling (child) process.
fn unshare_mounts() -> Result<(), String> {
    // SAFETY: plain system calls with valid arguments.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) < 0
            || libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) < 0
        {
            return Err(format!(
                "private mount namespace: {}",
                io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

fn touch(path: &str) -> Result<(), String> {
    std::fs::write(path, b"").map_err(|e| format!("create {path}: {e}"))
}

fn child_case(f: impl FnOnce() -> Result<String, String>) -> Result<(), Outcome> {
    child::run(f).map(|_| ()).map_err(fail)
}

/// A bind mount of a mount namespace could pin a namespace that contains it: handles follow
/// nsfs's rule (fs/namespace.c: mnt_ns_loop, copy_tree).
fn mount_ns_rules(s: &mut Suite) {
    s.case("mntns_bind_own_or_older_einval_as_nsfs", || {
        child_case(|| {
            unshare_mounts()?;
            let path = "/tmp/nsfd-mntns-loop";
            touch(path)?;
            // Our own namespace, then init's (older): both could reach this mount.
            for (pid, proc_path) in [(0, "/proc/self/ns/mnt"), (1, "/proc/1/ns/mnt")] {
                let h =
                    nsfd(pid, libc::CLONE_NEWNS as _).map_err(|e| format!("nsfd({pid}): {e}"))?;
                let a = nsfd::mount_bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), path);
                let b = nsfd::mount_bind(proc_path, path);
                if !(matches!(&a, Err(e) if errno_of(e) == libc::EINVAL)
                    && matches!(&b, Err(e) if errno_of(e) == libc::EINVAL))
                {
                    return Err(format!(
                        "pid {pid}: bind of handle {}, of {proc_path} {}; want EINVAL",
                        describe(&a),
                        describe(&b)
                    ));
                }
            }
            let _ = std::fs::remove_file(path);
            Ok(String::new())
        })
    });
    s.case("mntns_bind_newer_kept_not_copied_as_nsfs", || {
        child_case(|| {
            unshare_mounts()?;
            let holder = Holder::spawn(libc::CLONE_NEWNS, || ())?;
            let h = nsfd(holder.pid, libc::CLONE_NEWNS as _).map_err(|e| format!("nsfd: {e}"))?;
            let ino = fstat(&h).map_err(|e| format!("fstat: {e}"))?.st_ino;
            let (hp, pp) = ("/tmp/nsfd-mntns-handle", "/tmp/nsfd-mntns-proc");
            touch(hp)?;
            touch(pp)?;
            // A newer namespace cannot contain this mount: both binds are allowed.
            mount_bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), hp)?;
            mount_bind(&format!("/proc/{}/ns/mnt", holder.pid), pp)?;
            holder.exit();
            drop(h);
            let pinned = open_ro(hp).map_err(|e| format!("open {hp}: {e}"))?;
            let ty = ns_ioctl(&pinned, ioctl::NS_GET_NSTYPE, 0).map_err(|e| format!("{e}"))?;
            let st = fstat(&pinned).map_err(|e| format!("fstat: {e}"))?;
            if ty != libc::CLONE_NEWNS || st.st_ino != ino {
                return Err(format!("{hp}: type {ty:#x}, ino {}, want {ino}", st.st_ino));
            }
            drop(pinned);
            // Not copied into a new mount namespace: there both paths are the plain files.
            // SAFETY: plain system call.
            if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
                return Err(format!("unshare: {}", io::Error::last_os_error()));
            }
            for p in [hp, pp] {
                let got = stat(p).map_err(|e| format!("stat {p}: {e}"))?.st_ino;
                if got == ino {
                    return Err(format!("{p} still names the namespace in a copy"));
                }
                let _ = std::fs::remove_file(p);
            }
            Ok(String::new())
        })
    });
}

/// The i386 entry points (`int $0x80`), which a 64-bit process can reach too.
fn compat_entries(s: &mut Suite) {
    s.case("compat_i386_nsfd_and_setns", || {
        // Without i386 emulation int $0x80 kills the caller: probe in a child.
        if child::run(|| Ok(compat::setns(-1, 0).to_string())).is_err() {
            return Err(Outcome::Skip(
                "no i386 emulation in this kernel (CONFIG_IA32_EMULATION)".into(),
            ));
        }
        child_case(|| {
            let want = |what: &str, got: i32, errno: i32| {
                if got == -errno {
                    Ok(())
                } else {
                    Err(format!("i386 {what}: {got}, want -{}", errno_name(errno)))
                }
            };
            want("setns(-1, 0)", compat::setns(-1, 0), libc::EBADF)?;
            want("nsfd(0, 0)", compat::nsfd(0, 0), libc::EINVAL)?;
            want(
                "nsfd(-1, NET)",
                compat::nsfd(-1, libc::CLONE_NEWNET as u32),
                libc::EINVAL,
            )?;
            let fd = compat::nsfd(0, libc::CLONE_NEWUTS as u32);
            if fd < 0 {
                return Err(format!("i386 nsfd(0, UTS): {}", errno_name(-fd)));
            }
            let h = own(fd).map_err(|e| format!("{e}"))?;
            let ty = compat::ioctl(fd, ioctl::NS_GET_NSTYPE as u32);
            if ty != libc::CLONE_NEWUTS {
                return Err(format!("i386 ioctl(NS_GET_NSTYPE): {ty}"));
            }
            let before = own_ino("uts");
            let got = fstat(&h).map_err(|e| format!("fstat: {e}"))?.st_ino;
            if got != before {
                return Err(format!("i386 handle ino {got}, /proc/self/ns/uts {before}"));
            }
            // SAFETY: plain system call.
            if unsafe { libc::unshare(libc::CLONE_NEWUTS) } < 0 || own_ino("uts") == before {
                return Err("unshare(CLONE_NEWUTS) failed".into());
            }
            want(
                "setns(handle, NET)",
                compat::setns(h.as_raw_fd(), libc::CLONE_NEWNET),
                libc::EINVAL,
            )?;
            let r = compat::setns(h.as_raw_fd(), libc::CLONE_NEWUTS);
            if r != 0 || own_ino("uts") != before {
                return Err(format!(
                    "i386 setns(handle, UTS): {r}, back in {}",
                    own_ino("uts")
                ));
            }
            Ok(String::new())
        })
    });
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(exec_lock::HELPER_ARG) {
        exec_lock::helper();
    }
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        println!("KTAP version 1\n1..0 # SKIP nsfd_selftest needs root");
        return;
    }
    if let Err(e) = nsfd(0, libc::CLONE_NEWNET as _) {
        if errno_of(&e) == libc::ENOSYS {
            println!("KTAP version 1\n1..0 # SKIP this kernel has no nsfd(2)");
            return;
        }
    }
    let mut s = Suite::new("nsfd", planned());
    handle_rules(&mut s);
    argument_errors(&mut s);
    file_rules(&mut s);
    lifetime(&mut s);
    permissions(&mut s);
    setns_errors(&mut s);
    round_trips(&mut s);
    shell_flow(&mut s);
    mount_ns_rules(&mut s);
    compat_entries(&mut s);
    parity::run(&mut s);
    exec_lock::run(&mut s);
    setns_matrix(&mut s);
    std::process::exit(s.finish());
}

/// The number of cases main() runs, for the KTAP plan.
fn planned() -> usize {
    let matrix = ALL_TYPES.len() * MATRIX_CALLERS.len() * MATRIX_NSTYPES.len();
    10 + 11 + 7 + 4 + 3 + 8 + 3 + 1 + 2 + 1 + parity::CASES + 1 + matrix
}
