/* SPDX-License-Identifier: MIT */
/* Facts about the machine the sampler needs: online CPUs, sysctls, PATH lookup, fd limit. */
#ifndef SCORCH_SYSINFO_H
#define SCORCH_SYSINFO_H

/* The integer in a /proc or /sys file, or dflt when it cannot be read. */
int sysinfo__read_int(const char *path, int dflt);
/* Online CPU numbers into *out (caller frees); returns how many (at least 1). */
int sysinfo__online_cpus(int **out);
/* 0 when argv0 can be executed (as execvp would find it), else -ENOENT or -EACCES. */
int sysinfo__find_command(const char *argv0);
/* Raises the soft limit of open files to the hard limit (one fd per CPU and event). */
void sysinfo__raise_nofile(void);

#endif
