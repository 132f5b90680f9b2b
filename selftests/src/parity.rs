//! A handle is a namespace file to the whole kernel: every interface that
//! takes a namespace file gives the same result through a handle as through
//! the `/proc/PID/ns` file of the same namespace (the oracle), and a handle
//! and its bind mounts have one identity.

use crate::child::Holder;
use crate::common::{expect_errno, fail, ok};
use crate::ktap::{check, Cases, Outcome};
use crate::sys::*;
use rustix::mount::{MountFlags, UnmountFlags};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

/// `__NR_statmount` and `__NR_listmount` from <asm/unistd_64.h> (newer than the libc crate).
const SYS_STATMOUNT: libc::c_long = 457;
const SYS_LISTMOUNT: libc::c_long = 458;
/// <linux/mount.h>
const LSMT_ROOT: u64 = u64::MAX;
const STATMOUNT_MNT_BASIC: u64 = 2;
const MNT_ID_REQ_SIZE_VER1: u32 = 32;
/// <linux/fcntl.h>
const FD_NSFS_ROOT: libc::c_int = -10003;
const AT_HANDLE_FID: libc::c_int = 0x200;

/// `struct mnt_id_req` of <linux/mount.h> (version 1).
#[repr(C)]
#[derive(Default)]
struct MntIdReq {
    size: u32,
    mnt_ns_fd: u32,
    mnt_id: u64,
    param: u64,
    mnt_ns_id: u64,
}

/// `struct file_handle` with room for any nsfs handle.
#[repr(C)]
struct FileHandle {
    handle_bytes: u32,
    handle_type: i32,
    f_handle: [u8; 128],
}

pub fn cases(c: &mut Cases) {
    identity(c);
    file_handles(c);
    locks_and_notify(c);
    consumers(c);
    trace_events(c);
}

fn raw(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in the paths of these tests")
}

/// `major:minor` of `st_dev`, as mountinfo writes it.
fn dev_string(dev: libc::dev_t) -> String {
    format!("{}:{}", rustix::fs::major(dev), rustix::fs::minor(dev))
}

fn fstatfs(fd: &impl AsFd) -> io::Result<rustix::fs::StatFs> {
    Ok(rustix::fs::fstatfs(fd)?)
}

fn fsid(st: &rustix::fs::StatFs) -> String {
    format!("{:?}", st.f_fsid)
}

/// The `major:minor` field of the mountinfo line whose mount point is `path`.
fn mountinfo_dev(path: &str) -> Result<String, Outcome> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| fail(format!("mountinfo: {e}")))?;
    text.lines()
        .rev()
        .find(|l| l.split(' ').nth(4) == Some(path))
        .and_then(|l| l.split(' ').nth(2).map(str::to_string))
        .ok_or_else(|| fail(format!("{path} is not in /proc/self/mountinfo")))
}

fn identity(c: &mut Cases) {
    c.case("identity_handle_bind_mount_and_proc_file_agree", || {
        let h = ok(nsfd(0, libc::CLONE_NEWNET as _), "nsfd")?;
        let p = ok(open_ro("/proc/self/ns/net"), "open /proc/self/ns/net")?;
        let target = "/tmp/nsfd-parity-identity";
        ok(std::fs::write(target, ""), "create mount point")?;
        ok(
            mount_bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), target),
            "bind mount",
        )?;
        let result = (|| {
            let (sh, sp, sm) = (
                ok(fstat(&h), "fstat handle")?,
                ok(fstat(&p), "fstat /proc file")?,
                ok(stat(target), "stat bind mount")?,
            );
            let devs = [sh.st_dev, sp.st_dev, sm.st_dev].map(dev_string);
            let inos = [sh.st_ino, sp.st_ino, sm.st_ino];
            let mi = mountinfo_dev(target)?;
            let fsids = [
                fsid(&ok(fstatfs(&h), "fstatfs handle")?),
                fsid(&ok(fstatfs(&p), "fstatfs /proc file")?),
                fsid(&ok(
                    std::fs::File::open(target).and_then(|f| fstatfs(&f)),
                    "statfs bind mount",
                )?),
            ];
            check(
                devs.iter().all(|d| *d == mi)
                    && inos.iter().all(|i| *i == sp.st_ino)
                    && fsids.iter().all(|f| *f == fsids[1]),
                || {
                    format!(
                        "st_dev (handle, /proc, mount) {devs:?}, mountinfo {mi}, \
                         st_ino {inos:?}, f_fsid {fsids:?}"
                    )
                },
            )
        })();
        let _ = umount(target);
        result
    });
}

/// `name_to_handle_at(fd, "", AT_EMPTY_PATH | flags)`, raw: rustix has none.
fn name_to_handle(fd: &impl AsRawFd, flags: libc::c_int) -> io::Result<FileHandle> {
    let mut fh = FileHandle {
        handle_bytes: 128,
        handle_type: 0,
        f_handle: [0; 128],
    };
    let mut mnt_id: libc::c_int = 0;
    // SAFETY: `fh` has room for `handle_bytes` bytes; the empty path is a C string.
    raw(unsafe {
        libc::syscall(
            libc::SYS_name_to_handle_at,
            fd.as_raw_fd(),
            c"".as_ptr(),
            &mut fh as *mut FileHandle,
            &mut mnt_id as *mut libc::c_int,
            libc::AT_EMPTY_PATH | flags,
        )
    })?;
    Ok(fh)
}

fn handle_bytes(fh: &FileHandle) -> (i32, Vec<u8>) {
    (
        fh.handle_type,
        fh.f_handle[..fh.handle_bytes as usize].to_vec(),
    )
}

fn umount(path: &str) -> io::Result<()> {
    Ok(rustix::mount::unmount(path, UnmountFlags::DETACH)?)
}

fn file_handles(c: &mut Cases) {
    c.case("name_to_handle_at_gives_the_proc_files_handle", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        let p = ok(open_ro("/proc/self/ns/uts"), "open /proc/self/ns/uts")?;
        for (flags, what) in [(0, "plain"), (AT_HANDLE_FID, "AT_HANDLE_FID")] {
            let a = handle_bytes(&ok(name_to_handle(&h, flags), "name_to_handle_at handle")?);
            let b = handle_bytes(&ok(name_to_handle(&p, flags), "name_to_handle_at /proc")?);
            check(a == b, || format!("{what}: handle {a:?}, /proc file {b:?}"))?;
        }
        Ok(())
    });
    c.case("open_by_handle_at_nsfs_root_opens_the_namespace", || {
        let h = ok(nsfd(0, libc::CLONE_NEWIPC as _), "nsfd")?;
        let mut fh = ok(name_to_handle(&h, 0), "name_to_handle_at")?;
        // Raw: rustix has no open_by_handle_at, and FD_NSFS_ROOT is no descriptor.
        // SAFETY: `fh` is a file handle the kernel filled in.
        let fd = ok(
            raw(unsafe {
                libc::syscall(
                    libc::SYS_open_by_handle_at,
                    FD_NSFS_ROOT,
                    &mut fh as *mut FileHandle,
                    libc::O_RDONLY | libc::O_CLOEXEC,
                )
            }),
            "open_by_handle_at(FD_NSFS_ROOT)",
        )?;
        // SAFETY: a new descriptor from the kernel, owned by nobody else.
        let opened = unsafe { OwnedFd::from_raw_fd(fd as _) };
        let (a, b) = (
            ok(fstat(&opened), "fstat opened")?.st_ino,
            ok(stat("/proc/self/ns/ipc"), "stat /proc/self/ns/ipc")?.st_ino,
        );
        check(a == b, || {
            format!("opened inode {a}, /proc/self/ns/ipc {b}")
        })
    });
}

fn flock(fd: &impl AsFd, op: rustix::fs::FlockOperation) -> io::Result<()> {
    Ok(rustix::fs::flock(fd, op)?)
}

fn locks_and_notify(c: &mut Cases) {
    // A handle is the nsfs file: locks and inotify marks are shared with the /proc file of the
    // same namespace, because both are on the one nsfs inode.
    c.case("flock_is_shared_with_the_proc_file", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        let p = ok(open_ro("/proc/self/ns/uts"), "open /proc/self/ns/uts")?;
        use rustix::fs::FlockOperation::{NonBlockingLockExclusive, Unlock};
        ok(flock(&h, NonBlockingLockExclusive), "flock handle")?;
        let r = flock(&p, NonBlockingLockExclusive);
        let _ = flock(&h, Unlock);
        expect_errno(
            r,
            libc::EWOULDBLOCK,
            "flock /proc file while the handle holds it",
        )
    });
    c.case("inotify_mark_is_shared_with_the_proc_file", || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        use rustix::fs::inotify;
        let ifd = ok(
            inotify::init(inotify::CreateFlags::CLOEXEC).map_err(io::Error::from),
            "inotify_init1",
        )?;
        let watch = |path: String| {
            inotify::add_watch(&ifd, path, inotify::WatchFlags::OPEN).map_err(io::Error::from)
        };
        let a = ok(
            watch(format!("/proc/self/fd/{}", h.as_raw_fd())),
            "watch handle",
        )?;
        let b = ok(watch("/proc/self/ns/uts".into()), "watch /proc file")?;
        check(a == b, || {
            format!("watch descriptors {a} (handle) and {b} (/proc file): two inodes")
        })
    });
}

/// What `op` must do with the /proc file, so that a failure both sides share
/// is no pass.
#[derive(PartialEq)]
enum Through {
    Succeeds,
    Fails,
}

/// Runs `op` with a handle and with the /proc file of the same namespace; the
/// /proc file's result must be `want`'s kind, and the handle's the same.
fn same_through_both<T: PartialEq + std::fmt::Debug>(
    handle: &OwnedFd,
    proc_path: &str,
    want: Through,
    op: impl Fn(&OwnedFd) -> io::Result<T>,
) -> Result<(), Outcome> {
    let p = ok(open_ro(proc_path), proc_path)?;
    let (a, b) = (op(handle), op(&p));
    let show = |r: &io::Result<T>| match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => errno_name(errno_of(e)).to_string(),
    };
    check(b.is_ok() == (want == Through::Succeeds), || {
        format!("{proc_path} gave {}", show(&b))
    })?;
    let same = match (&a, &b) {
        (Ok(x), Ok(y)) => x == y,
        (Err(x), Err(y)) => errno_of(x) == errno_of(y),
        _ => false,
    };
    check(same, || {
        format!("handle: {}, {proc_path}: {}", show(&a), show(&b))
    })
}

fn listmount(ns: &impl AsRawFd) -> io::Result<Vec<u64>> {
    let req = MntIdReq {
        size: MNT_ID_REQ_SIZE_VER1,
        mnt_ns_fd: ns.as_raw_fd() as u32,
        mnt_id: LSMT_ROOT,
        ..Default::default()
    };
    let mut ids = vec![0u64; 4096];
    // Raw: rustix has no listmount.
    // SAFETY: `req` is a valid request; `ids` has room for `ids.len()` ids.
    let n = raw(unsafe {
        libc::syscall(
            SYS_LISTMOUNT,
            &req as *const MntIdReq,
            ids.as_mut_ptr(),
            ids.len(),
            0,
        )
    })?;
    ids.truncate(n as usize);
    Ok(ids)
}

fn statmount(ns: &impl AsRawFd, mnt_id: u64) -> io::Result<Vec<u8>> {
    let req = MntIdReq {
        size: MNT_ID_REQ_SIZE_VER1,
        mnt_ns_fd: ns.as_raw_fd() as u32,
        mnt_id,
        param: STATMOUNT_MNT_BASIC,
        ..Default::default()
    };
    let mut buf = vec![0u8; 4096];
    // Raw: rustix has no statmount.
    // SAFETY: `req` is a valid request; `buf` has room for `buf.len()` bytes.
    raw(unsafe {
        libc::syscall(
            SYS_STATMOUNT,
            &req as *const MntIdReq,
            buf.as_mut_ptr(),
            buf.len(),
            0,
        )
    })?;
    // The first field is the size the kernel filled in.
    let size = u32::from_ne_bytes(buf[..4].try_into().expect("4 bytes")) as usize;
    buf.truncate(size.min(buf.len()));
    Ok(buf)
}

/// An idmapped clone of the tmpfs at `dir`, mapped by the user namespace `userns`.
fn idmap_clone(dir: &str, userns: &impl AsRawFd) -> io::Result<()> {
    use rustix::mount::OpenTreeFlags;
    let tree = rustix::mount::open_tree(
        rustix::fs::CWD,
        dir,
        OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC,
    )?;
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_IDMAP,
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    // Raw: rustix has no mount_setattr.
    // SAFETY: `attr` is a valid mount_attr of the size passed; the empty path is a C string.
    raw(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    })
    .map(drop)
}

fn write_file(path: &str, text: &str) {
    let _ = std::fs::write(path, text);
}

fn consumers(c: &mut Cases) {
    c.case("listmount_mnt_ns_fd_like_proc", || {
        let h = ok(nsfd(0, libc::CLONE_NEWNS as _), "nsfd")?;
        same_through_both(&h, "/proc/self/ns/mnt", Through::Succeeds, listmount)?;
        // A handle of another type is refused as the /proc file of that type is.
        let u = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd uts")?;
        same_through_both(&u, "/proc/self/ns/uts", Through::Fails, listmount)
    });
    c.case("statmount_mnt_ns_fd_like_proc", || {
        let h = ok(nsfd(0, libc::CLONE_NEWNS as _), "nsfd")?;
        let ids = ok(listmount(&h), "listmount")?;
        let first = *ids.first().ok_or_else(|| fail("listmount gave no mount"))?;
        same_through_both(&h, "/proc/self/ns/mnt", Through::Succeeds, |fd| {
            statmount(fd, first)
        })
    });
    c.case("mount_setattr_idmap_userns_fd_like_proc", || {
        let dir = "/tmp/nsfd-parity-idmap";
        let _ = std::fs::create_dir_all(dir);
        ok(
            rustix::mount::mount("tmpfs", dir, "tmpfs", MountFlags::empty(), None)
                .map_err(io::Error::from),
            "mount tmpfs",
        )?;
        let result = (|| {
            let holder = Holder::spawn(libc::CLONE_NEWUSER, || {
                write_file("/proc/self/uid_map", "0 0 1");
                write_file("/proc/self/setgroups", "deny");
                write_file("/proc/self/gid_map", "0 0 1");
            })
            .map_err(fail)?;
            let h = ok(nsfd(holder.pid, libc::CLONE_NEWUSER as _), "nsfd user")?;
            let proc_path = format!("/proc/{}/ns/user", holder.pid);
            same_through_both(&h, &proc_path, Through::Succeeds, |fd| idmap_clone(dir, fd))?;
            // Not a user namespace: refused alike.
            let u = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd uts")?;
            same_through_both(
                &u,
                &format!("/proc/{}/ns/uts", holder.pid),
                Through::Fails,
                |fd| idmap_clone(dir, fd),
            )?;
            holder.exit();
            Ok(())
        })();
        let _ = umount(dir);
        result
    });
    c.case("procfs_pidns_option_like_proc", || {
        let holder = Holder::spawn(libc::CLONE_NEWPID, || {}).map_err(fail)?;
        let result = (|| {
            let h = ok(
                nsfd(
                    holder.pid,
                    NSFD_FOR_CHILDREN | libc::CLONE_NEWPID as libc::c_ulong,
                ),
                "nsfd pid_for_children",
            )?;
            let proc_path = format!("/proc/{}/ns/pid_for_children", holder.pid);
            let dir = "/tmp/nsfd-parity-proc";
            let _ = std::fs::create_dir_all(dir);
            // What the mount shows: its pid 1 (the holder's inner child) exists there.
            let mount_proc = |fd: &OwnedFd| -> io::Result<bool> {
                let opts = cstr(&format!("pidns=/proc/self/fd/{}", fd.as_raw_fd()));
                rustix::mount::mount("proc", dir, "proc", MountFlags::empty(), opts.as_c_str())?;
                let seen = std::path::Path::new(&format!("{dir}/1/status")).exists()
                    && !std::path::Path::new(&format!("{dir}/{}", holder.pid)).exists();
                umount(dir)?;
                Ok(seen)
            };
            same_through_both(&h, &proc_path, Through::Succeeds, mount_proc)?;
            // The mount through the handle shows the new pid namespace, not ours.
            check(mount_proc(&h).unwrap_or(false), || {
                "the proc mount made with pidns=<handle> does not show the namespace".into()
            })
        })();
        holder.exit();
        result
    });
}

/// tracefs, mounted if it is not.
fn tracefs() -> Option<&'static str> {
    let dir = "/sys/kernel/tracing";
    if !std::path::Path::new(&format!("{dir}/events")).exists() {
        let _ = rustix::mount::mount("tracefs", dir, "tracefs", MountFlags::empty(), None);
    }
    std::path::Path::new(&format!("{dir}/events"))
        .exists()
        .then_some(dir)
}

fn trace_events(c: &mut Cases) {
    c.case("syscall_trace_events_of_nsfd_and_setns", || {
        let Some(t) = tracefs() else {
            return Err(Outcome::Skip("no tracefs in this kernel".into()));
        };
        let events = ["sys_enter_nsfd", "sys_enter_setns"];
        if !events
            .iter()
            .all(|e| std::path::Path::new(&format!("{t}/events/syscalls/{e}")).exists())
        {
            let have = std::path::Path::new(&format!("{t}/events/syscalls")).exists();
            if !have {
                return Err(Outcome::Skip(
                    "no syscall trace events (CONFIG_FTRACE_SYSCALLS is off)".into(),
                ));
            }
            return Err(fail(format!(
                "{t}/events/syscalls has no {events:?}: the entries lack SYSCALL_DEFINE"
            )));
        }
        let me = rustix::process::getpid().as_raw_pid();
        write_file(&format!("{t}/trace"), "");
        write_file(&format!("{t}/set_event_pid"), &me.to_string());
        for e in events {
            write_file(&format!("{t}/events/syscalls/{e}/enable"), "1");
        }
        let h = nsfd(0, libc::CLONE_NEWUTS as _);
        let r = match &h {
            Ok(h) => rustix::thread::move_into_link_name_space(
                h.as_fd(),
                Some(rustix::thread::LinkNameSpaceType::HostNameAndNISDomainName),
            )
            .map_err(io::Error::from),
            Err(_) => Ok(()),
        };
        for e in events {
            write_file(&format!("{t}/events/syscalls/{e}/enable"), "0");
        }
        write_file(&format!("{t}/set_event_pid"), "");
        let h = ok(h, "nsfd")?;
        ok(r, "setns")?;
        let text = ok(std::fs::read_to_string(format!("{t}/trace")), "read trace")?;
        // The arguments as the trace prints them: below 10 in decimal, else in hexadecimal.
        let arg = |v: u64| {
            if v < 10 {
                v.to_string()
            } else {
                format!("0x{v:x}")
            }
        };
        let uts = libc::CLONE_NEWUTS as u64;
        let want = [
            format!("sys_nsfd(pid: 0, nstype: {})", arg(uts)),
            format!(
                "sys_setns(fd: {}, flags: {})",
                arg(h.as_raw_fd() as u64),
                arg(uts)
            ),
        ];
        let missing: Vec<_> = want.iter().filter(|w| !text.contains(w.as_str())).collect();
        check(missing.is_empty(), || {
            let ours: Vec<_> = text.lines().filter(|l| !l.starts_with('#')).collect();
            format!("trace lacks {missing:?}; it has {ours:?}")
        })
    });
}
