// SPDX-License-Identifier: GPL-2.0

//! `nsfd(pid, nstype)`: a handle file that names one namespace of a task.
//!
//! A handle is the nsfs file of the namespace, as `open("/proc/PID/ns/<name>")` would give, so
//! the whole kernel takes it wherever it takes a namespace file.

use kernel::{
    fs::file::{
        flags::O_CLOEXEC,
        FileDescriptorReservation, //
    },
    ns::{
        Kind,
        Namespace, //
    },
    prelude::*,
    sync::aref::ARef,
    task::{
        Pid,
        Task, //
    },
    uapi::NSFD_FOR_CHILDREN, //
};

/// The kind `nstype` names: one `CLONE_NEW*` flag, optionally with `NSFD_FOR_CHILDREN`.
fn kind_of(nstype: c_ulong) -> Result<Kind> {
    let for_children = NSFD_FOR_CHILDREN as c_ulong;
    Kind::new(nstype & !for_children, nstype & for_children != 0)
}

/// Takes the namespace of kind `kind` of the task `pid`, after the check of `/proc/PID/ns/*`.
fn namespace_of(kind: Kind, pid: Pid) -> Result<ARef<Namespace>> {
    if pid == 0 {
        // The calling thread's namespaces (those of /proc/thread-self/ns). The caller may always
        // read its own namespaces: ptrace_may_access() grants a task access
        // to its own thread group whatever its credentials, so there is no check for an
        // execve() to race with, and no task reference to take.
        return kind.of_task(current!()).ok_or(ESRCH);
    }
    if pid < 0 {
        return Err(EINVAL);
    }
    let task = Task::find_by_vpid(pid).ok_or(ESRCH)?;
    // As proc_ns_get_link() and the pidfd namespace ioctls: an execve() of a setuid program
    // cannot change the task's credentials between the check and taking the namespace.
    let _exec_lock = task.lock_exec_update_read_killable()?;
    if !task.may_read_fscreds() {
        return Err(EACCES);
    }
    kind.of_task(&task).ok_or(ESRCH)
}

/// Returns a new `O_RDONLY | O_CLOEXEC` descriptor for the handle.
pub(crate) fn nsfd(pid: Pid, nstype: c_ulong) -> Result<c_int> {
    let kind = kind_of(nstype)?;
    let ns = namespace_of(kind, pid)?;
    let fd = FileDescriptorReservation::get_unused_fd_flags(O_CLOEXEC)?;
    let file = Namespace::open_file(ns)?;
    let nr = fd.reserved_fd();
    fd.fd_install(file);
    Ok(nr as c_int)
}
