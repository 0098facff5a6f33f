// SPDX-License-Identifier: MIT
/* flamegraph.pl's command-line options, shared by `flamegraph` and `diff`. */
#include "svg_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
	O_TITLE = 300, O_SUBTITLE, O_WIDTH, O_HEIGHT, O_MINWIDTH, O_FONTTYPE, O_FONTSIZE,
	O_FONTWIDTH, O_COUNTNAME, O_NAMETYPE, O_COLORS, O_BGCOLORS, O_HASH, O_RANDOM, O_CP,
	O_REVERSE, O_INVERTED, O_FLAMECHART, O_NEGATE, O_NOTES, O_FACTOR, O_TOTAL, O_NAMEATTR,
	O_ENCODING,
};

const struct option svg_options__table[] = {
	{"title", required_argument, NULL, O_TITLE},
	{"subtitle", required_argument, NULL, O_SUBTITLE},
	{"width", required_argument, NULL, O_WIDTH},
	{"height", required_argument, NULL, O_HEIGHT},
	{"minwidth", required_argument, NULL, O_MINWIDTH},
	{"fonttype", required_argument, NULL, O_FONTTYPE},
	{"fontsize", required_argument, NULL, O_FONTSIZE},
	{"fontwidth", required_argument, NULL, O_FONTWIDTH},
	{"countname", required_argument, NULL, O_COUNTNAME},
	{"nametype", required_argument, NULL, O_NAMETYPE},
	{"colors", required_argument, NULL, O_COLORS},
	{"bgcolors", required_argument, NULL, O_BGCOLORS},
	{"hash", no_argument, NULL, O_HASH},
	{"random", no_argument, NULL, O_RANDOM},
	{"cp", no_argument, NULL, O_CP},
	{"reverse", no_argument, NULL, O_REVERSE},
	{"inverted", no_argument, NULL, O_INVERTED},
	{"flamechart", no_argument, NULL, O_FLAMECHART},
	{"negate", no_argument, NULL, O_NEGATE},
	{"notes", required_argument, NULL, O_NOTES},
	{"factor", required_argument, NULL, O_FACTOR},
	{"total", required_argument, NULL, O_TOTAL},
	{"nameattr", required_argument, NULL, O_NAMEATTR},
	{"encoding", required_argument, NULL, O_ENCODING},
};
const size_t svg_options__count = sizeof(svg_options__table) / sizeof(svg_options__table[0]);

const char svg_options__help[] =
	"  --title TEXT       title (default \"Flame Graph\", \"Icicle Graph\" with --inverted)\n"
	"  --subtitle TEXT    second title line\n"
	"  --width NUM        image width in pixels (default 1200)\n"
	"  --height NUM       frame height in pixels (default 16)\n"
	"  --minwidth NUM     omit frames narrower than NUM pixels, or NUM% of the total\n"
	"                     (default 0.1)\n"
	"  --fonttype FONT    font family (default Verdana)\n"
	"  --fontsize NUM     font size (default 12)\n"
	"  --fontwidth NUM    average glyph width relative to the font size (default 0.59)\n"
	"  --countname TEXT   what the counts are (default \"samples\")\n"
	"  --nametype TEXT    what the names are (default \"Function:\")\n"
	"  --colors PALETTE   hot (default), mem, io, wakeup, chain, java, js, perl, red, green,\n"
	"                     blue, aqua, yellow, purple, orange\n"
	"  --bgcolors COLOR   yellow, blue, green, grey or #rrggbb (default from the palette)\n"
	"  --hash             colours keyed by a hash of the name (stable across graphs)\n"
	"  --random           random colours\n"
	"  --cp               consistent palette: reuse and update ./palette.map\n"
	"  --reverse          reverse each stack (merge from the leaves)\n"
	"  --inverted         icicle graph (root at the top)\n"
	"  --flamechart       flame chart: input order on the x axis, stacks not merged\n"
	"  --negate           swap the differential hues (blue <-> red)\n"
	"  --notes TEXT       notes embedded in an SVG comment\n"
	"  --factor NUM       multiply counts by NUM in the frame titles\n"
	"  --total NUM        use NUM as the total instead of the sum of the counts\n"
	"  --nameattr FILE    per-function attributes: NAME<TAB>key=value<TAB>...\n"
	"                     (title, href, target, id, class, g_extra, a_extra)\n"
	"  --encoding ENC     XML encoding declared in the SVG header\n";

struct option *svg_options__table_with(const struct option *extra, size_t n)
{
	struct option *t = xcalloc(svg_options__count + n + 1, sizeof(*t));
	memcpy(t, svg_options__table, sizeof(*t) * svg_options__count);
	memcpy(t + svg_options__count, extra, sizeof(*t) * n);
	return t;
}

static int parse_int(const char *name, const char *arg, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v <= 0 || v > 1000000) {
		util__error("--%s wants a positive integer, not '%s'", name, arg);
		return -1;
	}
	*out = (int)v;
	return 1;
}

static int parse_num(const char *name, const char *arg, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || *end || end == arg || !(v > 0)) {
		util__error("--%s wants a positive number, not '%s'", name, arg);
		return -1;
	}
	*out = v;
	return 1;
}

static const char *const palettes[] = {"hot", "mem", "io", "wakeup", "chain", "java", "js",
				       "perl", "red", "green", "blue", "aqua", "yellow",
				       "purple", "orange"};

int svg_options__apply(int c, const char *arg, struct svg_opts *o)
{
	switch (c) {
	case O_TITLE: o->title = arg; return 1;
	case O_SUBTITLE: o->subtitle = arg; return 1;
	case O_WIDTH: return parse_int("width", arg, &o->width);
	case O_HEIGHT: return parse_int("height", arg, &o->frameheight);
	case O_MINWIDTH: o->minwidth = arg; return 1;
	case O_FONTTYPE: o->fonttype = arg; return 1;
	case O_FONTSIZE: return parse_num("fontsize", arg, &o->fontsize);
	case O_FONTWIDTH: return parse_num("fontwidth", arg, &o->fontwidth);
	case O_COUNTNAME: o->countname = arg; return 1;
	case O_NAMETYPE: o->nametype = arg; return 1;
	case O_COLORS:
		for (size_t i = 0; i < sizeof(palettes) / sizeof(palettes[0]); i++)
			if (!strcmp(arg, palettes[i])) {
				o->colors = arg;
				return 1;
			}
		util__error("unknown --colors palette '%s' (see --help)", arg);
		return -1;
	case O_BGCOLORS: o->bgcolors = arg; return 1;
	case O_HASH: o->hash = true; return 1;
	case O_RANDOM: o->random = true; return 1;
	case O_CP: o->cp = true; return 1;
	case O_REVERSE: o->reverse = true; return 1;
	case O_INVERTED: o->inverted = true; return 1;
	case O_FLAMECHART: o->flamechart = true; return 1;
	case O_NEGATE: o->negate = true; return 1;
	case O_NOTES: o->notes = arg; return 1;
	case O_FACTOR: return parse_num("factor", arg, &o->factor);
	case O_TOTAL: {
		double t;
		if (parse_num("total", arg, &t) < 0)
			return -1;
		o->total = arg;
		return 1;
	}
	case O_NAMEATTR: o->nameattr = arg; return 1;
	case O_ENCODING: o->encoding = arg; return 1;
	default: return 0;
	}
}

int cli__read_inputs(int n, char **files, char **buf, size_t *len, int *mapped)
{
	*mapped = 0;
	if (n == 1) {
		int err = util__map_file(files[0], buf, len, mapped);
		if (err < 0) {
			util__error("cannot read '%s': %s", files[0], strerror(-err));
			return -1;
		}
		return 0;
	}
	if (n == 0) {
		int err = util__read_file("-", buf, len);
		if (err < 0) {
			util__error("cannot read stdin: %s", strerror(-err));
			return -1;
		}
		return 0;
	}
	struct strbuf all = {0};
	for (int i = 0; i < n; i++) {
		char *b;
		size_t l;
		int err = util__read_file(files[i], &b, &l);
		if (err < 0) {
			util__error("cannot read '%s': %s", files[i], strerror(-err));
			strbuf__free(&all);
			return -1;
		}
		if (n == 1) {
			*buf = b;
			*len = l;
			return 0;
		}
		strbuf__add(&all, b, l);
		free(b);
	}
	*buf = all.buf ? all.buf : xstrdup("");
	*len = all.len;
	return 0;
}
