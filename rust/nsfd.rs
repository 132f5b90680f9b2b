// SPDX-License-Identifier: GPL-2.0

//! nsfd: namespace file descriptors.
//!
//! Two system calls from Eric Biederman's 2010 RFC, built into the kernel:
//!
//! - `nsfd(pid, nstype)` returns a handle file that names one namespace of a task and keeps it
//!   alive; it can be reopened through `/proc/*/fd/*` and bind-mounted.
//! - `setns(fd, nstype)`, with mainline's ABI, joins the namespace of a handle, an nsfs file or
//!   the namespaces of a pidfd's task.
//!
//! The system calls are entered through `SYSCALL_DEFINE2` in `rust/syscalls.c`, which calls the
//! two `extern "C"` functions at the end of this file.

use kernel::{
    prelude::*,
    task::Pid, //
};

mod kunit;
mod ns;
mod nsset;
mod open;
mod setns;
mod task_ext;

module! {
    type: Nsfd,
    name: "nsfd",
    authors: ["nsfd kernel team"],
    description: "Namespace file descriptors: nsfd(2) and setns(2)",
    license: "GPL",
}

struct Nsfd;

impl kernel::Module for Nsfd {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("namespace file descriptors ready (nsfd, setns)\n");
        Ok(Nsfd)
    }
}

fn to_syscall_return(result: Result<c_int>) -> c_long {
    match result {
        Ok(v) => v as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// `int nsfd(pid_t pid, unsigned long nstype)`, called by `SYSCALL_DEFINE2(nsfd)` in
/// `rust/syscalls.c`: a new descriptor or a negative errno.
#[no_mangle]
pub extern "C" fn nsfd_sys_nsfd(pid: Pid, nstype: c_ulong) -> c_long {
    to_syscall_return(open::nsfd(pid, nstype))
}

/// `int setns(int fd, int nstype)`, called by `SYSCALL_DEFINE2(setns)` in `rust/syscalls.c`:
/// 0 or a negative errno.
#[no_mangle]
pub extern "C" fn nsfd_sys_setns(fd: c_int, nstype: c_int) -> c_long {
    to_syscall_return(setns::setns(fd, nstype).map(|()| 0))
}
