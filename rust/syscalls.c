// SPDX-License-Identifier: GPL-2.0
/*
 * The entry points of nsfd(2) and setns(2). SYSCALL_DEFINE gives them what
 * every system call has: trace events, metadata, error injection, argument
 * widening and each architecture's wrappers (compat included). The work is
 * done in Rust (nsfd.rs).
 */

#include <linux/nsfd.h>
#include <linux/syscalls.h>

SYSCALL_DEFINE2(nsfd, pid_t, pid, unsigned long, nstype)
{
	return nsfd_sys_nsfd(pid, nstype);
}

/* Replaces kernel/nsproxy.c's, which is compiled out with CONFIG_NSFD. */
SYSCALL_DEFINE2(setns, int, fd, int, flags)
{
	return nsfd_sys_setns(fd, flags);
}
