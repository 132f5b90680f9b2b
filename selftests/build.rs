//! The i386 numbers of the compat case come from the uapi headers of the
//! kernel under test (make headers_install), where the i386 table is; so do
//! the numbers that libnsfd's ABI is checked against.

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
    let unistd_32 = dir.join("asm/unistd_32.h");
    println!("cargo:rerun-if-changed={}", unistd_32.display());
    let [nsfd, setns, ioctl] =
        ["__NR_nsfd", "__NR_setns", "__NR_ioctl"].map(|n| define(&unistd_32, n));
    // The x86-64 number and the flag, which libnsfd writes down: its host
    // test compares them (sys.rs).
    let (unistd_64, nsfd_h) = (dir.join("asm/unistd_64.h"), dir.join("linux/nsfd.h"));
    println!("cargo:rerun-if-changed={}", unistd_64.display());
    println!("cargo:rerun-if-changed={}", nsfd_h.display());
    let nr_64 = define(&unistd_64, "__NR_nsfd");
    let for_children = define(&nsfd_h, "NSFD_FOR_CHILDREN");
    fs::write(
        PathBuf::from(env::var("OUT_DIR").unwrap()).join("uapi.rs"),
        format!(
            "/// `__NR_nsfd` from <asm/unistd_64.h>.\npub const NR_NSFD_64: libc::c_long = {nr_64};\n\
             /// `NSFD_FOR_CHILDREN` from <linux/nsfd.h>.\npub const NSFD_FOR_CHILDREN: libc::c_ulong = {};\n",
            for_children.trim_end_matches("UL")
        ),
    )
    .unwrap();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("i386.rs");
    fs::write(
        out,
        format!(
            "/// `__NR_nsfd` from <asm/unistd_32.h>.\npub const SYS_NSFD: u32 = {nsfd};\n\
             /// `__NR_setns` from <asm/unistd_32.h>.\npub const SYS_SETNS: u32 = {setns};\n\
             /// `__NR_ioctl` from <asm/unistd_32.h>.\npub const SYS_IOCTL: u32 = {ioctl};\n"
        ),
    )
    .unwrap();
}
