// SPDX-License-Identifier: MIT
/* Picks a writer by file extension and writes the result atomically. */
#include "sink.h"
#include "formats.h"

#include <errno.h>
#include <string.h>

enum sink_format sink__format_for(const char *path)
{
	if (!strcmp(path, "-") || util__has_suffix(path, ".folded") ||
	    util__has_suffix(path, ".txt") || util__has_suffix(path, ".collapsed"))
		return SINK_FOLDED;
	if (util__has_suffix(path, ".svg"))
		return SINK_SVG;
	if (format__writer_for(path))
		return SINK_INTERCHANGE;
	return SINK_UNKNOWN;
}

void svg_opts__init(struct svg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->width = 1200;
	o->frameheight = 16;
	o->fontsize = 12;
	o->fontwidth = 0.59;
	o->minwidth = "0.1";
	o->fonttype = "Verdana";
	o->countname = "samples";
	o->nametype = "Function:";
	o->colors = "hot";
	o->bgcolors = "";
	o->factor = 1;
	o->palette_file = "palette.map";
}

int sink__write(const struct profile *p, int col, const char *path, const struct svg_opts *svg)
{
	struct strbuf out = {0};
	int err = 0;
	switch (sink__format_for(path)) {
	case SINK_FOLDED:
		folded__render(p, col, &out);
		break;
	case SINK_SVG: {
		struct svg_opts def;
		if (!svg) {
			svg_opts__init(&def);
			svg = &def;
		}
		err = svg__render(p, col, -1, svg, &out);
		break;
	}
	case SINK_INTERCHANGE: {
		struct format_opts fo = {0};
		struct strbuf msg = {0};
		err = format__writer_for(path)(p, col, &fo, &out, &msg);
		if (err)
			util__error("cannot write '%s': %s", path, msg.buf ? msg.buf : strerror(-err));
		strbuf__free(&msg);
		break;
	}
	default:
		util__error("cannot tell the output format of '%s' (use .folded, .txt, .svg, "
			    ".pb.gz, .speedscope.json, .trace.json or .json)",
			    path);
		return -EINVAL;
	}
	if (!err) {
		err = util__write_file(path, out.buf ? out.buf : "", out.len);
		if (err < 0)
			util__error("cannot write '%s': %s", path, strerror(-err));
	}
	strbuf__free(&out);
	return err;
}
