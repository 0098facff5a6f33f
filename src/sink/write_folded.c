// SPDX-License-Identifier: MIT
/* Folded-stack writer: "frame;frame;... count" lines in byte-wise sorted order. */
#include "sink.h"

#include <stdlib.h>

struct folded_ctx {
	struct strbuf *out;
	int col, before_col;
	uint64_t scale; /* profile__value_scale(): values are counts times this */
	struct profile_path path;
};

/* A count; fixed-point values (fractional input) as a decimal without trailing zeros. */
static void add_count(struct strbuf *out, uint64_t v, uint64_t scale)
{
	strbuf__addu(out, v / scale);
	uint64_t f = v % scale;
	if (!f)
		return;
	strbuf__addc(out, '.');
	for (uint64_t d = scale / 10; d && f; d /= 10) {
		strbuf__addc(out, (char)('0' + f / d));
		f %= d;
	}
}

static void emit_line(const struct profile *p, uint32_t node, void *arg)
{
	struct folded_ctx *c = arg;
	uint64_t v = profile__self(p, node, c->col);
	if (!v && c->before_col < 0)
		return;
	size_t len;
	const char *path = profile_path__of(&c->path, p, node, &len);
	strbuf__add(c->out, path, len);
	if (c->before_col >= 0) {
		/* difffolded.pl's two-column form: "stack BEFORE AFTER" */
		strbuf__addc(c->out, ' ');
		add_count(c->out, profile__self(p, node, c->before_col), c->scale);
	}
	strbuf__addc(c->out, ' ');
	add_count(c->out, v, c->scale);
	strbuf__addc(c->out, '\n');
}

int folded__write(const struct profile *p, const struct sink_opts *o, struct strbuf *out,
		  char *err, size_t errlen)
{
	const struct profile *v = sink__view(p, o);
	struct folded_ctx c = {out, o->col, o->before_col, profile__value_scale(v), {0}};
	unsigned mask = 1u << o->col;
	if (o->before_col >= 0)
		mask |= 1u << o->before_col;
	profile__walk_lines(v, mask, -1, emit_line, &c);
	profile_path__free(&c.path);
	sink__view_free(p, v);
	return 0;
}
