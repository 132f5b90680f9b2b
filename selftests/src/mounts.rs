//! Mount rules of mount-namespace handles: the loop rule and copies into new mount namespaces.

use crate::child::Holder;
use crate::common::mount_bind;
use crate::common::*;
use crate::ktap::Cases;
use crate::sys::*;
use nsfd_testutil::child::unshare;
use std::os::fd::AsRawFd;

pub(crate) use nsfd_testutil::mounts::unshare_mounts;

/// A bind mount of a mount namespace could pin a namespace that contains it: handles follow
/// nsfs's rule (fs/namespace.c: mnt_ns_loop, copy_tree).
pub(crate) fn mount_ns_rules(c: &mut Cases) {
    c.case("mntns_bind_own_or_older_einval_as_nsfs", move || {
        child_case(|| {
            unshare_mounts()?;
            let path = "/tmp/nsfd-mntns-loop";
            touch(path)?;
            // Our own namespace, then init's (older): both could reach this mount.
            for (pid, proc_path) in [(0, "/proc/self/ns/mnt"), (1, "/proc/1/ns/mnt")] {
                let h =
                    nsfd(pid, libc::CLONE_NEWNS as _).map_err(|e| format!("nsfd({pid}): {e}"))?;
                let a = crate::sys::mount_bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), path);
                let b = crate::sys::mount_bind(proc_path, path);
                if !(matches!(&a, Err(e) if errno_of(e) == libc::EINVAL)
                    && matches!(&b, Err(e) if errno_of(e) == libc::EINVAL))
                {
                    return Err(format!(
                        "pid {pid}: bind of handle {}, of {proc_path} {}; want EINVAL",
                        describe(&a),
                        describe(&b)
                    ));
                }
            }
            let _ = std::fs::remove_file(path);
            Ok(String::new())
        })
    });
    c.case("mntns_bind_newer_kept_not_copied_as_nsfs", move || {
        child_case(|| {
            unshare_mounts()?;
            let holder = Holder::spawn(libc::CLONE_NEWNS, || ())?;
            let h = nsfd(holder.pid, libc::CLONE_NEWNS as _).map_err(|e| format!("nsfd: {e}"))?;
            let ino = fstat(&h).map_err(|e| format!("fstat: {e}"))?.st_ino;
            let (hp, pp) = ("/tmp/nsfd-mntns-handle", "/tmp/nsfd-mntns-proc");
            touch(hp)?;
            touch(pp)?;
            // A newer namespace cannot contain this mount: both binds are allowed.
            mount_bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), hp)?;
            mount_bind(&format!("/proc/{}/ns/mnt", holder.pid), pp)?;
            holder.exit();
            drop(h);
            let pinned = open_ro(hp).map_err(|e| format!("open {hp}: {e}"))?;
            let ty = ns_ioctl(&pinned, ioctl::NS_GET_NSTYPE, 0).map_err(|e| format!("{e}"))?;
            let st = fstat(&pinned).map_err(|e| format!("fstat: {e}"))?;
            if ty != libc::CLONE_NEWNS || st.st_ino != ino {
                return Err(format!("{hp}: type {ty:#x}, ino {}, want {ino}", st.st_ino));
            }
            drop(pinned);
            // Not copied into a new mount namespace: there both paths are the plain files.
            unshare(libc::CLONE_NEWNS).map_err(|e| format!("unshare: {e}"))?;
            for p in [hp, pp] {
                let got = stat(p).map_err(|e| format!("stat {p}: {e}"))?.st_ino;
                if got == ino {
                    return Err(format!("{p} still names the namespace in a copy"));
                }
                let _ = std::fs::remove_file(p);
            }
            Ok(String::new())
        })
    });
}
