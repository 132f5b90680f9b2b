//! nsfd_selftest: kselftest of nsfd(2) and setns(2), run as root inside the
//! kernel built by this project. One KTAP case per rule, one module per
//! concern; the plan is the length of the case list.

mod args;
mod common;
mod compat;
mod exec_lock;
mod handle;
mod leaks;
mod lifetime;
mod mounts;
mod oracle;
mod parity;
mod permissions;
mod pin;
mod setns;
mod sys;

/// The KTAP writer: nsfd-testutil's.
mod ktap {
    pub(crate) use nsfd_testutil::ktap::{check, Cases, Outcome};
}

/// A step in a forked child, and the child that holds namespaces: nsfd-testutil's.
mod child {
    pub(crate) use nsfd_testutil::child::{exit_now, fork, fork_child, run, unshare, wait, Holder};
}

use crate::sys::*;
use nsfd_testutil::ktap::skip_suite;

fn main() {
    if std::env::args().nth(1).as_deref() == Some(exec_lock::HELPER_ARG) {
        exec_lock::helper();
    }
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--oracle") {
        let queue = match &args[2..] {
            [] => None,
            [flag, file] if flag == "--queue" => Some(file.as_str()),
            _ => {
                eprintln!("usage: nsfd_selftest --oracle [--queue FILE]");
                std::process::exit(2);
            }
        };
        std::process::exit(oracle::run(queue));
    }
    if std::env::args().nth(1).as_deref() == Some("--oracle-costs") {
        std::process::exit(oracle::costs());
    }
    if !rustix::process::getuid().is_root() {
        skip_suite("nsfd_selftest needs root");
        return;
    }
    if let Err(e) = nsfd(0, libc::CLONE_NEWNET as _) {
        if errno_of(&e) == libc::ENOSYS {
            // make test boots a kernel built with the component: there, ENOSYS is a failure.
            if std::env::var_os("NSFD_REQUIRE_SYSCALL").is_some() {
                println!(
                    "KTAP version 1\n1..1\n# nsfd(2) gave ENOSYS in a kernel built with CONFIG_NSFD\n\
                     not ok 1 nsfd_syscall_present"
                );
                std::process::exit(1);
            }
            skip_suite("this kernel has no nsfd(2)");
            return;
        }
    }
    let mut c = ktap::Cases::default();
    handle::handle_rules(&mut c);
    args::argument_errors(&mut c);
    handle::file_rules(&mut c);
    lifetime::lifetime(&mut c);
    permissions::permissions(&mut c);
    setns::setns_errors(&mut c);
    setns::round_trips(&mut c);
    lifetime::shell_flow(&mut c);
    mounts::mount_ns_rules(&mut c);
    pin::cases(&mut c);
    leaks::cases(&mut c);
    compat::compat_entries(&mut c);
    parity::cases(&mut c);
    exec_lock::cases(&mut c);
    std::process::exit(c.run("nsfd"));
}
