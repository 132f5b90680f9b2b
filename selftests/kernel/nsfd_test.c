// SPDX-License-Identifier: GPL-2.0
/*
 * nsfd(2): a descriptor of one namespace of a task, which is the file that
 * opening /proc/PID/ns/TYPE gives, keeps the namespace alive, and which
 * setns(2) takes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nsfd.h>

#include "../kselftest_harness.h"

static int sys_nsfd(pid_t pid, unsigned long nstype)
{
	return syscall(__NR_nsfd, pid, nstype);
}

static const struct {
	const char *name;
	unsigned long nstype;
} types[] = {
	{ "mnt", CLONE_NEWNS },
	{ "uts", CLONE_NEWUTS },
	{ "ipc", CLONE_NEWIPC },
	{ "net", CLONE_NEWNET },
	{ "pid", CLONE_NEWPID },
	{ "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP },
	{ "time", CLONE_NEWTIME },
	{ "pid_for_children", CLONE_NEWPID | NSFD_FOR_CHILDREN },
	{ "time_for_children", CLONE_NEWTIME | NSFD_FOR_CHILDREN },
};

/* Whether the kernel has nsfd(2) (CONFIG_NSFD). */
static bool have_nsfd(void)
{
	int fd = sys_nsfd(0, CLONE_NEWNS);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOSYS;
}

/* Each type's descriptor is the inode of /proc/self/ns/TYPE, read-only, close-on-exec. */
TEST(own_namespaces_are_their_proc_files)
{
	char path[PATH_MAX];
	struct stat want, got;
	unsigned int i;
	int fd;

	if (!have_nsfd())
		SKIP(return, "nsfd(2) is not in this kernel (CONFIG_NSFD)");
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", types[i].name);
		fd = sys_nsfd(0, types[i].nstype);
		if (fd < 0 && errno == EOPNOTSUPP) {
			ASSERT_NE(0, stat(path, &want))
				TH_LOG("%s: EOPNOTSUPP, but %s exists", types[i].name, path);
			continue;
		}
		ASSERT_GE(fd, 0) TH_LOG("nsfd(0, %s): %s", types[i].name, strerror(errno));
		ASSERT_EQ(0, stat(path, &want));
		ASSERT_EQ(0, fstat(fd, &got));
		EXPECT_EQ(want.st_dev, got.st_dev) TH_LOG("%s", types[i].name);
		EXPECT_EQ(want.st_ino, got.st_ino) TH_LOG("%s", types[i].name);
		EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
		EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
		close(fd);
	}
}

TEST(bad_arguments)
{
	pid_t child;

	if (!have_nsfd())
		SKIP(return, "nsfd(2) is not in this kernel (CONFIG_NSFD)");
	EXPECT_EQ(-1, sys_nsfd(0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_nsfd(0, CLONE_NEWNET | CLONE_NEWUTS));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_nsfd(0, CLONE_NEWNET | NSFD_FOR_CHILDREN));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_nsfd(0, CLONE_NEWNET | (1UL << (sizeof(long) * 8 - 1))));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_nsfd(-1, CLONE_NEWNS));
	EXPECT_EQ(EINVAL, errno);

	/* A reaped child's pid names no task. */
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_EQ(-1, sys_nsfd(child, CLONE_NEWNS));
	EXPECT_EQ(ESRCH, errno);
}

/*
 * A child makes a UTS namespace with its own host name and exits; the
 * descriptor taken from it keeps the namespace, which setns() then joins.
 */
TEST(descriptor_keeps_the_namespace_alive)
{
	int ready[2], done[2], fd, status;
	char name[64] = "";
	pid_t child;

	if (!have_nsfd())
		SKIP(return, "nsfd(2) is not in this kernel (CONFIG_NSFD)");
	if (geteuid() != 0)
		SKIP(return, "needs CAP_SYS_ADMIN for unshare(CLONE_NEWUTS) and setns()");
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		char c = 0;

		close(ready[0]);
		close(done[1]);
		if (unshare(CLONE_NEWUTS) || sethostname("nsfd-selftest", 13))
			_exit(1);
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	ASSERT_EQ(1, read(ready[0], name, 1));
	fd = sys_nsfd(child, CLONE_NEWUTS);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, write(done[1], "", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, status);

	/* Another type than the descriptor's is refused. */
	EXPECT_EQ(-1, setns(fd, CLONE_NEWNET));
	EXPECT_EQ(EINVAL, errno);

	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		if (setns(fd, CLONE_NEWUTS) || gethostname(name, sizeof(name)))
			_exit(1);
		_exit(strcmp(name, "nsfd-selftest") ? 2 : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status)
		TH_LOG("setns() into the kept namespace: exit %d", WEXITSTATUS(status));
	close(fd);
}

TEST_HARNESS_MAIN
