// SPDX-License-Identifier: MIT
/* Unit tests: serve's profile deltas (src/web/wire.c) arrive whole, in pieces, and refuse junk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "model/profile.h"
#include "util/util.h"
#include "web/wire.h"

/* Adds "a;b;...;leaf" count times at time t to p (kinds: 'k' prefix = kernel frame). */
static void add(struct profile *p, const char *stack, uint64_t count, uint64_t t)
{
	uint32_t fr[16];
	size_t n = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", stack);
	for (char *tok = strtok(buf, ";"); tok; tok = strtok(NULL, ";")) {
		bool k = tok[0] == 'k' && tok[1] == '_';
		fr[n++] = profile__frame_named(p, tok, strlen(tok), k ? FRAME_KERNEL : FRAME_USER);
	}
	uint32_t leaf = profile__add_stack(p, fr, n, 0, count);
	profile__timeline_add(p, t, 7, 8, 1, leaf);
}

/* The receiver's stacks as sorted "path count" text, compared with a literal expectation. */
static char *stacks(const struct profile *p)
{
	struct strbuf sb = {0};
	char *path = NULL;
	size_t len, cap = 0;
	for (uint32_t n = 1; n < profile__nnodes(p); n++) {
		uint64_t v = profile__self(p, n, 0);
		if (!v)
			continue;
		len = 0;
		profile__path(p, n, &path, &len, &cap);
		strbuf__add(&sb, path, len);
		strbuf__addf(&sb, " %llu|", (unsigned long long)v);
	}
	free(path);
	return sb.buf ? sb.buf : xstrdup("");
}

static void test_deltas_rebuild_the_profile(void **state)
{
	(void)state;
	struct profile *src = profile__new(), *dst = profile__new();
	profile__intern(dst, "unrelated", 9); /* receiver ids differ from the sender's */
	struct wire_enc e = {.max_timeline = 100};
	struct wire_dec d = {0};
	struct strbuf out = {0};

	add(src, "main;work;k_sys_read", 3, 10);
	add(src, "main;idle", 1, 20);
	profile__meta(src)->freq = 999;
	profile__meta(src)->event = xstrdup("cpu-clock");
	struct wire_stats st = {.samples = 4, .freq = 999};
	wire_enc__delta(&e, src, &st, &out);
	/* delivered one byte at a time: messages straddle every boundary */
	for (size_t i = 0; i < out.len; i++)
		assert_int_equal(wire_dec__feed(&d, dst, out.buf + i, 1), 0);
	char *s = stacks(dst);
	assert_string_equal(s, "main;work;k_sys_read 3|main;idle 1|");
	free(s);

	/* the second delta carries only increments and new stacks */
	out.len = 0;
	add(src, "main;work;k_sys_read", 2, 30);
	add(src, "main;work;compute", 5, 40);
	st.samples = 11;
	st.ended = 1;
	wire_enc__delta(&e, src, &st, &out);
	wire__msg(&out, WIRE_END, NULL, 0);
	assert_int_equal(wire_dec__feed(&d, dst, out.buf, out.len), 0);
	s = stacks(dst);
	assert_string_equal(s, "main;work;k_sys_read 5|main;idle 1|main;work;compute 5|");
	free(s);
	assert_true(d.ended);
	assert_int_equal(d.stats.samples, 11);
	assert_int_equal(profile__meta(dst)->freq, 999);
	assert_string_equal(profile__meta(dst)->event, "cpu-clock");
	size_t ntl;
	const struct timeline_entry *tl = profile__timeline(dst, &ntl);
	assert_int_equal(ntl, 4);
	assert_int_equal(tl[3].time_ns, 40);
	assert_string_equal(profile__node_name(dst, tl[3].node), "compute");
	/* the kernel frame stays a kernel frame */
	const struct frame *f = profile__frame_get(dst, profile__node_frame(dst, tl[0].node));
	assert_int_equal(f->kind, FRAME_KERNEL);

	strbuf__free(&out);
	wire_enc__free(&e);
	wire_dec__free(&d);
	profile__free(src);
	profile__free(dst);
}

/* A frame's mapping (path, build-id, range, offset) and address arrive with it, for pprof. */
static void test_mappings_and_addresses_arrive(void **state)
{
	(void)state;
	struct profile *src = profile__new(), *dst = profile__new();
	profile__intern(dst, "unrelated", 9);
	struct wire_enc e = {0};
	struct wire_dec d = {0};
	struct strbuf out = {0};
	static const unsigned char bid[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x0a};
	struct mapping_info mi = {"/usr/bin/app", bid, sizeof(bid), 0x400000, 0x401000, 0x1000};
	struct frame_info fi = {.name = "hot", .raw = "_Z3hotv", .module = "/usr/bin/app",
				.kind = FRAME_USER, .addr = 0x400123, .map = &mi};
	uint32_t fr[2] = {profile__frame_named(src, "main", 4, FRAME_USER), profile__frame_full(src, &fi)};
	profile__add_stack(src, fr, 2, 0, 7);
	wire_enc__delta(&e, src, NULL, &out);
	assert_int_equal(wire_dec__feed(&d, dst, out.buf, out.len), 0);
	char *s = stacks(dst);
	assert_string_equal(s, "main;hot 7|");
	free(s);
	uint32_t leaf = profile__nnodes(dst) - 1;
	const struct frame *f = profile__frame_get(dst, profile__node_frame(dst, leaf));
	assert_int_equal(f->addr, 0x400123);
	assert_string_equal(profile__str(dst, f->raw), "_Z3hotv");
	assert_int_not_equal(f->mapping, PROFILE_NONE);
	const struct mapping *m = profile__mapping_get(dst, f->mapping);
	assert_string_equal(profile__str(dst, m->path), "/usr/bin/app");
	assert_string_equal(profile__str(dst, m->build_id), "deadbeef010a");
	assert_int_equal(m->start, 0x400000);
	assert_int_equal(m->end, 0x401000);
	assert_int_equal(m->pgoff, 0x1000);
	/* a frame naming a mapping that never came is refused */
	struct wire_dec d2 = {0};
	struct profile *p2 = profile__new();
	struct strbuf bad = {0};
	uint32_t body[10] = {0, PROFILE_NONE, PROFILE_NONE, 0, 0, PROFILE_NONE, 3, 0, 0, 0};
	wire__msg(&bad, WIRE_STR, "x", 1);
	wire__msg(&bad, WIRE_FRAME, body, sizeof(body));
	assert_int_equal(wire_dec__feed(&d2, p2, bad.buf, bad.len), -EPROTO);
	assert_non_null(strstr(d2.error, "unknown mapping"));
	strbuf__free(&bad);
	wire_dec__free(&d2);
	profile__free(p2);

	strbuf__free(&out);
	wire_enc__free(&e);
	wire_dec__free(&d);
	profile__free(src);
	profile__free(dst);
}

static void test_junk_is_refused(void **state)
{
	(void)state;
	static const struct {
		uint32_t type, len;
		uint32_t body[4];
	} cases[] = {
		{99, 0, {0}},                  /* unknown message */
		{WIRE_NODE, 8, {0, 5}},        /* node with an unknown frame */
		{WIRE_VALUE, 16, {3, 0, 1, 0}}, /* value for an unknown node */
		{WIRE_FRAME, 4, {0}},          /* short frame */
		{WIRE_STR, 0x7fffffff, {0}},   /* oversized */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = profile__new();
		struct wire_dec d = {0};
		struct strbuf msg = {0};
		uint32_t hdr[2] = {cases[i].type, cases[i].len};
		strbuf__add(&msg, hdr, sizeof(hdr));
		if (cases[i].len <= sizeof(cases[i].body))
			strbuf__add(&msg, cases[i].body, cases[i].len);
		assert_int_equal(wire_dec__feed(&d, p, msg.buf, msg.len), -EPROTO);
		assert_non_null(strstr(d.error, "sampling helper stream"));
		strbuf__free(&msg);
		wire_dec__free(&d);
		profile__free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deltas_rebuild_the_profile),
		cmocka_unit_test(test_mappings_and_addresses_arrive),
		cmocka_unit_test(test_junk_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
