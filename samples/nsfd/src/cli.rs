//! The command line, util-linux style. One table of options: the parser,
//! `--help`, and the checks of the man page and the bash completion all read it.

use lexopt::Arg;
use nsfd::NsType;
use std::ffi::{OsStr, OsString};

/// The commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Add,
    Del,
    Exec,
    Fd,
    List,
    Show,
}

/// Every command, with its word and its one-line summary (for --help).
pub const COMMANDS: [(Cmd, &str, &str, &str); 6] = [
    (
        Cmd::Add,
        "add",
        "[options] NAME|PATH",
        "pin namespaces under a name (or at PATH)",
    ),
    (
        Cmd::Del,
        "del",
        "[options] NAME|PATH...",
        "unpin: unmount (MNT_DETACH) and remove the file",
    ),
    (
        Cmd::Exec,
        "exec",
        "[options] [NAME|PATH... --] CMD [ARG...]",
        "enter namespaces, then run CMD",
    ),
    (
        Cmd::Fd,
        "fd",
        "[options] [--] CMD [ARG...]",
        "run CMD with a handle as an inherited descriptor",
    ),
    (Cmd::List, "list", "[options]", "list pinned namespaces"),
    (
        Cmd::Show,
        "show",
        "[options] [NAME|PATH]",
        "show one namespace's type, inode, id and owner",
    ),
];

const ALL_CMDS: &[Cmd] = &[Cmd::Add, Cmd::Del, Cmd::Exec, Cmd::Fd, Cmd::List, Cmd::Show];
const TYPE_CMDS: &[Cmd] = &[Cmd::Add, Cmd::Del, Cmd::Exec, Cmd::Fd, Cmd::Show];
const TASK_CMDS: &[Cmd] = &[Cmd::Add, Cmd::Exec, Cmd::Fd, Cmd::Show];

/// What an option is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptId {
    Target,
    /// A namespace type option (-m, -u, ...), optionally `=FILE`.
    Type(NsType),
    All,
    ForChildren,
    Fd,
    Json,
    Output,
    NoHeadings,
    SetUid,
    SetGid,
    PreserveCred,
    Help,
    Version,
}

/// Whether an option takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    None,
    Required(&'static str),
    Optional(&'static str),
}

/// One option of the table.
pub struct OptSpec {
    pub id: OptId,
    pub short: Option<char>,
    pub long: &'static str,
    pub value: Value,
    /// The commands that take it.
    pub cmds: &'static [Cmd],
    pub help: &'static str,
}

const fn o(
    id: OptId,
    short: Option<char>,
    long: &'static str,
    value: Value,
    cmds: &'static [Cmd],
    help: &'static str,
) -> OptSpec {
    OptSpec {
        id,
        short,
        long,
        value,
        cmds,
        help,
    }
}

const FILE: Value = Value::Optional("file");

/// The options, in --help order. The type options are nsenter's letters.
pub const OPTIONS: &[OptSpec] = &[
    o(
        OptId::Target,
        Some('t'),
        "target",
        Value::Required("pid"),
        TASK_CMDS,
        "the task whose namespaces to use (default: nsfd itself)",
    ),
    o(
        OptId::Type(NsType::MNT),
        Some('m'),
        "mount",
        FILE,
        TYPE_CMDS,
        "the mount namespace",
    ),
    o(
        OptId::Type(NsType::UTS),
        Some('u'),
        "uts",
        FILE,
        TYPE_CMDS,
        "the UTS namespace (hostname etc)",
    ),
    o(
        OptId::Type(NsType::IPC),
        Some('i'),
        "ipc",
        FILE,
        TYPE_CMDS,
        "the System V IPC namespace",
    ),
    o(
        OptId::Type(NsType::NET),
        Some('n'),
        "net",
        FILE,
        TYPE_CMDS,
        "the network namespace",
    ),
    o(
        OptId::Type(NsType::PID),
        Some('p'),
        "pid",
        FILE,
        TYPE_CMDS,
        "the PID namespace",
    ),
    o(
        OptId::Type(NsType::USER),
        Some('U'),
        "user",
        FILE,
        TYPE_CMDS,
        "the user namespace",
    ),
    o(
        OptId::Type(NsType::CGROUP),
        Some('C'),
        "cgroup",
        FILE,
        TYPE_CMDS,
        "the cgroup namespace",
    ),
    o(
        OptId::Type(NsType::TIME),
        Some('T'),
        "time",
        FILE,
        TYPE_CMDS,
        "the time namespace",
    ),
    o(
        OptId::All,
        Some('a'),
        "all",
        Value::None,
        &[Cmd::Add, Cmd::Exec],
        "every namespace of the target that is not nsfd's own",
    ),
    o(
        OptId::ForChildren,
        None,
        "for-children",
        Value::None,
        TASK_CMDS,
        "with -p, -T: the namespace the target's children are made in",
    ),
    o(
        OptId::Fd,
        None,
        "fd",
        Value::Required("num"),
        &[Cmd::Fd],
        "the descriptor number CMD gets (default 3)",
    ),
    o(
        OptId::Json,
        Some('J'),
        "json",
        Value::None,
        &[Cmd::List, Cmd::Show],
        "use JSON output format",
    ),
    o(
        OptId::Output,
        Some('o'),
        "output",
        Value::Required("list"),
        &[Cmd::List],
        "the columns to print (+list: add to the default)",
    ),
    o(
        OptId::NoHeadings,
        None,
        "noheadings",
        Value::None,
        &[Cmd::List],
        "don't print headings",
    ),
    o(
        OptId::SetUid,
        Some('S'),
        "setuid",
        Value::Required("uid"),
        &[Cmd::Exec],
        "set uid in the entered namespaces",
    ),
    o(
        OptId::SetGid,
        Some('G'),
        "setgid",
        Value::Required("gid"),
        &[Cmd::Exec],
        "set gid in the entered namespaces",
    ),
    o(
        OptId::PreserveCred,
        None,
        "preserve-credentials",
        Value::None,
        &[Cmd::Exec],
        "do not touch uids or gids",
    ),
    o(
        OptId::Help,
        Some('h'),
        "help",
        Value::None,
        ALL_CMDS,
        "display this help",
    ),
    o(
        OptId::Version,
        Some('V'),
        "version",
        Value::None,
        ALL_CMDS,
        "display version",
    ),
];

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
        .find(|c| w == c.1)
        .map(|c| c.0)
        .ok_or_else(|| usage(format!("unknown command '{}'", w.to_string_lossy())))
}

pub fn command_word(c: Cmd) -> &'static str {
    COMMANDS.iter().find(|x| x.0 == c).unwrap().1
}

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
    for (_, word, args, _) in COMMANDS {
        s += &format!(" nsfd {word} {args}\n");
    }
    s += "\nName, pin and enter namespaces through nsfd(2) handles.\n\nCommands:\n";
    for (_, word, _, summary) in COMMANDS {
        s += &format!(" {word:<6} {summary}\n");
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
                    ty: NsType::NET,
                    file: None
                },
                TypeArg {
                    ty: NsType::UTS,
                    file: Some("/proc/1/ns/uts".into())
                },
                TypeArg {
                    ty: NsType::IPC,
                    file: Some("/x".into())
                },
            ]
        );
        assert_eq!(c.names, os(&["blue"]));
        // As nsenter's getopt: an optional value is attached, so -un is --uts=n.
        assert_eq!(
            run(&["add", "-un", "x"]).types,
            vec![TypeArg {
                ty: NsType::UTS,
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

    #[test]
    fn help_lists_every_option_and_command() {
        let h = help();
        for o in OPTIONS {
            assert!(h.contains(&option_synopsis(o)), "{}", o.long);
        }
        for (_, w, _, _) in COMMANDS {
            assert!(h.contains(&format!(" nsfd {w} ")));
        }
    }

    /// An option as the man page's OPTIONS list writes it.
    fn man_synopsis(o: &OptSpec) -> String {
        let short = o
            .short
            .map(|c| format!("\\fB\\-{c}\\fR, "))
            .unwrap_or_default();
        let value = match o.value {
            Value::None => String::new(),
            Value::Required(v) => format!(" \\fI{v}\\fR"),
            Value::Optional(v) => format!("[=\\fI{v}\\fR]"),
        };
        format!("{short}\\fB\\-\\-{}\\fR{value}", o.long.replace('-', "\\-"))
    }

    fn man_section<'a>(man: &'a str, name: &str) -> Vec<&'a str> {
        man.lines()
            .skip_while(|l| *l != format!(".SH {name}"))
            .skip(1)
            .take_while(|l| !l.starts_with(".SH "))
            .collect()
    }

    /// The lines after each `.TP` of a section: the terms it defines.
    fn terms<'a>(lines: &[&'a str]) -> Vec<&'a str> {
        lines
            .windows(2)
            .filter(|w| w[0] == ".TP")
            .map(|w| w[1])
            .collect()
    }

    const MAN: &str = include_str!("../../../Documentation/man/nsfd.1");
    const COMPLETION: &str = include_str!("../nsfd.bash-completion");

    #[test]
    fn man_page_options_are_the_table() {
        let documented = terms(&man_section(MAN, "OPTIONS"));
        let table: Vec<String> = OPTIONS.iter().map(man_synopsis).collect();
        assert_eq!(documented, table);
    }

    #[test]
    fn man_page_commands_are_the_commands() {
        let documented = terms(&man_section(MAN, "COMMANDS"));
        let table: Vec<String> = COMMANDS.iter().map(|c| format!(".B {}", c.1)).collect();
        assert_eq!(documented, table);
        for (_, w, _, _) in COMMANDS {
            assert!(
                man_section(MAN, "SYNOPSIS")
                    .iter()
                    .any(|l| l.starts_with(&format!("\\fBnsfd {w}\\fR"))),
                "SYNOPSIS lacks {w}"
            );
        }
    }

    #[test]
    fn bash_completion_options_are_the_table() {
        let var = |name: &str| -> Vec<String> {
            let line = COMPLETION
                .lines()
                .find_map(|l| l.trim().strip_prefix(&format!("local {name}='")))
                .unwrap_or_else(|| panic!("no {name} in the completion"));
            line.trim_end_matches('\'')
                .split(' ')
                .map(String::from)
                .collect()
        };
        let commands: Vec<String> = COMMANDS.iter().map(|c| c.1.to_string()).collect();
        assert_eq!(var("commands"), commands);
        let type_opts = var("type_opts");
        for (cmd, word, _, _) in COMMANDS {
            let line = COMPLETION
                .lines()
                .find_map(|l| l.trim().strip_prefix(&format!("{word}) opts=\"")))
                .unwrap_or_else(|| panic!("no options for {word} in the completion"));
            let mut got: Vec<String> = line
                .split(['"', ' '])
                .take_while(|w| !w.starts_with(';'))
                .filter(|w| !w.is_empty())
                .flat_map(|w| match w {
                    "$type_opts" => type_opts.clone(),
                    w => vec![w.to_string()],
                })
                .chain(["--help".to_string(), "--version".to_string()])
                .collect();
            let mut want: Vec<String> = OPTIONS
                .iter()
                .filter(|o| o.cmds.contains(&cmd))
                .map(|o| format!("--{}", o.long))
                .collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{word}");
        }
    }
}
