//! Accounting after a phase: the namespaces it made are gone (listns(2) and
//! nsfs file handles), inodes, open files and our descriptors are back to
//! their baseline, and kmemleak has nothing to report.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `FD_NSFS_ROOT` from <linux/fcntl.h>: open_by_handle_at()'s mount for nsfs handles.
const FD_NSFS_ROOT: libc::c_int = -10003;
/// Global counts may move by this much without any leak of ours: other
/// activity of the VM (a kworker's file, a proc inode); a leak per operation
/// of a phase is thousands.
const SLACK: i64 = 64;
/// How long freeing may lag behind (RCU, delayed fput, namespace cleanup work).
const SETTLE: Duration = Duration::from_secs(20);

/// The nsfs file handle of a namespace file (to check later that it is gone).
pub fn file_handle(fd: &impl AsRawFd) -> Option<Vec<u8>> {
    let mut buf = [0u8; 8 + 64];
    buf[..4].copy_from_slice(&64u32.to_ne_bytes());
    let mut mount_id: libc::c_int = 0;
    // Raw: rustix has no name_to_handle_at.
    // SAFETY: `buf` starts with a struct file_handle whose handle_bytes (64) fits in it.
    let r = unsafe {
        libc::syscall(
            libc::SYS_name_to_handle_at,
            fd.as_raw_fd(),
            c"".as_ptr(),
            buf.as_mut_ptr(),
            &mut mount_id as *mut libc::c_int,
            libc::AT_EMPTY_PATH,
        )
    };
    if r < 0 {
        return None;
    }
    let len = u32::from_ne_bytes(buf[..4].try_into().unwrap()) as usize;
    Some(buf[..8 + len].to_vec())
}

/// Whether the namespace of a handle from `file_handle` still exists.
fn handle_opens(h: &[u8]) -> bool {
    let mut buf = h.to_vec();
    // Raw: rustix has no open_by_handle_at, and FD_NSFS_ROOT is no descriptor.
    // SAFETY: `buf` is a struct file_handle as name_to_handle_at wrote it.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            FD_NSFS_ROOT,
            buf.as_mut_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    // Our new descriptor, closed at once.
    nsfd_testutil::errno::own(fd).is_ok()
}

fn first_number(path: &str) -> i64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(-1)
}

fn drop_caches() {
    let _ = std::fs::write("/proc/sys/vm/drop_caches", "2");
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The counts a phase must leave as it found them.
pub struct Snapshot {
    fds: usize,
    inodes: i64,
    files: i64,
    namespaces: io::Result<BTreeSet<u64>>,
}

impl Snapshot {
    pub fn take() -> Snapshot {
        drop_caches();
        Snapshot {
            fds: open_fds(),
            inodes: first_number("/proc/sys/fs/inode-nr"),
            files: first_number("/proc/sys/fs/file-nr"),
            namespaces: crate::sys::listns(0),
        }
    }
}

/// What the phase left behind, waiting up to `SETTLE` for deferred freeing.
pub fn after_phase(before: &Snapshot, created: &[Vec<u8>]) -> Vec<String> {
    let t0 = Instant::now();
    loop {
        let now = Snapshot::take();
        let mut problems = vec![];
        if now.fds != before.fds {
            problems.push(format!(
                "open descriptors: {} before, {} after",
                before.fds, now.fds
            ));
        }
        if now.inodes > before.inodes + SLACK {
            problems.push(format!(
                "inodes (inode-nr): {} before, {} after",
                before.inodes, now.inodes
            ));
        }
        if now.files > before.files + SLACK {
            problems.push(format!(
                "open files (file-nr): {} before, {} after",
                before.files, now.files
            ));
        }
        match (&before.namespaces, &now.namespaces) {
            (Ok(b), Ok(n)) => {
                let new: Vec<&u64> = n.difference(b).collect();
                if !new.is_empty() {
                    problems.push(format!(
                        "{} namespaces listns() lists that were not there before: {:?}",
                        new.len(),
                        &new[..new.len().min(8)]
                    ));
                }
            }
            (_, Err(e)) | (Err(e), _) => problems.push(format!("listns: {e}")),
        }
        let alive = created.iter().filter(|h| handle_opens(h)).count();
        if alive > 0 {
            problems.push(format!(
                "{alive} of the {} namespaces the phase made still open by file handle",
                created.len()
            ));
        }
        if problems.is_empty() || t0.elapsed() > SETTLE {
            return problems;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// kmemleak, through debugfs.
pub struct Kmemleak(String);

impl Kmemleak {
    pub fn open() -> Option<Kmemleak> {
        let dir = "/sys/kernel/debug";
        if std::fs::metadata(format!("{dir}/kmemleak")).is_err() {
            let _ = std::process::Command::new("mount")
                .args(["-t", "debugfs", "none", dir])
                .status();
        }
        let path = format!("{dir}/kmemleak");
        std::fs::metadata(&path).ok().map(|_| Kmemleak(path))
    }

    /// Forgets what was reported before this run.
    pub fn clear(&self) {
        let _ = std::fs::write(&self.0, "clear");
    }

    /// Scans now; every object kmemleak reports that no earlier scan of
    /// this run reported is a problem. kmemleak reports an object only once
    /// it has been unreferenced for 5 s and its contents are unchanged since
    /// the scan before (a new object's checksum starts out changed): wait
    /// that long, then scan twice, so that what the phase just allocated is
    /// judged now, not blamed on the next phase.
    pub fn scan(&self) -> Vec<String> {
        static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
        std::thread::sleep(Duration::from_secs(6));
        let t0 = Instant::now();
        for _ in 0..2 {
            if let Err(e) = std::fs::write(&self.0, "scan") {
                return vec![format!("kmemleak scan: {e}")];
            }
        }
        let report = std::fs::read_to_string(&self.0).unwrap_or_default();
        println!("# kmemleak scan: {:.1} s", t0.elapsed().as_secs_f64());
        let mut seen = SEEN.lock().unwrap();
        let mut new = vec![];
        let mut keep = false;
        for line in report.lines() {
            if line.starts_with("unreferenced object") {
                keep = seen.insert(line.to_string());
            }
            if keep && new.len() < 40 {
                new.push(line.to_string());
            }
        }
        if new.is_empty() {
            return vec![];
        }
        vec![format!("kmemleak:\n{}", new.join("\n"))]
    }
}
