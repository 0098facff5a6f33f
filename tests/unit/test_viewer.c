// SPDX-License-Identifier: MIT
/* Unit tests: the viewer's JSON (packed node tree, merged names, timeline) and HTML page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/profile.h"
#include "util/util.h"
#include "web/viewer.h"

/* Decodes the packed numbers as viewer.h documents them (independently of the writer). */
static size_t unpack(const char *s, size_t len, uint64_t *out, size_t max)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = 0;
	uint64_t v = 0;
	unsigned shift = 0;
	for (size_t i = 0; i < len; i++) {
		const char *at = strchr(alpha, s[i]);
		assert_non_null(at);
		uint64_t d = (uint64_t)(at - alpha);
		v |= (d & 31) << shift;
		shift += 5;
		if (!(d & 32)) {
			assert_true(n < max);
			out[n++] = v;
			v = 0;
			shift = 0;
		}
	}
	assert_int_equal(shift, 0);
	return n;
}

/* The "data" string after key (e.g. "\"nodes\":{"), decoded into out. */
static size_t data_of(const char *json, const char *key, uint64_t *out, size_t max)
{
	const char *k = strstr(json, key);
	assert_non_null(k);
	const char *d = strstr(k, "\"data\":\"");
	assert_non_null(d);
	d += 8;
	const char *e = strchr(d, '"');
	assert_non_null(e);
	return unpack(d, (size_t)(e - d), out, max);
}

static uint32_t frame_in(struct profile *p, const char *name, const char *module)
{
	uint32_t mod = module ? profile__intern(p, module, strlen(module)) : PROFILE_NONE;
	return profile__frame(p, profile__intern(p, name, strlen(name)), mod, PROFILE_NONE, 0,
			      FRAME_USER);
}

static struct profile *sample_profile(uint32_t *leaf_ab, uint32_t *leaf_c, uint32_t *leaf_x2b)
{
	struct profile *p = profile__new();
	uint32_t main_ = frame_in(p, "main", NULL), a = frame_in(p, "a", NULL),
		 b = frame_in(p, "b", NULL), c = frame_in(p, "c", NULL),
		 x1 = frame_in(p, "x", "m1"), x2 = frame_in(p, "x", "m2");
	*leaf_ab = profile__add_stack(p, (uint32_t[]){main_, a, b}, 3, 0, 30);
	profile__add_stack(p, (uint32_t[]){main_, a}, 2, 0, 10);
	*leaf_c = profile__add_stack(p, (uint32_t[]){main_, c}, 2, 0, 60);
	/* two frames named x (other modules) under main: one frame in the viewer */
	profile__add_stack(p, (uint32_t[]){main_, x1}, 2, 0, 5);
	profile__add_stack(p, (uint32_t[]){main_, x2}, 2, 0, 7);
	profile__add_stack(p, (uint32_t[]){main_, x1, b}, 3, 0, 3);
	*leaf_x2b = profile__add_stack(p, (uint32_t[]){main_, x2, b}, 3, 0, 2);
	return p;
}

static void test_json_tree(void **state)
{
	(void)state;
	uint32_t ab, c, x2b;
	struct profile *p = sample_profile(&ab, &c, &x2b);
	struct strbuf sb = {0};
	assert_int_equal(viewer__json(p, &sb), 0);
	assert_non_null(strstr(sb.buf, "\"names\":[\"all\",\"main\",\"a\",\"b\",\"c\",\"x\"]"));
	assert_non_null(strstr(sb.buf, "\"total\":117,"));
	assert_non_null(strstr(sb.buf, "\"nodes\":{\"count\":7,"));
	assert_null(strstr(sb.buf, "\"timeline\""));
	/* preorder, children by name: all main a b c x b(merged under x) */
	static const uint64_t want_name[] = {0, 1, 2, 3, 4, 5, 3};
	static const uint64_t want_depth[] = {0, 1, 2, 3, 2, 2, 3};
	static const uint64_t want_total[] = {117, 117, 40, 30, 60, 17, 5};
	uint64_t v[64];
	size_t n = data_of(sb.buf, "\"nodes\":{", v, 64);
	assert_int_equal(n, 21);
	int64_t prev = -1;
	for (size_t i = 0; i < 7; i++) {
		uint64_t z = v[3 * i + 1];
		int64_t dd = z & 1 ? -(int64_t)((z + 1) / 2) : (int64_t)(z / 2);
		int64_t d = prev + 1 + dd;
		assert_int_equal(v[3 * i], want_name[i]);
		assert_int_equal(d, want_depth[i]);
		assert_int_equal(v[3 * i + 2], want_total[i]);
		prev = d;
	}
	strbuf__free(&sb);
	profile__free(p);
}

static void test_json_timeline(void **state)
{
	(void)state;
	uint32_t ab, c, x2b;
	struct profile *p = sample_profile(&ab, &c, &x2b);
	profile__timeline_add(p, 5000000, 1, 1, 0, ab);     /* bucket 0 */
	profile__timeline_add(p, 15000000, 1, 1, 0, c);     /* bucket 1 */
	profile__timeline_add(p, 19000000, 1, 1, 0, c);     /* bucket 1 again */
	profile__timeline_add(p, 1500000000, 1, 1, 0, x2b); /* bucket 150 */
	struct strbuf sb = {0};
	assert_int_equal(viewer__json(p, &sb), 0);
	assert_non_null(strstr(sb.buf, "\"timeline\":{\"q\":10,\"end\":1500,\"coarsened\":0,\"count\":3,"));
	uint64_t v[16];
	size_t n = data_of(sb.buf, "\"timeline\":{", v, 16);
	/* (bucket delta, viewer node, samples): ab is node 3, c node 4, x;b node 6 */
	static const uint64_t want[] = {0, 3, 1, 1, 4, 2, 149, 6, 1};
	assert_int_equal(n, ARRAY_SIZE(want));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i], want[i]);
	strbuf__free(&sb);
	profile__free(p);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *at = s; (at = strstr(at, what)); at++)
		n++;
	return n;
}

static void test_html_page(void **state)
{
	(void)state;
	struct profile *p = profile__new();
	const char *evil = "</script><!--<b>&";
	uint32_t f = profile__frame_named(p, evil, strlen(evil), FRAME_USER);
	profile__add_stack(p, &f, 1, 0, 3);
	struct strbuf sb = {0};
	assert_int_equal(viewer__html(p, &sb), 0);
	assert_true(!strncmp(sb.buf, "<!DOCTYPE html>", 15));
	/* every script element the page opens is closed once; the name cannot close one */
	assert_int_equal(count(sb.buf, "<script"), count(sb.buf, "</script>"));
	assert_int_equal(count(sb.buf, "<!--"), 0);
	assert_non_null(strstr(sb.buf, "\"\\u003c/script>\\u003c!--\\u003cb>&\""));
	assert_null(strstr(sb.buf, " src="));
	size_t jl;
	const char *js = viewer__asset("viewer.js", &jl);
	assert_non_null(js);
	assert_true(jl > 1000 && jl == strlen(js));
	assert_non_null(strstr(sb.buf, "var ScorchViewer"));
	assert_non_null(viewer__asset("viewer.css", NULL));
	assert_null(viewer__asset("viewer.html", NULL));
	strbuf__free(&sb);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_tree),
		cmocka_unit_test(test_json_timeline),
		cmocka_unit_test(test_html_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
