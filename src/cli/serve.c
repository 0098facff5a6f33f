// SPDX-License-Identifier: MIT
/* scorch serve: option parsing for the local web UI (src/web/ does the work). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "../util/util.h"
#include "../web/web.h"

static const char serve_usage[] =
	"usage: scorch serve [--listen ADDR:PORT] [--proc-pattern REGEX] [--token T | --no-token]\n"
	"                    [--user NAME] [--store DIR] [--show-cmdline] [limits]\n"
	"                    [-F HZ] [-d SEC] [-p PID[,PID...] | -a | -- CMD [ARGS...]]\n"
	"\n"
	"Serves a local web UI: pick a process, profile it, watch its flame graph live, keep a\n"
	"history, download any format, diff two profiles. The first line on stdout is the URL\n"
	"to open (it carries the access token). With -p, -a or -- CMD that profile starts at\n"
	"once and is shown live.\n"
	"\n"
	"Safe by default: it listens on loopback only, every request needs the random token\n"
	"(as a cookie set by the URL, or 'Authorization: Bearer TOKEN'), Host and Origin must\n"
	"name this server, and when started as root the HTTP server drops to --user while a\n"
	"small privileged helper does the sampling. Reach a remote box with an ssh tunnel:\n"
	"  ssh -L 8080:127.0.0.1:8080 host scorch serve\n"
	"\n"
	"Options:\n"
	"      --listen ADDR:PORT  numeric address and port (default 127.0.0.1:8080; port 0\n"
	"                          picks a free one)\n"
	"      --proc-pattern RE   only processes whose comm or command line match the\n"
	"                          extended regex RE can be listed and profiled\n"
	"      --token T           use T (16 characters or more) instead of a random token\n"
	"      --no-token          no token (loopback addresses only)\n"
	"      --user NAME         run the HTTP server as NAME when started as root (nobody)\n"
	"      --store DIR         also keep finished profiles in DIR as .folded files\n"
	"      --show-cmdline      show command lines in the process list (default: comm)\n"
	"  -F, --freq HZ           sampling frequency of the command-line profile (default 99)\n"
	"  -d, --duration SEC      stop the command-line profile after SEC seconds\n"
	"  -p, --pid PID[,PID...]  profile these processes from the start\n"
	"  -a, --all-cpus          profile the whole system from the start\n"
	"      --call-graph MODE   fp, dwarf[,SIZE], fp+leaf or auto for the command-line profile\n"
	"  -h, --help              show this help\n"
	"\n"
	"Limits (all bounded by default):\n"
	"      --max-running N     profiles sampling at once (4)\n"
	"      --max-history N     finished profiles kept in memory (32)\n"
	"      --max-sse N         live event streams at once (16)\n"
	"      --max-conns N       HTTP connections at once (128)\n"
	"      --max-seconds N     longest profile a request may ask (3600)\n"
	"      --max-hz N          highest frequency a request may ask (10000)\n"
	"      --max-body BYTES    largest request body (16384)\n"
	"\n"
	"Examples:\n"
	"  scorch serve                              open the printed URL, pick a process\n"
	"  scorch serve --listen 127.0.0.1:0 -p 1234 watch pid 1234 live\n"
	"  scorch serve --proc-pattern '^(nginx|php-fpm)' --store /var/tmp/profiles\n"
	"  scorch serve -F 999 -- ./bench            run ./bench and watch it\n";

enum {
	OPT_LISTEN = 256, OPT_PATTERN, OPT_TOKEN, OPT_NO_TOKEN, OPT_USER, OPT_STORE, OPT_CMDLINE,
	OPT_CALL_GRAPH, OPT_MAX_RUNNING, OPT_MAX_HISTORY, OPT_MAX_SSE, OPT_MAX_CONNS,
	OPT_MAX_SECONDS, OPT_MAX_HZ, OPT_MAX_BODY,
};

static const struct option serve_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"proc-pattern", required_argument, NULL, OPT_PATTERN},
	{"token", required_argument, NULL, OPT_TOKEN},
	{"no-token", no_argument, NULL, OPT_NO_TOKEN},
	{"user", required_argument, NULL, OPT_USER},
	{"store", required_argument, NULL, OPT_STORE},
	{"show-cmdline", no_argument, NULL, OPT_CMDLINE},
	{"freq", required_argument, NULL, 'F'},
	{"duration", required_argument, NULL, 'd'},
	{"pid", required_argument, NULL, 'p'},
	{"all-cpus", no_argument, NULL, 'a'},
	{"call-graph", required_argument, NULL, OPT_CALL_GRAPH},
	{"max-running", required_argument, NULL, OPT_MAX_RUNNING},
	{"max-history", required_argument, NULL, OPT_MAX_HISTORY},
	{"max-sse", required_argument, NULL, OPT_MAX_SSE},
	{"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	{"max-seconds", required_argument, NULL, OPT_MAX_SECONDS},
	{"max-hz", required_argument, NULL, OPT_MAX_HZ},
	{"max-body", required_argument, NULL, OPT_MAX_BODY},
	{NULL, 0, NULL, 0},
};

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
		      unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || *s == '-') {
		util__error("%s wants a whole number from %lu to %lu, not '%s'", opt, min, max, s);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct web_opts w;
	web_opts__init(&w);
	struct sampler_opts o;
	memset(&o, 0, sizeof(o));
	o.scope = SCOPE_PIDS;
	o.freq = 99;
	o.timeline = true;
	o.demangle = true;
	bool all = false;
	unsigned v, seconds = 0;
	int c, status = 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hF:d:p:a", serve_options, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'h':
			fputs(serve_usage, stdout);
			free(o.pids);
			return 0;
		case OPT_LISTEN: w.listen = optarg; break;
		case OPT_PATTERN: w.proc_pattern = optarg; break;
		case OPT_TOKEN: w.token = optarg; break;
		case OPT_NO_TOKEN: w.no_token = true; break;
		case OPT_USER: w.user = optarg; break;
		case OPT_STORE: w.store_dir = optarg; break;
		case OPT_CMDLINE: w.show_cmdline = true; break;
		case 'F':
			rc = parse_uint("-F", optarg, 1, 100000, &v);
			o.freq = v;
			break;
		case 'd': rc = parse_uint("-d", optarg, 1, 86400 * 7, &seconds); break;
		case 'p': rc = cli__parse_pids("serve", optarg, &o.pids, &o.npids); break;
		case 'a': all = true; break;
		case OPT_CALL_GRAPH: rc = cli__parse_call_graph("serve", optarg, &o); break;
		case OPT_MAX_RUNNING: rc = parse_uint("--max-running", optarg, 1, 256, &w.max_running); break;
		case OPT_MAX_HISTORY: rc = parse_uint("--max-history", optarg, 1, 100000, &w.max_history); break;
		case OPT_MAX_SSE: rc = parse_uint("--max-sse", optarg, 0, 4096, &w.max_sse); break;
		case OPT_MAX_CONNS: rc = parse_uint("--max-conns", optarg, 4, 65536, &w.max_conns); break;
		case OPT_MAX_SECONDS: rc = parse_uint("--max-seconds", optarg, 1, 86400 * 7, &w.max_seconds); break;
		case OPT_MAX_HZ: rc = parse_uint("--max-hz", optarg, 1, 100000, &w.max_hz); break;
		case OPT_MAX_BODY:
			rc = parse_uint("--max-body", optarg, 256, 1u << 24, &v);
			w.max_body = v;
			break;
		default:
			goto usage;
		}
		if (rc < 0)
			goto usage;
	}
	if (w.token && w.no_token) {
		util__error("give --token or --no-token, not both");
		goto usage;
	}
	int ntargets = (o.npids > 0) + all + (optind < argc);
	if (ntargets > 1) {
		util__error("give at most one target: -p PID, -a or -- CMD");
		goto usage;
	}
	char title[256];
	if (ntargets) {
		if (optind < argc) {
			o.scope = SCOPE_COMMAND;
			o.argv = argv + optind;
			snprintf(title, sizeof(title), "%s (command)", argv[optind]);
		} else if (all) {
			o.scope = SCOPE_ALL;
			snprintf(title, sizeof(title), "all processes");
		} else {
			snprintf(title, sizeof(title), "pid %d%s", (int)o.pids[0],
				 o.npids > 1 ? ", ..." : "");
		}
		w.cli = &o;
		w.cli_seconds = seconds;
		w.cli_title = title;
	}
	status = web__serve(&w);
	free(o.pids);
	return status;
usage:
	fprintf(stderr, "Try 'scorch serve --help'.\n");
	free(o.pids);
	return status;
}
