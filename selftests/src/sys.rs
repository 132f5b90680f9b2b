//! The system calls the cases make, raw where a case must pass invalid values
//! (any descriptor number, any ioctl command, the i386 entries); libnsfd's
//! typed API for the rest.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub(crate) use nsfd::NsType;

/// libnsfd's `NSFD_FOR_CHILDREN`, as the type of nsfd(2)'s `nstype`.
pub(crate) const NSFD_FOR_CHILDREN: libc::c_ulong = nsfd::NSFD_FOR_CHILDREN as libc::c_ulong;

/// An [`NsType`]'s flag as the raw calls take it.
pub(crate) trait Flag {
    /// The `CLONE_NEW*` flag as an int: setns(2)'s `nstype`, NS_GET_NSTYPE's result.
    fn flag(self) -> libc::c_int;
}

impl Flag for NsType {
    fn flag(self) -> libc::c_int {
        // The CLONE_NEW* flags all fit in a positive int.
        self.clone_flag() as libc::c_int
    }
}

/// `nsfd(pid, nstype)` with any values (libnsfd's typed `NsHandle::open`
/// takes no 0, negative pid or invalid type): 0 is the caller.
pub(crate) fn nsfd(pid: libc::pid_t, nstype: libc::c_ulong) -> io::Result<OwnedFd> {
    // SAFETY: nsfd takes two integer arguments and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(nsfd::SYS_NSFD as libc::c_long, pid as libc::c_long, nstype) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = fd as RawFd;
    // As libnsfd: a kernel whose number is another system call's (the series
    // is not in mainline) may return a descriptor of its own, not ours to close.
    // SAFETY: zeroed statfs is a valid out-buffer.
    let mut sfs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` was just returned as a descriptor of this process; `sfs` is a valid buffer.
    if unsafe { libc::fstatfs(fd, &mut sfs) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // NSFS_MAGIC; magic numbers are 32 bits, `f_type` a word of any width.
    if sfs.f_type as u32 != 0x6e73_6673 {
        return Err(io::Error::from_raw_os_error(libc::ENOSYS));
    }
    // SAFETY: nsfd(2) returned a new descriptor, of nsfs, that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A uniformly random own type (user, mnt, ..., time).
#[allow(dead_code)] // nsfd_stress uses it
pub(crate) fn any_type(r: &mut fastrand::Rng) -> NsType {
    let all = NsType::all();
    all[r.usize(..all.len())]
}

/// A uniformly random for-children type (pid_for_children, time_for_children).
#[allow(dead_code)] // nsfd_stress uses it
pub(crate) fn any_for_children_type(r: &mut fastrand::Rng) -> NsType {
    let fc: Vec<NsType> = NsType::all()
        .iter()
        .filter_map(|t| t.for_children())
        .collect();
    fc[r.usize(..fc.len())]
}

/// `setns(fd, nstype)` on any descriptor number (closed, out of range).
pub(crate) fn setns(fd: &impl AsRawFd, nstype: libc::c_int) -> io::Result<()> {
    // SAFETY: plain system call on integers.
    if unsafe { libc::setns(fd.as_raw_fd(), nstype) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The i386 system call entry (`int $0x80`) from this 64-bit process: the
/// compat entry points of a kernel with `CONFIG_IA32_EMULATION`.
pub(crate) mod i386 {
    include!(concat!(env!("OUT_DIR"), "/i386.rs"));

    /// `int $0x80` with `nr` in eax and the arguments in ebx and ecx. Returns
    /// the raw result: a negative errno on failure. A kernel without i386
    /// emulation kills the caller with SIGSEGV instead.
    pub(crate) fn syscall2(nr: u32, a: u32, b: u32) -> i32 {
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
    pub(crate) fn nsfd(pid: libc::pid_t, nstype: u32) -> i32 {
        syscall2(SYS_NSFD, pid as u32, nstype)
    }

    /// i386 `setns(fd, nstype)`.
    pub(crate) fn setns(fd: i32, nstype: i32) -> i32 {
        syscall2(SYS_SETNS, fd as u32, nstype as u32)
    }

    /// i386 `ioctl(fd, cmd)` without an argument (the file's `compat_ioctl`).
    pub(crate) fn ioctl(fd: i32, cmd: u32) -> i32 {
        syscall2(SYS_IOCTL, fd as u32, cmd)
    }
}

/// Opens a file read-only (and close-on-exec).
pub(crate) fn open_ro(path: &str) -> io::Result<OwnedFd> {
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
pub(crate) fn mount_bind(src: &str, dst: &str) -> io::Result<()> {
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
pub(crate) mod ioctl {
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
    #[allow(dead_code)] // nsfd_stress uses it
    pub const NS_GET_PID_FROM_PIDNS: u64 = ior(0x6, 4);
    pub const NS_GET_TGID_FROM_PIDNS: u64 = ior(0x7, 4);
    pub const NS_GET_PID_IN_PIDNS: u64 = ior(0x8, 4);
    pub const NS_GET_ID: u64 = ior(13, 8);
}

/// An ioctl that returns a number (or a new descriptor) in its result.
pub(crate) fn ns_ioctl(fd: &impl AsRawFd, cmd: u64, arg: libc::c_ulong) -> io::Result<libc::c_int> {
    // SAFETY: the nsfs ioctls used with this take an integer or no argument.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), cmd as _, arg) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(r)
}

/// `NS_GET_ID`: the namespace's 64-bit id.
pub(crate) fn ns_id(fd: &impl AsRawFd) -> io::Result<u64> {
    let mut id = 0u64;
    // SAFETY: NS_GET_ID writes one u64 to the pointer.
    if unsafe { libc::ioctl(fd.as_raw_fd(), ioctl::NS_GET_ID as _, &mut id as *mut u64) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(id)
}

/// `NS_GET_OWNER_UID` of a user namespace.
pub(crate) fn ns_owner_uid(fd: &impl AsRawFd) -> io::Result<libc::uid_t> {
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
pub(crate) fn ns_ioctl_fd(fd: &impl AsRawFd, cmd: u64) -> io::Result<OwnedFd> {
    assert!(
        cmd == ioctl::NS_GET_USERNS || cmd == ioctl::NS_GET_PARENT,
        "ns_ioctl_fd: {cmd:#x} returns no descriptor"
    );
    let r = ns_ioctl(fd, cmd, 0)?;
    // SAFETY: these ioctls return a new descriptor that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// `fstat` of a descriptor.
pub(crate) fn fstat(fd: &impl AsRawFd) -> io::Result<libc::stat> {
    // SAFETY: zeroed stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid buffer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

/// `stat` of a path (following links, as for /proc/PID/ns/* files).
pub(crate) fn stat(path: &str) -> io::Result<libc::stat> {
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
pub(crate) fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// The symbolic name of an errno value ("EINVAL"), for messages.
pub(crate) fn errno_name(e: i32) -> &'static str {
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
        libc::EINTR => "EINTR",
        libc::EXDEV => "EXDEV",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ENOSPC => "ENOSPC",
        libc::E2BIG => "E2BIG",
        libc::ENODEV => "ENODEV",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::ECHILD => "ECHILD",
        libc::EAGAIN => "EAGAIN",
        libc::ENOBUFS => "ENOBUFS",
        _ => "E?",
    }
}

/// "name (errno)" of a result, for messages.
pub(crate) fn describe<T>(r: &io::Result<T>) -> String {
    match r {
        Ok(_) => "success".into(),
        Err(e) => errno_name(errno_of(e)).into(),
    }
}

/// listns(2) (<linux/nsfs.h>): every namespace id of `ns_type` (0: all types)
/// that the kernel lists, page by page. 470 is listns in every table.
pub(crate) fn listns(ns_type: u32) -> io::Result<std::collections::BTreeSet<u64>> {
    #[repr(C)]
    struct NsIdReq {
        size: u32,
        spare: u32,
        ns_id: u64,
        ns_type: u32,
        spare2: u32,
        user_ns_id: u64,
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut last = 0u64;
    loop {
        let req = NsIdReq {
            size: std::mem::size_of::<NsIdReq>() as u32,
            spare: 0,
            ns_id: last,
            ns_type,
            spare2: 0,
            user_ns_id: 0,
        };
        let mut buf = [0u64; 256];
        // SAFETY: listns(req, ids, nr, flags) with `req` and `buf` valid for their sizes.
        let n =
            unsafe { libc::syscall(470, &req as *const NsIdReq, buf.as_mut_ptr(), buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        ids.extend(&buf[..n as usize]);
        if (n as usize) < buf.len() {
            return Ok(ids);
        }
        last = buf[n as usize - 1];
    }
}

#[cfg(test)]
mod tests {
    mod uapi {
        include!(concat!(env!("OUT_DIR"), "/uapi.rs"));
    }

    /// libnsfd writes the ABI down so that it builds on its own: it must be
    /// the headers' of the kernel built from the series.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn libnsfd_abi_matches_the_headers() {
        assert_eq!(libc::c_long::from(nsfd::SYS_NSFD), uapi::NR_NSFD_64);
        assert_eq!(super::NSFD_FOR_CHILDREN, uapi::NSFD_FOR_CHILDREN);
    }
}
