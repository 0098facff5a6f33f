// SPDX-License-Identifier: MIT
/* Unit tests for src/source/bpf.c: the in-kernel sampler on known busy child processes. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "source/bpf.h"
#include "source/bpf_sideband.h"
#include "source/bpf_stacks.h"
#include "bpf/unwind.h"

#define FREQ 999
#define CPU_WANTED 0.5  /* seconds of CPU the measured child should get (about 1 s idle) */
#define MAX_RUN_MS 20000 /* the machine is shared: wait longer for CPU when it is loaded */

/* The spinning code sits alone in its own section, so the linker tells where it starts and
 * ends: every user stack of a spinning child must start (its exact PC) inside. */
extern const char __start_scorch_spin[], __stop_scorch_spin[];

__attribute__((noinline, noreturn, section("scorch_spin"))) static void spin(void)
{
	volatile uint64_t x = 0;
	for (;;)
		x++;
}

static char skip_reason[200];

struct tally {
	uint64_t weight;        /* all samples */
	uint64_t wrong_pid;     /* samples of a process the test did not target */
	uint64_t no_user_stack; /* samples of target pids without user frames */
	uint64_t pc_in_spin;    /* samples whose first user ip is inside spin() */
	uint64_t keys;
	pid_t pid[2];           /* the processes expected; pid[1] may be 0 */
	uint64_t per_pid[2];
	pid_t fork_child;       /* PERF_RECORD_FORK seen for this pid */
	bool fork_seen;
	bool exit_seen;         /* PERF_RECORD_EXIT seen for pid[0] */
};

static void on_sample(void *ctx, const struct raw_sample *s)
{
	struct tally *t = ctx;
	t->weight += s->weight;
	t->keys++;
	int which = -1;
	for (int i = 0; i < 2; i++)
		if (t->pid[i] && s->pid == (uint32_t)t->pid[i])
			which = i;
	if (which < 0) {
		t->wrong_pid += s->weight;
		return;
	}
	t->per_pid[which] += s->weight;
	if (s->nuips == 0)
		t->no_user_stack += s->weight;
	else if (s->uips[0] >= (uint64_t)(uintptr_t)__start_scorch_spin &&
		 s->uips[0] < (uint64_t)(uintptr_t)__stop_scorch_spin)
		t->pc_in_spin += s->weight;
}

static void on_record(void *ctx, const struct perf_event_header *h)
{
	struct tally *t = ctx;
	if (h->type == PERF_RECORD_FORK) {
		uint32_t pid;
		memcpy(&pid, h + 1, sizeof(pid)); /* {pid, ppid, tid, ptid, time} */
		if (t->fork_child && pid == (uint32_t)t->fork_child)
			t->fork_seen = true;
	} else if (h->type == PERF_RECORD_EXIT) {
		uint32_t pid, tid;
		memcpy(&pid, h + 1, sizeof(pid));
		memcpy(&tid, (const char *)(h + 1) + 8, sizeof(tid));
		if (pid == (uint32_t)t->pid[0] && tid == pid)
			t->exit_seen = true;
	}
}

static double cpu_seconds(pid_t pid)
{
	clockid_t clk;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &clk) != 0 || clock_gettime(clk, &ts) != 0)
		return -1;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every child the tests start, killed after each test even when an assertion failed. */
static pid_t children[8];
static int nchildren;

static pid_t track(pid_t pid)
{
	assert_true(pid >= 0);
	if (pid > 0 && nchildren < (int)(sizeof(children) / sizeof(children[0])))
		children[nchildren++] = pid;
	return pid;
}

static pid_t start_spinner(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
		spin();
	}
	return track(pid);
}

static int kill_children(void **state)
{
	for (int i = 0; i < nchildren; i++)
		if (kill(children[i], SIGKILL) == 0)
			waitpid(children[i], NULL, 0);
	nchildren = 0;
	return 0;
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * Runs b until pid got CPU_WANTED of CPU (at least 1 s), draining every 250 ms (each drain
 * flips the map sets); returns the CPU seconds pid used, measured by the kernel's clock.
 */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The longest time between two drains of the last run (the maps hold two seconds' samples). */
static double max_drain_gap;

static double run(struct bpf_backend *b, struct tally *t, pid_t pid)
{
	double cpu0 = cpu_seconds(pid), cpu = 0, last = now_s();
	max_drain_gap = 0;
	for (int ms = 0; ms < MAX_RUN_MS && (ms < 1000 || cpu < CPU_WANTED); ms += 250) {
		int ret;
		while ((ret = bpf_backend__poll(b, 250)) == -EINTR)
			;
		assert_int_equal(ret, 0);
		cpu = cpu_seconds(pid) - cpu0;
		double t0 = now_s(); /* from flip to flip: a drain flips first */
		if (t0 - last > max_drain_gap)
			max_drain_gap = t0 - last;
		last = t0;
		assert_int_equal(bpf_backend__drain(b, on_record, on_sample, t), 0);
	}
	return cpu;
}

/*
 * The stacks hashes allocate in the sampling interrupt from a small per-CPU cache that the
 * kernel refills a moment later: a burst of new stacks can find it empty (-ENOMEM, counted as
 * PC_STACKMAP_FULL). That must stay rare: under 0.5% of the samples (the STACK_TRACE maps it
 * replaced lost 1-3% to bucket collisions).
 */
static void assert_stacks_kept(const struct bpf_backend_detail *d)
{
	if (d->counters[PC_STACKMAP_FULL])
		print_message("# %" PRIu64 " stacks not stored of %" PRIu64 " samples\n",
			      d->counters[PC_STACKMAP_FULL], d->counters[PC_SAMPLES]);
	assert_true(d->counters[PC_STACKMAP_FULL] * 200 <= d->counters[PC_SAMPLES]);
}

static void assert_no_errors(struct bpf_backend *b)
{
	struct bpf_backend_detail d;
	bpf_backend__detail(b, &d);
	assert_int_equal(d.counters[PC_HASH_FULL], 0);
	assert_int_equal(d.counters[PC_USTACK_COLLISION], 0);
	assert_int_equal(d.counters[PC_KSTACK_COLLISION], 0);
	assert_stacks_kept(&d);
	assert_int_equal(d.counters[PC_STACK_ERROR], 0);
	assert_int_equal(d.counters[PC_TRACK_FULL], 0);
	assert_int_equal(d.stacks_missing, 0);
	assert_int_equal(d.wait_timeouts, 0);
	struct sampler_stats st;
	bpf_backend__stats(b, &st);
	assert_string_equal(st.backend, "bpf");
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.errors, 0);
}

/* samples / (FREQ x CPU seconds): within 20% of 1. */
static void assert_rate(uint64_t samples, double cpu)
{
	double expect = FREQ * cpu;
	print_message("# %" PRIu64 " samples for %.3f s of CPU (expected %.0f)\n", samples, cpu,
		      expect);
	assert_true(cpu > 0.1); /* the child ran at all (the machine is shared and loaded) */
	assert_true((double)samples > 0.8 * expect && (double)samples < 1.2 * expect);
}

static struct sampler_opts base_opts(void)
{
	return (struct sampler_opts){
		.backend = SAMPLER_BPF,
		.freq = FREQ,
		.stacks = STACKS_BOTH,
		.root = ROOT_COMM,
		.skip_idle = true,
	};
}

/* -p PID: every sample is the child's, with its exact PC in spin(), at the asked rate. */
static void test_pid_spinner(void **state)
{
	if (skip_reason[0])
		skip();
	pid_t other = start_spinner(); /* not a target: must not appear */
	pid_t pid = start_spinner();
	struct sampler_opts o = base_opts();
	o.scope = SCOPE_PIDS;
	o.pids = &pid;
	o.npids = 1;
	char err[256] = "";
	struct bpf_backend *b;
	int ret = bpf_backend__open(&b, &o, err, sizeof(err));
	if (ret)
		print_message("# open: %s\n", err);
	assert_int_equal(ret, 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct tally t = {.pid = {pid, 0}};
	double cpu = run(b, &t, pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_rate(t.weight, cpu);
	assert_int_equal(t.wrong_pid, 0);
	assert_int_equal(t.no_user_stack, 0);
	assert_true(t.pc_in_spin >= t.weight * 99 / 100);
	assert_no_errors(b);
	struct bpf_backend_detail d;
	bpf_backend__detail(b, &d);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("# bench: %" PRIu64 " bytes from BPF maps in %.2f s (%.0f B/s), %" PRIu64
		      " keys, %" PRIu64 " drains\n",
		      d.bytes_moved, secs, (double)d.bytes_moved / secs, t.keys, d.drains);
	bpf_backend__close(b);
	stop(pid);
	stop(other);
}

/* -- CMD: a process the command forks after open is followed; others are not. */
static void test_command_follows_fork(void **state)
{
	if (skip_reason[0])
		skip();
	int go[2], back[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(back), 0);
	pid_t other = start_spinner();
	pid_t cmd = fork();
	if (cmd == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* the command: waits to be released, starts a spinner, waits */
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		pid_t g = fork();
		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			spin();
		}
		if (write(back[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	track(cmd);
	struct sampler_opts o = base_opts();
	o.scope = SCOPE_COMMAND;
	o.pids = &cmd;
	o.npids = 1;
	char err[256] = "";
	struct bpf_backend *b;
	int ret = bpf_backend__open(&b, &o, err, sizeof(err));
	if (ret)
		print_message("# open: %s\n", err);
	assert_int_equal(ret, 0);
	assert_int_equal(write(go[1], "x", 1), 1);
	pid_t grand;
	assert_int_equal(read(back[0], &grand, sizeof(grand)), sizeof(grand));
	track(grand);
	struct tally t = {.pid = {grand, cmd}, .fork_child = grand};
	double cpu = run(b, &t, grand);
	assert_rate(t.per_pid[0], cpu);
	assert_int_equal(t.wrong_pid, 0); /* the unrelated spinner was filtered in the kernel */
	assert_true(t.fork_seen);          /* the side-band delivered the fork */
	assert_true(t.pc_in_spin >= t.per_pid[0] * 95 / 100); /* a few in fork's return */
	assert_no_errors(b);
	struct sampler_stats st;
	bpf_backend__stats(b, &st);
	assert_false(st.targets_exited);
	stop(grand); /* the command then exits: nothing tracked is left */
	waitpid(cmd, NULL, 0);
	bpf_backend__stats(b, &st);
	assert_true(st.targets_exited);
	bpf_backend__close(b);
	stop(other);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
}

/* -a: the spinner is among everything, counted at its rate; idle samples are skipped. */
static void test_system_wide(void **state)
{
	if (skip_reason[0])
		skip();
	pid_t pid = start_spinner();
	struct sampler_opts o = base_opts();
	o.scope = SCOPE_ALL;
	char err[256] = "";
	struct bpf_backend *b;
	int ret = bpf_backend__open(&b, &o, err, sizeof(err));
	if (ret)
		print_message("# open: %s\n", err);
	assert_int_equal(ret, 0);
	struct tally t = {.pid = {pid, 0}};
	double cpu = run(b, &t, pid);
	assert_rate(t.per_pid[0], cpu);
	assert_int_equal(t.no_user_stack, 0);
	struct bpf_backend_detail d;
	bpf_backend__detail(b, &d);
	/* Every process on the machine counts here: when other work starves this process of
	 * the CPU for longer than the maps hold, the full map is counted, not silent. */
	if (d.counters[PC_HASH_FULL] && max_drain_gap > 1.5)
		print_message("# %" PRIu64 " samples lost to a full counts map after %.1f s without a "
			      "drain (the machine is loaded): not held against the backend\n",
			      d.counters[PC_HASH_FULL], max_drain_gap);
	else
		assert_int_equal(d.counters[PC_HASH_FULL], 0);
	assert_stacks_kept(&d);
	print_message("# system-wide: %" PRIu64 " samples, %" PRIu64 " idle skipped, %" PRIu64
		      " stack collisions, %" PRIu64 " bytes from BPF maps in %" PRIu64
		      " drains (%" PRIu64 " B/drain), %.2f s at most between drains\n",
		      t.weight, d.counters[PC_IDLE],
		      d.counters[PC_USTACK_COLLISION] + d.counters[PC_KSTACK_COLLISION],
		      d.bytes_moved, d.drains, d.bytes_moved / (d.drains ? d.drains : 1), max_drain_gap);
	bpf_backend__close(b);
	stop(pid);
}

/*
 * A target that exits between two drains: its counts stay in the kernel and are drained
 * after its exit, whose record reaches the caller first (the symbolizer keeps its maps).
 */
static void test_exit_between_drains(void **state)
{
	if (skip_reason[0])
		skip();
	pid_t pid = start_spinner();
	struct sampler_opts o = base_opts();
	o.scope = SCOPE_PIDS;
	o.pids = &pid;
	o.npids = 1;
	char err[256] = "";
	struct bpf_backend *b;
	int ret = bpf_backend__open(&b, &o, err, sizeof(err));
	if (ret)
		print_message("# open: %s\n", err);
	assert_int_equal(ret, 0);
	double cpu0 = cpu_seconds(pid), cpu = 0;
	for (int ms = 0; ms < MAX_RUN_MS && cpu < 0.2; ms += 50) {
		usleep(50000);
		cpu = cpu_seconds(pid) - cpu0;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	struct tally t = {.pid = {pid, 0}};
	assert_int_equal(bpf_backend__drain(b, on_record, on_sample, &t), 0);
	assert_true(t.exit_seen);
	assert_rate(t.per_pid[0], cpu);
	assert_true(t.pc_in_spin >= t.per_pid[0] * 99 / 100);
	struct sampler_stats st;
	bpf_backend__stats(b, &st);
	assert_true(st.targets_exited);
	assert_no_errors(b);
	bpf_backend__close(b);
}

/*
 * A pid that does not exist is refused by the sampler front, with its number in the message,
 * before the BPF programs load.
 */
static void test_no_such_pid(void **state)
{
	if (skip_reason[0])
		skip();
	pid_t dead = start_spinner();
	stop(dead);
	struct sampler_opts o = base_opts();
	o.backend = SAMPLER_BPF;
	o.scope = SCOPE_PIDS;
	o.pids = &dead;
	o.npids = 1;
	char err[256] = "", want[64];
	struct symbolizer_opts so = {.demangle = true};
	struct symbolizer *sym = symbolizer__new(&so);
	struct sampler *s = sampler__open(&o, sym, err, sizeof(err));
	int e = errno;
	assert_null(s);
	assert_int_equal(e, ESRCH);
	snprintf(want, sizeof(want), "no such process: %d", (int)dead);
	assert_string_equal(err, want);
	symbolizer__free(sym);
}

/*
 * The side band's hook (the DWARF unwinder, building a big file's CFI table) may take seconds;
 * a drain must not wait for it, or the kernel's counts map fills meanwhile.
 */
static int hook_calls;

static void slow_hook(void *ctx, const struct perf_event_header *h)
{
	(void)ctx;
	(void)h;
	if (__atomic_fetch_add(&hook_calls, 1, __ATOMIC_SEQ_CST) == 0)
		sleep(2);
}

static void fork_and_reap(void)
{
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	waitpid(c, NULL, 0);
}

static void test_sideband_drain_does_not_wait_for_the_hook(void **state)
{
	if (skip_reason[0])
		skip();
	struct bpf_sideband *sb;
	char err[256] = "";
	int ret = bpf_sideband__open_hooked(&sb, -1, slow_hook, NULL, 24, err, sizeof(err));
	if (ret)
		print_message("# open: %s\n", err);
	assert_int_equal(ret, 0);
	fork_and_reap(); /* fork, comm and exit records: the hook starts its 2 s */
	for (int i = 0; i < 300 && !__atomic_load_n(&hook_calls, __ATOMIC_SEQ_CST); i++)
		usleep(10000);
	assert_true(__atomic_load_n(&hook_calls, __ATOMIC_SEQ_CST) > 0);
	fork_and_reap();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bpf_sideband__drain(sb, UINT64_MAX, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("# drain took %.3f s while the hook slept 2 s\n", took);
	assert_true(took < 1.0);
	bpf_sideband__close(sb);
}

/* What a hook was shown: (type, pid of the record's process) pairs, in order. */
#define SEEN_MAX 65536
static struct {
	uint32_t type, pid;
} seen_recs[SEEN_MAX];
static int nseen;

static void recording_hook(void *ctx, const struct perf_event_header *h)
{
	(void)ctx;
	uint32_t pid = 0;
	if (h->size >= sizeof(*h) + sizeof(pid))
		memcpy(&pid, h + 1, sizeof(pid));
	int i = __atomic_fetch_add(&nseen, 1, __ATOMIC_SEQ_CST);
	if (i < SEEN_MAX) {
		seen_recs[i].type = h->type;
		seen_recs[i].pid = pid;
	}
}

static int seen_count(uint32_t type, pid_t pid)
{
	int n = 0, m = __atomic_load_n(&nseen, __ATOMIC_SEQ_CST);
	for (int i = 0; i < m && i < SEEN_MAX; i++)
		n += seen_recs[i].type == type && seen_recs[i].pid == (uint32_t)pid;
	return n;
}

/*
 * System-wide, the reader rests between batches, and a process that starts and exits within
 * one batch is not shown to the hook (no mapping tables for a process that is gone), except
 * for its exit; a process that lives on is shown from its fork.
 */
static void test_sideband_hook_skips_processes_gone_by_then(void **state)
{
	if (skip_reason[0])
		skip();
	struct bpf_sideband *sb;
	char err[256] = "";
	int ret = bpf_sideband__open_hooked(&sb, -1, recording_hook, NULL, 0, err, sizeof(err));
	if (ret)
		print_message("# open: %s\n", err);
	assert_int_equal(ret, 0);
	fork_and_reap(); /* wakes the reader, which then rests */
	for (int i = 0; i < 300 && !__atomic_load_n(&nseen, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	enum { SHORT = 20 };
	pid_t shorts[SHORT];
	for (int i = 0; i < SHORT; i++) {
		shorts[i] = fork();
		if (shorts[i] == 0)
			_exit(0);
		waitpid(shorts[i], NULL, 0);
	}
	pid_t lives = fork();
	if (lives == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	track(lives);
	usleep(300000);
	bpf_sideband__drain(sb, UINT64_MAX, NULL, NULL);
	int forks = 0, exits = 0;
	for (int i = 0; i < SHORT; i++) {
		forks += seen_count(PERF_RECORD_FORK, shorts[i]) > 0;
		exits += seen_count(PERF_RECORD_EXIT, shorts[i]) > 0;
	}
	print_message("# of %d short children the hook saw %d forks and %d exits\n", SHORT, forks,
		      exits);
	assert_int_equal(exits, SHORT);
	assert_true(forks <= SHORT / 2);
	assert_true(seen_count(PERF_RECORD_FORK, lives) > 0);
	bpf_sideband__close(sb);
}

/*
 * The user-stack buckets of --call-graph dwarf (bpf_ustacks, over a plain array standing in
 * for the mapped BPF map): a bucket a drain referred to is kept while drains refer to it; one
 * no count referred to (its count was lost) stays until a drain sweeps.
 */
static void test_ustacks_sweep(void **state)
{
	enum { SLOTS = 64 };
	struct unwind_stack *mem = calloc(SLOTS, sizeof(*mem));
	assert_non_null(mem);
	struct bpf_ustacks *c = bpf_ustacks__new(mem, SLOTS);
	/* bucket 3 referred to by a count, bucket 9 written by BPF only */
	mem[3] = (struct unwind_stack){.hash = 0x31, .n = 2, .pcs = {0x1000, 0x2000}};
	mem[9] = (struct unwind_stack){.hash = 0x91, .n = 1, .pcs = {0x3000}};
	const uint64_t *ips;
	uint32_t n;
	uint64_t bytes = 0;
	assert_true(bpf_ustacks__get(c, 3, &ips, &n, &bytes));
	assert_int_equal(n, 2);
	assert_true(ips[0] == 0x1000 && ips[1] == 0x2000);
	assert_false(bpf_ustacks__get(c, SLOTS, &ips, &n, &bytes));
	bpf_ustacks__drained(c, false);
	assert_true(mem[3].hash == 0x31); /* referred to: kept, cached */
	assert_true(mem[9].hash == 0x91); /* no sweep: left */
	assert_int_equal(bpf_ustacks__count(c), 1);
	/* referred to in the next drain too: still kept */
	assert_true(bpf_ustacks__get(c, 3, &ips, &n, &bytes));
	bpf_ustacks__drained(c, true);
	assert_true(mem[3].hash == 0x31);
	assert_true(mem[9].hash == 0); /* swept */
	/* a drain that does not refer to it frees it */
	bpf_ustacks__drained(c, false);
	assert_true(mem[3].hash == 0);
	assert_int_equal(bpf_ustacks__count(c), 0);
	bpf_ustacks__free(c);
	free(mem);
}

int main(void)
{
	char why[160];
	if (bpf_backend__available(why, sizeof(why)) != 0)
		snprintf(skip_reason, sizeof(skip_reason), "%s", why);
	if (skip_reason[0])
		print_message("# skipping the BPF tests: %s\n", skip_reason);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ustacks_sweep),
		cmocka_unit_test_teardown(test_pid_spinner, kill_children),
		cmocka_unit_test_teardown(test_command_follows_fork, kill_children),
		cmocka_unit_test_teardown(test_system_wide, kill_children),
		cmocka_unit_test_teardown(test_exit_between_drains, kill_children),
		cmocka_unit_test_teardown(test_no_such_pid, kill_children),
		cmocka_unit_test_teardown(test_sideband_drain_does_not_wait_for_the_hook, kill_children),
		cmocka_unit_test_teardown(test_sideband_hook_skips_processes_gone_by_then,
					  kill_children),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
