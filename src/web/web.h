/* SPDX-License-Identifier: MIT */
/* scorch serve: the local web UI (HTTP server, JSON API, pages), safe by default. */
#ifndef SCORCH_WEB_H
#define SCORCH_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "../source/sampler.h"

struct web_opts {
	const char *listen;       /* "ADDR:PORT" (port 0: any free one); NULL: 127.0.0.1:8080 */
	const char *token;        /* NULL: a random one */
	bool no_token;            /* loopback only */
	const char *user;         /* the HTTP process runs as this user when started as root;
				     NULL: nobody */
	const char *store_dir;    /* finished profiles are written there too; NULL: none */
	const char *proc_pattern; /* extended regex on comm or command line; NULL: any */
	bool show_cmdline;
	unsigned max_running;     /* profiles sampling at once */
	unsigned max_history;     /* finished profiles kept */
	unsigned max_sse;         /* event-stream clients at once */
	unsigned max_conns;       /* HTTP connections at once */
	unsigned max_seconds, max_hz; /* bounds of a requested profile */
	size_t max_body;          /* request body bytes */
	/* The command line's profile, started at once and shown live; NULL: none. */
	const struct sampler_opts *cli;
	unsigned cli_seconds;
	const char *cli_title;
};

/* Defaults for every limit; listen and the rest zeroed. */
void web_opts__init(struct web_opts *o);

/*
 * Binds, forks the privileged sampling helper, drops root in the HTTP process, prints the
 * URL (with the token) as the first line of stdout and serves until SIGINT or SIGTERM.
 * Returns an exit status: 0, 1 (a runtime failure, said on stderr), 2 (bad options).
 */
int web__serve(const struct web_opts *o);

#endif
