//! Descriptors passed over a unix socket (SCM_RIGHTS).

use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, SocketFlags, SocketType,
};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};

/// A connected pair of unix sockets that keep message boundaries
/// (SOCK_SEQPACKET), close-on-exec.
pub fn socketpair() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(rustix::net::socketpair(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )?)
}

/// Sends a copy of `fd` over `sock`, with one byte of data; returns the bytes sent.
pub fn send_fd(sock: impl AsFd, fd: impl AsFd) -> io::Result<usize> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut cmsg = SendAncillaryBuffer::new(&mut space);
    let fds = [fd.as_fd()];
    cmsg.push(SendAncillaryMessage::ScmRights(&fds));
    Ok(rustix::net::sendmsg(
        sock,
        &[io::IoSlice::new(b"h")],
        &mut cmsg,
        SendFlags::empty(),
    )?)
}

/// Receives one message's descriptors (close-on-exec) from `sock`: `None`
/// once the sender has closed its end.
pub fn recv_fds(sock: impl AsFd) -> io::Result<Option<Vec<OwnedFd>>> {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut cmsg = RecvAncillaryBuffer::new(&mut space);
    let mut byte = [0u8; 1];
    let r = rustix::net::recvmsg(
        sock,
        &mut [io::IoSliceMut::new(&mut byte)],
        &mut cmsg,
        RecvFlags::CMSG_CLOEXEC,
    )?;
    if r.bytes == 0 {
        return Ok(None);
    }
    let mut fds = Vec::new();
    for m in cmsg.drain() {
        if let RecvAncillaryMessage::ScmRights(got) = m {
            fds.extend(got);
        }
    }
    Ok(Some(fds))
}

/// Receives descriptors from `sock` and closes them, until the sender closes
/// its end (or a receive fails); returns how many.
pub fn receive_and_close(sock: impl AsFd) -> usize {
    let mut n = 0;
    while let Ok(Some(fds)) = recv_fds(&sock) {
        n += fds.len(); // each dropped, so closed
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_descriptor_arrives_as_the_same_file() {
        let (tx, rx) = socketpair().unwrap();
        let f = std::fs::File::open("/proc/self/ns/uts").unwrap();
        assert_eq!(send_fd(&tx, &f).unwrap(), 1);
        let got = recv_fds(&rx).unwrap().unwrap();
        assert_eq!(got.len(), 1);
        let ino = |fd: &dyn AsFd| rustix::fs::fstat(fd).unwrap().st_ino;
        assert_eq!(ino(&got[0]), ino(&f));
        send_fd(&tx, &f).unwrap();
        drop(tx);
        assert_eq!(receive_and_close(rx), 1);
    }
}
