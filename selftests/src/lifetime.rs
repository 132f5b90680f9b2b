//! Lifetime: the namespace lives exactly as long as a handle, a reopened handle or a bind mount of
//! it; the RFC's shell flow.

use crate::child::Holder;
use crate::common::mount_bind;
use crate::common::*;
use crate::ktap::{check, Cases};
use crate::sys::*;
use std::io;
use std::os::fd::AsRawFd;

/// Whether the namespace with 64-bit `id` and type `flag` is still listed by listns().
pub(crate) fn listed(id: u64, flag: libc::c_int) -> io::Result<bool> {
    Ok(listns(flag as u32)?.contains(&id))
}

pub(crate) fn lifetime(c: &mut Cases) {
    c.case("lifetime_handle_outlives_creator", move || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-life")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd(holder)")?;
        let id = ok(ns_id(&h), "NS_GET_ID")?;
        holder.exit();
        let got = hostname_via(format!("/proc/self/fd/{}", h.as_raw_fd())).map_err(fail)?;
        check(got == "nsfd-life", || {
            format!("hostname {got:?} after the creator exited")
        })?;
        check(listed(id, libc::CLONE_NEWUTS).unwrap_or(false), || {
            "listns() lost the namespace".into()
        })?;
        drop(h);
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still listed after the last handle closed".into()
        })
    });
    c.case("lifetime_reopened_fd_keeps_namespace", move || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-reopen")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd(holder)")?;
        let id = ok(ns_id(&h), "NS_GET_ID")?;
        let r = ok(
            open_ro(&format!("/proc/self/fd/{}", h.as_raw_fd())),
            "reopen",
        )?;
        holder.exit();
        drop(h);
        let got = hostname_via(format!("/proc/self/fd/{}", r.as_raw_fd())).map_err(fail)?;
        check(got == "nsfd-reopen", || {
            format!("hostname {got:?} through the reopened fd")
        })?;
        drop(r);
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still listed after the reopened fd closed".into()
        })
    });
    c.case("lifetime_bind_mount_keeps_namespace", move || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-bind")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd(holder)")?;
        let id = ok(ns_id(&h), "NS_GET_ID")?;
        holder.exit();
        let path = "/tmp/nsfd-bind-test";
        touch(path).map_err(fail)?;
        mount_bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), path).map_err(fail)?;
        drop(h);
        let got = hostname_via(path.into()).map_err(fail)?;
        check(got == "nsfd-bind", || {
            format!("hostname {got:?} through the bind mount")
        })?;
        check(listed(id, libc::CLONE_NEWUTS).unwrap_or(false), || {
            "bind mount did not keep the namespace listed".into()
        })?;
        umount(path).map_err(fail)?;
        let _ = std::fs::remove_file(path);
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still listed after umount".into()
        })
    });
    c.case("no_leak_10000_cycles", move || {
        let holder = Holder::spawn(libc::CLONE_NEWUTS, || ()).map_err(fail)?;
        let first = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd")?;
        let id = ok(ns_id(&first), "NS_GET_ID")?;
        drop(first);
        // Exact object counts, not memory: under KASAN freed memory sits in quarantine. Every
        // handle is one inode and one file, both released by the time close() returns.
        let before = (fs_count("inode-nr")?, fs_count("file-nr")?);
        for i in 0..10_000 {
            let h = nsfd(holder.pid, libc::CLONE_NEWUTS as _)
                .map_err(|e| fail(format!("cycle {i}: {e}")))?;
            drop(h);
        }
        let after = (fs_count("inode-nr")?, fs_count("file-nr")?);
        holder.exit();
        check(!listed(id, libc::CLONE_NEWUTS).unwrap_or(true), || {
            "namespace still alive after 10000 handles were closed".into()
        })?;
        // One leaked handle per cycle would add 10000 of each; allow for the rest of the system.
        check(after.0 < before.0 + 500 && after.1 < before.1 + 500, || {
            format!(
                "inodes {} -> {}, files {} -> {} over 10000 handles",
                before.0, after.0, before.1, after.1
            )
        })
    });
}

pub(crate) fn shell_flow(c: &mut Cases) {
    c.case("rfc_shell_flow_bind_mount_survives_shell", move || {
        let holder =
            Holder::spawn(libc::CLONE_NEWUTS, || set_hostname("nsfd-shell")).map_err(fail)?;
        let h = ok(nsfd(holder.pid, libc::CLONE_NEWUTS as _), "nsfd")?;
        holder.exit();
        let path = "/tmp/nsfd-shell-uts";
        // The shell inherits the handle as fd 7 and does the bind mount itself.
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "touch {path} && mount --bind /proc/self/fd/7 {path}"
            ))
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .pre_exec_dup(h.as_raw_fd(), 7)
            .status()
            .map_err(|e| fail(format!("sh: {e}")))?;
        drop(h);
        check(status.success(), || {
            format!("the shell's mount --bind failed: {status}")
        })?;
        let got = hostname_via(path.into()).map_err(fail)?;
        let _ = umount(path);
        let _ = std::fs::remove_file(path);
        check(got == "nsfd-shell", || {
            format!("hostname {got:?} after the shell exited")
        })
    });
}

pub(crate) trait PreExecDup {
    fn pre_exec_dup(&mut self, from: i32, to: i32) -> &mut Self;
}

impl PreExecDup for std::process::Command {
    fn pre_exec_dup(&mut self, from: i32, to: i32) -> &mut Self {
        use std::os::unix::process::CommandExt;
        // libc's dup2: rustix's takes the target as an open OwnedFd, and fd `to` is not open.
        // SAFETY: dup2 is async-signal-safe; the new fd is not close-on-exec.
        unsafe {
            self.pre_exec(move || {
                if libc::dup2(from, to) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            })
        }
    }
}
