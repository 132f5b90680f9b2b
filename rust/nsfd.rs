// SPDX-License-Identifier: GPL-2.0

//! nsfd: namespace file descriptors.
//!
//! Two system calls from Eric Biederman's 2010 RFC:
//!
//! - `nsfd(pid, nstype)` returns a handle file that names one namespace of a task and keeps it
//!   alive; it can be reopened through `/proc/*/fd/*` and bind-mounted.
//! - `setns(fd, nstype)`, with the C version's ABI and results, joins the namespace of a handle,
//!   of any nsfs file, or the namespaces of a pidfd's task.
//!
//! Their entries are `SYSCALL_DEFINE2` in `syscalls.c`, which call the two functions at the end
//! of this file; `include/linux/nsfd.h` declares them, and `#[export]` checks the declarations.

use kernel::{
    prelude::*,
    task::Pid, //
};

mod open;
mod setns;

fn to_syscall_return(result: Result<c_int>) -> c_long {
    match result {
        Ok(v) => v as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// `int nsfd(pid_t pid, unsigned long nstype)`: a new descriptor or a negative errno.
///
/// # Safety
///
/// Called by `SYSCALL_DEFINE2(nsfd)` in `syscalls.c`, in process context, as the system call of
/// the current task. (`#[export]` makes every function C calls `unsafe`.)
#[export]
pub unsafe extern "C" fn nsfd_sys_nsfd(pid: Pid, nstype: c_ulong) -> c_long {
    to_syscall_return(open::nsfd(pid, nstype))
}

/// `int setns(int fd, int nstype)`: 0 or a negative errno.
///
/// # Safety
///
/// Called by `SYSCALL_DEFINE2(setns)` in `syscalls.c`, in process context, as the system call of
/// the current task. (`#[export]` makes every function C calls `unsafe`.)
#[export]
pub unsafe extern "C" fn nsfd_sys_setns(fd: c_int, nstype: c_int) -> c_long {
    to_syscall_return(setns::setns(fd, nstype).map(|()| 0))
}
