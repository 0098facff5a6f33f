// SPDX-License-Identifier: MIT
/* Facts about the machine the sampler needs: online CPUs, sysctls, PATH lookup, fd limit. */
#include "sysinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/util.h"

int sysinfo__read_int(const char *path, int dflt)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dflt;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = '\0';
	return atoi(buf);
}

/* Online CPUs from /sys ("0-3,6"), so hot-unplugged holes are skipped; sized at run time. */
int sysinfo__online_cpus(int **out)
{
	char buf[4096];
	int n = 0, cap = 16;
	int *cpus = xmalloc(sizeof(*cpus) * cap);
	int fd = open("/sys/devices/system/cpu/online", O_RDONLY | O_CLOEXEC);
	ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (len > 0) {
		buf[len] = '\0';
		for (char *p = buf; *p && *p != '\n';) {
			char *end;
			long a = strtol(p, &end, 10), b = a;
			if (end == p)
				break;
			if (*end == '-')
				b = strtol(end + 1, &end, 10);
			for (long c = a; c <= b; c++) {
				if (n == cap)
					cpus = xrealloc(cpus, sizeof(*cpus) * (cap *= 2));
				cpus[n++] = (int)c;
			}
			p = *end == ',' ? end + 1 : end;
		}
	}
	if (n == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		for (long i = 0; i < (c > 0 ? c : 1); i++) {
			if (n == cap)
				cpus = xrealloc(cpus, sizeof(*cpus) * (cap *= 2));
			cpus[n++] = (int)i;
		}
	}
	*out = cpus;
	return n;
}

/* 0 when argv0 can be executed (as execvp would find it), else -ENOENT or -EACCES. */
int sysinfo__find_command(const char *argv0)
{
	if (strchr(argv0, '/'))
		return access(argv0, X_OK) == 0 ? 0 : (errno == ENOENT ? -ENOENT : -EACCES);
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int res = -ENOENT;
	while (*path) {
		size_t len = strcspn(path, ":");
		char full[4096];
		snprintf(full, sizeof(full), "%.*s%s%s", (int)len, len ? path : ".", "/", argv0);
		struct stat sb;
		if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (access(full, X_OK) == 0)
				return 0;
			res = -EACCES;
		}
		path += len;
		if (*path == ':')
			path++;
	}
	return res;
}

/* Lets one event per CPU and thread fit: open files up to the hard limit. */
void sysinfo__raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

