// SPDX-License-Identifier: MIT
/* Unit tests: the profile model, the line-order walk, the folded and perf-script readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "model/aggregate.h"
#include "model/profile.h"
#include "sink/sink.h"
#include "source/read_folded.h"
#include "source/read_perf_script.h"

static char *folded_with(const struct profile *p, const struct sink_opts *o)
{
	struct strbuf sb = {0};
	char err[128];
	assert_int_equal(folded__write(p, o, &sb, err, sizeof(err)), 0);
	return sb.buf ? sb.buf : strdup("");
}

static char *folded_of(const struct profile *p, int col)
{
	struct sink_opts o;
	sink_opts__init(&o);
	o.col = col;
	return folded_with(p, &o);
}

/* The folded text `scorch collapse` prints for these reader options. */
static char *collapsed_of(const struct profile *p, const struct perf_script_opts *po)
{
	struct sink_opts o;
	sink_opts__init(&o);
	o.annotate = SINK_ANNOTATE_INLINED | (po->kernel ? SINK_ANNOTATE_KERNEL : 0) |
		     (po->jit ? SINK_ANNOTATE_JIT : 0);
	o.srcline = po->srcline;
	return folded_with(p, &o);
}

static void test_intern(void **state)
{
	(void)state;
	struct profile *p = profile__new();
	uint32_t a = profile__intern(p, "alpha", 5);
	uint32_t b = profile__intern(p, "beta", 4);
	assert_int_not_equal(a, b);
	assert_int_equal(a, profile__intern(p, "alphabet", 5));
	assert_string_equal(profile__str(p, b), "beta");
	/* many strings force the table to grow; ids stay stable */
	char buf[32];
	for (int i = 0; i < 50000; i++) {
		int n = snprintf(buf, sizeof(buf), "s%d", i);
		assert_int_equal(profile__intern(p, buf, (size_t)n), profile__intern(p, buf, (size_t)n));
	}
	assert_string_equal(profile__str(p, a), "alpha");
	assert_int_equal(profile__nstrings(p), 50000 + 3); /* + "" + alpha + beta */
	profile__free(p);
}

static void test_trie_totals(void **state)
{
	(void)state;
	struct profile *p = profile__new();
	uint32_t f[3] = {profile__frame_named(p, "main", 4, FRAME_USER),
			 profile__frame_named(p, "a", 1, FRAME_USER),
			 profile__frame_named(p, "b", 1, FRAME_USER)};
	uint32_t ab = profile__add_stack(p, f, 3, 0, 30);
	uint32_t a = profile__add_stack(p, f, 2, 0, 10);
	assert_int_equal(profile__add_stack(p, f, 3, 0, 5), ab);
	assert_int_equal(profile__node_parent(p, ab), a);
	assert_int_equal(profile__node_depth(p, ab), 3);
	uint64_t *t = profile__totals(p, 0);
	assert_int_equal(t[PROFILE_ROOT], 45);
	assert_int_equal(t[a], 45);
	assert_int_equal(t[ab], 35);
	free(t);
	assert_int_equal(profile__column_total(p, 0), 45);
	assert_int_equal(profile__add(p, ab, 0, UINT64_MAX), -EOVERFLOW);
	profile__scale_values(p, 1, 2);
	assert_int_equal(profile__self(p, a, 0), 5);
	profile__clear_values(p);
	assert_int_equal(profile__column_total(p, 0), 0);
	profile__free(p);
}

/* A column made inclusive in place: self values, totals, sums, the folded text, a merge and
 * the per-function figures read as they did from the self column. */
static void test_inclusive_in_place(void **state)
{
	(void)state;
	const char *text = "main;a;b 30\nmain;a 10\nmain;c;a 7\nmain 2\nother;a;a 4\n";
	struct profile *p = profile__new(), *q = profile__new();
	struct folded_stats st;
	assert_int_equal(folded__read(text, strlen(text), p, 0, NULL, &st), 0);
	assert_int_equal(folded__read(text, strlen(text), q, 0, NULL, &st), 0);
	char *before = folded_of(p, 0);
	struct aggregate ref, in;
	assert_int_equal(aggregate__build(&ref, q, 0), 0);
	assert_int_equal(aggregate__build_in_place(&in, p, 0), 0);
	assert_null(profile__column(p, 0));
	assert_null(in.own_total);
	assert_int_equal(in.total[PROFILE_ROOT], 53);
	for (uint32_t n = 0; n < profile__nnodes(p); n++) {
		assert_int_equal(profile__self(p, n, 0), profile__self(q, n, 0));
		assert_int_equal(in.total[n], ref.total[n]);
	}
	assert_int_equal(in.nfuncs, ref.nfuncs);
	for (uint32_t i = 0; i < in.nfuncs; i++) {
		assert_int_equal(in.funcs[i].name, ref.funcs[i].name);
		assert_int_equal(in.funcs[i].self, ref.funcs[i].self);
		assert_int_equal(in.funcs[i].total, ref.funcs[i].total);
	}
	/* "a" alone: 30 + 10 + 7 + 4 below it, its self 10 + 7 + 4 (recursion counted once) */
	uint32_t sa = profile__intern(p, "a", 1);
	for (uint32_t i = 0; i < in.nfuncs; i++)
		if (in.funcs[i].name == sa) {
			assert_int_equal(in.funcs[i].self, 21);
			assert_int_equal(in.funcs[i].total, 51);
		}
	assert_int_equal(profile__column_total(p, 0), 53);
	uint64_t *t = profile__totals(p, 0);
	assert_memory_equal(t, ref.total, sizeof(*t) * profile__nnodes(p));
	free(t);
	char *after = folded_of(p, 0);
	assert_string_equal(after, before);
	assert_string_equal(before, "main 2\nmain;a 10\nmain;a;b 30\nmain;c;a 7\nother;a;a 4\n");
	struct profile *m = profile__new();
	int colmap[1] = {0};
	assert_int_equal(profile__merge(m, p, colmap), 0);
	char *merged = folded_of(m, 0);
	assert_string_equal(merged, before);
	free(merged);
	free(after);
	free(before);
	aggregate__free(&in);
	aggregate__free(&ref);
	profile__free(m);
	profile__free(q);
	profile__free(p);
}

/* The walk must visit stacks in the byte order of sorted folded lines, even when a name
 * is a prefix of a sibling's and the next byte sorts before ';' (e.g. "f" vs "f.cold"). */
static void test_walk_order(void **state)
{
	(void)state;
	static const char input[] = "r;f.cold 1\nr;f;x 2\nr;f 3\nr;f-x;y 4\nr;e 5\nr;f;a 6\n";
	struct profile *p = profile__new();
	struct folded_stats st;
	assert_int_equal(folded__read(input, sizeof(input) - 1, p, 0, NULL, &st), 0);
	char *out = folded_of(p, 0);
	assert_string_equal(out, "r;e 5\nr;f 3\nr;f-x;y 4\nr;f.cold 1\nr;f;a 6\nr;f;x 2\n");
	free(out);
	profile__free(p);
}

struct folded_case {
	const char *line;
	const char *expect; /* folded output, or NULL when the line is ignored */
};

static void test_folded_lines(void **state)
{
	(void)state;
	static const struct folded_case cases[] = {
		{"a;b 12", "a;b 12\n"},
		{"a;b\t7", "a;b 7\n"},
		{"a b;c d 3", "a b;c d 3\n"},
		{"a;b  4", "a;b  4\n"},        /* the stack keeps a trailing space, as in perl */
		{"a;b 2.5", "a;b 3\n"},         /* fractions round */
		{"a;b;; 5", "a;b 5\n"},         /* perl's split drops trailing empty frames */
		{";a 1", ";a 1\n"},
		{"a;b 1 9", NULL},              /* two counts: the second is the value, see below */
		{"a;b", NULL},
		{"a;b x1", NULL},
		{"a;b 1.2.3", NULL},
		{"a;b 5\r", NULL},
		{"12", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = profile__new();
		struct folded_stats st;
		folded__read(cases[i].line, strlen(cases[i].line), p, 0, NULL, &st);
		char *out = folded_of(p, 0);
		if (cases[i].expect) {
			if (st.valid != 1 || strcmp(out, cases[i].expect))
				fail_msg("[%s]: valid %d, got [%s] want [%s]", cases[i].line,
					 (int)st.valid, out, cases[i].expect);
		} else if (st.before_col < 0) {
			assert_int_equal(st.ignored, 1);
			assert_string_equal(out, "");
		} else {
			assert_string_equal(out, "a;b 9\n");
			assert_int_equal(profile__self(p, profile__first_child(p, profile__first_child(p, 0)),
						       st.before_col), 1);
		}
		free(out);
		profile__free(p);
	}
}

struct perf_case {
	const char *name;
	const char *input;
	struct perf_script_opts opts;
	const char *expect;
};

static void test_perf_script(void **state)
{
	(void)state;
	static const struct perf_case cases[] = {
		{"period and pid/tid",
		 "my app 10/11 [000] 1.5: 250 cpu-clock:pppH: \n\t ff f1+0x1 (/bin/x)\n\t ee main (/bin/x)\n\n",
		 {.tid = true}, "my_app-10/11;main;f1 250\n"},
		{"no period counts 1, pid form",
		 "app 10 1.5: cycles: \n\tff f1 (/bin/x)\n\n", {.pid = true}, "app-?;f1 1\n"},
		{"unknown with module, addrs",
		 "app 1 1.0: 1 c:\n\tdead [unknown] (/usr/lib/libz.so.1)\n\tbeef [unknown] ([unknown])\n\n",
		 {.addrs = true}, "app;[unknown <beef>];[libz.so.1 <dead>] 1\n"},
		{"kernel and jit annotations",
		 "app 1 1.0: 1 c:\n\t1 k ([kernel.kallsyms])\n\t2 j (/tmp/perf-1.map)\n\t3 u (/bin/u)\n\n",
		 {.kernel = true, .jit = true}, "app;u;j_[j];k_[k] 1\n"},
		{"inlined frames",
		 "app 1 1.0: 1 c:\n\t1 in->out (/bin/u)\n\n", {0}, "app;in;out_[i] 1\n"},
		{"kernel mark after a module name with ';', inlined mark once",
		 "app 1 1.0: 1 c:\n\t1 [unknown] ([a;b])\n\t2 x->y_[i]->z (/bin/u)\n\t3 f (/bin/u)\n\n",
		 {.kernel = true}, "app;f;x;y_[i];z_[i];[[a:b]]_[k] 1\n"},
		{"same name in user and kernel space: one frame without --kernel",
		 "app 1 1.0: 1 c:\n\t1 f ([kernel.kallsyms])\n\t2 m (/bin/u)\n\n"
		 "app 1 2.0: 1 c:\n\t1 f (/bin/u)\n\t2 m (/bin/u)\n\n",
		 {0}, "app;m;f 2\n"},
		{"same name in user and kernel space: two frames with --kernel",
		 "app 1 1.0: 1 c:\n\t1 f ([kernel.kallsyms])\n\t2 m (/bin/u)\n\n"
		 "app 1 2.0: 1 c:\n\t1 f (/bin/u)\n\t2 m (/bin/u)\n\n",
		 {.kernel = true}, "app;m;f 1\napp;m;f_[k] 1\n"},
		{"tidy: params, quotes, semicolons",
		 "app 1 1.0: 1 c:\n\t1 ns::f(int, char) (/bin/u)\n\t2 a;b\"c' (/bin/u)\n\n", {0},
		 "app;a:bc;ns::f 1\n"},
		{"srcline lines",
		 "app 1 1.0: 1 c:\n\t1 f+0x1 (/bin/u)\n  u.c:12\n\t2 g (/bin/u)\n  u[123]\n\n",
		 {.srcline = true}, "app;g:u;f:u.c:12 1\n"},
		{"srcline: an empty source line adds nothing, ??:0 stays whole",
		 "app 1 1.0: 1 c:\n\t1 f (/bin/u)\n  [x]  \n\t2 g (/bin/u)\n  ??:0\n\n",
		 {.srcline = true}, "app;g:??:0;f 1\n"},
		{"last sample without a blank line is dropped like perl does",
		 "app 1 1.0: 1 c:\n\t1 f (/bin/u)\n\napp 1 2.0: 1 c:\n\t1 g (/bin/u)\n", {0},
		 "app;f 1\n"},
		{"stacks of one sample add up, sorted bytewise",
		 "app 1 1.0: 5 c:\n\t1 f.cold (/bin/u)\n\napp 1 2.0: 2 c:\n\t1 f (/bin/u)\n\n"
		 "app 1 3.0: 3 c:\n\t1 f.cold (/bin/u)\n\n",
		 {0}, "app;f 2\napp;f.cold 8\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = profile__new();
		struct perf_script_stats st;
		struct perf_script_opts o = cases[i].opts;
		o.max_warnings = -1;
		assert_int_equal(perf_script__read(cases[i].input, strlen(cases[i].input), p, 0, &o, &st), 0);
		char *out = collapsed_of(p, &o);
		if (strcmp(out, cases[i].expect))
			fail_msg("%s: got [%s] want [%s]", cases[i].name, out, cases[i].expect);
		free(out);
		profile__free(p);
	}
}

/* Frames keep what exporters need; identity ignores the address and the mapping. */
static void test_frame_full(void **state)
{
	(void)state;
	struct profile *p = profile__new();
	static const unsigned char bid[] = {0xde, 0xad, 0x01};
	struct mapping_info mi = {.path = "/lib/libc.so.6", .build_id = bid, .build_id_len = 3,
				  .start = 0x7f0000, .end = 0x7f8000, .pgoff = 0x1000};
	struct frame_info fi = {.name = "malloc", .raw = "__libc_malloc", .module = "/lib/libc.so.6",
				.file = "malloc.c", .line = 3021, .kind = FRAME_USER,
				.addr = 0x7f0123, .map = &mi};
	uint32_t a = profile__frame_full(p, &fi);
	fi.addr = 0x7f0456;
	assert_int_equal(profile__frame_full(p, &fi), a);
	const struct frame *f = profile__frame_get(p, a);
	assert_string_equal(profile__str(p, f->name), "malloc");
	assert_string_equal(profile__str(p, f->raw), "__libc_malloc");
	assert_string_equal(profile__str(p, f->file), "malloc.c");
	assert_int_equal(f->line, 3021);
	assert_int_equal(f->addr, 0x7f0123);
	const struct mapping *m = profile__mapping_get(p, f->mapping);
	assert_string_equal(profile__str(p, m->path), "/lib/libc.so.6");
	assert_string_equal(profile__str(p, m->build_id), "dead01");
	assert_int_equal(m->pgoff, 0x1000);
	assert_int_equal(profile__nmappings(p), 1);
	/* the same function in another process (ASLR: other ranges) adds no mapping: an agent
	 * that reaps thousands of processes keeps one mapping per frame, not one per process */
	struct mapping_info other = mi;
	other.start = 0x5f0000;
	other.end = 0x5f8000;
	fi.map = &other;
	fi.addr = 0x5f0123;
	assert_int_equal(profile__frame_full(p, &fi), a);
	assert_int_equal(profile__nmappings(p), 1);
	/* a different raw symbol or kind is another frame; names-only frames dedup as before */
	fi.raw = "malloc";
	assert_int_not_equal(profile__frame_full(p, &fi), a);
	uint32_t n1 = profile__frame_named(p, "malloc", 6, FRAME_USER);
	assert_int_equal(profile__frame_named(p, "malloc", 6, FRAME_USER), n1);
	assert_int_not_equal(n1, a);
	profile__free(p);
}

static void test_columns(void **state)
{
	(void)state;
	struct profile *p = profile__new();
	assert_string_equal(profile__column_unit(p, 0), "samples");
	int c = profile__add_column(p, "off-cpu", COLUMN_NANOSECONDS);
	assert_int_equal(c, 1);
	assert_int_equal(profile__column_type(p, c), COLUMN_NANOSECONDS);
	assert_string_equal(profile__column_unit(p, c), "ns");
	assert_string_equal(profile__column_name(p, c), "off-cpu");
	profile__set_column(p, 0, "wall", COLUMN_MICROSECONDS);
	assert_string_equal(profile__column_unit(p, 0), "us");
	profile__add_column(p, "x", COLUMN_COUNT);
	profile__add_column(p, "y", COLUMN_BYTES);
	assert_int_equal(profile__add_column(p, "z", COLUMN_COUNT), -ENOSPC);
	profile__free(p);
}

/* Writers merge frames that print the same and split names at ';' (folded text rules). */
static void test_relabel_merges(void **state)
{
	(void)state;
	struct profile *p = profile__new();
	uint32_t s1[] = {profile__frame_named(p, "m", 1, FRAME_USER),
			 profile__frame_named(p, "f", 1, FRAME_KERNEL)};
	uint32_t s2[] = {s1[0], profile__frame_named(p, "f", 1, FRAME_USER)};
	uint32_t s3[] = {s1[0], profile__frame_named(p, "a;b", 3, FRAME_USER)};
	uint32_t s4[] = {s1[0], profile__frame_named(p, "a", 1, FRAME_USER),
			 profile__frame_named(p, "b", 1, FRAME_USER)};
	profile__add_stack(p, s1, 2, 0, 3);
	profile__add_stack(p, s2, 2, 0, 4);
	profile__add_stack(p, s3, 2, 0, 1);
	profile__add_stack(p, s4, 3, 0, 2);
	char *out = folded_of(p, 0);
	assert_string_equal(out, "m;a;b 3\nm;f 7\n");
	free(out);
	struct sink_opts o;
	sink_opts__init(&o);
	o.annotate = SINK_ANNOTATE_KERNEL;
	out = folded_with(p, &o);
	assert_string_equal(out, "m;a;b 3\nm;f 4\nm;f_[k] 3\n");
	free(out);
	profile__free(p);
}

static void test_sink_registry(void **state)
{
	(void)state;
	assert_string_equal(sink__for_path("-")->name, "folded");
	assert_string_equal(sink__for_path("x.folded")->name, "folded");
	assert_string_equal(sink__for_path("x.txt")->name, "folded");
	assert_string_equal(sink__for_path("x.Collapsed")->name, "folded");
	assert_string_equal(sink__for_path("X.SVG")->name, "svg");
	assert_string_equal(sink__for_path("x.HTML")->name, "html");
	assert_string_equal(sink__for_path("x.htm")->name, "html");
	assert_null(sink__for_path("x.png"));
	assert_null(sink__for_path("svg"));
	assert_null(sink__by_name("png"));
	struct strbuf sb = {0};
	sink__list(&sb);
	assert_string_equal(sb.buf, ".folded, .txt, .collapsed, .svg, .pb.gz, .pprof, "
				     ".speedscope.json, .trace.json, .json, .html, .htm");
	strbuf__free(&sb);
	/* an empty profile is an error the svg writer explains */
	struct profile *p = profile__new();
	struct sink_opts o;
	sink_opts__init(&o);
	char err[128] = "";
	struct strbuf out = {0};
	assert_int_equal(sink__by_name("svg")->write(p, &o, &out, err, sizeof(err)), -ENODATA);
	assert_string_equal(err, "no stack counts found");
	strbuf__free(&out);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_trie_totals),
		cmocka_unit_test(test_inclusive_in_place),
		cmocka_unit_test(test_walk_order),
		cmocka_unit_test(test_folded_lines),
		cmocka_unit_test(test_perf_script),
		cmocka_unit_test(test_frame_full),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_relabel_merges),
		cmocka_unit_test(test_sink_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
