//! The calls that tests make raw, where a test must pass invalid values
//! (any pid or type to nsfd, any descriptor number, any ioctl command) or
//! rustix has no call (nsfd, listns); rustix for the rest.

use crate::errno::{error, own, sys_result};
use nsfd::nsio::NewFd;
use rustix::fs::{Mode, OFlags};
use rustix::ioctl::{opcode, Getter};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

pub use nsfd::NsType;

/// libnsfd's `NSFD_FOR_CHILDREN`, as the type of nsfd(2)'s `nstype`.
pub const NSFD_FOR_CHILDREN: libc::c_ulong = nsfd::NSFD_FOR_CHILDREN as libc::c_ulong;

/// An [`NsType`]'s flag as the raw calls take it.
pub trait Flag {
    /// The `CLONE_NEW*` flag as an int: setns(2)'s `nstype`, NS_GET_NSTYPE's result.
    fn flag(self) -> libc::c_int;
}

impl Flag for NsType {
    fn flag(self) -> libc::c_int {
        // The CLONE_NEW* flags all fit in a positive int.
        self.clone_flag() as libc::c_int
    }
}

/// The bare nsfd(2) system call with any values: the number it returned.
fn nsfd_raw(pid: libc::pid_t, nstype: libc::c_ulong) -> io::Result<RawFd> {
    // SAFETY: nsfd takes two integer arguments and returns a new descriptor or -1.
    let r = unsafe { libc::syscall(nsfd::SYS_NSFD as libc::c_long, pid as libc::c_long, nstype) };
    Ok(sys_result(r)? as RawFd)
}

/// `nsfd(pid, nstype)` with any values (libnsfd's typed `NsHandle::open`
/// takes no 0, negative pid or invalid type): 0 is the caller. As libnsfd,
/// a descriptor that is not of nsfs is `ENOSYS`: a kernel whose number is
/// another system call's (the series is not in mainline) may return a
/// descriptor of its own, not ours to close.
pub fn nsfd(pid: libc::pid_t, nstype: libc::c_ulong) -> io::Result<OwnedFd> {
    let fd = nsfd_raw(pid, nstype)?;
    // SAFETY: the kernel has just returned `fd` as a descriptor of this
    // process; it stays open during the check.
    if !nsfd::is_nsfs(unsafe { BorrowedFd::borrow_raw(fd) })? {
        return Err(error(libc::ENOSYS));
    }
    // SAFETY: nsfd(2) returned a new descriptor, of nsfs, that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The bare system call that the benchmark times, without [`nsfd()`](fn@nsfd)'s
/// check of the file: only in a kernel built from the series.
pub fn nsfd_unchecked(pid: libc::pid_t, nstype: libc::c_ulong) -> io::Result<OwnedFd> {
    own(nsfd_raw(pid, nstype)?)
}

/// Any descriptor number (closed, negative, out of range) for the raw calls.
pub struct FakeFd(pub RawFd);

impl AsRawFd for FakeFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// Whether a descriptor number is open: raw, as rustix takes only open ones.
pub fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD on any number only reads.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// `setns(fd, nstype)` on any descriptor number (closed, out of range).
pub fn setns(fd: &impl AsRawFd, nstype: libc::c_int) -> io::Result<()> {
    // SAFETY: plain system call on integers.
    sys_result(unsafe { libc::setns(fd.as_raw_fd(), nstype) }).map(drop)
}

/// The nsfs ioctl commands, libnsfd's ([`nsfd::nsio`]), as the raw
/// [`ns_ioctl`] takes them.
pub mod ioctl {
    use nsfd::nsio;
    use rustix::ioctl::opcode;
    pub const NS_GET_USERNS: u64 = nsio::NS_GET_USERNS as u64;
    pub const NS_GET_PARENT: u64 = nsio::NS_GET_PARENT as u64;
    pub const NS_GET_NSTYPE: u64 = nsio::NS_GET_NSTYPE as u64;
    pub const NS_GET_OWNER_UID: u64 = nsio::NS_GET_OWNER_UID as u64;
    pub const NS_GET_PID_FROM_PIDNS: u64 = nsio::NS_GET_PID_FROM_PIDNS as u64;
    pub const NS_GET_TGID_FROM_PIDNS: u64 = nsio::NS_GET_TGID_FROM_PIDNS as u64;
    pub const NS_GET_PID_IN_PIDNS: u64 = nsio::NS_GET_PID_IN_PIDNS as u64;
    pub const NS_GET_ID: u64 = nsio::NS_GET_ID as u64;
    // The rest of <linux/nsfs.h>, which libnsfd does not use.
    pub const NS_GET_MNTNS_ID: u64 = opcode::read::<u64>(0xb7, 5) as u64;
    pub const NS_GET_TGID_IN_PIDNS: u64 = opcode::read::<i32>(0xb7, 9) as u64;
    /// `NS_MNT_GET_INFO`, `_NEXT`, `_PREV` with the first `struct mnt_ns_info` (16 bytes).
    pub const NS_MNT_GET_INFO: u64 = opcode::read::<[u64; 2]>(0xb7, 10) as u64;
    pub const NS_MNT_GET_NEXT: u64 = opcode::read::<[u64; 2]>(0xb7, 11) as u64;
    pub const NS_MNT_GET_PREV: u64 = opcode::read::<[u64; 2]>(0xb7, 12) as u64;
}

/// An ioctl with any command on any descriptor number, with an integer
/// argument (or none): its result, a number or a new descriptor.
pub fn ns_ioctl(fd: &impl AsRawFd, cmd: u64, arg: libc::c_ulong) -> io::Result<libc::c_int> {
    // SAFETY: the nsfs ioctls used with this take an integer or no argument.
    unsafe { ioctl_any(fd, cmd, arg) }
}

/// An ioctl with any command and any argument on any descriptor number.
///
/// # Safety
///
/// `arg` is what `cmd` takes there, or a pointer that it may write to as
/// far as the size in `cmd` (or that the kernel must refuse, `EFAULT`).
pub unsafe fn ioctl_any(
    fd: &impl AsRawFd,
    cmd: u64,
    arg: libc::c_ulong,
) -> io::Result<libc::c_int> {
    // SAFETY: `arg` is as the caller's contract above says.
    sys_result(unsafe { libc::ioctl(fd.as_raw_fd(), cmd as _, arg) })
}

/// An ioctl that returns a new descriptor (NS_GET_USERNS, NS_GET_PARENT).
pub fn ns_ioctl_fd(fd: &impl AsRawFd, cmd: u64) -> io::Result<OwnedFd> {
    assert!(
        cmd == ioctl::NS_GET_USERNS || cmd == ioctl::NS_GET_PARENT,
        "ns_ioctl_fd: {cmd:#x} returns no descriptor"
    );
    own(ns_ioctl(fd, cmd, 0)?)
}

/// `NS_GET_ID` on any descriptor number: the namespace's 64-bit id.
pub fn ns_id(fd: &impl AsRawFd) -> io::Result<u64> {
    let mut id = 0u64;
    // SAFETY: NS_GET_ID writes one u64 to the pointer.
    sys_result(unsafe { libc::ioctl(fd.as_raw_fd(), ioctl::NS_GET_ID as _, &mut id) })?;
    Ok(id)
}

/// `NS_GET_OWNER_UID` of a user namespace.
pub fn ns_owner_uid(fd: &impl AsFd) -> io::Result<libc::uid_t> {
    // SAFETY: NS_GET_OWNER_UID writes one uid_t (32 bits) through its argument.
    let get = unsafe { Getter::<{ nsfd::nsio::NS_GET_OWNER_UID }, libc::uid_t>::new() };
    // SAFETY: the getter gives the ioctl a buffer of the type it writes.
    Ok(unsafe { rustix::ioctl::ioctl(fd, get) }?)
}

/// `fstat` of any descriptor number.
pub fn fstat(fd: &impl AsRawFd) -> io::Result<libc::stat> {
    // SAFETY: zeroed stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid buffer.
    sys_result(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) })?;
    Ok(st)
}

/// `stat` of a path (following links, as for /proc/PID/ns/* files).
pub fn stat(path: &str) -> io::Result<rustix::fs::Stat> {
    Ok(rustix::fs::stat(path)?)
}

/// Opens a path with `flags` and close-on-exec.
fn open_cloexec(path: &str, flags: OFlags) -> io::Result<OwnedFd> {
    Ok(rustix::fs::open(
        path,
        flags | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// Opens a file read-only (and close-on-exec).
pub fn open_ro(path: &str) -> io::Result<OwnedFd> {
    open_cloexec(path, OFlags::RDONLY)
}

/// Opens a path with O_PATH (and close-on-exec).
pub fn open_path(path: &str) -> io::Result<OwnedFd> {
    open_cloexec(path, OFlags::PATH)
}

/// pidfd_open(2)'s PIDFD_THREAD (<linux/pidfd.h>), which rustix does not name.
pub const PIDFD_THREAD: libc::c_uint = libc::O_EXCL as libc::c_uint;

/// `pid` as rustix takes it; `None` for 0 and below, which its `Pid`
/// cannot hold (0 is "the caller" in some calls).
pub fn positive_pid(pid: libc::pid_t) -> Option<rustix::process::Pid> {
    (pid > 0)
        .then(|| rustix::process::Pid::from_raw(pid))
        .flatten()
}

/// pidfd_open(2) of a process.
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    pidfd_open_with(pid, 0)
}

/// pidfd_open(2) with raw flags (PIDFD_THREAD, PIDFD_NONBLOCK); `EINVAL`
/// for a pid below 1, as the kernel's.
pub fn pidfd_open_with(pid: libc::pid_t, flags: libc::c_uint) -> io::Result<OwnedFd> {
    let pid = positive_pid(pid).ok_or_else(|| error(libc::EINVAL))?;
    Ok(rustix::process::pidfd_open(
        pid,
        rustix::process::PidfdFlags::from_bits_retain(flags),
    )?)
}

/// `ioctl(pidfd, PIDFD_GET_<type>_NAMESPACE)` of <linux/pidfd.h>: a
/// descriptor of the process's namespace of type `ty`.
pub fn pidfd_namespace(pidfd: &impl AsFd, ty: NsType) -> io::Result<OwnedFd> {
    let nr = match ty {
        NsType::Cgroup => 1,
        NsType::Ipc => 2,
        NsType::Mnt => 3,
        NsType::Net => 4,
        NsType::Pid => 5,
        NsType::PidForChildren => 6,
        NsType::Time => 7,
        NsType::TimeForChildren => 8,
        NsType::User => 9,
        NsType::Uts => 10,
        _ => return Err(error(libc::EINVAL)),
    };
    // SAFETY: PIDFD_GET_*_NAMESPACE (PIDFS_IOCTL_MAGIC 0xff) takes no
    // argument, writes nothing, and returns a new descriptor.
    let cmd = unsafe { NewFd::new(opcode::none(0xff, nr)) };
    // SAFETY: `cmd` is a command of the kind NewFd describes.
    Ok(unsafe { rustix::ioctl::ioctl(pidfd, cmd) }?)
}

/// listns(2) (<linux/nsfs.h>): every namespace id of `ns_type` (0: all types)
/// that the kernel lists, page by page. 470 is listns in every table.
pub fn listns(ns_type: u32) -> io::Result<std::collections::BTreeSet<u64>> {
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
        let n = sys_result(unsafe {
            libc::syscall(470, &req as *const NsIdReq, buf.as_mut_ptr(), buf.len(), 0)
        })? as usize;
        ids.extend(&buf[..n]);
        if n < buf.len() {
            return Ok(ids);
        }
        last = buf[n - 1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fd` is the file at `path`.
    fn is_file_at(fd: &OwnedFd, path: &str) -> bool {
        fstat(fd).unwrap().st_ino == stat(path).unwrap().st_ino
    }

    #[test]
    fn proc_files_answer_the_ioctls() {
        let uts = open_ro("/proc/self/ns/uts").unwrap();
        let ty = ns_ioctl(&uts, ioctl::NS_GET_NSTYPE, 0).unwrap();
        assert_eq!(ty, libc::CLONE_NEWUTS);
        assert!(is_file_at(&uts, "/proc/self/ns/uts"));
        let user = ns_ioctl_fd(&uts, ioctl::NS_GET_USERNS).unwrap();
        assert!(is_file_at(&user, "/proc/self/ns/user"));
    }

    #[test]
    fn pidfd_namespace_is_the_proc_file() {
        let pidfd = pidfd_open(std::process::id() as libc::pid_t).unwrap();
        let net = pidfd_namespace(&pidfd, NsType::Net).unwrap();
        assert!(is_file_at(&net, "/proc/self/ns/net"));
    }

    #[test]
    fn bad_descriptors_reach_the_kernel() {
        let r = setns(&FakeFd(-1), 0);
        assert_eq!(crate::errno::describe(&r), "EBADF");
        let r = ns_ioctl(&FakeFd(-1), ioctl::NS_GET_NSTYPE, 0);
        assert_eq!(crate::errno::describe(&r), "EBADF");
        assert!(!is_open(-1));
        assert_eq!(crate::errno::describe(&pidfd_open(0)), "EINVAL");
    }

    #[test]
    fn ioctl_numbers_are_the_headers() {
        assert_eq!(
            [
                ioctl::NS_GET_USERNS,
                ioctl::NS_GET_OWNER_UID,
                ioctl::NS_GET_MNTNS_ID
            ],
            [0xb701, 0xb704, 0x8008_b705]
        );
        assert_eq!(
            [
                ioctl::NS_GET_TGID_IN_PIDNS,
                ioctl::NS_MNT_GET_INFO,
                ioctl::NS_MNT_GET_PREV
            ],
            [0x8004_b709, 0x8010_b70a, 0x8010_b70c]
        );
    }
}
