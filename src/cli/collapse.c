// SPDX-License-Identifier: MIT
/* scorch collapse: perf script text -> folded stacks (stackcollapse-perf.pl compatible). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "svg_options.h"
#include "../sink/sink.h"
#include "../source/read_perf_script.h"
#include "../symbol/symbolizer.h"
#include "../util/bigmem.h"
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

/* Bytes read at a time: the buffer stays in the CPU's cache, and its pages mapped. */
#define READ_CHUNK ((size_t)256 << 10)

/*
 * Feeds the inputs (files one after the other, as if concatenated, or stdin when there is
 * none) to the reader a piece at a time. Returns 0, or -1 after printing why.
 */
static int read_streamed(int n, char **files, struct perf_script_stream *s)
{
	size_t cap = (size_t)2 << 20, have = 0;
	char *buf = bigmem__alloc(cap);
	int status = 0;
	for (int i = 0; i < (n ? n : 1) && !status; i++) {
		const char *name = n ? files[i] : "-";
		bool in = strcmp(name, "-") == 0;
		int fd = in ? 0 : open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			status = -errno;
		} else {
			posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			for (;;) {
				if (cap - have < READ_CHUNK) { /* a line longer than the buffer */
					buf = bigmem__realloc(buf, cap, cap * 2);
					cap *= 2;
				}
				ssize_t r = read(fd, buf + have, READ_CHUNK);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					status = r < 0 ? -errno : 0;
					break;
				}
				have += (size_t)r;
				size_t used = perf_script__feed(s, buf, have, false);
				memmove(buf, buf + used, have - used);
				have -= used;
			}
			if (!in)
				close(fd);
		}
		if (status < 0) {
			if (in)
				util__error("cannot read stdin: %s", strerror(-status));
			else
				util__error("cannot read '%s': %s", name, strerror(-status));
		}
	}
	if (!status)
		perf_script__feed(s, buf, have, true);
	bigmem__free(buf, cap);
	return status < 0 ? -1 : 0;
}

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
	struct symbolizer *sym = NULL;
	if (o.inlines) {
		struct symbolizer_opts so = {.demangle = true, .inlines = true, .srcline = true};
		sym = symbolizer__new(&so);
		o.sym = sym;
	}
	struct profile *p = profile__new();
	struct perf_script_stats st;
	int err;
	if (o.srcline) { /* a source line after each frame line: the reader wants it whole */
		char *buf;
		size_t len;
		int mapped;
		if (cli__read_inputs(argc - optind, argv + optind, &buf, &len, &mapped) < 0) {
			profile__free(p);
			symbolizer__free(sym);
			return 2;
		}
		err = perf_script__read(buf, len, p, 0, &o, &st);
		util__unmap_file(buf, len, mapped);
	} else {
		struct perf_script_stream *s = perf_script__begin(p, 0, &o, &st);
		int rd = read_streamed(argc - optind, argv + optind, s);
		err = perf_script__end(s);
		if (rd < 0) {
			profile__free(p);
			symbolizer__free(sym);
			return 2;
		}
	}
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
