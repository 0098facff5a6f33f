// SPDX-License-Identifier: MIT
/* Self-profiler sampling: per-thread CPU-time timers, SIGPROF frame-pointer walks, a ring. */
#define _GNU_SOURCE
#include "selfprof.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "internal.h"

#define SP_DEPTH 64
#define SP_SLOTS 4096 /* power of two; ~2 MiB */
#define DRAIN_NS 20000000L

/*
 * Bounded multi-producer queue (per-slot sequence numbers): a signal handler claims a slot
 * with one CAS, fills it and publishes it; when the consumer lags the sample is dropped and
 * counted. Nothing here takes a lock or allocates, so it is async-signal-safe.
 */
struct slot {
	_Atomic uint64_t seq;
	uint32_t n;
	uint32_t pad;
	uintptr_t pc[SP_DEPTH];
};

struct timer_ent {
	pid_t tid;
	timer_t id;
};

static struct slot *ring;
static _Atomic uint64_t ring_head;
static uint64_t ring_tail; /* consumer side, under agg_lock */
static _Atomic uint64_t dropped;
static _Atomic uint64_t missed; /* timer expirations that found SIGPROF still pending */
static _Atomic int active;
static unsigned sample_hz = 99;
static char comm[32] = "[unknown]";
static pid_t owner_pid;

static pthread_mutex_t agg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hashmap agg; /* raw stack -> samples */

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timer_ent *timers;
static int ntimers, captimers;

static pthread_t drainer;
static bool drainer_running;
static _Atomic int drainer_stop;

static struct sigaction old_action;
static bool handler_installed;

static __thread uintptr_t tls_stack_lo __attribute__((tls_model("initial-exec")));
static __thread uintptr_t tls_stack_hi __attribute__((tls_model("initial-exec")));

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
				 void *);
static pthread_create_fn real_pthread_create;

static pid_t gettid_raw(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Reads 16 bytes of our own memory without faulting on a bad pointer. */
static bool safe_read2(uintptr_t addr, uintptr_t out[2])
{
	struct iovec local = {out, 2 * sizeof(uintptr_t)};
	struct iovec remote = {(void *)addr, 2 * sizeof(uintptr_t)};
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) ==
	       (ssize_t)(2 * sizeof(uintptr_t));
}

static void capture(const ucontext_t *uc)
{
	uint64_t pos = atomic_load_explicit(&ring_head, memory_order_relaxed);
	struct slot *sl;
	for (;;) {
		sl = &ring[pos & (SP_SLOTS - 1)];
		uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - pos);
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&ring_head, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (dif < 0) {
			atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
			return;
		} else {
			pos = atomic_load_explicit(&ring_head, memory_order_relaxed);
		}
	}
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
	uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	uintptr_t hi = tls_stack_hi;
	uint32_t n = 0;
	sl->pc[n++] = pc;
	while (n < SP_DEPTH) {
		uintptr_t frame[2];
		if (fp < sp || (fp & 7))
			break;
		if (hi) {
			if (fp < tls_stack_lo || fp + sizeof(frame) > hi)
				break;
			memcpy(frame, (const void *)fp, sizeof(frame));
		} else if (fp - sp > (64u << 20) || !safe_read2(fp, frame)) {
			break; /* a thread whose stack bounds we never learnt: checked reads */
		}
		if (frame[1] < 4096)
			break;
		sl->pc[n++] = frame[1];
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	sl->n = n;
	atomic_store_explicit(&sl->seq, pos + 1, memory_order_release);
}

static void on_sigprof(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	int saved = errno;
	if (atomic_load_explicit(&active, memory_order_relaxed) && ring) {
		/* A CPU-time timer fires on the scheduler tick; the periods that elapsed while
		 * this signal was pending are its overrun: samples we never took. */
		if (si && si->si_code == SI_TIMER && si->si_overrun > 0)
			atomic_fetch_add_explicit(&missed, (uint64_t)si->si_overrun,
						  memory_order_relaxed);
		capture(uc);
	}
	errno = saved;
}

/* Adds one stack (drainer side, under agg_lock). */
static void agg_add(const uintptr_t *pc, uint32_t n)
{
	hashmap__put_bytes(&agg, pc, n * sizeof(*pc), NULL)->value++;
}

/* Consumer: under agg_lock. */
static void drain_locked(void)
{
	if (!ring)
		return;
	for (;;) {
		struct slot *sl = &ring[ring_tail & (SP_SLOTS - 1)];
		uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
		if ((int64_t)(seq - (ring_tail + 1)) < 0)
			break;
		agg_add(sl->pc, sl->n);
		atomic_store_explicit(&sl->seq, ring_tail + SP_SLOTS, memory_order_release);
		ring_tail++;
	}
}

static void *drainer_main(void *arg)
{
	(void)arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!atomic_load(&drainer_stop)) {
		struct timespec ts = {0, DRAIN_NS};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&agg_lock);
		drain_locked();
		pthread_mutex_unlock(&agg_lock);
	}
	return NULL;
}

int selfprof__with_samples(int (*fn)(const struct hashmap *stacks, void *arg), void *arg)
{
	pthread_mutex_lock(&agg_lock);
	drain_locked();
	int ret = fn(&agg, arg);
	pthread_mutex_unlock(&agg_lock);
	return ret;
}

static void note_stack_bounds(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
		tls_stack_lo = (uintptr_t)addr;
		tls_stack_hi = (uintptr_t)addr + size;
	}
	pthread_attr_destroy(&attr);
}

/* Starts a SIGPROF timer on tid's CPU-time clock, delivered to tid itself. */
static int arm_thread(pid_t tid, clockid_t clk)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev._sigev_un._tid = tid;
	timer_t id;
	if (timer_create(clk, &sev, &id) < 0)
		return -errno;
	long ns = 1000000000L / (long)sample_hz;
	struct itimerspec its = {{ns / 1000000000L, ns % 1000000000L},
				 {ns / 1000000000L, ns % 1000000000L}};
	if (timer_settime(id, 0, &its, NULL) < 0) {
		int e = -errno;
		timer_delete(id);
		return e;
	}
	pthread_mutex_lock(&timer_lock);
	if (ntimers == captimers) {
		int cap = captimers ? captimers * 2 : 64;
		void *p = realloc(timers, (size_t)cap * sizeof(*timers));
		if (!p) {
			pthread_mutex_unlock(&timer_lock);
			timer_delete(id);
			return -ENOMEM;
		}
		timers = p;
		captimers = cap;
	}
	timers[ntimers++] = (struct timer_ent){tid, id};
	pthread_mutex_unlock(&timer_lock);
	return 0;
}

static void disarm_thread(pid_t tid)
{
	pthread_mutex_lock(&timer_lock);
	for (int i = 0; i < ntimers; i++) {
		if (timers[i].tid == tid) {
			timer_delete(timers[i].id);
			timers[i] = timers[--ntimers];
			break;
		}
	}
	pthread_mutex_unlock(&timer_lock);
}

/* The CPU-time clock of another thread of this process (the kernel's clockid encoding). */
static clockid_t thread_cpu_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned)tid) << 3) | 6;
}

static void arm_existing_threads(void)
{
	pid_t self = gettid_raw();
	arm_thread(self, CLOCK_THREAD_CPUTIME_ID);
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		if (tid > 0 && tid != self)
			arm_thread(tid, thread_cpu_clock(tid));
	}
	closedir(d);
}

struct trampoline {
	void *(*fn)(void *);
	void *arg;
};

static void thread_done(void *arg)
{
	(void)arg;
	disarm_thread(gettid_raw());
}

static void *thread_start(void *p)
{
	struct trampoline t = *(struct trampoline *)p;
	free(p);
	note_stack_bounds();
	if (atomic_load(&active))
		arm_thread(gettid_raw(), CLOCK_THREAD_CPUTIME_ID);
	void *ret;
	pthread_cleanup_push(thread_done, NULL);
	ret = t.fn(t.arg);
	pthread_cleanup_pop(1);
	return ret;
}

static pthread_create_fn resolve_pthread_create(void)
{
	if (!real_pthread_create)
		real_pthread_create = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
	return real_pthread_create;
}

/* Interposed so that threads created while sampling get their own timer. */
SP_EXPORT int pthread_create(pthread_t *thr, const pthread_attr_t *attr, void *(*fn)(void *),
			     void *arg)
{
	pthread_create_fn real = resolve_pthread_create();
	if (!real)
		return EAGAIN;
	if (!atomic_load(&active))
		return real(thr, attr, fn, arg);
	struct trampoline *t = malloc(sizeof(*t));
	if (!t)
		return real(thr, attr, fn, arg);
	t->fn = fn;
	t->arg = arg;
	int r = real(thr, attr, thread_start, t);
	if (r != 0)
		free(t);
	return r;
}

static void before_fork(void)
{
	pthread_mutex_lock(&agg_lock);
	pthread_mutex_lock(&timer_lock);
}

static void in_parent_after_fork(void)
{
	pthread_mutex_unlock(&timer_lock);
	pthread_mutex_unlock(&agg_lock);
}

/*
 * The child has one thread and no timers, and the parent's samples are not its own: start
 * from nothing. A child of a process sampled through the environment samples itself and
 * writes its own file at exit (env.c names it); one of the linked API stays quiet.
 */
static void in_child_after_fork(void)
{
	pthread_mutex_init(&agg_lock, NULL);
	pthread_mutex_init(&timer_lock, NULL);
	bool was_active = atomic_load(&active);
	atomic_store(&active, 0);
	ntimers = 0;
	drainer_running = false;
	hashmap__destroy(&agg);
	if (ring) {
		for (uint64_t i = 0; i < SP_SLOTS; i++)
			atomic_store(&ring[i].seq, i);
		atomic_store(&ring_head, 0);
		ring_tail = 0;
	}
	atomic_store(&dropped, 0);
	atomic_store(&missed, 0);
	if (was_active && selfprof__env_mode())
		scorch_selfprof_start(sample_hz);
}

SP_EXPORT int scorch_selfprof_start(unsigned hz)
{
	if (atomic_load(&active))
		return -EBUSY;
	if (hz == 0 || hz > 100000)
		return -EINVAL;
	sample_hz = hz;
	if (!ring) {
		struct slot *r = calloc(SP_SLOTS, sizeof(*r));
		if (!r)
			return -ENOMEM;
		for (uint64_t i = 0; i < SP_SLOTS; i++)
			atomic_init(&r[i].seq, i);
		ring = r;
	}
	if (!resolve_pthread_create())
		return -ENOSYS;
	char name[17] = "";
	if (prctl(PR_GET_NAME, name) == 0 && name[0])
		snprintf(comm, sizeof(comm), "%s", name);
	for (char *c = comm; *c; c++)
		if (*c == ' ')
			*c = '_';
	owner_pid = getpid();
	static bool atfork_done;
	if (!atfork_done &&
	    pthread_atfork(before_fork, in_parent_after_fork, in_child_after_fork) == 0)
		atfork_done = true;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, handler_installed ? NULL : &old_action) < 0)
		return -errno;
	handler_installed = true;
	note_stack_bounds();
	atomic_store(&drainer_stop, 0);
	if (!drainer_running && real_pthread_create(&drainer, NULL, drainer_main, NULL) == 0)
		drainer_running = true;
	atomic_store(&active, 1);
	arm_existing_threads();
	return 0;
}

SP_EXPORT int scorch_selfprof_stop(void)
{
	if (!atomic_load(&active))
		return 0;
	atomic_store(&active, 0);
	pthread_mutex_lock(&timer_lock);
	for (int i = 0; i < ntimers; i++)
		timer_delete(timers[i].id);
	ntimers = 0;
	pthread_mutex_unlock(&timer_lock);
	if (drainer_running) {
		atomic_store(&drainer_stop, 1);
		pthread_join(drainer, NULL);
		drainer_running = false;
	}
	/* Signals already queued find active == 0 and return: keep the handler installed. */
	return 0;
}

static int write_cb(const struct hashmap *stacks, void *arg)
{
	return selfprof__write(stacks, comm, arg);
}

SP_EXPORT int scorch_selfprof_write_folded(const char *path)
{
	if (!path || !*path)
		return -EINVAL;
	return selfprof__with_samples(write_cb, (void *)path);
}

static int count_cb(const struct hashmap *stacks, void *arg)
{
	uint64_t n = 0;
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(stacks, e));)
		n += e->value;
	*(uint64_t *)arg = n;
	return 0;
}

SP_EXPORT int scorch_selfprof_counts(unsigned long long *samples, unsigned long long *missed_out,
				     unsigned long long *dropped_out)
{
	uint64_t n = 0;
	selfprof__with_samples(count_cb, &n);
	if (samples)
		*samples = n;
	if (missed_out)
		*missed_out = atomic_load(&missed);
	if (dropped_out)
		*dropped_out = atomic_load(&dropped);
	return 0;
}

pid_t selfprof__owner(void)
{
	return owner_pid;
}

bool selfprof__active(void)
{
	return atomic_load(&active) != 0;
}

unsigned selfprof__hz(void)
{
	return sample_hz;
}
