//! The command line, util-linux style. One table of options (`options`):
//! the parser, `--help`, and the generated parts of the man page and the
//! bash completion all read it.

#[cfg(test)]
mod generate;
mod help;
mod options;
mod parse;

pub use help::help;
pub use options::Cmd;
pub use parse::{parse, Cli, Parsed, UsageError};
