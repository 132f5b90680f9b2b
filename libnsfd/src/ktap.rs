//! A small KTAP (kselftest) writer.

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

/// Writes one KTAP suite to stdout.
pub struct Suite {
    n: usize,
    pass: usize,
    fail: usize,
    skip: usize,
}

impl Suite {
    /// Starts a suite of `planned` cases.
    pub fn new(name: &str, planned: usize) -> Suite {
        println!("KTAP version 1");
        println!("# {name}");
        println!("1..{planned}");
        Suite {
            n: 0,
            pass: 0,
            fail: 0,
            skip: 0,
        }
    }

    /// Records one case.
    pub fn report(&mut self, name: &str, outcome: Outcome) {
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

    /// Runs `f` as one case; `Err(outcome)` from `?` ends it early.
    pub fn case(&mut self, name: &str, f: impl FnOnce() -> Result<(), Outcome>) {
        let outcome = match f() {
            Ok(()) => Outcome::Pass,
            Err(o) => o,
        };
        self.report(name, outcome);
    }

    /// Prints the totals; the exit status is 1 if any case failed.
    pub fn finish(self) -> i32 {
        println!(
            "# Totals: pass:{} fail:{} xfail:0 xpass:0 skip:{} error:0",
            self.pass, self.fail, self.skip
        );
        i32::from(self.fail > 0)
    }
}
