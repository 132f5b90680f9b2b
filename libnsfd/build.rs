//! The nsfd ABI comes from the project's own uapi headers, as patch 0001 adds
//! them to the kernel (include/uapi/asm-generic/unistd.h and
//! include/uapi/linux/nsfd.h): no kernel build is needed, and no number is
//! written down twice.

use std::{env, fs, path::PathBuf};

/// The value of `#define NAME VALUE` among the lines that `patch` adds to `file`.
fn added_define(patch: &str, file: &str, name: &str) -> Option<String> {
    let mut in_file = false;
    for line in patch.lines() {
        if let Some(f) = line.strip_prefix("+++ b/") {
            in_file = f == file;
        } else if let Some(added) = line.strip_prefix('+').filter(|_| in_file) {
            let mut w = added.split_whitespace();
            if w.next() == Some("#define") && w.next() == Some(name) {
                return w.next().map(str::to_string);
            }
        }
    }
    None
}

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../patches");
    let patch_path = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("0001-"))
        })
        .unwrap_or_else(|| panic!("{}: no 0001-*.patch (the syscall patch)", dir.display()));
    println!("cargo:rerun-if-changed={}", patch_path.display());
    let patch = fs::read_to_string(&patch_path).unwrap();
    let get = |file: &str, name: &str| {
        added_define(&patch, file, name)
            .unwrap_or_else(|| panic!("{}: adds no #define {name} to {file}", patch_path.display()))
    };
    // Since Linux 5.1 a new system call has the same number everywhere, plus
    // the offset of the architecture's table (as for clone3 and the rest):
    // alpha 110, mips o32 4000, n64 5000, n32 6000; 0 elsewhere.
    let generic: i64 = get("include/uapi/asm-generic/unistd.h", "__NR_nsfd")
        .parse()
        .expect("__NR_nsfd is a number");
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap();
    let width = env::var("CARGO_CFG_TARGET_POINTER_WIDTH").unwrap();
    let offset = match (arch.as_str(), width.as_str()) {
        ("alpha", _) => 110,
        ("mips" | "mips32r6", _) => 4000,
        ("mips64" | "mips64r6", "64") => 5000,
        ("mips64" | "mips64r6", _) => 6000,
        _ => 0,
    };
    let nr = generic + offset;
    let for_children = get("include/uapi/linux/nsfd.h", "NSFD_FOR_CHILDREN");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("abi.rs");
    fs::write(
        out,
        format!(
            "/// `__NR_nsfd` of this architecture: <asm-generic/unistd.h>'s (patch 0001) plus\n\
             /// the architecture's offset.\n\
             pub const SYS_NSFD: libc::c_long = {nr};\n\
             /// `NSFD_FOR_CHILDREN` from <linux/nsfd.h> (patch 0001).\n\
             pub const NSFD_FOR_CHILDREN: libc::c_ulong = {};\n",
            for_children.trim_end_matches("UL")
        ),
    )
    .unwrap();
}
