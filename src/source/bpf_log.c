// SPDX-License-Identifier: MIT
/* libbpf's messages for the BPF backends: quiet, kept for the one-line reason of a failed load. */
#define _GNU_SOURCE
#include "bpf.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char libbpf_last[256]; /* libbpf's last warning, for error messages */
static char verifier_why[192]; /* the verifier's reason for its last rejection */

/* Keeps the line of a verifier log that says why: the one before its statistics. */
static void note_verifier_log(const char *log)
{
	const char *end = strstr(log, "\nverification time");
	if (!end)
		end = strstr(log, "\nprocessed ");
	if (!end)
		return;
	const char *start = end;
	while (start > log && start[-1] != '\n')
		start--;
	size_t n = (size_t)(end - start);
	if (n >= sizeof(verifier_why))
		n = sizeof(verifier_why) - 1;
	memcpy(verifier_why, start, n);
	verifier_why[n] = '\0';
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (getenv("SCORCH_LIBBPF_LOG")) { /* everything libbpf says, the verifier's log too */
		va_list copy;
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	if (strstr(fmt, "PROG LOAD LOG")) { /* the whole log, where the reason is near the end */
		char *text = NULL;
		va_list copy;
		va_copy(copy, ap);
		if (vasprintf(&text, fmt, copy) >= 0)
			note_verifier_log(text);
		va_end(copy);
		free(text);
	}
	char line[sizeof(libbpf_last)];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	while (n > 0 && (size_t)n < sizeof(line) && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0)
		memcpy(libbpf_last, line, sizeof(line));
	return 0;
}

void bpf_backend__quiet_libbpf(void)
{
	libbpf_set_print(libbpf_print);
	libbpf_last[0] = '\0';
	verifier_why[0] = '\0';
}

int bpf_backend__load_error(int e, const char *what, char *err, size_t errlen)
{
	if (e == EACCES && verifier_why[0])
		snprintf(err, errlen, "the kernel's verifier rejected %s (%s); use --backend perf", what,
			 verifier_why);
	else if (e == EPERM || e == EACCES)
		snprintf(err, errlen, "loading %s needs root (CAP_BPF, CAP_PERFMON); use --backend perf",
			 what);
	else
		snprintf(err, errlen, "cannot load %s: %s%s%s", what, strerror(e),
			 libbpf_last[0] ? ": " : "", libbpf_last);
	return -e;
}
