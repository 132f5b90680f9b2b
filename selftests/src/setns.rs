//! setns(): errors, round trips, and the callers that the oracle suite
//! (oracle.rs) compares with the unmodified kernel.

use crate::child::{self, Holder};
use crate::common::*;
use crate::ktap::{check, Cases};
use crate::sys::*;
use rustix::process::Signal;
use rustix::thread::LinkNameSpaceType;
use std::io;
use std::os::fd::{AsFd, AsRawFd};

pub(crate) fn as_root() -> Result<(), String> {
    Ok(())
}

pub(crate) fn as_nobody() -> Result<(), String> {
    use rustix::process::{Gid, Uid};
    // rustix's calls are per thread (libc's process-wide): the same here,
    // as a prep runs first thing in a forked, single-threaded child.
    let nobody = (Gid::from_raw(65534), Uid::from_raw(65534));
    rustix::thread::set_thread_res_gid(nobody.0, nobody.0, nobody.0)
        .and_then(|_| rustix::thread::set_thread_res_uid(nobody.1, nobody.1, nobody.1))
        .map_err(|e| format!("drop to nobody: {e}"))
}

pub(crate) fn in_new_userns() -> Result<(), String> {
    child::unshare(libc::CLONE_NEWUSER).map_err(|e| format!("unshare(CLONE_NEWUSER): {e}"))
}

pub(crate) fn multithreaded() -> Result<(), String> {
    // A second thread: the caller is multithreaded and shares its fs_struct.
    std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(3600)));
    Ok(())
}

pub(crate) fn sharing_fs_struct() -> Result<(), String> {
    // A process, not a thread, that shares the caller's fs_struct (CLONE_FS).
    let caller = rustix::process::getpid();
    // Raw clone: rustix has none.
    // SAFETY: clone without CLONE_VM behaves as fork; the child only waits to die.
    let pid = unsafe { libc::syscall(libc::SYS_clone, libc::CLONE_FS | libc::SIGCHLD, 0, 0, 0, 0) };
    match pid {
        0 => {
            // It holds none of the caller's descriptors (a pipe's reader
            // would wait for it), and dies with the caller, also when the
            // caller is gone before prctl. close_range is libc's: rustix has none.
            // SAFETY: the child uses no descriptor after closing them all.
            unsafe { libc::close_range(3, u32::MAX, 0) };
            let _ = rustix::process::set_parent_process_death_signal(Some(Signal::KILL));
            if rustix::process::getppid() == Some(caller) {
                rustix::event::pause();
            }
            // Leave the clone without the caller's atexit handlers.
            child::exit_now(0)
        }
        p if p < 0 => Err(format!("clone(CLONE_FS): {}", io::Error::last_os_error())),
        _ => Ok(()),
    }
}

/// A way to become the caller of a test: runs in the child before the call.
pub(crate) type Prep = fn() -> Result<(), String>;

pub(crate) const CALLERS: [(&str, Prep); 5] = [
    ("root", as_root),
    ("nobody", as_nobody),
    ("userns", in_new_userns),
    ("threaded", multithreaded),
    ("clonefs", sharing_fs_struct),
];

pub(crate) fn mismatch(flag: libc::c_int) -> libc::c_int {
    if flag == libc::CLONE_NEWNET {
        libc::CLONE_NEWUTS
    } else {
        libc::CLONE_NEWNET
    }
}

pub(crate) fn setns_errors(c: &mut Cases) {
    c.case("setns_closed_fd_ebadf", move || {
        expect_errno(setns(&FakeFd(1000), 0), libc::EBADF, "setns(1000)")
    });
    c.case("setns_negative_fd_ebadf", move || {
        expect_errno(setns(&FakeFd(-1), 0), libc::EBADF, "setns(-1)")
    });
    c.case("setns_regular_file_einval", move || {
        let f = ok(open_ro("/proc/self/status"), "open")?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(regular file)")
    });
    c.case("setns_memfd_einval", move || {
        let fd = rustix::fs::memfd_create(c"nsfd", rustix::fs::MemfdFlags::CLOEXEC);
        let f = ok(fd.map_err(io::Error::from), "memfd_create")?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(memfd)")
    });
    c.case("setns_eventfd_einval", move || {
        let fd = rustix::event::eventfd(0, rustix::event::EventfdFlags::CLOEXEC);
        let f = ok(fd.map_err(io::Error::from), "eventfd")?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(eventfd)")
    });
    c.case("setns_socket_einval", move || {
        use rustix::net::{AddressFamily, SocketFlags, SocketType};
        let fd = rustix::net::socket_with(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::CLOEXEC,
            None,
        );
        let f = ok(fd.map_err(io::Error::from), "socket")?;
        expect_errno(setns(&f, 0), libc::EINVAL, "setns(socket)")
    });
    c.case("setns_pidfd_bad_flags_einval", move || {
        let pfd = ok(pidfd_open(std::process::id() as _), "pidfd_open")?;
        expect_errno(setns(&pfd, 0), libc::EINVAL, "setns(pidfd, 0)")?;
        expect_errno(setns(&pfd, -1), libc::EINVAL, "setns(pidfd, -1)")?;
        expect_errno(
            setns(&pfd, libc::CLONE_VM),
            libc::EINVAL,
            "setns(pidfd, CLONE_VM)",
        )
    });
    c.case("setns_pidfd_exited_esrch", move || {
        let holder = Holder::spawn(0, || ()).map_err(fail)?;
        let pfd = ok(pidfd_open(holder.pid), "pidfd_open")?;
        holder.exit();
        expect_errno(
            setns(&pfd, libc::CLONE_NEWUTS),
            libc::ESRCH,
            "setns(pidfd of exited task)",
        )
    });
}

pub(crate) fn round_trips(c: &mut Cases) {
    c.case("round_trip_net_back_and_forth", move || {
        child_case(|| {
            let orig = nsfd(0, libc::CLONE_NEWNET as _).map_err(|e| e.to_string())?;
            let before = own_ino("net");
            if child::unshare(libc::CLONE_NEWNET).is_err() {
                return Err("unshare".into());
            }
            let new = nsfd(0, libc::CLONE_NEWNET as _).map_err(|e| e.to_string())?;
            let inside = own_ino("net");
            rustix::thread::move_into_link_name_space(
                orig.as_fd(),
                Some(LinkNameSpaceType::Network),
            )
            .map_err(|e| format!("setns back: {e}"))?;
            if own_ino("net") != before {
                return Err("not back in the original net namespace".into());
            }
            rustix::thread::move_into_link_name_space(new.as_fd(), None)
                .map_err(|e| format!("setns again: {e}"))?;
            if own_ino("net") != inside {
                return Err("not in the new net namespace again".into());
            }
            Ok(String::new())
        })
    });
    c.case("round_trip_mnt_sees_its_mounts", move || {
        let holder = Holder::spawn(libc::CLONE_NEWNS, || {
            use rustix::mount::{MountFlags, MountPropagationFlags};
            // Make the mount private to this namespace, then mount.
            let _ = rustix::mount::mount_change(
                "/",
                MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
            );
            let _ = rustix::mount::mount("tmpfs", "/mnt", "tmpfs", MountFlags::empty(), None);
            std::fs::write("/mnt/nsfd-marker", b"x").ok();
        })
        .map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWNS as _), "nsfd(mnt)")?;
        holder.exit();
        let hp = format!("/proc/self/fd/{}", h.as_raw_fd());
        let out = child::run(move || {
            let f = open_ro(&hp).map_err(|e| e.to_string())?;
            rustix::thread::move_into_link_name_space(f.as_fd(), Some(LinkNameSpaceType::Mount))
                .map_err(|e| format!("setns: {e}"))?;
            Ok(std::path::Path::new("/mnt/nsfd-marker")
                .exists()
                .to_string())
        })
        .map_err(fail)?;
        check(out == "true", || {
            "the mount namespace's tmpfs is not visible after setns".into()
        })
    });
    c.case("round_trip_pid_only_children", move || {
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
            rustix::thread::move_into_link_name_space(
                f.as_fd(),
                Some(LinkNameSpaceType::ProcessID),
            )
            .map_err(|e| format!("setns: {e}"))?;
            let own_after = own_ino("pid");
            let child = own_ino("pid_for_children");
            // A child lands in it, with a pid of that namespace.
            let pid_in_child =
                child::run(|| Ok(rustix::process::getpid().as_raw_pid().to_string()))?;
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
