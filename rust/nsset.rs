// SPDX-License-Identifier: GPL-2.0

//! The staged set of namespaces and credentials of a setns() call (`struct nsset`), and the
//! `struct pid` of a pidfd whose namespaces it can stage.
//!
//! C header: [`include/linux/nsproxy.h`](srctree/include/linux/nsproxy.h)

use crate::ns::Namespace;
use core::{
    marker::PhantomData,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    error::{
        from_err_ptr,
        to_result, //
    },
    fs::LocalFile,
    prelude::*, //
};

/// The `struct pid` a pidfd refers to, borrowed for as long as the file is.
///
/// # Invariants
///
/// `pid` is the pid of a pidfd's pidfs inode, which the borrowed file keeps alive.
pub(crate) struct PidfdPid<'a> {
    pid: NonNull<bindings::pid>,
    _file: PhantomData<&'a LocalFile>,
}

impl<'a> PidfdPid<'a> {
    /// The pid of `file` if it is a pidfd, or `None`.
    pub(crate) fn of(file: &'a LocalFile) -> Option<Self> {
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

/// A `struct nsset` prepared for the current task, nothing staged in it yet.
///
/// Staging is all or nothing: [`NsSet::install`] and [`NsSet::install_task_of`] consume the set
/// and give back a [`ValidNsSet`] only when every type they staged passed its check; on failure
/// the set is dropped with whatever it had half staged (a user namespace's `install` rewrites
/// `cred` before a later type may fail). Only a [`ValidNsSet`] can be committed.
///
/// # Invariants
///
/// `inner` was prepared by `prepare_nsset()` with the flags `inner.flags` and is released by
/// `put_nsset()` exactly once, on drop.
pub(crate) struct NsSet {
    inner: bindings::nsset,
}

/// A set whose every staged namespace passed its type's `install` check: ready to commit.
///
/// # Invariants
///
/// Every namespace staged in the set was installed successfully, and only types among the
/// flags it was prepared with were staged.
pub(crate) struct ValidNsSet(NsSet);

impl NsSet {
    /// Mainline's check of the flags given with a pidfd: `EINVAL` for none, unknown ones, or a
    /// type whose `CONFIG` is off.
    pub(crate) fn check_flags(flags: c_ulong) -> Result {
        // SAFETY: FFI call without requirements.
        to_result(unsafe { bindings::check_setns_flags(flags) })
    }

    /// Stages a copy of the current task's namespaces (and credentials, fs_struct where the
    /// flags need them).
    pub(crate) fn prepare(flags: c_ulong) -> Result<Self> {
        let mut inner = bindings::nsset::default();
        // The flags were checked against the namespace types, which all fit in 32 bits.
        let flags = u32::try_from(flags).map_err(|_| EINVAL)?;
        // SAFETY: `inner` is zeroed as `prepare_nsset` expects; on failure it releases what it
        // took itself.
        to_result(unsafe { bindings::prepare_nsset(flags, &mut inner) })?;
        // INVARIANT: `prepare_nsset` succeeded and recorded `flags` in `inner.flags`; `drop`
        // releases it.
        Ok(Self { inner })
    }

    /// Checks and stages a switch to `ns`: its type's `install` operation.
    ///
    /// `EINVAL` if the set was not prepared for `ns`'s type: `install` relies on what
    /// `prepare_nsset()` makes for that type only (a mount namespace's needs `fs`, a user
    /// namespace's a new `cred`).
    pub(crate) fn install(mut self, ns: &Namespace) -> Result<ValidNsSet> {
        if self.inner.flags & ns.ns_type() == 0 {
            return Err(EINVAL);
        }
        // SAFETY: By the type invariants `inner` is prepared and not yet released, with
        // `ns`'s type among its flags (checked above).
        unsafe { ns.install_into(&mut self.inner) }?;
        // INVARIANT: the one namespace staged passed its `install` check, and its type is
        // among the flags.
        Ok(ValidNsSet(self))
    }

    /// Stages the namespaces of the task `pid` names, in mainline's order, all or nothing.
    pub(crate) fn install_task_of(mut self, pid: &PidfdPid<'_>) -> Result<ValidNsSet> {
        // SAFETY: `inner` is prepared (type invariants); `pid` is kept alive by its pidfd.
        to_result(unsafe { bindings::validate_nsset(&mut self.inner, pid.pid.as_ptr()) })?;
        // INVARIANT: `validate_nsset` returned 0: every type among the flags (and only those)
        // was staged and passed its `install` check.
        Ok(ValidNsSet(self))
    }
}

impl ValidNsSet {
    /// Switches the current task to the staged namespaces.
    pub(crate) fn commit(mut self) {
        // SAFETY: `inner` is prepared (the `NsSet` invariants) and everything staged in it
        // passed its check (the type invariants).
        unsafe { bindings::commit_nsset(&mut self.0.inner) };
        // SAFETY: `current` is the live task that just switched namespaces.
        unsafe { bindings::perf_event_namespaces(bindings::get_current()) };
    }
}

impl Drop for NsSet {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `inner` is prepared and not yet released.
        unsafe { bindings::put_nsset(&mut self.inner) };
    }
}
