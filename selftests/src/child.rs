//! Running a test step in a forked child, so that namespace changes and
//! credential drops stay out of the test runner.

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};

/// Runs `f` in a child process and returns what it wrote, or the reason it
/// died. The child's text is its answer (`Ok`) when it exits 0.
pub fn run<F: FnOnce() -> Result<String, String>>(f: F) -> Result<String, String> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err("pipe2 failed".into());
    }
    // SAFETY: the pipe descriptors are new and ours.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let _ = std::io::stdout().flush();
    // SAFETY: the runner is single-threaded, so the child may run Rust code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err("fork failed".into());
    }
    if pid == 0 {
        drop(rd);
        let (code, text) = match f() {
            Ok(t) => (0, t),
            Err(t) => (1, t),
        };
        let mut w = std::fs::File::from(wr);
        let _ = w.write_all(text.as_bytes());
        drop(w);
        // SAFETY: leave without running the parent's atexit handlers.
        unsafe { libc::_exit(code) };
    }
    drop(wr);
    let mut text = String::new();
    let _ = std::fs::File::from(rd).read_to_string(&mut text);
    let status = wait(pid);
    match status {
        0 => Ok(text),
        _ => Err(if text.is_empty() {
            format!("child exited with status {status:#x}")
        } else {
            text
        }),
    }
}

/// Waits for `pid` and returns its raw wait status.
pub fn wait(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: `status` is a valid out-pointer.
    while unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return -1;
        }
    }
    status
}

/// A child that sits in new namespaces until it is told to exit.
pub struct Holder {
    pub pid: libc::pid_t,
    release: Option<OwnedFd>,
}

impl Holder {
    /// Forks a child that unshares `flags`, runs `setup`, then waits until
    /// [`Holder::exit`] (or drop). A new pid namespace applies to its
    /// children only, so the holder forks once more for CLONE_NEWPID.
    pub fn spawn(flags: libc::c_int, setup: impl FnOnce()) -> Result<Holder, String> {
        let mut go = [0; 2];
        let mut ready = [0; 2];
        // SAFETY: arrays have room for two descriptors each.
        unsafe {
            if libc::pipe(go.as_mut_ptr()) < 0 || libc::pipe(ready.as_mut_ptr()) < 0 {
                return Err("pipe failed".into());
            }
        }
        let _ = std::io::stdout().flush();
        // SAFETY: single-threaded runner.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: plain system calls in the child.
            unsafe {
                libc::close(go[1]);
                libc::close(ready[0]);
                if libc::unshare(flags) < 0 {
                    libc::_exit(2);
                }
                let mut inner = 0;
                if flags & (libc::CLONE_NEWPID | libc::CLONE_NEWTIME) != 0 {
                    // Children land in the new pid namespace (pid 1) and time namespace.
                    inner = libc::fork();
                    if inner > 0 {
                        let mut b = 0u8;
                        libc::read(go[0], &mut b as *mut u8 as *mut _, 1);
                        libc::kill(inner, libc::SIGKILL);
                        wait(inner);
                        libc::_exit(0);
                    }
                }
                let _ = inner;
                setup();
                libc::write(ready[1], b"r".as_ptr() as *const _, 1);
                let mut b = 0u8;
                libc::read(go[0], &mut b as *mut u8 as *mut _, 1);
                libc::_exit(0);
            }
        }
        // SAFETY: closing our copies of the child's ends; the others are ours.
        unsafe {
            libc::close(go[0]);
            libc::close(ready[1]);
            let mut b = 0u8;
            let n = libc::read(ready[0], &mut b as *mut u8 as *mut _, 1);
            libc::close(ready[0]);
            if n != 1 {
                libc::close(go[1]);
                wait(pid);
                return Err(format!("holder failed to unshare {flags:#x}"));
            }
            Ok(Holder {
                pid,
                release: Some(OwnedFd::from_raw_fd(go[1])),
            })
        }
    }

    /// The pid whose namespaces are the new ones (the inner child for pid
    /// and time namespaces is reached through the holder's *_for_children).
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
