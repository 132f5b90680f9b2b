// SPDX-License-Identifier: GPL-2.0

//! `nsfd(pid, nstype)`: a handle file that names one namespace of a task.
//!
//! A handle is the nsfs file of the namespace, as `open("/proc/PID/ns/<name>")` would give, so
//! the whole kernel takes it wherever it takes a namespace file.

use crate::ns::{
    Namespace,
    NsKind, //
};
use core::ptr::NonNull;
use kernel::{
    bindings,
    error::to_result,
    fs::file::FileDescriptorReservation,
    prelude::*,
    sync::aref::ARef,
    task::Task, //
};

/// The task `pid` names in the caller's pid namespace (not 0, the caller).
fn find_task(pid: i32) -> Result<ARef<Task>> {
    if pid < 0 {
        return Err(EINVAL);
    }
    // SAFETY: FFI call; it returns a counted task or null.
    let task = unsafe { bindings::find_get_task_by_vpid(pid) };
    let task = NonNull::new(task).ok_or(ESRCH)?;
    // SAFETY: `find_get_task_by_vpid` gave us a reference, which `ARef` now owns; `Task` is
    // transparent over `task_struct`.
    Ok(unsafe { ARef::from_raw(task.cast()) })
}

/// `task->signal->exec_update_lock`, held for reading.
///
/// # Invariants
///
/// The lock of `task` is held for reading from creation until drop.
struct ExecUpdateReadLock<'a> {
    task: &'a Task,
}

impl<'a> ExecUpdateReadLock<'a> {
    /// Waits for a running execve() of `task` to finish and keeps the next one from changing its
    /// credentials until drop. `EINTR` if a fatal signal comes while waiting.
    fn lock_killable(task: &'a Task) -> Result<Self> {
        // SAFETY: `task` is alive while borrowed, and its `signal` lives as long as it does.
        to_result(unsafe {
            bindings::down_read_killable(&raw mut (*(*task.as_ptr()).signal).exec_update_lock)
        })?;
        // INVARIANT: `down_read_killable` returned 0, so the lock is held for reading.
        Ok(Self { task })
    }
}

impl Drop for ExecUpdateReadLock<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants the lock is held for reading by us; `task` is alive.
        unsafe { bindings::up_read(&raw mut (*(*self.task.as_ptr()).signal).exec_update_lock) };
    }
}

/// Whether the caller may open `task`'s namespaces: the check of `/proc/PID/ns/*`.
fn may_read_namespaces(task: &Task) -> bool {
    // SAFETY: `task` is alive while borrowed.
    unsafe { bindings::ptrace_may_access(task.as_ptr(), bindings::PTRACE_MODE_READ_FSCREDS) }
}

/// Takes the namespace of kind `kind` of the task `pid`, after the check of `/proc/PID/ns/*`.
fn namespace_of(kind: NsKind, pid: i32) -> Result<ARef<Namespace>> {
    if pid == 0 {
        // The caller may always read its own namespaces: ptrace_may_access() grants a task access
        // to its own thread group whatever its credentials, so there is no check for an
        // execve() to race with, and no task reference to take.
        return kind.of_task(current!()).ok_or(ESRCH);
    }
    let task = find_task(pid)?;
    // As proc_ns_get_link() and the pidfd namespace ioctls: an execve() of a setuid program
    // cannot change the task's credentials between the check and taking the namespace.
    let _exec_lock = ExecUpdateReadLock::lock_killable(&task)?;
    if !may_read_namespaces(&task) {
        return Err(EACCES);
    }
    kind.of_task(&task).ok_or(ESRCH)
}

/// Returns a new `O_RDONLY | O_CLOEXEC` descriptor for the handle.
pub(crate) fn nsfd(pid: i32, nstype: c_ulong) -> Result<c_int> {
    let kind = NsKind::from_nstype(nstype)?;
    let ns = namespace_of(kind, pid)?;
    let fd = FileDescriptorReservation::get_unused_fd_flags(bindings::O_CLOEXEC)?;
    let file = Namespace::open_file(ns)?;
    let nr = fd.reserved_fd();
    fd.fd_install(file);
    Ok(nr as c_int)
}
