//! Mounts of the tests and the benchmark: a private mount namespace, bind
//! mounts (how a handle is pinned), unmounts, and a scratch tmpfs of files
//! to bind-mount on.

use rustix::mount::{MountFlags, MountPropagationFlags, UnmountFlags};
use std::io;

/// A private mount namespace for the caller (a child, or a process of one
/// thread: CLONE_NEWNS implies CLONE_FS), whose mounts propagate nowhere.
pub fn unshare_mounts() -> Result<(), String> {
    crate::child::unshare(libc::CLONE_NEWNS)
        .map_err(|e| format!("private mount namespace: unshare(CLONE_NEWNS): {e}"))?;
    rustix::mount::mount_change(
        "/",
        MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
    )
    .map_err(|e| format!("private mount namespace: mount --make-rprivate /: {e}"))
}

/// `mount --bind src dst`, as the RFC pins a handle: `src` is usually `/proc/self/fd/N`.
pub fn mount_bind(src: &str, dst: &str) -> io::Result<()> {
    Ok(rustix::mount::mount_bind(src, dst)?)
}

/// [`mount_bind`] for a test step: the error names the call.
pub fn bind(src: &str, dst: &str) -> Result<(), String> {
    mount_bind(src, dst).map_err(|e| format!("mount --bind {src} {dst}: {e}"))
}

/// umount2(2) of `path`, lazily (MNT_DETACH) or not.
pub fn unmount(path: &str, detach: bool) -> io::Result<()> {
    let flags = if detach {
        UnmountFlags::DETACH
    } else {
        UnmountFlags::empty()
    };
    Ok(rustix::mount::unmount(path, flags)?)
}

/// [`unmount`] for a test step: the error names the call.
pub fn umount(path: &str) -> Result<(), String> {
    unmount(path, false).map_err(|e| format!("umount {path}: {e}"))
}

/// Creates an empty file (a bind mount's target).
pub fn touch(path: &str) -> Result<(), String> {
    std::fs::write(path, b"").map_err(|e| format!("create {path}: {e}"))
}

/// A fresh, private tmpfs at a directory, with empty files to bind-mount
/// on; detached and its directory removed on drop.
pub struct Scratch {
    dir: String,
    /// The files, `DIR/0` to `DIR/N-1`.
    pub files: Vec<String>,
}

impl Scratch {
    /// Mounts a tmpfs at `dir` (made if missing; a tmpfs left there by an
    /// earlier run is detached first) with `n` empty files.
    pub fn new(dir: &str, n: usize) -> Result<Scratch, String> {
        let _ = std::fs::create_dir_all(dir);
        let _ = unmount(dir, true);
        rustix::mount::mount("tmpfs", dir, "tmpfs", MountFlags::empty(), None)
            .map_err(|e| format!("mount tmpfs at {dir}: {e}"))?;
        // From here on, drop detaches it.
        let mut scratch = Scratch {
            dir: dir.to_string(),
            files: Vec::with_capacity(n),
        };
        rustix::mount::mount_change(dir, MountPropagationFlags::PRIVATE)
            .map_err(|e| format!("mount --make-private {dir}: {e}"))?;
        for i in 0..n {
            let p = format!("{dir}/{i}");
            std::fs::File::create(&p).map_err(|e| format!("{p}: {e}"))?;
            scratch.files.push(p);
        }
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Detaches the tmpfs and every mount on it.
        let _ = unmount(&self.dir, true);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Mounts need root in the initial user namespace; the test binary runs
    // as the caller, so this checks the messages only.
    #[test]
    fn errors_name_the_call() {
        let e = bind("/nonexistent-nsfd-src", "/nonexistent-nsfd-dst").unwrap_err();
        assert!(e.starts_with("mount --bind /nonexistent-nsfd-src /nonexistent-nsfd-dst: "));
        let e = umount("/nonexistent-nsfd-dst").unwrap_err();
        assert!(e.starts_with("umount /nonexistent-nsfd-dst: "), "{e}");
    }
}
