//! The rows of the table: each named by a [`RowId`], whose label is made
//! here only, and listed once, in table order, by [`plan`]. The sections
//! fill the rows in, the targets read them: both by identifier, so that a
//! label can change without a target losing its row.

use crate::opts::Opts;

/// A route to a new descriptor of the caller's net namespace (opened and
/// closed), and the floors it is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpenRoute {
    Nsfd,
    ProcFile,
    HeldPidfdIoctl,
    PidfdOpenIoctl,
    Eventfd,
    Getppid,
}

impl OpenRoute {
    pub const ALL: [OpenRoute; 6] = [
        OpenRoute::Nsfd,
        OpenRoute::ProcFile,
        OpenRoute::HeldPidfdIoctl,
        OpenRoute::PidfdOpenIoctl,
        OpenRoute::Eventfd,
        OpenRoute::Getppid,
    ];

    fn label(self) -> &'static str {
        match self {
            OpenRoute::Nsfd => "nsfd(0, net) + close",
            OpenRoute::ProcFile => "open(/proc/self/ns/net) + close",
            OpenRoute::HeldPidfdIoctl => "ioctl(held pidfd, PIDFD_GET_NET_NAMESPACE) + close",
            OpenRoute::PidfdOpenIoctl => "pidfd_open(pid) + ioctl + close both",
            OpenRoute::Eventfd => "eventfd() + close (floor: any anonymous file)",
            OpenRoute::Getppid => "getppid() (floor: entering the kernel)",
        }
    }
}

/// Whether the namespace's nsfs inode exists while the open rows run
/// (another descriptor of it is kept open) or each open makes it anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Inode {
    New,
    Exists,
}

/// A descriptor that setns() joins the caller's own net namespace through,
/// and the control row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetnsRoute {
    Handle,
    ProcFile,
    BindMount,
    PidfdNamespace,
    Pidfd,
    NsGetNstype,
}

impl SetnsRoute {
    pub const ALL: [SetnsRoute; 6] = [
        SetnsRoute::Handle,
        SetnsRoute::ProcFile,
        SetnsRoute::BindMount,
        SetnsRoute::PidfdNamespace,
        SetnsRoute::Pidfd,
        SetnsRoute::NsGetNstype,
    ];

    fn label(self) -> &'static str {
        match self {
            SetnsRoute::Handle => "setns(handle, net)",
            SetnsRoute::ProcFile => "setns(/proc/self/ns/net fd, net)",
            SetnsRoute::BindMount => "setns(bind mount fd, net)",
            SetnsRoute::PidfdNamespace => "setns(PIDFD_GET_NET_NAMESPACE fd, net)",
            SetnsRoute::Pidfd => "setns(pidfd, CLONE_NEWNET)",
            SetnsRoute::NsGetNstype => {
                "ioctl(/proc fd, NS_GET_NSTYPE) (control: not the series' code)"
            }
        }
    }
}

/// A kind of open descriptor whose kernel memory is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemRoute {
    Handle,
    ProcFile,
    PidfdIoctl,
    Eventfd,
}

impl MemRoute {
    pub const ALL: [MemRoute; 4] = [
        MemRoute::Handle,
        MemRoute::ProcFile,
        MemRoute::PidfdIoctl,
        MemRoute::Eventfd,
    ];

    fn label(self) -> &'static str {
        match self {
            MemRoute::Handle => "open handle (nsfd)",
            MemRoute::ProcFile => "open /proc/self/ns/net fd",
            MemRoute::PidfdIoctl => "open pidfd-ioctl fd",
            MemRoute::Eventfd => "open eventfd (reference)",
        }
    }
}

/// A call that threads make at once in the scaling rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThreadRoute {
    Nsfd,
    ProcFile,
}

impl ThreadRoute {
    pub const ALL: [ThreadRoute; 2] = [ThreadRoute::Nsfd, ThreadRoute::ProcFile];
    /// The thread counts of each route's rows; the first is the base.
    pub const THREADS: [usize; 2] = [1, 2];

    fn label(self) -> &'static str {
        match self {
            ThreadRoute::Nsfd => "nsfd + close",
            ThreadRoute::ProcFile => "open(/proc) + close",
        }
    }
}

/// The timed step of the pin rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinStep {
    Pin,
    Release,
}

impl PinStep {
    pub const ALL: [PinStep; 2] = [PinStep::Pin, PinStep::Release];

    pub fn label(self) -> &'static str {
        match self {
            PinStep::Pin => "pin",
            PinStep::Release => "release",
        }
    }
}

/// A way to pin a namespace at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinRoute {
    /// `mount --bind /proc/self/ns/uts PATH`: one mount call, no handle.
    ProcFile,
    /// nsfd(), then `open_tree(OPEN_TREE_CLONE)` + `move_mount`: libnsfd's route.
    HandleMountApi,
    /// nsfd(), then `mount --bind /proc/self/fd/N PATH`: the RFC's route.
    HandleProcFd,
}

impl PinRoute {
    /// In table order; the first is the base.
    pub const ALL: [PinRoute; 3] = [
        PinRoute::ProcFile,
        PinRoute::HandleMountApi,
        PinRoute::HandleProcFd,
    ];

    fn label(self) -> &'static str {
        match self {
            PinRoute::ProcFile => "/proc files",
            PinRoute::HandleMountApi => "handles, mount API",
            PinRoute::HandleProcFd => "handles, /proc/self/fd",
        }
    }
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowId {
    Open(OpenRoute, Inode),
    Setns(SetnsRoute),
    Memory(MemRoute),
    /// A route with this many threads.
    Threads(ThreadRoute, usize),
    /// A step for this many namespaces by a route.
    Pin(PinStep, usize, PinRoute),
}

impl RowId {
    /// The row's label: its name in the table, the values file and KTAP.
    pub fn label(self) -> String {
        match self {
            RowId::Open(r, Inode::New) => r.label().to_string(),
            RowId::Open(r, Inode::Exists) => format!("{}, inode exists", r.label()),
            RowId::Setns(r) => r.label().to_string(),
            RowId::Memory(r) => r.label().to_string(),
            RowId::Threads(r, 1) => format!("{}, 1 thread", r.label()),
            RowId::Threads(r, n) => format!("{}, {n} threads", r.label()),
            RowId::Pin(step, n, r) => format!("{} {n}, {}", step.label(), r.label()),
        }
    }
}

/// Rows whose ratios are taken against their first.
pub struct Group {
    pub rows: Vec<RowId>,
    /// What each value is made of ("median of 9 x 20000 calls").
    pub counts: String,
}

/// A section of the table: a title, a unit, its groups of rows.
pub struct Section {
    pub title: &'static str,
    pub unit: &'static str,
    pub groups: Vec<Group>,
}

impl Section {
    pub fn rows(&self) -> impl Iterator<Item = RowId> + '_ {
        self.groups.iter().flat_map(|g| g.rows.iter().copied())
    }
}

/// What a time row's value is made of.
pub fn time_counts(o: &Opts) -> String {
    format!("median of {} x {} calls", o.batches, o.calls)
}

fn open_section(o: &Opts, title: &'static str, inode: Inode) -> Section {
    Section {
        title,
        unit: "ns",
        groups: vec![Group {
            rows: OpenRoute::ALL.map(|r| RowId::Open(r, inode)).to_vec(),
            counts: time_counts(o),
        }],
    }
}

/// The setns rows' section: the one that `--setns-only` runs.
fn setns_section(o: &Opts) -> Section {
    Section {
        title: "Join the caller's own net namespace (ns per call)",
        unit: "ns",
        groups: vec![Group {
            rows: SetnsRoute::ALL.map(RowId::Setns).to_vec(),
            counts: time_counts(o),
        }],
    }
}

/// Every row of a run with these options, in table order: the sections.
pub fn plan(o: &Opts) -> Vec<Section> {
    if o.setns_only {
        return vec![setns_section(o)];
    }
    vec![
        open_section(
            o,
            "Open and close a descriptor of the caller's net namespace, no other file of it open \
             (ns per call)",
            Inode::New,
        ),
        // The same with one nsfs file of the namespace kept open: its nsfs inode and dentry
        // then exist already, and no route allocates or frees them. What the two sections
        // differ by is that allocation and freeing.
        open_section(
            o,
            "The same while another descriptor of the namespace is open (its nsfs inode exists)",
            Inode::Exists,
        ),
        setns_section(o),
        Section {
            title: "Kernel memory per open descriptor (slab delta, RCU settled; bytes)",
            unit: "B",
            groups: vec![Group {
                rows: MemRoute::ALL.map(RowId::Memory).to_vec(),
                counts: format!("{} open fds", o.mem_fds),
            }],
        },
        Section {
            title: "Scaling: wall time per call, each thread making every call, the namespace's \
                    inode kept (ns; 1.00x = linear)",
            unit: "ns",
            groups: ThreadRoute::ALL
                .map(|r| Group {
                    rows: ThreadRoute::THREADS.map(|n| RowId::Threads(r, n)).to_vec(),
                    counts: time_counts(o),
                })
                .into(),
        },
        // Last: it leaves the process in a private mount namespace and a new UTS namespace.
        Section {
            title: "Pin new UTS namespaces by bind mount, then release them (MNT_DETACH); us per \
                    namespace",
            unit: "us",
            groups: o
                .pin
                .iter()
                .flat_map(|&n| {
                    PinStep::ALL.map(|step| Group {
                        rows: PinRoute::ALL.map(|r| RowId::Pin(step, n, r)).to_vec(),
                        counts: format!("{n} namespaces, median of {} rounds", o.pin_rounds),
                    })
                })
                .collect(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn labels_are_distinct() {
        let o = Opts::default();
        let labels: Vec<String> = plan(&o)
            .iter()
            .flat_map(|s| s.rows())
            .map(RowId::label)
            .collect();
        let distinct: HashSet<&String> = labels.iter().collect();
        assert_eq!(distinct.len(), labels.len(), "{labels:?}");
        assert_eq!(labels.len(), 12 + 6 + 4 + 4 + 3 * 2 * 3);
    }

    #[test]
    fn labels_are_the_tables() {
        assert_eq!(
            RowId::Open(OpenRoute::Eventfd, Inode::Exists).label(),
            "eventfd() + close (floor: any anonymous file), inode exists"
        );
        assert_eq!(
            RowId::Threads(ThreadRoute::ProcFile, 2).label(),
            "open(/proc) + close, 2 threads"
        );
        assert_eq!(
            RowId::Pin(PinStep::Release, 1000, PinRoute::HandleMountApi).label(),
            "release 1000, handles, mount API"
        );
    }
}
