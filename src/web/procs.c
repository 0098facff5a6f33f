// SPDX-License-Identifier: MIT
/* The process list of serve, read from /proc with the pattern applied server-side. */
#define _GNU_SOURCE
#include "procs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "privsep.h"
#include "../util/util.h"

struct tick {
	int pid;
	uint64_t start, ticks; /* start time (clock ticks since boot) tells a reused pid apart */
};

struct procs {
	const regex_t *pattern;
	bool show_cmdline;
	unsigned max;
	pthread_mutex_t lock;
	struct tick *prev;
	size_t nprev;
	double prev_time;
};

struct entry {
	int pid;
	unsigned uid;
	char comm[64];
	double cpu;
	uint64_t start, ticks;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct procs *procs__new(const regex_t *pattern, bool show_cmdline, unsigned max)
{
	struct procs *ps = xcalloc(1, sizeof(*ps));
	ps->pattern = pattern;
	ps->show_cmdline = show_cmdline;
	ps->max = max ? max : 4096;
	pthread_mutex_init(&ps->lock, NULL);
	return ps;
}

void procs__free(struct procs *ps)
{
	if (!ps)
		return;
	pthread_mutex_destroy(&ps->lock);
	free(ps->prev);
	free(ps);
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return (int)n;
}

/* comm, utime+stime and start time from /proc/PID/stat; the owner from the directory. */
static int read_entry(int dirfd, int pid, struct entry *e)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	if (!l || !r || r < l)
		return -EINVAL;
	size_t n = (size_t)(r - l - 1);
	if (n >= sizeof(e->comm))
		n = sizeof(e->comm) - 1;
	memcpy(e->comm, l + 1, n);
	e->comm[n] = '\0';
	/* fields after ")": state(3) ... utime(14) stime(15) ... starttime(22) */
	unsigned long long utime = 0, stime = 0, start = 0;
	char *f = r + 2;
	for (int field = 3; field <= 22 && f && *f; field++) {
		if (field == 14)
			utime = strtoull(f, NULL, 10);
		else if (field == 15)
			stime = strtoull(f, NULL, 10);
		else if (field == 22)
			start = strtoull(f, NULL, 10);
		f = strchr(f, ' ');
		if (f)
			f++;
	}
	struct stat st;
	snprintf(path, sizeof(path), "%d", pid);
	if (fstatat(dirfd, path, &st, 0) < 0)
		return -ENOENT;
	e->pid = pid;
	e->uid = st.st_uid;
	e->ticks = utime + stime;
	e->start = start;
	return 0;
}

static int cmp_tick(const void *a, const void *b)
{
	const struct tick *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void user_name(unsigned uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "%u", uid);
}

json_t *procs__list(struct procs *ps)
{
	DIR *d = opendir("/proc");
	json_t *arr = json_array();
	if (!d)
		return arr;
	long hz = sysconf(_SC_CLK_TCK);
	double uptime = 0;
	char ub[128];
	if (read_small("/proc/uptime", ub, sizeof(ub)) > 0)
		uptime = strtod(ub, NULL);
	struct entry *es = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		int pid = atoi(de->d_name);
		struct entry e;
		if (pid <= 0 || read_entry(dirfd(d), pid, &e) < 0)
			continue;
		if (ps->pattern && !priv__pid_matches(ps->pattern, pid))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			es = xrealloc(es, cap * sizeof(*es));
		}
		es[n++] = e;
	}
	closedir(d);

	pthread_mutex_lock(&ps->lock);
	double t = mono(), dt = t - ps->prev_time;
	bool have_prev = ps->prev && dt >= 0.2;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &es[i];
		struct tick key = {e->pid, 0, 0};
		struct tick *pv = have_prev ? bsearch(&key, ps->prev, ps->nprev, sizeof(key),
						      cmp_tick) : NULL;
		if (pv && pv->start == e->start && e->ticks >= pv->ticks) {
			e->cpu = 100.0 * (double)(e->ticks - pv->ticks) / (double)hz / dt;
		} else {
			double life = uptime - (double)e->start / (double)hz;
			e->cpu = life > 0 ? 100.0 * (double)e->ticks / (double)hz / life : 0;
		}
	}
	if (!ps->prev || dt >= 0.2) {
		ps->prev = xrealloc(ps->prev, (n ? n : 1) * sizeof(*ps->prev));
		for (size_t i = 0; i < n; i++)
			ps->prev[i] = (struct tick){es[i].pid, es[i].start, es[i].ticks};
		ps->nprev = n;
		qsort(ps->prev, n, sizeof(*ps->prev), cmp_tick);
		ps->prev_time = t;
	}
	pthread_mutex_unlock(&ps->lock);

	qsort(es, n, sizeof(*es), cmp_entry);
	for (size_t i = 0; i < n && i < ps->max; i++) {
		char user[64];
		user_name(es[i].uid, user, sizeof(user));
		json_t *o = json_pack("{s:i, s:s, s:s, s:f}", "pid", es[i].pid, "user", user, "comm",
				      es[i].comm, "cpu", (double)((int)(es[i].cpu * 10 + 0.5)) / 10);
		if (ps->show_cmdline) {
			char path[64], buf[4096];
			snprintf(path, sizeof(path), "/proc/%d/cmdline", es[i].pid);
			int len = read_small(path, buf, sizeof(buf));
			for (int k = 0; k < len; k++)
				if (buf[k] == '\0')
					buf[k] = ' ';
			while (len > 0 && buf[len - 1] == ' ')
				buf[--len] = '\0';
			json_object_set_new(o, "cmdline", json_stringn(buf, len > 0 ? (size_t)len : 0));
		}
		json_array_append_new(arr, o);
	}
	free(es);
	return arr;
}
