//! Userspace wrappers for nsfd(2), setns(2) and the nsfs ioctls, shared by the
//! selftests and the `nsfd` tool: one place for the system call ABI.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

mod abi {
    include!(concat!(env!("OUT_DIR"), "/abi.rs"));
}

pub use abi::{NSFD_FOR_CHILDREN, SYS_NSFD};

/// A namespace type as nsfd() names it, and as `/proc/PID/ns/<name>` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NsType {
    /// The name of the `/proc/PID/ns` entry.
    pub name: &'static str,
    /// The `CLONE_NEW*` flag.
    pub flag: libc::c_int,
    /// Whether this is the namespace for children (pid_for_children, time_for_children).
    pub for_children: bool,
}

impl NsType {
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

    /// Looks a type up by its /proc name or its short nsenter-style name.
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
    t("user", libc::CLONE_NEWUSER, false),
    t("mnt", libc::CLONE_NEWNS, false),
    t("uts", libc::CLONE_NEWUTS, false),
    t("ipc", libc::CLONE_NEWIPC, false),
    t("pid", libc::CLONE_NEWPID, false),
    t("cgroup", libc::CLONE_NEWCGROUP, false),
    t("net", libc::CLONE_NEWNET, false),
    t("time", libc::CLONE_NEWTIME, false),
];

/// The namespaces a task's children are created in.
pub const FOR_CHILDREN_TYPES: [NsType; 2] = [
    t("pid_for_children", libc::CLONE_NEWPID, true),
    t("time_for_children", libc::CLONE_NEWTIME, true),
];

/// `nsfd(pid, nstype)`: a handle to one namespace of `pid` (0: the caller).
pub fn nsfd(pid: libc::pid_t, nstype: libc::c_ulong) -> io::Result<OwnedFd> {
    // SAFETY: nsfd takes two integer arguments and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(SYS_NSFD, pid as libc::c_long, nstype) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel gave us a new descriptor that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `setns(fd, nstype)`.
pub fn setns(fd: &impl AsRawFd, nstype: libc::c_int) -> io::Result<()> {
    // SAFETY: plain system call on integers.
    if unsafe { libc::setns(fd.as_raw_fd(), nstype) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The i386 system call entry (`int $0x80`) from this 64-bit process: the
/// compat entry points of a kernel with `CONFIG_IA32_EMULATION`.
pub mod compat {
    /// `int $0x80` with `nr` in eax and the arguments in ebx and ecx. Returns
    /// the raw result: a negative errno on failure. A kernel without i386
    /// emulation kills the caller with SIGSEGV instead.
    pub fn syscall2(nr: u32, a: u32, b: u32) -> i32 {
        let ret: u64;
        // SAFETY: `int $0x80` reads eax, ebx and ecx, returns in eax, and
        // (on x86_64 kernels) zeroes r8-r11; rbx is LLVM's, so the first
        // argument is swapped into it around the call and restored.
        unsafe {
            core::arch::asm!(
                "xchg {a}, rbx",
                "int 0x80",
                "xchg {a}, rbx",
                a = inout(reg) a as u64 => _,
                inlateout("rax") nr as u64 => ret,
                in("rcx") b as u64,
                lateout("r8") _, lateout("r9") _, lateout("r10") _, lateout("r11") _,
                options(nostack),
            );
        }
        ret as u32 as i32
    }

    /// i386 `nsfd(pid, nstype)`.
    pub fn nsfd(pid: libc::pid_t, nstype: u32) -> i32 {
        syscall2(crate::abi::SYS_NSFD_I386, pid as u32, nstype)
    }

    /// i386 `setns(fd, nstype)`.
    pub fn setns(fd: i32, nstype: i32) -> i32 {
        syscall2(crate::abi::SYS_SETNS_I386, fd as u32, nstype as u32)
    }

    /// i386 `ioctl(fd, cmd)` without an argument (the file's `compat_ioctl`).
    pub fn ioctl(fd: i32, cmd: u32) -> i32 {
        syscall2(crate::abi::SYS_IOCTL_I386, fd as u32, cmd)
    }
}

/// Opens a file read-only (and close-on-exec).
pub fn open_ro(path: &str) -> io::Result<OwnedFd> {
    let c = CString::new(path).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `c` is a valid C string.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: new descriptor, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `mount --bind src dst`, as the RFC pins a handle: `src` is usually `/proc/self/fd/N`.
pub fn mount_bind(src: &str, dst: &str) -> io::Result<()> {
    let inval = |_| io::Error::from_raw_os_error(libc::EINVAL);
    let (s, d) = (
        CString::new(src).map_err(inval)?,
        CString::new(dst).map_err(inval)?,
    );
    // SAFETY: valid C strings; a bind mount takes no data.
    if unsafe {
        libc::mount(
            s.as_ptr(),
            d.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        )
    } < 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The nsfs ioctls (<linux/nsfs.h>, `NSIO` = 0xb7).
pub mod ioctl {
    const NSIO: u64 = 0xb7;
    const fn io(nr: u64) -> u64 {
        (NSIO << 8) | nr
    }
    const fn ior(nr: u64, size: u64) -> u64 {
        (2 << 30) | (size << 16) | (NSIO << 8) | nr
    }
    pub const NS_GET_USERNS: u64 = io(0x1);
    pub const NS_GET_PARENT: u64 = io(0x2);
    pub const NS_GET_NSTYPE: u64 = io(0x3);
    pub const NS_GET_OWNER_UID: u64 = io(0x4);
    pub const NS_GET_PID_FROM_PIDNS: u64 = ior(0x6, 4);
    pub const NS_GET_TGID_FROM_PIDNS: u64 = ior(0x7, 4);
    pub const NS_GET_PID_IN_PIDNS: u64 = ior(0x8, 4);
    pub const NS_GET_TGID_IN_PIDNS: u64 = ior(0x9, 4);
    pub const NS_GET_ID: u64 = ior(13, 8);
}

/// An ioctl that returns a number (or a new descriptor) in its result.
pub fn ns_ioctl(fd: &impl AsRawFd, cmd: u64, arg: libc::c_ulong) -> io::Result<libc::c_int> {
    // SAFETY: the nsfs ioctls used with this take an integer or no argument.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), cmd as _, arg) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r)
}

/// `NS_GET_ID`: the namespace's 64-bit id.
pub fn ns_id(fd: &impl AsRawFd) -> io::Result<u64> {
    let mut id = 0u64;
    // SAFETY: NS_GET_ID writes one u64 to the pointer.
    if unsafe { libc::ioctl(fd.as_raw_fd(), ioctl::NS_GET_ID as _, &mut id as *mut u64) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(id)
}

/// `NS_GET_OWNER_UID` of a user namespace.
pub fn ns_owner_uid(fd: &impl AsRawFd) -> io::Result<libc::uid_t> {
    let mut uid: libc::uid_t = 0;
    // SAFETY: NS_GET_OWNER_UID writes one uid_t to the pointer.
    if unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            ioctl::NS_GET_OWNER_UID as _,
            &mut uid as *mut libc::uid_t,
        )
    } < 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(uid)
}

/// An ioctl that returns a new descriptor (NS_GET_USERNS, NS_GET_PARENT).
pub fn ns_ioctl_fd(fd: &impl AsRawFd, cmd: u64) -> io::Result<OwnedFd> {
    let r = ns_ioctl(fd, cmd, 0)?;
    // SAFETY: these ioctls return a new descriptor that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// `fstat` of a descriptor.
pub fn fstat(fd: &impl AsRawFd) -> io::Result<libc::stat> {
    // SAFETY: zeroed stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid buffer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

/// `stat` of a path (following links, as for /proc/PID/ns/* files).
pub fn stat(path: &str) -> io::Result<libc::stat> {
    let c = CString::new(path).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: zeroed stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid string and buffer.
    if unsafe { libc::stat(c.as_ptr(), &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

/// The errno of an `io::Error`, or 0.
pub fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// The symbolic name of an errno value ("EINVAL"), for messages.
pub fn errno_name(e: i32) -> &'static str {
    match e {
        0 => "0",
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EBADF => "EBADF",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENOTDIR => "ENOTDIR",
        libc::EINVAL => "EINVAL",
        libc::ENOTTY => "ENOTTY",
        libc::ENOSYS => "ENOSYS",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EUSERS => "EUSERS",
        libc::ESTALE => "ESTALE",
        _ => "E?",
    }
}

/// "name (errno)" of a result, for messages.
pub fn describe<T>(r: &io::Result<T>) -> String {
    match r {
        Ok(_) => "success".into(),
        Err(e) => errno_name(errno_of(e)).into(),
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
        }
    }

    #[test]
    fn for_children_types_carry_the_flag() {
        for t in FOR_CHILDREN_TYPES {
            assert_eq!(t.nstype() & NSFD_FOR_CHILDREN, NSFD_FOR_CHILDREN);
            assert_ne!(t.link_name(), t.name);
        }
    }

    #[test]
    fn ioctl_numbers_match_the_uapi_encoding() {
        // _IO(0xb7, 3) and _IOR(0xb7, 13, __u64) as <linux/nsfs.h> defines them.
        assert_eq!(ioctl::NS_GET_NSTYPE, 0xb703);
        assert_eq!(ioctl::NS_GET_ID, 0x8008_b70d);
    }

    #[test]
    fn short_names_are_accepted() {
        assert_eq!(
            NsType::by_name("mount").map(|t| t.flag),
            Some(libc::CLONE_NEWNS)
        );
        assert_eq!(
            NsType::by_name("network").map(|t| t.flag),
            Some(libc::CLONE_NEWNET)
        );
        assert_eq!(NsType::by_name("bogus"), None);
    }
}
