// SPDX-License-Identifier: MIT
/* scorch flamegraph: folded stacks -> interactive SVG (flamegraph.pl compatible). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "svg_options.h"
#include "../source/read_formats.h"
#include "../util/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scorch flamegraph [options] [FILE...|-] [-o OUT.svg]\n"
		"\n"
		"Reads folded stacks (\"a;b;c 42\" per line, as written by `scorch collapse` or\n"
		"stackcollapse-*.pl) and writes an interactive SVG flame graph: hover for details,\n"
		"click to zoom, Ctrl-F to search (regular expressions; Ctrl-I toggles case).\n"
		"Lines with two counts (\"stack BEFORE AFTER\", from `scorch diff --folded`) draw a\n"
		"differential graph: red grew, blue shrank. Same options and output as\n"
		"flamegraph.pl; single-dash forms (-title) work too.\n"
		"\n"
		"Options:\n%s"
		"  -o, --output FILE  write to FILE (default stdout); .folded writes folded text\n"
		"  -h, --help         this help\n"
		"\n"
		"Examples:\n"
		"  scorch flamegraph app.folded > app.svg\n"
		"  scorch flamegraph --title \"malloc()\" --colors mem --width 1600 app.folded -o m.svg\n"
		"  scorch flamegraph --inverted --minwidth 0.5%% app.folded > icicle.svg\n"
		"  perf script | scorch collapse | scorch flamegraph > cpu.svg\n",
		svg_options__help);
}

/* Renders p to out_path (SVG, or folded by extension). Returns an exit status. */
int cli__write_graph(const struct profile *p, int col, int before_col, const char *out_path,
		     const struct svg_opts *o);

int cli__write_graph(const struct profile *p, int col, int before_col, const char *out_path,
		     const struct svg_opts *o)
{
	enum sink_format fmt = sink__format_for(out_path);
	if (!strcmp(out_path, "-"))
		fmt = SINK_SVG;
	if (fmt == SINK_UNKNOWN) {
		util__error("cannot tell the output format of '%s' (use .svg or .folded)", out_path);
		return 2;
	}
	if (fmt == SINK_FOLDED || fmt == SINK_INTERCHANGE)
		return sink__write(p, col, out_path, o) < 0 ? 1 : 0;
	struct strbuf out = {0};
	int err = svg__render(p, col, before_col, o, &out);
	if (err < 0) {
		strbuf__free(&out);
		return 2;
	}
	err = util__write_file(out_path, out.buf, out.len);
	strbuf__free(&out);
	if (err < 0) {
		util__error("cannot write '%s': %s", out_path, strerror(-err));
		return 1;
	}
	return 0;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct svg_opts o;
	svg_opts__init(&o);
	const char *out_path = "-";
	static const struct option extra[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
	};
	struct option *table = svg_options__table_with(extra, 2);
	int c;
	optind = 1;
	while ((c = getopt_long_only(argc, argv, "ho:", table, NULL)) != -1) {
		int r = svg_options__apply(c, optarg, &o);
		if (r < 0) {
			free(table);
			return 2;
		}
		if (r > 0)
			continue;
		if (c == 'o') {
			out_path = optarg;
		} else if (c == 'h') {
			usage(stdout);
			free(table);
			return 0;
		} else {
			fprintf(stderr, "Try 'scorch flamegraph --help'.\n");
			free(table);
			return 2;
		}
	}
	free(table);

	char *buf;
	size_t len;
	int mapped;
	if (cli__read_inputs(argc - optind, argv + optind, &buf, &len, &mapped) < 0)
		return 2;
	struct profile *p = profile__new();
	bool chain = !strcmp(o.colors, "chain");
	/* chain graphs: flamegraph.pl sorts the lines before it marks the waker frames, so the
	 * layout follows the original lines' order */
	struct folded_opts fo = {.reverse = o.reverse,
				 .chain = chain,
				 .keep_order = o.flamechart || chain,
				 .sort = chain && !o.flamechart};
	o.sequence = fo.keep_order;
	struct folded_stats st;
	int err = format__read(buf, len, p, 0, &fo, &st);
	util__unmap_file(buf, len, mapped);
	int status = 0;
	if (err == -EINVAL) { /* a broken pprof/JSON file: already said why */
		status = 2;
	} else if (err == -EOVERFLOW) {
		util__error("flamegraph: line %llu: count does not fit in 64 bits",
			    (unsigned long long)st.overflow_line);
		status = 2;
	} else if (st.valid == 0) {
		util__error("flamegraph: no valid folded stacks in the input (%llu lines; expected "
			    "\"frame;frame;... COUNT\")",
			    (unsigned long long)st.lines);
		status = 2;
	} else {
		if (st.ignored)
			util__warn("ignored %llu lines with invalid format (first: line %llu)",
				   (unsigned long long)st.ignored,
				   (unsigned long long)st.first_ignored_line);
		if (st.fractional)
			util__warn("%llu counts had a fractional part and were rounded",
				   (unsigned long long)st.fractional);
		status = cli__write_graph(p, 0, st.before_col, out_path, &o);
	}
	profile__free(p);
	return status;
}
