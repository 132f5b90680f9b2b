//! Names: where pinned namespaces live, and pinning and unpinning them.
//!
//! A network namespace named NAME is `RUN/netns/NAME`, as iproute2 keeps it,
//! so that `ip netns` and nsfd see each other's names; any other type is
//! `RUN/nsfd/TYPE/NAME`. RUN is `/run`, or for a caller that cannot write
//! there (an unprivileged user, also inside `unshare -Urm`) `$XDG_RUNTIME_DIR`;
//! `$NSFD_RUNDIR` overrides both.

use crate::error::{fail, Failure};
use nsfd::{NsHandle, NsType};
use rustix::fs::{Access, AtFlags, FlockOperation, Mode, OFlags, CWD};
use rustix::io::Errno;
use rustix::mount::{MountPropagationFlags, UnmountFlags};
use std::ffi::OsStr;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The root of the name tree, and for a caller whose names live elsewhere,
/// `/run`, where the system's names are (`ip netns list` shows them to
/// anyone): lookups that find nothing in the caller's tree look there.
pub struct RunDir {
    pub root: PathBuf,
    lookup_also: Option<PathBuf>,
}

impl RunDir {
    /// A tree at `root` alone.
    pub fn at(root: impl Into<PathBuf>) -> RunDir {
        RunDir {
            root: root.into(),
            lookup_also: None,
        }
    }

    /// `$NSFD_RUNDIR` (alone); else `/run` if the caller can write there;
    /// else `$XDG_RUNTIME_DIR` if set, looking names up in `/run` too; else
    /// `/run` (creating names there then fails with the reason).
    pub fn find() -> RunDir {
        if let Some(d) = std::env::var_os("NSFD_RUNDIR") {
            return RunDir::at(d);
        }
        let writable =
            |d: &str| rustix::fs::accessat(CWD, d, Access::WRITE_OK, AtFlags::EACCESS).is_ok();
        match std::env::var_os("XDG_RUNTIME_DIR") {
            Some(d) if !writable("/run") && !d.is_empty() => RunDir {
                root: d.into(),
                lookup_also: Some("/run".into()),
            },
            _ => RunDir::at("/run"),
        }
    }

    /// The directory of names of one type (a for-children type: its own).
    pub fn type_dir(&self, ty: NsType) -> PathBuf {
        type_dir_in(&self.root, ty)
    }

    /// The type whose names live in `dir`, if any, in either tree.
    pub fn type_of_dir(&self, dir: &Path) -> Option<NsType> {
        let roots = std::iter::once(&self.root).chain(self.lookup_also.as_ref());
        roots
            .flat_map(|r| NsType::all().iter().map(move |&t| (type_dir_in(r, t), t)))
            .find_map(|(d, t)| (d == dir).then_some(t))
    }

    /// Where `name` of type `ty` is pinned, or is to be.
    pub fn name_path(&self, ty: NsType, name: &OsStr) -> PathBuf {
        self.type_dir(ty).join(name)
    }

    /// Every pinned file called `name`, among `types` (all when empty): in
    /// the caller's tree, or if none is there, in `/run`'s.
    pub fn existing(&self, name: &OsStr, types: &[NsType]) -> Vec<(NsType, PathBuf)> {
        let in_tree = |root: &Path| -> Vec<(NsType, PathBuf)> {
            NsType::all()
                .iter()
                .copied()
                .filter(|t| types.is_empty() || types.iter().any(|u| u.own() == t.own()))
                .map(|t| (t, type_dir_in(root, t).join(name)))
                .filter(|(_, p)| p.symlink_metadata().is_ok())
                .collect()
        };
        let found = in_tree(&self.root);
        match &self.lookup_also {
            Some(other) if found.is_empty() => in_tree(other),
            _ => found,
        }
    }

    /// Takes the lock that serialises changes to the name tree.
    pub fn lock(&self) -> Result<OwnedFd, Failure> {
        let dir = self.root.join("nsfd");
        mkdir_p(&dir)?;
        let path = dir.join(".lock");
        let fd = rustix::fs::open(
            &path,
            OFlags::RDWR | OFlags::CREATE | OFlags::CLOEXEC,
            Mode::from_bits_truncate(0o600),
        )
        .map_err(|e| fail(format!("cannot open {}", path.display()), e))?;
        rustix::fs::flock(&fd, FlockOperation::LockExclusive)
            .map_err(|e| fail(format!("cannot lock {}", path.display()), e))?;
        Ok(fd)
    }
}

fn type_dir_in(root: &Path, ty: NsType) -> PathBuf {
    match ty.link_name() {
        "net" => root.join("netns"),
        t => root.join("nsfd").join(t),
    }
}

/// An operand with a '/' is a path; anything else is a name.
pub fn is_path(arg: &OsStr) -> bool {
    arg.as_bytes().contains(&b'/')
}

/// A name is a plain file name: not empty, not "." or "..".
pub fn check_name(name: &OsStr) -> Result<(), Failure> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(Failure::new(format!(
            "invalid name '{}'",
            name.to_string_lossy()
        )));
    }
    Ok(())
}

fn mkdir_p(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create {}", dir.display()), e))
}

/// Makes `dir` a mount point with the given propagation, as iproute2 makes
/// /run/netns shared: a bind mount of itself when it is not one yet.
fn make_mount_point(dir: &Path, propagation: MountPropagationFlags) -> Result<(), Failure> {
    let what = |e| fail(format!("cannot make {} a mount point", dir.display()), e);
    match rustix::mount::mount_change(dir, propagation | MountPropagationFlags::REC) {
        Err(Errno::INVAL) => {
            rustix::mount::mount_bind_recursive(dir, dir).map_err(what)?;
            rustix::mount::mount_change(dir, propagation | MountPropagationFlags::REC).map_err(what)
        }
        r => r.map_err(what),
    }
}

/// Prepares the directory of names of `ty`: shared, so that an unmount there
/// reaches the copies in mount namespaces made since (as for `ip netns`);
/// for mount namespaces private, since the kernel refuses to pin one on a
/// shared mount.
pub fn prepare_type_dir(run: &RunDir, ty: NsType) -> Result<PathBuf, Failure> {
    let dir = run.type_dir(ty);
    mkdir_p(&dir)?;
    let propagation = if ty.own() == NsType::Mnt {
        MountPropagationFlags::PRIVATE
    } else {
        MountPropagationFlags::SHARED
    };
    // `ip netns add` takes an flock on the netns directory itself around
    // the same self-bind: take that one too, or the two stack mounts.
    let _ip_lock = if ty.own() == NsType::Net {
        let fd = rustix::fs::open(
            &dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| fail(format!("cannot open {}", dir.display()), e))?;
        rustix::fs::flock(&fd, FlockOperation::LockExclusive)
            .map_err(|e| fail(format!("cannot lock {}", dir.display()), e))?;
        Some(fd)
    } else {
        None
    };
    make_mount_point(&dir, propagation)?;
    Ok(dir)
}

/// Pins made so far by one command; dropped without `keep()`, they are undone.
#[derive(Default)]
pub struct Pins(Vec<(PathBuf, bool)>);

impl Pins {
    /// Pins `h` at `path`, creating the file (`exclusive`: it must not exist).
    pub fn pin(&mut self, h: &NsHandle, path: &Path, exclusive: bool) -> Result<(), Failure> {
        // Never blocks on a FIFO, nor makes a terminal ours; the bind mount
        // then fails on anything but a file.
        let mut flags =
            OFlags::RDONLY | OFlags::CREATE | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        if exclusive {
            flags |= OFlags::EXCL;
        }
        let existed = path.symlink_metadata().is_ok();
        rustix::fs::open(path, flags, Mode::empty())
            .map_err(|e| fail(format!("cannot create {}", path.display()), e))?;
        if let Err(e) = h.bind_mount(path) {
            if !existed {
                let _ = std::fs::remove_file(path);
            }
            return Err(fail(
                format!("cannot bind-mount the handle on {}", path.display()),
                e,
            ));
        }
        self.0.push((path.to_owned(), !existed));
        Ok(())
    }

    /// The pins stay.
    pub fn keep(mut self) {
        self.0.clear();
    }
}

impl Drop for Pins {
    fn drop(&mut self) {
        for (path, created) in self.0.drain(..).rev() {
            let _ = rustix::mount::unmount(&path, UnmountFlags::DETACH);
            if created {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Whether `name` in `dir` itself (a symlink is not followed) is a
/// namespace file, checked on the opened file: an `O_PATH` descriptor, which
/// opens a FIFO or a device without side effects, on nsfs.
fn is_namespace_file(dir: &OwnedFd, name: &OsStr) -> Result<bool, Errno> {
    let fd = rustix::fs::openat(
        dir,
        name,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok(rustix::fs::fstatfs(&fd)?.f_type as u64 == u64::from(linux_raw_sys::general::NSFS_MAGIC))
}

/// Unpins `path`: unmounts it with MNT_DETACH (so that a process that has it
/// open does not make it EBUSY) and UMOUNT_NOFOLLOW, and removes the file it
/// covered if that is empty. Only a namespace file is touched: anything else
/// mounted or lying there stays as it is. A name whose file is no longer
/// mounted (an empty regular file in the name tree) is removed all the same,
/// as `ip netns del` does. The directory is opened once and everything
/// after is relative to it, so a directory swapped for a symlink meanwhile
/// redirects nothing.
pub fn unpin(path: &Path, is_name: bool) -> Result<(), Failure> {
    let not_pinned = || {
        Failure::new(format!(
            "{}: not a pinned namespace (not a namespace file); left as it is",
            path.display()
        ))
    };
    let cannot = |what: &str, e: Errno| fail(format!("cannot {what} {}", path.display()), e);
    let name = path.file_name().ok_or_else(not_pinned)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = rustix::fs::open(
        parent,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| cannot("open", e))?;
    let empty_file = || {
        rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW)
            .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFREG && st.st_size == 0)
    };
    match is_namespace_file(&dir, name) {
        Ok(true) => unmount_in(&dir, name).map_err(|e| cannot("unmount", e))?,
        Ok(false) if is_name && empty_file() => {}
        Ok(false) => return Err(not_pinned()),
        Err(e) => return Err(cannot("open", e)),
    }
    // What the pin covered: the empty file that `add` made (or `ip netns
    // add`, or `unshare --net=FILE`'s user); another pin stacked below stays.
    if empty_file() && is_namespace_file(&dir, name) == Ok(false) {
        rustix::fs::unlinkat(&dir, name, AtFlags::empty()).map_err(|e| cannot("remove", e))?;
    }
    Ok(())
}

/// umount2(`name` in `dir`, MNT_DETACH | UMOUNT_NOFOLLOW): umount2 takes a
/// path only, so from `dir` as the working directory, restored after.
fn unmount_in(dir: &OwnedFd, name: &OsStr) -> Result<(), Errno> {
    let here = rustix::fs::open(
        ".",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    rustix::process::fchdir(dir)?;
    let r = rustix::mount::unmount(name, UnmountFlags::DETACH | UnmountFlags::NOFOLLOW);
    rustix::process::fchdir(&here)?;
    r
}

/// Opens a type option's FILE: a name of that type, or a path; it must name
/// a namespace of that type.
pub fn open_typed(run: &RunDir, ty: NsType, file: &OsStr) -> Result<NsHandle, Failure> {
    let path = if is_path(file) {
        PathBuf::from(file)
    } else {
        check_name(file)?;
        // In the caller's tree or, for a caller with names of their own, /run's.
        match run.existing(file, &[ty]).into_iter().next() {
            Some((_, p)) => p,
            None => run.name_path(ty, file),
        }
    };
    let h = open_path(&path)?;
    if h.ns_type().own() != ty.own() {
        return Err(Failure::new(format!(
            "{}: a {} namespace, not {}",
            path.display(),
            h.ns_type().name(),
            ty.link_name()
        )));
    }
    Ok(h)
}

/// Opens a file that must name a namespace.
pub fn open_path(path: &Path) -> Result<NsHandle, Failure> {
    NsHandle::open_path(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOTTY) => Failure::new(format!("{}: not a namespace file", path.display())),
        _ => fail(format!("cannot open {}", path.display()), e),
    })
}

/// The namespaces an operand names: every type pinned under a name, or the
/// one a path names.
pub fn open_operand(run: &RunDir, arg: &OsStr) -> Result<Vec<NsHandle>, Failure> {
    if is_path(arg) {
        return Ok(vec![open_path(Path::new(arg))?]);
    }
    check_name(arg)?;
    let found = run.existing(arg, &[]);
    if found.is_empty() {
        return Err(no_such_name(arg));
    }
    found.iter().map(|(_, p)| open_path(p)).collect()
}

pub fn no_such_name(name: &OsStr) -> Failure {
    Failure::new(format!(
        "{}: no namespace of that name",
        name.to_string_lossy()
    ))
}
