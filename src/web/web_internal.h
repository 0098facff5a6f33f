/* SPDX-License-Identifier: MIT */
/* What the server setup (server.c) and the request handlers (api.c, pages.c) share. */
#ifndef SCORCH_WEB_INTERNAL_H
#define SCORCH_WEB_INTERNAL_H

#include <microhttpd.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "procs.h"
#include "session.h"
#include "web.h"

struct web {
	struct web_opts o;
	char token[128];          /* "" with --no-token */
	regex_t pattern;
	bool has_pattern;
	char hosts[3][96];        /* accepted Host values ("ADDR:PORT"); "" unused */
	bool any_ip_host;         /* wildcard listen: any IP literal with the right port */
	unsigned port;
	struct sessions *sessions;
	struct procs *procs;
	atomic_int sse_clients;
	atomic_bool stopping;
};

/* The access handler of MHD (api.c): checks, routing, responses. */
enum MHD_Result api__handle(void *cls, struct MHD_Connection *c, const char *url,
			    const char *method, const char *version, const char *upload,
			    size_t *upload_size, void **con_cls);
/* Frees a request's state (MHD's completion callback). */
void api__completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe);

/* The embedded page assets (pages.c): content and type by path ("/", "/app.js"), or NULL. */
const char *pages__asset(const char *path, size_t *len, const char **type);

#endif
