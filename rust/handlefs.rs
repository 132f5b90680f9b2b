// SPDX-License-Identifier: GPL-2.0

//! The handle filesystem: every nsfd() handle is an anonymous inode of this pseudo filesystem
//! that owns a reference to one namespace.
//!
//! The inode holds both counts a namespace has, as an nsfs inode does: the plain reference keeps
//! its memory and the active one keeps it visible to `listns()` and to nsfs file handles. Both
//! are dropped when the inode is evicted, that is after the last file, reopened file and bind
//! mount of it are gone. `i_private` is the `ns_common`, as in nsfs, so that the VFS and the
//! nsfs ioctls can treat both kinds of file alike.
//!
//! Each nsfd() call gets an inode of its own: there is nothing to look up or keep in sync, and
//! nsfs keeps its own one-dentry-per-namespace cache for `/proc/PID/ns/*`. What tools compare,
//! `(st_dev, st_ino)`, is made equal to the nsfs file of the same namespace by `getattr`.

use crate::ns::Namespace;
use core::ptr::NonNull;
use kernel::{
    bindings,
    error::{
        from_err_ptr,
        to_result, //
    },
    fs::File,
    prelude::*,
    sync::{
        aref::ARef,
        SetOnce, //
    },
    types::Opaque, //
};

/// Userspace sees handles as nsfs files: tools that look for nsfs by `statfs()` magic or by the
/// filesystem type in mountinfo (lsns, systemd) then treat bind-mounted handles alike. The
/// kernel tells them apart by their operation tables, not by name or magic.
const NSFS_MAGIC: c_ulong = 0x6e73_6673;

/// Holds a C operations table or type in a static.
#[repr(transparent)]
struct StaticTable<T>(Opaque<T>);

// SAFETY: The tables are written only before first use (constant initialisers) or, for the
// filesystem type, by the VFS under its own locks.
unsafe impl<T> Sync for StaticTable<T> {}

impl<T> StaticTable<T> {
    const fn new(value: T) -> Self {
        Self(Opaque::new(value))
    }

    const fn get(&self) -> *mut T {
        self.0.get()
    }
}

static FS_TYPE: StaticTable<bindings::file_system_type> = StaticTable::new({
    // The name is set by `HandleFs::init()`: C strings cannot be taken in a constant.
    let mut t: bindings::file_system_type = pin_init::zeroed();
    t.init_fs_context = Some(init_fs_context);
    t.kill_sb = Some(bindings::kill_anon_super);
    t
});

static SUPER_OPS: StaticTable<bindings::super_operations> = StaticTable::new({
    let mut ops: bindings::super_operations = pin_init::zeroed();
    ops.statfs = Some(bindings::simple_statfs);
    ops.evict_inode = Some(evict_inode);
    ops.show_path = Some(show_path);
    ops.drop_inode = Some(bindings::inode_just_drop);
    ops
});

static DENTRY_OPS: StaticTable<bindings::dentry_operations> = StaticTable::new({
    let mut ops: bindings::dentry_operations = pin_init::zeroed();
    ops.d_dname = Some(handle_dname);
    ops
});

static INODE_OPS: StaticTable<bindings::inode_operations> = StaticTable::new({
    let mut ops: bindings::inode_operations = pin_init::zeroed();
    ops.getattr = Some(handle_getattr);
    ops
});

// No read or write: the VFS answers both with EINVAL, as for nsfs files.
static FILE_OPS: StaticTable<bindings::file_operations> = StaticTable::new({
    let mut ops: bindings::file_operations = pin_init::zeroed();
    ops.unlocked_ioctl = Some(bindings::ns_ioctl);
    // As nsfs: the ioctls take no pointers that differ for 32-bit callers. `None` without
    // CONFIG_COMPAT.
    ops.compat_ioctl = bindings::compat_ptr_ioctl;
    ops
});

/// The mounted handle filesystem.
///
/// # Invariants
///
/// `mnt` is the filesystem's internal mount, which is never released.
pub(crate) struct HandleFs {
    mnt: *mut bindings::vfsmount,
}

// SAFETY: The internal mount lives for as long as the kernel and the VFS locks its use.
unsafe impl Send for HandleFs {}
// SAFETY: As above: `&HandleFs` only hands out the mount pointer to VFS calls.
unsafe impl Sync for HandleFs {}

static HANDLEFS: SetOnce<HandleFs> = SetOnce::new();

/// The device number of nsfs: handles report it so that `(st_dev, st_ino)` equals the
/// `/proc/PID/ns/*` file of the same namespace.
static NSFS_DEV: SetOnce<bindings::dev_t> = SetOnce::new();

impl HandleFs {
    /// Mounts the filesystem internally; called once at boot.
    pub(crate) fn init() -> Result {
        // SAFETY: Nothing uses `FS_TYPE` before it is mounted here, once, at boot.
        unsafe { (*FS_TYPE.get()).name = c"nsfs".as_char_ptr() };
        // SAFETY: `FS_TYPE` is a complete filesystem type that lives forever.
        let mnt = from_err_ptr(unsafe { bindings::kern_mount(FS_TYPE.get()) })?;
        // SAFETY: `kern_mount` returned a live mount with its superblock. Like nsfs, the
        // filesystem is internal but its files may be bind-mounted (graft_tree() refuses
        // SB_NOUSER superblocks).
        unsafe { (*(*mnt).mnt_sb).s_flags &= !bindings::SB_NOUSER };
        HANDLEFS.populate(HandleFs { mnt });
        NSFS_DEV.populate(nsfs_dev()?);
        Ok(())
    }

    fn get() -> Result<&'static HandleFs> {
        HANDLEFS.as_ref().ok_or(ENODEV)
    }

    /// A new read-only handle file that owns `ns`.
    pub(crate) fn open(ns: ARef<Namespace>) -> Result<ARef<File>> {
        let fs = Self::get()?;
        // SAFETY: By the type invariants `mnt` and its superblock are alive.
        let inode = unsafe { bindings::new_inode((*fs.mnt).mnt_sb) };
        if inode.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: `inode` is new and ours alone. From here on `evict_inode()` releases `ns`,
        // whatever happens next.
        unsafe {
            (*inode).i_ino = ns.inum().into();
            (*inode).i_mode = (bindings::S_IFREG | 0o444) as bindings::umode_t;
            (*inode).i_flags |= bindings::S_IMMUTABLE;
            (*inode).i_op = INODE_OPS.get();
            // `i_fop` shares an anonymous union with `free_inode`; bindgen numbers such unions,
            // so a new one in `struct inode` before it renames this field (a build error).
            (*inode).__bindgen_anon_3.i_fop = FILE_OPS.get();
            bindings::simple_inode_init_ts(inode);
            // Deleted-file semantics: no path of its own, st_nlink 0.
            bindings::clear_nlink(inode);
            bindings::__ns_ref_active_get(ns.as_ptr());
            (*inode).i_private = ARef::into_raw(ns).as_ptr().cast();
        }
        // An anonymous dentry, as nsfs uses: unlike the dentries of alloc_file_pseudo(), which
        // are freed without an RCU delay, it may be bind-mounted.
        // SAFETY: The superblock is alive.
        let dentry = unsafe { bindings::d_alloc_anon((*fs.mnt).mnt_sb) };
        if dentry.is_null() {
            // SAFETY: We still own the inode's only reference.
            unsafe { bindings::iput(inode) };
            return Err(ENOMEM);
        }
        // SAFETY: `dentry` is new and negative; it takes over our inode reference.
        unsafe { bindings::d_instantiate(dentry, inode) };
        let path = bindings::path {
            // SAFETY: By the type invariants the mount is alive; `path_put` drops this.
            mnt: unsafe { bindings::mntget(fs.mnt) },
            dentry,
        };
        // SAFETY: `path` holds a mount and a dentry reference; the current task's own
        // credentials need no RCU protection.
        let file = unsafe {
            bindings::dentry_open(
                &path,
                bindings::O_RDONLY as c_int,
                (*bindings::get_current()).cred,
            )
        };
        // SAFETY: Drops the references `path` holds; the file has its own.
        unsafe { bindings::path_put(&path) };
        let file = from_err_ptr(file)?;
        // SAFETY: `dentry_open` returned a file with one reference, which we now own; `File`
        // is transparent over `struct file`.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(file.cast())) })
    }
}

/// The namespace that `file` is a handle of, or `None` if it is not a handle.
pub(crate) fn handle_namespace(file: &File) -> Option<&Namespace> {
    let f = file.as_ptr();
    // SAFETY: `file` is alive while borrowed, and so is its inode.
    unsafe {
        if (*f).f_op != FILE_OPS.get().cast_const() {
            return None;
        }
        // SAFETY: Handle inodes own a reference to the namespace in `i_private` until evicted,
        // which cannot happen while `file` holds the inode.
        Some(Namespace::from_raw((*(*f).f_inode).i_private.cast()))
    }
}

/// Tells fs/namespace.c whether `dentry` is a handle: such dentries may be bind-mounted from
/// the internal mount, with the loop checks of mount-namespace files.
#[no_mangle]
pub(crate) extern "C" fn nsfd_dentry(dentry: *const bindings::dentry) -> bool {
    // SAFETY: The VFS passes a live dentry.
    unsafe { (*dentry).d_op == DENTRY_OPS.get().cast_const() }
}

fn nsfs_dev() -> Result<bindings::dev_t> {
    let mut path = bindings::path::default();
    // SAFETY: `current` is alive; mount namespaces always exist, so the operations are set.
    to_result(unsafe {
        bindings::ns_get_path(
            &mut path,
            bindings::get_current(),
            &raw const bindings::mntns_operations,
        )
    })?;
    // SAFETY: `ns_get_path` succeeded, so `path` holds a mount of nsfs, which we put back.
    unsafe {
        let dev = (*(*path.mnt).mnt_sb).s_dev;
        bindings::path_put(&path);
        Ok(dev)
    }
}

/// # Safety
///
/// Called by the VFS with a new filesystem context.
unsafe extern "C" fn init_fs_context(fc: *mut bindings::fs_context) -> c_int {
    // SAFETY: The VFS passes a live context.
    let ctx = unsafe { bindings::init_pseudo(fc, NSFS_MAGIC) };
    if ctx.is_null() {
        return ENOMEM.to_errno();
    }
    // SAFETY: `init_pseudo` returned the context's pseudo-fs part; the tables are statics.
    unsafe {
        (*ctx).ops = SUPER_OPS.get();
        (*ctx).dops = DENTRY_OPS.get();
    }
    0
}

/// # Safety
///
/// Called by the VFS with an inode of this filesystem that is being evicted.
unsafe extern "C" fn evict_inode(inode: *mut bindings::inode) {
    // SAFETY: The inode is alive until this returns.
    let ns = unsafe { (*inode).i_private.cast::<bindings::ns_common>() };
    // SAFETY: As above.
    unsafe { bindings::clear_inode(inode) };
    if ns.is_null() {
        return;
    }
    // SAFETY: A handle inode owns one active and one plain reference, given up here, in the
    // order nsfs uses.
    unsafe {
        bindings::__ns_ref_active_put(ns);
        drop(Namespace::from_counted(ns));
    }
}

/// The name of an inode's namespace and its inode number, for "type:[inum]".
///
/// # Safety
///
/// `inode` is a live handle inode.
unsafe fn inode_ns(inode: *const bindings::inode) -> (*const c_char, u64) {
    // SAFETY: A live handle inode owns its namespace (see `evict_inode`).
    unsafe {
        let ns = Namespace::from_raw((*inode).i_private.cast());
        (ns.name(), (*inode).i_ino)
    }
}

/// `readlink /proc/PID/fd/N` shows "type:[inum]", as for nsfs.
///
/// # Safety
///
/// Called by the VFS with a live handle dentry and a buffer of `buflen` bytes.
unsafe extern "C" fn handle_dname(
    dentry: *mut bindings::dentry,
    buffer: *mut c_char,
    buflen: c_int,
) -> *mut c_char {
    // SAFETY: The dentry of a handle file has its inode.
    let (name, ino) = unsafe { inode_ns(bindings::d_inode(dentry)) };
    // SAFETY: The format matches the arguments; the VFS gives a buffer of `buflen` bytes.
    unsafe { bindings::dynamic_dname(buffer, buflen, c"%s:[%llu]".as_char_ptr(), name, ino) }
}

/// Mount roots of bind-mounted handles show as "type:[inum]" in mountinfo, as for nsfs.
///
/// # Safety
///
/// Called by the VFS with a live seq_file and handle dentry.
unsafe extern "C" fn show_path(
    seq: *mut bindings::seq_file,
    dentry: *mut bindings::dentry,
) -> c_int {
    // SAFETY: The dentry is alive and has its inode.
    let (name, ino) = unsafe { inode_ns(bindings::d_inode(dentry)) };
    // SAFETY: The format matches the arguments.
    unsafe { bindings::seq_printf(seq, c"%s:[%llu]".as_char_ptr(), name, ino) };
    0
}

/// # Safety
///
/// Called by the VFS with a live path of this filesystem and a `kstat` to fill.
unsafe extern "C" fn handle_getattr(
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    _query_flags: c_uint,
) -> c_int {
    // SAFETY: The VFS passes live arguments.
    unsafe {
        let inode = bindings::d_inode((*path).dentry);
        bindings::generic_fillattr(idmap, request_mask, inode, stat);
        if let Some(dev) = NSFS_DEV.as_ref() {
            (*stat).dev = *dev;
        }
    }
    0
}
