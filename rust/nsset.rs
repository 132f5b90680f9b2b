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
        // INVARIANT: `prepare_nsset` succeeded; `drop` releases it.
        Ok(Self { inner })
    }

    /// Checks and stages a switch to `ns`: its type's `install` operation.
    pub(crate) fn install(&mut self, ns: &Namespace) -> Result {
        // SAFETY: By the type invariants `inner` is prepared and not yet released.
        unsafe { ns.install_into(&mut self.inner) }
    }

    /// Stages the namespaces of the task `pid` names, in mainline's order, all or nothing.
    pub(crate) fn install_task_of(&mut self, pid: &PidfdPid<'_>) -> Result {
        // SAFETY: `inner` is prepared (type invariants); `pid` is kept alive by its pidfd.
        to_result(unsafe { bindings::validate_nsset(&mut self.inner, pid.pid.as_ptr()) })
    }

    /// Switches the current task to the staged namespaces.
    pub(crate) fn commit(mut self) {
        // SAFETY: `inner` is prepared (type invariants) and every namespace staged in it was
        // installed successfully, as `install` and `install_task_of` only stage on success.
        unsafe { bindings::commit_nsset(&mut self.inner) };
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
