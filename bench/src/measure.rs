//! How the rows are measured: interleaved timed batches and their median,
//! and the slab's size once it has settled.

use crate::opts::Opts;
use crate::rows::RowId;
use crate::table::{Table, Value};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

/// One route of a group: its row and one call of it.
pub type Route<'a> = (RowId, Box<dyn FnMut() -> io::Result<()> + 'a>);

/// Times the routes of a group in interleaved batches (one batch of each route in turn, after
/// a round of warm-up), so that drift over the run affects every route alike. Each result is
/// the median over `--batches` batches of `--calls` calls, in nanoseconds per call.
pub fn time_group(o: &Opts, mut routes: Vec<Route>) -> Vec<(RowId, Value)> {
    let mut per_call = vec![Ok(Vec::with_capacity(o.batches)); routes.len()];
    for b in 0..=o.batches {
        for (i, (_, f)) in routes.iter_mut().enumerate() {
            let Ok(samples) = &mut per_call[i] else {
                continue;
            };
            let t0 = Instant::now();
            let r = (0..o.calls).try_for_each(|_| f());
            let ns = t0.elapsed().as_nanos() as f64 / o.calls as f64;
            match r {
                Err(e) => per_call[i] = Err(e.to_string()),
                Ok(()) if b > 0 => samples.push(ns),
                Ok(()) => {}
            }
        }
    }
    routes
        .iter()
        .zip(per_call)
        .map(|((id, _), r)| (*id, r.map(median)))
        .collect()
}

/// Times a group ([`time_group`]) and fills in its rows.
pub fn add_group(o: &Opts, t: &mut Table, routes: Vec<Route>) {
    for (id, value) in time_group(o, routes) {
        t.set(id, value);
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The error of a route whose descriptor could not be made, for each call of it.
pub fn same_error(e: &io::Error) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(0))
}

/// `Slab:` of /proc/meminfo, in bytes.
fn slab_bytes() -> Result<i64, String> {
    let text = std::fs::read_to_string("/proc/meminfo").map_err(|e| e.to_string())?;
    text.lines()
        .find_map(|l| l.strip_prefix("Slab:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| "no Slab: line in /proc/meminfo".to_string())
}

/// Waits until RCU callbacks and deferred frees have settled: `Slab:` unchanged over five
/// reads 200 ms apart, or `longest`.
fn settled_slab(longest: Duration) -> Result<i64, String> {
    let deadline = Instant::now() + longest;
    let mut last = slab_bytes()?;
    let mut same = 0;
    while same < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        let now = slab_bytes()?;
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
    Ok(last)
}

/// Raises the descriptor limit and grows the descriptor table to `n` first, so that neither
/// the table nor its growth counts in a memory row.
pub fn make_room_for(n: usize) -> Result<(), String> {
    use rustix::process::{Resource, Rlimit};
    let want = (n + 1024) as u64;
    let lim = Rlimit {
        current: Some(want),
        maximum: Some(want),
    };
    rustix::process::setrlimit(Resource::Nofile, lim)
        .map_err(|e| format!("setrlimit(RLIMIT_NOFILE, {want}): {e}"))?;
    // A copy of stdin at an unused number below the new limit, closed at once.
    let high = rustix::io::fcntl_dupfd_cloexec(io::stdin().as_fd(), (n + 512) as i32)
        .map_err(|e| format!("dup: {e}"))?;
    drop(high);
    Ok(())
}

/// Bytes of slab per open descriptor made by `open`, over `--mem-fds` of them.
pub fn slab_per_fd(o: &Opts, mut open: impl FnMut() -> io::Result<OwnedFd>) -> Value {
    let n = o.mem_fds;
    let before = settled_slab(o.settle)?;
    let mut fds = Vec::with_capacity(n);
    for _ in 0..n {
        fds.push(open().map_err(|e| e.to_string())?);
    }
    let after = settled_slab(o.settle)?;
    drop(fds);
    settled_slab(o.settle)?;
    Ok((after - before) as f64 / n as f64)
}
