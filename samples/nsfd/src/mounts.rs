//! The nsfs mounts of the caller's mount namespace, read with listmount(2)
//! and statmount(2), which need no procfs; `/proc/self/mountinfo` is read
//! only on a kernel without them (`ENOSYS`: before Linux 6.8).

use linux_raw_sys::general::{
    __NR_listmount, __NR_statmount, mnt_id_req, statmount, LSMT_ROOT, NSFS_MAGIC,
    STATMOUNT_MNT_POINT, STATMOUNT_MNT_ROOT, STATMOUNT_SB_BASIC,
};
use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStringExt;

/// One nsfs mount: a pinned namespace.
#[derive(Debug, PartialEq, Eq)]
pub struct NsfsMount {
    /// The root of the mount as nsfs shows it: `TYPE:[INODE]`.
    pub root: Vec<u8>,
    /// Where it is mounted, as seen from the caller's root.
    pub point: OsString,
}

/// Every nsfs mount of the caller's mount namespace, in mount id order.
pub fn nsfs_mounts() -> io::Result<Vec<NsfsMount>> {
    match mount_ids() {
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => {
            Ok(parse_mountinfo(&std::fs::read("/proc/self/mountinfo")?))
        }
        Err(e) => Err(e),
        Ok(ids) => {
            let mut out = vec![];
            for id in ids {
                match nsfs_mount(id) {
                    Ok(Some(m)) => out.push(m),
                    Ok(None) => {}
                    // Unmounted since it was listed, or outside the caller's
                    // root (mountinfo does not show those either).
                    Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EPERM)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        }
    }
}

fn request(mnt_id: u64, param: u64) -> mnt_id_req {
    mnt_id_req {
        size: std::mem::size_of::<mnt_id_req>() as u32,
        spare: 0,
        mnt_id,
        param,
        mnt_ns_id: 0,
    }
}

/// listmount(2) of the whole mount namespace, a batch at a time.
fn mount_ids() -> io::Result<Vec<u64>> {
    const BATCH: usize = 512;
    let mut ids = vec![];
    let mut buf = [0u64; BATCH];
    loop {
        let req = request(LSMT_ROOT as u64, ids.last().copied().unwrap_or(0));
        // SAFETY: `req` is a valid mnt_id_req of the size it states, and `buf`
        // has room for BATCH ids; both outlive the call.
        let n = unsafe {
            libc::syscall(
                __NR_listmount as libc::c_long,
                &req as *const mnt_id_req,
                buf.as_mut_ptr(),
                BATCH,
                0,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        ids.extend_from_slice(&buf[..n]);
        if n < BATCH {
            return Ok(ids);
        }
    }
}

/// statmount(2) of one mount: `None` if it is not nsfs.
fn nsfs_mount(id: u64) -> io::Result<Option<NsfsMount>> {
    let req = request(
        id,
        (STATMOUNT_SB_BASIC | STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT) as u64,
    );
    // u64s, so that the buffer is aligned for struct statmount.
    let mut buf = vec![0u64; 512];
    loop {
        let bytes = buf.len() * 8;
        // SAFETY: `req` is a valid mnt_id_req of the size it states, and the
        // kernel writes at most `bytes` bytes into `buf`; both outlive the call.
        let r = unsafe {
            libc::syscall(
                __NR_statmount as libc::c_long,
                &req as *const mnt_id_req,
                buf.as_mut_ptr(),
                bytes,
                0,
            )
        };
        if r == 0 {
            break;
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EOVERFLOW) {
            return Err(e);
        }
        buf.resize(buf.len() * 2, 0);
    }
    // SAFETY: the buffer is aligned for u64 and (4 KiB or more) larger than the
    // header, which the kernel filled in.
    let sm = unsafe { &*(buf.as_ptr() as *const statmount) };
    let needed = u64::from(STATMOUNT_SB_BASIC | STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT);
    if sm.mask & needed != needed {
        return Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP));
    }
    if sm.sb_magic != u64::from(NSFS_MAGIC) {
        return Ok(None);
    }
    // The strings follow the header, at the offsets the header gives.
    // SAFETY: the buffer is `buf.len() * 8` initialised bytes, borrowed as long as `buf`.
    let bytes: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast(), buf.len() * 8) };
    let strings = &bytes[std::mem::size_of::<statmount>().min(bytes.len())..];
    let string = |off: u32| -> Vec<u8> {
        let s = strings.get(off as usize..).unwrap_or_default();
        s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())].to_vec()
    };
    Ok(Some(NsfsMount {
        root: string(sm.mnt_root),
        point: OsString::from_vec(string(sm.mnt_point)),
    }))
}

/// Undoes mountinfo's octal escapes (`\040` is a space).
fn unescape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The nsfs mounts of a mountinfo text, read as bytes (a mount point need
/// not be UTF-8).
pub fn parse_mountinfo(text: &[u8]) -> Vec<NsfsMount> {
    let mut out = vec![];
    for line in text.split(|&b| b == b'\n') {
        let f: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
        let Some(sep) = f.iter().position(|x| *x == b"-") else {
            continue;
        };
        if f.get(sep + 1) != Some(&&b"nsfs"[..]) || f.len() < 5 {
            continue;
        }
        out.push(NsfsMount {
            root: unescape(f[3]),
            point: OsString::from_vec(unescape(f[4])),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_as_bytes() {
        let text = b"22 1 0:21 / /run rw - tmpfs tmpfs rw\n\
                     41 22 0:4 net:[4026532281] /tmp/\xff\\040x rw - nsfs nsfs rw\n";
        let m = parse_mountinfo(text);
        assert_eq!(
            m,
            [NsfsMount {
                root: b"net:[4026532281]".to_vec(),
                point: OsString::from_vec(b"/tmp/\xff x".to_vec()),
            }]
        );
    }
}
