// SPDX-License-Identifier: GPL-2.0

//! What the component needs of tasks beyond `kernel::task`: the lookup by pid, the ptrace read
//! check of `/proc/PID/ns/*`, and the exec lock as a guard.
//!
//! C headers: [`include/linux/pid.h`](srctree/include/linux/pid.h),
//! [`include/linux/ptrace.h`](srctree/include/linux/ptrace.h),
//! [`include/linux/sched/signal.h`](srctree/include/linux/sched/signal.h)

use core::ptr::NonNull;
use kernel::{
    bindings,
    error::to_result,
    prelude::*,
    sync::aref::ARef,
    task::{
        Pid,
        Task, //
    },
    types::NotThreadSafe,
};

/// Task helpers, as associated functions and methods of [`Task`].
pub(crate) trait TaskExt {
    /// The task `pid` names in the caller's pid namespace, with a reference; `None` if there
    /// is none.
    fn find_by_vpid(pid: Pid) -> Option<ARef<Task>>;

    /// Whether the caller may read this task's namespaces: the check of opening
    /// `/proc/PID/ns/*`, ptrace read access with the filesystem credentials.
    fn may_read_namespaces(&self) -> bool;

    /// Takes this task's `exec_update_lock` for reading: waits for a running execve() to
    /// finish and keeps the next one from changing the task's credentials until the guard is
    /// dropped. `EINTR` if a fatal signal comes while waiting.
    fn lock_exec_update_killable(&self) -> Result<ExecUpdateReadGuard<'_>>;
}

impl TaskExt for Task {
    fn find_by_vpid(pid: Pid) -> Option<ARef<Task>> {
        // SAFETY: FFI call without requirements; it returns a counted task or null.
        let task = NonNull::new(unsafe { bindings::find_get_task_by_vpid(pid) })?;
        // SAFETY: `find_get_task_by_vpid` gave us a reference, which `ARef` now owns; `Task` is
        // transparent over `task_struct`.
        Some(unsafe { ARef::from_raw(task.cast()) })
    }

    fn may_read_namespaces(&self) -> bool {
        // SAFETY: `self` is a live task while borrowed.
        unsafe { bindings::ptrace_may_access(self.as_ptr(), bindings::PTRACE_MODE_READ_FSCREDS) }
    }

    fn lock_exec_update_killable(&self) -> Result<ExecUpdateReadGuard<'_>> {
        // SAFETY: `self` is alive while borrowed, and its `signal` lives as long as it does.
        to_result(unsafe {
            bindings::down_read_killable(&raw mut (*(*self.as_ptr()).signal).exec_update_lock)
        })?;
        // INVARIANT: `down_read_killable` returned 0, so the lock is held for reading.
        Ok(ExecUpdateReadGuard {
            task: self,
            _not_send: NotThreadSafe,
        })
    }
}

/// `task->signal->exec_update_lock`, held for reading.
///
/// Like the kernel crate's lock guards it is not `Send`: a rwsem is released by the task that
/// took it.
///
/// # Invariants
///
/// The lock of `task` is held for reading, by the current task, from creation until drop.
#[must_use = "the lock is released when the guard is dropped"]
pub(crate) struct ExecUpdateReadGuard<'a> {
    task: &'a Task,
    _not_send: NotThreadSafe,
}

impl Drop for ExecUpdateReadGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants we hold the lock for reading; `task` is alive.
        unsafe { bindings::up_read(&raw mut (*(*self.task.as_ptr()).signal).exec_update_lock) };
    }
}
