// SPDX-License-Identifier: MIT
/* scorch diff: two folded profiles -> differential flame graph (difffolded.pl semantics). */
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
	struct strbuf formats = {0};
	sink__list(&formats);
	fprintf(f,
		"usage: scorch diff [-n] [-s] BEFORE AFTER [-o OUT.svg | --folded] [svg options]\n"
		"\n"
		"Compares two folded profiles. Frames are as wide as in AFTER and coloured by the\n"
		"change of their own samples: red grew, blue shrank, white unchanged (difffolded.pl\n"
		"piped into flamegraph.pl). --folded prints \"stack BEFORE_COUNT AFTER_COUNT\" lines\n"
		"instead, as difffolded.pl does.\n"
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
