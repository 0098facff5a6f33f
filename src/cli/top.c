// SPDX-License-Identifier: MIT
/* scorch top: option parsing and the glue between a live perf session and the terminal UI. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"
#include "commands.h"
#include "../export/push.h"
#include "../sink/sink.h"
#include "../source/probe.h"
#include "../source/sampler.h"
#include "../source/target.h"
#include "../symbol/symbolizer.h"
#include "../tui/tui.h"
#include "../util/util.h"

static const char top_usage[] =
	"usage: scorch top [-F HZ] (-p PID[,PID...] | -a | -- CMD [ARGS...]) [--refresh MS]\n"
	"                  [--backend perf|bpf|auto] [--call-graph MODE[,SIZE]] [-o FILE]\n"
	"\n"
	"Samples stacks live and shows them as a flame graph in the terminal, refreshed every\n"
	"--refresh milliseconds. Tab switches to the top-functions table, the per-thread CPU\n"
	"view and the per-thread timeline. Needs root (or CAP_PERFMON), or\n"
	"kernel.perf_event_paranoid <= 1 for your own processes (<= 0 for -a).\n"
	"\n"
	"Targets (exactly one):\n"
	"  -p, --pid PID[,PID...]  sample running processes\n"
	"  -a, --all-cpus          sample the whole system\n"
	"  -- CMD [ARGS...]        start CMD and sample it; its output is shown after exit\n"
	"\n"
	"Options:\n"
	"  -F, --freq HZ           sampling frequency (default 99)\n"
	"  -o, --output FILE       at exit, save everything recorded to FILE; the ending picks\n"
	"                          the format, as in 'scorch record -o'\n"
	"      --refresh MS        screen refresh interval in ms (default 1000, minimum 50)\n"
	"      --backend B         perf, bpf or auto (default: perf_event, because the\n"
	"                          timeline views need per-sample times)\n"
	"      --off-cpu           time blocked per stack (us), live, instead of on-CPU\n"
	"                          samples (eBPF on sched_switch; root and kernel BTF)\n"
	"      --on-off            on-CPU and off-CPU time in ns in one graph (wall clock)\n"
	"  -e, --event EV          a stack at every tracepoint:CAT:NAME or uprobe:BIN:SYM\n"
	"                          event instead of the clock (as in 'scorch record --help')\n"
	"      --call-graph MODE   fp, dwarf[,SIZE], fp+leaf or auto (default), as in\n"
	"                          'scorch record --help'\n"
	"      --push URL          also send to Pyroscope at URL/ingest, with --app, --labels,\n"
	"                          --every, --push-header, ... as in 'scorch record --help'\n"
	"  -h, --help              show this help\n"
	"\n"
	"Live keys: m cycles the update mode (reset: each refresh shows the last interval;\n"
	"accumulate: everything since start; decay: older samples fade by half per refresh),\n"
	"z freezes the display, a shows everything recorded (as does the end of the target),\n"
	"w writes what is shown to a file, ? lists every key, q or Ctrl-C quits.\n"
	"\n"
	"Examples:\n"
	"  scorch top -a                          live view of the whole system\n"
	"  scorch top -p 1234,1240 -F 499         two processes at 499 Hz\n"
	"  scorch top --refresh 500 -- ./bench    start ./bench and watch it\n"
	"  scorch top -o run.folded -- ./bench    watch it, and keep the whole run\n"
	"  scorch top -a -e tracepoint:sched:sched_switch   who switches out, live\n"
	"  scorch top --off-cpu -p 1234           where pid 1234 waits, live\n"
	"  scorch top -a --push http://pyroscope:4040 --every 10   watch, and feed Pyroscope\n";

enum { OPT_REFRESH = 256, OPT_OFFCPU, OPT_ONOFF, OPT_BACKEND, OPT_CALL_GRAPH, OPT_PUSH };

static const struct option top_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"freq", required_argument, NULL, 'F'},
	{"event", required_argument, NULL, 'e'},
	{"pid", required_argument, NULL, 'p'},
	{"all-cpus", no_argument, NULL, 'a'},
	{"refresh", required_argument, NULL, OPT_REFRESH},
	{"off-cpu", no_argument, NULL, OPT_OFFCPU},
	{"on-off", no_argument, NULL, OPT_ONOFF},
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"call-graph", required_argument, NULL, OPT_CALL_GRAPH},
	{"output", required_argument, NULL, 'o'},
	{"push", required_argument, NULL, OPT_PUSH},
	{"app", required_argument, NULL, OPT_PUSH},
	{"labels", required_argument, NULL, OPT_PUSH},
	{"every", required_argument, NULL, OPT_PUSH},
	{"push-header", required_argument, NULL, OPT_PUSH},
	{"push-format", required_argument, NULL, OPT_PUSH},
	{"push-queue", required_argument, NULL, OPT_PUSH},
	{"push-queue-max", required_argument, NULL, OPT_PUSH},
	{"push-timeout", required_argument, NULL, OPT_PUSH},
	{NULL, 0, NULL, 0},
};

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || *s == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

/* The live source over a sampler: what src/model/live.c polls from its thread. */
struct top_source {
	struct sampler *s;
	unsigned freq;
};

/* --push: the agent, fed from the live thread's profile (which only grows) */
static struct push_agent *top_push;
static struct profile *top_rec;

static int top_poll(void *ctx, struct profile *p, int timeout_ms)
{
	struct top_source *ts = ctx;
	int ret = sampler__poll(ts->s, timeout_ms);
	int dr = sampler__drain(ts->s, p);
	push_agent__tick(top_push, p);
	top_rec = p;
	return ret < 0 && ret != -EINTR ? ret : dr;
}

static void top_stats(void *ctx, struct live_stats *st)
{
	struct top_source *ts = ctx;
	struct sampler_stats rs;
	sampler__stats(ts->s, &rs);
	st->backend = rs.backend;
	st->event = rs.event;
	st->note = rs.note;
	st->freq = ts->freq;
	st->samples = rs.samples;
	st->lost = rs.lost;
	st->elapsed_ns = rs.elapsed_ns;
	st->ended = rs.targets_exited;
}

/*
 * Runs the terminal UI over a live profile fed by s: sampling happens on the live thread,
 * the UI thread only reads snapshots. Returns tui__run's result or a negative errno.
 */
static int top_run_ui(struct sampler *s, unsigned freq, unsigned refresh_ms,
		      const char *title, const char *out)
{
	struct top_source ts = {s, freq};
	struct live_source src = {&ts, top_poll, top_stats};
	struct live_opts lo = {.interval_ms = refresh_ms};
	struct live *l = live__new(&src, &lo);
	int rc = live__start(l);
	if (rc < 0) {
		util__error("cannot start the sampling thread: %s", strerror(-rc));
		live__free(l);
		return rc;
	}
	struct tui_opts to = {.title = title, .live = l};
	rc = tui__run(&to);
	if (top_push) { /* the rest of the run, before the live profile goes */
		live__finish(l);
		push_agent__finish(top_push, top_rec);
	}
	if (out) {
		/* the last samples too: the saved run is everything the source gave */
		live__finish(l);
		struct live_snap *snap = live__snapshot(l);
		const struct profile *run = snap ? live_snap__run(snap, NULL) : NULL;
		int wr = run ? sink__write(run, out, NULL, NULL) : -ENODATA;
		if (!run)
			util__error("top: no samples to save to '%s'", out);
		live_snap__put(snap);
		if (wr < 0 && rc >= 0)
			rc = -EIO;
	}
	live__free(l); /* stops the thread before the session closes */
	return rc;
}

/* The started command must not draw over the UI nor read its keys. */
struct saved_fds {
	int fd[3];
	FILE *out;
};

static int redirect_child_io(struct saved_fds *sv)
{
	sv->out = tmpfile();
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!sv->out || null < 0) {
		int err = -errno;
		if (sv->out)
			fclose(sv->out);
		if (null >= 0)
			close(null);
		sv->out = NULL;
		return err;
	}
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 3; i++)
		sv->fd[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
	dup2(null, 0);
	dup2(fileno(sv->out), 1);
	dup2(fileno(sv->out), 2);
	close(null);
	return 0;
}

static void restore_io(struct saved_fds *sv)
{
	for (int i = 0; i < 3; i++)
		if (sv->fd[i] >= 0) {
			dup2(sv->fd[i], i);
			close(sv->fd[i]);
			sv->fd[i] = -1;
		}
}

static void show_child_output(struct saved_fds *sv)
{
	if (!sv->out)
		return;
	long size = ftell(sv->out);
	fseek(sv->out, 0, SEEK_END);
	size = ftell(sv->out);
	if (size > 0) {
		long from = size > 65536 ? size - 65536 : 0;
		fseek(sv->out, from, SEEK_SET);
		char buf[4096];
		size_t n;
		fprintf(stderr, "scorch: output of the command%s:\n", from ? " (last 64 KiB)" : "");
		while ((n = fread(buf, 1, sizeof(buf), sv->out)) > 0)
			fwrite(buf, 1, n, stderr);
	}
	fclose(sv->out);
	sv->out = NULL;
}

int cmd_top(int argc, char **argv)
{
	struct sampler_opts o;
	memset(&o, 0, sizeof(o));
	o.scope = SCOPE_PIDS;
	o.freq = 99;
	o.timeline = true;
	o.demangle = true;
	unsigned long refresh = 1000, v;
	int ntargets, c;
	bool all = false;
	const char *out = NULL;
	char *events[16];
	struct push_opts po = {0};
	char perr[256];
	int li = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hF:p:ao:e:", top_options, &li)) != -1) {
		switch (c) {
		case 'h':
			fputs(top_usage, stdout);
			free(o.pids);
			return 0;
		case 'F':
			if (parse_uint(optarg, 1, 100000, &v) < 0) {
				util__error("-F wants a frequency in Hz between 1 and 100000");
				goto usage;
			}
			o.freq = (unsigned)v;
			break;
		case 'p':
			if (cli__parse_pids("top", optarg, &o.pids, &o.npids) < 0)
				goto usage;
			break;
		case 'a':
			all = true;
			break;
		case 'e':
			if (o.nevents == (int)(sizeof(events) / sizeof(events[0]))) {
				util__error("too many -e options (at most 16)");
				goto usage;
			}
			if (!probe__is_timer(optarg)) {
				events[o.nevents++] = optarg;
				o.events = events;
			}
			break;
		case 'o':
			if (!sink__for_path(optarg) || !strcmp(optarg, "-")) {
				struct strbuf sb = {0};
				sink__list(&sb);
				util__error("top: -o wants a file name ending in one of %s",
					    sb.buf ? sb.buf : "");
				strbuf__free(&sb);
				goto usage;
			}
			out = optarg;
			break;
		case OPT_REFRESH:
			if (parse_uint(optarg, 50, 3600000, &v) < 0) {
				util__error("--refresh wants milliseconds, at least 50");
				goto usage;
			}
			refresh = v;
			break;
		case OPT_BACKEND:
			if (cli__parse_backend("top", optarg, &o.backend) < 0)
				goto usage;
			break;
		case OPT_CALL_GRAPH:
			if (cli__parse_call_graph("top", optarg, &o) < 0)
				goto usage;
			break;
		case OPT_OFFCPU: /* the timeline views show thread states */
			o.off_cpu = true;
			break;
		case OPT_ONOFF:
			o.off_cpu = o.on_off = true;
			break;
		case OPT_PUSH:
			if (push_opts__parse(&po, top_options[li].name, optarg, perr, sizeof(perr)) < 0) {
				util__error("%s", perr);
				goto usage;
			}
			break;
		default:
			goto usage;
		}
	}
	if (push_opts__check(&po, perr, sizeof(perr)) < 0) {
		util__error("%s", perr);
		goto usage;
	}
	po.kind = o.on_off ? PUSH_WALL : o.off_cpu ? PUSH_OFFCPU : PUSH_CPU;
	/* -p may repeat; it still counts as one target */
	ntargets = (o.npids > 0) + all + (optind < argc);
	if (optind < argc) {
		o.scope = SCOPE_COMMAND;
		o.argv = argv + optind;
	} else if (all) {
		o.scope = SCOPE_ALL;
	}
	if (ntargets != 1) {
		util__error("give exactly one target: -p PID, -a or -- CMD");
		goto usage;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		util__error("the live view needs a terminal on stdin and stdout "
			    "(to save a profile instead, use 'scorch record')");
		free(o.pids);
		return 1;
	}

	struct symbolizer_opts so = {.demangle = o.demangle, .inlines = o.inlines,
				     .srcline = o.srcline};
	struct symbolizer *sym = symbolizer__new(&so);
	if (!sym) {
		util__error("out of memory creating the symbolizer");
		free(o.pids);
		return 1;
	}
	char err[256] = "";
	if (po.url && !(top_push = push_agent__new(&po, err, sizeof(err)))) {
		util__error("%s", err);
		symbolizer__free(sym);
		free(o.pids);
		return 1;
	}
	struct saved_fds sv = {{-1, -1, -1}, NULL};
	if (o.scope == SCOPE_COMMAND && redirect_child_io(&sv) < 0)
		util__warn("cannot redirect the command's output; it may draw over the screen");
	struct sampler *s = sampler__open(&o, sym, err, sizeof(err));
	int open_errno = errno;
	restore_io(&sv);
	if (!s) {
		util__error("%s", err[0] ? err : strerror(open_errno));
		push_agent__free(top_push);
		top_push = NULL;
		show_child_output(&sv);
		symbolizer__free(sym);
		free(o.pids);
		return o.scope == SCOPE_COMMAND ? target__start_exit_code(open_errno) : 1;
	}

	char title[256];
	int rc;
	if (o.scope == SCOPE_COMMAND)
		snprintf(title, sizeof(title), "top -- %s", o.argv[0]);
	else if (o.scope == SCOPE_ALL)
		snprintf(title, sizeof(title), "top -a (all CPUs)");
	else
		snprintf(title, sizeof(title), "top -p %d%s", (int)o.pids[0], o.npids > 1 ? ",..." : "");
	rc = top_run_ui(s, o.freq, (unsigned)refresh, title, out);
	push_agent__free(top_push);
	top_push = NULL;
	sampler__close(s);
	symbolizer__free(sym);
	show_child_output(&sv);
	free(o.pids);
	return rc < 0 ? 1 : rc;

usage:
	fprintf(stderr, "Try 'scorch top --help'.\n");
	free(o.pids);
	return 2;
}
