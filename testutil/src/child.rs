//! Children of a test: a step run in a forked child (so that namespace
//! changes and credential drops stay out of the runner), the child that
//! holds namespaces until it is let go, and a child left a zombie.

use crate::errno::{errno_of, error};
use rustix::pipe::{pipe_with, PipeFlags};
use rustix::process::{Pid, Signal, WaitIdOptions, WaitOptions};
use rustix::thread::UnshareFlags;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};

/// fork(2): `None` in the child, the child's pid in the parent.
///
/// # Safety
///
/// As fork(2)'s: where the caller has other threads, the child may make
/// only async-signal-safe calls (no allocation, no lock) until it exits.
pub unsafe fn fork() -> io::Result<Option<libc::pid_t>> {
    // SAFETY: the caller keeps the child to what the state after fork allows.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(None),
        pid => Ok(Some(pid)),
    }
}

/// Leaves a child at once, without the parent's atexit handlers and buffers.
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit has no preconditions.
    unsafe { libc::_exit(code) }
}

/// unshare(2) of the namespaces in `flags` (CLONE_NEW*, and what they
/// imply); `EINVAL` for CLONE_FILES, which this does not unshare.
pub fn unshare(flags: libc::c_int) -> io::Result<()> {
    let flags = UnshareFlags::from_bits_retain(flags as u32);
    if flags.contains(UnshareFlags::FILES) {
        return Err(io::Error::from(rustix::io::Errno::INVAL));
    }
    // SAFETY: no CLONE_FILES: every thread keeps seeing the same descriptors.
    Ok(unsafe { rustix::thread::unshare_unsafe(flags) }?)
}

/// Forks a child that unshares `flags` (none if 0), then runs `then` and
/// exits 0; it exits 3 if it cannot unshare. From a multithreaded parent
/// too: `then` must make only system calls.
pub fn fork_child(flags: libc::c_int, then: impl FnOnce()) -> io::Result<libc::pid_t> {
    // SAFETY: the child makes only system calls (unshare, then's) and exits.
    match unsafe { fork() }? {
        Some(pid) => Ok(pid),
        None => {
            if flags != 0 && unshare(flags).is_err() {
                exit_now(3);
            }
            then();
            exit_now(0)
        }
    }
}

/// Runs `f` in a child process and returns what it wrote, or the reason it
/// died. The child's text is its answer (`Ok`) when it exits 0. Only from a
/// single-threaded caller: the child runs Rust code.
pub fn run<F: FnOnce() -> Result<String, String>>(f: F) -> Result<String, String> {
    let (rd, wr) = pipe_with(PipeFlags::CLOEXEC).map_err(|e| format!("pipe2 failed: {e}"))?;
    let _ = io::stdout().flush();
    // SAFETY: the runner is single-threaded, so the child may run Rust code.
    let pid = match unsafe { fork() } {
        Err(e) => return Err(format!("fork failed: {e}")),
        Ok(Some(pid)) => pid,
        Ok(None) => {
            drop(rd);
            let (code, text) = match f() {
                Ok(t) => (0, t),
                Err(t) => (1, t),
            };
            let _ = std::fs::File::from(wr).write_all(text.as_bytes());
            exit_now(code)
        }
    };
    drop(wr);
    let mut text = String::new();
    let _ = std::fs::File::from(rd).read_to_string(&mut text);
    match wait(pid) {
        0 => Ok(text),
        status => Err(if text.is_empty() {
            format!("child exited with status {status:#x}")
        } else {
            text
        }),
    }
}

/// Waits for our child `pid` and returns its raw wait status (-1 if there
/// is no such child).
pub fn wait(pid: libc::pid_t) -> i32 {
    let Some(pid) = Pid::from_raw(pid) else {
        return -1;
    };
    loop {
        match rustix::process::waitpid(Some(pid), WaitOptions::empty()) {
            Ok(Some((_, status))) => return status.as_raw(),
            Err(rustix::io::Errno::INTR) => continue,
            _ => return -1,
        }
    }
}

/// Reads all of `buf` from a pipe in one read (the writer wrote it in one
/// write of at most PIPE_BUF bytes): false at EOF.
fn read_all(fd: impl AsFd, buf: &mut [u8]) -> bool {
    let n = buf.len();
    matches!(rustix::io::read(fd, buf), Ok(got) if got == n)
}

/// Blocks until every write end of a pipe is closed.
fn wait_for_eof(fd: impl AsFd) {
    let mut b = [0u8; 1];
    while let Ok(1) | Err(rustix::io::Errno::INTR) = rustix::io::read(&fd, &mut b[..]) {}
}

/// A child that sits in new namespaces until it is let go ([`Holder::exit`]
/// or drop): its namespaces live as long as it does. Its pipes are
/// close-on-exec, so that no program a test runs keeps it; a holder forked
/// while another lives keeps the other's release end, so holders that live
/// at once are let go in the reverse order of their making (as drop does).
pub struct Holder {
    pub pid: libc::pid_t,
    /// The write end of the pipe the child waits on: closing it lets it go.
    release: Option<OwnedFd>,
}

impl Holder {
    /// Forks a holder that unshares `flags`, runs `setup` in the new
    /// namespaces, then sits. A new pid or time namespace applies to its
    /// children only: there the holder forks once more, and the inner child
    /// (pid 1 of a new pid namespace) runs `setup` and sits too. Only from a
    /// single-threaded caller: `setup` is Rust code.
    pub fn spawn(flags: libc::c_int, setup: impl FnOnce()) -> Result<Holder, String> {
        let _ = io::stdout().flush();
        Holder::start(flags, setup).map_err(|_| format!("holder failed to unshare {flags:#x}"))
    }

    /// [`Holder::spawn`] with no setup, from any caller, a multithreaded
    /// one too: the child makes only system calls.
    pub fn spawn_bare(flags: libc::c_int) -> io::Result<Holder> {
        Holder::start(flags, || ())
    }

    fn start(flags: libc::c_int, setup: impl FnOnce()) -> io::Result<Holder> {
        let child = |go: OwnedFd, ready: OwnedFd| {
            if let Err(e) = unshare(flags) {
                exit_now(errno_of(&e));
            }
            if flags & (libc::CLONE_NEWPID | libc::CLONE_NEWTIME) != 0 {
                // SAFETY: the holder has one thread; the inner child goes on
                // like it (system calls, and `setup` as Holder::start allows).
                match unsafe { fork() } {
                    Err(e) => exit_now(errno_of(&e)),
                    Ok(None) => {}
                    Ok(Some(inner)) => {
                        drop(ready);
                        wait_for_eof(&go);
                        if let Some(p) = Pid::from_raw(inner) {
                            let _ = rustix::process::kill_process(p, Signal::KILL);
                        }
                        wait(inner);
                        exit_now(0);
                    }
                }
            }
            setup();
            let _ = rustix::io::write(&ready, b"r");
            wait_for_eof(&go);
        };
        // SAFETY: the child makes only system calls, and runs `setup`, which
        // is Rust code only from spawn(), whose caller is single-threaded.
        let (holder, _) = unsafe { Holder::fork::<1>(child) }?;
        Ok(holder)
    }

    /// A holder with a second thread, and that thread's id (for thread
    /// pidfds). A new user namespace needs a single thread, and no thread
    /// can be made once the pid or time namespace for children differs: the
    /// thread comes between the two. Only from a single-threaded caller: the
    /// child runs Rust code.
    pub fn spawn_with_thread(flags: libc::c_int) -> io::Result<(Holder, libc::pid_t)> {
        let child = |go: OwnedFd, ready: OwnedFd| {
            let later = flags & (libc::CLONE_NEWPID | libc::CLONE_NEWTIME);
            if let Err(e) = unshare(flags & !later) {
                exit_now(errno_of(&e));
            }
            let (tx, rx) = std::sync::mpsc::channel();
            let t = std::thread::spawn(move || {
                let _ = tx.send(rustix::thread::gettid().as_raw_nonzero().get());
                // The thread waits for EOF too.
                wait_for_eof(&go);
            });
            let tid: libc::pid_t = rx.recv().unwrap_or(0);
            if let Err(e) = unshare(later) {
                exit_now(errno_of(&e));
            }
            let _ = rustix::io::write(&ready, &tid.to_ne_bytes());
            let _ = t.join();
        };
        // SAFETY: the caller is single-threaded, so the child may run Rust code.
        let (holder, tid) = unsafe { Holder::fork::<4>(child) }?;
        Ok((holder, libc::pid_t::from_ne_bytes(tid)))
    }

    /// Forks a holder: `child` runs in it with the read end of the release
    /// pipe (EOF: let go) and the write end of the ready pipe, on which it
    /// writes `N` bytes once it is in place; the holder exits 0 when `child`
    /// returns. Returns the holder and those bytes; a child that exits
    /// first is an error, and reaped: the errno it exits with (that of the
    /// call that failed), or `ECHILD`.
    ///
    /// # Safety
    ///
    /// As [`fork`]'s, for what `child` does.
    unsafe fn fork<const N: usize>(
        child: impl FnOnce(OwnedFd, OwnedFd),
    ) -> io::Result<(Holder, [u8; N])> {
        let (go_rd, go_wr) = pipe_with(PipeFlags::CLOEXEC)?;
        let (ready_rd, ready_wr) = pipe_with(PipeFlags::CLOEXEC)?;
        // SAFETY: what the child does is the caller's to keep to fork's rules.
        let Some(pid) = (unsafe { fork() })? else {
            drop((go_wr, ready_rd));
            child(go_rd, ready_wr);
            exit_now(0)
        };
        drop((go_rd, ready_wr));
        let mut msg = [0u8; N];
        if !read_all(&ready_rd, &mut msg) {
            drop(go_wr);
            let status = wait(pid);
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                0
            };
            return Err(error(if code > 0 { code } else { libc::ECHILD }));
        }
        let holder = Holder {
            pid,
            release: Some(go_wr),
        };
        Ok((holder, msg))
    }

    /// Lets the child go and reaps it.
    pub fn exit(mut self) {
        self.release.take();
        wait(self.pid);
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        if self.release.take().is_some() {
            wait(self.pid);
        }
    }
}

/// Holders that live at once: dropped, they are let go in the reverse
/// order of their making, as [`Holder`] needs.
#[derive(Default)]
pub struct Holders(Vec<Holder>);

impl Holders {
    pub fn push(&mut self, h: Holder) {
        self.0.push(h);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Holders {
    fn drop(&mut self) {
        while let Some(h) = self.0.pop() {
            h.exit();
        }
    }
}

/// A child that has exited and is not reaped until drop: its pid stays
/// taken, its namespaces are gone.
pub struct Zombie {
    pub pid: libc::pid_t,
}

impl Zombie {
    pub fn new() -> Result<Zombie, String> {
        let pid = fork_child(0, || ()).map_err(|e| format!("fork failed: {e}"))?;
        let id = rustix::process::WaitId::Pid(Pid::from_raw(pid).expect("a child's pid"));
        // WNOWAIT leaves the child a zombie.
        if let Err(e) = rustix::process::waitid(id, WaitIdOptions::EXITED | WaitIdOptions::NOWAIT) {
            wait(pid);
            return Err(format!("waitid: {e}"));
        }
        Ok(Zombie { pid })
    }
}

impl Drop for Zombie {
    fn drop(&mut self) {
        wait(self.pid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_answers_or_fails() {
        assert_eq!(run(|| Ok("hi".into())), Ok("hi".into()));
        assert_eq!(run(|| Err("no".into())), Err("no".into()));
    }

    #[test]
    fn a_holder_sits_until_let_go() {
        let h = Holder::spawn_bare(0).unwrap();
        let pid = h.pid;
        assert!(std::path::Path::new(&format!("/proc/{pid}/ns/uts")).exists());
        h.exit();
        assert_eq!(wait(pid), -1);
    }

    #[test]
    fn a_holder_that_cannot_unshare_gives_the_errno() {
        // CLONE_FILES is refused by unshare() here, with EINVAL.
        let e = Holder::spawn_bare(libc::CLONE_FILES).err().unwrap();
        assert_eq!(errno_of(&e), libc::EINVAL);
    }

    #[test]
    fn holders_are_let_go_youngest_first() {
        let mut hs = Holders::default();
        for _ in 0..3 {
            hs.push(Holder::spawn_bare(0).unwrap());
        }
        let pids: Vec<_> = hs.0.iter().map(|h| h.pid).collect();
        drop(hs);
        assert!(pids.iter().all(|&p| wait(p) == -1));
    }

    #[test]
    fn a_zombie_is_reaped_on_drop() {
        let z = Zombie::new().unwrap();
        let pid = z.pid;
        drop(z);
        assert_eq!(wait(pid), -1);
    }
}
