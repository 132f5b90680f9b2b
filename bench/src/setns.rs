//! The setns rows, one per kind of descriptor, and a control row that the
//! series does not touch. Their labels are the same in every kernel: make
//! bench runs them in the unmodified kernel too, where a handle is the
//! `/proc` file that nsfd() replaces.

use crate::calls::{open_proc_ns, pidfd_net, pidfd_self};
use crate::measure::{add_group, same_error, Route};
use crate::opts::Opts;
use crate::rows::{RowId, SetnsRoute};
use crate::table::Table;
use nsfd::{NsHandle, NsType, Task};
use nsfd_testutil::mounts::{mount_bind, touch, unmount};
use nsfd_testutil::sys::{ioctl, ns_ioctl, open_ro};
use rustix::thread::{move_into_thread_name_spaces, ThreadNameSpaceType};
use std::io;
use std::os::fd::{AsFd, OwnedFd};

/// Where the bind mount row's file is.
const BIND_PATH: &str = "/tmp/nsfd-bench-net";

/// Bind-mounts `/proc/self/ns/net` at [`BIND_PATH`] (a new empty file) and opens it.
fn open_bind_mount() -> io::Result<OwnedFd> {
    touch(BIND_PATH).map_err(io::Error::other)?;
    mount_bind("/proc/self/ns/net", BIND_PATH)?;
    open_ro(BIND_PATH)
}

pub fn rows(o: &Opts, t: &mut Table) {
    let handle = match NsHandle::open(Task::Current, NsType::Net) {
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => open_proc_ns("net"),
        h => h.map(OwnedFd::from),
    };
    let pidfd = pidfd_self();
    let fds = [
        handle,
        open_proc_ns("net"),
        open_bind_mount(),
        pidfd.as_ref().map_err(same_error).and_then(pidfd_net),
        pidfd_self(),
    ];
    let proc_fd = open_proc_ns("net");
    let join = |fd: &io::Result<OwnedFd>| match fd {
        Ok(fd) => Ok(move_into_thread_name_spaces(
            fd.as_fd(),
            ThreadNameSpaceType::NETWORK,
        )?),
        Err(e) => Err(same_error(e)),
    };
    let routes: Vec<Route> = SetnsRoute::ALL
        .map(|r| -> Route<'_> {
            let id = RowId::Setns(r);
            match r {
                SetnsRoute::Handle => (id, Box::new(|| join(&fds[0]))),
                SetnsRoute::ProcFile => (id, Box::new(|| join(&fds[1]))),
                SetnsRoute::BindMount => (id, Box::new(|| join(&fds[2]))),
                SetnsRoute::PidfdNamespace => (id, Box::new(|| join(&fds[3]))),
                SetnsRoute::Pidfd => (id, Box::new(|| join(&fds[4]))),
                SetnsRoute::NsGetNstype => (
                    id,
                    Box::new(|| match &proc_fd {
                        Ok(fd) => ns_ioctl(fd, ioctl::NS_GET_NSTYPE, 0).map(drop),
                        Err(e) => Err(same_error(e)),
                    }),
                ),
            }
        })
        .into();
    add_group(o, t, routes);
    drop(fds);
    let _ = unmount(BIND_PATH, false);
    let _ = std::fs::remove_file(BIND_PATH);
}
