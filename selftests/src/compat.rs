//! The i386 entries (int $0x80) of nsfd, setns and the nsfs compat ioctl.

#[cfg(target_arch = "x86_64")]
use crate::child;
#[cfg(target_arch = "x86_64")]
use crate::common::*;
use crate::ktap::{Cases, Outcome};
#[cfg(target_arch = "x86_64")]
use crate::sys::*;
#[cfg(target_arch = "x86_64")]
use std::os::fd::AsRawFd;

/// Only x86_64 has i386 entry points: elsewhere the case is listed and skips.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn compat_entries(c: &mut Cases) {
    c.case("compat_i386_nsfd_and_setns", || {
        Err(Outcome::Skip(format!(
            "no i386 entry points on {}",
            std::env::consts::ARCH
        )))
    });
}

/// The i386 entry points (`int $0x80`), which a 64-bit process can reach too.
#[cfg(target_arch = "x86_64")]
pub(crate) fn compat_entries(c: &mut Cases) {
    c.case("compat_i386_nsfd_and_setns", move || {
        // Without i386 emulation int $0x80 kills the caller: probe in a child. A kernel
        // that has the i386 entry points must not kill it: that crash is a failure.
        if let Err(e) = child::run(|| Ok(i386::setns(-1, 0).to_string())) {
            return match has_i386_entries() {
                true => Err(Outcome::Fail(format!(
                    "the kernel has __ia32_sys_setns, but int $0x80 setns(-1, 0) killed the caller: {e}"
                ))),
                false => Err(Outcome::Skip(
                    "no i386 emulation in this kernel (no __ia32_sys_setns in /proc/kallsyms)".into(),
                )),
            };
        }
        child_case(|| {
            let want = |what: &str, got: i32, errno: i32| {
                if got == -errno {
                    Ok(())
                } else {
                    Err(format!("i386 {what}: {got}, want -{}", errno_name(errno)))
                }
            };
            want("setns(-1, 0)", i386::setns(-1, 0), libc::EBADF)?;
            want("nsfd(0, 0)", i386::nsfd(0, 0), libc::EINVAL)?;
            want(
                "nsfd(-1, NET)",
                i386::nsfd(-1, libc::CLONE_NEWNET as u32),
                libc::EINVAL,
            )?;
            let fd = i386::nsfd(0, libc::CLONE_NEWUTS as u32);
            if fd < 0 {
                return Err(format!("i386 nsfd(0, UTS): {}", errno_name(-fd)));
            }
            let h = own(fd).map_err(|e| format!("{e}"))?;
            let ty = i386::ioctl(fd, ioctl::NS_GET_NSTYPE as u32);
            if ty != libc::CLONE_NEWUTS {
                return Err(format!("i386 ioctl(NS_GET_NSTYPE): {ty}"));
            }
            let before = own_ino("uts");
            let got = fstat(&h).map_err(|e| format!("fstat: {e}"))?.st_ino;
            if got != before {
                return Err(format!("i386 handle ino {got}, /proc/self/ns/uts {before}"));
            }
            if crate::child::unshare(libc::CLONE_NEWUTS).is_err() || own_ino("uts") == before {
                return Err("unshare(CLONE_NEWUTS) failed".into());
            }
            want(
                "setns(handle, NET)",
                i386::setns(h.as_raw_fd(), libc::CLONE_NEWNET),
                libc::EINVAL,
            )?;
            let r = i386::setns(h.as_raw_fd(), libc::CLONE_NEWUTS);
            if r != 0 || own_ino("uts") != before {
                return Err(format!(
                    "i386 setns(handle, UTS): {r}, back in {}",
                    own_ino("uts")
                ));
            }
            Ok(String::new())
        })
    });
}

/// Whether the kernel has the i386 system call entries (`CONFIG_IA32_EMULATION`), by its
/// symbol table, unless they are turned off at boot (`ia32_emulation=0`).
#[cfg(target_arch = "x86_64")]
fn has_i386_entries() -> bool {
    let off = std::fs::read_to_string("/proc/cmdline").is_ok_and(|c| {
        c.split_whitespace().any(|a| {
            matches!(
                a,
                "ia32_emulation=0" | "ia32_emulation=false" | "ia32_emulation=n"
            )
        })
    });
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap_or_default();
    !off && kallsyms.lines().any(|l| l.ends_with(" __ia32_sys_setns"))
}

// In this file rather than sys.rs, which nsfd_stress compiles too: the
// test would run, and be listed, twice.
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
        use crate::sys::i386;
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
