// SPDX-License-Identifier: GPL-2.0

//! `setns(fd, nstype)`: join the namespace an nsfs file (an nsfd handle is one) names, or
//! several namespaces of the task a pidfd refers to. The C version's ABI and results.

use kernel::{
    fs::LocalFile,
    ns::Namespace,
    nsproxy::{
        NsSet,
        PidfdPid, //
    },
    prelude::*, //
};

/// What a descriptor passed to setns() names.
enum Target<'a> {
    /// One namespace: an nsfs file (an nsfd handle is one).
    Namespace(&'a Namespace),
    /// Namespaces of the task behind a pidfd.
    Pidfd(PidfdPid<'a>),
}

impl<'a> Target<'a> {
    fn of(file: &'a LocalFile) -> Result<Self> {
        if let Some(ns) = Namespace::from_nsfs_file(file) {
            return Ok(Target::Namespace(ns));
        }
        PidfdPid::of(file).map(Target::Pidfd).ok_or(EINVAL)
    }
}

pub(crate) fn setns(fd: c_int, nstype: c_int) -> Result {
    // As in C, the flags are an int widened to unsigned long with its sign.
    let flags = nstype as c_long as c_ulong;
    let fd = u32::try_from(fd).map_err(|_| EBADF)?;
    let file = LocalFile::fget(fd)?;
    match Target::of(&file)? {
        Target::Namespace(ns) => {
            // 0 means any type; anything else must be the namespace's own.
            if flags != 0 && flags != ns.ns_type() as c_ulong {
                return Err(EINVAL);
            }
            NsSet::join(ns)
        }
        Target::Pidfd(pid) => NsSet::join_task_of(&pid, flags),
    }
}
