//! Takes the nsfd ABI from the uapi headers of the kernel being tested (make
//! headers_install), so that no syscall number is written down here.

use std::{env, fs, path::PathBuf};

fn define(path: &PathBuf, name: &str) -> String {
    let text = fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (is NSFD_UAPI_HEADERS a headers_install tree?)",
            path.display()
        )
    });
    text.lines()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("#define") && w.next() == Some(name))
                .then(|| w.next().unwrap().to_string())
        })
        .unwrap_or_else(|| {
            panic!(
                "{}: no #define {name}: headers of a kernel without nsfd?",
                path.display()
            )
        })
}

fn main() {
    println!("cargo:rerun-if-env-changed=NSFD_UAPI_HEADERS");
    let dir = PathBuf::from(env::var("NSFD_UAPI_HEADERS").expect(
        "set NSFD_UAPI_HEADERS to the include/ directory of the kernel's headers_install \
         (make sets it to build/usr-headers/include)",
    ));
    let unistd = dir.join("asm/unistd_64.h");
    let unistd_32 = dir.join("asm/unistd_32.h");
    let uapi = dir.join("linux/nsfd.h");
    for p in [&unistd, &unistd_32, &uapi] {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let nr = define(&unistd, "__NR_nsfd");
    let nr_32 = define(&unistd_32, "__NR_nsfd");
    let setns_32 = define(&unistd_32, "__NR_setns");
    let ioctl_32 = define(&unistd_32, "__NR_ioctl");
    let for_children = define(&uapi, "NSFD_FOR_CHILDREN")
        .trim_end_matches("UL")
        .to_string();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("abi.rs");
    fs::write(
        out,
        format!(
            "/// `__NR_nsfd` from <asm/unistd_64.h>.\npub const SYS_NSFD: libc::c_long = {nr};\n\
             /// `__NR_nsfd` from <asm/unistd_32.h>: the i386 (compat) entry.\n\
             pub const SYS_NSFD_I386: u32 = {nr_32};\n\
             /// `__NR_setns` from <asm/unistd_32.h>: the i386 (compat) entry.\n\
             pub const SYS_SETNS_I386: u32 = {setns_32};\n\
             /// `__NR_ioctl` from <asm/unistd_32.h>: the i386 (compat) entry.\n\
             pub const SYS_IOCTL_I386: u32 = {ioctl_32};\n\
             /// `NSFD_FOR_CHILDREN` from <linux/nsfd.h>.\npub const NSFD_FOR_CHILDREN: libc::c_ulong = {for_children};\n"
        ),
    )
    .unwrap();
}
