//! Permissions: nsfd() allows what opening /proc/PID/ns allows, for root, nobody and a user-
//! namespace caller.

use crate::child;
use crate::common::*;
use crate::ktap::Cases;
use crate::setns::*;
use crate::sys::*;

pub(crate) fn permissions(c: &mut Cases) {
    // For each caller, nsfd(pid, type) must give what open(/proc/pid/ns/type) gives.
    let callers: [(&str, Prep); 3] = [
        ("root", as_root),
        ("nobody", as_nobody),
        ("userns", in_new_userns),
    ];
    for (cname, prep) in callers {
        c.case(format!("permission_{cname}_equals_proc"), move || {
            let out = child::run(move || {
                prep()?;
                let mut diffs = String::new();
                for pid in [1, 0, rustix::process::getpid().as_raw_pid()] {
                    for t in all_kinds() {
                        if !configured(&t) {
                            continue;
                        }
                        let a = describe(&nsfd(pid, t.nstype().into()));
                        let p = if pid == 0 {
                            "self".to_string()
                        } else {
                            pid.to_string()
                        };
                        let b = describe(&open_ro(&format!("/proc/{p}/ns/{}", t.name())));
                        if a != b {
                            diffs.push_str(&format!(
                                "pid {pid} {}: nsfd {a}, /proc {b}\n",
                                t.name()
                            ));
                        }
                    }
                }
                if diffs.is_empty() {
                    Ok(String::new())
                } else {
                    Err(diffs)
                }
            });
            out.map(|_| ()).map_err(fail)
        });
    }
}
