//! The pin rows: new UTS namespaces pinned by bind mount, by each route,
//! then released as `ip netns del` does (MNT_DETACH).

use crate::calls::nsfd_uts;
use crate::measure::median;
use crate::opts::Opts;
use crate::rows::{PinRoute, PinStep, RowId};
use crate::table::Table;
use nsfd_testutil::child::unshare;
use nsfd_testutil::mounts::{bind, unmount, unshare_mounts, Scratch};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Where the pin rows' tmpfs is.
const DIR: &str = "/tmp/nsfd-bench-pin";

fn raise_sysctl(path: &str, at_least: usize) -> Result<(), String> {
    let cur: usize = std::fs::read_to_string(path)
        .map_err(|e| format!("{path}: {e}"))?
        .trim()
        .parse()
        .map_err(|e| format!("{path}: {e}"))?;
    if cur < at_least {
        std::fs::write(path, at_least.to_string()).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(())
}

/// Pins `n` new UTS namespaces by `route`, then releases them with
/// `umount2(MNT_DETACH)` as `ip netns del` does. Returns the time per namespace of
/// the pin step and of the release, in microseconds; creating the namespaces and the
/// mount points is not timed.
fn pin_release(n: usize, route: PinRoute) -> Result<(f64, f64), String> {
    let scratch = Scratch::new(DIR, n)?;
    let mut pin = Duration::ZERO;
    for target in &scratch.files {
        unshare(libc::CLONE_NEWUTS).map_err(|e| format!("unshare(CLONE_NEWUTS): {e}"))?;
        let t0 = Instant::now();
        let handle = || nsfd_uts().map_err(|e| format!("nsfd: {e}"));
        match route {
            PinRoute::ProcFile => bind("/proc/self/ns/uts", target)?,
            // libnsfd's route, on the bare handle.
            PinRoute::HandleMountApi => nsfd::bind_mount_fd(handle()?, target)
                .map_err(|e| format!("open_tree + move_mount: {e}"))?,
            PinRoute::HandleProcFd => {
                // The handle stays open until the bind has resolved /proc/self/fd/N.
                let h = handle()?;
                bind(&format!("/proc/self/fd/{}", h.as_raw_fd()), target)?
            }
        }
        pin += t0.elapsed();
    }
    let t0 = Instant::now();
    for target in &scratch.files {
        unmount(target, true).map_err(|e| format!("umount2: {e}"))?;
    }
    let release = t0.elapsed();
    drop(scratch);
    let per = |d: Duration| d.as_nanos() as f64 / 1000.0 / n as f64;
    Ok((per(pin), per(release)))
}

pub fn rows(o: &Opts, t: &mut Table) {
    let max = o.pin.iter().copied().max().unwrap_or(0);
    // A private mount namespace: the bind mounts propagate nowhere.
    let setup = (|| {
        raise_sysctl("/proc/sys/fs/mount-max", 2 * max + 10_000)?;
        raise_sysctl("/proc/sys/user/max_uts_namespaces", 2 * max + 10_000)?;
        unshare_mounts()
    })();
    // A small round of each route first: the first pin in a process pays for setting
    // things up.
    for route in PinRoute::ALL {
        let _ = setup.clone().and_then(|()| pin_release(100, route));
    }
    for &n in &o.pin {
        // Rounds rotate which route goes first, so that none always runs on the
        // others' leftovers (RCU callbacks, freed slabs).
        let mut samples: [Vec<(f64, f64)>; 3] = Default::default();
        // A route's error is its own rows'.
        let mut err: [Option<String>; 3] = Default::default();
        for round in 0..o.pin_rounds {
            for k in 0..PinRoute::ALL.len() {
                let i = (round + k) % PinRoute::ALL.len();
                match setup
                    .clone()
                    .and_then(|()| pin_release(n, PinRoute::ALL[i]))
                {
                    Ok(r) => samples[i].push(r),
                    Err(e) => err[i] = Some(e),
                }
            }
        }
        for step in PinStep::ALL {
            for (i, route) in PinRoute::ALL.into_iter().enumerate() {
                let value = match &err[i] {
                    Some(e) => Err(e.clone()),
                    None => Ok(median(
                        samples[i]
                            .iter()
                            .map(|r| match step {
                                PinStep::Pin => r.0,
                                PinStep::Release => r.1,
                            })
                            .collect(),
                    )),
                };
                t.set(RowId::Pin(step, n, route), value);
            }
        }
    }
}
