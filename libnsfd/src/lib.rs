//! Namespace handles from userspace: nsfd(2), setns(2) and the nsfs ioctls
//! as a typed API.
//!
//! An [`NsHandle`] is an open file that names one namespace: made by nsfd(2)
//! ([`NsHandle::open`]), or opened from a bind mount or a `/proc/PID/ns` file
//! ([`NsHandle::open_path`]). Every method is safe: the handle is checked to be
//! a namespace file when it is made, and the ioctls it issues are fixed.
//!
//! ```no_run
//! use nsfd::{NsHandle, NsType};
//! let net = NsHandle::open(0, NsType::NET)?; // the caller's network namespace
//! net.bind_mount("/run/netns/blue")?;          // pinned under a name
//! let blue = NsHandle::open_path("/run/netns/blue")?;
//! assert_eq!(blue.id()?, net.id()?);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The ABI (the syscall number per architecture, `NSFD_FOR_CHILDREN`) is
//! written down in the crate, so it builds without a kernel tree; the
//! project's tests check it against the kernel's uapi headers.

use rustix::fs::{Mode, OFlags};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

mod abi;

pub use abi::{NSFD_FOR_CHILDREN, SYS_NSFD};

/// A namespace type as nsfd() names it, and as `/proc/PID/ns/<name>` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NsType {
    /// The name of the `/proc/PID/ns` entry.
    pub name: &'static str,
    /// The `CLONE_NEW*` flag.
    pub flag: libc::c_int,
    /// Whether this is the namespace for children (pid_for_children, time_for_children).
    pub for_children: bool,
}

impl NsType {
    /// The user namespace.
    pub const USER: NsType = t("user", libc::CLONE_NEWUSER, false);
    /// The mount namespace.
    pub const MNT: NsType = t("mnt", libc::CLONE_NEWNS, false);
    /// The UTS (host and domain name) namespace.
    pub const UTS: NsType = t("uts", libc::CLONE_NEWUTS, false);
    /// The System V IPC and POSIX message queue namespace.
    pub const IPC: NsType = t("ipc", libc::CLONE_NEWIPC, false);
    /// The pid namespace the task is in.
    pub const PID: NsType = t("pid", libc::CLONE_NEWPID, false);
    /// The cgroup namespace.
    pub const CGROUP: NsType = t("cgroup", libc::CLONE_NEWCGROUP, false);
    /// The network namespace.
    pub const NET: NsType = t("net", libc::CLONE_NEWNET, false);
    /// The time namespace the task is in.
    pub const TIME: NsType = t("time", libc::CLONE_NEWTIME, false);
    /// The pid namespace the task's children are created in.
    pub const PID_FOR_CHILDREN: NsType = t("pid_for_children", libc::CLONE_NEWPID, true);
    /// The time namespace the task's children are created in.
    pub const TIME_FOR_CHILDREN: NsType = t("time_for_children", libc::CLONE_NEWTIME, true);

    /// The `nstype` argument of nsfd() for this type.
    pub fn nstype(&self) -> libc::c_ulong {
        self.flag as libc::c_ulong
            | if self.for_children {
                NSFD_FOR_CHILDREN
            } else {
                0
            }
    }

    /// The name of the namespace itself ("pid" for pid_for_children), as readlink shows it.
    pub fn link_name(&self) -> &'static str {
        match self.name {
            "pid_for_children" => "pid",
            "time_for_children" => "time",
            n => n,
        }
    }

    /// The same type without the for-children flag.
    pub fn own(&self) -> NsType {
        NsType::by_flag(self.flag).unwrap_or(*self)
    }

    /// The type for children of `self` (pid and time only).
    pub fn for_children(&self) -> Option<NsType> {
        FOR_CHILDREN_TYPES
            .iter()
            .copied()
            .find(|t| t.flag == self.flag)
    }

    /// Looks a type up by its /proc name or its nsenter-style long name.
    pub fn by_name(name: &str) -> Option<NsType> {
        let name = match name {
            "mount" => "mnt",
            "network" => "net",
            n => n,
        };
        ALL_TYPES
            .iter()
            .chain(FOR_CHILDREN_TYPES.iter())
            .copied()
            .find(|t| t.name == name)
    }

    /// The type whose `CLONE_NEW*` flag is `flag` (not a for-children one).
    pub fn by_flag(flag: libc::c_int) -> Option<NsType> {
        ALL_TYPES.iter().copied().find(|t| t.flag == flag)
    }
}

const fn t(name: &'static str, flag: libc::c_int, for_children: bool) -> NsType {
    NsType {
        name,
        flag,
        for_children,
    }
}

/// The eight namespace types, in mainline's setns order for pidfds (user first).
pub const ALL_TYPES: [NsType; 8] = [
    NsType::USER,
    NsType::MNT,
    NsType::UTS,
    NsType::IPC,
    NsType::PID,
    NsType::CGROUP,
    NsType::NET,
    NsType::TIME,
];

/// The namespaces a task's children are created in.
pub const FOR_CHILDREN_TYPES: [NsType; 2] = [NsType::PID_FOR_CHILDREN, NsType::TIME_FOR_CHILDREN];

/// `nsfd(pid, nstype)` as the system call takes it: a new descriptor that
/// names one namespace of `pid` (0: the caller). [`NsHandle::open`] is the
/// typed form.
pub fn nsfd(pid: libc::pid_t, nstype: libc::c_ulong) -> io::Result<OwnedFd> {
    // SAFETY: nsfd takes two integer arguments and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(SYS_NSFD, pid as libc::c_long, nstype) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = fd as RawFd;
    // A kernel whose number is another system call's (the series is not in
    // mainline) may return a descriptor of its own: not ours to close.
    // SAFETY: the number was just returned by the kernel as a descriptor of
    // this process, and stays open during the check.
    if !on_nsfs(&unsafe { BorrowedFd::borrow_raw(fd) })? {
        return Err(io::Error::from_raw_os_error(libc::ENOSYS));
    }
    // SAFETY: nsfd(2) returned a new descriptor, of nsfs, that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `setns(fd, nstype)` as the system call takes it (0: any type).
pub fn setns(fd: impl AsFd, nstype: libc::c_int) -> io::Result<()> {
    // SAFETY: setns takes a descriptor, borrowed for the call, and an integer.
    if unsafe { libc::setns(fd.as_fd().as_raw_fd(), nstype) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The nsfs ioctls the handle issues (<linux/nsfs.h>, `NSIO` = 0xb7), as
/// rustix ioctls: rustix encodes each opcode for the target architecture
/// (`_IO`/`_IOR` differ on powerpc, mips, sparc) and gives the request
/// argument the type the C library declares.
mod nsio {
    use rustix::io::Result;
    use rustix::ioctl::{opcode, Getter, Ioctl, IoctlOutput, Opcode};
    use std::ffi::c_void;
    use std::os::fd::{FromRawFd, OwnedFd};

    const NSIO: u8 = 0xb7;
    const NS_GET_USERNS: Opcode = opcode::none(NSIO, 0x1);
    const NS_GET_PARENT: Opcode = opcode::none(NSIO, 0x2);
    pub(crate) const NS_GET_NSTYPE: Opcode = opcode::none(NSIO, 0x3);
    /// `_IO`, although it writes a `uid_t` through its argument.
    pub(crate) const NS_GET_OWNER_UID: Opcode = opcode::none(NSIO, 0x4);
    pub(crate) const NS_GET_ID: Opcode = opcode::read::<u64>(NSIO, 13);

    /// NS_GET_ID: the namespace's 64-bit id.
    pub(crate) type GetId = Getter<NS_GET_ID, u64>;

    /// An ioctl without an argument whose return value is a new descriptor:
    /// made only by [`NewFd::USERNS`] and [`NewFd::PARENT`].
    pub(crate) struct NewFd(Opcode);

    impl NewFd {
        pub(crate) const USERNS: NewFd = NewFd(NS_GET_USERNS);
        pub(crate) const PARENT: NewFd = NewFd(NS_GET_PARENT);
    }

    // SAFETY: the opcode is NS_GET_USERNS or NS_GET_PARENT (the only two
    // values), which take no argument, write nothing, and return a new
    // descriptor.
    unsafe impl Ioctl for NewFd {
        type Output = OwnedFd;
        const IS_MUTATING: bool = false;
        fn opcode(&self) -> Opcode {
            self.0
        }
        fn as_ptr(&mut self) -> *mut c_void {
            std::ptr::null_mut()
        }
        unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> Result<OwnedFd> {
            // SAFETY: the call succeeded, so `out` is a new descriptor that nothing else owns.
            Ok(unsafe { OwnedFd::from_raw_fd(out) })
        }
    }

    /// NS_GET_NSTYPE: its return value is the `CLONE_NEW*` flag.
    pub(crate) struct NsTypeFlag;

    // SAFETY: NS_GET_NSTYPE takes no argument and writes nothing.
    unsafe impl Ioctl for NsTypeFlag {
        type Output = i32;
        const IS_MUTATING: bool = false;
        fn opcode(&self) -> Opcode {
            NS_GET_NSTYPE
        }
        fn as_ptr(&mut self) -> *mut c_void {
            std::ptr::null_mut()
        }
        unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> Result<i32> {
            Ok(out)
        }
    }

    /// NS_GET_OWNER_UID: writes the owner's uid through its argument.
    pub(crate) struct OwnerUid(pub(crate) u32);

    // SAFETY: NS_GET_OWNER_UID writes one `uid_t` (32 bits on Linux) through
    // the pointer, which points at the `u32` this value holds.
    unsafe impl Ioctl for OwnerUid {
        type Output = u32;
        const IS_MUTATING: bool = true;
        fn opcode(&self) -> Opcode {
            NS_GET_OWNER_UID
        }
        fn as_ptr(&mut self) -> *mut c_void {
            (&mut self.0 as *mut u32).cast()
        }
        unsafe fn output_from_ptr(_: IoctlOutput, ptr: *mut c_void) -> Result<u32> {
            // SAFETY: `ptr` is the pointer `as_ptr` gave, to a `u32` the call wrote.
            Ok(unsafe { ptr.cast::<u32>().read() })
        }
    }
}

/// An open namespace file: an nsfd(2) handle, a bind mount of one, or a
/// `/proc/PID/ns` file.
///
/// # Invariants
///
/// The descriptor answers `NS_GET_NSTYPE`: it is an nsfs file.
#[derive(Debug)]
pub struct NsHandle {
    fd: OwnedFd,
    ty: NsType,
}

impl NsHandle {
    /// A new handle to the namespace of type `ty` of task `pid` (0: the caller).
    pub fn open(pid: libc::pid_t, ty: NsType) -> io::Result<Self> {
        Self::try_from(nsfd(pid, ty.nstype())?)
    }

    /// Opens a file that names a namespace: a bind mount of a handle, a
    /// `/proc/PID/ns` file, `/proc/PID/fd/N` of a handle. A file of anything
    /// else fails with `ENOTTY`.
    pub fn open_path(path: impl AsRef<Path>) -> io::Result<Self> {
        // Only a file of nsfs is opened for reading: an O_PATH descriptor
        // looks first, so that a FIFO, a device or a socket at the path is
        // never opened (no side effect, no blocking open).
        let probe = rustix::fs::open(path.as_ref(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())?;
        if !on_nsfs(&probe)? {
            return Err(io::Error::from_raw_os_error(libc::ENOTTY));
        }
        // The file the probe holds, not the path again (it may have been
        // swapped since): through /proc/self/fd, or where there is no procfs,
        // the path, which must still be the probe's file.
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let reopen = format!("/proc/self/fd/{}", probe.as_raw_fd());
        let fd = match rustix::fs::open(reopen.as_str(), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(_) => {
                let fd = rustix::fs::open(path.as_ref(), flags, Mode::empty())?;
                let (a, b) = (rustix::fs::fstat(&probe)?, rustix::fs::fstat(&fd)?);
                if (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino) {
                    return Err(io::Error::from_raw_os_error(libc::ENOTTY));
                }
                fd
            }
        };
        Self::try_from(fd)
    }

    /// The namespace's type (a for-children namespace reports its own type).
    pub fn ns_type(&self) -> NsType {
        self.ty
    }

    /// The namespace's inode number, as `/proc/PID/ns` links and lsns show it.
    pub fn inode(&self) -> io::Result<u64> {
        Ok(rustix::fs::fstat(&self.fd)?.st_ino)
    }

    /// The namespace's 64-bit id (`NS_GET_ID`), never reused while the system runs.
    pub fn id(&self) -> io::Result<u64> {
        // SAFETY: the handle is an nsfs file (its invariant), whose NS_GET_ID writes one u64.
        Ok(unsafe { rustix::ioctl::ioctl(&self.fd, nsio::GetId::new()) }?)
    }

    /// The user namespace that owns this namespace (for a user namespace: its
    /// parent). `EPERM` when that is outside the caller's view.
    pub fn userns(&self) -> io::Result<NsHandle> {
        self.related(nsio::NewFd::USERNS)
    }

    /// The parent of a pid or user namespace. `EPERM` when it is outside the
    /// caller's view, `EINVAL` for other types.
    pub fn parent(&self) -> io::Result<NsHandle> {
        self.related(nsio::NewFd::PARENT)
    }

    /// The uid that created the user namespace this namespace belongs to
    /// (the namespace itself if it is a user namespace), in the caller's view.
    pub fn owner_uid(&self) -> io::Result<libc::uid_t> {
        if self.ty.flag != libc::CLONE_NEWUSER {
            return self.userns()?.owner_uid();
        }
        // SAFETY: the handle is an nsfs file (its invariant) of a user namespace, whose
        // NS_GET_OWNER_UID writes one uid_t.
        Ok(unsafe { rustix::ioctl::ioctl(&self.fd, nsio::OwnerUid(0)) }?)
    }

    /// Moves the calling thread into this namespace (setns(2) with its type).
    pub fn setns(&self) -> io::Result<()> {
        setns(&self.fd, self.ty.flag)
    }

    /// Pins the namespace at `path` (an existing file) by bind-mounting the
    /// handle there, with no procfs: a detached copy of the handle's file
    /// (`open_tree(OPEN_TREE_CLONE)`) moved onto `path` (`move_mount`). A
    /// symbolic link at `path` is followed, as `mount --bind` follows it.
    ///
    /// Only where the kernel lacks the mount API (`ENOSYS`: before Linux
    /// 5.2) is the handle bound through `/proc/self/fd/N` instead
    /// ([`NsHandle::bind_mount_via_proc`]); any other error is returned.
    pub fn bind_mount(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref();
        with_fallback_on_enosys(
            || self.bind_mount_with_mount_api(path),
            || self.bind_mount_via_proc(path),
        )
    }

    /// The mount-API route of [`NsHandle::bind_mount`].
    pub fn bind_mount_with_mount_api(&self, path: impl AsRef<Path>) -> io::Result<()> {
        use rustix::mount::{MoveMountFlags, OpenTreeFlags};
        let tree = rustix::mount::open_tree(
            &self.fd,
            "",
            OpenTreeFlags::OPEN_TREE_CLONE
                | OpenTreeFlags::OPEN_TREE_CLOEXEC
                | OpenTreeFlags::AT_EMPTY_PATH,
        )?;
        Ok(rustix::mount::move_mount(
            &tree,
            "",
            rustix::fs::CWD,
            path.as_ref(),
            MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_SYMLINKS,
        )?)
    }

    /// The RFC's route, `mount --bind /proc/self/fd/N PATH`: it needs a
    /// procfs of the caller's pid namespace at `/proc`. [`NsHandle::bind_mount`]
    /// takes it only on a kernel without the mount API.
    pub fn bind_mount_via_proc(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let src = format!("/proc/self/fd/{}", self.fd.as_raw_fd());
        Ok(rustix::mount::mount_bind(src.as_str(), path.as_ref())?)
    }

    /// NS_GET_USERNS or NS_GET_PARENT: both return a new nsfs descriptor.
    fn related(&self, cmd: nsio::NewFd) -> io::Result<NsHandle> {
        // SAFETY: the handle is an nsfs file (its invariant); `cmd` is NS_GET_USERNS or
        // NS_GET_PARENT, which take no argument and return a new descriptor.
        Self::try_from(unsafe { rustix::ioctl::ioctl(&self.fd, cmd) }?)
    }
}

/// Runs `primary`; only if it fails with `ENOSYS` (the system call does not
/// exist), runs `fallback` instead.
fn with_fallback_on_enosys(
    primary: impl FnOnce() -> io::Result<()>,
    fallback: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    match primary() {
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => fallback(),
        r => r,
    }
}

impl TryFrom<OwnedFd> for NsHandle {
    type Error = io::Error;

    /// Takes an open file as a handle if it is a namespace file (`ENOTTY` if not).
    fn try_from(fd: OwnedFd) -> io::Result<Self> {
        // No ioctl on a file of another file system: its driver could take
        // the number for a command of its own.
        if !on_nsfs(&fd)? {
            return Err(io::Error::from_raw_os_error(libc::ENOTTY));
        }
        // SAFETY: the file is of nsfs (checked above), whose NS_GET_NSTYPE takes no argument.
        let flag = unsafe { rustix::ioctl::ioctl(&fd, nsio::NsTypeFlag) }?;
        let ty = NsType::by_flag(flag).ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
        // INVARIANT: the file answered NS_GET_NSTYPE.
        Ok(NsHandle { fd, ty })
    }
}

/// `NSFS_MAGIC` of <linux/magic.h>: the file system of namespace files.
const NSFS_MAGIC: u32 = 0x6e73_6673;

/// Whether `fd` is a file of nsfs (any descriptor, `O_PATH` too).
fn on_nsfs(fd: &impl AsFd) -> io::Result<bool> {
    // Magic numbers are 32 bits; `f_type` is a word of any width.
    Ok(rustix::fs::fstatfs(fd)?.f_type as u32 == NSFS_MAGIC)
}

impl AsFd for NsHandle {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for NsHandle {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<NsHandle> for OwnedFd {
    fn from(h: NsHandle) -> OwnedFd {
        h.fd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nstype_of_each_type_is_its_flag() {
        for t in ALL_TYPES {
            assert_eq!(t.nstype(), t.flag as libc::c_ulong);
            assert_eq!(NsType::by_name(t.name), Some(t));
            assert_eq!(NsType::by_flag(t.flag), Some(t));
            assert_eq!(t.own(), t);
        }
    }

    #[test]
    fn for_children_types_carry_the_flag() {
        for t in FOR_CHILDREN_TYPES {
            assert_eq!(t.nstype() & NSFD_FOR_CHILDREN, NSFD_FOR_CHILDREN);
            assert_ne!(t.link_name(), t.name);
            assert_eq!(t.own().for_children(), Some(t));
        }
        assert_eq!(NsType::NET.for_children(), None);
    }

    #[test]
    #[cfg(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    ))]
    fn ioctl_numbers_match_the_uapi_encoding() {
        // _IO(0xb7, 3) and _IOR(0xb7, 13, __u64) as <linux/nsfs.h> defines them.
        // (x86-64's encoding; rustix's opcode functions give each architecture its own.)
        assert_eq!(nsio::NS_GET_NSTYPE as u64, 0xb703);
        assert_eq!(nsio::NS_GET_ID as u64, 0x8008_b70d);
    }

    #[test]
    fn short_names_are_accepted() {
        assert_eq!(NsType::by_name("mount"), Some(NsType::MNT));
        assert_eq!(NsType::by_name("network"), Some(NsType::NET));
        assert_eq!(NsType::by_name("bogus"), None);
    }

    // The host's own namespaces through /proc: the typed API without nsfd(2).
    #[test]
    fn proc_file_is_a_handle_with_its_type() {
        let h = NsHandle::open_path("/proc/self/ns/uts").unwrap();
        assert_eq!(h.ns_type(), NsType::UTS);
        let st = std::fs::metadata("/proc/self/ns/uts").unwrap();
        assert_eq!(h.inode().unwrap(), std::os::unix::fs::MetadataExt::ino(&st));
        assert_eq!(h.userns().unwrap().ns_type(), NsType::USER);
    }

    // Which route bind_mount takes: the /proc one on ENOSYS only.
    #[test]
    fn only_enosys_selects_the_proc_route() {
        let errno = |n| Err(io::Error::from_raw_os_error(n));
        for (primary, want_fallback, want) in [
            (Ok(()), false, None),
            (errno(libc::ENOSYS), true, Some(libc::EXDEV)),
            (errno(libc::EPERM), false, Some(libc::EPERM)),
            (errno(libc::ENOENT), false, Some(libc::ENOENT)),
        ] {
            let mut fell_back = false;
            let r = with_fallback_on_enosys(
                || primary,
                || {
                    fell_back = true;
                    errno(libc::EXDEV)
                },
            );
            assert_eq!(fell_back, want_fallback);
            assert_eq!(r.err().and_then(|e| e.raw_os_error()), want);
        }
    }

    #[test]
    fn a_file_that_is_no_namespace_is_refused() {
        let e = NsHandle::open_path("/proc/self/status").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOTTY));
    }
}
