//! The open rows: a new descriptor of the caller's net namespace by every
//! route, and the floors, with the namespace's nsfs inode made anew by each
//! call or kept.

use crate::calls::{eventfd, nsfd_net, open_proc_ns, pidfd_net, pidfd_self};
use crate::measure::{add_group, same_error, Route};
use crate::opts::Opts;
use crate::rows::{Inode, OpenRoute, RowId};
use crate::table::Table;
use std::io;
use std::os::fd::OwnedFd;

/// The routes to a new descriptor for the caller's net namespace, and the floors.
fn open_routes(held_pidfd: &io::Result<OwnedFd>, inode: Inode) -> Vec<Route<'_>> {
    OpenRoute::ALL
        .map(|r| -> Route<'_> {
            let call: Box<dyn FnMut() -> io::Result<()> + '_> = match r {
                OpenRoute::Nsfd => Box::new(|| nsfd_net().map(drop)),
                OpenRoute::ProcFile => Box::new(|| open_proc_ns("net").map(drop)),
                OpenRoute::HeldPidfdIoctl => Box::new(move || match held_pidfd {
                    Ok(pidfd) => pidfd_net(pidfd).map(drop),
                    Err(e) => Err(same_error(e)),
                }),
                OpenRoute::PidfdOpenIoctl => Box::new(|| pidfd_net(&pidfd_self()?).map(drop)),
                OpenRoute::Eventfd => Box::new(|| eventfd().map(drop)),
                OpenRoute::Getppid => Box::new(|| {
                    std::hint::black_box(rustix::process::getppid());
                    Ok(())
                }),
            };
            (RowId::Open(r, inode), call)
        })
        .into()
}

pub fn rows(o: &Opts, t: &mut Table) {
    let held = pidfd_self();
    add_group(o, t, open_routes(&held, Inode::New));
    // Another nsfs file of the namespace kept open: its inode exists already.
    let keep = open_proc_ns("net");
    add_group(o, t, open_routes(&held, Inode::Exists));
    drop(keep);
}
