//! One handle's many copies at once: dup, reopen, bind mounts, unmounts and
//! SCM_RIGHTS.

use super::{note_created, rng, scratch_files, sitter_or_violate, threads, MOUNT_RACE_ERRORS};
use crate::stats::{Budget, Stats};
use crate::sys::{nsfd, open_ro, NsType};
use crate::Opts;
use nsfd_testutil::mounts::{mount_bind, unmount};
use nsfd_testutil::scm;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// One handle, many copies at once: dup and close, reopen through
/// /proc/self/fd/N and through its bind mounts, bind-mount, unmount (plain
/// and MNT_DETACH), pass over a unix socket to a thread that closes it.
pub fn handle_lifecycle(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let Some(scratch) = scratch_files(&mut st, "life") else {
        return st;
    };
    let files = &scratch.files;
    while !b.done() {
        // A namespace only the handle keeps: its process exits right away.
        let Some(sitter) = sitter_or_violate(&mut st, libc::CLONE_NEWUTS) else {
            break;
        };
        let h = nsfd(sitter.pid, NsType::Uts.nstype().into());
        // The child waits for us: it and its namespaces are there.
        st.record("nsfd(child)", &h, &[], || "nsfd(child, uts)".into());
        sitter.exit();
        let Ok(h) = h else { continue };
        note_created(&mut st, &h);
        let (tx, rx) = match scm::socketpair() {
            Ok(p) => p,
            Err(e) => {
                st.violate(format!("socketpair: {e}"));
                break;
            }
        };
        let receiver = std::thread::spawn(move || scm::receive_and_close(rx));
        let proc_path = format!("/proc/self/fd/{}", h.as_raw_fd());
        let round = Budget::new(2000, Duration::from_secs(30));
        st.merge(threads(o.threads, |i| {
            let mut st = Stats::default();
            let mut r = rng(o, 2000 + i as u64);
            while round.take() && b.take() {
                let f = &files[r.usize(..files.len())];
                match r.u8(..7) {
                    0 => {
                        // A few descriptors open at once, far below RLIMIT_NOFILE.
                        let d = h.try_clone();
                        st.record("dup+close", &d, &[], || "dup".into());
                    }
                    1 => {
                        let d = open_ro(&proc_path);
                        st.record("open(/proc/self/fd/N)", &d, &[], || {
                            format!("open({proc_path})")
                        });
                    }
                    2 => {
                        let m = mount_bind(&proc_path, f);
                        st.record("mount --bind handle", &m, MOUNT_RACE_ERRORS, || {
                            format!("mount --bind {proc_path}")
                        });
                    }
                    3 => {
                        let m = unmount(f, false);
                        let errs = &[
                            libc::EINVAL, // nothing mounted on f (or unmounted since the lookup)
                            // In use: a file open through it, another thread's
                            // lookup in it, or a mount stacked on it since ours.
                            libc::EBUSY,
                        ];
                        st.record("umount", &m, errs, || "umount".into());
                    }
                    4 => {
                        let m = unmount(f, true);
                        // Nothing mounted on f (or unmounted since the lookup).
                        st.record("umount(MNT_DETACH)", &m, &[libc::EINVAL], || {
                            "umount -l".into()
                        });
                    }
                    5 => {
                        // Through a bind mount, or the plain file when none is there.
                        let d = open_ro(f);
                        st.record("open(bind mount)", &d, &[], || "open(bind mount)".into());
                    }
                    _ => {
                        // A blocking socket waits for room (no EAGAIN); root is
                        // exempt from the in-flight limit (no ETOOMANYREFS); the
                        // receiver reads until we close.
                        let d = h.try_clone().and_then(|d| scm::send_fd(&tx, &d));
                        st.record("send over SCM_RIGHTS", &d, &[], || "sendmsg".into());
                    }
                }
            }
            st
        }));
        drop(tx);
        let _ = receiver.join();
        for f in files {
            while unmount(f, true).is_ok() {}
        }
    }
    st
}
