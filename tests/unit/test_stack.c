// SPDX-License-Identifier: MIT
/* Unit tests for src/source/stack.c: raw samples of this very process into named stacks. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "model/profile.h"
#include "source/stack.h"
#include "symbol/symbolizer.h"

/* Two functions of this binary whose names the stacks must show (the symbol table). */
__attribute__((noinline, used)) static int stk_leaf(int a)
{
	__asm__ volatile("" ::: "memory");
	return a * 3 + 1;
}

__attribute__((noinline, used)) static int stk_caller(int a)
{
	__asm__ volatile("" ::: "memory");
	return stk_leaf(a) + 2;
}

struct fixture {
	struct symbolizer *sym;
	struct stack_builder *b;
	struct profile *p;
	uint32_t pid, tid;
	char comm[32];
};

static void fixture_init(struct fixture *f, const struct sampler_opts *o)
{
	struct symbolizer_opts so = {.demangle = true};
	f->sym = symbolizer__new(&so);
	assert_non_null(f->sym);
	f->b = stack_builder__new(o, f->sym);
	f->p = profile__new();
	f->pid = (uint32_t)getpid();
	f->tid = (uint32_t)syscall(SYS_gettid);
	FILE *c = fopen("/proc/self/comm", "r");
	assert_non_null(c);
	assert_non_null(fgets(f->comm, sizeof(f->comm), c));
	fclose(c);
	f->comm[strcspn(f->comm, "\n")] = '\0';
	assert_int_equal(stack_builder__add_pid(f->b, f->pid), 0);
}

static void fixture_fini(struct fixture *f)
{
	stack_builder__free(f->b);
	profile__free(f->p);
	symbolizer__free(f->sym);
}

/* The folded path ("root;...;leaf") of the n-th timeline entry. */
static char *path_of(const struct profile *p, size_t n)
{
	size_t ntl;
	const struct timeline_entry *tl = profile__timeline(p, &ntl);
	assert_true(n < ntl);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	profile__path(p, tl[n].node, &buf, &len, &cap);
	buf = realloc(buf, len + 1);
	buf[len] = '\0';
	return buf;
}

static void test_user_stack_names_and_return_addresses(void **state)
{
	(void)state;
	struct sampler_opts o = {.timeline = true, .root = ROOT_COMM};
	struct fixture f;
	fixture_init(&f, &o);
	/* leaf first: the exact PC in stk_leaf, then a return address just inside stk_caller */
	uint64_t ips[] = {(uint64_t)(uintptr_t)stk_leaf, (uint64_t)(uintptr_t)stk_caller + 1};
	struct raw_sample s = {
	    .pid = f.pid, .tid = f.tid, .cpu = 1, .time_ns = 1500, .uips = ips, .nuips = 2};
	stack_builder__set_origin(f.b, 1000);
	assert_true(stack_builder__sample(f.b, f.p, &s));
	char want[128];
	snprintf(want, sizeof(want), "%s;stk_caller;stk_leaf", f.comm);
	char *got = path_of(f.p, 0);
	assert_string_equal(got, want);
	free(got);

	/* The timeline entry: time since the origin, pid, tid, CPU. */
	size_t n;
	const struct timeline_entry *tl = profile__timeline(f.p, &n);
	assert_int_equal(n, 1);
	assert_int_equal(tl[0].time_ns, 500);
	assert_int_equal(tl[0].pid, f.pid);
	assert_int_equal(tl[0].tid, f.tid);
	assert_int_equal(tl[0].cpu, 1);

	/* A return address at a function's first byte is a call from the code before it. */
	uint64_t ret_at_start[] = {(uint64_t)(uintptr_t)stk_leaf, (uint64_t)(uintptr_t)stk_caller};
	s.uips = ret_at_start;
	assert_true(stack_builder__sample(f.b, f.p, &s));
	got = path_of(f.p, 1);
	assert_null(strstr(got, "stk_caller"));
	assert_non_null(strstr(got, ";stk_leaf"));
	free(got);

	/* weight: one sample standing for five */
	s.uips = ips;
	s.weight = 5;
	assert_true(stack_builder__sample(f.b, f.p, &s));
	assert_int_equal(profile__self(f.p, tl[0].node, 0), 1 + 5);

	/* The frames keep the sampled address (a return address stepped back by one), the
	 * mapping of this test binary, and the raw symbol. */
	const struct frame *leaf = profile__frame_get(f.p, profile__node_frame(f.p, tl[0].node));
	assert_int_equal(leaf->addr, (uint64_t)(uintptr_t)stk_leaf);
	assert_string_equal(profile__str(f.p, leaf->raw), "stk_leaf");
	assert_int_not_equal(leaf->mapping, PROFILE_NONE);
	const struct mapping *m = profile__mapping_get(f.p, leaf->mapping);
	assert_true(m->start <= leaf->addr && leaf->addr < m->end);
	const struct frame *caller = profile__frame_get(
		f.p, profile__node_frame(f.p, profile__node_parent(f.p, tl[0].node)));
	assert_int_equal(caller->addr, (uint64_t)(uintptr_t)stk_caller);

	/* Nothing unresolved so far; an address in no mapping is counted (by its weight). */
	uint64_t counts[SYM_WHY_COUNT];
	char text[128];
	stack_builder__unresolved(f.b, counts);
	assert_int_equal(stack__unresolved_text(counts, false, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	uint64_t nowhere[] = {0x1000, (uint64_t)(uintptr_t)stk_caller + 1};
	s.uips = nowhere;
	s.weight = 3;
	assert_true(stack_builder__sample(f.b, f.p, &s));
	s.weight = 0;
	assert_true(stack_builder__sample(f.b, f.p, &s)); /* from the address cache */
	stack_builder__unresolved(f.b, counts);
	assert_int_equal(counts[SYM_NO_MAPPING], 4);
	assert_int_equal(stack__unresolved_text(counts, false, text, sizeof(text)), 1);
	assert_string_equal(text, "4 no mapping");
	counts[SYM_NO_SYMBOL] = 2;
	assert_int_equal(stack__unresolved_text(counts, false, text, sizeof(text)), 2);
	assert_string_equal(text, "4 no mapping, 2 no symbol");
	/* Under a weight scale (ns per sample, --on-off) a frame counts its sample's ns. */
	stack_builder__set_weight_scale(f.b, 1000000);
	s.weight = 2;
	assert_true(stack_builder__sample(f.b, f.p, &s));
	stack_builder__unresolved(f.b, counts);
	assert_int_equal(counts[SYM_NO_MAPPING], 4 + 2000000);
	counts[SYM_NO_MAPPING] = 2500000;
	assert_int_equal(stack__unresolved_text(counts, true, text, sizeof(text)), 1);
	assert_string_equal(text, "2.5 ms no mapping");
	fixture_fini(&f);
}

static void test_root_frames(void **state)
{
	(void)state;
	struct sampler_opts o = {.timeline = true, .root = ROOT_TID, .group_by_cpu = true};
	struct fixture f;
	fixture_init(&f, &o);
	uint64_t ips[] = {(uint64_t)(uintptr_t)stk_caller};
	struct raw_sample s = {.pid = f.pid, .tid = f.tid, .cpu = 3, .uips = ips, .nuips = 1};
	assert_true(stack_builder__sample(f.b, f.p, &s));
	char want[160];
	snprintf(want, sizeof(want), "%s-%u/%u;[cpu 3];stk_caller", f.comm, f.pid, f.tid);
	char *got = path_of(f.p, 0);
	assert_string_equal(got, want);
	free(got);

	/* comm events rename (spaces become '_'); a forked thread inherits the name. */
	stack_builder__comm(f.b, f.pid, f.tid, "my worker", false);
	assert_true(stack_builder__sample(f.b, f.p, &s));
	snprintf(want, sizeof(want), "my_worker-%u/%u;[cpu 3];stk_caller", f.pid, f.tid);
	got = path_of(f.p, 1);
	assert_string_equal(got, want);
	free(got);
	stack_builder__fork(f.b, f.pid, f.tid, f.pid, 0x7ff00001u);
	s.tid = 0x7ff00001u;
	assert_true(stack_builder__sample(f.b, f.p, &s));
	snprintf(want, sizeof(want), "my_worker-%u/%u;[cpu 3];stk_caller", f.pid, 0x7ff00001u);
	got = path_of(f.p, 2);
	assert_string_equal(got, want);
	free(got);

	/* The idle task is "swapper"; a kernel address without a symbol is named after its
	 * module, as stackcollapse-perf.pl names perf script's "[unknown] ([kernel.kallsyms])". */
	uint64_t kips[] = {1};
	struct raw_sample idle = {.pid = 0, .tid = 0, .cpu = 0, .kips = kips, .nkips = 1};
	assert_true(stack_builder__sample(f.b, f.p, &idle));
	got = path_of(f.p, 3);
	assert_string_equal(got, "swapper-0/0;[cpu 0];[[kernel.kallsyms]]");
	free(got);
	fixture_fini(&f);
}

static void test_skip_idle(void **state)
{
	(void)state;
	struct sampler_opts o = {.skip_idle = true, .timeline = true};
	struct fixture f;
	fixture_init(&f, &o);
	struct raw_sample idle = {.pid = 0, .tid = 0};
	assert_false(stack_builder__sample(f.b, f.p, &idle));
	size_t n;
	profile__timeline(f.p, &n);
	assert_int_equal(n, 0);
	assert_int_equal(profile__column_total(f.p, 0), 0);
	fixture_fini(&f);
}

/* The executable mapping of this binary that holds addr, from /proc/self/maps. */
static void own_mapping(uint64_t addr, uint64_t *start, uint64_t *end, uint64_t *pgoff,
			char *path, size_t size)
{
	FILE *m = fopen("/proc/self/maps", "r");
	assert_non_null(m);
	char line[4400], perms[8], file[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), m)) {
		unsigned long long s, e, off;
		file[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095s", &s, &e, perms, &off, file) >= 4 &&
		    s <= addr && addr < e) {
			*start = s, *end = e, *pgoff = off;
			snprintf(path, size, "%s", file);
			found = true;
		}
	}
	fclose(m);
	assert_true(found);
}

/*
 * A process that exits keeps its maps and name until the drain after the one that saw its
 * exit (its samples may still be queued), then everything kept for it goes: a new process
 * with the same pid gets none of it.
 */
static void test_reap_after_exit(void **state)
{
	(void)state;
	struct sampler_opts o = {.timeline = true, .root = ROOT_COMM};
	struct fixture f;
	fixture_init(&f, &o);
	const uint32_t ghost = 0x3ffffff0; /* above pid_max: never a live process */
	uint64_t start, end, pgoff;
	char path[4096];
	own_mapping((uint64_t)(uintptr_t)stk_leaf, &start, &end, &pgoff, path, sizeof(path));
	stack_builder__fork(f.b, f.pid, f.tid, ghost, ghost);
	stack_builder__comm(f.b, ghost, ghost, "ghost", true);
	stack_builder__mmap(f.b, ghost, start, end - start, pgoff, path);
	uint64_t ips[] = {(uint64_t)(uintptr_t)stk_leaf, (uint64_t)(uintptr_t)stk_caller + 1};
	struct raw_sample s = {.pid = ghost, .tid = ghost, .uips = ips, .nuips = 2};
	struct stack_tables t0, t;
	stack_builder__tables(f.b, &t0);

	stack_builder__exit(f.b, ghost, ghost);
	stack_builder__drained(f.b); /* the drain that saw the exit */
	assert_true(stack_builder__sample(f.b, f.p, &s)); /* read in the next drain */
	char *got = path_of(f.p, 0);
	assert_string_equal(got, "ghost;stk_caller;stk_leaf");
	free(got);
	stack_builder__drained(f.b);
	stack_builder__tables(f.b, &t);
	assert_int_equal(t.reaped, 1);
	assert_int_equal(t.pids, t0.pids - 1);
	assert_int_equal(t.threads, t0.threads - 1);
	assert_int_equal(t.pending_exits, 0);

	/* The pid again, as a new process without maps: nothing of the old one is used. */
	stack_builder__fork(f.b, f.pid, f.tid, ghost, ghost);
	stack_builder__comm(f.b, ghost, ghost, "other", true);
	assert_true(stack_builder__sample(f.b, f.p, &s));
	got = path_of(f.p, 1);
	assert_string_equal(got, "other;[unknown];[unknown]");
	free(got);
	fixture_fini(&f);
}

/*
 * When enough exited tasks are reaped, the tables are compacted. Every task still alive keeps
 * its own name: the idle task stays "swapper" and a thread seen first stays itself, whatever
 * order the map lists them in (a compaction in map order once copied a short-lived process's
 * name over the idle task's slot, and idle samples came out under that name).
 */
static void test_compaction_keeps_names(void **state)
{
	(void)state;
	struct sampler_opts o = {.timeline = true, .root = ROOT_COMM};
	struct fixture f;
	fixture_init(&f, &o);
	uint64_t kips[] = {1};
	struct raw_sample idle = {.pid = 0, .tid = 0, .kips = kips, .nkips = 1};
	assert_true(stack_builder__sample(f.b, f.p, &idle));
	const uint32_t base = 0x3fff0000; /* above pid_max: never live processes */
	char name[16], want[64];
	size_t nsamples = 1;
	for (uint32_t round = 0; round < 4; round++) {
		for (uint32_t i = 0; i < 400; i++) {
			/* every 8th task lives on, the others exit */
			uint32_t pid = base + round * 1000 + i;
			stack_builder__fork(f.b, f.pid, f.tid, pid, pid);
			snprintf(name, sizeof(name), "t%u", pid - base);
			stack_builder__comm(f.b, pid, pid, name, true);
			struct raw_sample s = {.pid = pid, .tid = pid, .kips = kips, .nkips = 1};
			assert_true(stack_builder__sample(f.b, f.p, &s));
			nsamples++;
			if (i % 8)
				stack_builder__exit(f.b, pid, pid);
		}
		stack_builder__drained(f.b);
		stack_builder__drained(f.b);
		assert_true(stack_builder__sample(f.b, f.p, &idle));
		char *got = path_of(f.p, nsamples++);
		assert_string_equal(got, "swapper;[[kernel.kallsyms]]");
		free(got);
		for (uint32_t r = 0; r <= round; r++)
			for (uint32_t i = 0; i < 400; i += 8) {
				uint32_t pid = base + r * 1000 + i;
				struct raw_sample s = {.pid = pid, .tid = pid, .kips = kips, .nkips = 1};
				assert_true(stack_builder__sample(f.b, f.p, &s));
				got = path_of(f.p, nsamples++);
				snprintf(want, sizeof(want), "t%u;[[kernel.kallsyms]]", pid - base);
				assert_string_equal(got, want);
				free(got);
			}
	}
	struct stack_tables t;
	stack_builder__tables(f.b, &t);
	assert_int_equal(t.reaped, 4 * 350);
	fixture_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_stack_names_and_return_addresses),
	    cmocka_unit_test(test_root_frames),
	    cmocka_unit_test(test_skip_idle),
	    cmocka_unit_test(test_reap_after_exit),
	    cmocka_unit_test(test_compaction_keeps_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
