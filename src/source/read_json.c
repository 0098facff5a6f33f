// SPDX-License-Identifier: MIT
/* d3-flame-graph JSON reader: nested {"name", "value", "children"} into the stack trie. */
#include "read_formats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * A streaming parse (yajl's callbacks) instead of a document tree: a 216 MB file of 200,000
 * stacks took 9 s with jansson, nearly all of it allocating the tree. Each open object is one
 * level of a stack; its node is made when its "name" arrives, which every writer puts before
 * "children". A value is inclusive: what the children do not cover is the node's own, added
 * when the object closes.
 */

enum d3_ctx { CTX_IGNORED = 0, CTX_NODE, CTX_CHILDREN };

struct d3_level {
	enum d3_ctx ctx;
	uint32_t node;    /* CTX_NODE: its trie node, PROFILE_NONE until "name" */
	int64_t total;    /* its "value", -1 when missing or not a count */
	int64_t sum;      /* the children's values */
	bool has_children;
};

struct d3_reader {
	struct profile *p;
	int col;
	struct strbuf *err;
	int rc;
	struct d3_level *lv;
	size_t depth, cap;
	enum { KEY_OTHER, KEY_NAME, KEY_VALUE, KEY_CHILDREN } key; /* of the innermost node */
	bool saw_root;
};

static int fail(struct d3_reader *r, int rc, const char *why)
{
	if (r->err && r->rc != -EINVAL)
		strbuf__adds(r->err, why);
	r->rc = rc;
	return 0; /* stops yajl */
}

static struct d3_level *top(struct d3_reader *r)
{
	return r->depth ? &r->lv[r->depth - 1] : NULL;
}

static int push(struct d3_reader *r, enum d3_ctx ctx)
{
	if (r->depth == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->lv = xrealloc(r->lv, r->cap * sizeof(*r->lv));
	}
	r->lv[r->depth++] = (struct d3_level){ctx, PROFILE_NONE, -1, 0, false};
	r->key = KEY_OTHER;
	return 1;
}

/* A scalar inside a node (its name or value) or, wrongly, in a children array. */
static int on_scalar(struct d3_reader *r, const char *s, size_t len, bool is_string)
{
	struct d3_level *t = top(r);
	if (!t || t->ctx == CTX_IGNORED)
		return 1;
	if (t->ctx == CTX_CHILDREN)
		return fail(r, -EINVAL, "a child without a \"name\" string");
	if (r->key == KEY_NAME && t->node == PROFILE_NONE && r->depth > 1) {
		if (!is_string)
			return fail(r, -EINVAL, "a child without a \"name\" string");
		struct d3_level *parent = &r->lv[r->depth - 3]; /* node, children array, this */
		uint32_t f = profile__frame_named(r->p, s, len, FRAME_USER);
		t->node = profile__child(r->p, parent->node, f);
	} else if (r->key == KEY_VALUE) {
		char tmp[64];
		size_t n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		t->total = -1;
		if (is_string)
			return 1;
		if (!strpbrk(tmp, ".eE")) {
			errno = 0;
			long long v = strtoll(tmp, NULL, 10);
			t->total = !errno && v >= 0 ? v : -1;
		} else {
			double d = strtod(tmp, NULL);
			t->total = d >= 0 && d < 9.2e18 ? (int64_t)llround(d) : -1;
		}
	}
	return 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	return on_scalar(ctx, (const char *)s, len, true);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	return on_scalar(ctx, s, len, false);
}

static int cb_null(void *ctx)
{
	return on_scalar(ctx, "", 0, false) ? 1 : 0;
}

static int cb_bool(void *ctx, int b)
{
	(void)b;
	return cb_null(ctx);
}

static int cb_key(void *ctx, const unsigned char *k, size_t len)
{
	struct d3_reader *r = ctx;
	struct d3_level *t = top(r);
	if (!t || t->ctx != CTX_NODE)
		return 1;
	r->key = len == 4 && !memcmp(k, "name", 4)	  ? KEY_NAME
		 : len == 5 && !memcmp(k, "value", 5)	  ? KEY_VALUE
		 : len == 8 && !memcmp(k, "children", 8) ? KEY_CHILDREN
							  : KEY_OTHER;
	return 1;
}

static int cb_start_map(void *ctx)
{
	struct d3_reader *r = ctx;
	struct d3_level *t = top(r);
	if (!t) {
		r->saw_root = true;
		push(r, CTX_NODE);
		r->lv[0].node = PROFILE_ROOT;
		return 1;
	}
	if (t->ctx == CTX_CHILDREN)
		return push(r, CTX_NODE);
	return push(r, CTX_IGNORED);
}

static int cb_end_map(void *ctx)
{
	struct d3_reader *r = ctx;
	struct d3_level *t = top(r);
	if (t->ctx == CTX_NODE) {
		if (t->node == PROFILE_NONE)
			return fail(r, -EINVAL, t->has_children
							? "a node's \"name\" comes after its \"children\""
							: "a child without a \"name\" string");
		if (t->total < 0 && !t->has_children)
			return fail(r, -EINVAL, "a node has no \"value\"");
		if (t->node != PROFILE_ROOT && t->total > t->sum &&
		    profile__add(r->p, t->node, r->col, (uint64_t)(t->total - t->sum)) < 0)
			r->rc = -EOVERFLOW; /* saturated; reading goes on */
		if (r->depth >= 3)
			r->lv[r->depth - 3].sum += t->total > 0 ? t->total : 0;
	}
	r->depth--;
	r->key = KEY_OTHER;
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct d3_reader *r = ctx;
	struct d3_level *t = top(r);
	if (t && t->ctx == CTX_NODE && r->key == KEY_CHILDREN) {
		if (t->node == PROFILE_NONE)
			return fail(r, -EINVAL, "a node's \"name\" comes after its \"children\"");
		t->has_children = true;
		return push(r, CTX_CHILDREN);
	}
	if (t && t->ctx == CTX_CHILDREN)
		return fail(r, -EINVAL, "a child without a \"name\" string");
	return push(r, CTX_IGNORED);
}

static int cb_end_array(void *ctx)
{
	struct d3_reader *r = ctx;
	r->depth--;
	r->key = KEY_OTHER;
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

void json__parse(const char *buf, size_t len, const yajl_callbacks *cb, void *ctx, int *rc,
		 struct strbuf *err)
{
	yajl_handle h = yajl_alloc(cb, NULL, ctx);
	yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_error && *rc != -EINVAL) {
		unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)buf, len);
		size_t n = msg ? strcspn((const char *)msg, "\r\n") : 0; /* one line */
		if (err)
			strbuf__addf(err, "%.*s", (int)n, msg && n ? (const char *)msg : "invalid JSON");
		if (msg)
			yajl_free_error(h, msg);
		*rc = -EINVAL;
	}
	yajl_free(h);
}

int d3json__read(const char *buf, size_t len, struct profile *p, int col, struct strbuf *err)
{
	struct d3_reader r = {.p = p, .col = col, .err = err};
	json__parse(buf, len, &callbacks, &r, &r.rc, err);
	if (!r.rc && !r.saw_root) {
		if (err)
			strbuf__adds(err, "the top level is not an object");
		r.rc = -EINVAL;
	}
	free(r.lv);
	return r.rc;
}
