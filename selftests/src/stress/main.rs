//! nsfd_stress: races, seeded fuzzing and leak accounting for nsfd(2) and
//! setns(2), run as root inside the (debug) kernel built by this project.
//!
//! Each phase is one KTAP case: it runs until its share of the operation
//! count or of the time limit is used up; it must have made its whole share
//! of calls, its results must all be allowed (Documentation/nsfd.rst,
//! setns.rst) and the accounting after it clean (every namespace it made gone, inodes, files and descriptors back
//! to their baseline, kmemleak silent). Documentation/testing.rst describes
//! each phase.

#[path = "../sys.rs"]
#[allow(dead_code, unused_imports)]
mod sys;

mod account;
mod fuzz;
mod races;
mod stats;

use nsfd_testutil::ktap::{skip_suite, Cases, Outcome};
use std::time::{Duration, Instant};

/// The command line.
#[derive(Clone, Debug)]
pub struct Opts {
    /// Racing operations, shared among the race phases.
    pub ops: u64,
    /// Fuzzed calls, shared among the fuzz phases.
    pub fuzz: u64,
    /// The whole run's time limit.
    pub time: Duration,
    pub seed: u64,
    pub threads: usize,
    /// kmemleak scans: after every phase, or once at the end.
    pub kmemleak_each_phase: bool,
    /// Only these phases (all when empty).
    pub only: Vec<String>,
}

/// make stress and make test run the debug kernel, which has kmemleak: a
/// run that cannot scan has not looked for leaks.
const NO_KMEMLEAK: &str =
    "no /sys/kernel/debug/kmemleak: this kernel cannot look for leaks (CONFIG_DEBUG_KMEMLEAK)";

const USAGE: &str = "\
usage: nsfd_stress [--ops N] [--fuzz N] [--time SECONDS] [--seed N] [--threads N]
                   [--kmemleak phase|end] [--phase NAME]...
Races, seeded fuzzing and leak accounting for nsfd(2) and setns(2); KTAP on stdout.
  --ops N        racing operations, shared among the race phases (default 1000000)
  --fuzz N       fuzzed calls, shared among the fuzz phases (default 1000000)
  --time S       time limit of the whole run; each phase gets its share (default 3600)
  --seed N       the fuzzer's seed (default: from the clock; printed either way)
  --threads N    threads per race (default 4)
  --kmemleak W   scan after every phase (phase, the default) or once at the end (end)
  --phase NAME   run only this phase (repeatable)";

fn parse_opts() -> Result<Opts, lexopt::Error> {
    use lexopt::prelude::*;
    let mut o = Opts {
        ops: 1_000_000,
        fuzz: 1_000_000,
        time: Duration::from_secs(3600),
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
        threads: 4,
        kmemleak_each_phase: true,
        only: vec![],
    };
    let mut p = lexopt::Parser::from_env();
    while let Some(arg) = p.next()? {
        match arg {
            Long("ops") => o.ops = p.value()?.parse()?,
            Long("fuzz") => o.fuzz = p.value()?.parse()?,
            Long("time") => o.time = Duration::from_secs(p.value()?.parse()?),
            Long("seed") => o.seed = p.value()?.parse()?,
            Long("threads") => o.threads = p.value()?.parse::<usize>()?.max(1),
            Long("kmemleak") => {
                o.kmemleak_each_phase = match p.value()?.string()?.as_str() {
                    "phase" => true,
                    "end" => false,
                    w => return Err(format!("--kmemleak {w}: phase or end").into()),
                }
            }
            Long("phase") => o.only.push(p.value()?.string()?),
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(o)
}

/// What a phase did: its counts per call and result, and what it saw wrong.
pub type PhaseResult = stats::Stats;

/// A phase: its name, whether it races or fuzzes, and its body.
struct Phase {
    name: &'static str,
    fuzz: bool,
    run: fn(&Opts, &mut stats::Budget) -> PhaseResult,
}

const PHASES: &[Phase] = &[
    Phase {
        name: "race_nsfd_on_churning_tasks",
        fuzz: false,
        run: races::nsfd_on_churning_tasks,
    },
    Phase {
        name: "race_handle_close_reopen_mount_pass",
        fuzz: false,
        run: races::handle_lifecycle,
    },
    Phase {
        name: "race_setns_while_target_exits",
        fuzz: false,
        run: races::setns_while_target_exits,
    },
    Phase {
        name: "race_ioctls_while_namespace_dies",
        fuzz: false,
        run: races::ioctls_while_namespace_dies,
    },
    Phase {
        name: "race_mntns_pin_while_torn_down",
        fuzz: false,
        run: races::mntns_pin_while_torn_down,
    },
    Phase {
        name: "fuzz_nsfd",
        fuzz: true,
        run: fuzz::nsfd_calls,
    },
    Phase {
        name: "fuzz_setns",
        fuzz: true,
        run: fuzz::setns_calls,
    },
    Phase {
        name: "fuzz_handle_ioctls",
        fuzz: true,
        run: fuzz::ioctl_calls,
    },
];

fn main() {
    // A static binary run by the churn race as the program its children exec.
    if std::env::args().nth(1).as_deref() == Some(races::EXEC_HELPER_ARG) {
        std::process::exit(0);
    }
    let o = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("nsfd_stress: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if !rustix::process::getuid().is_root() {
        skip_suite("nsfd_stress needs root");
        return;
    }
    let phases: Vec<&Phase> = PHASES
        .iter()
        .filter(|p| o.only.is_empty() || o.only.iter().any(|n| n == p.name))
        .collect();
    let races = phases.iter().filter(|p| !p.fuzz).count().max(1) as u64;
    let fuzzes = phases.iter().filter(|p| p.fuzz).count().max(1) as u64;
    // Each phase may use the time left divided among the phases left, so
    // that what a quick phase leaves goes to the slower ones after it.
    let deadline = Instant::now() + o.time;
    let phases_left = std::rc::Rc::new(std::cell::Cell::new(phases.len() as u32));
    println!(
        "# nsfd_stress: seed {} (rerun with --seed {}), {} racing ops, {} fuzzed calls, time limit {} s",
        o.seed,
        o.seed,
        o.ops,
        o.fuzz,
        o.time.as_secs()
    );
    let kmemleak = account::Kmemleak::open();
    if let (Some(k), true) = (&kmemleak, o.kmemleak_each_phase) {
        // A run of its own (make stress): what was reported before is not ours.
        // Within make test, earlier suites' reports stay for the final scan.
        k.clear();
    }
    let mut c = Cases::default();
    let started = Instant::now();
    for p in phases {
        let o = o.clone();
        // Rounded up: a run makes at least the counts asked for.
        let share = if p.fuzz {
            o.fuzz.div_ceil(fuzzes)
        } else {
            o.ops.div_ceil(races)
        };
        let each_phase = o.kmemleak_each_phase;
        let km = account::Kmemleak::open();
        let phases_left = phases_left.clone();
        c.case(p.name, move || {
            let before = account::Snapshot::take();
            let left = phases_left.get().max(1);
            phases_left.set(left - 1);
            let time = deadline.saturating_duration_since(Instant::now()) / left;
            let mut budget = stats::Budget::new(share, time);
            let t0 = Instant::now();
            let st = (p.run)(&o, &mut budget);
            let secs = t0.elapsed().as_secs_f64();
            println!("# {}: {} operations in {secs:.1} s", p.name, st.total());
            for line in st.histogram() {
                println!("#   {line}");
            }
            let mut problems = st.violations.clone();
            // The counts are the run's promise: a phase that made fewer
            // calls than its share has not passed.
            problems.extend(budget.shortfall());
            problems.extend(account::after_phase(&before, &st.created));
            if each_phase {
                match &km {
                    Some(k) => problems.extend(k.scan()),
                    None => problems.push(NO_KMEMLEAK.into()),
                }
            }
            if problems.is_empty() {
                Ok(())
            } else {
                Err(Outcome::Fail(problems.join("\n")))
            }
        });
    }
    if !o.kmemleak_each_phase {
        c.case("kmemleak_after_all_phases", move || {
            match kmemleak {
                None => return Err(Outcome::Fail(NO_KMEMLEAK.into())),
                Some(k) => {
                    let problems = k.scan();
                    if !problems.is_empty() {
                        return Err(Outcome::Fail(problems.join("\n")));
                    }
                }
            }
            Ok(())
        });
    }
    let status = c.run("stress");
    println!(
        "# nsfd_stress: {:.1} s, seed {}",
        started.elapsed().as_secs_f64(),
        o.seed
    );
    std::process::exit(status);
}
