// SPDX-License-Identifier: GPL-2.0

//! Namespaces of every type (`struct ns_common`), taking one from a task, and nsfs files.
//!
//! A [`Namespace`] is any namespace, counted by its plain reference; a [`Kind`] is one entry of
//! `/proc/PID/ns/`: the operations of one namespace type, for the task itself or for its
//! children. The nsfs file of a namespace is the file that opening `/proc/PID/ns/<name>` gives.
//!
//! C headers: [`include/linux/ns_common.h`](srctree/include/linux/ns_common.h),
//! [`include/linux/nsfs.h`](srctree/include/linux/nsfs.h),
//! [`include/linux/proc_ns.h`](srctree/include/linux/proc_ns.h)

use crate::{
    bindings,
    error::{
        code::{
            EINVAL,
            EOPNOTSUPP, //
        },
        from_err_ptr,
        to_result,
        Result, //
    },
    ffi::c_ulong,
    fs::{
        File,
        LocalFile, //
    },
    sync::aref::{
        ARef,
        AlwaysRefCounted, //
    },
    task::Task,
    types::Opaque, //
};
use core::ptr::NonNull;

/// The `CLONE_NEW*` flag of every namespace type.
const ALL_TYPES: u32 = bindings::CLONE_NEWNS
    | bindings::CLONE_NEWUTS
    | bindings::CLONE_NEWIPC
    | bindings::CLONE_NEWNET
    | bindings::CLONE_NEWPID
    | bindings::CLONE_NEWUSER
    | bindings::CLONE_NEWCGROUP
    | bindings::CLONE_NEWTIME;

/// A namespace of any type: a wrapper over `struct ns_common`.
///
/// Dropping an `ARef<Namespace>` may sleep (the last reference of a mount namespace takes
/// `namespace_sem`): drop it in process context only.
///
/// # Invariants
///
/// The `ns_common` is embedded in a namespace whose `ops` are set (they are null only for a type
/// whose `CONFIG` is off, of which no namespace exists but the initial one), and a plain
/// reference (`__ns_ref`) to it is held for as long as the `Namespace` is borrowed.
#[repr(transparent)]
pub struct Namespace(Opaque<bindings::ns_common>);

// SAFETY: Namespace references are atomic counts and may be dropped from any thread.
unsafe impl Send for Namespace {}

// SAFETY: What `&Namespace` reads (type and operations) does not change after creation.
unsafe impl Sync for Namespace {}

// SAFETY: `__ns_ref_inc` takes and `ops->put` drops the plain reference, which keeps the
// namespace's memory.
unsafe impl AlwaysRefCounted for Namespace {
    #[inline]
    fn inc_ref(&self) {
        // SAFETY: By the type invariants the namespace is alive, so its count is not zero.
        unsafe { bindings::__ns_ref_inc(self.as_ptr()) };
    }

    #[inline]
    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference, so the namespace is alive while we borrow it.
        let put = unsafe { obj.as_ref() }.ops().put;
        // Every type's operations have `put`; without it the reference would leak.
        crate::warn_on!(put.is_none());
        if let Some(put) = put {
            // SAFETY: The caller gives up its reference, which `put` consumes.
            unsafe { put(obj.cast().as_ptr()) };
        }
    }
}

impl Namespace {
    /// Borrows the namespace that `ptr` points to.
    ///
    /// # Safety
    ///
    /// `ptr` is a live `ns_common` with `ops` set, and a reference to it is held for `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::ns_common) -> &'a Self {
        // INVARIANT: The caller guarantees a live `ns_common` with `ops` set and a reference
        // held for `'a`.
        // SAFETY: `Namespace` is transparent over `ns_common`; the caller keeps it alive.
        unsafe { &*ptr.cast() }
    }

    /// Turns a counted `ns_common` pointer into an owned reference; `None` for null.
    ///
    /// # Safety
    ///
    /// `ptr` is null or a live `ns_common` with `ops` set whose reference the caller gives up.
    #[inline]
    pub unsafe fn from_counted(ptr: *mut bindings::ns_common) -> Option<ARef<Self>> {
        // INVARIANT: The caller guarantees a live `ns_common` with `ops` set; the `ARef` holds
        // the reference it gives up.
        // SAFETY: The caller transfers one reference, as `ARef::from_raw` requires.
        NonNull::new(ptr).map(|p| unsafe { ARef::from_raw(p.cast()) })
    }

    /// Returns a raw pointer to the `ns_common`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::ns_common {
        self.0.get()
    }

    fn ops(&self) -> &'static bindings::proc_ns_operations {
        // SAFETY: By the type invariants `ops` is set, to one of the static operation tables,
        // and never changes.
        unsafe { &*(*self.as_ptr()).ops }
    }

    /// The namespace's type, as its `CLONE_NEW*` flag.
    #[inline]
    pub fn ns_type(&self) -> u32 {
        // SAFETY: `ns_type` is set at creation and never changes.
        unsafe { (*self.as_ptr()).ns_type }
    }

    /// Runs the type's `install` operation: checks a setns() into this namespace and stages it
    /// in `nsset`.
    ///
    /// # Safety
    ///
    /// `nsset` was prepared by `prepare_nsset()` on the current task, which is a user task (the
    /// `install` operations look at its credentials, `fs`, thread group and `mm`), with this
    /// namespace's type among its flags (they use what `prepare_nsset()` makes for their type
    /// only: the new credentials of `CLONE_NEWUSER`, the `fs` copy of `CLONE_NEWNS`), and has been
    /// neither committed (`commit_nsset()` takes its `nsproxy`) nor released.
    pub(crate) unsafe fn install_into(&self, nsset: *mut bindings::nsset) -> Result {
        let install = self.ops().install.ok_or(EINVAL)?;
        // SAFETY: The caller prepared `nsset`; the namespace is alive while borrowed.
        to_result(unsafe { install(nsset, self.as_ptr()) })
    }

    /// The namespace that `file` names if it is an nsfs file (what opening `/proc/PID/ns/*`
    /// gives), or `None`.
    pub fn from_nsfs_file(file: &LocalFile) -> Option<&Namespace> {
        // SAFETY: `file` is alive while borrowed.
        if !unsafe { bindings::proc_ns_file(file.as_ptr()) } {
            return None;
        }
        // SAFETY: The inode of an nsfs file holds a reference to its namespace in `i_private`
        // until it is evicted, and the borrowed file keeps the inode. nsfs files exist only for
        // namespaces with `ops` (they are opened through them).
        Some(unsafe { Self::from_raw((*(*file.as_ptr()).f_inode).i_private.cast()) })
    }

    /// Opens a read-only nsfs file of the namespace, with the current task's credentials: the
    /// file that opening `/proc/PID/ns/<name>` gives, on the one nsfs dentry the namespace has
    /// while any file or mount of it exists.
    ///
    /// Consumes `ns`: the reference moves into a new nsfs inode, or is dropped if the
    /// namespace's inode exists already. There is no permission check: the caller decides who
    /// may open the namespace.
    pub fn open_file(ns: ARef<Self>) -> Result<ARef<File>> {
        // SAFETY: `open_namespace_file` consumes the reference we give up here on every path,
        // success or failure.
        let file = unsafe { bindings::open_namespace_file(ARef::into_raw(ns).as_ptr().cast()) };
        let file = from_err_ptr(file)?;
        // INVARIANT: The file is new and in no file descriptor table, so it has no `fdget_pos`
        // borrow to respect.
        // SAFETY: `open_namespace_file` returned a new file with one reference, which we now
        // own; `File` is transparent over `struct file`.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) })
    }
}

/// One entry of `/proc/PID/ns/`: the operations of a namespace type, for the task itself or,
/// for pid and time namespaces, for its children.
///
/// # Invariants
///
/// The operations are one of the kernel's static `*_operations` tables, whose `get` returns a
/// counted reference to a namespace with those `ops`, or null.
#[derive(Clone, Copy)]
pub struct Kind(&'static bindings::proc_ns_operations);

impl Kind {
    /// The kind of the namespace type `flag`, a single `CLONE_NEW*` flag; with `for_children`
    /// the namespace a task's children are created in (`pid_for_children`,
    /// `time_for_children`).
    ///
    /// `EINVAL` unless `flag` is exactly one namespace type, or with `for_children` for a type
    /// other than pid or time; `EOPNOTSUPP` for a type whose `CONFIG` is off.
    pub fn new(flag: c_ulong, for_children: bool) -> Result<Self> {
        let flag = u32::try_from(flag).map_err(|_| EINVAL)?;
        if flag & !ALL_TYPES != 0 || !flag.is_power_of_two() {
            return Err(EINVAL);
        }
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
        // INVARIANT: `ops` is one of the kernel's operation tables.
        // SAFETY: The operation tables are statics that live as long as the kernel.
        Some(Self(unsafe { &*ops }))
    }

    /// Takes a reference to this kind of namespace of `task`; `None` when the task has none
    /// left (it is exiting). There is no permission check (opening `/proc/PID/ns/*` checks
    /// [`Task::may_read_fscreds`]).
    pub fn of_task(self, task: &Task) -> Option<ARef<Namespace>> {
        let get = self.0.get?;
        // SAFETY: `task` is alive while borrowed; `get` takes its own locks and returns a counted
        // reference or null.
        let ns = unsafe { get(task.as_ptr()) };
        // SAFETY: By the type invariants `get` returned null or a counted reference to a
        // namespace with `ops` set.
        unsafe { Namespace::from_counted(ns) }
    }
}

#[macros::kunit_tests(rust_kernel_ns)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// Each namespace type and whether its `CONFIG` is on.
    const CONFIGURED: [(u32, bool); 8] = [
        (bindings::CLONE_NEWNS, true),
        (bindings::CLONE_NEWUTS, cfg!(CONFIG_UTS_NS)),
        (bindings::CLONE_NEWIPC, cfg!(CONFIG_IPC_NS)),
        (bindings::CLONE_NEWNET, cfg!(CONFIG_NET_NS)),
        (bindings::CLONE_NEWPID, cfg!(CONFIG_PID_NS)),
        (bindings::CLONE_NEWUSER, cfg!(CONFIG_USER_NS)),
        (bindings::CLONE_NEWCGROUP, cfg!(CONFIG_CGROUPS)),
        (bindings::CLONE_NEWTIME, cfg!(CONFIG_TIME_NS)),
    ];

    fn configured(flag: u32) -> bool {
        CONFIGURED.iter().any(|&(f, on)| f == flag && on)
    }

    fn errno(flag: c_ulong, for_children: bool) -> i32 {
        match Kind::new(flag, for_children) {
            Ok(_) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// Each `CLONE_NEW*` flag alone is a kind, pid and time also for children; a type whose
    /// `CONFIG` is off is `EOPNOTSUPP`.
    #[test]
    fn each_type_is_a_kind() {
        for (flag, on) in CONFIGURED {
            let want = if on { 0 } else { EOPNOTSUPP.to_errno() };
            assert_eq!(errno(flag as c_ulong, false), want);
        }
        for flag in [bindings::CLONE_NEWPID, bindings::CLONE_NEWTIME] {
            let want = if configured(flag) {
                0
            } else {
                EOPNOTSUPP.to_errno()
            };
            assert_eq!(errno(flag as c_ulong, true), want);
        }
    }

    /// Zero, several types, any other bit, and for-children with a type other than pid or time
    /// are `EINVAL`.
    #[test]
    fn other_values_are_einval() {
        let einval = EINVAL.to_errno();
        assert_eq!(errno(0, false), einval);
        assert_eq!(errno(0, true), einval);
        assert_eq!(errno(ALL_TYPES as c_ulong, false), einval);
        let net_uts = bindings::CLONE_NEWNET | bindings::CLONE_NEWUTS;
        assert_eq!(errno(net_uts as c_ulong, false), einval);
        for (flag, _) in CONFIGURED {
            if flag != bindings::CLONE_NEWPID && flag != bindings::CLONE_NEWTIME {
                assert_eq!(errno(flag as c_ulong, true), einval);
            }
        }
        let top_bit: c_ulong = 1 << (c_ulong::BITS - 1);
        assert_eq!(
            errno(bindings::CLONE_NEWNET as c_ulong | top_bit, false),
            einval
        );
        assert_eq!(errno(c_ulong::MAX, false), einval);
        let mut bit: c_ulong = 1;
        while bit != 0 {
            if ALL_TYPES as c_ulong & bit == 0 {
                assert_eq!(errno(bit, false), einval);
            }
            bit <<= 1;
        }
    }

    /// The kind of a task's namespace is its type.
    #[test]
    fn of_task_gives_the_type_asked_for() {
        for (flag, on) in CONFIGURED {
            if !on {
                continue;
            }
            let ns = Kind::new(flag as c_ulong, false)
                .ok()
                .and_then(|kind| kind.of_task(current!()));
            assert_eq!(ns.map(|ns| ns.ns_type()), Some(flag));
        }
    }

    /// The namespace's plain reference count.
    #[cfg(CONFIG_NET_NS)]
    fn ref_count(ns: &Namespace) -> i32 {
        // SAFETY: The namespace is alive while borrowed.
        unsafe { bindings::__ns_ref_read(ns.as_ptr()) }
    }

    /// A kernel thread's last `fput()` is deferred to a work item: waits for it.
    #[cfg(CONFIG_NET_NS)]
    fn flush_delayed_fput() {
        // SAFETY: `flush_delayed_fput` may be called from any sleepable context.
        unsafe { bindings::flush_delayed_fput() };
    }

    /// A new network namespace of the initial user namespace: not an initial namespace, so its
    /// references are counted (those of the initial namespaces are pinned).
    #[cfg(CONFIG_NET_NS)]
    fn new_net_namespace() -> Result<ARef<Namespace>> {
        // SAFETY: The initial user and network namespaces are statics that live as long as the
        // kernel; `copy_net_ns` takes its own reference to the user namespace and ignores the
        // old network namespace when `CLONE_NEWNET` is set.
        let net = from_err_ptr(unsafe {
            bindings::copy_net_ns(
                bindings::CLONE_NEWNET.into(),
                &raw mut bindings::init_user_ns,
                &raw mut bindings::init_net,
            )
        })?;
        // SAFETY: `copy_net_ns` returned a new network namespace with one reference, which we
        // take over; its `ns` is initialised with the net operations.
        unsafe { Namespace::from_counted(&raw mut (*net).ns) }.ok_or(EINVAL)
    }

    /// An nsfs file holds exactly one reference, shared by every file of the namespace, and
    /// gives it back when the last one is closed: a leak leaves the count one higher.
    #[cfg(CONFIG_NET_NS)]
    #[test]
    fn nsfs_files_return_their_reference() -> Result {
        let ns = new_net_namespace()?;
        flush_delayed_fput();
        let before = ref_count(&ns);
        let file = Namespace::open_file(ns.clone())?;
        assert_eq!(ref_count(&ns), before + 1);
        let again = Namespace::open_file(ns.clone())?;
        assert_eq!(ref_count(&ns), before + 1);
        drop(again);
        drop(file);
        flush_delayed_fput();
        assert_eq!(ref_count(&ns), before);
        Ok(())
    }
}
