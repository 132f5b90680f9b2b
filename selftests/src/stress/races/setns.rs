//! setns() through every kind of descriptor while the target exits.

use super::{note_created, race_with_exit, rng, sitter_or_violate};
use crate::stats::{Budget, Stats};
use crate::sys::{nsfd, open_ro, setns, Flag, NsType};
use crate::Opts;
use nsfd_testutil::sys::pidfd_open;
use std::io;
use std::os::fd::OwnedFd;

/// The namespace types a thread can join and leave again (uts, ipc, net,
/// cgroup: per thread, no single-thread rule).
const THREAD_TYPES: [NsType; 4] = [NsType::Uts, NsType::Ipc, NsType::Net, NsType::Cgroup];

/// setns() through a handle, the /proc nsfs file and a pidfd of a child
/// while the child (the namespaces' last process) exits; every thread goes
/// back to its own namespaces after each join.
pub fn setns_while_target_exits(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let flags = libc::CLONE_NEWUTS | libc::CLONE_NEWIPC | libc::CLONE_NEWCGROUP;
    while !b.done() {
        let Some(sitter) = sitter_or_violate(&mut st, flags) else {
            break;
        };
        let pid = sitter.pid;
        let handles: Vec<(NsType, io::Result<OwnedFd>)> =
            [NsType::Uts, NsType::Ipc, NsType::Cgroup]
                .iter()
                .map(|t| (*t, nsfd(pid, t.nstype().into())))
                .collect();
        // The child waits for us: its namespaces and its pid are there.
        for (t, h) in &handles {
            st.record("nsfd(child)", h, &[], || {
                format!("nsfd(child, {})", t.name())
            });
            if let Ok(h) = h {
                note_created(&mut st, h);
            }
        }
        let proc_uts = open_ro(&format!("/proc/{pid}/ns/uts"));
        st.record("open(/proc/child/ns/uts)", &proc_uts, &[], || {
            format!("open(/proc/{pid}/ns/uts)")
        });
        let pidfd = pidfd_open(pid);
        st.record("pidfd_open(child)", &pidfd, &[], || {
            format!("pidfd_open({pid})")
        });
        st.merge(race_with_exit(o, sitter, |i| {
            let mut st = Stats::default();
            let own: Vec<io::Result<OwnedFd>> = THREAD_TYPES
                .iter()
                .map(|t| nsfd(0, t.nstype().into()))
                .collect();
            let mut r = rng(o, 3000 + i as u64);
            for _ in 0..200 {
                if !b.take() {
                    break;
                }
                let (what, joined) = match r.u8(..3) {
                    0 => {
                        let (t, h) = &handles[r.usize(..handles.len())];
                        let Ok(h) = h else { continue };
                        // The handle pins the namespace, its type is the one
                        // asked for, and uts, ipc and cgroup only check
                        // CAP_SYS_ADMIN (any thread may join): it always succeeds.
                        let j = setns(h, t.flag());
                        st.record("setns(handle)", &j, &[], || {
                            format!("setns(handle, {})", t.name())
                        });
                        ("handle", j.is_ok())
                    }
                    1 => {
                        let Ok(f) = &proc_uts else { continue };
                        // Open, the file pins the namespace as a handle does.
                        let j = setns(f, libc::CLONE_NEWUTS);
                        st.record("setns(/proc nsfs file)", &j, &[], || {
                            "setns(/proc/PID/ns/uts)".into()
                        });
                        ("proc", j.is_ok())
                    }
                    _ => {
                        let Ok(p) = &pidfd else { continue };
                        let j = setns(p, libc::CLONE_NEWUTS | libc::CLONE_NEWIPC);
                        let errs = &[
                            libc::ESRCH, // the child has dropped its namespaces, or is reaped
                        ];
                        st.record("setns(pidfd)", &j, errs, || "setns(pidfd, uts|ipc)".into());
                        ("pidfd", j.is_ok())
                    }
                };
                if joined {
                    for (t, h) in THREAD_TYPES.iter().zip(&own) {
                        if let Ok(h) = h {
                            if let Err(e) = setns(h, 0) {
                                st.violate(format!(
                                    "back to own {} namespace after setns({what}): {e}",
                                    t.name()
                                ));
                            }
                        }
                    }
                }
            }
            st
        }));
    }
    st
}
