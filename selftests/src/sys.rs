//! The system calls the cases make: nsfd-testutil's raw calls (invalid
//! values on purpose) and errno helpers, libnsfd's typed API for the rest;
//! the i386 entries; the stress fuzzer's random types.

pub(crate) use nsfd_testutil::errno::{describe, errno_name, errno_of};
pub(crate) use nsfd_testutil::mounts::mount_bind;
pub(crate) use nsfd_testutil::sys::{
    fstat, ioctl, is_open, listns, ns_id, ns_ioctl, ns_ioctl_fd, ns_owner_uid, nsfd, open_path,
    open_ro, pidfd_namespace, pidfd_open, pidfd_open_with, setns, stat, FakeFd, Flag, NsType,
    NSFD_FOR_CHILDREN, PIDFD_THREAD,
};

/// The i386 system call entry (`int $0x80`) from this 64-bit process.
#[cfg(target_arch = "x86_64")]
pub(crate) mod i386 {
    use nsfd_testutil::i386::syscall2;

    // arch/x86/entry/syscalls/syscall_32.tbl, written down so that the crate
    // builds without a kernel tree; the host test
    // `written_down_numbers_match_the_headers` compares them with the headers.
    /// `__NR_nsfd` of `<asm/unistd_32.h>`.
    pub(crate) const SYS_NSFD: u32 = 473;
    /// `__NR_setns` of `<asm/unistd_32.h>`.
    pub(crate) const SYS_SETNS: u32 = 346;
    /// `__NR_ioctl` of `<asm/unistd_32.h>`.
    pub(crate) const SYS_IOCTL: u32 = 54;

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
