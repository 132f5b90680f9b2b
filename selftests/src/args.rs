//! Argument errors of nsfd(): bad types, pids, exited tasks.

use crate::common::*;
use crate::ktap::{check, Cases};
use crate::sys::*;
use nsfd_testutil::child::Zombie;

pub(crate) fn argument_errors(c: &mut Cases) {
    let net = libc::CLONE_NEWNET as libc::c_ulong;
    let cases: [(&str, libc::pid_t, libc::c_ulong, i32); 8] = [
        ("nsfd_nstype_zero_einval", 0, 0, libc::EINVAL),
        (
            "nsfd_two_types_einval",
            0,
            net | libc::CLONE_NEWUTS as libc::c_ulong,
            libc::EINVAL,
        ),
        ("nsfd_unknown_bits_einval", 0, 1 << 40, libc::EINVAL),
        (
            "nsfd_non_ns_clone_flag_einval",
            0,
            libc::CLONE_VM as libc::c_ulong,
            libc::EINVAL,
        ),
        (
            "nsfd_for_children_with_net_einval",
            0,
            net | NSFD_FOR_CHILDREN,
            libc::EINVAL,
        ),
        (
            "nsfd_for_children_alone_einval",
            0,
            NSFD_FOR_CHILDREN,
            libc::EINVAL,
        ),
        ("nsfd_negative_pid_einval", -1, net, libc::EINVAL),
        ("nsfd_missing_pid_esrch", 4_000_000, net, libc::ESRCH),
    ];
    for (name, pid, nstype, errno) in cases {
        c.case(name, move || {
            expect_errno(
                nsfd(pid, nstype),
                errno,
                &format!("nsfd({pid}, {nstype:#x})"),
            )
        });
    }
    c.case("nsfd_other_task_pid", move || {
        let h = ok(nsfd(1, libc::CLONE_NEWNET as _), "nsfd(1, NET)")?;
        let a = ok(fstat(&h), "fstat")?.st_ino;
        let b = ok(stat("/proc/1/ns/net"), "stat /proc/1/ns/net")?.st_ino;
        check(a == b, || format!("ino {a}, /proc/1/ns/net has {b}"))
    });
    c.case("nsfd_exited_task_esrch", move || {
        // A zombie has dropped its nsproxy but keeps its credentials and pid: the types held by
        // the nsproxy are ESRCH (its /proc/PID/ns files fail too), user and pid still work.
        let zombie = Zombie::new().map_err(fail)?;
        for t in all_kinds().iter().filter(|t| configured(t)) {
            let h = nsfd(zombie.pid, t.nstype().into());
            let p = open_ro(&format!("/proc/{}/ns/{}", zombie.pid, t.name()));
            if matches!(t.name(), "user" | "pid") {
                let (h, p) = (ok(h, t.name())?, ok(p, t.name())?);
                let (a, b) = (
                    ok(fstat(&h), "fstat")?.st_ino,
                    ok(fstat(&p), "fstat")?.st_ino,
                );
                check(a == b, || {
                    format!("{}: handle ino {a}, /proc {b}", t.name())
                })?;
            } else {
                expect_errno(h, libc::ESRCH, &format!("nsfd(zombie, {})", t.name()))?;
                check(p.is_err(), || {
                    format!("/proc/PID/ns/{} of a zombie opened", t.name())
                })?;
            }
        }
        Ok(())
    });
}
