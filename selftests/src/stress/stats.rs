//! Counting: results per call, what was not allowed, the namespaces made,
//! and the budget (operations and time) of a phase.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A phase's share of the run: operations and time, shared by its threads.
#[derive(Clone)]
pub struct Budget {
    share: u64,
    left: Arc<AtomicU64>,
    time: Duration,
    deadline: Instant,
}

impl Budget {
    pub fn new(ops: u64, time: Duration) -> Budget {
        Budget {
            share: ops,
            left: Arc::new(AtomicU64::new(ops)),
            time,
            deadline: Instant::now() + time,
        }
    }

    /// Takes one operation; false when the count or the time is used up.
    pub fn take(&self) -> bool {
        Instant::now() < self.deadline
            && self
                .left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
    }

    /// The operations left.
    pub fn left(&self) -> u64 {
        self.left.load(Ordering::Relaxed)
    }

    /// Uses up the `n` operations a batch made at once.
    pub fn consume(&self, n: u64) {
        let _ = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                Some(l.saturating_sub(n))
            });
    }

    pub fn done(&self) -> bool {
        self.left.load(Ordering::Relaxed) == 0 || Instant::now() >= self.deadline
    }

    /// Why the phase failed its count: it stopped (out of time, or at a
    /// broken rule) before making its share of calls. A phase that ends
    /// early has not tested what the run promised.
    pub fn shortfall(&self) -> Option<String> {
        let left = self.left();
        if left == 0 {
            return None;
        }
        let why = if Instant::now() >= self.deadline {
            format!("its {:.1} s ran out", self.time.as_secs_f64())
        } else {
            "it stopped early".to_string()
        };
        Some(format!(
            "made {} of its share of {} calls: {why}",
            self.share - left,
            self.share
        ))
    }
}

/// The errno name of a result, for histograms and messages.
pub fn errno_name(e: i32) -> String {
    match crate::sys::errno_name(e) {
        "E?" => format!("errno{e}"),
        n => n.to_string(),
    }
}

/// What one phase (or one of its threads) did.
#[derive(Default, Clone)]
pub struct Stats {
    counts: BTreeMap<(&'static str, String), u64>,
    /// Results outside the allowed lists, and other broken rules, with the call.
    pub violations: Vec<String>,
    /// nsfs file handles of namespaces the phase made: all must be gone after it.
    pub created: Vec<Vec<u8>>,
}

/// At most this many violations are kept (the count goes on).
const MAX_VIOLATIONS: usize = 20;

impl Stats {
    /// Records `call`'s result; an errno outside `allowed` is a violation
    /// described by `what` (the call with its arguments).
    pub fn record<T>(
        &mut self,
        call: &'static str,
        r: &io::Result<T>,
        allowed: &[i32],
        what: impl FnOnce() -> String,
    ) {
        self.expect(call, r, true, allowed, what);
    }

    /// Records `call`'s result; a success when `ok` is false, or an errno
    /// outside `allowed`, is a violation described by `what`.
    pub fn expect<T>(
        &mut self,
        call: &'static str,
        r: &io::Result<T>,
        ok: bool,
        allowed: &[i32],
        what: impl FnOnce() -> String,
    ) {
        let key = match r {
            Ok(_) => "ok".to_string(),
            Err(e) => errno_name(e.raw_os_error().unwrap_or(0)),
        };
        let fine = match r {
            Ok(_) => ok,
            Err(e) => allowed.contains(&e.raw_os_error().unwrap_or(0)),
        };
        if !fine {
            let mut may: Vec<String> = allowed.iter().map(|e| errno_name(*e)).collect();
            if ok {
                may.insert(0, "success".into());
            }
            self.violate(format!("{}: {} (allowed: {})", what(), key, may.join(", ")));
        }
        *self.counts.entry((call, key)).or_default() += 1;
    }

    /// Records `call`'s result, which must be `want` exactly.
    pub fn exact<T>(
        &mut self,
        call: &'static str,
        r: &io::Result<T>,
        want: Result<(), i32>,
        what: impl FnOnce() -> String,
    ) {
        match want {
            Ok(()) => self.expect(call, r, true, &[], what),
            Err(e) => self.expect(call, r, false, &[e], what),
        }
    }

    pub fn violate(&mut self, msg: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(msg);
        }
    }

    pub fn merge(&mut self, other: Stats) {
        for (k, v) in other.counts {
            *self.counts.entry(k).or_default() += v;
        }
        for v in other.violations {
            self.violate(v);
        }
        self.created.extend(other.created);
    }

    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// One line per call: `call: total (result count, ...)`.
    pub fn histogram(&self) -> Vec<String> {
        let mut per_call: BTreeMap<&str, Vec<(String, u64)>> = BTreeMap::new();
        for ((call, res), n) in &self.counts {
            per_call.entry(call).or_default().push((res.clone(), *n));
        }
        per_call
            .into_iter()
            .map(|(call, mut rs)| {
                rs.sort_by_key(|r| std::cmp::Reverse(r.1));
                let total: u64 = rs.iter().map(|r| r.1).sum();
                let parts: Vec<String> = rs.iter().map(|(r, n)| format!("{r} {n}")).collect();
                format!("{call}: {total} ({})", parts.join(", "))
            })
            .collect()
    }

    /// Encodes counts for a child process to send to its parent.
    pub fn encode(&self) -> String {
        let mut s = String::new();
        for ((call, res), n) in &self.counts {
            s += &format!("C {call} {res} {n}\n");
        }
        for v in &self.violations {
            s += &format!("V {}\n", v.replace('\n', " "));
        }
        s
    }

    /// Adds what `encode` wrote; `calls` maps the names back to statics.
    pub fn decode(&mut self, text: &str, calls: &[&'static str]) {
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("V ") {
                self.violate(v.to_string());
            } else if let Some(c) = line.strip_prefix("C ") {
                let mut w = c.rsplitn(3, ' ');
                let (n, res, call) = (w.next(), w.next(), w.next());
                let (Some(n), Some(res), Some(call)) = (n, res, call) else {
                    continue;
                };
                let (Some(call), Ok(n)) = (calls.iter().find(|k| **k == call), n.parse::<u64>())
                else {
                    continue;
                };
                *self.counts.entry((call, res.to_string())).or_default() += n;
            }
        }
    }
}
