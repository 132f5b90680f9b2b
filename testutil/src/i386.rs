//! The i386 system call entry (`int $0x80`) from a 64-bit process: the
//! compat entry points of a kernel with `CONFIG_IA32_EMULATION`. The i386
//! numbers come from the kernel's headers (the selftests' build script).

/// `int $0x80` with `nr` in eax and the arguments in ebx and ecx. Returns
/// the raw result: a negative errno on failure. A kernel without i386
/// emulation kills the caller with SIGSEGV instead.
#[cfg(target_arch = "x86_64")]
pub fn syscall2(nr: u32, a: u32, b: u32) -> i32 {
    let ret: u64;
    // SAFETY: `int $0x80` reads eax, ebx and ecx, returns in eax, and
    // (on x86_64 kernels) zeroes r8-r11; rbx is LLVM's, so the first
    // argument is swapped into it around the call and restored.
    unsafe {
        core::arch::asm!(
            "xchg {a}, rbx",
            "int 0x80",
            "xchg {a}, rbx",
            a = inout(reg) a as u64 => _,
            inlateout("rax") nr as u64 => ret,
            in("rcx") b as u64,
            lateout("r8") _, lateout("r9") _, lateout("r10") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret as u32 as i32
}
