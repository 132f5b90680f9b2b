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
type GroupFn = Box<dyn FnOnce(&mut Reporter)>;

enum Entry {
    /// One case.
    Case(String, CaseFn),
    /// Cases that share a set-up: the names are listed, the function reports each in order.
    Group(Vec<String>, GroupFn),
}

/// The list of a suite's cases.
#[derive(Default)]
pub struct Cases {
    entries: Vec<Entry>,
}

impl Cases {
    /// Adds one case; `Err(outcome)` from `?` ends it early.
    pub fn case(
        &mut self,
        name: impl Into<String>,
        f: impl FnOnce() -> Result<(), Outcome> + 'static,
    ) {
        self.entries.push(Entry::Case(name.into(), Box::new(f)));
    }

    /// Adds cases `names` that one function runs and reports, in this order.
    pub fn group(&mut self, names: Vec<String>, f: impl FnOnce(&mut Reporter) + 'static) {
        self.entries.push(Entry::Group(names, Box::new(f)));
    }

    /// The plan: how many cases the list holds.
    pub fn count(&self) -> usize {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Case(..) => 1,
                Entry::Group(names, _) => names.len(),
            })
            .sum()
    }

    /// Runs every case and prints the suite; the exit status is 1 if any case failed.
    pub fn run(self, suite: &str) -> i32 {
        println!("KTAP version 1");
        println!("# {suite}");
        println!("1..{}", self.count());
        let mut r = Reporter::default();
        for entry in self.entries {
            match entry {
                Entry::Case(name, f) => {
                    let outcome = match f() {
                        Ok(()) => Outcome::Pass,
                        Err(o) => o,
                    };
                    r.print(&name, outcome);
                }
                Entry::Group(names, f) => {
                    r.expected = names.into_iter().rev().collect();
                    f(&mut r);
                    // A listed case the group did not report still counts, as failed.
                    while let Some(name) = r.expected.pop() {
                        r.print(&name, Outcome::Fail("not run".into()));
                    }
                }
            }
        }
        println!(
            "# Totals: pass:{} fail:{} xfail:0 xpass:0 skip:{} error:0",
            r.pass, r.fail, r.skip
        );
        i32::from(r.fail > 0)
    }
}

/// Prints results; inside a group, checks them against the group's list.
#[derive(Default)]
pub struct Reporter {
    n: usize,
    pass: usize,
    fail: usize,
    skip: usize,
    /// The group's cases still to report, next last.
    expected: Vec<String>,
}

impl Reporter {
    /// Reports the group's next case, which must be `name`.
    pub fn report(&mut self, name: &str, outcome: Outcome) {
        match self.expected.pop() {
            Some(next) if next == name => self.print(name, outcome),
            Some(next) => self.print(
                &next,
                Outcome::Fail(format!("the group reported {name:?} in its place")),
            ),
            None => eprintln!("ktap: {name:?} reported outside its group's list"),
        }
    }

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
