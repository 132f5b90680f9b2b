//! The scaling rows: the same calls from one thread and from two at once.

use crate::calls::{nsfd_net, open_proc_ns};
use crate::measure::median;
use crate::opts::Opts;
use crate::rows::{RowId, ThreadRoute};
use crate::table::{Table, Value};
use std::time::Instant;

/// Wall time per call of `calls` calls of `route` in each of `threads` threads at once.
fn threaded(o: &Opts, threads: usize, route: ThreadRoute) -> Value {
    let run = move || -> Result<(), String> {
        for _ in 0..o.calls {
            match route {
                ThreadRoute::Nsfd => nsfd_net().map_err(|e| e.to_string())?,
                ThreadRoute::ProcFile => open_proc_ns("net").map_err(|e| e.to_string())?,
            };
        }
        Ok(())
    };
    let mut per_call = Vec::new();
    for b in 0..=o.batches {
        let t0 = Instant::now();
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads).map(|_| s.spawn(run)).collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
                .collect::<Result<Vec<()>, String>>()
        })?;
        if b > 0 {
            per_call.push(t0.elapsed().as_nanos() as f64 / o.calls as f64);
        }
    }
    Ok(median(per_call))
}

pub fn rows(o: &Opts, t: &mut Table) {
    // Every thread opens the same namespace, so without a file kept open one thread's open
    // file would spare the other the inode allocation some of the time, and two threads would
    // seem faster than one. With it, both counts do the same work per call.
    let keep = open_proc_ns("net");
    for route in ThreadRoute::ALL {
        for n in ThreadRoute::THREADS {
            t.set(RowId::Threads(route, n), threaded(o, n, route));
        }
    }
    drop(keep);
}
