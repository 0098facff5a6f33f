// SPDX-License-Identifier: MIT
/* SVG flame graph writer: flamegraph.pl's layout, titles and colours, with scorch's script. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "write_svg.h"

#include "svg_attrs.h"
#include "svg_color.h"
#include "svg_internal.h"
#include "svg_script.h" /* generated from svg_script.js into build/gen */

void svg_opts__init(struct svg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->width = 1200;
	o->frameheight = 16;
	o->fontsize = 12;
	o->fontwidth = 0.59;
	o->minwidth = "0.1";
	o->fonttype = "Verdana";
	o->nametype = "Function:";
	o->colors = "hot";
	o->bgcolors = "";
	o->factor = 1;
	o->palette_file = "palette.map";
}

/* Geometry and strings of one document, fixed before anything is written. */
struct svg_doc {
	const struct svg_opts *o;
	const char *bg1, *bg2;
	const char *title, *countname;
	bool has_sub;
	int esc; /* svg_fmt__escaped() flags: SVG_ESC_BYTES for a single-byte --encoding */
	int imagewidth, frameheight;
	double fontsize, factor;
	double timemax, widthpertime;
	double imageheight, ypad1, ypad2;
	struct kv_map nameattr, palette;
};

static void add_text(struct strbuf *sb, const char *id, double x, double y, const char *extra,
		     const char *txt)
{
	char xb[48];
	svg_fmt__fixed(xb, x, 2, NULL);
	strbuf__adds(sb, "<text");
	if (id)
		strbuf__addf(sb, " id=\"%s\"", id);
	strbuf__addf(sb, " x=\"%s\" y=\"", xb);
	svg_fmt__num(sb, y);
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
	svg_fmt__num(sb, h);
	strbuf__addf(sb, "\" onload=\"init(evt)\" viewBox=\"0 0 %d ", w);
	svg_fmt__num(sb, h);
	strbuf__adds(sb, "\" xmlns=\"http://www.w3.org/2000/svg\" "
			 "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
			 "<!-- Flame graph written by scorch. -->\n<!-- NOTES: ");
	strbuf__adds(sb, o->notes ? o->notes : "");
	strbuf__adds(sb, " -->\n");
}

static int bg_colors(const struct svg_opts *o, const char **c1, const char **c2, char *err,
		     size_t errlen)
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
		snprintf(err, errlen,
			 "unrecognized --bgcolors \"%s\" (yellow, blue, green, grey or #rrggbb)", bg);
		return -EINVAL;
	}
	return 0;
}

/* Checks the options flamegraph.pl rejects; fills d's colours and *minwidth (count units
 * need the total, so the number and whether it is a percentage). */
static int check_options(const struct svg_opts *o, struct svg_doc *d, double *minwidth,
			 bool *percent, char *err, size_t errlen)
{
	if (bg_colors(o, &d->bg1, &d->bg2, err, errlen) < 0)
		return -EINVAL;
	if (o->notes && strpbrk(o->notes, "<>")) {
		snprintf(err, errlen, "--notes can't contain < or >");
		return -EINVAL;
	}
	const char *mw = o->minwidth ? o->minwidth : "0.1";
	size_t mwl = strlen(mw);
	size_t mwd = strspn(mw, "0123456789.");
	if (!mwl || !(mwd == mwl || (mwd + 1 == mwl && mw[mwd] == '%')) || mwd == 0) {
		snprintf(err, errlen,
			 "value '%s' is invalid for --minwidth, expected a number of pixels or a "
			 "percentage like 0.5%%",
			 mw);
		return -EINVAL;
	}
	*minwidth = strtod(mw, NULL);
	*percent = mw[mwl - 1] == '%';
	return 0;
}

/* The total the graph is scaled to: the samples, or --total when that is larger. */
static double scale_total(const struct svg_opts *o, double time)
{
	if (!o->total)
		return time;
	double t = strtod(o->total, NULL);
	if (t && t < time) {
		if (t / time > 0.02)
			util__warn("specified --total %s is less than actual total %.0f, so ignored",
				   o->total, time);
		return time;
	}
	return t ? t : time;
}

/* Image height and title, once the layout's depth is known. */
static void size_doc(struct svg_doc *d, uint32_t depthmax)
{
	const struct svg_opts *o = d->o;
	d->ypad1 = d->fontsize * 3;
	d->ypad2 = d->fontsize * 2 + 10;
	double ypad3 = d->fontsize * 2;
	d->has_sub = o->subtitle && *o->subtitle;
	d->imageheight = (double)(depthmax + 1) * d->frameheight + d->ypad1 + d->ypad2;
	if (d->has_sub)
		d->imageheight += ypad3;
	d->title = o->title && *o->title ? o->title
		   : o->flamechart	 ? "Flame Chart"
		   : o->inverted	 ? "Icicle Graph"
					 : "Flame Graph";
}

/* <defs>, <style> and the embedded script with its settings. */
static void add_style_script(struct strbuf *out, const struct svg_doc *d)
{
	const struct svg_opts *o = d->o;
	strbuf__addf(out,
		     "<defs>\n\t<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" "
		     "x2=\"0\" >\n\t\t<stop stop-color=\"%s\" offset=\"5%%\" />\n\t\t<stop "
		     "stop-color=\"%s\" offset=\"95%%\" />\n\t</linearGradient>\n</defs>\n",
		     d->bg1, d->bg2);
	strbuf__adds(out, "<style type=\"text/css\">\n\ttext { font-family:");
	strbuf__adds(out, o->fonttype);
	strbuf__adds(out, "; font-size:");
	svg_fmt__num(out, d->fontsize);
	strbuf__adds(out, "px; fill:rgb(0,0,0); }\n"
			  "\t#search, #ignorecase { opacity:0.1; cursor:pointer; }\n"
			  "\t#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { "
			  "opacity:1; }\n"
			  "\t#subtitle { text-anchor:middle; font-color:rgb(160,160,160); }\n"
			  "\t#title { text-anchor:middle; font-size:");
	svg_fmt__num(out, d->fontsize + 5);
	strbuf__adds(out, "px; }\n\t#unzoom { cursor:pointer; }\n"
			  "\t#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }\n"
			  "\t#frames rect { rx:2px; ry:2px; }\n"
			  "\t.hide { display:none; }\n\t.parent { opacity:0.5; }\n</style>\n"
			  "<script type=\"text/ecmascript\">\n<![CDATA[\n");
	strbuf__addf(out, "var XPAD = %d, FONTSIZE = ", XPAD);
	svg_fmt__num(out, d->fontsize);
	strbuf__adds(out, ", FONTWIDTH = ");
	svg_fmt__num(out, o->fontwidth);
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
}

/* The background, title, subtitle and the texts the script fills in (details, search...). */
static void add_chrome(struct strbuf *out, const struct svg_doc *d)
{
	const struct svg_opts *o = d->o;
	strbuf__adds(out, "<rect x=\"0.0\" y=\"0\" width=\"");
	char nb[48];
	svg_fmt__fixed(nb, d->imagewidth, 1, NULL);
	strbuf__adds(out, nb);
	strbuf__adds(out, "\" height=\"");
	svg_fmt__fixed(nb, d->imageheight, 1, NULL);
	strbuf__adds(out, nb);
	strbuf__adds(out, "\" fill=\"url(#background)\"  />\n");
	struct strbuf t = {0};
	svg_fmt__escaped(&t, d->title, strlen(d->title), d->esc);
	add_text(out, "title", d->imagewidth / 2, d->fontsize * 2, NULL, t.buf);
	if (d->has_sub) {
		t.len = 0;
		svg_fmt__escaped(&t, o->subtitle, strlen(o->subtitle), d->esc);
		add_text(out, "subtitle", d->imagewidth / 2, d->fontsize * 4, NULL, t.buf);
	}
	strbuf__free(&t);
	double bottom = d->imageheight - d->ypad2 / 2;
	add_text(out, "details", XPAD, bottom, NULL, " ");
	add_text(out, "unzoom", XPAD, d->fontsize * 2, "class=\"hide\"", "Reset Zoom");
	add_text(out, "search", d->imagewidth - XPAD - 100, d->fontsize * 2, NULL, "Search");
	add_text(out, "ignorecase", d->imagewidth - XPAD - 16, d->fontsize * 2, NULL, "ic");
	add_text(out, "matched", d->imagewidth - XPAD - 100, bottom, NULL, " ");
}

/* "<a xlink:href=... id=... class=...>" or "<g ...>" as --nameattr asks; returns href. */
static const char *open_group(struct strbuf *out, const char *attrs)
{
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
	return href;
}

/* "<title>name (N samples, P%; +D%)</title>" */
static void add_frame_title(struct strbuf *out, const struct svg_doc *d,
			    const struct svg_frame *fr, const char *attrs, const char *name,
			    size_t nlen, bool is_root, double samples)
{
	const struct svg_opts *o = d->o;
	size_t vl;
	strbuf__adds(out, "><title>");
	const char *tover = attrs ? svg_attrs__attr(attrs, "title", &vl) : NULL;
	if (tover) {
		strbuf__add(out, tover, vl);
	} else if (is_root) {
		strbuf__adds(out, "all (");
		svg_fmt__count(out, samples);
		strbuf__addc(out, ' ');
		strbuf__adds(out, d->countname);
		strbuf__adds(out, ", 100%)");
	} else {
		double scale_total = d->timemax * d->factor;
		char nb[48];
		size_t start = out->len;
		svg_fmt__escaped(out, name, nlen, d->esc | SVG_ESC_QUOTES);
		out->len = start + svg_fmt__strip_annotation(out->buf + start, out->len - start);
		strbuf__adds(out, " (");
		svg_fmt__count(out, samples);
		strbuf__addc(out, ' ');
		strbuf__adds(out, d->countname);
		strbuf__add(out, ", ", 2);
		svg_fmt__fixed(nb, 100 * samples / scale_total, 2, NULL);
		strbuf__adds(out, nb);
		strbuf__addc(out, '%');
		if (fr->has_delta) {
			double delta = o->negate ? -fr->delta : fr->delta;
			if (delta == 0)
				delta = 0; /* perl's integer zero has no sign */
			strbuf__addf(out, "; %s%.2f%%", delta > 0 ? "+" : "",
				     100 * delta / scale_total);
		}
		strbuf__addc(out, ')');
	}
	strbuf__adds(out, "</title>");
}

/* The fill colour of a frame: separators grey, diffs by delta, else by palette. */
static void frame_color(char *color, size_t size, struct svg_doc *d, const struct profile *p,
			const struct svg_frame *fr, double maxdelta, const char *name, size_t nlen)
{
	const struct svg_opts *o = d->o;
	uint32_t f = fr->node == PROFILE_ROOT ? PROFILE_NONE : profile__node_frame(p, fr->node);
	const char *colors =
	    svg_color__palette_for(o->colors, f == PROFILE_NONE ? 0 : profile__frame_get(p, f)->kind);
	if (nlen == 2 && !strcmp(name, "--")) {
		snprintf(color, size, "rgb(160,160,160)");
	} else if (nlen == 1 && name[0] == '-') {
		snprintf(color, size, "rgb(200,200,200)");
	} else if (fr->has_delta) {
		svg_color__delta(color, fr->delta, maxdelta, o->negate);
	} else if (o->cp) {
		const char *c = svg_attrs__get(&d->palette, name, nlen);
		if (c) {
			snprintf(color, size, "%s", c);
		} else {
			svg_color__name(color, colors, o->hash, o->random, name, nlen);
			svg_attrs__set(&d->palette, name, nlen, color);
		}
	} else {
		svg_color__name(color, colors, o->hash, o->random, name, nlen);
	}
}

/* The frame's label, cut to what fits with ".." as flamegraph.pl does. */
static void add_frame_text(struct strbuf *out, const struct svg_doc *d, const char *name,
			   size_t nlen, double x1, double x2, double y1, double y2)
{
	double chars = floor((x2 - x1) / (d->fontsize * d->o->fontwidth));
	if (chars < 3)
		return;
	size_t bare = svg_fmt__strip_annotation(name, nlen);
	size_t count;
	size_t k = (size_t)chars;
	size_t bytes = svg_fmt__utf8_prefix(name, bare, k, &count);
	if (!bytes)
		return;
	char xb[48];
	strbuf__adds(out, "<text x=\"");
	svg_fmt__fixed(xb, x1 + 3, 2, NULL);
	strbuf__adds(out, xb);
	strbuf__adds(out, "\" y=\"");
	svg_fmt__num(out, 3 + (y1 + y2) / 2);
	strbuf__adds(out, "\">");
	if (k < count) {
		size_t cut = k >= 2 ? svg_fmt__utf8_prefix(name, bare, k - 2, &count) : 0;
		svg_fmt__escaped(out, name, cut, d->esc);
		strbuf__adds(out, "..");
	} else {
		svg_fmt__escaped(out, name, bytes, d->esc);
	}
	strbuf__adds(out, "</text>");
}

/* One frame: its group, title, rectangle and text. */
static void add_frame(struct strbuf *out, struct svg_doc *d, const struct profile *p,
		      const struct svg_frame *fr, double maxdelta, bool is_root)
{
	const struct svg_opts *o = d->o;
	const char *name = profile__node_name(p, fr->node);
	/* names may hold NUL bytes: their length is the interned string's, not strlen() */
	size_t nlen = fr->node == PROFILE_ROOT
			  ? 0
			  : profile__strlen(p, profile__frame_get(p, profile__node_frame(p, fr->node))->name);
	double etime = is_root ? d->timemax : fr->etime;
	double x1 = XPAD + fr->stime * d->widthpertime;
	double x2 = XPAD + etime * d->widthpertime;
	double y1, y2;
	if (!o->inverted) {
		y1 = d->imageheight - d->ypad2 - (double)(fr->depth + 1) * d->frameheight + FRAMEPAD;
		y2 = d->imageheight - d->ypad2 - (double)fr->depth * d->frameheight;
	} else {
		y1 = d->ypad1 + (double)fr->depth * d->frameheight;
		y2 = d->ypad1 + (double)(fr->depth + 1) * d->frameheight - FRAMEPAD;
	}
	/* sprintf("%.0f") as perl does: round half to even */
	double samples = nearbyint((etime - fr->stime) * d->factor);

	const char *attrs = d->nameattr.keys ? svg_attrs__get(&d->nameattr, name, nlen) : NULL;
	const char *href = open_group(out, attrs);
	add_frame_title(out, d, fr, attrs, name, nlen, is_root, samples);

	char color[64];
	frame_color(color, sizeof(color), d, p, fr, maxdelta, name, nlen);
	char xb[48], wb[48], nb[48];
	double x1r, x2r;
	svg_fmt__fixed(xb, x1, 1, &x1r);
	svg_fmt__fixed(wb, x2, 1, &x2r);
	svg_fmt__fixed(wb, x2r - x1r, 1, NULL);
	strbuf__adds(out, "<rect x=\"");
	strbuf__adds(out, xb);
	strbuf__adds(out, "\" y=\"");
	svg_fmt__num(out, y1);
	strbuf__adds(out, "\" width=\"");
	strbuf__adds(out, wb);
	strbuf__adds(out, "\" height=\"");
	svg_fmt__fixed(nb, y2 - y1, 1, NULL);
	strbuf__adds(out, nb);
	strbuf__adds(out, "\" fill=\"");
	strbuf__adds(out, color);
	strbuf__adds(out, "\"/>");
	add_frame_text(out, d, name, nlen, x1, x2, y1, y2);
	strbuf__adds(out, href ? "</a>\n" : "</g>\n");
}

/* Every frame, root first: the script treats the first frame as the graph's root. */
static void add_frames(struct strbuf *out, struct svg_doc *d, const struct profile *p,
		       const struct svg_layout *l)
{
	strbuf__adds(out, "<g id=\"frames\">\n");
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < l->nframes; i++) {
			const struct svg_frame *fr = &l->frames[i];
			bool is_root = fr->node == PROFILE_ROOT && fr->depth == 0;
			if ((pass == 0) == is_root)
				add_frame(out, d, p, fr, l->maxdelta, is_root);
		}
	}
	strbuf__adds(out, "</g>\n</svg>\n");
}

/*
 * Fills d for a graph of `time` counts (value units / scale, before --total): checks the
 * options and sets *min_time, the narrowest frame drawn, in value units.
 */
static int svg_begin(struct svg_doc *d, const struct svg_opts *o, const char *countname,
		     double time, double vscale, double *min_time, char *err, size_t errlen)
{
	*d = (struct svg_doc){.o = o,
			      .imagewidth = o->width,
			      .frameheight = o->frameheight,
			      .fontsize = o->fontsize,
			      .factor = o->factor,
			      .countname = o->countname ? o->countname : countname};
	const char *enc = o->encoding;
	if (enc && strcasecmp(enc, "utf-8") && strcasecmp(enc, "utf8"))
		d->esc = SVG_ESC_BYTES;
	double minwidth;
	bool percent;
	int err_ = check_options(o, d, &minwidth, &percent, err, errlen);
	if (err_ < 0)
		return err_;
	if (time <= 0) {
		snprintf(err, errlen, "no stack counts found");
		return -ENODATA;
	}
	/* fractional counts are stored as fixed-point: the layout is drawn in counts */
	time /= vscale;
	d->timemax = scale_total(o, time);
	d->widthpertime = (double)(d->imagewidth - 2 * XPAD) / d->timemax;
	double mt = percent ? d->timemax * minwidth / 100 : minwidth / d->widthpertime;
	*min_time = mt * vscale;
	return 0;
}

/* Writes the document of layout l (frames naming nodes of p) and frees l. */
static int svg_finish(struct svg_doc *d, const struct profile *p, struct svg_layout *l,
		      double vscale, struct strbuf *out, char *err, size_t errlen)
{
	const struct svg_opts *o = d->o;
	if (vscale != 1) {
		for (size_t i = 0; i < l->nframes; i++) {
			l->frames[i].stime /= vscale;
			l->frames[i].etime /= vscale;
			l->frames[i].delta /= vscale;
		}
		/* flamegraph.pl's floor of 1 is one count, not one fixed-point unit */
		l->maxdelta = l->maxdelta / vscale < 1 ? 1 : l->maxdelta / vscale;
	}
	size_doc(d, l->depthmax);
	if (o->nameattr && svg_attrs__load_nameattr(o->nameattr, &d->nameattr, err, errlen) < 0) {
		svg_attrs__free(&d->nameattr);
		svg_layout__free(l);
		return -EINVAL;
	}
	if (o->cp)
		svg_attrs__load_palette(o->palette_file, &d->palette);

	strbuf__grow(out, l->nframes * 150 + 8192);
	add_header(out, o, d->imagewidth, d->imageheight);
	add_style_script(out, d);
	add_chrome(out, d);
	add_frames(out, d, p, l);
	if (o->cp)
		svg_attrs__save_palette(o->palette_file, &d->palette);
	svg_attrs__free(&d->nameattr);
	svg_attrs__free(&d->palette);
	svg_layout__free(l);
	return 0;
}

/*
 * Renders p as flamegraph.pl would: widths from value_col; with before_col >= 0 (a diff)
 * frames are coloured by after-minus-before. Returns 0 or -errno with a reason in err.
 */
static int svg_render(const struct profile *p, int value_col, int before_col,
		      const struct svg_opts *o, struct strbuf *out, char *err, size_t errlen)
{
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
	double vscale = (double)profile__value_scale(p);
	struct svg_doc d;
	double min_time;
	int r = svg_begin(&d, o, profile__column_unit(p, value_col), time, vscale, &min_time, err,
			  errlen);
	if (r < 0)
		return r;
	struct svg_layout l = {0};
	svg_layout__build(p, value_col, before_col, chart, min_time, &l);
	return svg_finish(&d, p, &l, vscale, out, err, errlen);
}

struct svg_stream {
	struct svg_doc d;
	struct profile *q;
	struct svg_stream_layout *lay;
	double vscale;
	double min_time, total;
};

int svg_stream__new(const struct svg_opts *o, double total, uint64_t scale,
		    struct svg_stream **out, char *err, size_t errlen)
{
	struct svg_stream *s = xcalloc(1, sizeof(*s));
	double min_time;
	s->vscale = scale ? (double)scale : 1;
	int r = svg_begin(&s->d, o, "samples", total, s->vscale, &min_time, err, errlen);
	if (r < 0) {
		free(s);
		return r;
	}
	s->q = profile__new();
	s->lay = svg_layout__stream_new(s->q, min_time);
	s->min_time = min_time;
	s->total = total;
	*out = s;
	return 0;
}

uint64_t svg_stream__narrow(const struct svg_stream *s)
{
	/* below 2^53 every sum of counts is exact in a double, so a group of lines summing
	 * below min_time draws nothing of its own, whatever its order */
	if (!(s->total < 0x1p53) || !(s->min_time > 0))
		return 0;
	return (uint64_t)ceil(s->min_time);
}

void svg_stream__line(struct svg_stream *s, const struct folded_line_info *li)
{
	svg_layout__stream_line(s->lay, li, li->two,
				li->two ? (double)li->value - (double)li->before : 0);
}

void svg_stream__free(struct svg_stream *s)
{
	if (!s)
		return;
	struct svg_layout l = {0};
	svg_layout__stream_end(s->lay, &l);
	svg_layout__free(&l);
	profile__free(s->q);
	free(s);
}

int svg_stream__finish(struct svg_stream *s, struct strbuf *out, char *err, size_t errlen)
{
	struct svg_layout l = {0};
	svg_layout__stream_end(s->lay, &l);
	int r = svg_finish(&s->d, s->q, &l, s->vscale, out, err, errlen);
	profile__free(s->q);
	free(s);
	return r;
}

int svg__write(const struct profile *p, const struct sink_opts *so, struct strbuf *out,
	       char *err, size_t errlen)
{
	struct svg_opts def;
	const struct svg_opts *o = so->svg;
	if (!o) {
		svg_opts__init(&def);
		o = &def;
	}
	const struct profile *v = sink__view(p, so);
	int r = svg_render(v, so->col, so->before_col, o, out, err, errlen);
	sink__view_free(p, v);
	return r;
}
