// SPDX-License-Identifier: MIT
/* SVG flame graph writer: flamegraph.pl's layout, titles and colours, with scorch's script. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "svg_attrs.h"
#include "svg_color.h"
#include "svg_script.h"

#define XPAD 10
#define FRAMEPAD 1

struct svg_frame {
	uint32_t node;
	uint32_t depth;
	double stime, etime;
	double delta;
	int has_delta;
};

struct open_frame {
	uint32_t node;
	double stime;
	double delta;
	int has_delta;
};

/* flow(): merges consecutive lines into frames exactly as flamegraph.pl does */
struct flow {
	const struct profile *p;
	int value_col, before_col;
	double time;
	double maxdelta;
	struct open_frame *open;
	size_t nopen, capopen;
	uint32_t *path;
	size_t cappath;
	struct svg_frame *frames;
	size_t nframes, capframes;
	double min_width; /* frames narrower than this (in count units) are dropped at once */
	uint32_t depthmax;
	uint64_t *totals; /* inclusive values of value_col, for skipping narrow subtrees */
};

static void flow_close(struct flow *f, size_t keep)
{
	while (f->nopen > keep) {
		struct open_frame *o = &f->open[--f->nopen];
		if (f->time - o->stime < f->min_width)
			continue;
		if (f->nopen > f->depthmax)
			f->depthmax = (uint32_t)f->nopen;
		if (f->nframes == f->capframes) {
			f->capframes = f->capframes ? f->capframes * 2 : 1024;
			f->frames = xrealloc(f->frames, sizeof(*f->frames) * f->capframes);
		}
		f->frames[f->nframes++] = (struct svg_frame){o->node, (uint32_t)f->nopen, o->stime,
							     f->time, o->delta, o->has_delta};
	}
}

/*
 * Closes the open frames that are not on node's path (node included) and fills f->path
 * with the nodes below them; returns how many frames stay open. It climbs from node only
 * until the path meets the open frames, so a line costs what it changes, not its depth.
 */
static size_t flow_sync(struct flow *f, uint32_t node)
{
	const struct profile *p = f->p;
	size_t depth = profile__node_depth(p, node);
	if (depth + 1 > f->cappath) {
		f->cappath = (depth + 1) * 2;
		f->path = xrealloc(f->path, sizeof(*f->path) * f->cappath);
	}
	size_t same = depth + 1;
	uint32_t n = node;
	while (same > 0) {
		size_t i = same - 1;
		if (i < f->nopen && f->open[i].node == n)
			break;
		f->path[i] = n;
		same = i;
		if (n == PROFILE_ROOT)
			break;
		n = profile__node_parent(p, n);
	}
	flow_close(f, same);
	return same;
}

/* Opens path[same..last] at the current time; the frame at depth `leaf` gets delta d. */
static void flow_open(struct flow *f, size_t same, size_t last, size_t leaf, int has_delta,
		      double d)
{
	if (last + 1 > f->capopen) {
		f->capopen = (last + 1) * 2;
		f->open = xrealloc(f->open, sizeof(*f->open) * f->capopen);
	}
	for (size_t i = same; i <= last; i++)
		f->open[i] = (struct open_frame){f->path[i], f->time, i == leaf ? d : 0, has_delta};
	if (last + 1 > f->nopen)
		f->nopen = last + 1;
}

static void flow_line(struct flow *f, uint32_t node, uint64_t after, int has_delta, double d)
{
	size_t depth = profile__node_depth(f->p, node);
	size_t same = flow_sync(f, node);
	flow_open(f, same, depth, depth, has_delta, d);
	f->time += (double)after;
}

static void flow_cb(const struct profile *p, uint32_t node, void *arg)
{
	struct flow *f = arg;
	uint64_t after = profile__self(p, node, f->value_col);
	if (f->before_col >= 0) {
		double d = (double)after - (double)profile__self(p, node, f->before_col);
		flow_line(f, node, after, 1, d);
	} else {
		flow_line(f, node, after, 0, 0);
	}
}

/*
 * Everything below node is narrower than the minimum width: nothing there is drawn, so
 * the layout only moves on by its total. (node's own frame stays open and widens.)
 */
static int flow_skip(const struct profile *p, uint32_t node, void *arg)
{
	struct flow *f = arg;
	uint64_t below = f->totals[node] - profile__self(p, node, f->value_col);
	if ((double)below >= f->min_width)
		return 0;
	/* as if the block's lines were laid out: the frames open from the previous line close,
	 * node's ancestors open (node's own frame for the block alone would be too narrow) */
	size_t depth = profile__node_depth(p, node);
	size_t same = flow_sync(f, node);
	if (same < depth)
		flow_open(f, same, depth - 1, SIZE_MAX, f->before_col >= 0, 0);
	f->time += (double)below;
	return 1;
}

/* flamegraph.pl scales differential colours by the largest change of any one line. */
static double max_delta(const struct profile *p, int value_col, int before_col)
{
	double max = 1;
	for (uint32_t n = 0; n < profile__nnodes(p); n++) {
		double d = fabs((double)profile__self(p, n, value_col) -
				(double)profile__self(p, n, before_col));
		if (d > max)
			max = d;
	}
	return max;
}

/* ---- number formatting as perl prints it ---- */

/* sprintf("%.Nf") for N = 1 or 2, without the cost of printf in the common case. */
static size_t fmt_fixed(char *buf, double v, int decimals, double *parsed)
{
	double scale = decimals == 1 ? 10 : 100;
	double t = v * scale;
	double fl = floor(t);
	if (v >= 0 && t < 9e15 && fabs(t - fl - 0.5) > 1e-6) {
		uint64_t k = (uint64_t)(t - fl > 0.5 ? fl + 1 : fl);
		if (parsed)
			*parsed = (double)k / scale;
		uint64_t ip = k / (uint64_t)scale, fp = k % (uint64_t)scale;
		char tmp[32];
		int n = 0;
		do {
			tmp[n++] = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip);
		size_t len = 0;
		while (n)
			buf[len++] = tmp[--n];
		buf[len++] = '.';
		if (decimals == 2)
			buf[len++] = (char)('0' + fp / 10);
		buf[len++] = (char)('0' + fp % 10);
		buf[len] = '\0';
		return len;
	}
	int n = snprintf(buf, 40, decimals == 1 ? "%.1f" : "%.2f", v);
	if (parsed)
		*parsed = strtod(buf, NULL);
	return (size_t)n;
}

/* perl's default stringification of a number */
static void add_num(struct strbuf *sb, double v)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		if (v < 0) {
			strbuf__addc(sb, '-');
			v = -v;
		}
		strbuf__addu(sb, (uint64_t)v);
		return;
	}
	strbuf__addf(sb, "%.15g", v);
}

/* "%.0f" with thousands separators */
static void add_count(struct strbuf *sb, double v)
{
	char tmp[64];
	int n;
	if (v >= 0 && v < 9e15 && v == floor(v)) {
		/* the common case, an integral count: no printf */
		uint64_t k = (uint64_t)v;
		char rev[24];
		int r = 0;
		do {
			rev[r++] = (char)('0' + k % 10);
			k /= 10;
		} while (k);
		for (n = 0; n < r; n++)
			tmp[n] = rev[r - 1 - n];
		tmp[n] = '\0';
	} else {
		n = snprintf(tmp, sizeof(tmp), "%.0f", v);
	}
	int start = (tmp[0] == '-' || tmp[0] == '+') ? 1 : 0;
	strbuf__add(sb, tmp, (size_t)start);
	int digits = n - start;
	for (int i = 0; i < digits; i++) {
		if (i && (digits - i) % 3 == 0)
			strbuf__addc(sb, ',');
		strbuf__addc(sb, tmp[start + i]);
	}
}

static void add_escaped(struct strbuf *sb, const char *s, size_t n, int quotes)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = quotes ? "&quot;" : NULL; break;
		default: break;
		}
		if (rep) {
			strbuf__add(sb, s + run, i - run);
			strbuf__adds(sb, rep);
			run = i + 1;
		}
	}
	strbuf__add(sb, s + run, n - run);
}

/* length of name without a trailing _[k], _[w], _[i] or _[j] annotation */
static size_t strip_annotation(const char *s, size_t n)
{
	if (n >= 4 && s[n - 4] == '_' && s[n - 3] == '[' && s[n - 1] == ']' &&
	    strchr("kwij", s[n - 2]) && s[n - 2])
		return n - 4;
	return n;
}

/* ---- rendering ---- */

static void add_text(struct strbuf *sb, const char *id, double x, double y, const char *extra,
		     const char *txt)
{
	char xb[48];
	fmt_fixed(xb, x, 2, NULL);
	strbuf__adds(sb, "<text");
	if (id)
		strbuf__addf(sb, " id=\"%s\"", id);
	strbuf__addf(sb, " x=\"%s\" y=\"", xb);
	add_num(sb, y);
	strbuf__addc(sb, '"');
	if (extra)
		strbuf__addf(sb, " %s", extra);
	strbuf__addc(sb, '>');
	strbuf__adds(sb, txt);
	strbuf__adds(sb, "</text>\n");
}

static void add_header(struct strbuf *sb, const struct svg_opts *o, int w, double h)
{
	strbuf__adds(sb, "<?xml version=\"1.0\"");
	if (o->encoding)
		strbuf__addf(sb, " encoding=\"%s\"", o->encoding);
	strbuf__adds(sb, " standalone=\"no\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
			 "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n");
	strbuf__addf(sb, "<svg version=\"1.1\" width=\"%d\" height=\"", w);
	add_num(sb, h);
	strbuf__addf(sb, "\" onload=\"init(evt)\" viewBox=\"0 0 %d ", w);
	add_num(sb, h);
	strbuf__adds(sb, "\" xmlns=\"http://www.w3.org/2000/svg\" "
			 "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
			 "<!-- Flame graph written by scorch. -->\n<!-- NOTES: ");
	strbuf__adds(sb, o->notes ? o->notes : "");
	strbuf__adds(sb, " -->\n");
}

static int bg_colors(const struct svg_opts *o, const char **c1, const char **c2)
{
	const char *bg = o->bgcolors;
	const char *col = o->colors;
	if (!bg || !*bg) {
		if (!strcmp(col, "mem"))
			bg = "green";
		else if (!strcmp(col, "io") || !strcmp(col, "wakeup") || !strcmp(col, "chain"))
			bg = "blue";
		else if (!strcmp(col, "red") || !strcmp(col, "green") || !strcmp(col, "blue") ||
			 !strcmp(col, "aqua") || !strcmp(col, "yellow") || !strcmp(col, "purple") ||
			 !strcmp(col, "orange"))
			bg = "grey";
		else
			bg = "yellow";
	}
	if (!strcmp(bg, "yellow")) {
		*c1 = "#eeeeee";
		*c2 = "#eeeeb0";
	} else if (!strcmp(bg, "blue")) {
		*c1 = "#eeeeee";
		*c2 = "#e0e0ff";
	} else if (!strcmp(bg, "green")) {
		*c1 = "#eef2ee";
		*c2 = "#e0ffe0";
	} else if (!strcmp(bg, "grey")) {
		*c1 = "#f8f8f8";
		*c2 = "#e8e8e8";
	} else if (bg[0] == '#' && strlen(bg) == 7) {
		*c1 = *c2 = bg;
	} else {
		util__error("flamegraph: unrecognized --bgcolors \"%s\" (yellow, blue, green, grey or "
			    "#rrggbb)",
			    bg);
		return -EINVAL;
	}
	return 0;
}

/* Number of code points in s[0..n) and the byte length of the first k of them. */
static size_t utf8_prefix(const char *s, size_t n, size_t k, size_t *count)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	size_t c = 0, bytes = n;
	while (p < end) {
		if (c == k)
			bytes = (size_t)(p - (const unsigned char *)s);
		svg_color__next_cp(&p, end);
		c++;
	}
	if (c == k)
		bytes = n;
	*count = c;
	return bytes;
}

int svg__render(const struct profile *p, int value_col, int before_col, const struct svg_opts *o,
		struct strbuf *out)
{
	const char *bg1, *bg2;
	if (bg_colors(o, &bg1, &bg2) < 0)
		return -EINVAL;
	if (o->notes && strpbrk(o->notes, "<>")) {
		util__error("flamegraph: --notes can't contain < or >");
		return -EINVAL;
	}
	const char *mw = o->minwidth ? o->minwidth : "0.1";
	size_t mwl = strlen(mw);
	size_t mwd = strspn(mw, "0123456789.");
	if (!mwl || !(mwd == mwl || (mwd + 1 == mwl && mw[mwd] == '%')) || mwd == 0) {
		util__error("flamegraph: value '%s' is invalid for --minwidth, expected a number of "
			    "pixels or a percentage like 0.5%%",
			    mw);
		return -EINVAL;
	}
	double minwidth_f = strtod(mw, NULL);

	struct flow f = {.p = p, .value_col = value_col, .before_col = before_col, .maxdelta = 1};
	size_t nseq;
	const struct sequence_entry *seq = profile__sequence(p, &nseq);
	bool chart = (o->flamechart || o->sequence) && seq;
	/* the total is known before the layout, so narrow frames are never stored */
	double time = 0;
	if (chart) {
		for (size_t i = 0; i < nseq; i++)
			time += (double)seq[i].value;
	} else {
		time = (double)profile__column_total(p, value_col);
	}
	int status = 0;
	if (time <= 0) {
		util__error("flamegraph: no stack counts found");
		status = -ENODATA;
		goto out;
	}
	double timemax = time;
	if (o->total) {
		double t = strtod(o->total, NULL);
		if (t && t < time) {
			if (t / time > 0.02)
				util__warn("specified --total %s is less than actual total %.0f, so "
					   "ignored",
					   o->total, time);
		} else if (t) {
			timemax = t;
		}
	}
	double fontsize = o->fontsize, factor = o->factor;
	int imagewidth = o->width, frameheight = o->frameheight;
	double widthpertime = (double)(imagewidth - 2 * XPAD) / timemax;
	double minwidth_time = mw[mwl - 1] == '%' ? timemax * minwidth_f / 100
						  : minwidth_f / widthpertime;
	f.min_width = minwidth_time;
	if (chart) {
		for (size_t i = 0; i < nseq; i++)
			flow_line(&f, seq[i].node, seq[i].value, 0, 0);
	} else {
		unsigned mask = 1u << value_col;
		if (before_col >= 0) {
			mask |= 1u << before_col;
			f.maxdelta = max_delta(p, value_col, before_col);
		}
		f.totals = profile__totals(p, value_col);
		profile__walk_lines_pruned(p, mask, ' ', flow_cb, flow_skip, &f);
	}
	flow_close(&f, 0);
	uint32_t depthmax = f.depthmax;
	size_t kept = f.nframes;

	double ypad1 = fontsize * 3, ypad2 = fontsize * 2 + 10, ypad3 = fontsize * 2;
	int has_sub = o->subtitle && *o->subtitle;
	double imageheight = (double)(depthmax + 1) * frameheight + ypad1 + ypad2;
	if (has_sub)
		imageheight += ypad3;
	const char *title = o->title && *o->title ? o->title
			    : o->flamechart	  ? "Flame Chart"
			    : o->inverted	  ? "Icicle Graph"
						  : "Flame Graph";

	struct kv_map nameattr = {0}, palette = {0};
	if (o->nameattr && svg_attrs__load_nameattr(o->nameattr, &nameattr) < 0) {
		status = -EINVAL;
		svg_attrs__free(&nameattr);
		goto out;
	}
	if (o->cp)
		svg_attrs__load_palette(o->palette_file, &palette);

	strbuf__grow(out, kept * 150 + 8192);
	add_header(out, o, imagewidth, imageheight);
	strbuf__addf(out,
		     "<defs>\n\t<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" "
		     "x2=\"0\" >\n\t\t<stop stop-color=\"%s\" offset=\"5%%\" />\n\t\t<stop "
		     "stop-color=\"%s\" offset=\"95%%\" />\n\t</linearGradient>\n</defs>\n",
		     bg1, bg2);
	strbuf__adds(out, "<style type=\"text/css\">\n\ttext { font-family:");
	strbuf__adds(out, o->fonttype);
	strbuf__adds(out, "; font-size:");
	add_num(out, fontsize);
	strbuf__adds(out, "px; fill:rgb(0,0,0); }\n"
			  "\t#search, #ignorecase { opacity:0.1; cursor:pointer; }\n"
			  "\t#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { "
			  "opacity:1; }\n"
			  "\t#subtitle { text-anchor:middle; font-color:rgb(160,160,160); }\n"
			  "\t#title { text-anchor:middle; font-size:");
	add_num(out, fontsize + 5);
	strbuf__adds(out, "px; }\n\t#unzoom { cursor:pointer; }\n"
			  "\t#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }\n"
			  "\t#frames rect { rx:2px; ry:2px; }\n"
			  "\t.hide { display:none; }\n\t.parent { opacity:0.5; }\n</style>\n"
			  "<script type=\"text/ecmascript\">\n<![CDATA[\n");
	strbuf__addf(out, "var XPAD = %d, FONTSIZE = ", XPAD);
	add_num(out, fontsize);
	strbuf__adds(out, ", FONTWIDTH = ");
	add_num(out, o->fontwidth);
	strbuf__addf(out, ", INVERTED = %d, SEARCHCOLOR = \"rgb(230,0,230)\", NAMETYPE = \"",
		     o->inverted ? 1 : 0);
	for (const char *c = o->nametype; *c; c++) {
		if (*c == '"' || *c == '\\')
			strbuf__addc(out, '\\');
		strbuf__addc(out, *c);
	}
	strbuf__adds(out, "\";\n");
	strbuf__adds(out, svg_script);
	strbuf__adds(out, "]]>\n</script>\n");
	strbuf__adds(out, "<rect x=\"0.0\" y=\"0\" width=\"");
	char nb[48];
	fmt_fixed(nb, imagewidth, 1, NULL);
	strbuf__adds(out, nb);
	strbuf__adds(out, "\" height=\"");
	fmt_fixed(nb, imageheight, 1, NULL);
	strbuf__adds(out, nb);
	strbuf__adds(out, "\" fill=\"url(#background)\"  />\n");
	{
		struct strbuf t = {0};
		add_escaped(&t, title, strlen(title), 0);
		add_text(out, "title", imagewidth / 2, fontsize * 2, NULL, t.buf);
		if (has_sub) {
			t.len = 0;
			add_escaped(&t, o->subtitle, strlen(o->subtitle), 0);
			add_text(out, "subtitle", imagewidth / 2, fontsize * 4, NULL, t.buf);
		}
		strbuf__free(&t);
	}
	add_text(out, "details", XPAD, imageheight - ypad2 / 2, NULL, " ");
	add_text(out, "unzoom", XPAD, fontsize * 2, "class=\"hide\"", "Reset Zoom");
	add_text(out, "search", imagewidth - XPAD - 100, fontsize * 2, NULL, "Search");
	add_text(out, "ignorecase", imagewidth - XPAD - 16, fontsize * 2, NULL, "ic");
	add_text(out, "matched", imagewidth - XPAD - 100, imageheight - ypad2 / 2, NULL, " ");

	strbuf__adds(out, "<g id=\"frames\">\n");
	double scale_total = timemax * factor;
	char color[64];
	/* root first: the script treats the first frame as the graph's root */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < kept; i++) {
			const struct svg_frame *fr = &f.frames[i];
			int is_root = fr->node == PROFILE_ROOT && fr->depth == 0;
			if ((pass == 0) != is_root)
				continue;
			const char *name = profile__node_name(p, fr->node);
			size_t nlen = strlen(name);
			double etime = is_root ? timemax : fr->etime;
			double x1 = XPAD + fr->stime * widthpertime;
			double x2 = XPAD + etime * widthpertime;
			double y1, y2;
			if (!o->inverted) {
				y1 = imageheight - ypad2 - (double)(fr->depth + 1) * frameheight +
				     FRAMEPAD;
				y2 = imageheight - ypad2 - (double)fr->depth * frameheight;
			} else {
				y1 = ypad1 + (double)fr->depth * frameheight;
				y2 = ypad1 + (double)(fr->depth + 1) * frameheight - FRAMEPAD;
			}
			/* sprintf("%.0f") as perl does: round half to even */
			double samples = nearbyint((etime - fr->stime) * factor);

			const char *attrs = nameattr.keys ? svg_attrs__get(&nameattr, name, nlen) : NULL;
			size_t vl;
			const char *href = attrs ? svg_attrs__attr(attrs, "href", &vl) : NULL;
			size_t hrefl = href ? vl : 0;
			strbuf__adds(out, href ? "<a" : "<g");
			if (href) {
				strbuf__adds(out, " xlink:href=\"");
				strbuf__add(out, href, hrefl);
				strbuf__adds(out, "\" target=\"");
				const char *tg = svg_attrs__attr(attrs, "target", &vl);
				if (tg)
					strbuf__add(out, tg, vl);
				else
					strbuf__adds(out, "_top");
				strbuf__addc(out, '"');
				const char *ae = svg_attrs__attr(attrs, "a_extra", &vl);
				if (ae) {
					strbuf__addc(out, ' ');
					strbuf__add(out, ae, vl);
				}
			}
			static const char *const gattrs[] = {"id", "class"};
			for (int a = 0; attrs && a < 2; a++) {
				const char *v = svg_attrs__attr(attrs, gattrs[a], &vl);
				if (v) {
					strbuf__addf(out, " %s=\"", gattrs[a]);
					strbuf__add(out, v, vl);
					strbuf__addc(out, '"');
				}
			}
			const char *ge = attrs ? svg_attrs__attr(attrs, "g_extra", &vl) : NULL;
			if (ge) {
				strbuf__addc(out, ' ');
				strbuf__add(out, ge, vl);
			}
			strbuf__adds(out, "><title>");
			const char *tover = attrs ? svg_attrs__attr(attrs, "title", &vl) : NULL;
			if (tover) {
				strbuf__add(out, tover, vl);
			} else if (is_root) {
				strbuf__adds(out, "all (");
				add_count(out, samples);
				strbuf__addc(out, ' ');
				strbuf__adds(out, o->countname);
				strbuf__adds(out, ", 100%)");
			} else {
				size_t start = out->len;
				add_escaped(out, name, nlen, 1);
				out->len = start + strip_annotation(out->buf + start, out->len - start);
				strbuf__adds(out, " (");
				add_count(out, samples);
				strbuf__addc(out, ' ');
				strbuf__adds(out, o->countname);
				strbuf__add(out, ", ", 2);
				fmt_fixed(nb, 100 * samples / scale_total, 2, NULL);
				strbuf__adds(out, nb);
				strbuf__addc(out, '%');
				if (fr->has_delta) {
					double d = o->negate ? -fr->delta : fr->delta;
					if (d == 0)
						d = 0; /* perl's integer zero has no sign */
					strbuf__addf(out, "; %s%.2f%%", d > 0 ? "+" : "",
						     100 * d / scale_total);
				}
				strbuf__addc(out, ')');
			}
			strbuf__adds(out, "</title>");

			if (nlen == 2 && !strcmp(name, "--"))
				strcpy(color, "rgb(160,160,160)");
			else if (nlen == 1 && name[0] == '-')
				strcpy(color, "rgb(200,200,200)");
			else if (fr->has_delta)
				svg_color__delta(color, fr->delta, f.maxdelta, o->negate);
			else if (o->cp) {
				const char *c = svg_attrs__get(&palette, name, nlen);
				if (c) {
					snprintf(color, sizeof(color), "%s", c);
				} else {
					svg_color__name(color, o->colors, o->hash, o->random, name,
							nlen);
					svg_attrs__set(&palette, name, nlen, color);
				}
			} else {
				svg_color__name(color, o->colors, o->hash, o->random, name, nlen);
			}
			char xb[48], wb[48];
			double x1r, x2r;
			fmt_fixed(xb, x1, 1, &x1r);
			fmt_fixed(wb, x2, 1, &x2r);
			fmt_fixed(wb, x2r - x1r, 1, NULL);
			strbuf__adds(out, "<rect x=\"");
			strbuf__adds(out, xb);
			strbuf__adds(out, "\" y=\"");
			add_num(out, y1);
			strbuf__adds(out, "\" width=\"");
			strbuf__adds(out, wb);
			strbuf__adds(out, "\" height=\"");
			fmt_fixed(nb, y2 - y1, 1, NULL);
			strbuf__adds(out, nb);
			strbuf__adds(out, "\" fill=\"");
			strbuf__adds(out, color);
			strbuf__adds(out, "\"/>");

			double chars = floor((x2 - x1) / (fontsize * o->fontwidth));
			if (chars >= 3) {
				size_t bare = strip_annotation(name, nlen);
				size_t count;
				size_t k = (size_t)chars;
				size_t bytes = utf8_prefix(name, bare, k, &count);
				if (bytes) {
					strbuf__adds(out, "<text x=\"");
					fmt_fixed(xb, x1 + 3, 2, NULL);
					strbuf__adds(out, xb);
					strbuf__adds(out, "\" y=\"");
					add_num(out, 3 + (y1 + y2) / 2);
					strbuf__adds(out, "\">");
					if (k < count) {
						size_t cut = k >= 2 ? utf8_prefix(name, bare, k - 2, &count)
								    : 0;
						add_escaped(out, name, cut, 0);
						strbuf__adds(out, "..");
					} else {
						add_escaped(out, name, bytes, 0);
					}
					strbuf__adds(out, "</text>");
				}
			}
			strbuf__adds(out, href ? "</a>\n" : "</g>\n");
		}
	}
	strbuf__adds(out, "</g>\n</svg>\n");
	if (o->cp)
		svg_attrs__save_palette(o->palette_file, &palette);
	svg_attrs__free(&nameattr);
	svg_attrs__free(&palette);
out:
	free(f.open);
	free(f.path);
	free(f.frames);
	free(f.totals);
	return status;
}
