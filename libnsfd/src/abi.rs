//! The nsfd ABI, as the kernel series adds it to the uapi headers (patch
//! 0001: `<asm-generic/unistd.h>`, the architectures' tables and
//! `<linux/nsfd.h>`). Written down here so that the crate builds on its own;
//! the selftests' host test `written_down_numbers_match_the_headers` compares these
//! with the headers of the kernel built from the series.

/// `__NR_nsfd` of the generic table, which every architecture's table
/// follows since Linux 5.1, plus its offset.
const NR_NSFD_GENERIC: u32 = 473;

/// The offset of the architecture's system call table: mips o32 4000, n64
/// 5000, n32 6000 (and alpha 110, for which Rust has no target); 0 elsewhere.
#[cfg(any(target_arch = "mips", target_arch = "mips32r6"))]
const TABLE_OFFSET: u32 = 4000;
#[cfg(all(
    any(target_arch = "mips64", target_arch = "mips64r6"),
    target_pointer_width = "64"
))]
const TABLE_OFFSET: u32 = 5000;
#[cfg(all(
    any(target_arch = "mips64", target_arch = "mips64r6"),
    target_pointer_width = "32"
))]
const TABLE_OFFSET: u32 = 6000;
#[cfg(not(any(
    target_arch = "mips",
    target_arch = "mips32r6",
    target_arch = "mips64",
    target_arch = "mips64r6"
)))]
const TABLE_OFFSET: u32 = 0;

/// `__NR_nsfd` of this architecture: for a seccomp filter, or for a raw
/// `syscall(SYS_NSFD, pid, nstype)` that [`NsHandle::open`](crate::NsHandle::open)
/// does not make (invalid arguments, on purpose).
pub const SYS_NSFD: u32 = NR_NSFD_GENERIC + TABLE_OFFSET;

/// `NSFD_FOR_CHILDREN` of `<linux/nsfd.h>`: ORed into nsfd(2)'s `nstype`,
/// the namespace a task's children are created in (pid and time only).
/// [`NsType::nstype`](crate::NsType::nstype) includes it where it belongs.
pub const NSFD_FOR_CHILDREN: u32 = 1;
