//! The nsfs ioctls on handles of a pid namespace and its user namespace
//! while the namespace's processes die.

use super::{note_created, race_with_exit, rng, sitter_or_violate};
use crate::stats::{Budget, Stats};
use crate::sys::{ioctl, ns_ioctl, ns_ioctl_fd, ns_owner_uid, nsfd, NsType};
use crate::Opts;

/// The nsfs ioctls on handles of a pid namespace and its user namespace
/// while the pid namespace's processes die.
pub fn ioctls_while_namespace_dies(o: &Opts, b: &mut Budget) -> Stats {
    let mut st = Stats::default();
    while !b.done() {
        let Some(sitter) = sitter_or_violate(&mut st, libc::CLONE_NEWUSER | libc::CLONE_NEWPID)
        else {
            break;
        };
        let pidns = nsfd(sitter.pid, NsType::PidForChildren.nstype().into());
        let userns = nsfd(sitter.pid, NsType::User.nstype().into());
        // The child waits for us: its namespaces are there.
        st.record("nsfd(child)", &pidns, &[], || {
            "nsfd(child, pid_for_children)".into()
        });
        st.record("nsfd(child)", &userns, &[], || "nsfd(child, user)".into());
        for h in [&pidns, &userns].into_iter().flatten() {
            note_created(&mut st, h);
        }
        let me = std::process::id() as libc::c_ulong;
        st.merge(race_with_exit(o, sitter, |i| {
            let mut st = Stats::default();
            let mut r = rng(o, 4000 + i as u64);
            for _ in 0..200 {
                if !b.take() {
                    break;
                }
                let pid_handle = r.bool();
                let h = if pid_handle { &pidns } else { &userns };
                let Ok(h) = h else { continue };
                let (cmd, arg) = [
                    (ioctl::NS_GET_PID_FROM_PIDNS, 1),
                    (ioctl::NS_GET_TGID_FROM_PIDNS, 1),
                    (ioctl::NS_GET_PID_IN_PIDNS, me),
                    (ioctl::NS_GET_USERNS, 0),
                    (ioctl::NS_GET_PARENT, 0),
                    (ioctl::NS_GET_NSTYPE, 0),
                    (ioctl::NS_GET_OWNER_UID, 0),
                ][r.usize(..7)];
                let x = if cmd == ioctl::NS_GET_OWNER_UID {
                    ns_owner_uid(h).map(|_| 0)
                } else if cmd == ioctl::NS_GET_USERNS || cmd == ioctl::NS_GET_PARENT {
                    ns_ioctl_fd(h, cmd).map(|_| 0)
                } else {
                    ns_ioctl(h, cmd, arg)
                };
                // The handles pin both namespaces, whatever their processes
                // do: only the pid namespace's init can be gone.
                let (ok, errs): (bool, &[i32]) = match (cmd, pid_handle) {
                    // Pid 1 of the namespace: its init, until it is reaped.
                    (ioctl::NS_GET_PID_FROM_PIDNS | ioctl::NS_GET_TGID_FROM_PIDNS, true) => {
                        (true, &[libc::ESRCH])
                    }
                    // We have no pid in the child's pid namespace.
                    (ioctl::NS_GET_PID_IN_PIDNS, true) => (false, &[libc::ESRCH]),
                    // Pid translation on a user namespace.
                    (
                        ioctl::NS_GET_PID_FROM_PIDNS
                        | ioctl::NS_GET_TGID_FROM_PIDNS
                        | ioctl::NS_GET_PID_IN_PIDNS,
                        false,
                    ) => (false, &[libc::EINVAL]),
                    // The owner of a pid namespace that is not a user namespace.
                    (ioctl::NS_GET_OWNER_UID, true) => (false, &[libc::EINVAL]),
                    // The owner and parent of both are our own user and pid
                    // namespaces (or the new user namespace, a child of ours);
                    // NS_GET_NSTYPE never fails; the uid goes to our buffer.
                    _ => (true, &[]),
                };
                st.expect("nsfs ioctl", &x, ok, errs, || {
                    format!(
                        "ioctl({} handle, {cmd:#x}, {arg})",
                        if pid_handle { "pid" } else { "user" }
                    )
                });
            }
            st
        }));
    }
    st
}
