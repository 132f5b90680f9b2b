//! nsfd: name, pin and enter namespaces through nsfd(2) handles, from a
//! shell, with util-linux's conventions (nsenter's options, lsns's output).

mod cli;
mod error;
mod exec;
mod list;
mod mounts;
mod names;

use cli::{Cli, Cmd, Parsed, UsageError};
use error::{fail, write_out, Failure};
use exec::{own_inode, Creds};
use names::{check_name, is_path, no_such_name, open_operand, open_typed, Pins, RunDir};
use nsfd::{NsHandle, NsType, Pid, Task};
use std::path::Path;
use std::process::exit;

/// A handle to namespace `ty` of `pid` (0: nsfd itself).
fn open_task(pid: libc::pid_t, ty: NsType) -> Result<NsHandle, Failure> {
    NsHandle::open(Task::from(Pid::from_raw(pid)), ty).map_err(|e| {
        fail(
            format!(
                "cannot get a handle to the {} namespace of pid {pid}",
                ty.name()
            ),
            e,
        )
    })
}

/// The namespaces the type options and -a name: `=FILE`, or the target's.
fn handles_of_options(run: &RunDir, cli: &Cli) -> Result<Vec<NsHandle>, Failure> {
    let target = cli.target.unwrap_or(0);
    let mut out = vec![];
    for ta in &cli.types {
        out.push(match &ta.file {
            Some(f) => open_typed(run, ta.ty, f)?,
            None => {
                let ty = match ta.ty.for_children() {
                    Some(c) if cli.for_children => c,
                    _ => ta.ty,
                };
                open_task(target, ty)?
            }
        });
    }
    if cli.all {
        for &t in NsType::all() {
            if cli.types.iter().any(|a| a.ty.own() == t) {
                continue;
            }
            let h = open_task(target, t)?;
            if h.inode().ok() != own_inode(t) {
                out.push(h);
            }
        }
    }
    Ok(out)
}

fn nothing_to(what: &str, cli: &Cli) -> Failure {
    Failure::new(format!(
        "nothing to {what}: every namespace of pid {} is nsfd's own",
        cli.target.unwrap_or(0)
    ))
}

/// `nsfd add`: pin every namespace under NAME (one directory per type), or
/// one at PATH; all or nothing.
fn add(cli: &Cli) -> Result<(), Failure> {
    let run = RunDir::find();
    let handles = handles_of_options(&run, cli)?;
    if handles.is_empty() {
        return Err(nothing_to("add", cli));
    }
    let target = &cli.names[0];
    // The lock first: a failed add is undone (pins dropped) while it is held.
    let _lock = match is_path(target) {
        true => None,
        false => {
            check_name(target)?;
            Some(run.lock()?)
        }
    };
    let mut pins = Pins::default();
    if is_path(target) {
        let [h] = handles.as_slice() else {
            return Err(Failure::new(
                "a PATH pins one namespace; use a NAME for several",
            ));
        };
        pins.pin(h, Path::new(target), false)?;
    } else {
        for h in &handles {
            let dir = names::prepare_type_dir(&run, h.ns_type())?;
            pins.pin(h, &dir.join(target), true)?;
        }
    }
    pins.keep();
    Ok(())
}

/// `nsfd del`: every operand is tried; the last failure is the status.
fn del(cli: &Cli) -> Result<(), Failure> {
    let run = RunDir::find();
    let types: Vec<NsType> = cli.types.iter().map(|t| t.ty).collect();
    let _lock = match cli.names.iter().all(|n| is_path(n)) {
        true => None,
        false => Some(run.lock()?),
    };
    // Every operand, and every type of a name, is tried whatever fails; the
    // last failure is the status, the others are reported.
    let mut results = vec![];
    for arg in &cli.names {
        if is_path(arg) {
            results.push(names::unpin(Path::new(arg), false));
            continue;
        }
        if let Err(f) = check_name(arg) {
            results.push(Err(f));
            continue;
        }
        let found = run.existing(arg, &types);
        if found.is_empty() {
            results.push(Err(no_such_name(arg)));
        }
        results.extend(found.iter().map(|(_, p)| names::unpin(p, true)));
    }
    let mut failed: Option<Failure> = None;
    for f in results.into_iter().filter_map(Result::err) {
        if let Some(prev) = failed.replace(f) {
            eprintln!("nsfd: {}", prev.msg);
        }
    }
    failed.map_or(Ok(()), Err)
}

/// `nsfd exec`: every namespace of the operands and options, then CMD.
fn exec(cli: &Cli) -> Result<(), Failure> {
    let run = RunDir::find();
    let mut handles = vec![];
    for arg in &cli.names {
        handles.extend(open_operand(&run, arg)?);
    }
    handles.extend(handles_of_options(&run, cli)?);
    if handles.is_empty() {
        return Err(nothing_to("enter", cli));
    }
    refuse_two_of_a_type(&handles)?;
    let creds = Creds {
        uid: cli.uid,
        gid: cli.gid,
        preserve: cli.preserve_cred,
    };
    let fork = exec::join(handles, &creds)?;
    Err(exec::run(&cli.command, fork))
}

/// Two different namespaces of one type cannot both be entered: the last
/// would win, silently. The same namespace twice is one.
fn refuse_two_of_a_type(handles: &[NsHandle]) -> Result<(), Failure> {
    for (i, a) in handles.iter().enumerate() {
        for b in &handles[i + 1..] {
            // By inode: nsfs gives every namespace its own; unknown is different.
            let same = matches!((a.inode(), b.inode()), (Ok(x), Ok(y)) if x == y);
            if a.ns_type() == b.ns_type() && !same {
                return Err(Failure::new(format!(
                    "two different {} namespaces to enter: name one of each type",
                    a.ns_type().link_name()
                )));
            }
        }
    }
    Ok(())
}

/// `nsfd show`: one namespace, by operand or by option.
fn show(cli: &Cli) -> Result<(), Failure> {
    let run = RunDir::find();
    let h = match cli.names.first() {
        Some(arg) if is_path(arg) => names::open_path(Path::new(arg))?,
        Some(arg) => {
            check_name(arg)?;
            let types: Vec<NsType> = cli.types.iter().map(|t| t.ty).collect();
            match run.existing(arg, &types).as_slice() {
                [] => return Err(no_such_name(arg)),
                [(_, p)] => names::open_path(p)?,
                several => {
                    let t: Vec<&str> = several.iter().map(|(t, _)| t.name()).collect();
                    return Err(Failure::new(format!(
                        "{} names {} namespaces ({}): choose one with its type option",
                        arg.to_string_lossy(),
                        t.len(),
                        t.join(", ")
                    )));
                }
            }
        }
        None => handles_of_options(&run, cli)?.remove(0),
    };
    list::show(&h, cli.json)
}

fn dispatch(cli: &Cli) -> Result<(), Failure> {
    match cli.cmd {
        Cmd::Add => add(cli),
        Cmd::Del => del(cli),
        Cmd::Exec => exec(cli),
        Cmd::Fd => {
            let run = RunDir::find();
            let h = handles_of_options(&run, cli)?.remove(0);
            Err(exec::run_with_fd(h, cli.fd.unwrap_or(3), &cli.command))
        }
        Cmd::List => list::list(
            &RunDir::find(),
            cli.output.as_deref(),
            cli.json,
            !cli.noheadings,
        ),
        Cmd::Show => show(cli),
    }
}

fn main() {
    match cli::parse(std::env::args_os().skip(1)) {
        Err(UsageError(m)) => {
            eprintln!("nsfd: {m}\nTry 'nsfd --help' for more information.");
            exit(1)
        }
        Ok(parsed) => {
            let r = match parsed {
                Parsed::Help => write_out(&cli::help()),
                Parsed::Version => {
                    write_out(&format!("nsfd from nsfd {}\n", env!("CARGO_PKG_VERSION")))
                }
                Parsed::Run(c) => dispatch(&c),
            };
            if let Err(f) = r {
                eprintln!("nsfd: {}", f.msg);
                exit(f.status)
            }
        }
    }
}
