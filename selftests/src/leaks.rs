//! Every namespace a handle, a bind mount and setns() touched is freed, counted exactly by the
//! kernel itself: a namespace is charged to its user namespace's `max_<type>_namespaces` until
//! it is freed. In a user namespace of its own with the limit set to K, a case makes K
//! namespaces, takes each through nsfd(2), a bind mount, a reopen and setns(2), drops them all,
//! then makes K again (waiting out frees that run in work items, as a network namespace's
//! cleanup does): one reference leaked anywhere keeps a namespace charged, and the second round
//! fails with `ENOSPC`. The K+1th namespace must fail, or the limit was not in force. (For
//! mount namespaces the limit has room for the case's own and for the anonymous one that a
//! pin through the mount API holds for a moment.)

use crate::common::*;
use crate::ktap::Cases;
use crate::sys::*;
use nsfd::{NsHandle, Pid, Task};
use nsfd_testutil::child::{unshare, Holder, Holders};
use std::time::{Duration, Instant};

/// Namespaces per round.
const K: usize = 6;
/// How long the second round waits for the first round's namespaces to be freed.
const FREE_WAIT: Duration = Duration::from_secs(30);

/// Forks a holder that unshares `flag` and sits until let go; `Err(errno)` of its `unshare()`
/// (or of the fork). Holders that live at once are kept in [`Holders`]: they are let go
/// youngest first, as each holds the release ends of those made before it.
fn sit_in_new(flag: libc::c_int) -> Result<Holder, i32> {
    Holder::spawn_bare(flag).map_err(|e| errno_of(&e))
}

/// A user namespace of the calling child's own (root in it is the caller) with a private mount
/// namespace it owns.
fn own_user_namespace() -> Result<(), String> {
    let uid = rustix::process::getuid().as_raw();
    let gid = rustix::process::getgid().as_raw();
    unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS)
        .map_err(|e| format!("unshare(USER|NS): {e}"))?;
    for (file, text) in [
        ("setgroups", "deny".to_string()),
        ("uid_map", format!("0 {uid} 1")),
        ("gid_map", format!("0 {gid} 1")),
    ] {
        std::fs::write(format!("/proc/self/{file}"), text)
            .map_err(|e| format!("/proc/self/{file}: {e}"))?;
    }
    use rustix::mount::MountPropagationFlags;
    rustix::mount::mount_change(
        "/",
        MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
    )
    .map_err(|e| format!("mount --make-rprivate /: {e}"))
}

/// Takes the namespace `s` made through every route: a handle (nsfd(2)), a bind mount of it,
/// a reopen of the bind mount, setns(2) of that in a child, and an unmount.
fn use_namespace(s: &Holder, ty: NsType, path: &str) -> Result<(), String> {
    let task = Task::from(Pid::from_raw(s.pid));
    let h = NsHandle::open(task, ty).map_err(|e| format!("nsfd({}, {}): {e}", s.pid, ty.name()))?;
    h.bind_mount(path)
        .map_err(|e| format!("bind {} handle on {path}: {e}", ty.name()))?;
    let again = NsHandle::open_path(path).map_err(|e| format!("open {path}: {e}"))?;
    crate::child::run(move || {
        again
            .setns()
            .map(|()| String::new())
            .map_err(|e| format!("setns({}): {e}", ty.name()))
    })?;
    umount(path)
}

/// The case of one type: see the module's documentation.
fn freed_exactly(ty: NsType, flag: libc::c_int, limit_name: &str) -> Result<String, String> {
    own_user_namespace()?;
    let mnt = flag == libc::CLONE_NEWNS;
    // The mount namespace of own_user_namespace() is charged to the new user namespace too.
    let baseline = usize::from(mnt);
    // So is the anonymous mount namespace of the detached copy that bind_mount() makes with
    // open_tree(OPEN_TREE_CLONE), until move_mount() attaches it: one spare while pinning.
    let spare = usize::from(mnt);
    let limit = format!("/proc/sys/user/max_{limit_name}_namespaces");
    std::fs::write(&limit, (K + baseline + spare).to_string())
        .map_err(|e| format!("{limit}: {e}"))?;
    let paths: Vec<String> = (0..K).map(|i| format!("/tmp/nsfd-leak-{i}")).collect();
    for p in &paths {
        touch(p)?;
    }
    // Round 1: K namespaces, each taken through every route, then all dropped.
    let mut held = Holders::default();
    for p in &paths {
        let s = sit_in_new(flag)
            .map_err(|e| format!("round 1, namespace {}: {}", held.len() + 1, errno_name(e)))?;
        use_namespace(&s, ty, p)?;
        held.push(s);
    }
    drop(held);
    // Round 2: as many as the limit allows, once the first round's are freed.
    let n = K + spare;
    let deadline = Instant::now() + FREE_WAIT;
    let mut held = Holders::default();
    while held.len() < n {
        match sit_in_new(flag) {
            Ok(s) => held.push(s),
            Err(libc::ENOSPC) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(e) => {
                return Err(format!(
                    "round 2, namespace {} of {n}: {} (after {} s): a namespace of round 1 was not freed",
                    held.len() + 1,
                    errno_name(e),
                    FREE_WAIT.as_secs()
                ))
            }
        }
    }
    // The limit was in force: one more is refused.
    match sit_in_new(flag) {
        Err(libc::ENOSPC) => Ok(String::new()),
        Err(e) => Err(format!(
            "namespace {} of {n}: {}, want ENOSPC",
            n + 1,
            errno_name(e)
        )),
        Ok(_) => Err(format!(
            "namespace {} of {n} was made: {limit} not in force",
            n + 1
        )),
    }
}

pub(crate) fn cases(c: &mut Cases) {
    for (ty, flag, limit) in [
        (NsType::Uts, libc::CLONE_NEWUTS, "uts"),
        (NsType::Ipc, libc::CLONE_NEWIPC, "ipc"),
        (NsType::Net, libc::CLONE_NEWNET, "net"),
        (NsType::Mnt, libc::CLONE_NEWNS, "mnt"),
        (NsType::Cgroup, libc::CLONE_NEWCGROUP, "cgroup"),
        (NsType::User, libc::CLONE_NEWUSER, "user"),
        (NsType::PidForChildren, libc::CLONE_NEWPID, "pid"),
        (NsType::TimeForChildren, libc::CLONE_NEWTIME, "time"),
    ] {
        c.case(
            format!("every_{limit}_namespace_freed_exactly"),
            move || child_case(|| freed_exactly(ty, flag, limit)),
        );
    }
}
