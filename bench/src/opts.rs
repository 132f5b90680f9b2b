//! The command line.

use std::time::Duration;

pub const USAGE: &str = "\
usage: nsfd_bench [options]
  --calls N       calls per batch of the time rows (default 20000)
  --batches N     batches per time row; the row is their median (default 9)
  --mem-fds N     open descriptors per kind for the memory rows (default 50000)
  --pin N,N,...   namespaces pinned per size of the pin rows (default 1000,10000,100000)
  --pin-rounds N  rounds per size of the pin rows; the row is their median (default 5)
  --settle SECS   longest wait for the slab to settle before a memory reading (default 20)
  --out FILE      also write the table to FILE
  --values FILE   also write each row as NAME<TAB>VALUE to FILE (make bench's comparison)
  --setns-only    only the setns rows (make bench runs them in the unmodified kernel)
  --ktap          print KTAP, one case per row (the smoke suite of make test)
  -h, --help      this text";

pub struct Opts {
    pub calls: usize,
    pub batches: usize,
    pub mem_fds: usize,
    pub pin: Vec<usize>,
    pub pin_rounds: usize,
    pub settle: Duration,
    pub out: Option<std::path::PathBuf>,
    pub values: Option<std::path::PathBuf>,
    pub setns_only: bool,
    pub ktap: bool,
}

impl Default for Opts {
    fn default() -> Opts {
        Opts {
            calls: 20_000,
            batches: 9,
            mem_fds: 50_000,
            pin: vec![1_000, 10_000, 100_000],
            pin_rounds: 5,
            settle: Duration::from_secs(20),
            out: None,
            values: None,
            setns_only: false,
            ktap: false,
        }
    }
}

pub fn parse_opts() -> Result<Opts, lexopt::Error> {
    use lexopt::prelude::*;
    let mut o = Opts::default();
    let mut p = lexopt::Parser::from_env();
    while let Some(arg) = p.next()? {
        match arg {
            Long("calls") => o.calls = p.value()?.parse()?,
            Long("batches") => o.batches = p.value()?.parse()?,
            Long("mem-fds") => o.mem_fds = p.value()?.parse()?,
            Long("pin") => {
                o.pin = p
                    .value()?
                    .string()?
                    .split(',')
                    .map(|s| s.parse::<usize>().map_err(|e| format!("--pin {s}: {e}")))
                    .collect::<Result<_, _>>()?
            }
            Long("pin-rounds") => o.pin_rounds = p.value()?.parse()?,
            Long("settle") => o.settle = Duration::from_secs(p.value()?.parse()?),
            Long("out") => o.out = Some(p.value()?.into()),
            Long("values") => o.values = Some(p.value()?.into()),
            Long("setns-only") => o.setns_only = true,
            Long("ktap") => o.ktap = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    if o.calls == 0 || o.batches == 0 || o.mem_fds == 0 || o.pin_rounds == 0 || o.pin.contains(&0) {
        return Err("counts must be at least 1".into());
    }
    Ok(o)
}
