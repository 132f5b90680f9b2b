//! Handle file rules: what a handle is per type (against its /proc file), and the file operations
//! on it.

use crate::common::*;
use crate::ktap::{check, Cases, Outcome};
use crate::sys::*;
use std::io;
use std::os::fd::AsRawFd;

pub(crate) fn handle_rules(c: &mut Cases) {
    for t in all_kinds() {
        c.case(format!("nsfd_{}_matches_proc_file", t.name()), move || {
            if !configured(&t) {
                return Err(Outcome::Skip(format!("CONFIG for {} is off", t.name())));
            }
            let h = ok(nsfd(0, t.nstype().into()), "nsfd")?;
            let st = ok(fstat(&h), "fstat")?;
            let proc = ok(
                stat(&format!("/proc/self/ns/{}", t.name())),
                "stat /proc/self/ns",
            )?;
            check(st.st_ino == proc.st_ino && st.st_dev == proc.st_dev, || {
                format!(
                    "(dev, ino) = ({}, {}), /proc file has ({}, {})",
                    st.st_dev, st.st_ino, proc.st_dev, proc.st_ino
                )
            })?;
            check(st.st_mode == libc::S_IFREG | 0o444, || {
                format!("mode {:o}, want 100444", st.st_mode)
            })?;
            // A handle is the namespace's nsfs file: no path of its own, and the link count
            // of the /proc file.
            check(st.st_nlink == proc.st_nlink, || {
                format!("st_nlink {}, /proc file has {}", st.st_nlink, proc.st_nlink)
            })?;
            let want = format!("{}:[{}]", t.link_name(), proc.st_ino);
            let got = readlink_fd(&h);
            check(got == want, || format!("readlink {got:?}, want {want:?}"))?;
            let (fdf, fl) = fd_flags(&h);
            check(fdf & libc::FD_CLOEXEC != 0, || "no FD_CLOEXEC".into())?;
            check(fl & libc::O_ACCMODE == libc::O_RDONLY, || {
                format!("access mode {:#x}, want O_RDONLY", fl & libc::O_ACCMODE)
            })?;
            let ty = ok(ns_ioctl(&h, ioctl::NS_GET_NSTYPE, 0), "NS_GET_NSTYPE")?;
            check(ty == t.flag(), || {
                format!("NS_GET_NSTYPE {ty:#x}, want {:#x}", t.flag())
            })?;
            let pf = ok(
                open_ro(&format!("/proc/self/ns/{}", t.name())),
                "open /proc file",
            )?;
            let (a, b) = (
                ok(ns_id(&h), "NS_GET_ID")?,
                ok(ns_id(&pf), "NS_GET_ID on /proc file")?,
            );
            check(a == b, || {
                format!("NS_GET_ID {a} vs {b} for the /proc file")
            })
        });
    }
}

pub(crate) fn file_rules(c: &mut Cases) {
    c.case("handle_read_einval", move || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        let mut b = [0u8; 8];
        let r = rustix::io::read(&h, &mut b[..]).map_err(io::Error::from);
        expect_errno(r, libc::EINVAL, "read")
    });
    c.case("handle_write_fails_as_nsfs", move || {
        // The handle is O_RDONLY: the VFS answers EBADF before the file is asked, as for
        // any read-only descriptor and for nsfs files.
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        let r = rustix::io::write(&h, b"x").map_err(io::Error::from);
        expect_errno(r, libc::EBADF, "write")?;
        // It cannot be reopened for writing, even by root: like nsfs inodes it is immutable.
        let open_rw = |p: String| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(p)
                .map(|_| ())
        };
        let a = open_rw(format!("/proc/self/fd/{}", h.as_raw_fd()));
        let b = open_rw("/proc/self/ns/uts".into());
        check(describe(&a) == describe(&b) && a.is_err(), || {
            format!(
                "O_RDWR reopen: handle {}, nsfs file {}",
                describe(&a),
                describe(&b)
            )
        })
    });
    c.case("handle_reopen_same_namespace", move || {
        let h = ok(nsfd(0, libc::CLONE_NEWIPC as _), "nsfd")?;
        let r = ok(
            open_ro(&format!("/proc/self/fd/{}", h.as_raw_fd())),
            "reopen",
        )?;
        let (a, b) = (ok(fstat(&h), "fstat")?, ok(fstat(&r), "fstat reopened")?);
        check(a.st_ino == b.st_ino, || {
            "reopened fd names another namespace".into()
        })?;
        let ty = ok(
            ns_ioctl(&r, ioctl::NS_GET_NSTYPE, 0),
            "NS_GET_NSTYPE on reopened fd",
        )?;
        check(ty == libc::CLONE_NEWIPC, || format!("type {ty:#x}"))
    });
    c.case("ioctl_get_userns_matches_proc", move || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        let u = ok(ns_ioctl_fd(&h, ioctl::NS_GET_USERNS), "NS_GET_USERNS")?;
        let a = ok(fstat(&u), "fstat")?.st_ino;
        let b = ok(stat("/proc/self/ns/user"), "stat")?.st_ino;
        check(a == b, || format!("owner {a}, /proc/self/ns/user {b}"))
    });
    c.case("ioctl_get_parent_of_init_userns_eperm", move || {
        let h = ok(nsfd(0, libc::CLONE_NEWUSER as _), "nsfd")?;
        expect_errno(
            ns_ioctl_fd(&h, ioctl::NS_GET_PARENT),
            libc::EPERM,
            "NS_GET_PARENT",
        )
    });
    c.case("ioctl_get_parent_of_uts_einval", move || {
        let h = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        expect_errno(
            ns_ioctl_fd(&h, ioctl::NS_GET_PARENT),
            libc::EINVAL,
            "NS_GET_PARENT",
        )
    });
    c.case("ioctl_owner_uid", move || {
        let h = ok(nsfd(0, libc::CLONE_NEWUSER as _), "nsfd")?;
        let uid = ok(ns_owner_uid(&h), "NS_GET_OWNER_UID")?;
        check(uid == 0, || format!("owner uid {uid}"))?;
        let u = ok(nsfd(0, libc::CLONE_NEWUTS as _), "nsfd")?;
        expect_errno(ns_owner_uid(&u), libc::EINVAL, "NS_GET_OWNER_UID on uts")
    });
    c.case("ioctl_pid_translation", move || {
        let h = ok(nsfd(0, libc::CLONE_NEWPID as _), "nsfd")?;
        let me = rustix::process::getpid().as_raw_pid();
        let a = ok(
            ns_ioctl(&h, ioctl::NS_GET_PID_IN_PIDNS, me as _),
            "NS_GET_PID_IN_PIDNS",
        )?;
        let b = ok(
            ns_ioctl(&h, ioctl::NS_GET_TGID_FROM_PIDNS, me as _),
            "NS_GET_TGID_FROM_PIDNS",
        )?;
        check(a == me && b == me, || format!("{a}, {b}, want {me}"))
    });
}
