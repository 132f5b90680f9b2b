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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// `#define NAME VALUE` of a header under `NSFD_UAPI_HEADERS` (the
    /// kernel's headers_install tree), without a `UL` suffix.
    fn define(header: &str, name: &str) -> u64 {
        let dir = std::env::var_os("NSFD_UAPI_HEADERS")
            .expect("NSFD_UAPI_HEADERS: the include/ directory of the built kernel's headers");
        let path = PathBuf::from(dir).join(header);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value = text
            .lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some("#define") && w.next() == Some(name)).then(|| w.next())?
            })
            .unwrap_or_else(|| panic!("{}: no #define {name}", path.display()));
        let digits = value.trim_end_matches("UL");
        match digits.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => digits.parse(),
        }
        .unwrap_or_else(|e| panic!("{}: {name} {value}: {e}", path.display()))
    }

    /// libnsfd and the i386 entries write the ABI down so that they build
    /// on their own: it must be the headers' of the kernel built from the
    /// series. Needs those headers, so plain `cargo test` leaves it out;
    /// make test runs it (`--include-ignored`, NSFD_UAPI_HEADERS set).
    #[test]
    #[ignore = "needs NSFD_UAPI_HEADERS, the built kernel's headers (make test runs it)"]
    #[cfg(target_arch = "x86_64")]
    fn written_down_numbers_match_the_headers() {
        use super::i386;
        assert_eq!(
            u64::from(nsfd::SYS_NSFD),
            define("asm/unistd_64.h", "__NR_nsfd")
        );
        assert_eq!(
            u64::from(nsfd::NSFD_FOR_CHILDREN),
            define("linux/nsfd.h", "NSFD_FOR_CHILDREN")
        );
        for (ours, name) in [
            (i386::SYS_NSFD, "__NR_nsfd"),
            (i386::SYS_SETNS, "__NR_setns"),
            (i386::SYS_IOCTL, "__NR_ioctl"),
        ] {
            assert_eq!(
                u64::from(ours),
                define("asm/unistd_32.h", name),
                "i386 {name}"
            );
        }
    }
}
