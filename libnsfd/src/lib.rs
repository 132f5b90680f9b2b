//! Namespace handles from userspace: nsfd(2), setns(2) and the nsfs ioctls
//! as a typed API.
//!
//! An [`NsHandle`] is an open file that names one namespace: made by nsfd(2)
//! from a [`Task`] and an [`NsType`] ([`NsHandle::open`]), or opened from a
//! bind mount or a `/proc/PID/ns` file ([`NsHandle::open_path`]). Every
//! method is safe: the handle is checked to be a namespace file when it is
//! made, and the ioctls it issues are fixed.
//!
//! The main flow: take a handle, pin it under a name, and later reopen the
//! name and join the namespace.
//!
//! ```no_run
//! use nsfd::{NsHandle, NsType, Task};
//! // nsfd(2): only in a kernel built from the nsfd series.
//! let net = NsHandle::open(Task::Current, NsType::Net)?;
//! net.bind_mount("/run/netns/blue")?; // an existing file; pinned with no procfs
//! // Later, anywhere the path is visible:
//! let blue = NsHandle::open_path("/run/netns/blue")?;
//! assert_eq!(blue.id()?, net.id()?);
//! blue.setns()?; // this thread is now in the namespace
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Without nsfd(2), the same handles come from `/proc`:
//!
//! ```
//! use nsfd::{NsHandle, NsType};
//! let uts = NsHandle::open_path("/proc/self/ns/uts")?;
//! assert_eq!(uts.ns_type(), NsType::Uts);
//! println!("uts:[{}]", uts.inode()?);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Errors are [`std::io::Error`]s that carry the kernel's errno
//! ([`io::Error::raw_os_error`]); each function's `# Errors` section names
//! the values it gives and when.
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
/// The pid and uid types of the API, rustix's (re-exported so that a caller
/// needs no rustix of its own).
pub use rustix::process::{Pid, Uid};

/// A namespace type, as nsfd(2) takes it and as `/proc/PID/ns/<name>` names
/// it: the eight types of a task, and the two namespaces its children are
/// created in.
///
/// Non-exhaustive: a type that Linux adds is a new variant, so a `match`
/// needs a `_` arm. [`NsType::all`] and [`NsType::all_with_children`] list
/// the types this version knows.
///
/// ```
/// use nsfd::NsType;
/// let t = NsType::by_name("pid_for_children").unwrap();
/// assert_eq!(t, NsType::PidForChildren);
/// assert_eq!(t.own(), NsType::Pid);
/// assert_eq!(t.link_name(), "pid"); // readlink shows pid:[inode]
/// assert_eq!(NsType::by_name("network"), Some(NsType::Net));
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NsType {
    /// The user namespace (`CLONE_NEWUSER`).
    User,
    /// The mount namespace (`CLONE_NEWNS`).
    Mnt,
    /// The UTS (host and domain name) namespace (`CLONE_NEWUTS`).
    Uts,
    /// The System V IPC and POSIX message queue namespace (`CLONE_NEWIPC`).
    Ipc,
    /// The pid namespace the task is in (`CLONE_NEWPID`).
    Pid,
    /// The cgroup namespace (`CLONE_NEWCGROUP`).
    Cgroup,
    /// The network namespace (`CLONE_NEWNET`).
    Net,
    /// The time namespace the task is in (`CLONE_NEWTIME`).
    Time,
    /// The pid namespace the task's children are created in
    /// (`CLONE_NEWPID | NSFD_FOR_CHILDREN`).
    PidForChildren,
    /// The time namespace the task's children are created in
    /// (`CLONE_NEWTIME | NSFD_FOR_CHILDREN`).
    TimeForChildren,
}

/// Every type: the own types in mainline's order of setns() with a pidfd
/// (user first), then the for-children ones. [`NsType::all`] is its head.
const TYPES: [NsType; 10] = [
    NsType::User,
    NsType::Mnt,
    NsType::Uts,
    NsType::Ipc,
    NsType::Pid,
    NsType::Cgroup,
    NsType::Net,
    NsType::Time,
    NsType::PidForChildren,
    NsType::TimeForChildren,
];

/// How many of [`TYPES`] are a task's own.
const OWN_TYPES: usize = 8;

impl NsType {
    /// The types of a task's own namespaces, in mainline's order of setns()
    /// with a pidfd (user first, so that its capabilities apply to the rest):
    /// user, mnt, uts, ipc, pid, cgroup, net, time.
    ///
    /// A slice, not an array: a type Linux adds is appended.
    ///
    /// ```
    /// use nsfd::NsType;
    /// assert_eq!(NsType::all()[0], NsType::User);
    /// assert!(NsType::all().iter().all(|t| !t.is_for_children()));
    /// ```
    pub fn all() -> &'static [NsType] {
        &TYPES[..OWN_TYPES]
    }

    /// [`NsType::all`] followed by the for-children types (pid_for_children,
    /// time_for_children): every name of `/proc/PID/ns`.
    ///
    /// ```
    /// use nsfd::NsType;
    /// let names: Vec<&str> = NsType::all_with_children().iter().map(|t| t.name()).collect();
    /// assert!(names.contains(&"time_for_children"));
    /// ```
    pub fn all_with_children() -> &'static [NsType] {
        &TYPES
    }

    /// The name of the `/proc/PID/ns` entry ("net", "pid_for_children").
    pub const fn name(self) -> &'static str {
        match self {
            NsType::User => "user",
            NsType::Mnt => "mnt",
            NsType::Uts => "uts",
            NsType::Ipc => "ipc",
            NsType::Pid => "pid",
            NsType::Cgroup => "cgroup",
            NsType::Net => "net",
            NsType::Time => "time",
            NsType::PidForChildren => "pid_for_children",
            NsType::TimeForChildren => "time_for_children",
        }
    }

    /// The `CLONE_NEW*` flag: what setns(2) takes and `NS_GET_NSTYPE`
    /// returns (for a for-children type, that of its own type).
    ///
    /// ```
    /// assert_eq!(nsfd::NsType::Net.clone_flag(), 0x4000_0000); // CLONE_NEWNET
    /// ```
    pub const fn clone_flag(self) -> u32 {
        // The values of <linux/sched.h>, the same on every architecture.
        match self {
            NsType::User => 0x1000_0000,
            NsType::Mnt => 0x0002_0000,
            NsType::Uts => 0x0400_0000,
            NsType::Ipc => 0x0800_0000,
            NsType::Pid | NsType::PidForChildren => 0x2000_0000,
            NsType::Cgroup => 0x0200_0000,
            NsType::Net => 0x4000_0000,
            NsType::Time | NsType::TimeForChildren => 0x0000_0080,
        }
    }

    /// Whether this is a namespace a task's children are created in
    /// (pid_for_children, time_for_children).
    pub const fn is_for_children(self) -> bool {
        matches!(self, NsType::PidForChildren | NsType::TimeForChildren)
    }

    /// The `nstype` argument of nsfd(2) for this type: the `CLONE_NEW*` flag,
    /// ORed with [`NSFD_FOR_CHILDREN`] for a for-children type.
    ///
    /// ```
    /// use nsfd::{NsType, NSFD_FOR_CHILDREN};
    /// assert_eq!(NsType::Pid.nstype(), NsType::Pid.clone_flag());
    /// assert_eq!(NsType::PidForChildren.nstype(), NsType::Pid.clone_flag() | NSFD_FOR_CHILDREN);
    /// ```
    pub const fn nstype(self) -> u32 {
        self.clone_flag()
            | if self.is_for_children() {
                NSFD_FOR_CHILDREN
            } else {
                0
            }
    }

    /// The name of the namespace itself, as readlink of its file shows it
    /// (`pid:[4026531836]` for pid_for_children too).
    pub const fn link_name(self) -> &'static str {
        self.own().name()
    }

    /// The same type without the for-children part (pid for
    /// pid_for_children); an own type is itself.
    pub const fn own(self) -> NsType {
        match self {
            NsType::PidForChildren => NsType::Pid,
            NsType::TimeForChildren => NsType::Time,
            t => t,
        }
    }

    /// The for-children type of this type's own type (pid_for_children for
    /// pid and for pid_for_children), for the types that have one: pid and
    /// time.
    pub const fn for_children(self) -> Option<NsType> {
        match self {
            NsType::Pid | NsType::PidForChildren => Some(NsType::PidForChildren),
            NsType::Time | NsType::TimeForChildren => Some(NsType::TimeForChildren),
            _ => None,
        }
    }

    /// Looks a type up by its `/proc/PID/ns` name (those of
    /// [`NsType::all_with_children`]), or by the long names nsenter(1) and
    /// lsns(8) use for two of them, "mount" and "network".
    ///
    /// ```
    /// use nsfd::NsType;
    /// assert_eq!(NsType::by_name("mnt"), Some(NsType::Mnt));
    /// assert_eq!(NsType::by_name("mount"), Some(NsType::Mnt));
    /// assert_eq!(NsType::by_name("bogus"), None);
    /// ```
    pub fn by_name(name: &str) -> Option<NsType> {
        let name = match name {
            "mount" => "mnt",
            "network" => "net",
            n => n,
        };
        TYPES.iter().copied().find(|t| t.name() == name)
    }

    /// The own type whose `CLONE_NEW*` flag is `flag` (never a for-children
    /// one): the inverse of [`NsType::clone_flag`], for what `NS_GET_NSTYPE`
    /// returns. `None` for anything but exactly one known flag.
    ///
    /// ```
    /// use nsfd::NsType;
    /// assert_eq!(NsType::by_clone_flag(0x2000_0000), Some(NsType::Pid));
    /// assert_eq!(NsType::by_clone_flag(0x2000_0000 | 0x4000_0000), None);
    /// ```
    pub fn by_clone_flag(flag: u32) -> Option<NsType> {
        NsType::all()
            .iter()
            .copied()
            .find(|t| t.clone_flag() == flag)
    }
}

/// The task whose namespace nsfd(2) takes: nsfd's `pid` argument, with its
/// 0 ("the caller") a variant of its own.
///
/// Non-exhaustive: another way to name a task may be added.
///
/// ```
/// use nsfd::{Pid, Task};
/// assert_eq!(Task::from(Pid::from_raw(1)), Task::Pid(Pid::INIT));
/// assert_eq!(Task::from(Pid::from_raw(0)), Task::Current); // rustix's `None`
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    /// The calling thread (nsfd's pid 0). Its namespaces may differ from
    /// those of the process's other threads after a setns() or unshare() in
    /// one of them.
    Current,
    /// The task (a process, or a thread by its thread id) with this pid in
    /// the caller's pid namespace.
    Pid(Pid),
}

impl Task {
    /// nsfd(2)'s `pid` argument.
    const fn as_raw(self) -> i32 {
        match self {
            Task::Current => 0,
            Task::Pid(p) => p.as_raw_pid(),
        }
    }
}

impl From<Pid> for Task {
    fn from(pid: Pid) -> Task {
        Task::Pid(pid)
    }
}

/// rustix's convention for an optional pid: `None` is the caller.
impl From<Option<Pid>> for Task {
    fn from(pid: Option<Pid>) -> Task {
        pid.map_or(Task::Current, Task::Pid)
    }
}

/// nsfd(2): a new descriptor for the namespace of type `ty` of `task`, of
/// nsfs (`ENOSYS` otherwise).
fn nsfd(task: Task, ty: NsType) -> io::Result<OwnedFd> {
    // SAFETY: nsfd(2) takes two integers and returns a new descriptor, or -1
    // with errno set.
    let fd = unsafe {
        libc::syscall(
            SYS_NSFD as libc::c_long,
            libc::c_long::from(task.as_raw()),
            libc::c_ulong::from(ty.nstype()),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = fd as RawFd;
    // A kernel whose number is another system call's (the series is not in
    // mainline) may return a descriptor of its own: not ours to close.
    // SAFETY: the number was just returned by the kernel as a descriptor of
    // this process, and stays open during the check.
    if !is_nsfs(unsafe { BorrowedFd::borrow_raw(fd) })? {
        return Err(io::Error::from_raw_os_error(libc::ENOSYS));
    }
    // SAFETY: nsfd(2) returned a new descriptor, of nsfs, that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// setns(2) with the descriptor of a namespace of type `ty`.
fn setns(fd: BorrowedFd<'_>, ty: NsType) -> io::Result<()> {
    // The CLONE_NEW* flags all fit in a positive int.
    let nstype = ty.clone_flag() as libc::c_int;
    // SAFETY: setns takes a descriptor, borrowed for the call, and an integer.
    if unsafe { libc::setns(fd.as_raw_fd(), nstype) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The nsfs ioctls (<linux/nsfs.h>, `NSIO` = 0xb7), as rustix encodes them
/// for the target architecture (`_IO`/`_IOR` differ on powerpc, mips,
/// sparc). [`NsHandle`]'s methods issue the first five, with the request
/// argument the type the C library declares; the opcodes are public for
/// callers that issue an ioctl themselves (the project's tests, with any
/// argument).
///
/// ```
/// use nsfd::nsio;
/// # #[cfg(target_arch = "x86_64")]
/// assert_eq!(nsio::NS_GET_NSTYPE, 0xb703); // _IO(0xb7, 0x3)
/// ```
pub mod nsio {
    use rustix::io::Result;
    use rustix::ioctl::{opcode, Getter, Ioctl, IoctlOutput};
    use std::ffi::c_void;
    use std::os::fd::{FromRawFd, OwnedFd};

    /// rustix's ioctl request type.
    pub use rustix::ioctl::Opcode;

    const NSIO: u8 = 0xb7;
    /// `NS_GET_USERNS`: a new descriptor of the owning user namespace.
    pub const NS_GET_USERNS: Opcode = opcode::none(NSIO, 0x1);
    /// `NS_GET_PARENT`: a new descriptor of the parent (pid and user namespaces).
    pub const NS_GET_PARENT: Opcode = opcode::none(NSIO, 0x2);
    /// `NS_GET_NSTYPE`: the namespace's `CLONE_NEW*` flag.
    pub const NS_GET_NSTYPE: Opcode = opcode::none(NSIO, 0x3);
    /// `NS_GET_OWNER_UID`: `_IO`, although it writes a `uid_t` through its argument.
    pub const NS_GET_OWNER_UID: Opcode = opcode::none(NSIO, 0x4);
    /// `NS_GET_PID_FROM_PIDNS`: a pid of the namespace as the caller's.
    pub const NS_GET_PID_FROM_PIDNS: Opcode = opcode::read::<i32>(NSIO, 0x6);
    /// `NS_GET_TGID_FROM_PIDNS`: a thread group id of the namespace as the caller's.
    pub const NS_GET_TGID_FROM_PIDNS: Opcode = opcode::read::<i32>(NSIO, 0x7);
    /// `NS_GET_PID_IN_PIDNS`: a pid of the caller's namespace as the namespace's.
    pub const NS_GET_PID_IN_PIDNS: Opcode = opcode::read::<i32>(NSIO, 0x8);
    /// `NS_GET_ID`: the namespace's 64-bit id.
    pub const NS_GET_ID: Opcode = opcode::read::<u64>(NSIO, 13);

    /// NS_GET_ID: the namespace's 64-bit id.
    pub(crate) type GetId = Getter<NS_GET_ID, u64>;

    /// A rustix ioctl without an argument whose return value is a new
    /// descriptor: [`NewFd::USERNS`], [`NewFd::PARENT`], or another such
    /// command ([`NewFd::new`]), e.g. `PIDFD_GET_NET_NAMESPACE` on a pidfd.
    ///
    /// ```
    /// use nsfd::nsio::NewFd;
    /// let uts = std::fs::File::open("/proc/self/ns/uts")?;
    /// // SAFETY: NS_GET_USERNS on an nsfs file returns a new descriptor.
    /// let user = unsafe { rustix::ioctl::ioctl(&uts, NewFd::USERNS) }?;
    /// assert!(nsfd::is_nsfs(&user)?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct NewFd(Opcode);

    impl NewFd {
        /// `NS_GET_USERNS`.
        pub const USERNS: NewFd = NewFd(NS_GET_USERNS);
        /// `NS_GET_PARENT`.
        pub const PARENT: NewFd = NewFd(NS_GET_PARENT);

        /// Another command of the kind.
        ///
        /// # Safety
        ///
        /// `opcode`, on the descriptors it is issued on, takes no argument,
        /// writes nothing, and returns a new descriptor on success.
        pub const unsafe fn new(opcode: Opcode) -> NewFd {
            NewFd(opcode)
        }
    }

    // SAFETY: the opcode is NS_GET_USERNS or NS_GET_PARENT, or one that
    // NewFd::new's caller vouches for: each takes no argument, writes
    // nothing, and returns a new descriptor.
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
/// The descriptor is an nsfs file that answered `NS_GET_NSTYPE` with the
/// flag of `ty`.
#[derive(Debug)]
pub struct NsHandle {
    fd: OwnedFd,
    ty: NsType,
}

impl NsHandle {
    /// A new handle to the namespace of type `ty` of `task`, by nsfd(2).
    ///
    /// ```no_run
    /// use nsfd::{NsHandle, NsType, Pid, Task};
    /// let own = NsHandle::open(Task::Current, NsType::Uts)?;
    /// let init = NsHandle::open(Task::Pid(Pid::INIT), NsType::Uts)?;
    /// println!("in the host's uts namespace: {}", own.id()? == init.id()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// nsfd(2)'s (`Documentation/nsfd.rst`):
    ///
    /// - `ENOSYS`: the kernel has no nsfd(2) (one not built from the nsfd
    ///   series, or without `CONFIG_NSFD`). Where number [`SYS_NSFD`] is
    ///   another system call, its error; a descriptor it returns that is not
    ///   a namespace file is left open, and `ENOSYS` returned. A seccomp
    ///   filter may answer an unknown call with another errno (`EPERM`).
    /// - `ESRCH`: no task `pid` in the caller's pid namespace, or the task is
    ///   exiting and has no namespaces left. A zombie (exited, not reaped)
    ///   has only its user and pid namespaces: every other type gives
    ///   `ESRCH`.
    /// - `EACCES`: the caller may not read the task's namespaces: the check
    ///   of opening `/proc/PID/ns/TYPE` (ptrace read access with the
    ///   filesystem credentials). Never for [`Task::Current`].
    /// - `EOPNOTSUPP`: the kernel was built without this namespace type.
    /// - `EINVAL`: a negative pid ([`Pid::from_raw`] only debug-asserts), or a
    ///   type that the kernel does not know (one newer than the kernel).
    /// - `EINTR`: a fatal signal came while waiting for an execve() of the
    ///   task to finish.
    /// - `EMFILE`, `ENFILE`, `ENOMEM`: as for any call that makes a file.
    pub fn open(task: Task, ty: NsType) -> io::Result<Self> {
        // nsfd() checked the file system; NS_GET_NSTYPE cannot fail on it.
        Self::of_nsfs_file(nsfd(task, ty)?)
    }

    /// Opens a file that names a namespace: a bind mount of a handle, a
    /// `/proc/PID/ns` file, `/proc/PID/fd/N` of a handle. The file is
    /// checked before it is opened for reading, so that a FIFO, a device or
    /// a socket at `path` is never opened.
    ///
    /// ```
    /// use nsfd::{NsHandle, NsType};
    /// let h = NsHandle::open_path("/proc/self/ns/uts")?;
    /// assert_eq!(h.ns_type(), NsType::Uts);
    /// let e = NsHandle::open_path("/proc/self/status").unwrap_err();
    /// assert_eq!(e.raw_os_error(), Some(25)); // ENOTTY: not a namespace file
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - open(2)'s for `path`: `ENOENT`, `ENOTDIR`, `ELOOP`,
    ///   `ENAMETOOLONG`, `EACCES` (a directory on the way that may not be
    ///   searched; for `/proc/PID/ns` of a task whose namespaces the caller
    ///   may not read, as nsfd(2)'s `EACCES`), `EMFILE`, `ENFILE`, `ENOMEM`.
    /// - `ENOTTY`: the file is not a namespace file (not of nsfs), or was
    ///   swapped for another one while it was opened.
    /// - `EINVAL`: a namespace type this version of the crate does not know.
    pub fn open_path(path: impl AsRef<Path>) -> io::Result<Self> {
        // Only a file of nsfs is opened for reading: an O_PATH descriptor
        // looks first, so that a FIFO, a device or a socket at the path is
        // never opened (no side effect, no blocking open).
        let probe = rustix::fs::open(path.as_ref(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())?;
        if !is_nsfs(&probe)? {
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

    /// The namespace's type. A handle of a for-children namespace reports
    /// the namespace's own type ([`NsType::Pid`] for pid_for_children): the
    /// kernel does not tell them apart.
    pub fn ns_type(&self) -> NsType {
        self.ty
    }

    /// The namespace's inode number, as `/proc/PID/ns` links and lsns show it.
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// let h = nsfd::NsHandle::open_path("/proc/self/ns/net")?;
    /// assert_eq!(h.inode()?, std::fs::metadata("/proc/self/ns/net")?.ino());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// fstat(2)'s, of which none is expected on the open nsfs file a handle
    /// holds.
    pub fn inode(&self) -> io::Result<u64> {
        Ok(rustix::fs::fstat(&self.fd)?.st_ino)
    }

    /// The namespace's 64-bit id (`NS_GET_ID`), never reused while the
    /// system runs (an inode number may be).
    ///
    /// # Errors
    ///
    /// `ENOTTY`: the kernel has no `NS_GET_ID` (an older kernel).
    pub fn id(&self) -> io::Result<u64> {
        // SAFETY: the handle is an nsfs file (its invariant), whose NS_GET_ID writes one u64.
        Ok(unsafe { rustix::ioctl::ioctl(&self.fd, nsio::GetId::new()) }?)
    }

    /// The user namespace that owns this namespace (`NS_GET_USERNS`; for a
    /// user namespace, its parent).
    ///
    /// ```
    /// use nsfd::{NsHandle, NsType};
    /// let uts = NsHandle::open_path("/proc/self/ns/uts")?;
    /// assert_eq!(uts.userns()?.ns_type(), NsType::User);
    /// // The caller's own user namespace: its parent is outside its view.
    /// let user = NsHandle::open_path("/proc/self/ns/user")?;
    /// assert_eq!(user.userns().unwrap_err().raw_os_error(), Some(1)); // EPERM
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - `EPERM`: the owner is outside the caller's user namespace tree (not
    ///   the caller's user namespace or a descendant of it): always for the
    ///   caller's own user namespace, and for a namespace owned by an
    ///   ancestor of it.
    /// - `EMFILE`, `ENFILE`, `ENOMEM`: as for any call that makes a file.
    pub fn userns(&self) -> io::Result<NsHandle> {
        self.related(nsio::NewFd::USERNS)
    }

    /// The parent of a pid or user namespace (`NS_GET_PARENT`).
    ///
    /// ```
    /// use nsfd::NsHandle;
    /// // The caller's own pid namespace: its parent is outside its view.
    /// let pid = NsHandle::open_path("/proc/self/ns/pid")?;
    /// assert_eq!(pid.parent().unwrap_err().raw_os_error(), Some(1)); // EPERM
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - `EPERM`: the namespace has no parent, or the parent is outside the
    ///   caller's view (not the caller's active pid namespace, or user
    ///   namespace, or a descendant of it): always for the caller's own pid
    ///   and user namespaces.
    /// - `EINVAL`: a namespace of another type (they have no parents).
    /// - `EMFILE`, `ENFILE`, `ENOMEM`: as for any call that makes a file.
    pub fn parent(&self) -> io::Result<NsHandle> {
        self.related(nsio::NewFd::PARENT)
    }

    /// The uid that created the user namespace this namespace belongs to
    /// (the namespace itself if it is a user namespace), in the caller's
    /// user namespace (`NS_GET_OWNER_UID`). A uid without a mapping there
    /// is the overflow uid (65534), not an error.
    ///
    /// ```
    /// let user = nsfd::NsHandle::open_path("/proc/self/ns/user")?;
    /// println!("created by uid {}", user.owner_uid()?.as_raw());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// For a namespace that is not a user namespace, those of
    /// [`NsHandle::userns`] (`EPERM` when the owner is outside the caller's
    /// view); for a user namespace, none.
    pub fn owner_uid(&self) -> io::Result<Uid> {
        if self.ty != NsType::User {
            return self.userns()?.owner_uid();
        }
        // SAFETY: the handle is an nsfs file (its invariant) of a user namespace, whose
        // NS_GET_OWNER_UID writes one uid_t.
        let uid = unsafe { rustix::ioctl::ioctl(&self.fd, nsio::OwnerUid(0)) }?;
        Ok(Uid::from_raw(uid))
    }

    /// Moves the calling thread into this namespace: setns(2) with the
    /// handle's type. A pid or time namespace becomes that of the caller's
    /// children (as for-children), not the caller's own.
    ///
    /// # Errors
    ///
    /// setns(2)'s (`Documentation/setns.rst`):
    ///
    /// - `EPERM`: the caller lacks `CAP_SYS_ADMIN` in its own user namespace
    ///   or over the namespace's owner (for a user namespace: in the
    ///   namespace; for a mount namespace, `CAP_SYS_CHROOT` too).
    /// - `EINVAL`: a user namespace the caller is in already; a user or
    ///   mount namespace while the caller shares its filesystem information
    ///   (`CLONE_FS`: another thread of a multithreaded process); a user
    ///   namespace in a multithreaded process; a pid namespace that is not
    ///   the caller's or a descendant of it.
    /// - `EUSERS`: a time namespace in a multithreaded process.
    /// - `ENOMEM`: out of memory.
    pub fn setns(&self) -> io::Result<()> {
        setns(self.fd.as_fd(), self.ty)
    }

    /// Pins the namespace at `path` (an existing file) by bind-mounting the
    /// handle there, with no procfs: a detached copy of the handle's file
    /// (`open_tree(OPEN_TREE_CLONE)`) moved onto `path` (`move_mount`). A
    /// symbolic link at `path` is followed, as `mount --bind` follows it.
    /// The mount keeps the namespace alive after every descriptor is closed;
    /// unmounting `path` drops it.
    ///
    /// Only where the kernel lacks the mount API (`ENOSYS`: before Linux
    /// 5.2) is the handle bound through `/proc/self/fd/N` instead
    /// ([`NsHandle::bind_mount_via_proc`]); any other error is returned.
    ///
    /// # Errors
    ///
    /// Those of [`NsHandle::bind_mount_with_mount_api`]; on a kernel without
    /// the mount API, those of [`NsHandle::bind_mount_via_proc`].
    pub fn bind_mount(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref();
        with_fallback_on_enosys(
            || self.bind_mount_with_mount_api(path),
            || self.bind_mount_via_proc(path),
        )
    }

    /// The mount-API route of [`NsHandle::bind_mount`].
    ///
    /// # Errors
    ///
    /// open_tree(2)'s and move_mount(2)'s, among them:
    ///
    /// - `ENOSYS`: the kernel has no mount API (before Linux 5.2).
    /// - `EPERM`: the caller lacks `CAP_SYS_ADMIN` over its mount namespace.
    /// - `ENOENT`, `ENOTDIR`, `ELOOP`, `EACCES`: `path` does not resolve.
    /// - `EINVAL`: `path` is a directory.
    /// - `ELOOP`: the handle is of the caller's mount namespace or an older
    ///   one, which a mount in the caller's could pin (a namespace loop).
    /// - `ENOSPC`: the caller's user namespace is at its mount-namespace
    ///   limit (`max_mnt_namespaces`): the detached copy is one for a moment.
    /// - `EMFILE`, `ENFILE`, `ENOMEM`: the detached copy is a descriptor.
    pub fn bind_mount_with_mount_api(&self, path: impl AsRef<Path>) -> io::Result<()> {
        bind_mount_fd(&self.fd, path)
    }

    /// The RFC's route, `mount --bind /proc/self/fd/N PATH`: it needs a
    /// procfs of the caller's pid namespace at `/proc`. [`NsHandle::bind_mount`]
    /// takes it only on a kernel without the mount API.
    ///
    /// # Errors
    ///
    /// mount(2)'s, among them:
    ///
    /// - `EPERM`: the caller lacks `CAP_SYS_ADMIN` over its mount namespace.
    /// - `ENOENT`: `path` does not exist, or there is no procfs at `/proc`;
    ///   `ENOTDIR`, `ELOOP`, `EACCES`: `path` does not resolve.
    /// - `ENOTDIR`: `path` is a directory.
    /// - `EINVAL`: the handle is of the caller's mount namespace or an older
    ///   one (where the mount API gives `ELOOP`).
    /// - `ENOMEM`: out of memory.
    pub fn bind_mount_via_proc(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let src = format!("/proc/self/fd/{}", self.fd.as_raw_fd());
        Ok(rustix::mount::mount_bind(src.as_str(), path.as_ref())?)
    }

    /// NS_GET_USERNS or NS_GET_PARENT: both return a new nsfs descriptor.
    fn related(&self, cmd: nsio::NewFd) -> io::Result<NsHandle> {
        // SAFETY: the handle is an nsfs file (its invariant); `cmd` is NS_GET_USERNS or
        // NS_GET_PARENT, which take no argument and return a new descriptor.
        Self::of_nsfs_file(unsafe { rustix::ioctl::ioctl(&self.fd, cmd) }?)
    }

    /// A handle of `fd`, which the caller has checked to be an nsfs file.
    fn of_nsfs_file(fd: OwnedFd) -> io::Result<Self> {
        // SAFETY: the file is of nsfs (the caller's check), whose NS_GET_NSTYPE takes no
        // argument and writes nothing.
        let flag = unsafe { rustix::ioctl::ioctl(&fd, nsio::NsTypeFlag) }?;
        let ty = u32::try_from(flag)
            .ok()
            .and_then(NsType::by_clone_flag)
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
        // INVARIANT: the file is of nsfs and answered NS_GET_NSTYPE with `ty`'s flag.
        Ok(NsHandle { fd, ty })
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

    /// Takes an open file as a handle if it is a namespace file: from a
    /// caller that opened `/proc/PID/ns/TYPE` itself, or received a handle
    /// over a Unix socket.
    ///
    /// ```
    /// use nsfd::{NsHandle, NsType};
    /// use std::os::fd::OwnedFd;
    /// let file = std::fs::File::open("/proc/self/ns/ipc")?;
    /// let h = NsHandle::try_from(OwnedFd::from(file))?;
    /// assert_eq!(h.ns_type(), NsType::Ipc);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - `ENOTTY`: the file is not a namespace file (not of nsfs).
    /// - `EBADF`: an `O_PATH` descriptor (it takes no ioctl).
    /// - `EINVAL`: a namespace type this version of the crate does not know.
    fn try_from(fd: OwnedFd) -> io::Result<Self> {
        // No ioctl on a file of another file system: its driver could take
        // the number for a command of its own.
        if !is_nsfs(&fd)? {
            return Err(io::Error::from_raw_os_error(libc::ENOTTY));
        }
        Self::of_nsfs_file(fd)
    }
}

/// The mount-API route of [`NsHandle::bind_mount`] for any namespace file's
/// descriptor, a handle or not (a raw nsfd(2) result that the caller has not
/// made an [`NsHandle`], a `/proc/PID/ns` file): a detached copy of its file
/// (`open_tree(OPEN_TREE_CLONE)`) moved onto `path` (`move_mount`), which
/// pins the namespace.
///
/// # Errors
///
/// Those of [`NsHandle::bind_mount_with_mount_api`].
///
/// ```no_run
/// // As root: pin the caller's uts namespace at an existing file.
/// let uts = std::fs::File::open("/proc/self/ns/uts")?;
/// nsfd::bind_mount_fd(&uts, "/run/uts-pin")?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn bind_mount_fd(fd: impl AsFd, path: impl AsRef<Path>) -> io::Result<()> {
    use rustix::mount::{MoveMountFlags, OpenTreeFlags};
    let tree = rustix::mount::open_tree(
        fd,
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

/// `NSFS_MAGIC` of <linux/magic.h>: the file system of namespace files.
const NSFS_MAGIC: u32 = 0x6e73_6673;

/// Whether `fd` is a file of nsfs (any descriptor, `O_PATH` too): what a
/// raw nsfd(2) caller checks before it takes the descriptor as a namespace's
/// (a kernel without the series may have another call at its number).
///
/// # Errors
///
/// `fstatfs(2)`'s: `EBADF` for a closed descriptor.
///
/// ```
/// let uts = std::fs::File::open("/proc/self/ns/uts")?;
/// assert!(nsfd::is_nsfs(&uts)?);
/// assert!(!nsfd::is_nsfs(std::fs::File::open("/proc/self/status")?)?);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn is_nsfs(fd: impl AsFd) -> io::Result<bool> {
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
    fn all_is_the_own_types_in_setns_order() {
        use NsType::*;
        let want = [User, Mnt, Uts, Ipc, Pid, Cgroup, Net, Time];
        assert_eq!(NsType::all(), want);
        assert_eq!(
            NsType::all_with_children(),
            [&want[..], &[PidForChildren, TimeForChildren]].concat()
        );
    }

    #[test]
    fn clone_flags_are_the_c_library_s() {
        let libc_flag = |t: NsType| match t.own() {
            NsType::User => libc::CLONE_NEWUSER,
            NsType::Mnt => libc::CLONE_NEWNS,
            NsType::Uts => libc::CLONE_NEWUTS,
            NsType::Ipc => libc::CLONE_NEWIPC,
            NsType::Pid => libc::CLONE_NEWPID,
            NsType::Cgroup => libc::CLONE_NEWCGROUP,
            NsType::Net => libc::CLONE_NEWNET,
            NsType::Time => libc::CLONE_NEWTIME,
            t => unreachable!("{t:?} is for children"),
        };
        for &t in NsType::all_with_children() {
            assert_eq!(t.clone_flag(), libc_flag(t) as u32, "{t:?}");
        }
    }

    #[test]
    fn nstype_of_each_type_is_its_flag() {
        for &t in NsType::all() {
            assert_eq!(t.nstype(), t.clone_flag());
            assert_eq!(NsType::by_name(t.name()), Some(t));
            assert_eq!(NsType::by_clone_flag(t.clone_flag()), Some(t));
            assert_eq!(t.own(), t);
            assert_eq!(t.link_name(), t.name());
            assert!(!t.is_for_children());
        }
    }

    #[test]
    fn for_children_types_carry_the_flag() {
        let fc: Vec<NsType> = NsType::all_with_children()
            .iter()
            .copied()
            .filter(|t| t.is_for_children())
            .collect();
        assert_eq!(fc, [NsType::PidForChildren, NsType::TimeForChildren]);
        for t in fc {
            assert_eq!(t.nstype(), t.clone_flag() | NSFD_FOR_CHILDREN);
            assert_eq!(NsType::by_name(t.name()), Some(t));
            assert_ne!(t.link_name(), t.name());
            assert_eq!(t.own().for_children(), Some(t));
            assert_eq!(t.for_children(), Some(t));
            assert_eq!(NsType::by_clone_flag(t.clone_flag()), Some(t.own()));
        }
        assert_eq!(NsType::Net.for_children(), None);
    }

    #[test]
    fn task_is_nsfd_s_pid_argument() {
        assert_eq!(Task::Current.as_raw(), 0);
        assert_eq!(Task::from(Pid::from_raw(42)).as_raw(), 42);
        assert_eq!(Task::from(None), Task::Current);
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
        // _IOR(0xb7, 6..8, int): the pid translations.
        assert_eq!(nsio::NS_GET_PID_FROM_PIDNS as u64, 0x8004_b706);
        assert_eq!(nsio::NS_GET_TGID_FROM_PIDNS as u64, 0x8004_b707);
        assert_eq!(nsio::NS_GET_PID_IN_PIDNS as u64, 0x8004_b708);
    }

    #[test]
    fn short_names_are_accepted() {
        assert_eq!(NsType::by_name("mount"), Some(NsType::Mnt));
        assert_eq!(NsType::by_name("network"), Some(NsType::Net));
        assert_eq!(NsType::by_name("bogus"), None);
    }

    // The host's own namespaces through /proc: the typed API without nsfd(2).
    #[test]
    fn proc_file_is_a_handle_with_its_type() {
        let h = NsHandle::open_path("/proc/self/ns/uts").unwrap();
        assert_eq!(h.ns_type(), NsType::Uts);
        let st = std::fs::metadata("/proc/self/ns/uts").unwrap();
        assert_eq!(h.inode().unwrap(), std::os::unix::fs::MetadataExt::ino(&st));
        assert_eq!(h.userns().unwrap().ns_type(), NsType::User);
    }

    #[test]
    fn for_children_proc_file_reports_its_own_type() {
        let h = NsHandle::open_path("/proc/self/ns/pid_for_children").unwrap();
        assert_eq!(h.ns_type(), NsType::Pid);
    }

    #[test]
    fn an_o_path_descriptor_is_refused_with_ebadf() {
        let fd = rustix::fs::open("/proc/self/ns/uts", OFlags::PATH, Mode::empty()).unwrap();
        let e = NsHandle::try_from(fd).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EBADF));
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
