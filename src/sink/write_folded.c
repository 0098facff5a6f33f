// SPDX-License-Identifier: MIT
/* Folded-stack writer: "frame;frame;... count" lines in byte-wise sorted order. */
#include "sink.h"

#include <stdlib.h>

struct folded_ctx {
	struct strbuf *out;
	int col;
	struct profile_path path;
};

static void emit_line(const struct profile *p, uint32_t node, void *arg)
{
	struct folded_ctx *c = arg;
	uint64_t v = profile__self(p, node, c->col);
	if (!v)
		return;
	size_t len;
	const char *path = profile_path__of(&c->path, p, node, &len);
	strbuf__add(c->out, path, len);
	strbuf__addc(c->out, ' ');
	strbuf__addu(c->out, v);
	strbuf__addc(c->out, '\n');
}

void folded__render(const struct profile *p, int col, struct strbuf *out)
{
	struct folded_ctx c = {out, col, {0}};
	profile__walk_lines(p, 1u << col, -1, emit_line, &c);
	profile_path__free(&c.path);
}
