// SPDX-License-Identifier: MIT
/* scorch convert: any profile format in (sniffed by content) -> the format OUT's name says. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "../sink/formats.h"
#include "../sink/sink.h"
#include "../source/read_formats.h"
#include "../util/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scorch convert IN -o OUT [options]\n"
		"\n"
		"Converts a profile between formats. The input format is recognised from the\n"
		"content (folded stacks, pprof, speedscope, Chrome trace samples or d3 JSON,\n"
		"gzip-compressed or not); the output format from OUT's extension:\n"
		"  .folded .txt .collapsed   folded stacks (\"a;b;c 42\" lines)\n"
		"  .svg                      interactive flame graph\n"
		"  .pb.gz .pprof             pprof (go tool pprof, Pyroscope, Grafana)\n"
		"  .speedscope.json          speedscope (https://www.speedscope.app)\n"
		"  .trace.json               Chrome trace events (Perfetto, chrome://tracing)\n"
		"  .json                     d3-flame-graph {name, value, children}\n"
		"IN may be - for stdin; OUT - writes folded text unless --to says otherwise.\n"
		"\n"
		"Options:\n"
		"  -o, --output OUT   where to write (required)\n"
		"      --to FORMAT    output format regardless of OUT's name: folded, svg, pprof,\n"
		"                     speedscope, trace, json or html\n"
		"      --json-compact d3 JSON without whitespace (for big profiles)\n"
		"      --per-thread   speedscope: one profile per root frame (thread or process)\n"
		"  -h, --help         this help\n"
		"\n"
		"Examples:\n"
		"  scorch convert app.folded -o app.pb.gz && pprof -top app.pb.gz\n"
		"  scorch convert cpu.pb.gz -o cpu.speedscope.json\n"
		"  scorch convert app.folded -o app.trace.json      # open in ui.perfetto.dev\n"
		"  scorch convert app.speedscope.json -o app.folded\n"
		"  scorch record -a -d 5 -o - | scorch convert - --to pprof -o - > all.pb.gz\n");
}

/* CPU seconds of this process: the benchmark's measure on a shared machine. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_convert(int argc, char **argv)
{
	enum { OPT_TO = 1000, OPT_COMPACT, OPT_PER_THREAD, OPT_STATS };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"to", required_argument, NULL, OPT_TO},
		{"json-compact", no_argument, NULL, OPT_COMPACT},
		{"per-thread", no_argument, NULL, OPT_PER_THREAD},
		{"help", no_argument, NULL, 'h'},
		/* undocumented: read and write CPU seconds on stderr, for bench/formats.sh */
		{"stats", no_argument, NULL, OPT_STATS},
		{NULL, 0, NULL, 0},
	};
	const char *out_path = NULL, *to = NULL;
	struct format_opts fo = {0};
	bool stats = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case OPT_TO:
			to = optarg;
			break;
		case OPT_COMPACT:
			fo.json_compact = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_PER_THREAD:
			fo.per_root = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'scorch convert --help'.\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !out_path) {
		util__error("needs one input and -o OUT; see 'scorch convert --help'");
		return 2;
	}
	const char *in_path = argv[optind];
	/* the format: --to names a sink, else OUT's ending picks one ("-" is SVG here too) */
	const struct sink *sk = to ? sink__by_name(to)
			      : !strcmp(out_path, "-") ? sink__by_name("svg")
						       : sink__for_path(out_path);
	if (!sk) {
		struct strbuf known = {0};
		sink__list(&known);
		if (to)
			util__error("unknown format '%s' for --to (folded, svg, pprof, "
				    "speedscope, trace, json)", to);
		else
			util__error("cannot tell the output format of '%s' (use a name "
				    "ending in %s, or --to)", out_path, known.buf);
		strbuf__free(&known);
		return 2;
	}

	double t0 = cpu_now();
	char *buf;
	size_t len;
	int mapped;
	int err = util__map_file(in_path, &buf, &len, &mapped);
	if (err < 0) {
		util__error("cannot read '%s': %s", in_path, strerror(-err));
		return 2;
	}
	struct profile *p = profile__new();
	struct strbuf msg = {0};
	enum profile_format inf = FORMAT_FOLDED;
	err = format__load(buf, len, p, &inf, &msg);
	util__unmap_file(buf, len, mapped);
	int status = 0;
	double t1 = cpu_now();
	if (err == -EOVERFLOW) {
		util__warn("'%s': a value does not fit in 64 bits and was capped", in_path);
		err = 0;
	}
	if (err < 0) {
		util__error("'%s' (%s): %s", in_path, format__name(inf),
			    msg.buf ? msg.buf : strerror(-err));
		status = 2;
	} else {
		struct sink_opts so;
		sink_opts__init(&so);
		so.fmt = &fo;
		err = sink__write(p, out_path, sk, &so);
		status = err == -EINVAL ? 2 : err < 0 ? 1 : 0;
	}
	if (stats)
		fprintf(stderr, "convert: read %.3f s (%s), write %.3f s (cpu)\n", t1 - t0,
			format__name(inf), cpu_now() - t1);
	strbuf__free(&msg);
	profile__free(p);
	return status;
}
