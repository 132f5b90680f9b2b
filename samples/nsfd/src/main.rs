//! nsfd: take, hold, show and enter namespace handles from a shell.

use nsfd::{errno_name, errno_of, ioctl, NsType};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::process::exit;

const USAGE: &str = "\
Usage:
  nsfd hold --pid PID --type TYPE PATH
  nsfd exec [--pid PID --type TYPE]... [--path PATH]... -- CMD [ARG...]
  nsfd fd --pid PID --type TYPE [--fd N] -- CMD [ARG...]
  nsfd show PATH | --fd N
  nsfd release PATH
  nsfd --help

Namespace handles from nsfd(2): a file descriptor that names one namespace
of a task and keeps it alive for as long as it, a reopened copy or a bind
mount of it exists.

Commands:
  hold     Take a handle to a namespace of PID and bind-mount it at PATH
           (creating an empty file there if needed). The namespace then
           outlives every process in it. Undo with 'nsfd release PATH'.
  exec     Join namespaces, then run CMD. Each --pid/--type pair names one
           namespace through a new handle; each --path opens a held handle,
           a bind mount or a /proc/PID/ns file. A user namespace is joined
           first, the others in the order given. When a pid namespace is
           joined CMD runs as a child, so that it is in it; nsfd then exits
           with CMD's status.
  fd       Run CMD with a handle as inherited descriptor N (default 3), so
           that a shell can do 'mount --bind /proc/self/fd/N PATH' itself.
  show     Print a handle's type, inode number, 64-bit id, owning user
           namespace (inode number) and owner uid (of the user namespace
           itself or of its owner).
  release  Unmount a handle held at PATH, and remove the file if 'hold'
           created it.

Options:
  --pid PID    A task in the caller's pid namespace; 0 is nsfd itself.
  --type TYPE  mnt, uts, ipc, net, pid, user, cgroup, time, or
               pid_for_children, time_for_children ('mount' and 'network'
               are accepted too).
  --path PATH  A file naming a namespace (exec only).
  --fd N       A descriptor number.

Exit status:
  0  success
  1  an operation failed; the message names the system call and errno
  2  usage error
";

/// A failed operation: exit status 1, message names the call and errno.
struct Failure(String);

fn sys_fail(call: String, e: io::Error) -> Failure {
    let errno = errno_of(&e);
    Failure(format!("{call}: {} ({e})", errno_name(errno)))
}

fn usage_error(msg: &str) -> ! {
    eprintln!("nsfd: {msg}\nTry 'nsfd --help'.");
    exit(2)
}

/// One namespace to name: by task and type, or by path.
enum Source {
    Task(libc::pid_t, NsType),
    Path(String),
}

struct Args {
    sources: Vec<Source>,
    fd: Option<i32>,
    rest: Vec<String>,
}

fn parse(args: &[String], allow_path_opt: bool) -> Args {
    let mut out = Args {
        sources: vec![],
        fd: None,
        rest: vec![],
    };
    let mut pid: Option<libc::pid_t> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let val = || {
            args.get(i + 1)
                .cloned()
                .unwrap_or_else(|| usage_error(&format!("{a} needs a value")))
        };
        match a {
            "--pid" => {
                let v = val();
                pid = Some(
                    v.parse()
                        .unwrap_or_else(|_| usage_error(&format!("bad pid {v:?}"))),
                );
                i += 2;
            }
            "--type" => {
                let v = val();
                let t = NsType::by_name(&v)
                    .unwrap_or_else(|| usage_error(&format!("unknown namespace type {v:?}")));
                let p = pid
                    .take()
                    .unwrap_or_else(|| usage_error("--type needs a --pid before it"));
                out.sources.push(Source::Task(p, t));
                i += 2;
            }
            "--path" if allow_path_opt => {
                out.sources.push(Source::Path(val()));
                i += 2;
            }
            "--fd" => {
                let v = val();
                out.fd = Some(
                    v.parse()
                        .ok()
                        .filter(|n: &i32| *n >= 0)
                        .unwrap_or_else(|| usage_error(&format!("bad fd {v:?}"))),
                );
                i += 2;
            }
            "--" => {
                out.rest = args[i + 1..].to_vec();
                break;
            }
            _ if a.starts_with("--") => usage_error(&format!("unknown option {a}")),
            _ => {
                out.rest.push(a.to_string());
                i += 1;
            }
        }
    }
    if pid.is_some() {
        usage_error("--pid needs a --type after it");
    }
    out
}

fn open_source(s: &Source) -> Result<OwnedFd, Failure> {
    match s {
        Source::Task(pid, t) => nsfd::nsfd(*pid, t.nstype())
            .map_err(|e| sys_fail(format!("nsfd(pid={pid}, type={})", t.name), e)),
        Source::Path(p) => nsfd::open_ro(p).map_err(|e| sys_fail(format!("open({p})"), e)),
    }
}

fn one_task_source(a: &Args, cmd: &str) -> (libc::pid_t, NsType) {
    match a.sources.as_slice() {
        [Source::Task(p, t)] => (*p, *t),
        _ => usage_error(&format!("{cmd} needs exactly one --pid PID --type TYPE")),
    }
}

/// Marks of files that 'hold' created, so that 'release' removes only those.
fn created_mark(path: &str) -> String {
    let abs = std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or(path.to_string());
    format!("/run/nsfd/created{}", abs.replace('/', "%"))
}

fn hold(args: &[String]) -> Result<(), Failure> {
    let a = parse(args, false);
    let (pid, t) = one_task_source(&a, "hold");
    let [path] = a.rest.as_slice() else {
        usage_error("hold needs one PATH")
    };
    let h = open_source(&Source::Task(pid, t))?;
    let created = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(_) => true,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
        Err(e) => return Err(sys_fail(format!("open({path}, O_CREAT|O_EXCL)"), e)),
    };
    let src = format!("/proc/self/fd/{}", h.as_raw_fd());
    if let Err(e) = nsfd::mount_bind(&src, path) {
        if created {
            let _ = std::fs::remove_file(path);
        }
        return Err(sys_fail(format!("mount({src}, {path}, MS_BIND)"), e));
    }
    if created {
        let mark = created_mark(path);
        let _ = std::fs::create_dir_all("/run/nsfd");
        std::fs::write(&mark, path).map_err(|e| sys_fail(format!("write({mark})"), e))?;
    }
    Ok(())
}

fn release(args: &[String]) -> Result<(), Failure> {
    let a = parse(args, false);
    let [path] = a.rest.as_slice() else {
        usage_error("release needs one PATH")
    };
    if !a.sources.is_empty() || a.fd.is_some() {
        usage_error("release takes only a PATH");
    }
    let mark = created_mark(path);
    let c = CString::new(path.as_str()).map_err(|_| Failure("bad path".into()))?;
    // SAFETY: valid C string.
    if unsafe { libc::umount2(c.as_ptr(), 0) } < 0 {
        return Err(sys_fail(
            format!("umount2({path})"),
            io::Error::last_os_error(),
        ));
    }
    if std::fs::remove_file(&mark).is_ok() {
        std::fs::remove_file(path).map_err(|e| sys_fail(format!("unlink({path})"), e))?;
    }
    Ok(())
}

fn exec_cmd(cmd: &[String]) -> Failure {
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(&cmd[0]).args(&cmd[1..]).exec();
    Failure(format!(
        "execvp({}): {} ({err})",
        cmd[0],
        errno_name(errno_of(&err))
    ))
}

fn exec(args: &[String]) -> Result<(), Failure> {
    let a = parse(args, true);
    if a.rest.is_empty() {
        usage_error("exec needs -- CMD");
    }
    if a.sources.is_empty() {
        usage_error("exec needs at least one --pid/--type or --path");
    }
    // Take every handle first: later setns() calls change what pids and paths mean.
    let mut handles = Vec::new();
    for s in &a.sources {
        let h = open_source(s)?;
        let t = nsfd::ns_ioctl(&h, ioctl::NS_GET_NSTYPE, 0)
            .map_err(|e| sys_fail("ioctl(NS_GET_NSTYPE)".into(), e))?;
        handles.push((t, h));
    }
    // The user namespace first: it gives the capabilities to join the others.
    handles.sort_by_key(|(t, _)| *t != libc::CLONE_NEWUSER);
    let mut joined_pid = false;
    for (t, h) in &handles {
        let name = NsType::by_flag(*t).map(|t| t.name).unwrap_or("?");
        nsfd::setns(h, *t).map_err(|e| sys_fail(format!("setns(type={name})"), e))?;
        joined_pid |= *t == libc::CLONE_NEWPID;
    }
    drop(handles);
    if !joined_pid {
        return Err(exec_cmd(&a.rest));
    }
    // A pid namespace applies to children only.
    let mut child = std::process::Command::new(&a.rest[0])
        .args(&a.rest[1..])
        .spawn()
        .map_err(|e| sys_fail(format!("fork+exec({})", a.rest[0]), e))?;
    let status = child.wait().map_err(|e| sys_fail("waitpid".into(), e))?;
    exit(
        status
            .code()
            .unwrap_or(128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)),
    );
}

fn fd(args: &[String]) -> Result<(), Failure> {
    let a = parse(args, false);
    let (pid, t) = one_task_source(&a, "fd");
    if a.rest.is_empty() {
        usage_error("fd needs -- CMD");
    }
    let n = a.fd.unwrap_or(3);
    let h = open_source(&Source::Task(pid, t))?;
    let raw = h.into_raw_fd();
    // SAFETY: dup2 on our descriptor; the copy at `n` is not close-on-exec.
    if raw != n && unsafe { libc::dup2(raw, n) } < 0 {
        return Err(sys_fail(
            format!("dup2({raw}, {n})"),
            io::Error::last_os_error(),
        ));
    }
    if raw == n {
        // SAFETY: clear close-on-exec on our own descriptor.
        unsafe { libc::fcntl(n, libc::F_SETFD, 0) };
    }
    Err(exec_cmd(&a.rest))
}

fn show(args: &[String]) -> Result<(), Failure> {
    let a = parse(args, false);
    let h = match (a.fd, a.rest.as_slice()) {
        (Some(n), []) => {
            // SAFETY: borrow the caller's descriptor for the duration; forget it afterwards.
            let f = unsafe { OwnedFd::from_raw_fd(n) };
            let r = show_fd(&f);
            let _ = f.into_raw_fd();
            return r;
        }
        (None, [p]) => nsfd::open_ro(p).map_err(|e| sys_fail(format!("open({p})"), e))?,
        _ => usage_error("show needs PATH or --fd N"),
    };
    show_fd(&h)
}

fn show_fd(h: &OwnedFd) -> Result<(), Failure> {
    let st = nsfd::fstat(h).map_err(|e| sys_fail("fstat".into(), e))?;
    let t = nsfd::ns_ioctl(h, ioctl::NS_GET_NSTYPE, 0)
        .map_err(|e| sys_fail("ioctl(NS_GET_NSTYPE)".into(), e))?;
    let id = nsfd::ns_id(h).map_err(|e| sys_fail("ioctl(NS_GET_ID)".into(), e))?;
    println!(
        "type: {}",
        NsType::by_flag(t).map(|t| t.name).unwrap_or("?")
    );
    println!("inode: {}", st.st_ino);
    println!("id: {id}");
    match nsfd::ns_ioctl_fd(h, ioctl::NS_GET_USERNS) {
        Ok(u) => {
            let ust = nsfd::fstat(&u).map_err(|e| sys_fail("fstat(userns)".into(), e))?;
            println!("userns: {}", ust.st_ino);
        }
        Err(e) => println!(
            "userns: - (ioctl(NS_GET_USERNS): {})",
            errno_name(errno_of(&e))
        ),
    }
    let owner = if t == libc::CLONE_NEWUSER {
        Ok(h.try_clone().map_err(|e| sys_fail("dup".into(), e))?)
    } else {
        nsfd::ns_ioctl_fd(h, ioctl::NS_GET_USERNS)
    };
    match owner.and_then(|u| nsfd::ns_owner_uid(&u)) {
        Ok(uid) => println!("owner_uid: {uid}"),
        Err(e) => println!(
            "owner_uid: - (ioctl(NS_GET_OWNER_UID): {})",
            errno_name(errno_of(&e))
        ),
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => usage_error("no command"),
    };
    let r = match cmd {
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            return;
        }
        "hold" => hold(rest),
        "exec" => exec(rest),
        "fd" => fd(rest),
        "show" => show(rest),
        "release" => release(rest),
        other => usage_error(&format!("unknown command {other:?}")),
    };
    if let Err(Failure(msg)) = r {
        eprintln!("nsfd: {msg}");
        exit(1);
    }
}
