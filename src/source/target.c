// SPDX-License-Identifier: MIT
/* Starts the command under test held before exec, watches target processes, reaps them. */
#define _GNU_SOURCE
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/util.h"
#include "sysinfo.h"

struct watched {
	pid_t pid;
	int pidfd; /* -1: fall back to kill(pid, 0) (or waitpid for the command) */
	bool dead;
};

struct target {
	struct watched *w;
	int nw;
	pid_t child;   /* the spawned command, -1 when none */
	int child_idx; /* its entry in w */
	int go_fd;     /* write end the held command waits on; -1 once released */
	int err_fd;    /* read end: the command's exec errno, EOF when exec succeeded */
	int status;    /* the command's wait status, -1 until reaped */
	bool started;
	char argv0[256];
};

static int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

struct target *target__new(void)
{
	struct target *t = xcalloc(1, sizeof(*t));
	t->child = -1;
	t->child_idx = -1;
	t->go_fd = t->err_fd = -1;
	t->status = -1;
	return t;
}

void target__watch(struct target *t, pid_t pid)
{
	t->w = xrealloc(t->w, sizeof(*t->w) * (size_t)(t->nw + 1));
	t->w[t->nw++] = (struct watched){.pid = pid, .pidfd = sys_pidfd_open(pid)};
}

int target__spawn(struct target *t, char *const argv[], char *err, size_t errlen)
{
	if (!argv || !argv[0]) {
		snprintf(err, errlen, "no command given");
		return -EINVAL;
	}
	int ret = sysinfo__find_command(argv[0]);
	if (ret < 0) {
		snprintf(err, errlen,
			 ret == -ENOENT ? "command not found: %s" : "permission denied: %s",
			 argv[0]);
		return ret;
	}
	int go[2], ep[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		int e = -errno;
		close(go[0]);
		close(go[1]);
		return e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		snprintf(err, errlen, "cannot fork to run '%s': %s", argv[0], strerror(-e));
		close(go[0]), close(go[1]), close(ep[0]), close(ep[1]);
		return e;
	}
	if (pid == 0) {
		char c;
		close(go[1]);
		close(ep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(TARGET_EXIT_NOT_FOUND); /* scorch gave up before starting us */
		execvp(argv[0], argv);
		int e = errno;
		/* The parent reports it (err_fd is close-on-exec: EOF there means exec worked). */
		if (write(ep[1], &e, sizeof(e)) < 0)
			_exit(TARGET_EXIT_NOT_FOUND);
		_exit(e == ENOENT ? TARGET_EXIT_NOT_FOUND : TARGET_EXIT_CANNOT_RUN);
	}
	close(go[0]);
	close(ep[1]);
	t->child = pid;
	t->go_fd = go[1];
	t->err_fd = ep[0];
	snprintf(t->argv0, sizeof(t->argv0), "%s", argv[0]);
	t->child_idx = t->nw;
	target__watch(t, pid);
	return 0;
}

pid_t target__command_pid(const struct target *t)
{
	return t->child;
}

static void child_reaped(struct target *t, int wstatus)
{
	t->status = wstatus;
	if (t->child_idx >= 0)
		t->w[t->child_idx].dead = true;
}

int target__start(struct target *t, char *err, size_t errlen)
{
	if (t->child < 0 || t->go_fd < 0)
		return 0;
	char c = 'g';
	ssize_t w = write(t->go_fd, &c, 1);
	close(t->go_fd);
	t->go_fd = -1;
	if (w != 1) {
		snprintf(err, errlen, "cannot start '%s': %s", t->argv0, strerror(errno));
		return -EPIPE;
	}
	t->started = true;
	int e = 0;
	ssize_t n;
	do
		n = read(t->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(t->err_fd);
	t->err_fd = -1;
	if (n != sizeof(e))
		return 0;
	snprintf(err, errlen, "cannot run '%s': %s", t->argv0, strerror(e));
	int st;
	if (waitpid(t->child, &st, 0) == t->child)
		child_reaped(t, st);
	return e == ENOENT ? -ENOENT : -EACCES;
}

int target__wait_fds(const struct target *t, struct pollfd *out, int max)
{
	int n = 0;
	for (int i = 0; i < t->nw && n < max; i++)
		if (!t->w[i].dead && t->w[i].pidfd >= 0)
			out[n++] = (struct pollfd){.fd = t->w[i].pidfd, .events = POLLIN};
	return n;
}

void target__update(struct target *t)
{
	for (int i = 0; i < t->nw; i++) {
		struct watched *w = &t->w[i];
		if (w->dead)
			continue;
		if (w->pid == t->child) {
			int st;
			if (waitpid(w->pid, &st, WNOHANG) == w->pid)
				child_reaped(t, st);
		} else if (w->pidfd >= 0) {
			struct pollfd pfd = {.fd = w->pidfd, .events = POLLIN};
			if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN))
				w->dead = true;
		} else if (kill(w->pid, 0) < 0 && errno == ESRCH) {
			w->dead = true;
		}
	}
}

bool target__all_exited(const struct target *t)
{
	for (int i = 0; i < t->nw; i++)
		if (!t->w[i].dead)
			return false;
	return t->nw > 0;
}

void target__stop(struct target *t)
{
	if (!t || t->child <= 0 || t->status >= 0)
		return;
	if (t->go_fd >= 0) { /* never started: let the held command exit */
		close(t->go_fd);
		t->go_fd = -1;
	}
	int st;
	pid_t r = waitpid(t->child, &st, WNOHANG);
	if (r == 0 && t->started) {
		kill(t->child, SIGTERM);
		for (int i = 0; i < 200 && (r = waitpid(t->child, &st, WNOHANG)) == 0; i++)
			usleep(10000);
		if (r == 0) {
			kill(t->child, SIGKILL);
			r = waitpid(t->child, &st, 0);
		}
	} else if (r == 0) {
		r = waitpid(t->child, &st, 0);
	}
	if (r == t->child)
		child_reaped(t, st);
}

pid_t target__detach(struct target *t)
{
	if (!t || t->child <= 0 || t->status >= 0 || !t->started)
		return 0;
	int st;
	pid_t pid = t->child;
	if (waitpid(pid, &st, WNOHANG) == pid) {
		child_reaped(t, st);
		return 0;
	}
	t->child = -1; /* still running: neither signalled nor waited for from now on */
	return pid;
}

int target__command_status(const struct target *t)
{
	return t->status;
}

void target__free(struct target *t)
{
	if (!t)
		return;
	target__stop(t);
	for (int i = 0; i < t->nw; i++)
		if (t->w[i].pidfd >= 0)
			close(t->w[i].pidfd);
	if (t->go_fd >= 0)
		close(t->go_fd);
	if (t->err_fd >= 0)
		close(t->err_fd);
	free(t->w);
	free(t);
}

int target__exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

int target__start_exit_code(int e)
{
	return e == ENOENT ? TARGET_EXIT_NOT_FOUND : e == EACCES ? TARGET_EXIT_CANNOT_RUN : 1;
}
