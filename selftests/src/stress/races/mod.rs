//! The race phases: several threads and processes at once on the same
//! tasks, handles and namespaces, each bounded by the phase's budget. One
//! module per phase; what they share is here.

mod churn;
mod ioctls;
mod lifecycle;
mod mntns;
mod setns;

pub use churn::{nsfd_on_churning_tasks, EXEC_HELPER_ARG};
pub use ioctls::ioctls_while_namespace_dies;
pub use lifecycle::handle_lifecycle;
pub use mntns::mntns_pin_while_torn_down;
pub use setns::setns_while_target_exits;

use crate::account::file_handle;
use crate::stats::Stats;
use crate::Opts;
use nsfd_testutil::child::Holder;
use nsfd_testutil::mounts::Scratch;
use std::os::fd::AsRawFd;
use std::sync::Mutex;
use std::time::Duration;

// Every list of allowed errors holds only the errors the call's situation
// can give; the caller is root in its user namespace, with every
// capability, which rules out EACCES and EPERM. ENOMEM is in none: the
// allocations are small and an out-of-memory VM is itself a failure of the run.

/// nsfd(2) on a task that may be exiting, reaped or gone (Documentation/nsfd.rst).
const NSFD_GONE: &[i32] = &[
    libc::ESRCH, // no task with the pid, or it has dropped its namespaces
];

/// mount(2) on a target whose top mount another thread unmounts between the
/// lookup and the lock fails with ENOENT (do_lock_mount(): the mount is no
/// longer mounted), whatever the source.
const MOUNT_RACE_ERRORS: &[i32] = &[libc::ENOENT];

/// A cheap seeded generator per thread.
fn rng(o: &Opts, salt: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(o.seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Runs `f(thread index)` on `n` threads and merges their stats.
fn threads(n: usize, f: impl Fn(usize) -> Stats + Sync) -> Stats {
    let mut all = Stats::default();
    std::thread::scope(|s| {
        let f = &f;
        let hs: Vec<_> = (0..n).map(|i| s.spawn(move || f(i))).collect();
        for h in hs {
            all.merge(h.join().unwrap_or_else(|_| {
                let mut s = Stats::default();
                s.violate("a race thread panicked".into());
                s
            }));
        }
    });
    all
}

/// Runs `work(i)` on `o.threads` threads while one more lets `sitter` (the
/// last process of the namespaces they work on) exit after a short while.
fn race_with_exit(o: &Opts, sitter: Holder, work: impl Fn(usize) -> Stats + Sync) -> Stats {
    let sitter = Mutex::new(Some(sitter));
    threads(o.threads + 1, |i| {
        if i < o.threads {
            return work(i);
        }
        std::thread::sleep(Duration::from_millis(5));
        if let Some(s) = sitter.lock().unwrap().take() {
            s.exit();
        }
        Stats::default()
    })
}

/// A sitter in new namespaces `flags`, or `None` with the reason recorded in `st`.
fn sitter_or_violate(st: &mut Stats, flags: libc::c_int) -> Option<Holder> {
    Holder::spawn_bare(flags)
        .map_err(|e| st.violate(format!("fork a child in new namespaces {flags:#x}: {e}")))
        .ok()
}

/// Keeps the file handle of a namespace the phase made (a sample of them).
fn note_created(st: &mut Stats, fd: &impl AsRawFd) {
    if st.created.len() < 256 {
        if let Some(h) = file_handle(fd) {
            st.created.push(h);
        }
    }
}

/// A private scratch tmpfs with eight files to bind-mount on, or `None` with
/// the reason recorded in `st`.
fn scratch_files(st: &mut Stats, tag: &str) -> Option<Scratch> {
    let dir = format!("/tmp/nsfd-stress-{tag}-{}", std::process::id());
    Scratch::new(&dir, 8)
        .map_err(|e| st.violate(format!("scratch tmpfs: {e}")))
        .ok()
}
