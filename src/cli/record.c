// SPDX-License-Identifier: MIT
/* scorch record: sample stacks of a command, pids, CPUs or the whole system into files. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_common.h"
#include "commands.h"
#include "../export/push.h"
#include "../model/profile.h"
#include "../sink/sink.h"
#include "../sink/write_svg.h"
#include "../source/probe.h"
#include "../source/sampler.h"
#include "../source/stack.h"
#include "../source/target.h"
#include "../symbol/symbolizer.h"
#include "../util/util.h"

#define MAX_OUTPUTS 16
/*
 * An agent (--every) drains once a second: the kernel counts stacks in between, and a drain
 * costs system calls per distinct stack whatever the rate, so fewer drains fold more
 * samples into each stack (a tenth of the agent's CPU time at 99 Hz system-wide).
 */
#define AGENT_POLL_MS 1000

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scorch record [options] (-p PID[,PID...] | -a | -C CPUS | [--] CMD [ARGS...])\n"
		"\n"
		"Samples call stacks with perf_event_open and writes flame graphs or folded stacks.\n"
		"Frame names match 'perf script | stackcollapse-perf.pl' for the same binaries.\n"
		"\n"
		"What to sample (choose one):\n"
		"  -p PID[,PID...]    existing processes, all their threads and children\n"
		"  -a, --all-cpus     every process on every online CPU\n"
		"  -C, --cpu CPUS     every process on these CPUs: 0, 0,2 or 0-3\n"
		"  [--] CMD [ARGS]    start CMD and sample it from its first instruction;\n"
		"                     scorch exits with CMD's exit status\n"
		"\n"
		"Options:\n"
		"  -F, --freq HZ      sampling frequency (default 99)\n"
		"  -d, --duration S   stop after S seconds (fractions allowed); otherwise stop when\n"
		"                     the targets exit, or at Ctrl-C (the output is still written).\n"
		"                     A command still running at the deadline goes on unless --kill\n"
		"      --kill         with -d and a command: end the command at the deadline too\n"
		"  -o, --output FILE  write FILE; the extension picks the format: .svg (flame\n"
		"                     graph), .folded or .txt (folded stacks), - (folded to stdout),\n"
		"                     .pb.gz (pprof), .speedscope.json, .trace.json (Perfetto),\n"
		"                     .json (d3), .html (interactive viewer with a per-second\n"
		"                     heatmap). Repeat for several files. Default: scorch.svg\n"
		"      --kernel-only  kernel stacks only (samples taken in the kernel)\n"
		"      --user-only    user stacks only (time in the kernel is charged to the user\n"
		"                     frame that entered it)\n"
		"      --pid          root frame is comm-PID instead of comm\n"
		"      --tid          root frame is comm-PID/TID\n"
		"      --group-by-cpu a '[cpu N]' frame under the root frame\n"
		"      --skip-idle    drop samples of the idle task (pid 0, 'swapper')\n"
		"      --inline       show functions inlined into the sampled ones (DWARF)\n"
		"      --srcline      one frame per source line: names become func:file.c:LINE\n"
		"      --no-demangle  show C++/Rust symbols as mangled in the binary\n"
		"  -e, --event EV     take a stack at every occurrence of EV instead of sampling the\n"
		"                     clock (repeatable; counts are events, exact): \n"
		"                       tracepoint:CATEGORY:NAME   e.g. tracepoint:sched:sched_switch\n"
		"                       uprobe:BINARY:SYMBOL       entry of a function (SYMBOL a glob;\n"
		"                                                  BINARY a path or a name in PATH)\n"
		"                       uprobe:BINARY:ret:SYMBOL   its return (also uretprobe:BIN:SYM)\n"
		"                     kprobes are refused where the kernel lacks them (as here: no\n"
		"                     CONFIG_KPROBES); cpu-clock means the default timer. With\n"
		"                     --backend bpf a program on the event counts stacks in the\n"
		"                     kernel (no event reaches user space; frame pointers only)\n"
		"      --backend B    perf, bpf or auto (default): auto takes bpf (stacks counted in\n"
		"                     the kernel) for -p, -a and -C when root with kernel BTF, and\n"
		"                     perf_event for a command (exact names around its exec)\n"
		"Off-CPU time (eBPF on sched_switch; needs root and kernel BTF):\n"
		"      --off-cpu      time threads spend blocked (sleeping, waiting for I/O, locks),\n"
		"                     per stack, in microseconds, as bcc's offcputime -f; the SVG\n"
		"                     uses the io palette and counts \"us\"\n"
		"      --off-wake     with the waker's stack joined above a '--' frame, as\n"
		"                     offwaketime does (waker frames on top; implies --off-cpu)\n"
		"      --on-off       wall clock: on-CPU samples (1e9/freq ns each) and off-CPU time\n"
		"                     in ns in one graph; off-CPU stacks end in a blue [blocked] or\n"
		"                     [runnable] frame (runnable: preempted or waiting for a CPU)\n"
		"      --min-block US skip off-CPU intervals shorter than US microseconds\n"
		"      --max-block US skip off-CPU intervals longer than US microseconds\n"
		"      --state S,D    task states that count as blocked: S (interruptible sleep),\n"
		"                     D (uninterruptible); default S,D\n"
		"                     A sleep already under way at the start is not counted (no start\n"
		"                     time is known); one still open at the end is cut there.\n"
		"      --kstack-every N\n"
		"                     a thread that sleeps again (S) with the same user stack, in\n"
		"                     the same system call, keeps its last kernel stack, walked\n"
		"                     anew at least every N blocks (default 8; 1: at every block,\n"
		"                     as bcc's offcputime does); the kernel's walk is most of the\n"
		"                     cost. Disk waits (D) are always walked\n"
		"      --call-graph MODE[,SIZE]\n"
		"                     how user stacks are walked: fp (frame pointers), dwarf (CFI\n"
		"                     unwinding of a SIZE-byte stack copy, default 16384, at most\n"
		"                     65528; nothing per sample goes to disk), fp+leaf (frame pointers,\n"
		"                     first frames repaired from CFI), auto (the default: dwarf for\n"
		"                     processes whose main binary lacks frame pointers, else fp).\n"
		"                     Off-CPU stacks are walked in BPF: by CFI for dwarf and auto,\n"
		"                     by frame pointers for fp and fp+leaf\n"
		"  -g                 accepted as perf does; the call graph is --call-graph's\n"
		"  -q, --quiet        no progress and no summary on stderr\n"
		"  -v, --verbose      also say which event was chosen and why\n"
		"  -h, --help         this help\n"
		"\n"
		"Examples:\n"
		"  scorch record -F 999 -o out.svg -- ./myprog arg     profile a command\n"
		"  scorch record -p 1234 -d 10 -o app.folded           a running process for 10 s\n"
		"  scorch record -a --skip-idle -d 5 -o sys.svg -o sys.folded   the whole system\n"
		"  scorch record --tid -o threads.svg -- make -j2      one root frame per thread\n"
		"  scorch record --off-cpu -o off.svg -- ./server      where ./server waits\n"
		"  scorch record --off-wake -p 1234 -d 5 -o wake.folded   who wakes its threads\n"
		"  scorch record --on-off -o wall.svg -- ./myprog      on-CPU and blocked time together\n"
		"  scorch record -e tracepoint:syscalls:sys_enter_write -a -d 5 -o writes.svg\n"
		"  scorch record -e 'uprobe:/usr/bin/sqlite3:sqlite3_prepare*' -p 1234 -d 10\n"
		"  scorch record -a --push http://pyroscope:4040 --app web --labels env=prod --every 10\n"
		"                     an agent: each 10 s of the whole system to Pyroscope, until stopped\n"
		"\n"
		"Needs root (or CAP_PERFMON), or kernel.perf_event_paranoid <= 1 for your own\n"
		"processes (<= 0 for -a and -C); the bpf backend needs root (CAP_BPF+CAP_PERFMON).\n"
		" Without a hardware PMU (VMs) scorch samples the cpu-clock software event.\n");
	fprintf(f, "\n%s", push_opts__help);
}

static int bad_usage(const char *fmt, const char *arg)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, arg);
	util__error("%s; see 'scorch record --help'", msg);
	return 2;
}

/* A whole decimal number > 0 that fits, or -1. */
static long parse_positive(const char *s, long max)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > max)
		return -1;
	return v;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* "0", "0,2", "0-3,6": a sorted list of unique CPU numbers, or -1. */
static int parse_cpus(const char *arg, struct sampler_opts *o)
{
	char *copy = xstrdup(arg), *save = NULL;
	int n = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		long a = !strcmp(tok, "0") ? 0 : parse_positive(tok, 1 << 16);
		long b = dash ? (!strcmp(dash + 1, "0") ? 0 : parse_positive(dash + 1, 1 << 16)) : a;
		if (a < 0 || b < 0 || b < a) {
			free(copy);
			return -1;
		}
		for (long c = a; c <= b; c++) {
			o->cpu_list = xrealloc(o->cpu_list, sizeof(*o->cpu_list) * (size_t)(n + 1));
			o->cpu_list[n++] = (int)c;
		}
	}
	free(copy);
	if (!n)
		return -1;
	qsort(o->cpu_list, (size_t)n, sizeof(*o->cpu_list), cmp_int);
	int u = 0;
	for (int i = 0; i < n; i++)
		if (!u || o->cpu_list[u - 1] != o->cpu_list[i])
			o->cpu_list[u++] = o->cpu_list[i];
	o->ncpu_list = u;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

enum {
	OPT_KERNEL_ONLY = 256,
	OPT_USER_ONLY,
	OPT_ROOT_PID,
	OPT_ROOT_TID,
	OPT_GROUP_CPU,
	OPT_SKIP_IDLE,
	OPT_INLINE,
	OPT_SRCLINE,
	OPT_NO_DEMANGLE,
	OPT_BACKEND,
	OPT_CALL_GRAPH,
	OPT_OFF_CPU,
	OPT_OFF_WAKE,
	OPT_ON_OFF,
	OPT_MIN_BLOCK,
	OPT_MAX_BLOCK,
	OPT_STATE,
	OPT_KSTACK_EVERY,
	OPT_KILL,
	OPT_PUSH, /* every push option: push_opts__parse reads them by name */
};

static const struct option longopts[] = {
	{"freq", required_argument, NULL, 'F'},
	{"event", required_argument, NULL, 'e'},
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"call-graph", required_argument, NULL, OPT_CALL_GRAPH},
	{"kill", no_argument, NULL, OPT_KILL},
	{"duration", required_argument, NULL, 'd'},
	{"all-cpus", no_argument, NULL, 'a'},
	{"cpu", required_argument, NULL, 'C'},
	{"output", required_argument, NULL, 'o'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"kernel-only", no_argument, NULL, OPT_KERNEL_ONLY},
	{"user-only", no_argument, NULL, OPT_USER_ONLY},
	{"pid", no_argument, NULL, OPT_ROOT_PID},
	{"tid", no_argument, NULL, OPT_ROOT_TID},
	{"group-by-cpu", no_argument, NULL, OPT_GROUP_CPU},
	{"skip-idle", no_argument, NULL, OPT_SKIP_IDLE},
	{"inline", no_argument, NULL, OPT_INLINE},
	{"srcline", no_argument, NULL, OPT_SRCLINE},
	{"no-demangle", no_argument, NULL, OPT_NO_DEMANGLE},
	{"off-cpu", no_argument, NULL, OPT_OFF_CPU},
	{"off-wake", no_argument, NULL, OPT_OFF_WAKE},
	{"on-off", no_argument, NULL, OPT_ON_OFF},
	{"min-block", required_argument, NULL, OPT_MIN_BLOCK},
	{"max-block", required_argument, NULL, OPT_MAX_BLOCK},
	{"state", required_argument, NULL, OPT_STATE},
	{"kstack-every", required_argument, NULL, OPT_KSTACK_EVERY},
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

struct cli {
	struct sampler_opts o;
	double duration;
	const char *outputs[MAX_OUTPUTS];
	int noutputs;
	char *events[MAX_OUTPUTS]; /* -e */
	bool quiet, verbose;
	bool kill; /* --kill: -d ends the command too */
	int ntargets; /* how many of -p, -a, -C, CMD were given */
	struct push_opts push;
	struct push_agent *agent; /* --push */
};

/* "S", "D", "S,D": task states that count as blocked; 0 on a bad list. */
static unsigned parse_states(const char *arg)
{
	unsigned mask = 0;
	for (const char *p = arg; *p; p++) {
		if ((p != arg && *p == ',') || *p == ' ')
			continue;
		if (*p == 'S' || *p == 's')
			mask |= SAMPLER_STATE_S;
		else if (*p == 'D' || *p == 'd')
			mask |= SAMPLER_STATE_D;
		else
			return 0;
	}
	return mask;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct cli *c)
{
	struct sampler_opts *o = &c->o;
	o->freq = 99;
	o->demangle = true;
	o->stacks = STACKS_BOTH;
	o->root = ROOT_COMM;
	int opt, li = -1;
	bool seen_p = false, seen_a = false, seen_c = false;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+:F:d:p:aC:o:e:qvgh", longopts, &li)) != -1) {
		long v;
		switch (opt) {
		case 'F':
			v = parse_positive(optarg, 10000000);
			if (v < 0)
				return bad_usage("invalid frequency '%s': expected a whole number of Hz > 0",
						 optarg);
			o->freq = (unsigned)v;
			break;
		case 'd': {
			char *end;
			errno = 0;
			c->duration = strtod(optarg, &end);
			if (errno || *end || !(c->duration > 0) || c->duration > 1e7)
				return bad_usage("invalid duration '%s': expected seconds > 0", optarg);
			break;
		}
		case 'p':
			if (cli__parse_pids("record", optarg, &o->pids, &o->npids) < 0)
				return 2;
			seen_p = true;
			break;
		case 'a':
			seen_a = true;
			break;
		case 'C':
			if (parse_cpus(optarg, o) < 0)
				return bad_usage("invalid CPU list '%s': expected e.g. 0, 0,2 or 0-3",
						 optarg);
			seen_c = true;
			break;
		case 'o':
			if (c->noutputs == MAX_OUTPUTS)
				return bad_usage("too many -o options (at most %s)", "16");
			if (!sink__for_path(optarg))
				return bad_usage("cannot tell the format of '%s': use a .svg, .folded or "
						 ".txt file name",
						 optarg);
			c->outputs[c->noutputs++] = optarg;
			break;
		case 'e':
			if (o->nevents == MAX_OUTPUTS)
				return bad_usage("too many -e options (at most %s)", "16");
			if (!probe__is_timer(optarg)) {
				c->events[o->nevents++] = optarg;
				o->events = c->events;
			}
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'g':
			break; /* perf's habit; --call-graph picks the walk */
		case 'h':
			usage(stdout);
			return 0;
		case OPT_KERNEL_ONLY:
			if (o->stacks == STACKS_USER_ONLY)
				return bad_usage("%s", "--kernel-only and --user-only exclude each other");
			o->stacks = STACKS_KERNEL_ONLY;
			break;
		case OPT_USER_ONLY:
			if (o->stacks == STACKS_KERNEL_ONLY)
				return bad_usage("%s", "--kernel-only and --user-only exclude each other");
			o->stacks = STACKS_USER_ONLY;
			break;
		case OPT_ROOT_PID:
			if (o->root == ROOT_COMM)
				o->root = ROOT_PID;
			break;
		case OPT_ROOT_TID:
			o->root = ROOT_TID;
			break;
		case OPT_GROUP_CPU:
			o->group_by_cpu = true;
			break;
		case OPT_KILL:
			c->kill = true;
			break;
		case OPT_BACKEND:
			if (cli__parse_backend("record", optarg, &o->backend) < 0)
				return 2;
			break;
		case OPT_CALL_GRAPH:
			if (cli__parse_call_graph("record", optarg, o) < 0)
				return 2;
			break;
		case OPT_SKIP_IDLE:
			o->skip_idle = true;
			break;
		case OPT_INLINE:
			o->inlines = true;
			break;
		case OPT_SRCLINE:
			o->srcline = true;
			break;
		case OPT_NO_DEMANGLE:
			o->demangle = false;
			break;
		case OPT_OFF_WAKE:
			o->off_wake = true;
			o->off_cpu = true;
			break;
		case OPT_ON_OFF:
			o->on_off = true;
			o->off_cpu = true;
			break;
		case OPT_OFF_CPU:
			o->off_cpu = true;
			break;
		case OPT_MIN_BLOCK:
		case OPT_MAX_BLOCK:
			v = parse_positive(optarg, 1000000000000L);
			if (v < 0)
				return bad_usage("invalid block time '%s': expected whole microseconds > 0",
						 optarg);
			*(opt == OPT_MIN_BLOCK ? &o->min_block_ns : &o->max_block_ns) =
			    (uint64_t)v * 1000;
			break;
		case OPT_STATE:
			o->state_mask = parse_states(optarg);
			if (!o->state_mask)
				return bad_usage("invalid --state '%s': expected S, D or S,D", optarg);
			break;
		case OPT_KSTACK_EVERY:
			v = parse_positive(optarg, 256);
			if (v < 0)
				return bad_usage("invalid --kstack-every '%s': expected 1 to 256", optarg);
			o->kstack_every = (unsigned)v;
			break;
		case OPT_PUSH: {
			char msg[256];
			if (push_opts__parse(&c->push, longopts[li].name, optarg, msg, sizeof(msg)) < 0)
				return bad_usage("%s", msg);
			break;
		}
		case ':':
			return bad_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt) {
				char s[3] = {'-', (char)optopt, 0};
				return bad_usage("unknown option '%s'", s);
			}
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if ((o->min_block_ns || o->max_block_ns || o->state_mask || o->kstack_every) && !o->off_cpu)
		return bad_usage("%s", "--min-block, --max-block, --state and --kstack-every need --off-cpu");
	if (o->min_block_ns && o->max_block_ns && o->max_block_ns < o->min_block_ns)
		return bad_usage("%s", "--max-block is below --min-block");
	char pmsg[256];
	if (push_opts__check(&c->push, pmsg, sizeof(pmsg)) < 0)
		return bad_usage("%s", pmsg);
	c->push.kind = o->on_off ? PUSH_WALL : o->off_cpu ? PUSH_OFFCPU : PUSH_CPU;
	if (o->off_cpu && o->group_by_cpu)
		return bad_usage("%s", "--group-by-cpu does not apply to off-CPU time (summed over CPUs)");
	bool cmd = optind < argc;
	/* -a / -C with a command sample the whole system (or those CPUs) while it runs, as perf */
	c->ntargets = seen_p + seen_a + seen_c + (cmd && !seen_a && !seen_c);
	if (cmd && seen_p)
		return bad_usage("%s", "-p and a command exclude each other");
	if (c->ntargets == 0)
		return bad_usage("%s", "nothing to sample: give -p PID, -a, -C CPU or a command");
	if (c->ntargets > 1)
		return bad_usage("%s", "choose one of -p, -a, -C or a command");
	o->scope = seen_p ? SCOPE_PIDS : seen_a ? SCOPE_ALL : seen_c ? SCOPE_CPU : SCOPE_COMMAND;
	if (cmd)
		o->argv = argv + optind;
	if (c->noutputs == 0 && !c->push.url) /* with --push, files only when asked for */
		c->outputs[c->noutputs++] = "scorch.svg";
	/* the trace and speedscope timelines and the viewer's heatmap need times */
	for (int i = 0; i < c->noutputs; i++)
		if (util__has_suffix(c->outputs[i], ".trace.json") ||
		    util__has_suffix(c->outputs[i], ".speedscope.json") ||
		    sink__for_path(c->outputs[i]) == sink__by_name("html"))
			o->timeline = true;
	return -1;
}

static void progress(const struct cli *c, const struct sampler_stats *st)
{
	double el = (double)st->elapsed_ns / 1e9;
	if (c->duration > 0)
		fprintf(stderr, "\rscorch: recording %.1f/%.1f s, %llu samples\033[K", el,
			c->duration, (unsigned long long)st->samples);
	else
		fprintf(stderr, "\rscorch: recording %.1f s, %llu samples (Ctrl-C to stop)\033[K", el,
			(unsigned long long)st->samples);
}

/* The sampling loop; returns 0 or a negative errno from polling or draining. */
static int run(struct sampler *s, struct profile *p, const struct cli *c)
{
	bool tty = !c->quiet && isatty(STDERR_FILENO);
	double start = now_s(), last = 0, trimmed = start;
	double end = c->duration > 0 ? start + c->duration : 0;
	int ret = 0;
	while (!exiting) {
		int timeout = c->push.every_s > 0 ? AGENT_POLL_MS : sampler__drain_interval_ms(s);
		int due = push_agent__due_ms(c->agent); /* wake for the interval's end too */
		if (due >= 0 && due < timeout)
			timeout = due;
		if (end) {
			double left = end - now_s();
			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		int r = sampler__poll(s, timeout);
		if (r < 0 && r != -EINTR) {
			ret = r;
			break;
		}
		r = sampler__drain(s, p);
		if (r < 0) {
			ret = r;
			break;
		}
		push_agent__tick(c->agent, p); /* --every: the interval's profile when due */
		if (c->push.every_s > 0 && now_s() - trimmed >= c->push.every_s) {
			/* the heap's free pages back to the system once an interval: what processes
			 * that exited left there (their maps, tables no longer used) */
			malloc_trim(0);
			trimmed = now_s();
		}
		struct sampler_stats st;
		sampler__stats(s, &st);
		if (st.targets_exited)
			break;
		if (tty && now_s() - last >= 0.25) {
			last = now_s();
			progress(c, &st);
		}
	}
	/* Whatever arrived since the last poll (Ctrl-C, -d): one last drain, no waiting. */
	sampler__poll(s, 0);
	sampler__drain(s, p);
	if (tty)
		fprintf(stderr, "\r\033[K");
	return ret;
}

/*
 * How the outputs are written: NULL (the defaults) unless off-CPU time was recorded. --off-cpu
 * folds in microseconds (bcc's offcputime -f) and draws with the io palette; --on-off keeps
 * ns and the hot palette (the writer draws the FRAME_OFFCPU frames blue).
 */
static const struct sink_opts *output_opts(const struct cli *c, struct profile *p,
					   struct sink_opts *so, struct svg_opts *svg)
{
	if (!c->o.off_cpu)
		return NULL;
	sink_opts__init(so);
	svg_opts__init(svg);
	so->svg = svg;
	if (c->o.on_off) {
		svg->title = "Wall-Clock Time Flame Graph (on-CPU and off-CPU)";
		profile__set_column(p, 0, "wall", COLUMN_NANOSECONDS); /* pprof: wall/nanoseconds */
		return so;
	}
	profile__scale_values(p, 1, 1000); /* per stack, after summing: bcc's total_ns / 1000 */
	profile__set_column(p, 0, "off-cpu", COLUMN_MICROSECONDS); /* pprof: off-cpu/microseconds */
	svg->colors = "io";
	svg->title = c->o.off_wake ? "Off-Wake Time Flame Graph" : "Off-CPU Time Flame Graph";
	return so;
}

/*
 * Fails before recording, not after it, when an output cannot be written: a missing or
 * read-only directory, or a directory where the file should be.
 */
static int check_outputs(const struct cli *c)
{
	for (int i = 0; i < c->noutputs; i++) {
		const char *path = c->outputs[i];
		struct stat st;
		if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
						  !S_ISDIR(st.st_mode)))
			continue; /* stdout, /dev/stdout, a pipe: written as they are */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			util__error("cannot write %s: it is a directory", path);
			return -EISDIR;
		}
		char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
		int ok = access(d, W_OK | X_OK);
		int e = errno;
		if (ok < 0)
			util__error("cannot write %s: %s: %s", path, d, strerror(e));
		free(dir);
		if (ok < 0)
			return -e;
	}
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct cli c = {0};
	int status = parse_args(argc, argv, &c);
	if (status >= 0) {
		free(c.o.pids);
		free(c.o.cpu_list);
		return status;
	}
	struct symbolizer_opts so = {
		.demangle = c.o.demangle, .inlines = c.o.inlines, .srcline = c.o.srcline};
	struct symbolizer *sym = symbolizer__new(&so);
	if (!sym) {
		util__error("out of memory creating the symbolizer");
		free(c.o.pids);
		free(c.o.cpu_list);
		return 1;
	}
	char err[512] = "";
	if (check_outputs(&c) < 0) {
		symbolizer__free(sym);
		free(c.o.pids);
		free(c.o.cpu_list);
		return 1;
	}
	if (c.push.url && !(c.agent = push_agent__new(&c.push, err, sizeof(err)))) {
		util__error("%s", err);
		symbolizer__free(sym);
		free(c.o.pids);
		free(c.o.cpu_list);
		return 1;
	}
	if (c.noutputs == 0 && c.push.every_s > 0) /* a pure agent: hold one interval, not the run */
		push_agent__reset_after_push(c.agent);
	c.o.agent = c.push.every_s > 0;
	if (c.o.agent) {
		/*
		 * An agent runs for weeks beside processes that come and go: blocks of 256 KiB and
		 * more (a file's symbol or CFI tables being built, a push's encoding) are mapped
		 * and unmapped when freed, rather than left in the heap, where glibc's growing
		 * threshold would put them after the first free.
		 */
		mallopt(M_MMAP_THRESHOLD, 256 << 10);
	}
	struct sampler *s = sampler__open(&c.o, sym, err, sizeof(err));
	if (!s) {
		int e = errno;
		util__error("%s", err);
		push_agent__free(c.agent);
		symbolizer__free(sym);
		free(c.o.pids);
		free(c.o.cpu_list);
		return c.o.argv ? target__start_exit_code(e) : 1;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns -EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* a closed terminal still gets its output written */
	signal(SIGPIPE, SIG_IGN);     /* a closed "-o -" must not lose the other outputs */

	struct profile *p = profile__new();
	struct sampler_stats st;
	sampler__stats(s, &st);
	if (st.info && c.verbose && !c.quiet)
		fprintf(stderr, "%s: %s\n", util__progname, st.info);
	if (st.note && !c.quiet)
		fprintf(stderr, "%s: %s\n", util__progname, st.note);

	int ret = run(s, p, &c);
	sampler__stats(s, &st);
	pid_t left_running = 0;
	if (c.o.argv && c.duration > 0 && !exiting && !st.targets_exited && !c.kill)
		left_running = sampler__detach_command(s);
	sampler__stop(s);
	/* after the stop: threads still off the CPU, cut there; what the BPF sampler counted
	 * after the last drain */
	if (ret == 0)
		ret = sampler__drain(s, p);
	sampler__stats(s, &st);
	status = 0;
	if (ret < 0) {
		util__error("reading samples failed: %s", strerror(-ret));
		status = 1;
	}
	if (c.verbose && !c.quiet) {
		struct stack_tables tt;
		sampler__tables(s, &tt);
		fprintf(stderr,
			"%s: per-process state at the end: %llu pids, %llu threads, %llu cached "
			"addresses, %llu exits pending, %llu processes reaped; profile: %u frames, %u "
			"nodes, %u mappings\n",
			util__progname, (unsigned long long)tt.pids, (unsigned long long)tt.threads,
			(unsigned long long)tt.cached_addrs, (unsigned long long)tt.pending_exits,
			(unsigned long long)tt.reaped, profile__nframes(p), profile__nnodes(p),
			profile__nmappings(p));
		if (st.info) /* the backend's own tables, now that they are at their largest */
			fprintf(stderr, "%s: at the end: %s\n", util__progname, st.info);
		fprintf(stderr, "%s: %llu bytes read from the kernel (%.0f a second)\n",
			util__progname, (unsigned long long)st.bytes_in,
			st.elapsed_ns ? (double)st.bytes_in * 1e9 / (double)st.elapsed_ns : 0.0);
		if (st.unwind_spaces)
			fprintf(stderr,
				"%s: dwarf unwinder at the end: %zu address spaces, %zu with their CFI "
				"loaded\n",
				util__progname, st.unwind_spaces, st.unwind_dwfls);
	}
	if (st.samples == 0 && !c.quiet)
		util__warn(c.o.off_cpu ? "no off-CPU time collected; did the targets block?"
				       : "no samples collected; was the target running on a CPU?");
	push_agent__finish(c.agent, p); /* the rest; what cannot go now waits on disk */
	uint64_t pushed_before = push_agent__dropped_total(c.agent); /* reset out of p */
	push_agent__free(c.agent);
	struct sink_opts so_;
	struct svg_opts svg;
	const struct sink_opts *sopts = output_opts(&c, p, &so_, &svg);
	struct strbuf written = {0};
	for (int i = 0; i < c.noutputs; i++) {
		if (sink__write(p, c.outputs[i], NULL, sopts) < 0) {
			status = 1;
			continue;
		}
		strbuf__addf(&written, "%s%s", written.len ? ", " : "", c.outputs[i]);
	}
	if (!c.quiet && c.o.off_cpu && !c.o.on_off)
		fprintf(stderr,
			"scorch: %.1f ms off-CPU in %llu stacks (%s, %.1f s), %llu lost; wrote %s\n",
			(double)(profile__column_total(p, 0) + pushed_before / 1000) / 1e3, /* ns */
			(unsigned long long)st.samples,
			st.backend, st.elapsed_ns / 1e9, (unsigned long long)st.lost,
			written.len ? written.buf : "nothing");
	else if (!c.quiet && c.o.nevents)
		fprintf(stderr,
			"scorch: %llu events (%s, %s, %.1f s), %llu lost, %llu throttled; wrote %s\n",
			(unsigned long long)st.samples, st.backend, st.event, st.elapsed_ns / 1e9,
			(unsigned long long)st.lost, (unsigned long long)st.throttled,
			written.len ? written.buf : "nothing");
	else if (!c.quiet)
		fprintf(stderr,
			"scorch: %llu samples (%s, %s, %u Hz, %.1f s), %llu lost, %llu throttled; "
			"wrote %s\n",
			(unsigned long long)st.samples, st.backend, st.event, st.freq ? st.freq : c.o.freq,
			st.elapsed_ns / 1e9,
			(unsigned long long)st.lost, (unsigned long long)st.throttled,
			written.len ? written.buf : "nothing");
	strbuf__free(&written);
	if (!c.quiet && st.errors) /* counted by the backend: full stack maps, collisions, errors */
		fprintf(stderr, "%s: %llu stacks not kept (their samples have no stack)%s%s\n",
			util__progname, (unsigned long long)st.errors, st.note ? "; " : "",
			st.note ? st.note : "");
	if (left_running && !c.quiet)
		fprintf(stderr, "%s: the deadline came first; %s (pid %d) keeps running (--kill ends it)\n",
			util__progname, c.o.argv[0], (int)left_running);
	char why[256];
	bool timed = c.o.off_cpu || c.o.on_off || c.o.off_wake; /* ns-weighted stacks */
	if (!c.quiet && stack__unresolved_text(st.unresolved, timed, why, sizeof(why)))
		fprintf(stderr, "%s: unresolved frames%s: %s\n", util__progname,
			timed ? ", by the time of their stacks" : "", why);
	if (!c.quiet && st.unwind)
		fprintf(stderr, "%s: %s\n", util__progname, st.unwind);
	if (status == 0 && c.o.argv && !left_running && sampler__exit_code(s) >= 0)
		status = sampler__exit_code(s);
	sampler__close(s);
	symbolizer__free(sym);
	profile__free(p);
	free(c.o.pids);
	free(c.o.cpu_list);
	return status;
}
