//! nsfd(1)'s COMMANDS and OPTIONS sections (between its GENERATED markers)
//! and the whole bash completion, rendered from the tables of `options`.
//! The test below fails when a committed file differs from its rendering;
//! after changing a table, regenerate both files with
//!
//!     NSFD_REGENERATE=1 cargo test -p nsfd-tool generated

use super::options::{Cmd, OptId, OptSpec, Value, COMMANDS, OPTIONS, TYPE_OPTIONS_MAN};
use crate::list::COLUMNS;

const REGENERATE: &str = "NSFD_REGENERATE=1 cargo test -p nsfd-tool generated";
const MAN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../Documentation/man/nsfd.1"
);
const COMPLETION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/nsfd.bash-completion");

/// A table's roff text as lines of the page, without the indentation that
/// keeps it readable in the table.
fn roff(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| format!("{}\n", l.trim_start()))
        .collect()
}

/// `\fB\-n\fR, \fB\-\-net\fR[=\fIfile\fR]`: an option as the OPTIONS list of
/// a man page writes it.
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

fn man_commands() -> String {
    COMMANDS
        .iter()
        .map(|c| format!(".TP\n.B {}\n{}", c.word, roff(c.man)))
        .collect()
}

fn man_options() -> String {
    let last_type = OPTIONS.iter().rposition(|o| matches!(o.id, OptId::Type(_)));
    let mut s = String::new();
    for (i, o) in OPTIONS.iter().enumerate() {
        s += &format!(".TP\n{}\n{}", man_synopsis(o), roff(o.man));
        if Some(i) == last_type {
            s += &format!(".IP\n{}", roff(TYPE_OPTIONS_MAN));
        }
    }
    s
}

/// `page` with the lines between its markers for `name` replaced by `body`.
fn splice(page: &str, name: &str, body: &str) -> String {
    let begin = format!(".\\\" BEGIN GENERATED {name}");
    let end = format!(".\\\" END GENERATED {name}");
    let (mut out, mut inside, mut found) = (String::new(), false, 0);
    for line in page.lines() {
        if line.starts_with(&end) {
            assert!(inside, "{end} without {begin} before it");
            inside = false;
            found += 1;
        }
        if !inside {
            out += line;
            out += "\n";
        }
        if line.starts_with(&begin) {
            out += body;
            inside = true;
        }
    }
    assert!(
        found == 1 && !inside,
        "nsfd.1 needs one line {begin} and one {end}"
    );
    out
}

fn man_page(committed: &str) -> String {
    let page = splice(committed, "COMMANDS", &man_commands());
    splice(&page, "OPTIONS", &man_options())
}

/// How the completion completes a value, by the value's name.
fn complete_value(v: &str) -> String {
    match v {
        "pid" => r#"COMPREPLY=($(compgen -W "$(cd /proc && echo [0-9]*)" -- "$cur"))"#.into(),
        "uid" | "gid" | "num" => {
            r#"COMPREPLY=($(compgen -W "0 1 2 3 4 5 6 7 8 9" -- "$cur"))"#.into()
        }
        // A column list: the word after the last comma.
        "list" => format!(
            r#"local prefix=${{cur%"${{cur##*,}}"}}
        COMPREPLY=($(compgen -P "$prefix" -W "{}" -- "${{cur##*,}}"))
        compopt -o nospace"#,
            COLUMNS.map(|c| c.0).join(" ")
        ),
        _ => panic!("the completion cannot complete <{v}>: teach complete_value"),
    }
}

/// The `case $prev` arms: one per way of completing a value, in table order.
fn value_arms() -> String {
    let mut arms: Vec<(String, Vec<String>)> = vec![];
    for o in OPTIONS {
        let Value::Required(v) = o.value else {
            continue;
        };
        let how = complete_value(v);
        let names = o
            .short
            .map(|c| format!("-{c}"))
            .into_iter()
            .chain([format!("--{}", o.long)]);
        match arms.iter_mut().find(|a| a.0 == how) {
            Some(a) => a.1.extend(names),
            None => arms.push((how, names.collect())),
        }
    }
    arms.iter()
        .map(|(how, names)| {
            format!(
                "    {})\n        {how}\n        return\n        ;;\n",
                names.join(" | ")
            )
        })
        .collect()
}

/// Taken by every command (--help, --version): offered everywhere.
fn global(o: &OptSpec) -> bool {
    COMMANDS.iter().all(|c| o.cmds.contains(&c.cmd))
}

/// A command's options, the type options as `$type_opts`.
fn command_options(cmd: Cmd) -> String {
    let mut words: Vec<String> = vec![];
    for o in OPTIONS
        .iter()
        .filter(|o| o.cmds.contains(&cmd) && !global(o))
    {
        let w = match o.id {
            OptId::Type(_) => "$type_opts".to_string(),
            _ => format!("--{}", o.long),
        };
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.join(" ")
}

const COMPLETION_TEMPLATE: &str = r#"# bash completion for nsfd(1)                             -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0
# Install as /usr/share/bash-completion/completions/nsfd. Generated from the
# tables of samples/nsfd/src/cli/options.rs: edit those, then regenerate with
#     @REGENERATE@

_nsfd_names()
{
    local run=${NSFD_RUNDIR:-/run}
    [ -z "$NSFD_RUNDIR" ] && [ ! -w /run ] && [ -n "$XDG_RUNTIME_DIR" ] && run=$XDG_RUNTIME_DIR
    {
        ls -1 "$run/netns" 2>/dev/null
        ls -1 "$run"/nsfd/*/ 2>/dev/null | grep -v -e '^$' -e ':$'
    } | sort -u
}

_nsfd()
{
    local cur prev words cword cmd i
    _init_completion -n = || return
    local commands='@COMMANDS@'
    local type_opts='@TYPE_OPTS@'

    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --) [ -n "$cmd" ] && { _command_offset $((i + 1)); return; } ;;
        -*) ;;
        *) [ -z "$cmd" ] && cmd=${words[i]} ;;
        esac
    done

    case $prev in
@VALUE_ARMS@    esac

    case $cur in
    --*=*)
        COMPREPLY=($(compgen -W "$(_nsfd_names)" -- "${cur#*=}"))
        _filedir
        return
        ;;
    esac

    local opts
    case $cmd in
    '') COMPREPLY=($(compgen -W "$commands @GLOBAL_OPTS@" -- "$cur")); return ;;
@COMMAND_OPTS@    esac
    opts="$opts @GLOBAL_OPTS@"
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $cmd in
    @NAME_COMMANDS@)
        COMPREPLY=($(compgen -W "$(_nsfd_names)" -- "$cur"))
        _filedir
        ;;
    esac
}
complete -F _nsfd nsfd
"#;

/// The bash completion file.
fn completion() -> String {
    let words = |it: &mut dyn Iterator<Item = String>| it.collect::<Vec<_>>().join(" ");
    let commands = words(&mut COMMANDS.iter().map(|c| c.word.to_string()));
    let type_opts = words(
        &mut OPTIONS
            .iter()
            .filter(|o| matches!(o.id, OptId::Type(_)))
            .map(|o| format!("--{}", o.long)),
    );
    let global_opts = words(
        &mut OPTIONS
            .iter()
            .filter(|o| global(o))
            .map(|o| format!("--{}", o.long)),
    );
    let command_opts: String = COMMANDS
        .iter()
        .map(|c| format!("    {}) opts=\"{}\" ;;\n", c.word, command_options(c.cmd)))
        .collect();
    // The commands that take names as operands complete them.
    let name_commands: Vec<&str> = COMMANDS
        .iter()
        .filter(|c| c.args.contains("NAME"))
        .map(|c| c.word)
        .collect();
    let text = COMPLETION_TEMPLATE
        .replace("@REGENERATE@", REGENERATE)
        .replace("@COMMANDS@", &commands)
        .replace("@TYPE_OPTS@", &type_opts)
        .replace("@VALUE_ARMS@", &value_arms())
        .replace("@GLOBAL_OPTS@", &global_opts)
        .replace("@COMMAND_OPTS@", &command_opts)
        .replace("@NAME_COMMANDS@", &name_commands.join(" | "));
    // Written with spaces here, the file indents with tabs.
    text.lines()
        .map(|l| {
            let body = l.trim_start_matches(' ');
            let indent = (l.len() - body.len()) / 4;
            format!("{}{body}\n", "\t".repeat(indent))
        })
        .collect()
}

/// Fails if the file at `path` is not `render` of it; with NSFD_REGENERATE
/// set, writes it instead.
fn check_or_write(path: &str, render: impl Fn(&str) -> String) {
    let committed =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let want = render(&committed);
    if std::env::var_os("NSFD_REGENERATE").is_some() {
        if want != committed {
            std::fs::write(path, &want).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        }
        return;
    }
    if let Some((n, (got, want))) = committed
        .lines()
        .chain([""])
        .zip(want.lines().chain([""]))
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        panic!(
            "{path} is not what the tables of samples/nsfd/src/cli/options.rs \
             generate; from line {}:\n  committed: {got}\n  generated: {want}\n\
             Regenerate it with: {REGENERATE}",
            n + 1
        );
    }
    assert_eq!(committed, want, "{path}: regenerate it with: {REGENERATE}");
}

#[test]
fn generated_man_page_sections_are_current() {
    check_or_write(MAN, man_page);
}

#[test]
fn generated_bash_completion_is_current() {
    check_or_write(COMPLETION, |_| completion());
}

/// SYNOPSIS is written by hand: it has to name every command.
#[test]
fn man_page_synopsis_has_every_command() {
    let man = std::fs::read_to_string(MAN).unwrap();
    let synopsis: Vec<&str> = man
        .lines()
        .skip_while(|l| *l != ".SH SYNOPSIS")
        .skip(1)
        .take_while(|l| !l.starts_with(".SH "))
        .collect();
    for c in &COMMANDS {
        assert!(
            synopsis
                .iter()
                .any(|l| l.starts_with(&format!("\\fBnsfd {}\\fR", c.word))),
            "SYNOPSIS lacks {}",
            c.word
        );
    }
}
