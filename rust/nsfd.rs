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
//! The system calls are entered here, from the syscall table, with the user's registers.

use kernel::{
    bindings,
    prelude::*, //
};

mod handlefs;
mod ns;
mod nsset;
mod open;
mod setns;

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
        handlefs::HandleFs::init()?;
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

// Without SYSCALL_DEFINE there is no argument widening: take each argument from its register at
// the width of its C type, as the C wrappers would.

/// `int nsfd(pid_t pid, unsigned long nstype)`
///
/// # Safety
///
/// Called from the syscall table with the task's saved user registers.
#[cfg(CONFIG_X86_64)]
#[no_mangle]
pub unsafe extern "C" fn __x64_sys_nsfd(regs: *const bindings::pt_regs) -> c_long {
    // SAFETY: The entry code passes the task's saved registers.
    let regs = unsafe { &*regs };
    to_syscall_return(open::nsfd(regs.di as u32 as i32, regs.si as c_ulong))
}

/// `int setns(int fd, int nstype)`
///
/// # Safety
///
/// Called from the syscall table with the task's saved user registers.
#[cfg(CONFIG_X86_64)]
#[no_mangle]
pub unsafe extern "C" fn __x64_sys_setns(regs: *const bindings::pt_regs) -> c_long {
    // SAFETY: The entry code passes the task's saved registers.
    let regs = unsafe { &*regs };
    to_syscall_return(setns::setns(regs.di as u32 as i32, regs.si as u32 as i32).map(|()| 0))
}

/// The i386 entry of `nsfd`: arguments in ebx and ecx.
///
/// # Safety
///
/// Called from the syscall table with the task's saved user registers.
#[cfg(CONFIG_IA32_EMULATION)]
#[no_mangle]
pub unsafe extern "C" fn __ia32_sys_nsfd(regs: *const bindings::pt_regs) -> c_long {
    // SAFETY: The entry code passes the task's saved registers.
    let regs = unsafe { &*regs };
    to_syscall_return(open::nsfd(regs.bx as u32 as i32, regs.cx as u32 as c_ulong))
}

/// The i386 entry of `setns`: arguments in ebx and ecx.
///
/// # Safety
///
/// Called from the syscall table with the task's saved user registers.
#[cfg(CONFIG_IA32_EMULATION)]
#[no_mangle]
pub unsafe extern "C" fn __ia32_sys_setns(regs: *const bindings::pt_regs) -> c_long {
    // SAFETY: The entry code passes the task's saved registers.
    let regs = unsafe { &*regs };
    to_syscall_return(setns::setns(regs.bx as u32 as i32, regs.cx as u32 as i32).map(|()| 0))
}
