/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the component's C glue (rust/syscalls.c) calls in Rust
 * (rust/nsfd.rs). Each returns a result or a negative errno.
 */
#ifndef _NSFD_RUST_H
#define _NSFD_RUST_H

#include <linux/types.h>

long nsfd_sys_nsfd(pid_t pid, unsigned long nstype);
long nsfd_sys_setns(int fd, int flags);

#endif /* _NSFD_RUST_H */
