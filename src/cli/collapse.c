// SPDX-License-Identifier: MIT
/* scorch collapse: perf script text -> folded stacks (stackcollapse-perf.pl compatible). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "svg_options.h"
#include "../sink/sink.h"
#include "../source/read_perf_script.h"
#include "../symbol/symbolizer.h"
#include "../util/util.h"

static const char collapse_usage[] =
	"usage: scorch collapse [options] [FILE...|-]\n"
	"\n"
	"Reads `perf script` output (FILE, several FILEs one after the other, or stdin) and\n"
	"prints folded stacks, one \"comm;frame;...;leaf COUNT\" line per distinct stack, sorted,\n"
	"exactly as stackcollapse-perf.pl does. COUNT is the sum of sample periods when perf\n"
	"printed them, else the number of samples.\n"
	"\n"
	"Options:\n"
	"  --pid                 root frame is comm-PID\n"
	"  --tid                 root frame is comm-PID/TID\n"
	"  --kernel              annotate kernel frames with _[k]\n"
	"  --jit                 annotate JIT frames (/tmp/perf-PID.map) with _[j]\n"
	"  --all                 --kernel and --jit\n"
	"  --addrs               show raw addresses of frames without a symbol: [lib.so <7f..>]\n"
	"  --event-filter EV     keep only samples of event EV (default: the first event seen)\n"
	"  --inline              expand inlined functions with DWARF (libdw) of the binaries\n"
	"  --context             with --inline, add :file:line to each expanded frame\n"
	"  --srcline             input is `perf script -F+srcline`: add file:line to frames\n"
	"  -o, --output FILE     write to FILE instead of stdout; the name's ending picks the\n"
	"                        format: %s\n"
	"  -h, --help            this help\n"
	"\n"
	"Examples:\n"
	"  perf record -F 99 -g -- ./app && perf script | scorch collapse > app.folded\n"
	"  scorch collapse --pid --all perf.txt -o app.svg\n"
	"  perf script -F+srcline | scorch collapse --srcline\n";

static void usage(FILE *f)
{
	struct strbuf formats = {0};
	sink__list(&formats);
	fprintf(f, collapse_usage, formats.buf);
	strbuf__free(&formats);
}

enum {
	OPT_PID = 256,
	OPT_TID,
	OPT_KERNEL,
	OPT_JIT,
	OPT_ALL,
	OPT_ADDRS,
	OPT_EVENT,
	OPT_INLINE,
	OPT_CONTEXT,
	OPT_SRCLINE,
};

static const struct option collapse_options[] = {
	{"pid", no_argument, NULL, OPT_PID},
	{"tid", no_argument, NULL, OPT_TID},
	{"kernel", no_argument, NULL, OPT_KERNEL},
	{"jit", no_argument, NULL, OPT_JIT},
	{"all", no_argument, NULL, OPT_ALL},
	{"addrs", no_argument, NULL, OPT_ADDRS},
	{"event-filter", required_argument, NULL, OPT_EVENT},
	{"inline", no_argument, NULL, OPT_INLINE},
	{"context", no_argument, NULL, OPT_CONTEXT},
	{"srcline", no_argument, NULL, OPT_SRCLINE},
	{"output", required_argument, NULL, 'o'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_collapse(int argc, char **argv)
{
	struct perf_script_opts o = {0};
	const char *out_path = "-";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", collapse_options, NULL)) != -1) {
		switch (c) {
		case OPT_PID: o.pid = true; break;
		case OPT_TID: o.tid = true; break;
		case OPT_KERNEL: o.kernel = true; break;
		case OPT_JIT: o.jit = true; break;
		case OPT_ALL: o.kernel = o.jit = true; break;
		case OPT_ADDRS: o.addrs = true; break;
		case OPT_EVENT: o.event_filter = optarg; break;
		case OPT_INLINE: o.inlines = true; break;
		case OPT_CONTEXT: o.context = true; break;
		case OPT_SRCLINE: o.srcline = true; break;
		case 'o': out_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			fprintf(stderr, "Try 'scorch collapse --help'.\n");
			return 2;
		}
	}
	const struct sink *sink = sink__for_path(out_path);
	if (!sink) {
		struct strbuf known = {0};
		sink__list(&known);
		util__error("cannot tell the format of '%s': use a file name ending in %s", out_path,
			    known.buf);
		strbuf__free(&known);
		return 2;
	}
	char *buf;
	size_t len;
	int mapped;
	if (cli__read_inputs(argc - optind, argv + optind, &buf, &len, &mapped) < 0)
		return 2;

	struct symbolizer *sym = NULL;
	if (o.inlines) {
		struct symbolizer_opts so = {.demangle = true, .inlines = true, .srcline = true};
		sym = symbolizer__new(&so);
		o.sym = sym;
	}
	struct profile *p = profile__new();
	struct perf_script_stats st;
	int err = perf_script__read(buf, len, p, 0, &o, &st);
	util__unmap_file(buf, len, mapped);
	if (sym)
		symbolizer__free(sym);
	int status = 0;
	if (err == -EOVERFLOW) {
		util__error("line %llu: sample period or sum does not fit in 64 bits",
			    (unsigned long long)st.overflow_line);
		status = 2;
	} else if (st.samples == 0) {
		util__error("no samples found in the input (%llu lines, %llu not "
			    "recognized); expected `perf script` output",
			    (unsigned long long)st.lines, (unsigned long long)st.unrecognized);
		status = 2;
	} else {
		/* stackcollapse-perf.pl's names: the reader keeps kinds and source lines apart,
		 * the writer marks them as the options ask ("->" inlined frames always) */
		struct sink_opts so;
		sink_opts__init(&so);
		so.annotate = SINK_ANNOTATE_INLINED | (o.kernel ? SINK_ANNOTATE_KERNEL : 0) |
			      (o.jit ? SINK_ANNOTATE_JIT : 0);
		so.srcline = o.srcline;
		err = sink__write(p, out_path, sink, &so);
		if (err < 0)
			status = err == -EINVAL ? 2 : 1;
	}
	profile__free(p);
	return status;
}
