//! nsfd() holds the target's exec_update_lock across its permission check and
//! taking the namespace, as opening `/proc/PID/ns/*` does: an execve() of a
//! setuid program cannot change the credentials in between.
//!
//! The race: an unprivileged caller asks for the UTS namespace of its own
//! child while the child execs a setuid-root copy of this program that
//! unshares a new UTS namespace at once. Before the exec the check passes and
//! the namespace is the caller's; after it the check refuses (the child is
//! root and not dumpable). A handle to the new namespace would mean the check
//! was made with the old credentials and the namespace taken with the new.

use crate::child;
use crate::sys::*;
use rustix::mount::{MountFlags, UnmountFlags};
use rustix::process::{Gid, Pid, Uid, WaitOptions};
use std::ffi::CString;
use std::os::fd::AsRawFd;

/// argv[1] that makes this program the setuid helper.
pub const HELPER_ARG: &str = "--setuid-unshare-helper";
const ROUNDS: usize = 20;
const NOBODY: u32 = 65534;

/// The helper's whole life: a new UTS namespace, a moment in it, exit.
pub fn helper() -> ! {
    let code = i32::from(crate::child::unshare(libc::CLONE_NEWUTS).is_err());
    std::thread::sleep(std::time::Duration::from_micros(2000));
    // Leave at once, as the helper always has.
    crate::child::exit_now(code)
}

fn setuid_copy(dir: &str) -> Result<String, String> {
    let _ = std::fs::create_dir_all(dir);
    // A tmpfs of our own: not nosuid.
    rustix::mount::mount("tmpfs", dir, "tmpfs", MountFlags::empty(), None)
        .map_err(|e| format!("mount tmpfs: {e}"))?;
    let helper = format!("{dir}/helper");
    std::fs::copy("/proc/self/exe", &helper).map_err(|e| format!("copy: {e}"))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o4755))
        .map_err(|e| format!("chmod 4755: {e}"))?;
    Ok(helper)
}

/// Runs as nobody: ROUNDS children that exec the helper, each raced by nsfd().
/// Returns "handles refusals" counts, or the violation.
fn race(helper: &str, own_uts: u64) -> Result<String, String> {
    // rustix's calls are per thread (libc's process-wide): the same in this
    // single-threaded child.
    if rustix::thread::set_thread_gid(Gid::from_raw(NOBODY)).is_err()
        || rustix::thread::set_thread_uid(Uid::from_raw(NOBODY)).is_err()
    {
        return Err("setuid(nobody) failed".into());
    }
    let path = CString::new(helper).expect("no NUL");
    let arg = CString::new(HELPER_ARG).expect("no NUL");
    let (mut handles, mut refused) = (0, 0);
    for _ in 0..ROUNDS {
        // SAFETY: single-threaded process; the child only execs or exits.
        let pid = match unsafe { crate::child::fork() } {
            Ok(Some(pid)) => pid,
            Ok(None) => {
                let argv = [path.as_ptr(), arg.as_ptr(), std::ptr::null()];
                // libc's execv: rustix's execve is in its unstable runtime module.
                // SAFETY: a NULL-terminated argv of C strings that outlive the call.
                unsafe { libc::execv(path.as_ptr(), argv.as_ptr()) };
                crate::child::exit_now(127)
            }
            Err(e) => return Err(format!("fork: {e}")),
        };
        let child = Pid::from_raw(pid).ok_or("fork: no pid")?;
        let status = loop {
            match rustix::process::waitpid(Some(child), WaitOptions::NOHANG) {
                Ok(None) => {}
                Ok(Some((_, status))) => break Some(status),
                // As before: a wait that fails ends the round, with no status.
                Err(_) => break None,
            }
            match nsfd(pid, libc::CLONE_NEWUTS as _) {
                Ok(h) => {
                    handles += 1;
                    let ino = fstat(&h).map_err(|e| format!("fstat: {e}"))?.st_ino;
                    if ino != own_uts {
                        return Err(format!(
                            "nsfd({pid}) returned the helper's new UTS namespace \
                             ({ino}, fd {}): checked with the old credentials",
                            h.as_raw_fd()
                        ));
                    }
                }
                Err(e) if errno_of(&e) == libc::EACCES => refused += 1,
                Err(e) if errno_of(&e) == libc::ESRCH => {}
                Err(e) => return Err(format!("nsfd({pid}): {e}")),
            }
        };
        if let Some(status) = status.filter(|s| s.exit_status() != Some(0)) {
            return Err(format!(
                "the setuid helper failed (wait status {:#x})",
                status.as_raw()
            ));
        }
    }
    if refused == 0 {
        return Err(format!(
            "nsfd() was never refused in {ROUNDS} rounds: the helper did not run as root"
        ));
    }
    Ok(format!("{handles} handles, {refused} refusals"))
}

pub fn cases(c: &mut crate::ktap::Cases) {
    c.case("nsfd_exec_lock_no_handle_across_setuid_exec", || {
        let dir = "/tmp/nsfd-setuid";
        let result = (|| {
            let helper = setuid_copy(dir)?;
            let own_uts = stat("/proc/self/ns/uts")
                .map_err(|e| format!("stat: {e}"))?
                .st_ino;
            child::run(|| race(&helper, own_uts))
        })();
        let _ = rustix::mount::unmount(dir, UnmountFlags::DETACH);
        result.map(drop).map_err(crate::common::fail)
    });
}
