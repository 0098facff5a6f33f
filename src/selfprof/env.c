// SPDX-License-Identifier: MIT
/* Self-profiler under LD_PRELOAD: start from the environment, one output file per process. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "selfprof.h"

#define DEFAULT_OUT "scorch-selfprof.%p.folded"
#define OWNER_ENV "SCORCH_SELFPROF_OWNER" /* pid of the first process: the plain name */
#define EXECS_ENV "SCORCH_SELFPROF_EXECS" /* "PID:K": PID wrote K pre-exec files already */

extern char **environ;

static bool env_mode;
static bool defaulted; /* no SCORCH_SELFPROF_OUT: tell the user where the file went */
static char *tmpl;
static pid_t first_pid;
static unsigned execs_done; /* pre-exec files this pid has written (over all its images) */

typedef void (*exit_fn)(int);
static exit_fn real_exit_, real_Exit;
typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
static execve_fn real_execve;
static execvpe_fn real_execvpe;

bool selfprof__env_mode(void)
{
	return env_mode;
}

/* Appends s to out (capacity cap) at *o, truncating. */
static void put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (*o + n >= cap)
		n = cap - 1 - *o;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

/*
 * The output name for this process: the template with %p as the pid; without %p, a process
 * other than the first gets ".PID" before the extension, and a pre-exec file (pre_exec > 0)
 * ".pre-execK". Returns a malloc'd string or NULL.
 */
static char *out_name(unsigned pre_exec)
{
	pid_t pid = getpid();
	size_t cap = strlen(tmpl) + 96;
	char *exp = malloc(cap), *out = malloc(cap);
	if (!exp || !out) {
		free(exp);
		free(out);
		return NULL;
	}
	size_t o = 0;
	bool has_pid = false;
	char num[32];
	exp[0] = '\0';
	for (const char *s = tmpl; *s; s++) {
		if (s[0] == '%' && s[1] == 'p') {
			int n = snprintf(num, sizeof(num), "%d", (int)pid);
			put(exp, cap, &o, num, (size_t)n);
			has_pid = true;
			s++;
		} else {
			put(exp, cap, &o, s, 1);
		}
	}
	char tag[64] = "";
	size_t t = 0;
	if (!has_pid && pid != first_pid)
		t += (size_t)snprintf(tag + t, sizeof(tag) - t, ".%d", (int)pid);
	if (pre_exec)
		snprintf(tag + t, sizeof(tag) - t, ".pre-exec%u", pre_exec);
	/* The tag goes before the extension, so the format (.svg, .folded) is kept. */
	const char *slash = strrchr(exp, '/');
	const char *base = slash ? slash + 1 : exp;
	const char *dot = strrchr(base, '.');
	size_t cut = dot && dot != base ? (size_t)(dot - exp) : strlen(exp);
	o = 0;
	out[0] = '\0';
	put(out, cap, &o, exp, cut);
	put(out, cap, &o, tag, strlen(tag));
	put(out, cap, &o, exp + cut, strlen(exp + cut));
	free(exp);
	return out;
}

/* Writes what was sampled to name and says so when the user did not choose the name or
 * when samples were missed. */
static void write_out(const char *name)
{
	int r = scorch_selfprof_write_folded(name);
	if (r < 0) {
		fprintf(stderr, "scorch-selfprof: cannot write %s: %s\n", name, strerror(-r));
		return;
	}
	unsigned long long n = 0, miss = 0, drop = 0;
	scorch_selfprof_counts(&n, &miss, &drop);
	if (!defaulted && !miss && !drop)
		return;
	fprintf(stderr, "scorch-selfprof: wrote %llu samples to %s", n, name);
	if (miss)
		fprintf(stderr, "; %llu missed (timer overruns: the kernel tick allows each thread "
				"about CONFIG_HZ samples a second, %u Hz asked)",
			miss, selfprof__hz());
	if (drop)
		fprintf(stderr, "; %llu dropped (the sample ring was full)", drop);
	fputc('\n', stderr);
}

/* True when this library came in through LD_PRELOAD (not linked by the program). */
static bool preloaded(void)
{
	const char *pre = getenv("LD_PRELOAD");
	Dl_info info;
	if (!pre || !dladdr((void *)preloaded, &info) || !info.dli_fname)
		return false;
	const char *slash = strrchr(info.dli_fname, '/');
	return strstr(pre, slash ? slash + 1 : info.dli_fname) != NULL;
}

__attribute__((constructor)) static void selfprof_env_init(void)
{
	real_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	real_execvpe = (execvpe_fn)dlsym(RTLD_NEXT, "execvpe");
	real_exit_ = (exit_fn)dlsym(RTLD_NEXT, "_exit");
	real_Exit = (exit_fn)dlsym(RTLD_NEXT, "_Exit");
	const char *out = getenv("SCORCH_SELFPROF_OUT");
	defaulted = !out || !*out;
	if (defaulted && !preloaded())
		return; /* linked for its API: the program starts sampling itself */
	tmpl = strdup(defaulted ? DEFAULT_OUT : out);
	const char *owner = getenv(OWNER_ENV);
	first_pid = owner ? (pid_t)atoi(owner) : 0;
	if (first_pid <= 0) {
		char num[32];
		first_pid = getpid();
		snprintf(num, sizeof(num), "%d", (int)first_pid);
		setenv(OWNER_ENV, num, 1);
	}
	const char *ex = getenv(EXECS_ENV);
	int ex_pid = 0;
	unsigned ex_n = 0;
	if (ex && sscanf(ex, "%d:%u", &ex_pid, &ex_n) == 2 && ex_pid == (int)getpid())
		execs_done = ex_n;
	const char *hz_s = getenv("SCORCH_SELFPROF_HZ");
	long hz = hz_s ? atol(hz_s) : 99;
	if (hz <= 0 || hz > 100000) {
		fprintf(stderr, "scorch-selfprof: SCORCH_SELFPROF_HZ must be a number from 1 to "
				"100000; using 99\n");
		hz = 99;
	}
	if (!tmpl)
		return;
	int r = scorch_selfprof_start((unsigned)hz);
	if (r < 0) {
		fprintf(stderr, "scorch-selfprof: cannot start sampling: %s\n", strerror(-r));
		return;
	}
	env_mode = true;
}

__attribute__((destructor)) static void selfprof_env_fini(void)
{
	if (!env_mode || getpid() != selfprof__owner())
		return;
	scorch_selfprof_stop();
	char *name = out_name(0);
	if (name)
		write_out(name);
	free(name);
	env_mode = false;
}

/*
 * _exit skips destructors, and shells (dash) and forked children leave through it: write the
 * file first, when this process is the one sampling (not a vfork child sharing our memory).
 */
SP_EXPORT void _exit(int status)
{
	selfprof_env_fini();
	if (real_exit_)
		real_exit_(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

SP_EXPORT void _Exit(int status)
{
	selfprof_env_fini();
	if (real_Exit)
		real_Exit(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

/* ---- exec: the image about to be replaced writes its samples first ---- */

/*
 * Called before every exec: writes this image's samples to the next pre-exec name and
 * returns the "PID:K" string the new image must see (static), or NULL when this process is
 * not the one sampling (a vfork child shares our memory: touch nothing then).
 */
static const char *before_exec(void)
{
	if (!env_mode || !selfprof__active() || getpid() != selfprof__owner())
		return NULL;
	scorch_selfprof_stop();
	char *name = out_name(execs_done + 1);
	if (name)
		write_out(name);
	free(name);
	execs_done++;
	static char val[64];
	snprintf(val, sizeof(val), "%d:%u", (int)getpid(), execs_done);
	return val;
}

/* The exec failed: keep sampling this image (its file is written again at exit). */
static void after_failed_exec(const char *mark)
{
	if (mark)
		scorch_selfprof_start(selfprof__hz());
}

/* envp with EXECS_ENV=mark put in; malloc'd array (the strings are borrowed but one). */
static char **env_with(char *const envp[], const char *mark, char *entry, size_t entry_size)
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	char **v = malloc((n + 2) * sizeof(*v));
	if (!v)
		return NULL;
	size_t k = 0, len = strlen(EXECS_ENV);
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], EXECS_ENV, len) != 0 || envp[i][len] != '=')
			v[k++] = envp[i];
	snprintf(entry, entry_size, "%s=%s", EXECS_ENV, mark);
	v[k++] = entry;
	v[k] = NULL;
	return v;
}

/* Execs through execvpe (path search) or execve, with the mark in the environment. */
static int do_exec(const char *file, char *const argv[], char *const envp[], bool search)
{
	if (!real_execve || !real_execvpe) {
		errno = ENOSYS;
		return -1;
	}
	const char *mark = before_exec();
	char entry[96];
	char **env = mark ? env_with(envp, mark, entry, sizeof(entry)) : NULL;
	char *const *use = env ? env : envp;
	int r = search ? real_execvpe(file, argv, use) : real_execve(file, argv, use);
	int e = errno;
	free(env);
	after_failed_exec(mark);
	errno = e;
	return r;
}

SP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return do_exec(path, argv, envp, false);
}

SP_EXPORT int execv(const char *path, char *const argv[])
{
	return do_exec(path, argv, environ, false);
}

SP_EXPORT int execvp(const char *file, char *const argv[])
{
	return do_exec(file, argv, environ, true);
}

SP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return do_exec(file, argv, envp, true);
}

/* The execl family: collect the variadic arguments (and execle's envp after the NULL). */
static int execl_common(const char *path, const char *arg0, va_list ap, bool search, bool with_env)
{
	va_list cp;
	va_copy(cp, ap);
	size_t n = 0;
	if (arg0)
		for (n = 1; va_arg(cp, const char *);)
			n++;
	va_end(cp);
	char **argv = malloc((n + 1) * sizeof(*argv));
	if (!argv) {
		errno = ENOMEM;
		return -1;
	}
	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		argv[i] = va_arg(ap, char *); /* the last one read is the NULL */
	char *const *envp = with_env ? va_arg(ap, char *const *) : environ;
	int r = do_exec(path, argv, envp, search);
	int e = errno;
	free(argv);
	errno = e;
	return r;
}

SP_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	int r = execl_common(path, arg, ap, false, false);
	va_end(ap);
	return r;
}

SP_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	int r = execl_common(file, arg, ap, true, false);
	va_end(ap);
	return r;
}

SP_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	va_start(ap, arg);
	int r = execl_common(path, arg, ap, false, true);
	va_end(ap);
	return r;
}
