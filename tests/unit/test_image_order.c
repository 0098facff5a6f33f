// SPDX-License-Identifier: MIT
/* Unit tests for src/source/image_order: in-kernel counts handed on around exec and pid reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "source/image_order.h"

/* An entry names up to two images (an off-CPU interval and its waker); pid 0: none. */
struct entry {
	uint32_t pid;
	uint64_t since;
	uint32_t wpid;
	uint64_t wsince;
};

struct run {
	const struct entry *e;
	char out[32]; /* entries handed on, as letters 'a' + index, in order */
	size_t n;
};

static unsigned refs(void *ctx, size_t i, struct image_ref out[2])
{
	const struct entry *e = &((struct run *)ctx)->e[i];
	unsigned n = 0;
	if (e->pid)
		out[n++] = (struct image_ref){e->pid, e->since};
	if (e->wpid)
		out[n++] = (struct image_ref){e->wpid, e->wsince};
	return n;
}

static void emit(void *ctx, size_t i)
{
	struct run *r = ctx;
	r->out[r->n++] = (char)('a' + i);
}

/* An entry of one image. */
#define P(pid, since) {pid, since, 0, 0}

/* A process event: pid's image ends at t. */
struct end {
	uint32_t pid;
	uint64_t t;
};

static const struct {
	const char *what;
	struct entry e[8];
	size_t n;
	struct end ends[4];
	size_t nends;
	const char *want; /* hand-on order, after every end and then the rest */
} cases[] = {
    {"no image ends: index order", {P(7, 0), P(8, 0), P(7, 50)}, 3, {{0, 0}}, 0, "abc"},
    {"an exec of 7 at 40: its image from 0 first, the new one (since 50) stays",
     {P(8, 0), P(7, 50), P(7, 0)}, 3, {{7, 40}}, 1, "cab"},
    {"two execs of 7: each ends the images older than it, oldest first",
     {P(7, 90), P(7, 45), P(7, 0), P(9, 0)}, 4, {{7, 40}, {7, 80}}, 2, "cbad"},
    {"an event of a pid with no counts hands nothing on", {P(7, 0), P(8, 0)}, 2, {{5, 10}}, 1,
     "ab"},
    {"the waker's image ending hands the interval on too",
     {P(9, 0), {7, 0, 8, 60}, {7, 0, 8, 0}}, 3, {{8, 50}}, 1, "cab"},
    {"an entry reached through two images is handed on once",
     {P(9, 0), {7, 0, 8, 0}, P(8, 0)}, 3, {{7, 10}, {8, 20}}, 2, "bca"},
    {"an entry that names no process waits for the rest", {P(0, 0), P(7, 0)}, 2, {{7, 10}}, 1,
     "ba"},
    {"no entries", {P(0, 0)}, 0, {{7, 10}}, 1, ""},
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct run r = {.e = cases[c].e};
		struct image_order o;
		image_order__init(&o, cases[c].n, refs, emit, &r);
		for (size_t k = 0; k < cases[c].nends; k++)
			image_order__ends(&o, cases[c].ends[k].pid, cases[c].ends[k].t);
		image_order__rest(&o);
		image_order__destroy(&o);
		r.out[r.n] = '\0';
		if (strcmp(r.out, cases[c].want) != 0)
			fail_msg("%s: handed on %s, want %s", cases[c].what, r.out, cases[c].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
