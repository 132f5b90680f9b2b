//! The memory rows: kernel memory (slab) per open descriptor of each kind.

use crate::calls::{eventfd, nsfd_net, open_proc_ns, pidfd_net, pidfd_self};
use crate::measure::{make_room_for, slab_per_fd};
use crate::opts::Opts;
use crate::rows::{MemRoute, RowId};
use crate::table::Table;

pub fn rows(o: &Opts, t: &mut Table) {
    if let Err(e) = make_room_for(o.mem_fds) {
        for r in MemRoute::ALL {
            t.set(RowId::Memory(r), Err(e.clone()));
        }
        return;
    }
    for r in MemRoute::ALL {
        let v = match r {
            MemRoute::Handle => slab_per_fd(o, nsfd_net),
            MemRoute::ProcFile => slab_per_fd(o, || open_proc_ns("net")),
            MemRoute::PidfdIoctl => match pidfd_self() {
                Ok(pidfd) => slab_per_fd(o, || pidfd_net(&pidfd)),
                Err(e) => Err(format!("pidfd_open: {e}")),
            },
            MemRoute::Eventfd => slab_per_fd(o, eventfd),
        };
        t.set(RowId::Memory(r), v);
    }
}
