//! Pinning a handle with libnsfd's `bind_mount`: the mount-API route needs
//! no procfs, where `/proc` is missing or belongs to another pid namespace;
//! the RFC's `/proc/self/fd/N` route (the fallback) needs the caller's own.

use crate::common::*;
use crate::ktap::Cases;
use crate::mounts::unshare_mounts;
use crate::sys::*;
use nsfd::{NsHandle, NsType, Task};
use rustix::mount::{MountFlags, UnmountFlags};

/// What `/proc` is in the mount namespace of a case.
#[derive(Clone, Copy)]
enum Proc {
    /// The caller's own procfs, as booted.
    Own,
    /// Nothing mounted at `/proc`.
    Absent,
    /// A procfs of a pid namespace the caller is not in (whose init exited).
    Foreign,
}

/// Makes `/proc` what `p` says, in the calling child's private mount namespace.
fn arrange_proc(p: Proc) -> Result<(), String> {
    let detach = || {
        rustix::mount::unmount("/proc", UnmountFlags::DETACH)
            .map_err(|e| format!("umount /proc: {e}"))
    };
    match p {
        Proc::Own => Ok(()),
        Proc::Absent => detach(),
        Proc::Foreign => {
            detach()?;
            // pid 1 of a new pid namespace mounts its procfs on /proc of
            // this mount namespace, then exits.
            crate::child::run(|| {
                crate::child::unshare(libc::CLONE_NEWPID)
                    .map_err(|e| format!("unshare(CLONE_NEWPID): {e}"))?;
                crate::child::run(|| {
                    rustix::mount::mount("proc", "/proc", "proc", MountFlags::empty(), None)
                        .map_err(|e| format!("mount proc: {e}"))?;
                    Ok(String::new())
                })
            })?;
            // The foreign procfs has no entry for this process.
            match std::fs::metadata("/proc/self") {
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
                other => Err(format!(
                    "/proc/self in a foreign procfs: {other:?}, want ENOENT"
                )),
            }
        }
    }
}

/// The pin at `path` names the namespace of `h`.
fn check_pinned(h: &NsHandle, path: &str) -> Result<(), String> {
    let p = NsHandle::open_path(path).map_err(|e| format!("open {path}: {e}"))?;
    let (want, got) = (h.id(), p.id());
    match (&want, &got) {
        (Ok(w), Ok(g)) if w == g && p.ns_type() == h.ns_type() => Ok(()),
        _ => Err(format!(
            "{path}: {:?} id {got:?}, want {:?} id {want:?}",
            p.ns_type().name(),
            h.ns_type().name()
        )),
    }
}

/// In a private mount namespace with `/proc` as `p`: pins a new UTS
/// namespace's handle by `bind_mount` (which takes the mount API) and by
/// the mount-API route itself, and tries the `/proc` route, which must give
/// `proc_route` (`None`: success).
fn pin_case(p: Proc, proc_route: Option<i32>) -> Result<String, String> {
    unshare_mounts()?;
    arrange_proc(p)?;
    crate::child::unshare(libc::CLONE_NEWUTS).map_err(|e| format!("unshare(CLONE_NEWUTS): {e}"))?;
    let h = NsHandle::open(Task::Current, NsType::Uts).map_err(|e| format!("nsfd: {e}"))?;
    let (a, b, c) = ("/tmp/nsfd-pin-a", "/tmp/nsfd-pin-b", "/tmp/nsfd-pin-c");
    for path in [a, b, c] {
        touch(path)?;
    }
    h.bind_mount(a)
        .map_err(|e| format!("bind_mount {a}: {e}"))?;
    check_pinned(&h, a)?;
    h.bind_mount_with_mount_api(b)
        .map_err(|e| format!("bind_mount_with_mount_api {b}: {e}"))?;
    check_pinned(&h, b)?;
    let via_proc = h.bind_mount_via_proc(c);
    match (proc_route, &via_proc) {
        (None, Ok(())) => check_pinned(&h, c)?,
        (Some(want), Err(e)) if errno_of(e) == want => {}
        _ => {
            return Err(format!(
                "bind_mount_via_proc: {}, want {}",
                describe(&via_proc),
                proc_route.map_or("success", errno_name)
            ))
        }
    }
    // Pinned, the namespace outlives the handle.
    let id = h.id().map_err(|e| format!("NS_GET_ID: {e}"))?;
    drop(h);
    let again = NsHandle::open_path(a).and_then(|p| p.id());
    if again.as_ref().ok() != Some(&id) {
        return Err(format!("{a} after close: id {again:?}, want {id}"));
    }
    Ok(String::new())
}

pub(crate) fn cases(c: &mut Cases) {
    c.case("pin_mount_api_and_proc_route_with_own_proc", || {
        child_case(|| pin_case(Proc::Own, None))
    });
    c.case("pin_mount_api_without_proc_proc_route_enoent", || {
        child_case(|| pin_case(Proc::Absent, Some(libc::ENOENT)))
    });
    c.case("pin_mount_api_with_foreign_proc_proc_route_enoent", || {
        child_case(|| pin_case(Proc::Foreign, Some(libc::ENOENT)))
    });
}
