// SPDX-License-Identifier: MIT
/* scorch diff: two folded profiles -> differential flame graph (difffolded.pl semantics). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "diff_join.h"
#include "svg_options.h"
#include "../source/read_formats.h"
#include "../util/util.h"

static void usage(FILE *f)
{
	struct strbuf formats = {0};
	sink__list(&formats);
	fprintf(f,
		"usage: scorch diff [-n] [-s] BEFORE AFTER [-o OUT.svg | --folded] [svg options]\n"
		"\n"
		"Compares two folded profiles. Frames are as wide as in AFTER and coloured by the\n"
		"change of their own samples: red grew, blue shrank, white unchanged (difffolded.pl\n"
		"piped into flamegraph.pl). --folded prints \"stack BEFORE_COUNT AFTER_COUNT\" lines\n"
		"instead, as difffolded.pl does: BEFORE's stacks in the order they first appear,\n"
		"then those only AFTER has (difffolded.pl's order is perl's hash order).\n"
		"\n"
		"Options:\n"
		"  -n, --normalize    scale BEFORE's counts so both totals match\n"
		"  -s, --strip-hex    replace hex addresses (0x7f3a...) with 0x... before comparing\n"
		"  --folded           print the two-column folded text instead of an SVG\n"
		"  -o, --output FILE  write to FILE (default stdout, SVG); the name's ending picks\n"
		"                     the format: %s\n"
		"  -h, --help         this help\n"
		"All `scorch flamegraph` options apply to the SVG (e.g. --negate, --title).\n"
		"\n"
		"Examples:\n"
		"  scorch diff before.folded after.folded -o diff.svg\n"
		"  scorch diff -n before.folded after.folded --folded > diff.folded\n"
		"  scorch diff after.folded before.folded --negate -o reduced.svg\n",
		formats.buf);
	strbuf__free(&formats);
}

static int read_one(const char *path, struct profile *p, int col, bool striphex)
{
	char *buf;
	size_t len;
	int mapped;
	int err = util__map_file(path, &buf, &len, &mapped);
	if (err < 0) {
		util__error("cannot read '%s': %s", path, strerror(-err));
		return -1;
	}
	struct folded_opts fo = {.striphex = striphex};
	struct folded_stats st;
	/* read into a scratch column, then move: the reader may add a "before" column */
	err = format__read(buf, len, p, col, &fo, &st);
	util__unmap_file(buf, len, mapped);
	if (err == -EINVAL) /* a broken pprof/JSON file: already said why */
		return -1;
	if (err == -EOVERFLOW) {
		util__error("%s:%llu: count does not fit in 64 bits", path,
			    (unsigned long long)st.overflow_line);
		return -1;
	}
	if (st.before_col >= 0) {
		util__error("%s has two counts per line; pass single-count folded files",
			    path);
		return -1;
	}
	if (st.valid == 0) {
		util__error("no valid folded stacks in '%s'", path);
		return -1;
	}
	if (st.ignored)
		util__warn("%s: ignored %llu lines with invalid format (first: line %llu)", path,
			   (unsigned long long)st.ignored,
			   (unsigned long long)st.first_ignored_line);
	return 0;
}

/* One input of the streamed diff: its sorted lines, mapped text, and where the merge is. */
struct diff_input {
	const char *path;
	char *buf;
	size_t len;
	int mapped;
	struct folded_lines *fl;
	size_t i, n;
	struct folded_line_info cur; /* line i, valid while i < n */
};

/* Maps and sorts one file by stack; returns 0, 1 when it is not plain folded text (the
 * profile path reads it), or -1 after an error message. */
static int stream_open(struct diff_input *in)
{
	int err = util__map_file(in->path, &in->buf, &in->len, &in->mapped);
	if (err < 0) {
		util__error("cannot read '%s': %s", in->path, strerror(-err));
		return -1;
	}
	if (format__sniff(in->buf, in->len) != FORMAT_FOLDED)
		return 1;
	struct folded_opts fo = {.by_stack = true};
	struct folded_stats st;
	err = folded__lines_open(in->buf, in->len, &fo, &in->fl, &st);
	if (err == -EOVERFLOW) {
		util__error("%s:%llu: count does not fit in 64 bits", in->path,
			    (unsigned long long)st.overflow_line);
		return -1;
	}
	if (st.before_col >= 0) {
		util__error("%s has two counts per line; pass single-count folded files", in->path);
		return -1;
	}
	if (st.valid == 0) {
		util__error("no valid folded stacks in '%s'", in->path);
		return -1;
	}
	if (st.ignored)
		util__warn("%s: ignored %llu lines with invalid format (first: line %llu)", in->path,
			   (unsigned long long)st.ignored,
			   (unsigned long long)st.first_ignored_line);
	in->n = folded__lines_count(in->fl);
	return 0;
}

static void stream_close_input(struct diff_input *in)
{
	folded__lines_free(in->fl);
	in->fl = NULL;
	if (in->buf)
		util__unmap_file(in->buf, in->len, in->mapped);
	in->buf = NULL;
}

/*
 * Sums the run of lines with the stack at in->i (they are adjacent: sorted by stack) into
 * *sum and moves past them. Returns 0 or -1 after a message when the sum overflows.
 */
static int take_stack(struct diff_input *in, const char **stack, size_t *len, uint64_t *sum)
{
	folded__lines_get(in->fl, in->i, &in->cur);
	*stack = in->cur.stack;
	*len = in->cur.len;
	*sum = in->cur.value;
	for (in->i++; in->i < in->n; in->i++) {
		struct folded_line_info li;
		folded__lines_get(in->fl, in->i, &li);
		if (li.len != *len || memcmp(li.stack, *stack, *len))
			break;
		if (__builtin_add_overflow(*sum, li.value, sum)) {
			util__error("%s:%llu: count does not fit in 64 bits", in->path,
				    (unsigned long long)folded__lines_lineno(in->fl, in->i));
			return -1;
		}
	}
	return 0;
}

static int stack_order(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Column totals, as the profile path computes them for --normalize (saturating). */
static uint64_t input_total(const struct diff_input *in)
{
	uint64_t t = 0;
	for (size_t i = 0; i < in->n; i++) {
		struct folded_line_info li;
		folded__lines_get(in->fl, i, &li);
		if (__builtin_add_overflow(t, li.value, &t))
			return UINT64_MAX;
	}
	return t;
}

/*
 * difffolded.pl's "stack BEFORE AFTER" lines by merging the two files' sorted lines: no
 * profile is built, memory stays near the inputs' size. Returns an exit status, or -1 when
 * an input is not plain folded text (the caller reads both as profiles then).
 */
static int diff_streamed(const char *before_path, const char *after_path, bool normalize,
			 const char *out_path)
{
	struct diff_input in[2] = {{.path = before_path}, {.path = after_path}};
	int status = 2;
	for (int k = 0; k < 2; k++) {
		int r = stream_open(&in[k]);
		if (r != 0) {
			status = r > 0 ? -1 : 2;
			goto out;
		}
	}
	uint64_t t1 = 0, t2 = 0;
	if (normalize) {
		t1 = input_total(&in[0]);
		t2 = input_total(&in[1]);
	}
	struct strbuf out = {0};
	const char *s[2] = {NULL, NULL};
	size_t l[2] = {0, 0};
	uint64_t v[2] = {0, 0};
	bool have[2] = {false, false};
	for (;;) {
		for (int k = 0; k < 2; k++) {
			if (!have[k] && in[k].i < in[k].n) {
				if (take_stack(&in[k], &s[k], &l[k], &v[k]) < 0) {
					strbuf__free(&out);
					goto out;
				}
				have[k] = true;
			}
		}
		if (!have[0] && !have[1])
			break;
		int c = !have[0] ? 1 : !have[1] ? -1 : stack_order(s[0], l[0], s[1], l[1]);
		uint64_t b = c <= 0 ? v[0] : 0, a = c >= 0 ? v[1] : 0;
		const char *st = c <= 0 ? s[0] : s[1];
		size_t sl = c <= 0 ? l[0] : l[1];
		if (c <= 0)
			have[0] = false;
		if (c >= 0)
			have[1] = false;
		if (normalize && b && t1 != t2 && t1) /* difffolded.pl: int(count * t2 / t1) */
			b = (uint64_t)((double)b * (double)t2 / (double)t1);
		if (!a && !b)
			continue;
		strbuf__add(&out, st, sl);
		strbuf__addc(&out, ' ');
		strbuf__addu(&out, b);
		strbuf__addc(&out, ' ');
		strbuf__addu(&out, a);
		strbuf__addc(&out, '\n');
	}
	int err = util__write_file(out_path, out.buf ? out.buf : "", out.len);
	if (err < 0)
		util__error("cannot write '%s': %s", out_path, strerror(-err));
	status = err < 0 ? 1 : 0;
	strbuf__free(&out);
out:
	stream_close_input(&in[0]);
	stream_close_input(&in[1]);
	return status;
}

int cmd_diff(int argc, char **argv)
{
	struct svg_opts o;
	svg_opts__init(&o);
	bool normalize = false, striphex = false, folded = false;
	const char *out_path = NULL;
	enum { OPT_FOLDED = 1000 };
	static const struct option extra[] = {
		{"normalize", no_argument, NULL, 'n'},
		{"strip-hex", no_argument, NULL, 's'},
		{"folded", no_argument, NULL, OPT_FOLDED},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
	};
	struct option *table = svg_options__table_with(extra, ARRAY_SIZE(extra));
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "nsho:", table, NULL)) != -1) {
		int r = svg_options__apply(c, optarg, &o);
		if (r < 0) {
			free(table);
			return 2;
		}
		if (r > 0)
			continue;
		switch (c) {
		case 'n': normalize = true; break;
		case 's': striphex = true; break;
		case OPT_FOLDED: folded = true; break;
		case 'o': out_path = optarg; break;
		case 'h':
			usage(stdout);
			free(table);
			return 0;
		default:
			fprintf(stderr, "Try 'scorch diff --help'.\n");
			free(table);
			return 2;
		}
	}
	free(table);
	if (argc - optind != 2) {
		util__error("want two folded files, BEFORE and AFTER (see 'scorch diff --help')");
		return 2;
	}
	/* folded output from folded files: merge the sorted lines, no profile needed */
	const struct sink *fs = out_path ? sink__for_path(out_path) : NULL;
	const char *e = getenv("SCORCH_STREAM");
	if (!striphex && (folded || (fs && !strcmp(fs->name, "folded"))) && !(e && !strcmp(e, "0"))) {
		int st = diff_join__run(argv[optind], argv[optind + 1], normalize,
					out_path ? out_path : "-");
		if (st >= 0)
			return st;
		st = diff_streamed(argv[optind], argv[optind + 1], normalize,
				       out_path ? out_path : "-");
		if (st >= 0)
			return st;
	}
	struct profile *p = profile__new();
	int before = profile__add_column(p, "before", COLUMN_SAMPLES);
	int after = 0;
	if (read_one(argv[optind], p, before, striphex) < 0 ||
	    read_one(argv[optind + 1], p, after, striphex) < 0) {
		profile__free(p);
		return 2;
	}
	if (normalize) {
		uint64_t t1 = profile__column_total(p, before), t2 = profile__column_total(p, after);
		if (t1 != t2 && t1) {
			struct profile *q = p;
			for (uint32_t node = 0; node < profile__nnodes(q); node++) {
				uint64_t v = profile__self(q, node, before);
				if (!v)
					continue;
				/* difffolded.pl: int(count * total2 / total1) in doubles */
				double scaled = (double)v * (double)t2 / (double)t1;
				uint64_t nv = (uint64_t)scaled;
				profile__set(q, node, before, nv);
			}
		}
	}
	struct sink_opts so;
	sink_opts__init(&so);
	so.col = after;
	so.before_col = before;
	so.svg = &o;
	/* --folded, or a folded file name: difffolded.pl's "stack BEFORE AFTER" lines */
	const struct sink *s = folded ? sink__by_name("folded") : NULL;
	int status = cli__write_graph(p, s, out_path ? out_path : "-", &so);
	profile__free(p);
	return status;
}
