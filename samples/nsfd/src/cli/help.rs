//! The --help text, from the tables.

use super::options::{OptSpec, Value, COMMANDS, OPTIONS};

/// `-n, --net[=<file>]`, as --help shows an option.
pub fn option_synopsis(o: &OptSpec) -> String {
    let short = o.short.map(|c| format!("-{c}, ")).unwrap_or("    ".into());
    let value = match o.value {
        Value::None => String::new(),
        Value::Required(v) => format!(" <{v}>"),
        Value::Optional(v) => format!("[=<{v}>]"),
    };
    format!("{short}--{}{value}", o.long)
}

/// The --help text.
pub fn help() -> String {
    let mut s = String::from("\nUsage:\n");
    for c in &COMMANDS {
        s += &format!(" nsfd {} {}\n", c.word, c.args);
    }
    s += "\nName, pin and enter namespaces through nsfd(2) handles.\n\nCommands:\n";
    for c in &COMMANDS {
        s += &format!(" {:<6} {}\n", c.word, c.help);
    }
    s += "\nOptions:\n";
    for o in OPTIONS {
        s += &format!(" {:<28} {}\n", option_synopsis(o), o.help);
    }
    s += "\n\
A NAME is kept under /run/netns (net, shared with 'ip netns') or
/run/nsfd/TYPE (the others); an operand with a '/' is a PATH. A type
option's FILE is a NAME or a PATH; without one it is the target's namespace.

For more details see nsfd(1).\n";
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_option_and_command() {
        let h = help();
        for o in OPTIONS {
            assert!(h.contains(&option_synopsis(o)), "{}", o.long);
        }
        for c in &COMMANDS {
            assert!(h.contains(&format!(" nsfd {} ", c.word)));
        }
    }
}
