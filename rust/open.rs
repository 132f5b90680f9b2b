// SPDX-License-Identifier: GPL-2.0

//! `nsfd(pid, nstype)`: a handle file that names one namespace of a task.

use crate::{
    handlefs::HandleFs,
    ns::NsKind, //
};
use core::ptr::NonNull;
use kernel::{
    bindings,
    fs::file::FileDescriptorReservation,
    prelude::*,
    sync::aref::ARef,
    task::Task, //
};

/// The task `pid` names in the caller's pid namespace; 0 is the caller.
fn find_task(pid: i32) -> Result<ARef<Task>> {
    if pid < 0 {
        return Err(EINVAL);
    }
    if pid == 0 {
        return Ok(ARef::from(&**current!()));
    }
    // SAFETY: FFI call; it returns a counted task or null.
    let task = unsafe { bindings::find_get_task_by_vpid(pid) };
    let task = NonNull::new(task).ok_or(ESRCH)?;
    // SAFETY: `find_get_task_by_vpid` gave us a reference, which `ARef` now owns; `Task` is
    // transparent over `task_struct`.
    Ok(unsafe { ARef::from_raw(task.cast()) })
}

/// Whether the caller may open `task`'s namespaces: the check of `/proc/PID/ns/*`.
fn may_read_namespaces(task: &Task) -> bool {
    // SAFETY: `task` is alive while borrowed.
    unsafe { bindings::ptrace_may_access(task.as_ptr(), bindings::PTRACE_MODE_READ_FSCREDS) }
}

/// Returns a new `O_RDONLY | O_CLOEXEC` descriptor for the handle.
pub(crate) fn nsfd(pid: i32, nstype: c_ulong) -> Result<c_int> {
    let kind = NsKind::from_nstype(nstype)?;
    let task = find_task(pid)?;
    if !may_read_namespaces(&task) {
        return Err(EACCES);
    }
    let ns = kind.of_task(&task).ok_or(ESRCH)?;
    drop(task);

    let fd = FileDescriptorReservation::get_unused_fd_flags(bindings::O_CLOEXEC)?;
    let file = HandleFs::open(ns)?;
    let nr = fd.reserved_fd();
    fd.fd_install(file);
    Ok(nr as c_int)
}
