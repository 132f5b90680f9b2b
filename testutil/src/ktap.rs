//! The KTAP writer (Documentation/dev-tools/ktap.rst) of the Rust binaries:
//! a suite's cases are listed first, so that the plan is the length of the
//! list, then run in order ([`Cases`]); a binary that makes its results
//! otherwise (the benchmark's rows) prints them through a [`Reporter`].

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

/// A suite that runs nothing: the whole of it skips, with the reason.
pub fn skip_suite(why: &str) {
    println!("KTAP version 1\n1..0 # SKIP {why}");
}

/// A KTAP test name made of a free-text label: every character but ASCII
/// letters and digits becomes `_`.
pub fn case_name(label: &str) -> String {
    label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
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
        let mut r = Reporter::start(suite, self.count());
        for (name, f) in self.entries {
            let outcome = match f() {
                Ok(()) => Outcome::Pass,
                Err(o) => o,
            };
            r.result(&name, outcome);
        }
        r.finish()
    }
}

/// Prints a suite's header, its results in order and its totals.
pub struct Reporter {
    n: usize,
    pass: usize,
    fail: usize,
    skip: usize,
}

impl Reporter {
    /// Prints the header: the version, the suite's name and the plan.
    pub fn start(suite: &str, plan: usize) -> Reporter {
        println!("KTAP version 1");
        println!("# {suite}");
        println!("1..{plan}");
        Reporter {
            n: 0,
            pass: 0,
            fail: 0,
            skip: 0,
        }
    }

    /// Prints `text` as diagnostic lines, `# ` before each.
    pub fn diag(&self, text: &str) {
        for line in text.lines() {
            println!("# {line}");
        }
    }

    /// Prints the next result; a failure's message goes before it, one
    /// `# NAME: ` line per line (an empty message prints none).
    pub fn result(&mut self, name: &str, outcome: Outcome) {
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

    /// Prints the totals; the exit status is 1 if any case failed.
    pub fn finish(self) -> i32 {
        println!(
            "# Totals: pass:{} fail:{} xfail:0 xpass:0 skip:{} error:0",
            self.pass, self.fail, self.skip
        );
        i32::from(self.fail > 0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn case_names_keep_letters_and_digits_only() {
        assert_eq!(
            super::case_name("setns(/proc/self/ns/net fd, net)"),
            "setns__proc_self_ns_net_fd__net_"
        );
    }
}
