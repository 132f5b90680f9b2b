//! Results of raw calls and their errno values, for checks and messages.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// The return value of a raw call (`int`, `long`, `ssize_t`): negative on
/// failure, with the errno in `errno`.
pub trait SysRet: Copy {
    /// Whether the call failed.
    fn failed(self) -> bool;
    /// The value as a descriptor number.
    fn as_fd(self) -> RawFd;
}

macro_rules! sys_ret {
    ($($t:ty),*) => {$(
        impl SysRet for $t {
            fn failed(self) -> bool {
                self < 0
            }
            fn as_fd(self) -> RawFd {
                self as RawFd
            }
        }
    )*};
}
sys_ret!(i32, i64, isize);

/// A raw call's return value as a result: the value, or the errno of a
/// negative one.
pub fn sys_result<T: SysRet>(r: T) -> io::Result<T> {
    if r.failed() {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// The descriptor a raw call returned, owned; only for a number the kernel
/// has just returned as a new descriptor of this process.
pub fn own<T: SysRet>(r: T) -> io::Result<OwnedFd> {
    let fd = sys_result(r)?.as_fd();
    // SAFETY: a new descriptor that nothing else owns (the caller's contract above).
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
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

/// The errno name of a result ("success" when it is `Ok`), for messages.
pub fn describe<T>(r: &io::Result<T>) -> String {
    match r {
        Ok(_) => "success".into(),
        Err(e) => errno_name(errno_of(e)).into(),
    }
}

/// An `io::Error` of an errno value.
pub fn error(errno: i32) -> io::Error {
    io::Error::from_raw_os_error(errno)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_is_the_errno() {
        assert_eq!(sys_result(3isize).unwrap(), 3);
        // SAFETY: close(-1) only fails, with EBADF.
        let r = sys_result(unsafe { libc::close(-1) });
        assert_eq!(describe(&r), "EBADF");
    }
}
