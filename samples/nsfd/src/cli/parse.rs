//! The parser: the command line into a `Cli`, and the rules between options
//! and operands of each command.

use super::options::{command_word, Cmd, OptId, OptSpec, Value, COMMANDS, OPTIONS};
use lexopt::Arg;
use nsfd::NsType;
use std::ffi::{OsStr, OsString};

/// A namespace type option: the type and its `=FILE` (a name or a path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeArg {
    pub ty: NsType,
    pub file: Option<OsString>,
}

/// The parsed command line of one command.
#[derive(Debug, PartialEq, Eq)]
pub struct Cli {
    pub cmd: Cmd,
    pub target: Option<libc::pid_t>,
    pub types: Vec<TypeArg>,
    pub all: bool,
    pub for_children: bool,
    pub fd: Option<i32>,
    pub json: bool,
    pub output: Option<String>,
    pub noheadings: bool,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub preserve_cred: bool,
    /// Names and paths (before `--` for exec).
    pub names: Vec<OsString>,
    /// The command to run (exec, fd), passed as given.
    pub command: Vec<OsString>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Cli),
    Help,
    Version,
}

/// A usage error: its message (util-linux words).
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

fn usage(msg: impl Into<String>) -> UsageError {
    UsageError(msg.into())
}

impl From<lexopt::Error> for UsageError {
    fn from(e: lexopt::Error) -> Self {
        UsageError(e.to_string())
    }
}

fn number<T: std::str::FromStr>(v: OsString, what: &str) -> Result<T, UsageError> {
    v.to_str().and_then(|s| s.parse().ok()).ok_or_else(|| {
        usage(format!(
            "invalid {what} argument: '{}'",
            v.to_string_lossy()
        ))
    })
}

fn takes_command(cmd: Cmd) -> bool {
    matches!(cmd, Cmd::Exec | Cmd::Fd)
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, UsageError> {
    let mut p = lexopt::Parser::from_args(args);
    let mut cmd: Option<Cmd> = None;
    let mut cli = Cli {
        cmd: Cmd::List,
        target: None,
        types: vec![],
        all: false,
        for_children: false,
        fd: None,
        json: false,
        output: None,
        noheadings: false,
        uid: None,
        gid: None,
        preserve_cred: false,
        names: vec![],
        command: vec![],
    };
    let mut given: Vec<&'static OptSpec> = vec![];
    loop {
        // `--` ends the options; for exec and fd what follows is CMD, verbatim.
        if let Some(mut raw) = p.try_raw_args() {
            if raw.peek() == Some(OsStr::new("--")) {
                raw.next();
                match cmd {
                    Some(c) if takes_command(c) => cli.command = raw.collect(),
                    _ => cli.names.extend(raw),
                }
                break;
            }
        }
        let Some(arg) = p.next()? else { break };
        let spec = match arg {
            Arg::Short(c) => OPTIONS
                .iter()
                .find(|o| o.short == Some(c))
                .ok_or_else(|| usage(format!("invalid option -- '{c}'")))?,
            Arg::Long(l) => OPTIONS
                .iter()
                .find(|o| o.long == l)
                .ok_or_else(|| usage(format!("unrecognized option '--{l}'")))?,
            Arg::Value(v) => {
                let Some(c) = cmd else {
                    cmd = Some(command_by_word(&v)?);
                    continue;
                };
                // Without a later `--`, the first operand of exec and fd is CMD.
                let names_follow = c == Cmd::Exec
                    && p.try_raw_args()
                        .is_some_and(|r| r.as_slice().iter().any(|a| a == "--"));
                if takes_command(c) && !names_follow {
                    cli.command.push(v);
                    cli.command.extend(p.raw_args()?);
                    break;
                }
                cli.names.push(v);
                continue;
            }
        };
        let value = match spec.value {
            Value::None => None,
            Value::Required(_) => Some(p.value()?),
            Value::Optional(_) => p.optional_value(),
        };
        given.push(spec);
        match spec.id {
            OptId::Help => return Ok(Parsed::Help),
            OptId::Version => return Ok(Parsed::Version),
            OptId::Target => cli.target = Some(number(value.unwrap(), "PID")?),
            OptId::Type(ty) => cli.types.push(TypeArg { ty, file: value }),
            OptId::All => cli.all = true,
            OptId::ForChildren => cli.for_children = true,
            OptId::Fd => {
                // A descriptor number: 0 to INT_MAX (-1 is no descriptor).
                let v = value.unwrap();
                let n: u32 = number(v.clone(), "descriptor")?;
                cli.fd = Some(i32::try_from(n).map_err(|_| {
                    usage(format!(
                        "invalid descriptor argument: '{}'",
                        v.to_string_lossy()
                    ))
                })?)
            }
            OptId::Json => cli.json = true,
            OptId::Output => {
                cli.output = Some(value.unwrap().into_string().map_err(|v| {
                    usage(format!("invalid column list: '{}'", v.to_string_lossy()))
                })?)
            }
            OptId::NoHeadings => cli.noheadings = true,
            OptId::SetUid => cli.uid = Some(number(value.unwrap(), "uid")?),
            OptId::SetGid => cli.gid = Some(number(value.unwrap(), "gid")?),
            OptId::PreserveCred => cli.preserve_cred = true,
        }
    }
    let Some(c) = cmd else {
        return Err(usage("no command specified"));
    };
    cli.cmd = c;
    let word = command_word(c);
    if let Some(o) = given.iter().find(|o| !o.cmds.contains(&c)) {
        return Err(usage(format!("'{word}' does not take --{}", o.long)));
    }
    check(&cli, word)?;
    Ok(Parsed::Run(cli))
}

/// The rules between options and operands of each command.
fn check(cli: &Cli, word: &str) -> Result<(), UsageError> {
    let no_type = cli.types.is_empty() && !cli.all;
    match cli.cmd {
        Cmd::Add => {
            if cli.names.len() != 1 {
                return Err(usage("add takes one NAME or PATH"));
            }
            if no_type {
                return Err(usage(
                    "no namespace type given (-m, -u, -i, -n, -p, -U, -C, -T or -a)",
                ));
            }
        }
        Cmd::Del => {
            if cli.names.is_empty() {
                return Err(usage("del takes NAME or PATH"));
            }
            if cli.types.iter().any(|t| t.file.is_some()) {
                return Err(usage("del takes namespace types without =FILE"));
            }
        }
        Cmd::Exec => {
            if no_type && cli.names.is_empty() {
                // Without "--" the first operand is the command, as for nsenter.
                return Err(usage(match cli.command.first() {
                    Some(first) if cli.command.len() > 1 => format!(
                        "nothing to enter: give NAME, PATH or a namespace type \
                         (for the namespaces named {0}: nsfd exec {0} -- COMMAND)",
                        first.to_string_lossy()
                    ),
                    _ => "nothing to enter: give NAME, PATH or a namespace type".into(),
                }));
            }
            if cli.command.is_empty() {
                return Err(usage("exec needs a command"));
            }
        }
        Cmd::Fd => {
            if cli.types.len() != 1 {
                return Err(usage("fd takes exactly one namespace type"));
            }
            if cli.command.is_empty() {
                return Err(usage("fd needs a command"));
            }
        }
        Cmd::List => {
            if !cli.names.is_empty() {
                return Err(usage("list takes no operands"));
            }
        }
        Cmd::Show => {
            let sources = cli.names.len() + cli.types.iter().filter(|t| t.file.is_some()).count();
            let task_types = cli.types.iter().filter(|t| t.file.is_none()).count();
            if cli.names.len() > 1
                || (cli.names.len() == 1 && cli.types.iter().any(|t| t.file.is_some()))
                || (sources == 0 && task_types != 1)
                || (cli.names.is_empty() && cli.types.len() != 1)
            {
                return Err(usage("show takes one NAME or PATH, or one namespace type"));
            }
        }
    }
    let task_type = cli.all || cli.types.iter().any(|t| t.file.is_none());
    if cli.target.is_some() && !task_type {
        return Err(usage(format!(
            "{word}: --target needs a namespace type without =FILE"
        )));
    }
    if cli.for_children && !cli.types.iter().any(|t| t.ty.for_children().is_some()) {
        return Err(usage("--for-children goes with -p or -T"));
    }
    if cli.target.is_some_and(|t| t < 0) {
        return Err(usage("invalid PID argument"));
    }
    Ok(())
}

fn command_by_word(w: &OsStr) -> Result<Cmd, UsageError> {
    COMMANDS
        .iter()
        .find(|c| w == c.word)
        .map(|c| c.cmd)
        .ok_or_else(|| usage(format!("unknown command '{}'", w.to_string_lossy())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Parsed, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    fn run(args: &[&str]) -> Cli {
        match p(args) {
            Ok(Parsed::Run(c)) => c,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn short_long_and_attached_values() {
        let c = run(&[
            "add",
            "-t",
            "42",
            "-n",
            "--uts=/proc/1/ns/uts",
            "-i/x",
            "blue",
        ]);
        assert_eq!(c.cmd, Cmd::Add);
        assert_eq!(c.target, Some(42));
        assert_eq!(
            c.types,
            vec![
                TypeArg {
                    ty: NsType::Net,
                    file: None
                },
                TypeArg {
                    ty: NsType::Uts,
                    file: Some("/proc/1/ns/uts".into())
                },
                TypeArg {
                    ty: NsType::Ipc,
                    file: Some("/x".into())
                },
            ]
        );
        assert_eq!(c.names, os(&["blue"]));
        // As nsenter's getopt: an optional value is attached, so -un is --uts=n.
        assert_eq!(
            run(&["add", "-un", "x"]).types,
            vec![TypeArg {
                ty: NsType::Uts,
                file: Some("n".into())
            }]
        );
        assert_eq!(run(&["add", "-t7", "-a", "x"]).target, Some(7));
    }

    #[test]
    fn help_and_version_anywhere() {
        assert_eq!(p(&["--help"]), Ok(Parsed::Help));
        assert_eq!(p(&["add", "-n", "-h"]), Ok(Parsed::Help));
        assert_eq!(p(&["list", "-V"]), Ok(Parsed::Version));
        assert_eq!(p(&["-V", "bogus"]), Ok(Parsed::Version));
        // After the command starts, -h is the command's.
        assert_eq!(
            run(&["exec", "-n", "blue", "--", "ls", "-h"]).command,
            os(&["ls", "-h"])
        );
    }

    #[test]
    fn exec_names_before_dashdash_and_command_verbatim() {
        let c = run(&[
            "exec",
            "blue",
            "/run/nsfd/uts/red",
            "--",
            "ip",
            "-n",
            "x",
            "--",
            "y",
        ]);
        assert_eq!(c.names, os(&["blue", "/run/nsfd/uts/red"]));
        assert_eq!(c.command, os(&["ip", "-n", "x", "--", "y"]));
        // Without --, the first operand is the command, nsenter style.
        let c = run(&["exec", "-t", "1", "-n", "ip", "-br", "link"]);
        assert!(c.names.is_empty());
        assert_eq!(c.command, os(&["ip", "-br", "link"]));
        let c = run(&["exec", "--net=blue", "--", "true"]);
        assert_eq!(c.command, os(&["true"]));
    }

    #[test]
    fn non_utf8_operands_pass_through() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![b'n', 0xff]);
        let c = match parse(vec!["add".into(), "-u".into(), bad.clone()]) {
            Ok(Parsed::Run(c)) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(c.names, vec![bad.clone()]);
        let c = match parse(vec!["exec".into(), "-u".into(), "--".into(), bad.clone()]) {
            Ok(Parsed::Run(c)) => c,
            other => panic!("{other:?}"),
        };
        assert_eq!(c.command, vec![bad]);
    }

    #[test]
    fn usage_errors_in_util_linux_words() {
        let e = |a: &[&str]| match p(a) {
            Err(UsageError(m)) => m,
            other => panic!("{a:?}: {other:?}"),
        };
        assert_eq!(e(&["add", "--bogus", "x"]), "unrecognized option '--bogus'");
        assert_eq!(e(&["add", "-x", "x"]), "invalid option -- 'x'");
        assert_eq!(e(&["frob"]), "unknown command 'frob'");
        assert_eq!(e(&[]), "no command specified");
        assert_eq!(
            e(&["add", "-t", "abc", "-n", "x"]),
            "invalid PID argument: 'abc'"
        );
        assert!(e(&["add", "x"]).starts_with("no namespace type given"));
        assert_eq!(e(&["list", "-n"]), "'list' does not take --net");
        assert_eq!(e(&["add", "-J", "-n", "x"]), "'add' does not take --json");
        assert!(e(&["exec", "-n"]).contains("command"));
        assert_eq!(
            e(&["exec", "blue", "ip", "link"]),
            "nothing to enter: give NAME, PATH or a namespace type \
             (for the namespaces named blue: nsfd exec blue -- COMMAND)"
        );
        assert!(e(&["show", "-n", "-u"]).starts_with("show takes"));
        assert!(e(&["add", "--for-children", "-n", "x"]).contains("-p or -T"));
        assert!(e(&["del", "--net=x", "y"]).contains("=FILE"));
        assert_eq!(
            e(&["fd", "--fd", "-1", "-n", "--", "true"]),
            "invalid descriptor argument: '-1'"
        );
        assert_eq!(
            e(&["fd", "--fd=2147483648", "-n", "--", "true"]),
            "invalid descriptor argument: '2147483648'"
        );
    }

    #[test]
    fn list_options() {
        let c = run(&["list", "-J", "-o", "NAME,TYPE", "--noheadings"]);
        assert!(c.json && c.noheadings);
        assert_eq!(c.output.as_deref(), Some("NAME,TYPE"));
    }
}
