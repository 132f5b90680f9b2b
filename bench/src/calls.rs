//! The calls that the rows make, each a route to a descriptor of the
//! caller's net namespace: nsfd-testutil's and rustix's.

use nsfd::NsType;
use nsfd_testutil::sys::{nsfd_unchecked, open_ro, pidfd_namespace, pidfd_open};
use std::io;
use std::os::fd::{AsFd, OwnedFd};

/// `nsfd(0, CLONE_NEWNET)`, the bare system call the rows time (libnsfd's
/// `NsHandle::open` also checks the file it gets: fstatfs, NS_GET_NSTYPE).
pub fn nsfd_net() -> io::Result<OwnedFd> {
    nsfd_unchecked(0, libc::CLONE_NEWNET as libc::c_ulong)
}

/// `nsfd(0, CLONE_NEWUTS)`, bare.
pub fn nsfd_uts() -> io::Result<OwnedFd> {
    nsfd_unchecked(0, libc::CLONE_NEWUTS as libc::c_ulong)
}

pub fn open_proc_ns(name: &str) -> io::Result<OwnedFd> {
    open_ro(&format!("/proc/self/ns/{name}"))
}

/// A pidfd of this process.
pub fn pidfd_self() -> io::Result<OwnedFd> {
    pidfd_open(rustix::process::getpid().as_raw_nonzero().get())
}

/// `ioctl(pidfd, PIDFD_GET_NET_NAMESPACE)`.
pub fn pidfd_net(pidfd: &impl AsFd) -> io::Result<OwnedFd> {
    pidfd_namespace(pidfd, NsType::Net)
}

pub fn eventfd() -> io::Result<OwnedFd> {
    Ok(rustix::event::eventfd(
        0,
        rustix::event::EventfdFlags::CLOEXEC,
    )?)
}
