// SPDX-License-Identifier: GPL-2.0

//! The staged set of namespaces and credentials of a setns() call (`struct nsset`).
//!
//! C header: [`include/linux/nsproxy.h`](srctree/include/linux/nsproxy.h)

use kernel::{
    bindings,
    error::to_result,
    prelude::*, //
};

/// A `struct nsset` prepared for the current task.
///
/// # Invariants
///
/// `inner` was prepared by `prepare_nsset()` and is released by `put_nsset()` exactly once, on
/// drop.
pub(crate) struct NsSet {
    inner: bindings::nsset,
}

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
        Ok(Self { inner })
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut bindings::nsset {
        &mut self.inner
    }

    /// Stages the namespaces of the task `pid` names, in mainline's order, all or nothing.
    pub(crate) fn install_task_of(&mut self, pid: *mut bindings::pid) -> Result {
        // SAFETY: `self` is prepared; `pid` is kept alive by the caller's pidfd.
        to_result(unsafe { bindings::validate_nsset(&mut self.inner, pid) })
    }

    /// Switches the current task to the staged namespaces.
    pub(crate) fn commit(mut self) {
        // SAFETY: `self` is prepared and every namespace in it was installed successfully.
        unsafe {
            bindings::commit_nsset(&mut self.inner);
            bindings::perf_event_namespaces(bindings::get_current());
        }
    }
}

impl Drop for NsSet {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `inner` is prepared and not yet released.
        unsafe { bindings::put_nsset(&mut self.inner) };
    }
}
