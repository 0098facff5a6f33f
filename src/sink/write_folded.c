// SPDX-License-Identifier: MIT
/* Folded-stack writer: "frame;frame;... count" lines in byte-wise sorted order. */
#include "sink.h"

#include <stdlib.h>

struct folded_ctx {
	struct strbuf *out;
	int col, before_col;
	struct profile_path path;
};

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
		strbuf__addu(c->out, profile__self(p, node, c->before_col));
	}
	strbuf__addc(c->out, ' ');
	strbuf__addu(c->out, v);
	strbuf__addc(c->out, '\n');
}

int folded__write(const struct profile *p, const struct sink_opts *o, struct strbuf *out,
		  char *err, size_t errlen)
{
	const struct profile *v = sink__view(p, o);
	struct folded_ctx c = {out, o->col, o->before_col, {0}};
	unsigned mask = 1u << o->col;
	if (o->before_col >= 0)
		mask |= 1u << o->before_col;
	profile__walk_lines(v, mask, -1, emit_line, &c);
	profile_path__free(&c.path);
	sink__view_free(p, v);
	return 0;
}
