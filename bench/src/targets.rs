//! The targets of the benchmark issue, checked against a run's rows: each
//! names its rows by identifier ([`RowId`]).

use crate::opts::Opts;
use crate::rows::{Inode, MemRoute, OpenRoute, PinRoute, PinStep, RowId, SetnsRoute};
use crate::table::Table;

/// What a target measures.
enum Measure {
    /// One row's value over another's.
    Ratio(RowId, RowId),
    /// The largest of the rows' values over the smallest.
    Spread(Vec<RowId>),
}

/// What a target asks of the measure.
#[derive(Clone, Copy)]
enum Limit {
    AtMost(f64),
    /// Within this much of 1.
    Within(f64),
}

pub struct Target {
    what: String,
    measure: Measure,
    limit: Limit,
}

impl Target {
    fn ratio(what: String, a: RowId, b: RowId, limit: Limit) -> Target {
        Target {
            what,
            measure: Measure::Ratio(a, b),
            limit,
        }
    }

    /// The rows it reads.
    #[cfg(test)]
    fn rows(&self) -> Vec<RowId> {
        match &self.measure {
            Measure::Ratio(a, b) => vec![*a, *b],
            Measure::Spread(rows) => rows.clone(),
        }
    }

    /// Its measure in this run, if every row it reads was measured.
    fn value(&self, t: &Table) -> Option<f64> {
        match &self.measure {
            Measure::Ratio(a, b) => Some(t.value(*a)? / t.value(*b)?),
            Measure::Spread(rows) => {
                let p: Vec<f64> = rows.iter().map(|&r| t.value(r)).collect::<Option<_>>()?;
                let max = p.iter().copied().fold(f64::MIN, f64::max);
                let min = p.iter().copied().fold(f64::MAX, f64::min);
                (min > 0.0).then(|| max / min)
            }
        }
    }

    fn met(&self, r: f64) -> bool {
        match self.limit {
            Limit::AtMost(x) => r <= x,
            Limit::Within(x) => (r - 1.0).abs() <= x,
        }
    }
}

/// The targets, in report order.
pub fn targets(o: &Opts) -> Vec<Target> {
    let mut all = Vec::new();
    for (inode, when) in [(Inode::New, ""), (Inode::Exists, " (inode exists)")] {
        let open = |r| RowId::Open(r, inode);
        for (route, what, at_most) in [
            (OpenRoute::Eventfd, "eventfd+close", 1.3),
            (OpenRoute::ProcFile, "open(/proc)+close", 0.5),
            (OpenRoute::HeldPidfdIoctl, "held-pidfd ioctl+close", 0.8),
        ] {
            all.push(Target::ratio(
                format!("nsfd+close / {what}{when}, at most {at_most}"),
                open(OpenRoute::Nsfd),
                open(route),
                Limit::AtMost(at_most),
            ));
        }
    }
    all.push(Target::ratio(
        "setns(handle) / setns(/proc fd), within 5%".into(),
        RowId::Setns(SetnsRoute::Handle),
        RowId::Setns(SetnsRoute::ProcFile),
        Limit::Within(0.05),
    ));
    all.push(Target::ratio(
        "memory per open handle / per open /proc fd, at most 1.2".into(),
        RowId::Memory(MemRoute::Handle),
        RowId::Memory(MemRoute::ProcFile),
        Limit::AtMost(1.2),
    ));
    for step in PinStep::ALL {
        all.push(Target {
            what: format!(
                "{} per namespace (handles, mount API), largest / smallest over {:?}, at most 1.2",
                step.label(),
                o.pin
            ),
            measure: Measure::Spread(
                o.pin
                    .iter()
                    .map(|&n| RowId::Pin(step, n, PinRoute::HandleMountApi))
                    .collect(),
            ),
            limit: Limit::AtMost(1.2),
        });
    }
    // Release: "no slower", with the run-to-run noise of equal work in one VM run (about 3%).
    for &n in &o.pin {
        for (step, at_most, why) in [
            (PinStep::Pin, 1.0, ""),
            (PinStep::Release, 1.03, " (3% noise)"),
        ] {
            all.push(Target::ratio(
                format!(
                    "{} {n}: handles (mount API) / /proc files, at most {at_most:.2}{why}",
                    step.label()
                ),
                RowId::Pin(step, n, PinRoute::HandleMountApi),
                RowId::Pin(step, n, PinRoute::ProcFile),
                Limit::AtMost(at_most),
            ));
        }
    }
    all
}

/// The targets' verdicts in this run.
pub fn report(o: &Opts, t: &Table) -> String {
    let lines: Vec<String> = targets(o)
        .iter()
        .map(|target| {
            let verdict = match target.value(t) {
                Some(r) if target.met(r) => format!("{r:.2}  met"),
                Some(r) => format!("{r:.2}  MISSED"),
                None => "not measured".to_string(),
            };
            format!("  {:<72} {verdict}", target.what)
        })
        .collect();
    format!("\nTargets (ratios of this run)\n{}\n", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::plan;
    use std::collections::HashSet;

    /// A target whose row the run does not make would only ever say "not
    /// measured": every row a target reads is one of the row list's.
    #[test]
    fn every_target_row_is_a_row_of_the_run() {
        for pin in [vec![1_000, 10_000, 100_000], vec![5], vec![1, 2, 3, 4]] {
            let o = Opts {
                pin,
                ..Opts::default()
            };
            let rows: HashSet<RowId> = plan(&o).iter().flat_map(|s| s.rows()).collect();
            let targets = targets(&o);
            assert_eq!(targets.len(), 10 + 2 * o.pin.len());
            for target in targets {
                for id in target.rows() {
                    assert!(rows.contains(&id), "{}: {id:?} is no row", target.what);
                }
            }
        }
    }

    #[test]
    fn a_measured_target_has_a_verdict() {
        let o = Opts::default();
        let mut t = Table::new(plan(&o));
        t.set(RowId::Setns(SetnsRoute::Handle), Ok(102.0));
        t.set(RowId::Setns(SetnsRoute::ProcFile), Ok(100.0));
        let text = report(&o, &t);
        let line = |what: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(what))
                .unwrap()
                .to_string()
        };
        assert!(line("setns(handle) / setns(/proc fd)").ends_with("1.02  met"));
        assert!(line("nsfd+close / eventfd+close, at most 1.3").ends_with("not measured"));
    }
}
