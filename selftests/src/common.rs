//! Helpers shared by the case modules.

use crate::child;
use crate::ktap::Outcome;
use crate::sys::*;
use std::io;
use std::os::fd::{AsFd, AsRawFd};

// Only the i386 case (x86_64) uses it.
#[cfg(target_arch = "x86_64")]
pub(crate) use nsfd_testutil::errno::own;

pub(crate) use nsfd_testutil::mounts::{bind as mount_bind, touch, umount};

pub(crate) fn fail(msg: impl Into<String>) -> Outcome {
    Outcome::Fail(msg.into())
}

/// `r` must fail with `errno`.
pub(crate) fn expect_errno<T>(r: io::Result<T>, errno: i32, what: &str) -> Result<(), Outcome> {
    match r {
        Err(e) if errno_of(&e) == errno => Ok(()),
        other => Err(fail(format!(
            "{what}: expected {}, got {}",
            errno_name(errno),
            describe(&other)
        ))),
    }
}

pub(crate) fn ok<T>(r: io::Result<T>, what: &str) -> Result<T, Outcome> {
    r.map_err(|e| fail(format!("{what}: {}", errno_name(errno_of(&e)))))
}

pub(crate) fn readlink_fd(fd: &impl AsRawFd) -> String {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|e| format!("<{e}>"))
}

/// A type's CONFIG is on when its /proc/self/ns entry exists.
pub(crate) fn configured(t: &NsType) -> bool {
    std::path::Path::new(&format!("/proc/self/ns/{}", t.name())).exists()
}

pub(crate) fn all_kinds() -> Vec<NsType> {
    NsType::all_with_children().to_vec()
}

/// The descriptor flags (F_GETFD) and the file status flags (F_GETFL) of `fd`.
pub(crate) fn fd_flags(fd: &impl AsFd) -> (i32, i32) {
    (
        rustix::io::fcntl_getfd(fd).map_or(-1, |f| f.bits() as i32),
        rustix::fs::fcntl_getfl(fd).map_or(-1, |f| f.bits() as i32),
    )
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string()
}

pub(crate) fn set_hostname(name: &str) {
    let _ = rustix::system::sethostname(name.as_bytes());
}

/// The hostname seen after joining the uts namespace behind `path`.
pub(crate) fn hostname_via(path: String) -> Result<String, String> {
    child::run(move || {
        let f = open_ro(&path).map_err(|e| format!("open {path}: {e}"))?;
        setns(&f, libc::CLONE_NEWUTS).map_err(|e| format!("setns: {e}"))?;
        Ok(hostname())
    })
}

/// The first number of /proc/sys/fs/NAME: allocated inodes (inode-nr) or files (file-nr).
pub(crate) fn fs_count(name: &str) -> Result<u64, Outcome> {
    std::fs::read_to_string(format!("/proc/sys/fs/{name}"))
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| fail(format!("cannot read /proc/sys/fs/{name}")))
}

/// The namespace of `t` that the calling process is in, by inode number.
pub(crate) fn own_ino(name: &str) -> u64 {
    stat(&format!("/proc/self/ns/{name}"))
        .map(|s| s.st_ino)
        .unwrap_or(0)
}

pub(crate) fn child_case(f: impl FnOnce() -> Result<String, String>) -> Result<(), Outcome> {
    child::run(f).map(|_| ()).map_err(fail)
}
