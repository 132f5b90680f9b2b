// SPDX-License-Identifier: GPL-2.0

//! Joining namespaces: the staged set of a setns() call (`struct nsset`), whole calls only.
//!
//! C header: [`include/linux/nsproxy.h`](srctree/include/linux/nsproxy.h)

use crate::{
    bindings,
    error::{
        code::EINVAL,
        from_err_ptr,
        to_result,
        Result, //
    },
    ffi::c_ulong,
    fs::LocalFile,
    ns::Namespace,
    task::Task, //
};
use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

/// The `struct pid` a pidfd refers to, borrowed for as long as the file is.
///
/// # Invariants
///
/// `pid` is the pid of a pidfd's pidfs inode, which the borrowed file keeps alive.
pub struct PidfdPid<'a> {
    pid: NonNull<bindings::pid>,
    _file: PhantomData<&'a LocalFile>,
}

impl<'a> PidfdPid<'a> {
    /// The pid of `file` if it is a pidfd, or `None`.
    #[inline]
    pub fn of(file: &'a LocalFile) -> Option<Self> {
        // SAFETY: `file` is alive while borrowed; `pidfd_pid` returns an error pointer for a file
        // that is not a pidfd.
        let pid = from_err_ptr(unsafe { bindings::pidfd_pid(file.as_ptr()) }).ok()?;
        // INVARIANT: `pidfd_pid` returned the pid of the pidfd's inode, which `file` holds.
        Some(Self {
            pid: NonNull::new(pid)?,
            _file: PhantomData,
        })
    }
}

/// The staged set of one setns() call: namespaces (and credentials, `fs_struct` where the flags
/// need them) switched to together, all or nothing.
///
/// Its only public operations are whole calls, [`NsSet::join`] and [`NsSet::join_task_of`]:
/// prepare, stage and commit in one step, by the calling user task. In between, the set holds
/// an uncounted pointer to the task's credentials and a copy of its namespaces taken when it was
/// prepared, and with `CLONE_NEWNS` alone it works on the task's live `fs`: a set that outlived
/// another's commit could use freed credentials or undo that commit, so no set is ever visible
/// to callers.
///
/// # Invariants
///
/// `inner` was prepared by `prepare_nsset()` with the flags `inner.flags`, for the current task,
/// which is a user task; it is released by `put_nsset()` exactly once, on drop.
pub struct NsSet {
    inner: bindings::nsset,
}

/// A set in which every type among its flags was staged and passed its `install` check: what
/// `commit_nsset()` needs.
///
/// # Invariants
///
/// Every type among the flags of the set was staged, by its `install` operation, successfully.
#[must_use = "a staged set that is not committed changes nothing (but the fs of CLONE_NEWNS)"]
struct ValidNsSet(NsSet);

impl NsSet {
    /// setns() into `ns`: the current task joins it, or nothing changes.
    ///
    /// `EINVAL` from a kernel thread (the `install` and `commit` steps use the task's `mm`).
    pub fn join(ns: &Namespace) -> Result {
        Self::prepare(ns.ns_type() as c_ulong)?
            .install(ns)?
            .commit();
        Ok(())
    }

    /// setns() with a pidfd: the current task joins the namespaces of the types in `flags` of
    /// the task `pid` names, all or none, in the order of C's setns().
    ///
    /// `EINVAL` for no flags, unknown ones or a type whose `CONFIG` is off, and from a kernel
    /// thread.
    pub fn join_task_of(pid: &PidfdPid<'_>, flags: c_ulong) -> Result {
        // SAFETY: FFI call without requirements.
        to_result(unsafe { bindings::check_setns_flags(flags) })?;
        Self::prepare(flags)?.install_task_of(pid)?.commit();
        Ok(())
    }

    /// Stages a copy of the current task's namespaces (and credentials, `fs_struct` where the
    /// flags need them).
    fn prepare(flags: c_ulong) -> Result<Self> {
        let current = crate::current!();
        // A user task with its `mm` also has its `nsproxy` and `fs`, which `prepare_nsset()`
        // copies: `do_exit()` drops the `mm` first (`exit_mm()` before `exit_fs()` and
        // `exit_task_namespaces()`), so a task past that point is refused here.
        if current.is_kthread() || current.mm().is_none() {
            return Err(EINVAL);
        }
        let mut inner = bindings::nsset::default();
        // Namespace type flags fit in 32 bits.
        let flags = u32::try_from(flags).map_err(|_| EINVAL)?;
        // SAFETY: `inner` is zeroed as `prepare_nsset` expects, for the current task, a user task
        // with its `nsproxy` and `fs` (checked above). On failure it releases what it took but, as
        // for C's setns(), the credentials it prepared when copying `fs` fails.
        to_result(unsafe { bindings::prepare_nsset(flags, &mut inner) })?;
        // INVARIANT: `prepare_nsset` succeeded for the current task, a user task (checked
        // above), and recorded `flags` in `inner.flags`; `drop` releases it.
        Ok(Self { inner })
    }

    /// Checks and stages a switch to `ns`: its type's `install` operation. The set must have
    /// been prepared for exactly that type (`EINVAL` otherwise): `install` relies on what
    /// `prepare_nsset()` makes for its type, and `commit_nsset()` acts on every flagged type.
    fn install(mut self, ns: &Namespace) -> Result<ValidNsSet> {
        if self.inner.flags != ns.ns_type() {
            return Err(EINVAL);
        }
        // SAFETY: By the type invariants `inner` was prepared on the current task, a user task,
        // and is neither committed (only `ValidNsSet::commit` does, consuming the set) nor
        // released; its flags are exactly `ns`'s type (checked above), so what `install` uses
        // for that type was made.
        unsafe { ns.install_into(&mut self.inner) }?;
        // INVARIANT: the one flagged type was staged and passed its `install` check.
        Ok(ValidNsSet(self))
    }

    /// Stages the namespaces of the task `pid` names, in C's order, all or nothing.
    fn install_task_of(mut self, pid: &PidfdPid<'_>) -> Result<ValidNsSet> {
        // SAFETY: `inner` is prepared for the current task (type invariants); `pid` is kept alive
        // by its pidfd.
        to_result(unsafe { bindings::validate_nsset(&mut self.inner, pid.pid.as_ptr()) })?;
        // INVARIANT: `validate_nsset` returned 0: every type among the flags was staged and
        // passed its `install` check.
        Ok(ValidNsSet(self))
    }
}

impl ValidNsSet {
    /// Switches the current task to the staged namespaces.
    fn commit(mut self) {
        // SAFETY: `inner` is prepared for the current task (the `NsSet` invariants) and every
        // flagged type is staged and passed its check (the type invariants).
        unsafe { bindings::commit_nsset(&mut self.0.inner) };
        // SAFETY: The current task is alive while it runs this.
        unsafe { bindings::perf_event_namespaces(Task::current_raw()) };
    }
}

impl Drop for NsSet {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `inner` is prepared and not yet released.
        unsafe { bindings::put_nsset(&mut self.inner) };
    }
}

#[macros::kunit_tests(rust_kernel_nsproxy)]
mod tests {
    use super::*;
    use crate::{
        ns::Kind,
        prelude::*, //
    };

    /// setns() from a kernel thread (KUnit's) changes nothing and is `EINVAL`: the `install`
    /// and `commit` steps of a time namespace use the task's `mm`, which a kernel thread lacks.
    #[test]
    fn join_from_a_kernel_thread_is_einval() {
        for flag in [bindings::CLONE_NEWUTS, bindings::CLONE_NEWTIME] {
            let Some(ns) = Kind::new(flag as c_ulong, false)
                .ok()
                .and_then(|kind| kind.of_task(current!()))
            else {
                continue;
            };
            assert_eq!(
                NsSet::join(&ns).err().map(|e| e.to_errno()),
                Some(EINVAL.to_errno())
            );
        }
    }
}
