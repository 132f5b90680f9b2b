//! The race phases: several threads and processes at once on the same
//! tasks, handles and namespaces, each bounded by the phase's budget.

use crate::account::file_handle;
use crate::stats::{res, Budget, Stats};
use crate::sys::{any_for_children_type, any_type, nsfd, setns, Flag, NsType};
use crate::Opts;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// argv[1] of the static program the churning children exec: it exits at once.
pub const EXEC_HELPER_ARG: &str = "--exit-at-once";

// Every list below holds only the errors the call's situation can give;
// the caller is root in its user namespace, with every capability, which
// rules out EACCES and EPERM. ENOMEM is in none: the allocations are small
// and an out-of-memory VM is itself a failure of the run.

/// nsfd(2) on a task that may be exiting, reaped or gone (Documentation/nsfd.rst).
const NSFD_GONE: &[i32] = &[
    libc::ESRCH, // no task with the pid, or it has dropped its namespaces
];

/// mount(2) on a target whose top mount another thread unmounts between the
/// lookup and the lock fails with ENOENT (do_lock_mount(): the mount is no
/// longer mounted), whatever the source.
const MOUNT_RACE_ERRORS: &[i32] = &[libc::ENOENT];

/// The namespace types a thread can join and leave again (uts, ipc, net,
/// cgroup: per thread, no single-thread rule).
const THREAD_TYPES: [NsType; 4] = [NsType::Uts, NsType::Ipc, NsType::Net, NsType::Cgroup];

/// A cheap seeded generator per thread.
fn rng(o: &Opts, salt: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(o.seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Runs `f(thread index)` on `n` threads and merges their stats.
fn threads(n: usize, f: impl Fn(usize) -> Stats + Sync) -> Stats {
    let mut all = Stats::default();
    std::thread::scope(|s| {
        let f = &f;
        let hs: Vec<_> = (0..n).map(|i| s.spawn(move || f(i))).collect();
        for h in hs {
            all.merge(h.join().unwrap_or_else(|_| {
                let mut s = Stats::default();
                s.violate("a race thread panicked".into());
                s
            }));
        }
    });
    all
}

/// Runs `work(i)` on `o.threads` threads while one more lets `sitter` (the
/// last process of the namespaces they work on) exit after a short while.
fn race_with_exit(o: &Opts, sitter: Sitter, work: impl Fn(usize) -> Stats + Sync) -> Stats {
    let sitter = Mutex::new(Some(sitter));
    threads(o.threads + 1, |i| {
        if i < o.threads {
            return work(i);
        }
        std::thread::sleep(Duration::from_millis(5));
        if let Some(s) = sitter.lock().unwrap().take() {
            s.exit();
        }
        Stats::default()
    })
}

/// Forks a child that unshares `flags`, then runs `then` (which must not
/// return) — from a multithreaded parent, so it only makes system calls.
fn fork_child(flags: libc::c_int, then: impl FnOnce()) -> io::Result<libc::pid_t> {
    // SAFETY: the child makes only async-signal-safe system calls and exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: plain system call in the child.
        if flags != 0 && unsafe { libc::unshare(flags) } < 0 {
            // SAFETY: leave at once.
            unsafe { libc::_exit(3) };
        }
        then();
        exit_now();
    }
    Ok(pid)
}

fn reap(pid: libc::pid_t) {
    let mut st = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut st, 0) };
}

fn exit_now() -> ! {
    // SAFETY: leaving the child.
    unsafe { libc::_exit(0) }
}

/// A child that unshares `flags` and waits until its pipe closes; its
/// namespaces live as long as it does.
pub struct Sitter {
    pub pid: libc::pid_t,
    go: Option<OwnedFd>,
}

/// A [`Sitter`] in new namespaces `flags`, or `None` if it could not start.
pub fn spawn_sitter(flags: libc::c_int) -> Option<Sitter> {
    Sitter::spawn(flags).ok()
}

/// A [`Sitter`] with a second thread, and that thread's id (for thread
/// pidfds). Only from a single-threaded caller: the child runs Rust code.
pub fn spawn_sitter_with_thread(flags: libc::c_int) -> io::Result<(Sitter, libc::pid_t)> {
    let mut go = [0; 2];
    let mut ready = [0; 2];
    // SAFETY: room for two descriptors each.
    unsafe {
        if libc::pipe2(go.as_mut_ptr(), libc::O_CLOEXEC) < 0
            || libc::pipe2(ready.as_mut_ptr(), libc::O_CLOEXEC) < 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    // SAFETY: the caller is single-threaded, so the child may run Rust code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // A new user namespace needs a single thread, and no thread can be
        // made once the pid or time namespace for children differs: the
        // thread comes between the two.
        let later = flags & (libc::CLONE_NEWPID | libc::CLONE_NEWTIME);
        // SAFETY: system calls on the child's own pipe ends.
        unsafe {
            libc::close(go[1]);
            if libc::unshare(flags & !later) < 0 {
                libc::_exit(3);
            }
        }
        let (rd, wr) = (go[0], ready[1]);
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions.
            let _ = tx.send(unsafe { libc::gettid() });
            let mut b = 0u8;
            // SAFETY: the thread waits for EOF too.
            unsafe { libc::read(rd, (&mut b as *mut u8).cast(), 1) };
        });
        let tid: libc::pid_t = rx.recv().unwrap_or(0);
        // SAFETY: plain system calls; the thread is made, now the namespaces for children.
        unsafe {
            if libc::unshare(later) < 0 {
                libc::_exit(3);
            }
            libc::write(wr, (&tid as *const libc::pid_t).cast(), 4);
        }
        let _ = t.join();
        exit_now()
    }
    // SAFETY: closing our copies of the child's ends; reading the thread id.
    unsafe {
        libc::close(go[0]);
        libc::close(ready[1]);
        let mut tid: libc::pid_t = 0;
        let n = libc::read(ready[0], (&mut tid as *mut libc::pid_t).cast(), 4);
        libc::close(ready[0]);
        let sitter = Sitter {
            pid,
            go: Some(OwnedFd::from_raw_fd(go[1])),
        };
        if n != 4 {
            return Err(io::Error::from_raw_os_error(libc::ECHILD));
        }
        Ok((sitter, tid))
    }
}

impl Sitter {
    pub fn spawn(flags: libc::c_int) -> io::Result<Sitter> {
        let mut p = [0; 2];
        // SAFETY: room for two descriptors.
        if unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
        let (rd, wr) = (p[0], p[1]);
        let mut ready = [0; 2];
        // SAFETY: as above.
        if unsafe { libc::pipe2(ready.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
        let pid = fork_child(flags, move || {
            // SAFETY: system calls on the child's pipe ends. In a new pid
            // namespace a second child is its init (pid 1); both wait for EOF.
            unsafe {
                libc::close(wr);
                let init = if flags & libc::CLONE_NEWPID != 0 {
                    libc::fork()
                } else {
                    -1
                };
                if init != 0 {
                    libc::write(ready[1], b"r".as_ptr().cast(), 1);
                }
                let mut b = 0u8;
                libc::read(rd, (&mut b as *mut u8).cast(), 1);
                if init > 0 {
                    reap(init);
                }
            }
            exit_now()
        })?;
        // SAFETY: closing our copies of the child's ends; reading its signal.
        unsafe {
            libc::close(rd);
            libc::close(ready[1]);
            let mut b = 0u8;
            let n = libc::read(ready[0], (&mut b as *mut u8).cast(), 1);
            libc::close(ready[0]);
            if n != 1 {
                libc::close(wr);
                reap(pid);
                return Err(io::Error::from_raw_os_error(libc::ECHILD));
            }
            Ok(Sitter {
                pid,
                go: Some(OwnedFd::from_raw_fd(wr)),
            })
        }
    }

    /// Lets the child exit and reaps it.
    fn exit(mut self) {
        self.go.take();
        reap(self.pid);
    }
}

impl Drop for Sitter {
    fn drop(&mut self) {
        if self.go.take().is_some() {
            reap(self.pid);
        }
    }
}

/// Keeps the file handle of a namespace the phase made (a sample of them).
fn note_created(st: &mut Stats, fd: &impl AsRawFd) {
    if st.created.len() < 256 {
        if let Some(h) = file_handle(fd) {
            st.created.push(h);
        }
    }
}

/// nsfd() on tasks that are unsharing, exec'ing, exiting and being reaped
/// (with pid reuse): children churn while threads take handles of the most
/// recent pids.
pub fn nsfd_on_churning_tasks(o: &Opts, b: &mut Budget) -> Stats {
    const RING: usize = 64;
    let ring: Arc<Vec<AtomicI32>> = Arc::new((0..RING).map(|_| AtomicI32::new(1)).collect());
    let next = AtomicUsize::new(0);
    let exe = CString::new("/proc/self/exe").unwrap();
    let arg = CString::new(EXEC_HELPER_ARG).unwrap();
    let churners = 2.min(o.threads);
    threads(o.threads + churners, |i| {
        let mut st = Stats::default();
        let mut r = rng(o, 1000 + i as u64);
        if i < churners {
            // Churn: children unshare, then exit or exec, reaped at once or later.
            let mut zombies = vec![];
            while !b.done() {
                let flags = [
                    libc::CLONE_NEWUTS,
                    libc::CLONE_NEWIPC,
                    libc::CLONE_NEWCGROUP,
                    0,
                ][r.usize(..4)];
                let exec = r.bool();
                let (exe, arg) = (exe.as_ptr(), arg.as_ptr());
                let pid = fork_child(flags, move || {
                    if exec {
                        let argv = [exe, arg, std::ptr::null()];
                        // SAFETY: valid strings and a null-terminated argv.
                        unsafe { libc::execv(exe, argv.as_ptr()) };
                    }
                    exit_now()
                });
                // About twenty children at a time, for root: no limit is near.
                st.record("fork+unshare", &pid, &[], || "fork".into());
                let Ok(pid) = pid else { continue };
                ring[next.fetch_add(1, Ordering::Relaxed) % RING].store(pid, Ordering::Relaxed);
                zombies.push(pid);
                if zombies.len() > 8 || r.bool() {
                    reap(zombies.remove(0));
                }
            }
            zombies.into_iter().for_each(reap);
            return st;
        }
        while b.take() {
            let pid = ring[r.usize(..RING)].load(Ordering::Relaxed);
            let ty = if r.u8(..8) == 0 {
                any_for_children_type(&mut r)
            } else {
                any_type(&mut r)
            };
            let h = nsfd(pid, ty.nstype().into());
            st.record("nsfd(churning pid)", &h, NSFD_GONE, || {
                format!("nsfd({pid}, {})", ty.name())
            });
        }
        st
    })
}

/// A [`Sitter`] in new namespaces `flags`, or `None` with the reason recorded in `st`.
fn sitter_or_violate(st: &mut Stats, flags: libc::c_int) -> Option<Sitter> {
    Sitter::spawn(flags)
        .map_err(|e| st.violate(format!("fork a child in new namespaces {flags:#x}: {e}")))
        .ok()
}

/// A private scratch tmpfs with eight files to bind-mount on, or `None` with
/// the reason recorded in `st`.
fn scratch_files(st: &mut Stats, tag: &str) -> Option<(Scratch, Vec<CString>)> {
    match Scratch::new(tag) {
        Ok(s) => {
            let files = (0..8).map(|i| s.file(i)).collect();
            Some((s, files))
        }
        Err(e) => {
            st.violate(format!("scratch tmpfs: {e}"));
            None
        }
    }
}

/// A scratch directory on a private tmpfs, for bind mounts.
struct Scratch(String);

impl Scratch {
    fn new(tag: &str) -> io::Result<Scratch> {
        let dir = format!("/tmp/nsfd-stress-{tag}-{}", std::process::id());
        std::fs::create_dir_all(&dir)?;
        let c = CString::new(dir.as_str()).unwrap();
        // SAFETY: valid strings; tmpfs takes no data here.
        unsafe {
            if libc::mount(
                c"tmpfs".as_ptr(),
                c.as_ptr(),
                c"tmpfs".as_ptr(),
                0,
                std::ptr::null(),
            ) < 0
                || libc::mount(
                    std::ptr::null(),
                    c.as_ptr(),
                    std::ptr::null(),
                    libc::MS_PRIVATE,
                    std::ptr::null(),
                ) < 0
            {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(Scratch(dir))
    }

    fn file(&self, i: usize) -> CString {
        let p = format!("{}/f{i}", self.0);
        let _ = std::fs::File::create(&p);
        CString::new(p).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let c = CString::new(self.0.as_str()).unwrap();
        // SAFETY: valid string; detaches the tmpfs and every mount on it.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn bind(src: &str, dst: &CString) -> io::Result<libc::c_long> {
    let s = CString::new(src).unwrap();
    // SAFETY: valid strings; a bind mount takes no data.
    res(unsafe {
        libc::mount(
            s.as_ptr(),
            dst.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        )
    } as _)
}

fn umount(dst: &CString, flags: libc::c_int) -> io::Result<libc::c_long> {
    // SAFETY: valid string.
    res(unsafe { libc::umount2(dst.as_ptr(), flags) } as _)
}

/// Sends a copy of `fd` over `sock` (SCM_RIGHTS).
fn send_fd(sock: &OwnedFd, fd: &OwnedFd) -> io::Result<usize> {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut cmsg = SendAncillaryBuffer::new(&mut space);
    let fds = [fd.as_fd()];
    cmsg.push(SendAncillaryMessage::ScmRights(&fds));
    Ok(rustix::net::sendmsg(
        sock,
        &[io::IoSlice::new(b"h")],
        &mut cmsg,
        SendFlags::empty(),
    )?)
}

/// Receives descriptors from `sock` and closes them, until the sender closes
/// its end; returns how many.
fn receive_and_close(sock: OwnedFd) -> usize {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    let mut n = 0;
    loop {
        let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut cmsg = RecvAncillaryBuffer::new(&mut space);
        let mut byte = [0u8; 1];
        match rustix::net::recvmsg(
            &sock,
            &mut [io::IoSliceMut::new(&mut byte)],
            &mut cmsg,
            RecvFlags::CMSG_CLOEXEC,
        ) {
            Ok(r) if r.bytes > 0 => {
                for m in cmsg.drain() {
                    if let RecvAncillaryMessage::ScmRights(fds) = m {
                        n += fds.count(); // each dropped, so closed
                    }
                }
            }
            _ => return n,
        }
    }
}

/// One handle, many copies at once: dup and close, reopen through
/// /proc/self/fd/N and through its bind mounts, bind-mount, unmount (plain
/// and MNT_DETACH), pass over a unix socket to a thread that closes it.
pub fn handle_lifecycle(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let Some((_scratch, files)) = scratch_files(&mut st, "life") else {
        return st;
    };
    while !b.done() {
        // A namespace only the handle keeps: its process exits right away.
        let Some(sitter) = sitter_or_violate(&mut st, libc::CLONE_NEWUTS) else {
            break;
        };
        let h = nsfd(sitter.pid, NsType::Uts.nstype().into());
        // The child waits for us: it and its namespaces are there.
        st.record("nsfd(child)", &h, &[], || "nsfd(child, uts)".into());
        sitter.exit();
        let Ok(h) = h else { continue };
        note_created(&mut st, &h);
        use rustix::net::{AddressFamily, SocketFlags, SocketType};
        let pair = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        );
        let (tx, rx) = match pair {
            Ok(p) => p,
            Err(e) => {
                st.violate(format!("socketpair: {e}"));
                break;
            }
        };
        let receiver = std::thread::spawn(move || receive_and_close(rx));
        let proc_path = format!("/proc/self/fd/{}", h.as_raw_fd());
        let round = Budget::new(2000, Duration::from_secs(30));
        st.merge(threads(o.threads, |i| {
            let mut st = Stats::default();
            let mut r = rng(o, 2000 + i as u64);
            while round.take() && b.take() {
                let f = &files[r.usize(..files.len())];
                match r.u8(..7) {
                    0 => {
                        // A few descriptors open at once, far below RLIMIT_NOFILE.
                        let d = h.try_clone();
                        st.record("dup+close", &d, &[], || "dup".into());
                    }
                    1 => {
                        let d = crate::sys::open_ro(&proc_path);
                        st.record("open(/proc/self/fd/N)", &d, &[], || {
                            format!("open({proc_path})")
                        });
                    }
                    2 => {
                        let m = bind(&proc_path, f);
                        st.record("mount --bind handle", &m, MOUNT_RACE_ERRORS, || {
                            format!("mount --bind {proc_path}")
                        });
                    }
                    3 => {
                        let m = umount(f, 0);
                        let errs = &[
                            libc::EINVAL, // nothing mounted on f (or unmounted since the lookup)
                            // In use: a file open through it, another thread's
                            // lookup in it, or a mount stacked on it since ours.
                            libc::EBUSY,
                        ];
                        st.record("umount", &m, errs, || "umount".into());
                    }
                    4 => {
                        let m = umount(f, libc::MNT_DETACH);
                        // Nothing mounted on f (or unmounted since the lookup).
                        st.record("umount(MNT_DETACH)", &m, &[libc::EINVAL], || {
                            "umount -l".into()
                        });
                    }
                    5 => {
                        // Through a bind mount, or the plain file when none is there.
                        let d = crate::sys::open_ro(f.to_str().unwrap());
                        st.record("open(bind mount)", &d, &[], || "open(bind mount)".into());
                    }
                    _ => {
                        // A blocking socket waits for room (no EAGAIN); root is
                        // exempt from the in-flight limit (no ETOOMANYREFS); the
                        // receiver reads until we close.
                        let d = h.try_clone().and_then(|d| send_fd(&tx, &d));
                        st.record("send over SCM_RIGHTS", &d, &[], || "sendmsg".into());
                    }
                }
            }
            st
        }));
        drop(tx);
        let _ = receiver.join();
        for f in &files {
            while umount(f, libc::MNT_DETACH).is_ok() {}
        }
    }
    st
}

/// setns() through a handle, the /proc nsfs file and a pidfd of a child
/// while the child (the namespaces' last process) exits; every thread goes
/// back to its own namespaces after each join.
pub fn setns_while_target_exits(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let flags = libc::CLONE_NEWUTS | libc::CLONE_NEWIPC | libc::CLONE_NEWCGROUP;
    while !b.done() {
        let Some(sitter) = sitter_or_violate(&mut st, flags) else {
            break;
        };
        let pid = sitter.pid;
        let handles: Vec<(NsType, io::Result<OwnedFd>)> =
            [NsType::Uts, NsType::Ipc, NsType::Cgroup]
                .iter()
                .map(|t| (*t, nsfd(pid, t.nstype().into())))
                .collect();
        // The child waits for us: its namespaces and its pid are there.
        for (t, h) in &handles {
            st.record("nsfd(child)", h, &[], || {
                format!("nsfd(child, {})", t.name())
            });
            if let Ok(h) = h {
                note_created(&mut st, h);
            }
        }
        let proc_uts = crate::sys::open_ro(&format!("/proc/{pid}/ns/uts"));
        st.record("open(/proc/child/ns/uts)", &proc_uts, &[], || {
            format!("open(/proc/{pid}/ns/uts)")
        });
        let pidfd = crate::fuzz::pidfd_open(pid, 0);
        st.record("pidfd_open(child)", &pidfd, &[], || {
            format!("pidfd_open({pid})")
        });
        st.merge(race_with_exit(o, sitter, |i| {
            let mut st = Stats::default();
            let own: Vec<io::Result<OwnedFd>> = THREAD_TYPES
                .iter()
                .map(|t| nsfd(0, t.nstype().into()))
                .collect();
            let mut r = rng(o, 3000 + i as u64);
            for _ in 0..200 {
                if !b.take() {
                    break;
                }
                let (what, joined) = match r.u8(..3) {
                    0 => {
                        let (t, h) = &handles[r.usize(..handles.len())];
                        let Ok(h) = h else { continue };
                        // The handle pins the namespace, its type is the one
                        // asked for, and uts, ipc and cgroup only check
                        // CAP_SYS_ADMIN (any thread may join): it always succeeds.
                        let j = setns(h, t.flag());
                        st.record("setns(handle)", &j, &[], || {
                            format!("setns(handle, {})", t.name())
                        });
                        ("handle", j.is_ok())
                    }
                    1 => {
                        let Ok(f) = &proc_uts else { continue };
                        // Open, the file pins the namespace as a handle does.
                        let j = setns(f, libc::CLONE_NEWUTS);
                        st.record("setns(/proc nsfs file)", &j, &[], || {
                            "setns(/proc/PID/ns/uts)".into()
                        });
                        ("proc", j.is_ok())
                    }
                    _ => {
                        let Ok(p) = &pidfd else { continue };
                        let j = setns(p, libc::CLONE_NEWUTS | libc::CLONE_NEWIPC);
                        let errs = &[
                            libc::ESRCH, // the child has dropped its namespaces, or is reaped
                        ];
                        st.record("setns(pidfd)", &j, errs, || "setns(pidfd, uts|ipc)".into());
                        ("pidfd", j.is_ok())
                    }
                };
                if joined {
                    for (t, h) in THREAD_TYPES.iter().zip(&own) {
                        if let Ok(h) = h {
                            if let Err(e) = setns(h, 0) {
                                st.violate(format!(
                                    "back to own {} namespace after setns({what}): {e}",
                                    t.name()
                                ));
                            }
                        }
                    }
                }
            }
            st
        }));
    }
    st
}

const NS_GET_USERNS: u64 = 0xb701;
const NS_GET_PARENT: u64 = 0xb702;

/// The nsfs ioctls on handles of a pid namespace and its user namespace
/// while the pid namespace's processes die.
pub fn ioctls_while_namespace_dies(o: &Opts, b: &mut Budget) -> Stats {
    use crate::sys::ioctl;
    let mut st = Stats::default();
    while !b.done() {
        let Some(sitter) = sitter_or_violate(&mut st, libc::CLONE_NEWUSER | libc::CLONE_NEWPID)
        else {
            break;
        };
        let pidns = nsfd(sitter.pid, NsType::PidForChildren.nstype().into());
        let userns = nsfd(sitter.pid, NsType::User.nstype().into());
        // The child waits for us: its namespaces are there.
        st.record("nsfd(child)", &pidns, &[], || {
            "nsfd(child, pid_for_children)".into()
        });
        st.record("nsfd(child)", &userns, &[], || "nsfd(child, user)".into());
        for h in [&pidns, &userns].into_iter().flatten() {
            note_created(&mut st, h);
        }
        let me = std::process::id() as libc::c_ulong;
        st.merge(race_with_exit(o, sitter, |i| {
            let mut st = Stats::default();
            let mut r = rng(o, 4000 + i as u64);
            for _ in 0..200 {
                if !b.take() {
                    break;
                }
                let pid_handle = r.bool();
                let h = if pid_handle { &pidns } else { &userns };
                let Ok(h) = h else { continue };
                let (cmd, arg) = [
                    (ioctl::NS_GET_PID_FROM_PIDNS, 1),
                    (ioctl::NS_GET_TGID_FROM_PIDNS, 1),
                    (ioctl::NS_GET_PID_IN_PIDNS, me),
                    (NS_GET_USERNS, 0),
                    (NS_GET_PARENT, 0),
                    (ioctl::NS_GET_NSTYPE, 0),
                    (ioctl::NS_GET_OWNER_UID, 0),
                ][r.usize(..7)];
                let x = if cmd == ioctl::NS_GET_OWNER_UID {
                    crate::sys::ns_owner_uid(h).map(|_| 0)
                } else if cmd == NS_GET_USERNS || cmd == NS_GET_PARENT {
                    crate::sys::ns_ioctl_fd(h, cmd).map(|_| 0)
                } else {
                    crate::sys::ns_ioctl(h, cmd, arg)
                };
                // The handles pin both namespaces, whatever their processes
                // do: only the pid namespace's init can be gone.
                let (ok, errs): (bool, &[i32]) = match (cmd, pid_handle) {
                    // Pid 1 of the namespace: its init, until it is reaped.
                    (ioctl::NS_GET_PID_FROM_PIDNS | ioctl::NS_GET_TGID_FROM_PIDNS, true) => {
                        (true, &[libc::ESRCH])
                    }
                    // We have no pid in the child's pid namespace.
                    (ioctl::NS_GET_PID_IN_PIDNS, true) => (false, &[libc::ESRCH]),
                    // Pid translation on a user namespace.
                    (
                        ioctl::NS_GET_PID_FROM_PIDNS
                        | ioctl::NS_GET_TGID_FROM_PIDNS
                        | ioctl::NS_GET_PID_IN_PIDNS,
                        false,
                    ) => (false, &[libc::EINVAL]),
                    // The owner of a pid namespace that is not a user namespace.
                    (ioctl::NS_GET_OWNER_UID, true) => (false, &[libc::EINVAL]),
                    // The owner and parent of both are our own user and pid
                    // namespaces (or the new user namespace, a child of ours);
                    // NS_GET_NSTYPE never fails; the uid goes to our buffer.
                    _ => (true, &[]),
                };
                st.expect("nsfs ioctl", &x, ok, errs, || {
                    format!(
                        "ioctl({} handle, {cmd:#x}, {arg})",
                        if pid_handle { "pid" } else { "user" }
                    )
                });
            }
            st
        }));
    }
    st
}

/// Mount-namespace handles bind-mounted, and unmounted, while the namespace's
/// last process exits and the namespace is torn down.
pub fn mntns_pin_while_torn_down(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    let Some((_scratch, files)) = scratch_files(&mut st, "mnt") else {
        return st;
    };
    while !b.done() {
        let Some(sitter) = sitter_or_violate(&mut st, libc::CLONE_NEWNS) else {
            break;
        };
        let pid = sitter.pid;
        let h = nsfd(pid, NsType::Mnt.nstype().into());
        // The child waits for us: its mount namespace is there.
        st.record("nsfd(child, mnt)", &h, &[], || "nsfd(child, mnt)".into());
        let Ok(h) = h else { continue };
        note_created(&mut st, &h);
        let proc_path = format!("/proc/self/fd/{}", h.as_raw_fd());
        st.merge(race_with_exit(o, sitter, |i| {
            let mut st = Stats::default();
            let mut r = rng(o, 5000 + i as u64);
            for _ in 0..100 {
                if !b.take() {
                    break;
                }
                let f = &files[r.usize(..files.len())];
                match r.u8(..4) {
                    0 => {
                        let m = bind(&proc_path, f);
                        st.record("mount --bind mnt handle", &m, MOUNT_RACE_ERRORS, || {
                            "mount --bind mnt handle".into()
                        });
                    }
                    1 => {
                        let m = umount(f, libc::MNT_DETACH);
                        // Nothing mounted on f (or unmounted since the lookup).
                        st.record("umount(MNT_DETACH)", &m, &[libc::EINVAL], || {
                            "umount -l".into()
                        });
                    }
                    2 => {
                        // Success while the child (or a task that reuses its
                        // pid) has its namespaces.
                        let x = nsfd(pid, NsType::Mnt.nstype().into());
                        st.record("nsfd(exiting child, mnt)", &x, NSFD_GONE, || {
                            "nsfd(exiting, mnt)".into()
                        });
                    }
                    _ => {
                        let d = crate::sys::open_ro(f.to_str().unwrap());
                        st.record("open(bind mount)", &d, &[], || "open(bind mount)".into());
                    }
                }
            }
            st
        }));
        drop(h);
        for f in &files {
            while umount(f, libc::MNT_DETACH).is_ok() {}
        }
    }
    st
}
