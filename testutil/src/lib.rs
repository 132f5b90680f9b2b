//! What nsfd's selftests (`nsfd_selftest`, `nsfd_stress`) and benchmark
//! (`nsfd_bench`) share, each once: the KTAP writer, the child that holds
//! namespaces, the raw calls that tests make with invalid values, mounts and
//! SCM_RIGHTS. rustix for every call that it has; raw libc only where a test
//! must pass a value that rustix's types refuse (any descriptor number, any
//! ioctl command) or rustix has no call (nsfd, listns, fork).

pub mod child;
pub mod errno;
pub mod i386;
pub mod ktap;
pub mod mounts;
pub mod scm;
pub mod sys;
