//! nsfd_bench: every route to a namespace handle, side by side, in one run of
//! one kernel. Absolute times under software emulation mean little, so each
//! row is reported with its ratio to the first row of its group.
//!
//! Run as root inside the kernel built by this project (`make bench`); with
//! `--ktap` it is a smoke suite: one KTAP case per row (the numbers never
//! fail it, a row that cannot be measured does).
//!
//! The rows are listed once ([`rows::plan`]), by identifier; each section
//! module measures its own, the targets read them ([`targets`]).

mod calls;
mod measure;
mod memory;
mod open;
mod opts;
mod pin;
mod rows;
mod setns;
mod table;
mod targets;
mod threads;

use nsfd_testutil::ktap::{case_name, Outcome, Reporter};
use opts::{parse_opts, Opts, USAGE};
use table::Table;

fn uname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Writes each measured row as LABEL<TAB>VALUE (make bench's comparison).
fn write_values(path: &std::path::Path, t: &Table) {
    let tsv: String = t
        .rows()
        .iter()
        .filter_map(|r| Some(format!("{}\t{}\n", r.label, r.value.as_ref().ok()?)))
        .collect();
    if let Err(e) = std::fs::write(path, tsv) {
        eprintln!("nsfd_bench: {}: {e}", path.display());
    }
}

/// The table as KTAP: the text as diagnostics, then one case per row.
fn print_ktap(t: &Table, text: &str) {
    let rows = t.rows();
    let mut k = Reporter::start("bench", rows.len());
    k.diag(text);
    for r in rows {
        let outcome = match r.value {
            Ok(_) => Outcome::Pass,
            Err(e) => {
                // The reason under the row's label, not its case name.
                k.diag(&format!("{}: {e}", r.label));
                Outcome::Fail(String::new())
            }
        };
        k.result(&case_name(&r.label), outcome);
    }
    k.finish();
}

fn measure(o: &Opts) -> Table {
    let mut t = Table::new(rows::plan(o));
    if o.setns_only {
        setns::rows(o, &mut t);
    } else {
        open::rows(o, &mut t);
        setns::rows(o, &mut t);
        memory::rows(o, &mut t);
        threads::rows(o, &mut t);
        // Last: it leaves this process in a private mount namespace and a new UTS namespace.
        pin::rows(o, &mut t);
    }
    t
}

fn main() {
    let o = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("nsfd_bench: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let t = measure(&o);
    if let Some(path) = &o.values {
        write_values(path, &t);
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut text = format!(
        "nsfd_bench on Linux {}, {cpus} CPUs; ratios are to the first row of each section\n",
        uname()
    );
    text += &t.render();
    if !o.setns_only {
        text += &targets::report(&o, &t);
    }
    if o.ktap {
        print_ktap(&t, &text);
    } else {
        print!("{text}");
    }
    if let Some(out) = &o.out {
        if let Err(e) = std::fs::write(out, &text) {
            eprintln!("nsfd_bench: {}: {e}", out.display());
            std::process::exit(1);
        }
    }
    let failed = t.rows().iter().any(|r| r.value.is_err());
    std::process::exit(i32::from(failed));
}
