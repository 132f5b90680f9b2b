//! The KTAP writer of the selftest binary: cases are listed first, so that the
//! plan is the length of the list, then run in order.

use std::io::Write;

/// The outcome of one test case.
pub enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

/// Shorthand for a check inside a test case.
pub fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), Outcome> {
    if cond {
        Ok(())
    } else {
        Err(Outcome::Fail(msg()))
    }
}

type CaseFn = Box<dyn FnOnce() -> Result<(), Outcome>>;

/// The list of a suite's cases.
#[derive(Default)]
pub struct Cases {
    entries: Vec<(String, CaseFn)>,
}

impl Cases {
    /// Adds one case; `Err(outcome)` from `?` ends it early.
    pub fn case(
        &mut self,
        name: impl Into<String>,
        f: impl FnOnce() -> Result<(), Outcome> + 'static,
    ) {
        self.entries.push((name.into(), Box::new(f)));
    }

    /// The plan: how many cases the list holds.
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// Runs every case and prints the suite; the exit status is 1 if any case failed.
    pub fn run(self, suite: &str) -> i32 {
        println!("KTAP version 1");
        println!("# {suite}");
        println!("1..{}", self.count());
        let mut r = Reporter::default();
        for (name, f) in self.entries {
            let outcome = match f() {
                Ok(()) => Outcome::Pass,
                Err(o) => o,
            };
            r.print(&name, outcome);
        }
        println!(
            "# Totals: pass:{} fail:{} xfail:0 xpass:0 skip:{} error:0",
            r.pass, r.fail, r.skip
        );
        i32::from(r.fail > 0)
    }
}

/// Prints results and counts them.
#[derive(Default)]
struct Reporter {
    n: usize,
    pass: usize,
    fail: usize,
    skip: usize,
}

impl Reporter {
    fn print(&mut self, name: &str, outcome: Outcome) {
        self.n += 1;
        match outcome {
            Outcome::Pass => {
                self.pass += 1;
                println!("ok {} {name}", self.n);
            }
            Outcome::Fail(msg) => {
                self.fail += 1;
                for line in msg.lines() {
                    println!("# {name}: {line}");
                }
                println!("not ok {} {name}", self.n);
            }
            Outcome::Skip(why) => {
                self.skip += 1;
                println!("ok {} {name} # SKIP {why}", self.n);
            }
        }
        let _ = std::io::stdout().flush();
    }
}
