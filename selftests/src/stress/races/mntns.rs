//! Mount-namespace handles bind-mounted and unmounted while the namespace
//! is torn down.

use super::{note_created, race_with_exit, rng, scratch_files, sitter_or_violate};
use super::{MOUNT_RACE_ERRORS, NSFD_GONE};
use crate::stats::{Budget, Stats};
use crate::sys::{nsfd, open_ro, NsType};
use crate::Opts;
use nsfd_testutil::mounts::{mount_bind, unmount};
use std::os::fd::AsRawFd;

/// Mount-namespace handles bind-mounted, and unmounted, while the namespace's
/// last process exits and the namespace is torn down.
pub fn mntns_pin_while_torn_down(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let Some(scratch) = scratch_files(&mut st, "mnt") else {
        return st;
    };
    let files = &scratch.files;
    while !b.done() {
        let Some(sitter) = sitter_or_violate(&mut st, libc::CLONE_NEWNS) else {
            break;
        };
        let pid = sitter.pid;
        let h = nsfd(pid, NsType::Mnt.nstype().into());
        // The child waits for us: its mount namespace is there.
        st.record("nsfd(child, mnt)", &h, &[], || "nsfd(child, mnt)".into());
        let Ok(h) = h else { continue };
        note_created(&mut st, &h);
        let proc_path = format!("/proc/self/fd/{}", h.as_raw_fd());
        st.merge(race_with_exit(o, sitter, |i| {
            let mut st = Stats::default();
            let mut r = rng(o, 5000 + i as u64);
            for _ in 0..100 {
                if !b.take() {
                    break;
                }
                let f = &files[r.usize(..files.len())];
                match r.u8(..4) {
                    0 => {
                        let m = mount_bind(&proc_path, f);
                        st.record("mount --bind mnt handle", &m, MOUNT_RACE_ERRORS, || {
                            "mount --bind mnt handle".into()
                        });
                    }
                    1 => {
                        let m = unmount(f, true);
                        // Nothing mounted on f (or unmounted since the lookup).
                        st.record("umount(MNT_DETACH)", &m, &[libc::EINVAL], || {
                            "umount -l".into()
                        });
                    }
                    2 => {
                        // Success while the child (or a task that reuses its
                        // pid) has its namespaces.
                        let x = nsfd(pid, NsType::Mnt.nstype().into());
                        st.record("nsfd(exiting child, mnt)", &x, NSFD_GONE, || {
                            "nsfd(exiting, mnt)".into()
                        });
                    }
                    _ => {
                        let d = open_ro(f);
                        st.record("open(bind mount)", &d, &[], || "open(bind mount)".into());
                    }
                }
            }
            st
        }));
        drop(h);
        for f in files {
            while unmount(f, true).is_ok() {}
        }
    }
    st
}
