//! The behaviour suite that runs alike in the unmodified kernel and in ours
//! (`nsfd_selftest --oracle`): every setns() outcome, and every way to get a
//! namespace's descriptor, one line per case: "NAME OUTCOME". An OUTCOME
//! holds nothing that changes between boots: namespaces are named by their
//! role (target, init, other), never by inode. `make oracle` records the
//! unmodified kernel's lines in selftests/oracle/mainline.txt; `make test`
//! compares ours with them (scripts/oracle-compare.py).
//!
//! nsfd() does not exist in the unmodified kernel: there, the handle cases
//! open `/proc/PID/ns/TYPE` instead, the route nsfd() replaces, so that each
//! handle outcome is compared with that file's.

use crate::child::{self, exit_now, fork, fork_child, unshare};
use crate::common::{all_kinds, mount_bind, touch, umount};
use crate::setns::{as_root, mismatch, Prep, CALLERS};
use crate::sys::*;
use rustix::process::{Pid, Signal};
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};

/// A namespace by inode number and NS_GET_ID, per kind ("net", "pid_for_children").
type NsMap = BTreeMap<&'static str, (u64, u64)>;

const ALL_FLAGS: libc::c_int = libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWTIME;

/// The nstype arguments of a case: the descriptor's own flag, none, another
/// type, two types, every type, an unknown bit, a negative int.
fn nstypes(flag: libc::c_int) -> [(&'static str, libc::c_int); 7] {
    [
        ("zero", 0),
        ("match", flag),
        ("mismatch", mismatch(flag)),
        ("two", flag | mismatch(flag)),
        ("all", ALL_FLAGS),
        ("badbit", flag | libc::CLONE_VM),
        ("neg", -1),
    ]
}

/// Callers other than root try these (the rest fail before any permission check).
const FEW_NSTYPES: [&str; 3] = ["zero", "match", "all"];

/// The time namespace's offsets, which the clock after a join shows.
const TIME_OFFSET_SECS: i64 = 1000;

/// A caller made in a new pid namespace (a child of the caller's): its
/// process runs the rest of the case; the one in between waits and passes
/// its status on.
fn in_child_pid_namespace() -> Result<(), String> {
    unshare(libc::CLONE_NEWPID).map_err(|e| format!("unshare(CLONE_NEWPID): {e}"))?;
    // SAFETY: the case's process is single-threaded.
    match unsafe { fork() } {
        Ok(None) => Ok(()),
        Err(e) => Err(format!("fork: {e}")),
        Ok(Some(p)) => {
            let status = child::wait(p);
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                3
            };
            // Leave without the parent's atexit handlers; the pipe carries
            // the grandchild's answer.
            exit_now(code)
        }
    }
}

/// A pid as rustix takes it (0, the caller in some calls, is none).
fn pid(p: libc::pid_t) -> io::Result<Pid> {
    nsfd_testutil::sys::positive_pid(p).ok_or_else(|| io::Error::from_raw_os_error(libc::ESRCH))
}

fn ns_of(fd: &impl AsRawFd) -> io::Result<(u64, u64)> {
    Ok((fstat(fd)?.st_ino, ns_id(fd)?))
}

/// The namespaces of every kind that `pid` is in.
/// A namespace that could not be read shows as (0, errno).
fn namespaces_of(pid: &str) -> NsMap {
    all_kinds()
        .into_iter()
        .map(|k| {
            let ns = open_ro(&format!("/proc/{pid}/ns/{}", k.name()))
                .and_then(|f| ns_of(&f))
                .unwrap_or_else(|e| (0, errno_of(&e) as u64));
            (k.name(), ns)
        })
        .collect()
}

/// The namespaces of every kind that the calling process is in, through a
/// pidfd of itself (`PIDFD_GET_*_NAMESPACE`): the namespaces its
/// /proc/self/ns files name, for less under emulation (8.9 ms against
/// 14.4 for the ten in the VM, `--oracle-costs`). Each case reads them
/// before and after its call. A namespace that could not be read shows as
/// (0, errno).
fn own_namespaces() -> NsMap {
    let me = pidfd_open(rustix::process::getpid().as_raw_nonzero().get());
    all_kinds()
        .into_iter()
        .map(|k| {
            let ns = match &me {
                Ok(p) => pidfd_namespace(p, k).and_then(|f| ns_of(&f)),
                Err(e) => Err(io::Error::from_raw_os_error(errno_of(e))),
            };
            (k.name(), ns.unwrap_or_else(|e| (0, errno_of(&e) as u64)))
        })
        .collect()
}

/// The kinds of `ns` that could not be read, as " unreadable:KIND:ERRNO...".
fn unreadable(ns: &NsMap) -> String {
    ns.iter()
        .filter(|(_, (ino, _))| *ino == 0)
        .map(|(k, (_, e))| format!(" unreadable:{k}:{}", errno_word(*e as i32)))
        .collect()
}

/// Names a namespace by its role: the case's target, the initial one, another.
struct Roles {
    target: NsMap,
    init: NsMap,
}

impl Roles {
    fn role(&self, kind: &str, ns: (u64, u64)) -> String {
        let by = |pick: fn((u64, u64)) -> u64| {
            if self.target.get(kind).map(|t| pick(*t)) == Some(pick(ns)) {
                "target"
            } else if self.init.get(kind).map(|t| pick(*t)) == Some(pick(ns)) {
                "init"
            } else {
                "other"
            }
        };
        let (by_ino, by_id) = (by(|n| n.0), by(|n| n.1));
        if by_ino == by_id {
            by_ino.to_string()
        } else {
            format!("ino:{by_ino}/id:{by_id}")
        }
    }
}

fn outcome<T>(r: &io::Result<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => errno_word(errno_of(e)),
    }
}

/// An errno by name, or by number where the name is not known: any two
/// different errnos print differently.
fn errno_word(e: i32) -> String {
    match errno_name(e) {
        "E?" => format!("E{e}"),
        name => name.into(),
    }
}

fn clock(id: rustix::time::ClockId) -> f64 {
    let ts = rustix::time::clock_gettime(id);
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// CLOCK_MONOTONIC less CLOCK_REALTIME: a time namespace offsets the one,
/// never the other, so the call's own duration cancels out.
fn monotonic() -> f64 {
    use rustix::time::ClockId;
    clock(ClockId::Monotonic) - clock(ClockId::Realtime)
}

/// Ids, groups and capabilities, as /proc/self/status shows them (real,
/// effective, saved and filesystem ids; effective and permitted
/// capabilities), read with system calls: under emulation the file costs
/// 3.6 ms a read, the calls 0.01 ms (`--oracle-costs`).
fn credentials() -> String {
    let (mut ruid, mut euid, mut suid) = (0, 0, 0);
    let (mut rgid, mut egid, mut sgid) = (0, 0, 0);
    // SAFETY: the three pointers are valid for writing a uid_t each.
    unsafe { libc::getresuid(&mut ruid, &mut euid, &mut suid) };
    // SAFETY: the three pointers are valid for writing a gid_t each.
    unsafe { libc::getresgid(&mut rgid, &mut egid, &mut sgid) };
    // SAFETY: -1 is not an id: setfsuid() changes nothing and returns the current one.
    let fsuid = unsafe { libc::setfsuid(u32::MAX) } as u32;
    // SAFETY: as above, for the filesystem gid.
    let fsgid = unsafe { libc::setfsgid(u32::MAX) } as u32;
    let (capeff, capprm) = match rustix::thread::capabilities(None) {
        Ok(c) => (
            format!("{:016x}", c.effective.bits()),
            format!("{:016x}", c.permitted.bits()),
        ),
        Err(_) => ("?".into(), "?".into()),
    };
    format!(
        "uid={ruid},{euid},{suid},{fsuid} gid={rgid},{egid},{sgid},{fsgid} \
         capeff={capeff} capprm={capprm}"
    )
}

fn cwd() -> String {
    std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|e| errno_word(errno_of(&e)))
}

/// Whether a child can be made, after a join of a pid namespace.
fn fork_outcome() -> String {
    match fork_child(0, || ()) {
        Err(e) => errno_word(errno_of(&e)),
        Ok(p) => {
            child::wait(p);
            "ok".into()
        }
    }
}

/// A descriptor number to pass to setns() (any number: closed, negative),
/// or the errno of getting the descriptor.
type Fd = Result<libc::c_int, i32>;

fn raw(fd: &io::Result<OwnedFd>) -> Fd {
    fd.as_ref().map(|f| f.as_raw_fd()).map_err(errno_of)
}

/// One setns() case in a child of its own: the caller made by `prep`, then
/// the call, then what it changed.
fn setns_case(roles: &Roles, fd: Fd, nstype: libc::c_int, prep: Prep) -> String {
    let fd = match fd {
        Ok(f) => f,
        Err(e) => return format!("nofd:{}", errno_word(e)),
    };
    let r = child::run(|| {
        std::env::set_current_dir("/tmp").map_err(|e| format!("chdir: {e}"))?;
        prep()?;
        Ok(setns_in_this_process(roles, fd, nstype, Observed::now()).0)
    });
    // A child that dies is a failure on any kernel: the compare refuses CRASH.
    r.unwrap_or_else(|e| format!("CRASH {}", e.replace('\n', " ")))
}

/// The setns() cases of one caller on one descriptor, each line as
/// [`setns_case`] gives it, in as few children as that allows: a child made
/// by `prep` goes on to the next case while each fails and changes nothing
/// it observes (the line is an errno alone, the state the next case starts
/// from is the same). The case after one that succeeded or changed anything
/// starts in a new child. A child that dies has its first case re-run alone,
/// so a CRASH line is the case that crashed. (Forks are most of the suite's
/// time under emulation.)
fn setns_batch(roles: &Roles, fd: Fd, nstypes: &[libc::c_int], prep: Prep) -> Vec<String> {
    let fd = match fd {
        Ok(f) => f,
        Err(e) => return vec![format!("nofd:{}", errno_word(e)); nstypes.len()],
    };
    let mut lines: Vec<String> = Vec::with_capacity(nstypes.len());
    while lines.len() < nstypes.len() {
        let rest = &nstypes[lines.len()..];
        let r = child::run(|| {
            std::env::set_current_dir("/tmp").map_err(|e| format!("chdir: {e}"))?;
            prep()?;
            let mut out = Vec::new();
            // A case that failed and changed nothing leaves the state the
            // next case starts from: its "after" is the next one's "before".
            let mut state = Observed::now();
            for &nstype in rest {
                let (line, after) = setns_in_this_process(roles, fd, nstype, state);
                state = after;
                let unchanged_failure = line != "ok" && !line.contains(' ');
                out.push(line);
                if !unchanged_failure {
                    break;
                }
            }
            Ok(out.join("\n"))
        });
        match r {
            Ok(text) if !text.is_empty() => lines.extend(text.lines().map(String::from)),
            _ => lines.push(setns_case(roles, Ok(fd), rest[0], prep)),
        }
    }
    lines
}

/// What a case observes of the calling process.
struct Observed {
    ns: NsMap,
    cred: String,
    cwd: String,
}

impl Observed {
    fn now() -> Observed {
        Observed {
            ns: own_namespaces(),
            cred: credentials(),
            cwd: cwd(),
        }
    }
}

/// setns() in the calling process, which is in the state `before`: what
/// the call changed, and the state after it.
fn setns_in_this_process(
    roles: &Roles,
    fd: i32,
    nstype: libc::c_int,
    before: Observed,
) -> (String, Observed) {
    let t0 = monotonic();
    let r = setns(&FakeFd(fd), nstype);
    let t1 = monotonic();
    let after = Observed::now();
    // What changed, and only that: a line is short, and any change shows.
    let mut out = outcome(&r);
    let changed: Vec<String> = after
        .ns
        .iter()
        .filter(|(k, ns)| before.ns.get(*k) != Some(ns))
        .map(|(k, ns)| format!("{k}={}", roles.role(k, *ns)))
        .collect();
    if !changed.is_empty() {
        out.push_str(&format!(" ns:{}", changed.join(",")));
    }
    if before.ns.get("pid_for_children") != after.ns.get("pid_for_children") {
        out.push_str(&format!(" fork:{}", fork_outcome()));
    }
    // A namespace not read shows as such, before or after: never as unchanged.
    out.push_str(&unreadable(&before.ns));
    out.push_str(&unreadable(&after.ns));
    if after.cred != before.cred {
        out.push_str(&format!(" {}", after.cred));
    }
    if after.cwd != before.cwd {
        out.push_str(&format!(" cwd={}", after.cwd));
    }
    let clock_step = (t1 - t0).round() as i64;
    if clock_step != 0 {
        out.push_str(&format!(" monotonic={clock_step:+}"));
    }
    (out, after)
}

/// The processes that hold a target's namespaces: the keeper unshares
/// (after a user namespace of its own, for a foreign owner) and forks the
/// member, which is in every new namespace (pid and time namespaces take
/// children only) and runs a second thread.
/// Not a `Holder`: the member must stay an unreaped zombie while cases run (`make_zombie`).
struct Target {
    keeper: libc::pid_t,
    member: libc::pid_t,
    thread: libc::pid_t,
    /// Closing it makes the keeper kill and reap the member, and exit.
    go: Option<OwnedFd>,
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?)
}

impl Target {
    fn spawn(flags: libc::c_int) -> Result<Target, String> {
        let (go_r, go_w) = pipe().map_err(|e| e.to_string())?;
        let (ready_r, ready_w) = pipe().map_err(|e| e.to_string())?;
        let _ = std::io::stdout().flush();
        // SAFETY: the worker is single-threaded.
        let keeper = match unsafe { fork() } {
            Ok(Some(p)) => p,
            Ok(None) => {
                drop((go_w, ready_r));
                keep(flags, go_r, ready_w);
            }
            Err(e) => return Err(format!("fork: {e}")),
        };
        drop((go_r, ready_w));
        let mut pid = [0u8; 4];
        if std::fs::File::from(ready_r).read_exact(&mut pid).is_err() {
            child::wait(keeper);
            return Err(format!("the keeper could not unshare {flags:#x}"));
        }
        let member = i32::from_ne_bytes(pid);
        // Made before the lookup below, so that a failure reaps the keeper.
        let mut t = Target {
            keeper,
            member,
            thread: 0,
            go: Some(go_w),
        };
        t.thread = std::fs::read_dir(format!("/proc/{member}/task"))
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .find(|&t| t != member)
            .ok_or("the member has no second thread")?;
        Ok(t)
    }

    /// The member exits, every thread of it; the keeper does not reap it
    /// yet. False if it did not within 30 s.
    fn make_zombie(&self) -> bool {
        // A pidfd (not a thread one) polls readable once the whole thread
        // group has exited: then the zombie is complete (and for a pid
        // namespace's init, the namespace torn down).
        use rustix::event::{PollFd, PollFlags, Timespec};
        let Ok(pidfd) = pidfd_open(self.member) else {
            return false;
        };
        if let Ok(p) = pid(self.member) {
            let _ = rustix::process::kill_process(p, Signal::KILL);
        }
        let timeout = Timespec {
            tv_sec: 30,
            tv_nsec: 0,
        };
        let mut pfd = [PollFd::new(&pidfd, PollFlags::IN)];
        matches!(rustix::event::poll(&mut pfd, Some(&timeout)), Ok(1))
    }

    /// The keeper reaps the member and exits, and is reaped.
    fn reap(&mut self) {
        if self.go.take().is_some() {
            child::wait(self.keeper);
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.reap();
    }
}

/// The keeper's side of [`Target::spawn`]; never returns.
fn keep(flags: libc::c_int, go: OwnedFd, ready: OwnedFd) -> ! {
    if unshare(flags).is_err() {
        exit_now(2);
    }
    if flags & libc::CLONE_NEWTIME != 0 {
        let offsets = format!("monotonic {TIME_OFFSET_SECS} 0\nboottime {TIME_OFFSET_SECS} 0\n");
        if std::fs::write("/proc/self/timens_offsets", offsets).is_err() {
            exit_now(2);
        }
    }
    let (up_r, up_w) = pipe().unwrap();
    let keeper = rustix::process::getpid();
    // SAFETY: the keeper is single-threaded.
    let member = unsafe { fork() }.map_or(-1, |p| p.unwrap_or(0));
    if member == 0 {
        drop((go, ready, up_r));
        // Dies with the keeper, also when the keeper is gone before prctl
        // (the init of a new pid namespace sees its parent as 0).
        let _ = rustix::process::set_parent_process_death_signal(Some(Signal::KILL));
        if rustix::process::getppid().is_some_and(|p| p != keeper) {
            exit_now(2);
        }
        std::thread::spawn(|| loop {
            std::thread::park();
        });
        let _ = std::fs::File::from(up_w).write_all(b"r");
        loop {
            // Waits for the signal that ends the member.
            rustix::event::pause();
        }
    }
    drop(up_w);
    let mut b = [0u8];
    if member < 0 || std::fs::File::from(up_r).read_exact(&mut b).is_err() {
        exit_now(2);
    }
    let _ = std::fs::File::from(ready).write_all(&member.to_ne_bytes());
    let _ = std::fs::File::from(go).read(&mut b);
    if let Ok(m) = pid(member) {
        let _ = rustix::process::kill_process(m, Signal::KILL);
    }
    child::wait(member);
    exit_now(0)
}

/// Prints the suite's lines as the cases run.
struct Lines {
    has_nsfd: bool,
    init: NsMap,
    count: usize,
}

impl Lines {
    fn emit(&mut self, name: &str, outcome: &str) {
        println!("{name} {outcome}");
        self.count += 1;
    }

    /// A descriptor for `kind` of `pid` the way a handle comes: nsfd(), or
    /// where the kernel lacks it, the /proc file it replaces.
    fn handle(&self, pid: libc::pid_t, kind: NsType) -> io::Result<OwnedFd> {
        if self.has_nsfd {
            nsfd(pid, kind.nstype().into())
        } else {
            open_ro(&format!("/proc/{pid}/ns/{}", kind.name()))
        }
    }

    /// Every caller with its nstypes, on one descriptor.
    fn setns_cases(
        &mut self,
        prefix: &str,
        roles: &Roles,
        fd: Fd,
        flag: libc::c_int,
        pidns_caller: bool,
    ) {
        let prep_pidns: Prep = in_child_pid_namespace;
        let callers = CALLERS
            .iter()
            .copied()
            .chain(pidns_caller.then_some(("pidns", prep_pidns)));
        for (cname, prep) in callers {
            let cases: Vec<(&str, libc::c_int)> = nstypes(flag)
                .into_iter()
                .filter(|(nname, _)| cname == "root" || FEW_NSTYPES.contains(nname))
                .collect();
            let types: Vec<libc::c_int> = cases.iter().map(|&(_, t)| t).collect();
            for ((nname, _), out) in cases.iter().zip(setns_batch(roles, fd, &types, prep)) {
                self.emit(&format!("{prefix}_{cname}_{nname}"), &out);
            }
        }
    }

    /// nsfd() beside the two routes of the unmodified kernel, as root and as nobody.
    fn acquire_cases(
        &mut self,
        prefix: &str,
        roles: &Roles,
        pid: libc::pid_t,
        pidfd: &io::Result<OwnedFd>,
        kind: NsType,
    ) {
        const METHODS: [&str; 3] = ["proc", "pidfd_ioctl", "nsfd"];
        let has_nsfd = self.has_nsfd;
        // One method's line, in a child made by the caller's prep.
        let acquire = |method: &str| -> String {
            let fd = match (method, pidfd) {
                ("pidfd_ioctl", Ok(p)) => pidfd_namespace(p, kind),
                ("pidfd_ioctl", Err(e)) => return format!("nofd:{}", errno_word(errno_of(e))),
                ("nsfd", _) if has_nsfd => nsfd(pid, kind.nstype().into()),
                _ => open_ro(&format!("/proc/{pid}/ns/{}", kind.name())),
            };
            match fd.and_then(|f| ns_of(&f)) {
                Ok(ns) => format!("ok {}={}", kind.name(), roles.role(kind.name(), ns)),
                Err(e) => errno_word(errno_of(&e)),
            }
        };
        for (cname, prep) in &CALLERS[..2] {
            // Opening a descriptor changes nothing the next method sees: one
            // child runs the three; if it dies, each runs alone.
            let together = child::run(|| {
                prep()?;
                Ok(METHODS.map(acquire).join("\n"))
            });
            let lines: Vec<String> = match together {
                Ok(text) if text.lines().count() == METHODS.len() => {
                    text.lines().map(String::from).collect()
                }
                _ => METHODS
                    .iter()
                    .map(|&m| {
                        child::run(|| {
                            prep()?;
                            Ok(acquire(m))
                        })
                        .unwrap_or_else(|e| format!("CRASH {}", e.replace('\n', " ")))
                    })
                    .collect(),
            };
            for (method, out) in METHODS.iter().zip(lines) {
                self.emit(&format!("{prefix}_{}_{cname}_{method}", kind.name()), &out);
            }
        }
    }

    /// A fresh namespace of `ty` (owned by a user namespace of its own when
    /// `foreign`): descriptors of every kind, live, then zombie, then reaped.
    fn target(&mut self, ty: NsType, foreign: bool) {
        let owner = if foreign { "foreign" } else { "init" };
        let flags = ty.flag() | if foreign { libc::CLONE_NEWUSER } else { 0 };
        let base = format!("{}_{owner}", ty.name());
        let mut t = match Target::spawn(flags) {
            Ok(t) => t,
            Err(e) => {
                // One line that cannot match: the case list stays the same only with a target.
                self.emit(&format!("setup_{base}"), &format!("CRASH {e}"));
                return;
            }
        };
        let roles = Roles {
            target: namespaces_of(&t.member.to_string()),
            init: self.init.clone(),
        };
        let proc_path = format!("/proc/{}/ns/{}", t.member, ty.name());
        let bind_path = format!("/tmp/nsfd-oracle-{base}");
        // A set-up that fails is a line of its own that no recording has
        // (the compare fails), and the bind cases say "nofd:EIO".
        let bound = touch(&bind_path)
            .and_then(|_| mount_bind(&proc_path, &bind_path))
            .map_err(|e| {
                self.emit(&format!("setup_{base}_bind"), &format!("CRASH {e}"));
                io::Error::from_raw_os_error(libc::EIO)
            });
        let pidfd = pidfd_open(t.member);
        let fc = ty.for_children();
        let mut fds: Vec<(&str, io::Result<OwnedFd>)> = vec![
            ("proc", open_ro(&proc_path)),
            ("opath", open_path(&proc_path)),
            ("bind", bound.and_then(|_| open_ro(&bind_path))),
            ("handle", self.handle(t.member, ty)),
            (
                "pidfd_ioctl",
                match &pidfd {
                    Ok(p) => pidfd_namespace(p, ty),
                    Err(e) => Err(io::Error::from_raw_os_error(errno_of(e))),
                },
            ),
            ("pidfd", pidfd_open(t.member)),
            ("pidfd_thread", pidfd_open_with(t.thread, PIDFD_THREAD)),
        ];
        if let Some(fc) = fc {
            fds.push((
                "proc_for_children",
                open_ro(&format!("/proc/{}/ns/{}", t.member, fc.name())),
            ));
            fds.push(("handle_for_children", self.handle(t.member, fc)));
        }
        let kinds: Vec<NsType> = std::iter::once(ty).chain(fc).collect();
        for k in &kinds {
            self.acquire_cases(
                &format!("acquire_{base}_live"),
                &roles,
                t.member,
                &pidfd,
                *k,
            );
        }
        for (kind, fd) in &fds {
            self.setns_cases(
                &format!("setns_{base}_live_{kind}"),
                &roles,
                raw(fd),
                ty.flag(),
                ty.name() == "pid",
            );
        }
        // The member gone: the descriptors opened before still name the
        // target (a pid namespace whose init has exited, for pid).
        for situation in ["zombie", "reaped"] {
            if situation == "zombie" {
                if !t.make_zombie() {
                    self.emit(
                        &format!("setup_{base}_zombie"),
                        "CRASH the member did not exit",
                    );
                }
            } else {
                t.reap();
            }
            for k in &kinds {
                self.acquire_cases(
                    &format!("acquire_{base}_{situation}"),
                    &roles,
                    t.member,
                    &pidfd,
                    *k,
                );
            }
            for (kind, fd) in &fds {
                if [
                    "proc",
                    "handle",
                    "pidfd",
                    "pidfd_thread",
                    "proc_for_children",
                ]
                .contains(kind)
                {
                    let cases = nstypes(ty.flag());
                    let types: Vec<libc::c_int> = cases.iter().map(|&(_, t)| t).collect();
                    let out = setns_batch(&roles, raw(fd), &types, as_root);
                    for ((nname, _), o) in cases.iter().zip(out) {
                        self.emit(&format!("setns_{base}_{situation}_{kind}_root_{nname}"), &o);
                    }
                }
            }
        }
        drop(fds);
        let _ = umount(&bind_path);
        let _ = std::fs::remove_file(&bind_path);
    }

    /// The caller's own namespace of `ty` (the initial one): joining it,
    /// through its /proc file, a handle and the caller's pidfd.
    fn own(&mut self, ty: NsType) {
        let me = std::process::id() as libc::pid_t;
        let roles = Roles {
            target: self.init.clone(),
            init: self.init.clone(),
        };
        let fds = [
            ("proc", open_ro(&format!("/proc/self/ns/{}", ty.name()))),
            ("handle", self.handle(me, ty)),
            ("pidfd", pidfd_open(me)),
        ];
        for (kind, fd) in &fds {
            self.setns_cases(
                &format!("setns_{}_own_live_{kind}", ty.name()),
                &roles,
                raw(fd),
                ty.flag(),
                true,
            );
        }
    }

    /// Descriptors that are not namespaces: setns() must refuse each.
    fn not_namespaces(&mut self) {
        let roles = Roles {
            target: NsMap::new(),
            init: self.init.clone(),
        };
        use rustix::event::EventfdFlags;
        use rustix::fs::MemfdFlags;
        use rustix::net::{AddressFamily, SocketFlags, SocketType};
        let file = "/tmp/nsfd-oracle-file";
        let _ = touch(file);
        let fds = [
            (
                "socket",
                rustix::net::socket_with(
                    AddressFamily::UNIX,
                    SocketType::STREAM,
                    SocketFlags::CLOEXEC,
                    None,
                )
                .map_err(io::Error::from),
            ),
            ("regular", open_ro(file)),
            ("opath_regular", open_path(file)),
            (
                "memfd",
                rustix::fs::memfd_create(c"nsfd-oracle", MemfdFlags::CLOEXEC)
                    .map_err(io::Error::from),
            ),
            (
                "eventfd",
                rustix::event::eventfd(0, EventfdFlags::CLOEXEC).map_err(io::Error::from),
            ),
        ];
        for (kind, fd) in &fds {
            self.setns_cases(
                &format!("setns_fd_{kind}"),
                &roles,
                raw(fd),
                libc::CLONE_NEWNET,
                false,
            );
        }
        // A number far above the runner's descriptors (a case's pipes take
        // the low free ones), and -1, no descriptor at all.
        let closed = 900;
        // Raw: rustix takes only a descriptor that is open.
        if is_open(closed) {
            self.emit(
                "setup_closed_fd",
                &format!("CRASH descriptor {closed} is open"),
            );
        }
        for (kind, nr) in [("closed", closed), ("negative", -1)] {
            self.setns_cases(
                &format!("setns_fd_{kind}"),
                &roles,
                Ok(nr),
                libc::CLONE_NEWNET,
                false,
            );
        }
        drop(fds);
        let _ = std::fs::remove_file(file);
    }
}

/// `nsfd_selftest --oracle [--queue FILE]`: the suite's lines on stdout; exit 0 when it ran.
///
/// The parts are independent. Without `--queue`, two worker processes (make
/// test's VM has two CPUs) share them. With
/// `--queue FILE`, this process is one worker among any others given the
/// same FILE (an empty file at first): make test runs one in each of its
/// two lanes, so that the lane whose other suites end first takes more.
pub(crate) fn run(queue: Option<&str>) -> i32 {
    let has_nsfd =
        !matches!(nsfd(0, libc::CLONE_NEWNET as _), Err(e) if errno_of(&e) == libc::ENOSYS);
    let mut lines = Lines {
        has_nsfd,
        init: namespaces_of("self"),
        count: 0,
    };
    // A file of each of the runner's own namespaces, open while the suite
    // runs (every case's process inherits them): each case reads which
    // namespaces it is in, before and after, by opening each namespace's
    // nsfs file (own_namespaces), and with a file of it open nsfs reuses its inode
    // and dentry instead of making and freeing them at every open. Under
    // emulation that is most of a case's time; no outcome depends on it.
    let _own_files: Vec<OwnedFd> = all_kinds()
        .into_iter()
        .filter_map(|k| open_ro(&format!("/proc/self/ns/{}", k.name())).ok())
        .collect();
    println!(
        "# nsfd_selftest --oracle on Linux {}",
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "# nsfd(2): {}",
        if has_nsfd {
            "present"
        } else {
            "absent: handles come from /proc/PID/ns"
        }
    );
    // The targets first, the biggest parts: whichever worker ends last, ends
    // with a small one.
    let mut parts: Vec<Part> = NsType::all()
        .iter()
        .flat_map(|&ty| {
            let foreign = (ty.name() != "user").then_some(Part::Target(ty, true));
            std::iter::once(Part::Target(ty, false)).chain(foreign)
        })
        .collect();
    parts.extend(NsType::all().iter().map(|&ty| Part::Own(ty)));
    parts.push(Part::NotNamespaces);
    let work = |lines: &mut Lines, queue: &Queue, name: &str| -> i32 {
        loop {
            match queue.next() {
                Ok(i) if i >= parts.len() => break,
                Ok(i) => {
                    let (t0, count) = (std::time::Instant::now(), lines.count);
                    let name = match parts[i] {
                        Part::Target(ty, foreign) => {
                            lines.target(ty, foreign);
                            format!("target {} foreign={foreign}", ty.name())
                        }
                        Part::Own(ty) => {
                            lines.own(ty);
                            format!("own {}", ty.name())
                        }
                        Part::NotNamespaces => {
                            lines.not_namespaces();
                            "not namespaces".into()
                        }
                    };
                    // Where the suite's time goes, beside its lines.
                    eprintln!(
                        "# part {name}: {} cases in {:.1} s",
                        lines.count - count,
                        t0.elapsed().as_secs_f64()
                    );
                }
                Err(e) => {
                    eprintln!("oracle queue: {e}");
                    return 1;
                }
            }
        }
        println!("# worker {name}: {} cases", lines.count);
        let _ = std::io::stdout().flush();
        0
    };
    if let Some(path) = queue {
        return match Queue::open(path) {
            Ok(q) => work(&mut lines, &q, &std::process::id().to_string()),
            Err(e) => {
                eprintln!("{path}: {e}");
                1
            }
        };
    }
    // Each worker opens the file itself: an flock belongs to the open file,
    // which a descriptor inherited across fork() would share.
    let path = format!("/tmp/nsfd-oracle-queue.{}", std::process::id());
    if let Err(e) = std::fs::write(&path, "") {
        eprintln!("{path}: {e}");
        return 1;
    }
    let mut workers = vec![];
    for w in 0..WORKERS {
        let _ = std::io::stdout().flush();
        // SAFETY: the runner is single-threaded.
        match unsafe { fork() } {
            Ok(None) => {
                let code = match Queue::open(&path) {
                    Ok(q) => work(&mut lines, &q, &w.to_string()),
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        1
                    }
                };
                // Leave the worker without the runner's atexit handlers.
                exit_now(code)
            }
            Err(e) => {
                eprintln!("fork: {e}");
                return 1;
            }
            Ok(Some(p)) => workers.push(p),
        }
    }
    // Every worker must end well: a missing line fails the compare anyway.
    let failed = workers.into_iter().filter(|&p| child::wait(p) != 0).count();
    let _ = std::fs::remove_file(&path);
    i32::from(failed > 0)
}

/// A part of the suite that one worker runs.
enum Part {
    Target(NsType, bool),
    Own(NsType),
    NotNamespaces,
}

/// Worker processes that share the parts.
const WORKERS: usize = 2;

/// The parts that workers share: a file holding the number of parts taken
/// (empty: none), read and written under an exclusive `flock`. Each worker
/// opens the file itself (an flock is the open file's, not the process's).
struct Queue(std::fs::File);

impl Queue {
    fn open(path: &str) -> io::Result<Queue> {
        Ok(Queue(
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)?,
        ))
    }

    /// The index of the next part nobody has taken.
    fn next(&self) -> io::Result<usize> {
        use rustix::fs::{flock, FlockOperation};
        use std::os::unix::fs::FileExt;
        flock(&self.0, FlockOperation::LockExclusive)?;
        let taken = (|| {
            let mut buf = [0u8; 20];
            let n = self.0.read_at(&mut buf, 0)?;
            let text = std::str::from_utf8(&buf[..n]).map_err(io::Error::other)?;
            let taken: usize = match text.trim() {
                "" => 0,
                t => t.parse().map_err(io::Error::other)?,
            };
            self.0.set_len(0)?;
            self.0.write_all_at((taken + 1).to_string().as_bytes(), 0)?;
            Ok(taken)
        })();
        flock(&self.0, FlockOperation::Unlock)?;
        taken
    }
}

/// `nsfd_selftest --oracle-costs`: what the suite's steps cost here, in
/// milliseconds per run (scripts/vm-probe.sh prints them for the VM).
pub(crate) fn costs() -> i32 {
    let _own_files: Vec<OwnedFd> = all_kinds()
        .into_iter()
        .filter_map(|k| open_ro(&format!("/proc/self/ns/{}", k.name())).ok())
        .collect();
    let per_run = |name: &str, n: u32, f: &mut dyn FnMut()| {
        let t0 = std::time::Instant::now();
        for _ in 0..n {
            f();
        }
        let ms = t0.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
        println!("{name:<44} {ms:8.2} ms");
    };
    per_run("child::run (fork, pipe, wait)", 50, &mut || {
        let _ = child::run(|| Ok(String::new()));
    });
    per_run("namespaces_of(self)", 200, &mut || {
        let _ = namespaces_of("self");
    });
    per_run("own_namespaces (pidfd)", 200, &mut || {
        let _ = own_namespaces();
    });
    per_run("open+close /proc/self/ns/net", 200, &mut || {
        let _ = open_ro("/proc/self/ns/net");
    });
    per_run(
        "open /proc/self/ns (O_PATH), 10 openat in it",
        50,
        &mut || {
            if let Ok(dir) = open_path("/proc/self/ns") {
                for k in all_kinds() {
                    let _ = rustix::fs::openat(
                        &dir,
                        k.name(),
                        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
                        rustix::fs::Mode::empty(),
                    );
                }
            }
        },
    );
    per_run("stat /proc/self/ns/net", 200, &mut || {
        let _ = rustix::fs::stat("/proc/self/ns/net");
    });
    let net = open_ro("/proc/self/ns/net");
    per_run("fstat+NS_GET_ID of an open file", 200, &mut || {
        if let Ok(f) = &net {
            let _ = ns_of(f);
        }
    });
    per_run("credentials (system calls)", 200, &mut || {
        let _ = credentials();
    });
    per_run("read /proc/self/status", 200, &mut || {
        let _ = std::fs::read_to_string("/proc/self/status");
    });
    per_run("cwd", 200, &mut || {
        let _ = cwd();
    });
    per_run("setns(-1, 0)", 200, &mut || {
        let _ = setns(&FakeFd(-1), 0);
    });
    per_run("monotonic", 200, &mut || {
        let _ = monotonic();
    });
    per_run("fork_outcome", 50, &mut || {
        let _ = fork_outcome();
    });
    0
}
