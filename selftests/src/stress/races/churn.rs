//! nsfd() on tasks that churn: unshare, exec, exit and reaping, with pid reuse.

use super::{rng, threads, NSFD_GONE};
use crate::stats::{Budget, Stats};
use crate::sys::{any_for_children_type, any_type, nsfd};
use crate::Opts;
use nsfd_testutil::child::{fork_child, wait};
use std::ffi::CString;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Arc;

/// argv[1] of the static program the churning children exec: it exits at once.
pub const EXEC_HELPER_ARG: &str = "--exit-at-once";

/// nsfd() on tasks that are unsharing, exec'ing, exiting and being reaped
/// (with pid reuse): children churn while threads take handles of the most
/// recent pids.
pub fn nsfd_on_churning_tasks(o: &Opts, b: &mut Budget) -> Stats {
    const RING: usize = 64;
    let ring: Arc<Vec<AtomicI32>> = Arc::new((0..RING).map(|_| AtomicI32::new(1)).collect());
    let next = AtomicUsize::new(0);
    let exe = CString::new("/proc/self/exe").unwrap();
    let arg = CString::new(EXEC_HELPER_ARG).unwrap();
    let churners = 2.min(o.threads);
    threads(o.threads + churners, |i| {
        let mut st = Stats::default();
        let mut r = rng(o, 1000 + i as u64);
        if i < churners {
            // Churn: children unshare, then exit or exec, reaped at once or later.
            let mut zombies = vec![];
            while !b.done() {
                let flags = [
                    libc::CLONE_NEWUTS,
                    libc::CLONE_NEWIPC,
                    libc::CLONE_NEWCGROUP,
                    0,
                ][r.usize(..4)];
                let exec = r.bool();
                let (exe, arg) = (exe.as_ptr(), arg.as_ptr());
                let pid = fork_child(flags, move || {
                    if exec {
                        let argv = [exe, arg, std::ptr::null()];
                        // SAFETY: valid strings and a null-terminated argv.
                        unsafe { libc::execv(exe, argv.as_ptr()) };
                    }
                });
                // About twenty children at a time, for root: no limit is near.
                st.record("fork+unshare", &pid, &[], || "fork".into());
                let Ok(pid) = pid else { continue };
                ring[next.fetch_add(1, Ordering::Relaxed) % RING].store(pid, Ordering::Relaxed);
                zombies.push(pid);
                if zombies.len() > 8 || r.bool() {
                    wait(zombies.remove(0));
                }
            }
            zombies.into_iter().for_each(|z| {
                wait(z);
            });
            return st;
        }
        while b.take() {
            let pid = ring[r.usize(..RING)].load(Ordering::Relaxed);
            let ty = if r.u8(..8) == 0 {
                any_for_children_type(&mut r)
            } else {
                any_type(&mut r)
            };
            let h = nsfd(pid, ty.nstype().into());
            st.record("nsfd(churning pid)", &h, NSFD_GONE, || {
                format!("nsfd({pid}, {})", ty.name())
            });
        }
        st
    })
}
