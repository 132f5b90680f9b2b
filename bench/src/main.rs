//! nsfd_bench: every route to a namespace handle, side by side, in one run of
//! one kernel. Absolute times under software emulation mean little, so each
//! row is reported with its ratio to the nsfd row of its section.
//!
//! Run as root inside the kernel built by this project (`make bench`); with
//! `--ktap` it is a smoke suite: one KTAP case per row (the numbers never
//! fail it, a row that cannot be measured does).

use nsfd::{NsHandle, NsType, Task};
use std::ffi::CString;
use std::fmt::Write as _;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// `_IO(PIDFS_IOCTL_MAGIC, 4)` from <linux/pidfd.h>.
const PIDFD_GET_NET_NAMESPACE: libc::c_ulong = 0xff04;

const USAGE: &str = "\
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

struct Opts {
    calls: usize,
    batches: usize,
    mem_fds: usize,
    pin: Vec<usize>,
    pin_rounds: usize,
    settle: Duration,
    out: Option<std::path::PathBuf>,
    values: Option<std::path::PathBuf>,
    setns_only: bool,
    ktap: bool,
}

fn parse_opts() -> Result<Opts, lexopt::Error> {
    use lexopt::prelude::*;
    let mut o = Opts {
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
    };
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

/// A raw result: the value, or the errno as an `io::Error`.
fn sys(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn own(fd: libc::c_long) -> OwnedFd {
    // SAFETY: `fd` was just returned by the kernel as a new descriptor that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in paths built here")
}

fn open_proc_ns(name: &str) -> io::Result<OwnedFd> {
    let path = cstr(&format!("/proc/self/ns/{name}"));
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    sys(unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) } as libc::c_long)
        .map(own)
}

fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes two integers and returns a new descriptor or -1.
    sys(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) }).map(own)
}

fn pidfd_net(pidfd: &OwnedFd) -> io::Result<OwnedFd> {
    // SAFETY: this ioctl takes no argument and returns a new descriptor or -1.
    sys(unsafe { libc::ioctl(pidfd.as_raw_fd(), PIDFD_GET_NET_NAMESPACE as _, 0) } as libc::c_long)
        .map(own)
}

/// `nsfd(pid, nstype)`, the bare system call the rows time (libnsfd's
/// `NsHandle::open` also checks the file it gets: fstatfs, NS_GET_NSTYPE).
fn nsfd(pid: libc::pid_t, nstype: libc::c_ulong) -> io::Result<OwnedFd> {
    let nr = nsfd::SYS_NSFD as libc::c_long;
    // SAFETY: nsfd takes two integers and returns a new descriptor or -1.
    sys(unsafe { libc::syscall(nr, pid as libc::c_long, nstype) }).map(own)
}

/// `setns(fd, nstype)` on any descriptor (a pidfd too).
fn setns(fd: &OwnedFd, nstype: libc::c_int) -> io::Result<()> {
    // SAFETY: setns takes a descriptor, borrowed for the call, and an integer.
    sys(unsafe { libc::setns(fd.as_raw_fd(), nstype) } as libc::c_long).map(drop)
}

fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: plain system call on integers.
    sys(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) } as libc::c_long).map(own)
}

fn getpid() -> libc::pid_t {
    // SAFETY: getpid cannot fail.
    unsafe { libc::getpid() }
}

/// One line of the table.
struct Row {
    name: String,
    /// Value and unit, or why it could not be measured.
    value: Result<f64, String>,
    unit: &'static str,
    /// The row of the same section that the ratio is taken against.
    base: Option<f64>,
    counts: String,
}

struct Table {
    rows: Vec<Row>,
    sections: Vec<(usize, String)>,
}

impl Table {
    fn section(&mut self, title: &str) {
        self.sections.push((self.rows.len(), title.to_string()));
    }

    /// Adds the row that the next rows of its section are compared with; returns its value.
    fn add_base(
        &mut self,
        name: &str,
        value: Result<f64, String>,
        unit: &'static str,
        counts: String,
    ) -> Option<f64> {
        let v = self.add(name, value, unit, None, counts);
        if let Some(r) = self.rows.last_mut() {
            r.base = v;
        }
        v
    }

    /// Adds a row compared with `base`; returns its value.
    fn add(
        &mut self,
        name: &str,
        value: Result<f64, String>,
        unit: &'static str,
        base: Option<f64>,
        counts: String,
    ) -> Option<f64> {
        let v = value.as_ref().ok().copied();
        eprintln!(
            "nsfd_bench: {name}: {}",
            match &value {
                Ok(v) => format!("{v:.1} {unit}"),
                Err(e) => format!("error: {e}"),
            }
        );
        self.rows.push(Row {
            name: name.to_string(),
            value,
            unit,
            base,
            counts,
        });
        v
    }

    fn render(&self) -> String {
        let w = self.rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
        let mut s = String::new();
        for (i, r) in self.rows.iter().enumerate() {
            for (_, title) in self.sections.iter().filter(|(at, _)| *at == i) {
                let _ = writeln!(s, "\n{title}");
            }
            let (val, ratio) = match (&r.value, r.base) {
                (Ok(v), Some(b)) if b != 0.0 => (
                    format!("{v:>12.1} {:<6}", r.unit),
                    format!("{:>7.2}x", v / b),
                ),
                (Ok(v), _) => (format!("{v:>12.1} {:<6}", r.unit), "      -".to_string()),
                (Err(e), _) => (format!("{:>19}", "error"), format!("  ({e})")),
            };
            let _ = writeln!(s, "  {:<w$}  {val}  {ratio}   {}", r.name, r.counts);
        }
        s
    }
}

/// One route of a group: its name and one call of it.
type Route<'a> = (&'a str, Box<dyn FnMut() -> io::Result<()> + 'a>);

/// Times the routes of a group in interleaved batches (one batch of each route in turn, after
/// a round of warm-up), so that drift over the run affects every route alike. Each result is
/// the median over `--batches` batches of `--calls` calls, in nanoseconds per call.
fn time_group(o: &Opts, mut routes: Vec<Route>) -> Vec<(String, Result<f64, String>)> {
    let mut per_call = vec![Ok(Vec::with_capacity(o.batches)); routes.len()];
    for b in 0..=o.batches {
        for (i, (_, f)) in routes.iter_mut().enumerate() {
            let Ok(samples) = &mut per_call[i] else {
                continue;
            };
            let t0 = Instant::now();
            let r = (0..o.calls).try_for_each(|_| f());
            let ns = t0.elapsed().as_nanos() as f64 / o.calls as f64;
            match r {
                Err(e) => per_call[i] = Err(e.to_string()),
                Ok(()) if b > 0 => samples.push(ns),
                Ok(()) => {}
            }
        }
    }
    routes
        .iter()
        .zip(per_call)
        .map(|((name, _), r)| (name.to_string(), r.map(median)))
        .collect()
}

/// Adds a timed group to the table; its first route is the section's base.
fn add_group(o: &Opts, t: &mut Table, results: Vec<(String, Result<f64, String>)>) {
    let mut base = None;
    for (i, (name, value)) in results.into_iter().enumerate() {
        if i == 0 {
            base = t.add_base(&name, value, "ns", counts(o));
        } else {
            t.add(&name, value, "ns", base, counts(o));
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn counts(o: &Opts) -> String {
    format!("median of {} x {} calls", o.batches, o.calls)
}

fn getppid() -> io::Result<()> {
    // SAFETY: getppid cannot fail.
    unsafe { libc::getppid() };
    Ok(())
}

/// The routes to a new descriptor for the caller's net namespace, and the floors.
fn open_routes<'a>(held_pidfd: &'a io::Result<OwnedFd>) -> Vec<Route<'a>> {
    let net = libc::CLONE_NEWNET as libc::c_ulong;
    vec![
        (
            "nsfd(0, net) + close",
            Box::new(move || nsfd(0, net).map(drop)),
        ),
        (
            "open(/proc/self/ns/net) + close",
            Box::new(|| open_proc_ns("net").map(drop)),
        ),
        (
            "ioctl(held pidfd, PIDFD_GET_NET_NAMESPACE) + close",
            Box::new(move || match held_pidfd {
                Ok(pidfd) => pidfd_net(pidfd).map(drop),
                Err(e) => Err(io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(0))),
            }),
        ),
        (
            "pidfd_open(pid) + ioctl + close both",
            Box::new(|| pidfd_net(&pidfd_open(getpid())?).map(drop)),
        ),
        (
            "eventfd() + close (floor: any anonymous file)",
            Box::new(|| eventfd().map(drop)),
        ),
        ("getppid() (floor: entering the kernel)", Box::new(getppid)),
    ]
}

fn handle_rows(o: &Opts, t: &mut Table) {
    let held = pidfd_open(getpid());
    t.section(
        "Open and close a descriptor of the caller's net namespace, no other file of it open \
         (ns per call)",
    );
    add_group(o, t, time_group(o, open_routes(&held)));
    // The same with one nsfs file of the namespace kept open: its nsfs inode and dentry then
    // exist already, and no route allocates or frees them. What the two sections differ by is
    // that allocation and freeing.
    t.section("The same while another descriptor of the namespace is open (its nsfs inode exists)");
    let keep = open_proc_ns("net");
    let results = time_group(o, open_routes(&held));
    drop(keep);
    let results = results
        .into_iter()
        .map(|(name, r)| (format!("{name}, inode exists"), r))
        .collect();
    add_group(o, t, results);
}

/// `NS_GET_NSTYPE` of <linux/nsfs.h>: `_IO(0xb7, 0x3)`.
const NS_GET_NSTYPE: libc::c_ulong = 0xb703;

/// The setns rows, one per kind of descriptor, and a control row that the
/// series does not touch. Their names are the same in every kernel: make
/// bench runs them in the unmodified kernel too, where a handle is the
/// `/proc` file that nsfd() replaces.
fn setns_rows(o: &Opts, t: &mut Table) {
    let net = libc::CLONE_NEWNET;
    t.section("Join the caller's own net namespace (ns per call)");
    let handle = match NsHandle::open(Task::Current, NsType::Net) {
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => open_proc_ns("net"),
        h => h.map(OwnedFd::from),
    };
    let bind_path = "/tmp/nsfd-bench-net";
    let bound = bind_proc_ns("net", bind_path);
    let pidfd = pidfd_open(getpid());
    let fds = [
        handle,
        open_proc_ns("net"),
        bound.and_then(|_| open_path(bind_path)),
        pidfd
            .as_ref()
            .map_err(|e| io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(0)))
            .and_then(pidfd_net),
        pidfd_open(getpid()),
    ];
    let proc_fd = open_proc_ns("net");
    let join = |fd: &io::Result<OwnedFd>| match fd {
        Ok(fd) => setns(fd, net),
        Err(e) => Err(io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(0))),
    };
    let routes: Vec<Route> = vec![
        ("setns(handle, net)", Box::new(|| join(&fds[0]))),
        (
            "setns(/proc/self/ns/net fd, net)",
            Box::new(|| join(&fds[1])),
        ),
        ("setns(bind mount fd, net)", Box::new(|| join(&fds[2]))),
        (
            "setns(PIDFD_GET_NET_NAMESPACE fd, net)",
            Box::new(|| join(&fds[3])),
        ),
        ("setns(pidfd, CLONE_NEWNET)", Box::new(|| join(&fds[4]))),
        (
            "ioctl(/proc fd, NS_GET_NSTYPE) (control: not the series' code)",
            Box::new(|| match &proc_fd {
                // SAFETY: NS_GET_NSTYPE takes no argument and returns the type or -1.
                Ok(fd) => {
                    sys(unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_NSTYPE as _) } as libc::c_long)
                        .map(drop)
                }
                Err(e) => Err(io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(0))),
            }),
        ),
    ];
    add_group(o, t, time_group(o, routes));
    drop(fds);
    let _ = umount(bind_path);
    let _ = std::fs::remove_file(bind_path);
}

fn open_path(path: &str) -> io::Result<OwnedFd> {
    let p = cstr(path);
    // SAFETY: `p` is a NUL-terminated string that outlives the call.
    sys(unsafe { libc::open(p.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) } as libc::c_long)
        .map(own)
}

/// Bind-mounts `/proc/self/ns/NAME` at `path` (a new empty file).
fn bind_proc_ns(name: &str, path: &str) -> io::Result<()> {
    std::fs::write(path, b"")?;
    Ok(rustix::mount::mount_bind(
        format!("/proc/self/ns/{name}").as_str(),
        path,
    )?)
}

fn umount(path: &str) -> io::Result<()> {
    Ok(rustix::mount::unmount(
        path,
        rustix::mount::UnmountFlags::empty(),
    )?)
}

/// `Slab:` of /proc/meminfo, in bytes.
fn slab_bytes() -> Result<i64, String> {
    let text = std::fs::read_to_string("/proc/meminfo").map_err(|e| e.to_string())?;
    text.lines()
        .find_map(|l| l.strip_prefix("Slab:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| "no Slab: line in /proc/meminfo".to_string())
}

/// Waits until RCU callbacks and deferred frees have settled: `Slab:` unchanged over five
/// reads 200 ms apart, or `longest`.
fn settled_slab(longest: Duration) -> Result<i64, String> {
    let deadline = Instant::now() + longest;
    let mut last = slab_bytes()?;
    let mut same = 0;
    while same < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        let now = slab_bytes()?;
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
    Ok(last)
}

/// Raises the descriptor limit and grows the descriptor table to `n` first, so that neither
/// the table nor its growth counts in a memory row.
fn make_room_for(n: usize) -> Result<(), String> {
    let want = (n + 1024) as libc::rlim_t;
    let lim = libc::rlimit {
        rlim_cur: want,
        rlim_max: want,
    };
    // SAFETY: `lim` is a valid rlimit that outlives the call.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(format!(
            "setrlimit(RLIMIT_NOFILE, {want}): {}",
            io::Error::last_os_error()
        ));
    }
    // SAFETY: dup2 of stdin to an unused number below the new limit, closed at once.
    let fd = unsafe { libc::dup2(0, (n + 512) as RawFd) };
    if fd < 0 {
        return Err(format!("dup2: {}", io::Error::last_os_error()));
    }
    // SAFETY: `fd` is ours and no longer needed.
    unsafe { libc::close(fd) };
    Ok(())
}

/// Bytes of slab per open descriptor made by `open`, over `--mem-fds` of them.
fn slab_per_fd(o: &Opts, mut open: impl FnMut() -> io::Result<OwnedFd>) -> Result<f64, String> {
    let n = o.mem_fds;
    let before = settled_slab(o.settle)?;
    let mut fds = Vec::with_capacity(n);
    for _ in 0..n {
        fds.push(open().map_err(|e| e.to_string())?);
    }
    let after = settled_slab(o.settle)?;
    drop(fds);
    settled_slab(o.settle)?;
    Ok((after - before) as f64 / n as f64)
}

fn memory_rows(o: &Opts, t: &mut Table) {
    t.section("Kernel memory per open descriptor (slab delta, RCU settled; bytes)");
    let n = o.mem_fds;
    let c = format!("{n} open fds");
    if let Err(e) = make_room_for(n) {
        for name in ["handle", "/proc fd", "pidfd-ioctl fd", "eventfd"] {
            t.add(name, Err(e.clone()), "B", None, c.clone());
        }
        return;
    }
    let net = libc::CLONE_NEWNET as libc::c_ulong;
    let base = t.add_base(
        "open handle (nsfd)",
        slab_per_fd(o, || nsfd(0, net)),
        "B",
        c.clone(),
    );
    t.add(
        "open /proc/self/ns/net fd",
        slab_per_fd(o, || open_proc_ns("net")),
        "B",
        base,
        c.clone(),
    );
    let v = match pidfd_open(getpid()) {
        Ok(pidfd) => slab_per_fd(o, || pidfd_net(&pidfd)),
        Err(e) => Err(format!("pidfd_open: {e}")),
    };
    t.add("open pidfd-ioctl fd", v, "B", base, c.clone());
    t.add(
        "open eventfd (reference)",
        slab_per_fd(o, eventfd),
        "B",
        base,
        c,
    );
}

fn cerr(what: &str) -> String {
    format!("{what}: {}", io::Error::last_os_error())
}

fn write_file(path: &str, value: &str) -> Result<(), String> {
    std::fs::write(path, value).map_err(|e| format!("{path}: {e}"))
}

fn raise_sysctl(path: &str, at_least: usize) -> Result<(), String> {
    let cur: usize = std::fs::read_to_string(path)
        .map_err(|e| format!("{path}: {e}"))?
        .trim()
        .parse()
        .map_err(|e| format!("{path}: {e}"))?;
    if cur < at_least {
        write_file(path, &at_least.to_string())?;
    }
    Ok(())
}

/// A private mount namespace with a fresh tmpfs at `dir` holding `n` empty files.
fn pin_ground(dir: &str, n: usize) -> Result<Vec<CString>, String> {
    let _ = std::fs::create_dir_all(dir);
    let d = cstr(dir);
    // SAFETY: unmounting a path string; failure (nothing mounted) is fine.
    unsafe { libc::umount2(d.as_ptr(), libc::MNT_DETACH) };
    let tmpfs = cstr("tmpfs");
    // SAFETY: string arguments that outlive the call, no data.
    if unsafe {
        libc::mount(
            tmpfs.as_ptr(),
            d.as_ptr(),
            tmpfs.as_ptr(),
            0,
            std::ptr::null(),
        )
    } != 0
    {
        return Err(cerr("mount tmpfs"));
    }
    (0..n)
        .map(|i| {
            let p = format!("{dir}/{i}");
            std::fs::File::create(&p).map_err(|e| format!("{p}: {e}"))?;
            Ok(cstr(&p))
        })
        .collect()
}

fn bind(src: &CString, dst: &CString) -> Result<(), String> {
    // SAFETY: path strings that outlive the call; a bind mount takes no type or data.
    if unsafe {
        libc::mount(
            src.as_ptr(),
            dst.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        )
    } != 0
    {
        return Err(cerr("mount --bind"));
    }
    Ok(())
}

fn new_uts_ns() -> Result<(), String> {
    // SAFETY: plain system call on an integer.
    if unsafe { libc::unshare(libc::CLONE_NEWUTS) } != 0 {
        return Err(cerr("unshare(CLONE_NEWUTS)"));
    }
    Ok(())
}

/// A way to pin a namespace at a path.
#[derive(Clone, Copy)]
enum PinRoute {
    /// `mount --bind /proc/self/ns/uts PATH`: one mount call, no handle.
    ProcFile,
    /// nsfd(), then `open_tree(OPEN_TREE_CLONE)` + `move_mount`: libnsfd's route.
    HandleMountApi,
    /// nsfd(), then `mount --bind /proc/self/fd/N PATH`: the RFC's route.
    HandleProcFd,
}

const PIN_ROUTES: [PinRoute; 3] = [
    PinRoute::ProcFile,
    PinRoute::HandleMountApi,
    PinRoute::HandleProcFd,
];

impl PinRoute {
    fn label(self) -> &'static str {
        match self {
            PinRoute::ProcFile => "/proc files",
            PinRoute::HandleMountApi => "handles, mount API",
            PinRoute::HandleProcFd => "handles, /proc/self/fd",
        }
    }

    /// The row of `step` ("pin" or "release") for `n` namespaces.
    fn row(self, step: &str, n: usize) -> String {
        format!("{step} {n}, {}", self.label())
    }
}

fn bind_with_mount_api(h: &OwnedFd, target: &CString) -> Result<(), String> {
    use rustix::mount::{MoveMountFlags, OpenTreeFlags};
    let tree = rustix::mount::open_tree(
        h,
        "",
        OpenTreeFlags::OPEN_TREE_CLONE
            | OpenTreeFlags::OPEN_TREE_CLOEXEC
            | OpenTreeFlags::AT_EMPTY_PATH,
    )
    .map_err(|e| format!("open_tree: {e}"))?;
    rustix::mount::move_mount(
        &tree,
        "",
        rustix::fs::CWD,
        target.as_c_str(),
        MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_SYMLINKS,
    )
    .map_err(|e| format!("move_mount: {e}"))
}

/// Pins `n` new UTS namespaces by `route`, then releases them with
/// `umount2(MNT_DETACH)` as `ip netns del` does. Returns the time per namespace of
/// the pin step and of the release, in microseconds; creating the namespaces and the
/// mount points is not timed.
fn pin_release(dir: &str, n: usize, route: PinRoute) -> Result<(f64, f64), String> {
    let targets = pin_ground(dir, n)?;
    let proc_uts = cstr("/proc/self/ns/uts");
    let mut pin = Duration::ZERO;
    for target in &targets {
        new_uts_ns()?;
        let t0 = Instant::now();
        let handle =
            || nsfd(0, libc::CLONE_NEWUTS as libc::c_ulong).map_err(|e| format!("nsfd: {e}"));
        match route {
            PinRoute::ProcFile => bind(&proc_uts, target)?,
            PinRoute::HandleMountApi => bind_with_mount_api(&handle()?, target)?,
            PinRoute::HandleProcFd => {
                // The handle stays open until the bind has resolved /proc/self/fd/N.
                let h = handle()?;
                bind(&cstr(&format!("/proc/self/fd/{}", h.as_raw_fd())), target)?
            }
        }
        pin += t0.elapsed();
    }
    let t0 = Instant::now();
    for target in &targets {
        // SAFETY: a path string that outlives the call.
        if unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) } != 0 {
            return Err(cerr("umount2"));
        }
    }
    let release = t0.elapsed();
    let d = cstr(dir);
    // SAFETY: a path string that outlives the call.
    unsafe { libc::umount2(d.as_ptr(), libc::MNT_DETACH) };
    let per = |d: Duration| d.as_nanos() as f64 / 1000.0 / n as f64;
    Ok((per(pin), per(release)))
}

fn pin_rows(o: &Opts, t: &mut Table) {
    t.section(
        "Pin new UTS namespaces by bind mount, then release them (MNT_DETACH); us per namespace",
    );
    let max = o.pin.iter().copied().max().unwrap_or(0);
    // A private mount namespace: the bind mounts propagate nowhere.
    let setup = (|| {
        raise_sysctl("/proc/sys/fs/mount-max", 2 * max + 10_000)?;
        raise_sysctl("/proc/sys/user/max_uts_namespaces", 2 * max + 10_000)?;
        // SAFETY: plain system call on an integer.
        if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
            return Err(cerr("unshare(CLONE_NEWNS)"));
        }
        let root = cstr("/");
        // SAFETY: path string that outlives the call; no type or data.
        if unsafe {
            libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            )
        } != 0
        {
            return Err(cerr("mount --make-rprivate /"));
        }
        Ok(())
    })();
    let dir = "/tmp/nsfd-bench-pin";
    // A small round of each route first: the first pin in a process pays for setting
    // things up.
    for route in PIN_ROUTES {
        let _ = setup.clone().and_then(|()| pin_release(dir, 100, route));
    }
    for &n in &o.pin {
        let c = format!("{n} namespaces, median of {} rounds", o.pin_rounds);
        // Rounds rotate which route goes first, so that none always runs on the
        // others' leftovers (RCU callbacks, freed slabs).
        let mut samples: [Vec<(f64, f64)>; 3] = Default::default();
        // A route's error is its own rows'.
        let mut err: [Option<String>; 3] = Default::default();
        for round in 0..o.pin_rounds {
            for k in 0..PIN_ROUTES.len() {
                let i = (round + k) % PIN_ROUTES.len();
                match setup
                    .clone()
                    .and_then(|()| pin_release(dir, n, PIN_ROUTES[i]))
                {
                    Ok(r) => samples[i].push(r),
                    Err(e) => err[i] = Some(e),
                }
            }
        }
        let pick = |i: usize, f: fn(&(f64, f64)) -> f64| match &err[i] {
            Some(e) => Err(e.clone()),
            None => Ok(median(samples[i].iter().map(f).collect())),
        };
        for (step, f) in [
            ("pin", (|r: &(f64, f64)| r.0) as fn(&(f64, f64)) -> f64),
            ("release", |r| r.1),
        ] {
            let base = t.add_base(&PIN_ROUTES[0].row(step, n), pick(0, f), "us", c.clone());
            for (i, route) in PIN_ROUTES.iter().enumerate().skip(1) {
                t.add(&route.row(step, n), pick(i, f), "us", base, c.clone());
            }
        }
    }
}

/// Wall time per call of `calls` calls of nsfd+close in each of `threads` threads at once.
fn threaded(o: &Opts, threads: usize, by_handle: bool) -> Result<f64, String> {
    let run = move || -> Result<(), String> {
        for _ in 0..o.calls {
            if by_handle {
                nsfd(0, libc::CLONE_NEWNET as libc::c_ulong).map_err(|e| e.to_string())?;
            } else {
                open_proc_ns("net").map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    };
    let mut per_call = Vec::new();
    for b in 0..=o.batches {
        let t0 = Instant::now();
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads).map(|_| s.spawn(run)).collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
                .collect::<Result<Vec<()>, String>>()
        })?;
        if b > 0 {
            per_call.push(t0.elapsed().as_nanos() as f64 / o.calls as f64);
        }
    }
    Ok(median(per_call))
}

fn thread_rows(o: &Opts, t: &mut Table) {
    t.section(
        "Scaling: wall time per call, each thread making every call, the namespace's inode kept \
         (ns; 1.00x = linear)",
    );
    // Every thread opens the same namespace, so without a file kept open one thread's open
    // file would spare the other the inode allocation some of the time, and two threads would
    // seem faster than one. With it, both counts do the same work per call.
    let keep = open_proc_ns("net");
    for (route, by_handle) in [("nsfd + close", true), ("open(/proc) + close", false)] {
        let base = t.add_base(
            &format!("{route}, 1 thread"),
            threaded(o, 1, by_handle),
            "ns",
            counts(o),
        );
        t.add(
            &format!("{route}, 2 threads"),
            threaded(o, 2, by_handle),
            "ns",
            base,
            counts(o),
        );
    }
    drop(keep);
}

/// The targets of the benchmark issue, checked against this run's rows.
fn targets(o: &Opts, t: &Table) -> String {
    let v = |name: &str| {
        t.rows
            .iter()
            .find(|r| r.name == name)
            .and_then(|r| r.value.as_ref().ok().copied())
    };
    let ratio = |a: &str, b: &str| Some(v(a)? / v(b)?);
    let mut lines = Vec::new();
    let mut target = |what: String, got: Option<f64>, met: &dyn Fn(f64) -> bool| {
        let verdict = match got {
            Some(r) if met(r) => format!("{r:.2}  met"),
            Some(r) => format!("{r:.2}  MISSED"),
            None => "not measured".to_string(),
        };
        lines.push(format!("  {what:<72} {verdict}"));
    };
    for suffix in ["", ", inode exists"] {
        let row = |name: &str| format!("{name}{suffix}");
        let nsfd = row("nsfd(0, net) + close");
        let when = if suffix.is_empty() {
            ""
        } else {
            " (inode exists)"
        };
        target(
            format!("nsfd+close / eventfd+close{when}, at most 1.3"),
            ratio(&nsfd, &row("eventfd() + close (floor: any anonymous file)")),
            &|r| r <= 1.3,
        );
        target(
            format!("nsfd+close / open(/proc)+close{when}, at most 0.5"),
            ratio(&nsfd, &row("open(/proc/self/ns/net) + close")),
            &|r| r <= 0.5,
        );
        target(
            format!("nsfd+close / held-pidfd ioctl+close{when}, at most 0.8"),
            ratio(
                &nsfd,
                &row("ioctl(held pidfd, PIDFD_GET_NET_NAMESPACE) + close"),
            ),
            &|r| r <= 0.8,
        );
    }
    target(
        "setns(handle) / setns(/proc fd), within 5%".into(),
        ratio("setns(handle, net)", "setns(/proc/self/ns/net fd, net)"),
        &|r| (r - 1.0).abs() <= 0.05,
    );
    target(
        "memory per open handle / per open /proc fd, at most 1.2".into(),
        ratio("open handle (nsfd)", "open /proc/self/ns/net fd"),
        &|r| r <= 1.2,
    );
    for step in ["pin", "release"] {
        let per: Option<Vec<f64>> = o
            .pin
            .iter()
            .map(|&n| v(&PinRoute::HandleMountApi.row(step, n)))
            .collect();
        let spread = per.and_then(|p| {
            let max = p.iter().copied().fold(f64::MIN, f64::max);
            let min = p.iter().copied().fold(f64::MAX, f64::min);
            (min > 0.0).then(|| max / min)
        });
        target(
            format!(
                "{step} per namespace (handles, mount API), largest / smallest over {:?}, at most 1.2",
                o.pin
            ),
            spread,
            &|r| r <= 1.2,
        );
    }
    // Release: "no slower", with the run-to-run noise of equal work in one VM run (about 3%).
    for &n in &o.pin {
        for (step, at_most, why) in [("pin", 1.0, ""), ("release", 1.03, " (3% noise)")] {
            target(
                format!("{step} {n}: handles (mount API) / /proc files, at most {at_most:.2}{why}"),
                ratio(
                    &PinRoute::HandleMountApi.row(step, n),
                    &PinRoute::ProcFile.row(step, n),
                ),
                &|r| r <= at_most,
            );
        }
    }
    format!("\nTargets (ratios of this run)\n{}\n", lines.join("\n"))
}

fn uname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    let o = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("nsfd_bench: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let mut t = Table {
        rows: Vec::new(),
        sections: Vec::new(),
    };
    if o.setns_only {
        setns_rows(&o, &mut t);
    } else {
        handle_rows(&o, &mut t);
        setns_rows(&o, &mut t);
        memory_rows(&o, &mut t);
        thread_rows(&o, &mut t);
        // Last: it leaves this process in a private mount namespace and a new UTS namespace.
        pin_rows(&o, &mut t);
    }
    if let Some(path) = &o.values {
        let tsv: String = t
            .rows
            .iter()
            .filter_map(|r| Some(format!("{}\t{}\n", r.name, r.value.as_ref().ok()?)))
            .collect();
        if let Err(e) = std::fs::write(path, tsv) {
            eprintln!("nsfd_bench: {}: {e}", path.display());
        }
    }

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut text = format!(
        "nsfd_bench on Linux {}, {cpus} CPUs; ratios are to the first row of each section\n",
        uname()
    );
    text += &t.render();
    if !o.setns_only {
        text += &targets(&o, &t);
    }
    let failed = t.rows.iter().filter(|r| r.value.is_err()).count();
    if o.ktap {
        println!("KTAP version 1\n# bench\n1..{}", t.rows.len());
        for line in text.lines() {
            println!("# {line}");
        }
        for (i, r) in t.rows.iter().enumerate() {
            let name: String = r
                .name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            match &r.value {
                Ok(_) => println!("ok {} {name}", i + 1),
                Err(e) => println!("# {}: {e}\nnot ok {} {name}", r.name, i + 1),
            }
        }
        println!(
            "# Totals: pass:{} fail:{failed} xfail:0 xpass:0 skip:0 error:0",
            t.rows.len() - failed
        );
    } else {
        print!("{text}");
    }
    if let Some(out) = &o.out {
        if let Err(e) = std::fs::write(out, &text) {
            eprintln!("nsfd_bench: {}: {e}", out.display());
            std::process::exit(1);
        }
    }
    std::process::exit(i32::from(failed > 0));
}
