//! `nsfd exec` and `nsfd fd`: enter namespaces and run a command, as nsenter.

use crate::error::{exec_failure, fail, Failure};
use nsfd::{NsHandle, NsType, Task};
use rustix::process::{Gid, Uid};
use std::ffi::OsString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;

/// nsenter's order: the user namespace first (it gives the capabilities for
/// the rest), the mount namespace late (it changes root and cwd).
const JOIN_ORDER: [NsType; 8] = [
    NsType::User,
    NsType::Cgroup,
    NsType::Ipc,
    NsType::Uts,
    NsType::Net,
    NsType::Pid,
    NsType::Mnt,
    NsType::Time,
];

/// The credentials to take after joining.
pub struct Creds {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub preserve: bool,
}

/// The inode of the caller's own namespace of a type.
pub fn own_inode(ty: NsType) -> Option<u64> {
    NsHandle::open(Task::Current, ty.own())
        .and_then(|h| h.inode())
        .ok()
}

/// Joins `handles` as nsenter joins them: in its order, in two passes.
/// First every type but user, keeping what fails; then the user namespace,
/// then what failed, now for good. So a caller that gives up privilege
/// (root entering a container's user namespace with its other namespaces)
/// enters the user namespace last, and one that gains it first. A user
/// namespace the caller is in already is skipped (setns() refuses it).
/// Returns whether a pid namespace was joined (it applies to children only).
pub fn join(mut handles: Vec<NsHandle>, creds: &Creds) -> Result<bool, Failure> {
    handles.sort_by_key(|h| JOIN_ORDER.iter().position(|t| t.own() == h.ns_type().own()));
    let is_user = |h: &NsHandle| h.ns_type() == NsType::User;
    handles.retain(|h| !(is_user(h) && h.inode().ok() == own_inode(h.ns_type())));
    let joins_user = handles.iter().any(is_user);
    // Supplementary groups go before the join too (as nsenter), while the
    // caller may still drop them: a user namespace that denies setgroups
    // would keep them otherwise.
    let dropped_before =
        joins_user && !creds.preserve && rustix::thread::set_thread_groups(&[]).is_ok();
    let mut later = vec![];
    for h in handles.iter().filter(|h| !is_user(h)) {
        if h.setns().is_err() {
            later.push(h);
        }
    }
    for h in handles.iter().filter(|h| is_user(h)).chain(later) {
        h.setns().map_err(|e| {
            fail(
                format!("reassociate to the {} namespace failed", h.ns_type().name()),
                e,
            )
        })?;
    }
    let joined_pid = handles.iter().any(|h| h.ns_type() == NsType::Pid);
    drop(handles);
    set_creds(creds, joins_user, dropped_before)?;
    Ok(joined_pid)
}

/// After a user namespace, uid and gid 0 (or -S/-G), unless
/// --preserve-credentials; as nsenter. Dropping the supplementary groups
/// fails only if it failed before the join as well.
fn set_creds(c: &Creds, joined_user: bool, dropped_before: bool) -> Result<(), Failure> {
    let default = (joined_user && !c.preserve).then_some(0);
    if let Some(gid) = c.gid.or(default) {
        match rustix::thread::set_thread_groups(&[]) {
            Ok(()) => {}
            Err(e) if joined_user && !c.preserve && !dropped_before => {
                return Err(fail("setgroups failed", e))
            }
            Err(_) => {}
        }
        rustix::thread::set_thread_res_gid(
            Gid::from_raw(gid),
            Gid::from_raw(gid),
            Gid::from_raw(gid),
        )
        .map_err(|e| fail("setgid failed", e))?;
    }
    if let Some(uid) = c.uid.or(default) {
        rustix::thread::set_thread_res_uid(
            Uid::from_raw(uid),
            Uid::from_raw(uid),
            Uid::from_raw(uid),
        )
        .map_err(|e| fail("setuid failed", e))?;
    }
    Ok(())
}

/// Runs `cmd` in place of nsfd, or as its child when `fork` (a pid namespace
/// was joined); then exits with the child's status, or dies of its signal.
pub fn run(cmd: &[OsString], fork: bool) -> Failure {
    let name = cmd[0].to_string_lossy().into_owned();
    let mut c = Command::new(&cmd[0]);
    c.args(&cmd[1..]);
    if !fork {
        return exec_failure(name, c.exec());
    }
    let status = match c.spawn().and_then(|mut ch| ch.wait()) {
        Ok(s) => s,
        Err(e) => return exec_failure(name, e),
    };
    if let Some(sig) = status.signal() {
        // SAFETY: restoring the default action of a signal and raising it
        // touch no memory; nsfd is single-threaded and about to die.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
        std::process::exit(128 + sig);
    }
    std::process::exit(status.code().unwrap_or(1))
}

/// `nsfd fd`: `cmd` runs with `h` as its descriptor `n`.
pub fn run_with_fd(h: NsHandle, n: i32, cmd: &[OsString]) -> Failure {
    let fd = OwnedFd::from(h);
    let raw = fd.as_raw_fd();
    let mut c = Command::new(&cmd[0]);
    c.args(&cmd[1..]);
    // SAFETY: in the child between fork and exec, dup2() and fcntl() are
    // async-signal-safe and touch only descriptors.
    unsafe {
        c.pre_exec(move || {
            let r = if raw == n {
                libc::fcntl(n, libc::F_SETFD, 0)
            } else {
                libc::dup2(raw, n)
            };
            if r < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let e = c.exec();
    drop(fd);
    exec_failure(cmd[0].to_string_lossy(), e)
}
