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

/*
 * libmicrohttpd is not linked: server.c opens it with dlopen when serve starts (it pulls in
 * GnuTLS and more, ~10 ms at every start of every other command). The handlers keep calling
 * MHD_* by name; these macros route the calls through the table web_mhd__load() fills.
 */
struct web_mhd {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *d);
	const char *(*lookup_connection_value)(struct MHD_Connection *c, enum MHD_ValueKind kind,
					       const char *key);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status,
					  struct MHD_Response *r);
	struct MHD_Response *(*create_response_from_callback)(uint64_t size, size_t block_size,
							      MHD_ContentReaderCallback crc,
							      void *crc_cls,
							      MHD_ContentReaderFreeCallback crfc);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode);
	void (*destroy_response)(struct MHD_Response *r);
	enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header,
					       const char *content);
};
extern struct web_mhd web_mhd;
/* Loads libmicrohttpd.so.12 into web_mhd (server.c); 0, or -ENOENT with the reason in err. */
int web_mhd__load(char *err, size_t errlen);

#define MHD_start_daemon(...) web_mhd.start_daemon(__VA_ARGS__)
#define MHD_stop_daemon(d) web_mhd.stop_daemon(d)
#define MHD_lookup_connection_value(c, kind, key) web_mhd.lookup_connection_value(c, kind, key)
#define MHD_queue_response(c, status, r) web_mhd.queue_response(c, status, r)
#define MHD_create_response_from_callback(size, bs, crc, cls, crfc) \
	web_mhd.create_response_from_callback(size, bs, crc, cls, crfc)
#define MHD_create_response_from_buffer(size, buf, mode) \
	web_mhd.create_response_from_buffer(size, buf, mode)
#define MHD_destroy_response(r) web_mhd.destroy_response(r)
#define MHD_add_response_header(r, header, content) web_mhd.add_response_header(r, header, content)

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
