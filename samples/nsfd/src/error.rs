//! Failures as util-linux reports them: `nsfd: WHAT: strerror`, exit status 1
//! (126 and 127 when the command cannot be run or found, as nsenter).

use std::fmt::Display;
use std::io;

/// A failure: its message and exit status.
#[derive(Debug)]
pub struct Failure {
    pub msg: String,
    pub status: i32,
}

impl Failure {
    pub fn new(msg: impl Into<String>) -> Failure {
        Failure {
            msg: msg.into(),
            status: 1,
        }
    }
}

/// Writes `text` to standard output; a write error (a full disk) is a
/// failure, "write error: ...", as util-linux reports it, except a reader
/// that went away (`nsfd list | head -1`), which util-linux ignores too.
pub fn write_out(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(fail("write error", e)),
        _ => Ok(()),
    }
}

/// `WHAT: strerror(errno)`.
pub fn fail(what: impl Display, e: impl Into<io::Error>) -> Failure {
    Failure::new(format!("{what}: {}", strerror(&e.into())))
}

/// The C library's text for an error, without Rust's " (os error N)".
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match e.raw_os_error() {
        Some(n) => s
            .strip_suffix(&format!(" (os error {n})"))
            .unwrap_or(&s)
            .to_string(),
        None => s,
    }
}

/// A command that could not be run: 127 if it was not found, 126 otherwise.
pub fn exec_failure(cmd: impl Display, e: io::Error) -> Failure {
    let status = if e.kind() == io::ErrorKind::NotFound {
        127
    } else {
        126
    };
    Failure {
        status,
        ..fail(format!("failed to execute {cmd}"), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_have_the_c_library_text() {
        let f = fail("cannot open /x", io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(f.msg, "cannot open /x: No such file or directory");
        assert_eq!(f.status, 1);
        // Beyond the 16 errno values the old tool knew.
        let f = fail("x", io::Error::from_raw_os_error(libc::EOWNERDEAD));
        assert_eq!(f.msg, "x: Owner died");
    }

    #[test]
    fn exec_statuses_as_nsenter() {
        let enoent = io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(exec_failure("nope", enoent).status, 127);
        let eacces = io::Error::from_raw_os_error(libc::EACCES);
        let f = exec_failure("/etc/passwd", eacces);
        assert_eq!(f.status, 126);
        assert_eq!(f.msg, "failed to execute /etc/passwd: Permission denied");
    }
}
