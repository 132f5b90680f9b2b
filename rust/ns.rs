// SPDX-License-Identifier: GPL-2.0

//! Namespaces (`struct ns_common`), how to take one from a task, and their nsfs files.
//!
//! This is the only place that knows the `proc_ns_operations` of each type.
//!
//! C headers: [`include/linux/ns_common.h`](srctree/include/linux/ns_common.h),
//! [`include/linux/nsfs.h`](srctree/include/linux/nsfs.h)

use core::ptr::NonNull;
use kernel::{
    bindings,
    error::{
        from_err_ptr,
        to_result, //
    },
    fs::{
        File,
        LocalFile, //
    },
    prelude::*,
    sync::aref::{
        ARef,
        AlwaysRefCounted, //
    },
    task::Task,
    types::Opaque, //
};

/// Selects the namespace a task's children are created in (pid and time only).
pub(crate) const FOR_CHILDREN: c_ulong = bindings::NSFD_FOR_CHILDREN as c_ulong;

/// Every namespace type, as its `CLONE_NEW*` flag (the uapi header keeps no such mask: its
/// value would change with every new type).
pub(crate) const ALL_TYPES: c_ulong = (bindings::CLONE_NEWNS
    | bindings::CLONE_NEWUTS
    | bindings::CLONE_NEWIPC
    | bindings::CLONE_NEWNET
    | bindings::CLONE_NEWPID
    | bindings::CLONE_NEWUSER
    | bindings::CLONE_NEWCGROUP
    | bindings::CLONE_NEWTIME) as c_ulong;

/// One namespace of any type: a wrapper over `struct ns_common`.
///
/// Dropping an `ARef<Namespace>` may sleep (the last reference of a mount namespace takes
/// `namespace_sem`): drop it in process context only.
///
/// # Invariants
///
/// The `ns_common` is embedded in a namespace whose `ops` are set, and it is kept alive by a
/// plain reference (`__ns_ref`) that the owner of a `&Namespace` holds or borrows.
#[repr(transparent)]
pub(crate) struct Namespace(Opaque<bindings::ns_common>);

// SAFETY: Namespace references are atomic counts and may be dropped from any thread.
unsafe impl Send for Namespace {}

// SAFETY: What `&Namespace` reads (type, inode number, id, ops) does not change after creation.
unsafe impl Sync for Namespace {}

// SAFETY: `__ns_ref_inc` takes and `ops->put` drops the plain reference, which keeps the
// namespace's memory. Taking one never sleeps; dropping the last one of a mount namespace does
// (`put_mnt_ns()` takes `namespace_sem`), so an `ARef<Namespace>` is dropped only in process
// context, as every user here does (system calls and KUnit cases).
unsafe impl AlwaysRefCounted for Namespace {
    fn inc_ref(&self) {
        // SAFETY: By the type invariants the namespace is alive, so its count is not zero.
        unsafe { bindings::__ns_ref_inc(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        let ns = obj.as_ptr().cast::<bindings::ns_common>();
        // SAFETY: The caller owns a reference, so `ns` is alive and, by the type invariants, its
        // `ops` are set.
        let put = unsafe { (*(*ns).ops).put };
        if let Some(put) = put {
            // SAFETY: The caller gives up its reference, which `put` consumes.
            unsafe { put(ns) };
        }
    }
}

impl Namespace {
    /// Borrows the namespace that `ptr` points to.
    ///
    /// # Safety
    ///
    /// `ptr` is a live `ns_common` with `ops` set, and a reference to it is held for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::ns_common) -> &'a Self {
        // INVARIANT: The caller guarantees a live `ns_common` with `ops` set and a reference
        // held for `'a`.
        // SAFETY: `Namespace` is transparent over `ns_common`; the caller keeps it alive.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::ns_common {
        self.0.get()
    }

    fn ops(&self) -> &'static bindings::proc_ns_operations {
        // SAFETY: By the type invariants `ops` points to one of the static operation tables.
        unsafe { &*(*self.as_ptr()).ops }
    }

    /// The namespace's type, as its `CLONE_NEW*` flag.
    pub(crate) fn ns_type(&self) -> u32 {
        // SAFETY: `ns_type` is set at creation and never changes.
        unsafe { (*self.as_ptr()).ns_type }
    }

    /// Runs the type's `install` operation: checks and stages a setns() into this namespace.
    ///
    /// # Safety
    ///
    /// `nsset` was prepared by `prepare_nsset()` with this namespace's type among its flags
    /// (the `install` operations use what `prepare_nsset()` makes for their type only), by the
    /// current task, which is a user task (they look at `current`: its credentials, `fs`,
    /// thread group and `mm`), and is not yet released.
    pub(crate) unsafe fn install_into(&self, nsset: *mut bindings::nsset) -> Result {
        let install = self.ops().install.ok_or(EINVAL)?;
        // SAFETY: The caller prepared `nsset`; the namespace is alive while borrowed.
        to_result(unsafe { install(nsset, self.as_ptr()) })
    }

    /// The namespace that `file` names if it is an nsfs file (what `/proc/PID/ns/*` and
    /// nsfd() give), or `None`.
    pub(crate) fn from_nsfs_file(file: &LocalFile) -> Option<&Namespace> {
        // SAFETY: `file` is alive while borrowed.
        if !unsafe { bindings::proc_ns_file(file.as_ptr()) } {
            return None;
        }
        // SAFETY: The inode of an nsfs file owns a reference to its namespace in `i_private`
        // (dropped when the inode is evicted), and the borrowed file keeps the inode.
        Some(unsafe { Self::from_raw((*(*file.as_ptr()).f_inode).i_private.cast()) })
    }

    /// Opens a read-only nsfs file of the namespace: the file that opening
    /// `/proc/PID/ns/<name>` gives, on the one nsfs dentry the namespace has while any file or
    /// bind mount of it exists. Consumes `ns`: the reference moves into a new nsfs inode, or is
    /// dropped if the namespace's inode exists already.
    pub(crate) fn open_file(ns: ARef<Self>) -> Result<ARef<File>> {
        // SAFETY: `open_namespace_file` consumes the reference we give up here, whether it
        // succeeds or fails, and opens the file with the current task's credentials.
        let file = unsafe { bindings::open_namespace_file(ARef::into_raw(ns).as_ptr().cast()) };
        let file = from_err_ptr(file)?;
        // SAFETY: `open_namespace_file` returned a new file with one reference, which we now
        // own; `File` is transparent over `struct file`.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) })
    }

    /// The namespace's reference count (`__ns_ref`): for tests of lifetime.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn ref_count(&self) -> i32 {
        // SAFETY: The namespace is alive while borrowed; reading its count has no other
        // requirement.
        unsafe { bindings::__ns_ref_read(self.as_ptr()) }
    }

    /// Turns a counted `ns_common` pointer into an owned reference.
    ///
    /// # Safety
    ///
    /// `ptr` is null or a live `ns_common` with `ops` set whose reference the caller gives up.
    pub(crate) unsafe fn from_counted(ptr: *mut bindings::ns_common) -> Option<ARef<Self>> {
        // INVARIANT: The caller guarantees a live `ns_common` with `ops` set; the `ARef` holds
        // the reference it gives up.
        // SAFETY: The caller transfers one reference, as `ARef::from_raw` requires.
        NonNull::new(ptr).map(|p| unsafe { ARef::from_raw(p.cast()) })
    }
}

/// The operations of one namespace type, as used by `/proc/PID/ns/<name>`.
#[derive(Clone, Copy)]
pub(crate) struct NsKind(&'static bindings::proc_ns_operations);

impl NsKind {
    /// The kind `nstype` names: one `CLONE_NEW*` flag, optionally with [`FOR_CHILDREN`].
    ///
    /// `EINVAL` for zero, several or unknown bits, or [`FOR_CHILDREN`] with a type other than
    /// pid or time; `EOPNOTSUPP` for a type whose `CONFIG` is off.
    pub(crate) fn from_nstype(nstype: c_ulong) -> Result<Self> {
        let for_children = nstype & FOR_CHILDREN != 0;
        let flag = nstype & !FOR_CHILDREN;
        if flag & !ALL_TYPES != 0 || !flag.is_power_of_two() {
            return Err(EINVAL);
        }
        let flag = flag as u32;
        if for_children && flag != bindings::CLONE_NEWPID && flag != bindings::CLONE_NEWTIME {
            return Err(EINVAL);
        }
        Self::lookup(flag, for_children).ok_or(EOPNOTSUPP)
    }

    fn lookup(flag: u32, for_children: bool) -> Option<Self> {
        let ops: *const bindings::proc_ns_operations = match (flag, for_children) {
            (bindings::CLONE_NEWNS, _) => &raw const bindings::mntns_operations,
            #[cfg(CONFIG_UTS_NS)]
            (bindings::CLONE_NEWUTS, _) => &raw const bindings::utsns_operations,
            #[cfg(CONFIG_IPC_NS)]
            (bindings::CLONE_NEWIPC, _) => &raw const bindings::ipcns_operations,
            #[cfg(CONFIG_NET_NS)]
            (bindings::CLONE_NEWNET, _) => &raw const bindings::netns_operations,
            #[cfg(CONFIG_PID_NS)]
            (bindings::CLONE_NEWPID, false) => &raw const bindings::pidns_operations,
            #[cfg(CONFIG_PID_NS)]
            (bindings::CLONE_NEWPID, true) => &raw const bindings::pidns_for_children_operations,
            #[cfg(CONFIG_USER_NS)]
            (bindings::CLONE_NEWUSER, _) => &raw const bindings::userns_operations,
            #[cfg(CONFIG_CGROUPS)]
            (bindings::CLONE_NEWCGROUP, _) => &raw const bindings::cgroupns_operations,
            #[cfg(CONFIG_TIME_NS)]
            (bindings::CLONE_NEWTIME, false) => &raw const bindings::timens_operations,
            #[cfg(CONFIG_TIME_NS)]
            (bindings::CLONE_NEWTIME, true) => &raw const bindings::timens_for_children_operations,
            _ => return None,
        };
        // SAFETY: The operation tables are statics that live as long as the kernel.
        Some(Self(unsafe { &*ops }))
    }

    /// Takes a reference to this kind of namespace of `task`.
    ///
    /// `None` when the task has none left (it is exiting).
    pub(crate) fn of_task(self, task: &Task) -> Option<ARef<Namespace>> {
        let get = self.0.get?;
        // SAFETY: `task` is alive while borrowed; `get` takes its own locks and returns a counted
        // reference or null.
        let ns = unsafe { get(task.as_ptr()) };
        // SAFETY: `get` returned null or a counted reference to a namespace with `ops` set.
        unsafe { Namespace::from_counted(ns) }
    }
}

/// Frees the files that kernel threads have closed: their last `fput()` is deferred to a work
/// item, which this waits for. For tests of lifetime.
#[cfg(CONFIG_KUNIT)]
pub(crate) fn flush_delayed_fput() {
    // SAFETY: `flush_delayed_fput` may be called from any sleepable context.
    unsafe { bindings::flush_delayed_fput() };
}
