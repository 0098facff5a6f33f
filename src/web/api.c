// SPDX-License-Identifier: MIT
/* serve's requests: Host/Origin/token checks, the JSON API, downloads, events and pages. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "privsep.h"
#include "viewer.h"
#include "web_internal.h"
#include "../sink/sink.h"
#include "../util/util.h"

#define COOKIE "scorch_token"

struct req {
	struct strbuf body;
	bool too_big;
};

/* ---- responses ---------------------------------------------------------------------------- */

static void security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; style-src 'self' "
				"'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; "
				"frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
				const void *data, size_t len, bool copy)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	security_headers(r);
	if (type)
		MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Sends a JSON value (taking ownership). */
static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(v);
	if (!s)
		return send_buf(c, 500, "text/plain", "out of memory\n", 14, false);
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), s,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	security_headers(r);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *fmt,
				  ...) __attribute__((format(printf, 3, 4)));
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *fmt,
				  ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send_json(c, status, json_pack("{s:s}", "error", msg));
}

/* ---- the checks every request passes ------------------------------------------------------ */

static bool ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* An IP literal ("1.2.3.4", "[::1]") followed by ":PORT" of the server. */
static bool ip_host(const char *h, unsigned port)
{
	const char *colon = strrchr(h, ':');
	if (!colon || strtoul(colon + 1, NULL, 10) != port)
		return false;
	char a[64], buf[16];
	size_t n = (size_t)(colon - h);
	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, h, n);
	a[n] = '\0';
	char port_s[16];
	snprintf(port_s, sizeof(port_s), "%u", port);
	if (strcmp(colon + 1, port_s))
		return false;
	if (a[0] == '[' && a[n - 1] == ']') {
		a[n - 1] = '\0';
		return inet_pton(AF_INET6, a + 1, buf) == 1;
	}
	return inet_pton(AF_INET, a, buf) == 1;
}

static bool host_ok(const struct web *w, const char *host)
{
	if (!host)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(w->hosts); i++)
		if (w->hosts[i][0] && !strcasecmp(host, w->hosts[i]))
			return true;
	return w->any_ip_host && ip_host(host, w->port);
}

static bool authorized(const struct web *w, struct MHD_Connection *c)
{
	if (!w->token[0])
		return true;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7) && ct_equal(auth + 7, w->token))
		return true;
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
	return cookie && ct_equal(cookie, w->token);
}

/* ---- JSON API ------------------------------------------------------------------------------ */

static const char *const mode_names[] = {"cpu", "off-cpu", "on-off"};
static const char *const cg_names[] = {"auto", "fp", "dwarf", "fp+leaf"};

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

static enum MHD_Result create_profile(struct web *w, struct MHD_Connection *c, struct req *rq)
{
	if (rq->too_big)
		return send_error(c, 413, "request body larger than %zu bytes", w->o.max_body);
	json_error_t jerr;
	json_t *j = json_loadb(rq->body.buf ? rq->body.buf : "", rq->body.len, 0, &jerr);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return send_error(c, 400, "the body must be a JSON object: %s",
				  j ? "not an object" : jerr.text);
	}
	struct priv_request pr = {.magic = PRIV_MAGIC, .op = PRIV_START, .seconds = 10, .hz = 99};
	const char *key;
	json_t *v;
	char title[256] = "";
	enum MHD_Result ret;
	json_object_foreach(j, key, v)
	{
		if (!strcmp(key, "pids")) {
			size_t i;
			json_t *e;
			if (!json_is_array(v) || json_array_size(v) < 1 ||
			    json_array_size(v) > PRIV_MAX_PIDS) {
				ret = send_error(c, 400, "pids must be an array of 1 to %d pids",
						 PRIV_MAX_PIDS);
				goto out;
			}
			json_array_foreach(v, i, e)
			{
				json_int_t pid = json_is_integer(e) ? json_integer_value(e) : 0;
				if (pid <= 0 || pid > 0x3fffffff) {
					ret = send_error(c, 400, "pids[%zu] is not a pid", i);
					goto out;
				}
				pr.pids[pr.npids++] = (int32_t)pid;
			}
		} else if (!strcmp(key, "all")) {
			if (!json_is_boolean(v)) {
				ret = send_error(c, 400, "all must be true or false");
				goto out;
			}
			pr.all = json_is_true(v);
		} else if (!strcmp(key, "seconds") || !strcmp(key, "hz")) {
			bool sec = key[0] == 's';
			unsigned max = sec ? w->o.max_seconds : w->o.max_hz;
			json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
			if (x < 1 || x > max) {
				ret = send_error(c, 400, "%s must be an integer from 1 to %u", key, max);
				goto out;
			}
			*(sec ? &pr.seconds : &pr.hz) = (uint32_t)x;
		} else if (!strcmp(key, "mode") || !strcmp(key, "call_graph")) {
			bool mode = key[0] == 'm';
			int k = json_is_string(v) ? name_index(mode ? mode_names : cg_names,
							       mode ? 3 : 4, json_string_value(v))
						  : -1;
			if (k < 0) {
				ret = send_error(c, 400, "%s must be one of %s", key,
						 mode ? "cpu, off-cpu, on-off"
						      : "auto, fp, dwarf, fp+leaf");
				goto out;
			}
			*(mode ? &pr.mode : &pr.call_graph) = (uint32_t)k;
		} else {
			ret = send_error(c, 400, "unknown field '%s'", key);
			goto out;
		}
	}
	if (pr.all == (pr.npids > 0)) {
		ret = send_error(c, 400, "give either pids or all");
		goto out;
	}
	if (pr.all && w->has_pattern) {
		ret = send_error(c, 403, "profiling all processes is not allowed with "
					 "--proc-pattern");
		goto out;
	}
	for (uint32_t i = 0; i < pr.npids; i++) {
		if (kill(pr.pids[i], 0) < 0 && errno == ESRCH) {
			ret = send_error(c, 400, "no process %d", pr.pids[i]);
			goto out;
		}
		if (w->has_pattern && !priv__pid_matches(&w->pattern, pr.pids[i])) {
			ret = send_error(c, 403, "process %d is outside --proc-pattern", pr.pids[i]);
			goto out;
		}
	}
	if (pr.all) {
		snprintf(title, sizeof(title), "all processes");
	} else {
		char comm[64] = "?", path[64];
		snprintf(path, sizeof(path), "/proc/%d/comm", pr.pids[0]);
		FILE *f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(title, sizeof(title), "%s (pid %d%s)", comm, pr.pids[0],
			 pr.npids > 1 ? ", ..." : "");
	}
	char err[256] = "";
	int id = sessions__start(w->sessions, &pr, title, err, sizeof(err));
	if (id < 0) {
		unsigned st = id == -EBUSY ? 429 : id == -EPERM ? 403 : id == -EINVAL || id == -ESRCH
							       ? 400 : 500;
		ret = send_error(c, st, "%s", err);
		goto out;
	}
	ret = send_json(c, 201, json_pack("{s:i}", "id", id));
out:
	json_decref(j);
	return ret;
}

/* Parses "12" (a whole segment) or "12.ext" into the id and the extension ("" or ".ext"). */
static bool parse_id(const char *s, unsigned *id, const char **ext, size_t *seglen)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || v == 0 || v > 0x7fffffff || *s == '-' || *s == '+')
		return false;
	*id = (unsigned)v;
	*ext = end;
	*seglen = (size_t)(end - s) + strcspn(end, "/");
	return true;
}

static const char *mime_of(const struct sink *s)
{
	if (!strcmp(s->name, "svg"))
		return "image/svg+xml";
	if (!strcmp(s->name, "folded"))
		return "text/plain; charset=utf-8";
	if (!strcmp(s->name, "html"))
		return "text/html; charset=utf-8";
	if (!strcmp(s->name, "pprof"))
		return "application/octet-stream";
	return "application/json";
}

/* Renders p with sink s into a download response. */
static enum MHD_Result send_profile(struct MHD_Connection *c, const struct profile *p,
				    const struct sink *s, const struct sink_opts *so,
				    const char *filename)
{
	struct strbuf out = {0};
	char err[256] = "";
	int rc = s->write(p, so, &out, err, sizeof(err));
	if (rc < 0) {
		strbuf__free(&out);
		return send_error(c, rc == -EINVAL ? 409 : 500, "cannot write %s: %s", s->name,
				  err[0] ? err : strerror(-rc));
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(out.len, out.buf ? out.buf : "",
								 out.buf ? MHD_RESPMEM_MUST_FREE
									 : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		strbuf__free(&out);
		return MHD_NO;
	}
	security_headers(r);
	MHD_add_response_header(r, "Content-Type", mime_of(s));
	char cd[300];
	snprintf(cd, sizeof(cd), "attachment; filename=\"%s\"", filename);
	MHD_add_response_header(r, "Content-Disposition", cd);
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result download(struct MHD_Connection *c, struct session *s, unsigned id,
				const char *ext)
{
	char fname[128];
	snprintf(fname, sizeof(fname), "scorch-%u%s", id, ext);
	const struct sink *sk = sink__for_path(fname);
	if (!sk)
		return send_error(c, 404, "unknown format '%s'", ext);
	struct live_snap *snap = session__snapshot(s);
	const struct profile *run = snap ? live_snap__run(snap, NULL) : NULL;
	enum MHD_Result ret;
	if (!run || !profile__column_total(run, 0))
		ret = send_error(c, 409, "profile %u has no samples yet", id);
	else {
		struct sink_opts so;
		sink_opts__init(&so);
		ret = send_profile(c, run, sk, &so, fname);
	}
	live_snap__put(snap);
	return ret;
}

/*
 * GET /api/profiles/ID/view: the viewer's JSON. With ?coarse=1, its coarse copy (frames under
 * 1/2048 of all left out), which the page draws first while the full one comes; 204 when the
 * profile has no frame to leave out (the full JSON is as quick).
 */
static enum MHD_Result view_json(struct MHD_Connection *c, struct session *s)
{
	struct strbuf out = {0};
	const char *coarse = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "coarse");
	bool want_coarse = coarse && !strcmp(coarse, "1");
	int rc = want_coarse ? session__coarse_json(s, &out) : session__view_json(s, &out);
	if (rc < 0) {
		strbuf__free(&out);
		if (rc == -EAGAIN)
			return send_error(c, 409, "no snapshot yet");
		return send_error(c, 500, "cannot render the profile: %s", strerror(-rc));
	}
	if (want_coarse && rc == 0) {
		strbuf__free(&out);
		struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		security_headers(r);
		enum MHD_Result ret = MHD_queue_response(c, 204, r);
		MHD_destroy_response(r);
		return ret;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(out.len, out.buf,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		strbuf__free(&out);
		return MHD_NO;
	}
	security_headers(r);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- server-sent events -------------------------------------------------------------------- */

struct sse {
	struct web *w;
	struct session *s;
	uint64_t seq;
	struct strbuf pending;
	size_t off;
	bool first, last_sent;
};

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse *e = cls;
	(void)pos;
	while (e->off >= e->pending.len) {
		if (e->last_sent || atomic_load(&e->w->stopping))
			return MHD_CONTENT_READER_END_OF_STREAM;
		e->pending.len = 0;
		e->off = 0;
		if (!e->first)
			e->seq = session__wait(e->s, e->seq, 1000);
		else
			e->seq = session__wait(e->s, 0, 0);
		e->first = false;
		json_t *st = session__status(e->s);
		bool running = !strcmp(json_string_value(json_object_get(st, "state")), "running");
		char *js = json_dumps(st, JSON_COMPACT);
		json_decref(st);
		strbuf__addf(&e->pending, "event: status\ndata: %s\n\n", js ? js : "{}");
		free(js);
		if (!running) {
			strbuf__adds(&e->pending, "event: end\ndata: {}\n\n");
			e->last_sent = true;
		}
	}
	size_t n = e->pending.len - e->off;
	if (n > max)
		n = max;
	memcpy(buf, e->pending.buf + e->off, n);
	e->off += n;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse *e = cls;
	atomic_fetch_sub(&e->w->sse_clients, 1);
	session__put(e->s);
	strbuf__free(&e->pending);
	free(e);
}

static enum MHD_Result events(struct web *w, struct MHD_Connection *c, struct session *s)
{
	if (atomic_fetch_add(&w->sse_clients, 1) >= (int)w->o.max_sse) {
		atomic_fetch_sub(&w->sse_clients, 1);
		session__put(s);
		return send_error(c, 429, "too many event streams open (--max-sse %u)",
				  w->o.max_sse);
	}
	struct sse *e = xcalloc(1, sizeof(*e));
	e->w = w;
	e->s = s;
	e->first = true;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
								   sse_read, e, sse_free);
	if (!r) {
		sse_free(e);
		return MHD_NO;
	}
	security_headers(r);
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- diff ---------------------------------------------------------------------------------- */

static enum MHD_Result diff(struct web *w, struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "a");
	const char *b = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "b");
	const char *fmt = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	unsigned ia, ib;
	const char *ea, *eb;
	size_t la, lb;
	if (!a || !b || !parse_id(a, &ia, &ea, &la) || *ea || !parse_id(b, &ib, &eb, &lb) || *eb)
		return send_error(c, 400, "diff wants a=ID&b=ID");
	if (fmt && strcmp(fmt, "svg") && strcmp(fmt, "folded"))
		return send_error(c, 400, "format must be svg or folded");
	struct session *sa = sessions__get(w->sessions, ia), *sb = sessions__get(w->sessions, ib);
	enum MHD_Result ret;
	struct live_snap *pa = sa ? session__snapshot(sa) : NULL;
	struct live_snap *pb = sb ? session__snapshot(sb) : NULL;
	const struct profile *ra = pa ? live_snap__run(pa, NULL) : NULL;
	const struct profile *rb = pb ? live_snap__run(pb, NULL) : NULL;
	if (!sa || !sb) {
		ret = send_error(c, 404, "no profile %u", sa ? ib : ia);
	} else if (!ra || !rb || !profile__column_total(ra, 0) || !profile__column_total(rb, 0)) {
		ret = send_error(c, 409, "both profiles need samples");
	} else {
		struct profile *p = profile__new();
		int before = profile__add_column(p, "before", COLUMN_SAMPLES);
		int map_a[PROFILE_MAX_COLUMNS] = {before, -1, -1, -1};
		int map_b[PROFILE_MAX_COLUMNS] = {0, -1, -1, -1};
		profile__merge(p, ra, map_a);
		profile__merge(p, rb, map_b);
		struct sink_opts so;
		sink_opts__init(&so);
		so.before_col = before;
		bool folded = fmt && !strcmp(fmt, "folded");
		char name[64];
		snprintf(name, sizeof(name), "scorch-diff-%u-%u.%s", ia, ib, folded ? "folded" : "svg");
		ret = send_profile(c, p, sink__by_name(folded ? "folded" : "svg"), &so, name);
		profile__free(p);
	}
	live_snap__put(pa);
	live_snap__put(pb);
	session__put(sa);
	session__put(sb);
	return ret;
}

/* ---- routing ------------------------------------------------------------------------------- */

static enum MHD_Result profiles_route(struct web *w, struct MHD_Connection *c, const char *rest,
				      const char *method)
{
	unsigned id;
	const char *ext;
	size_t seglen;
	if (!parse_id(rest, &id, &ext, &seglen))
		return send_error(c, 404, "no such profile");
	const char *sub = rest + seglen; /* "" or "/events", "/view", "/stop" */
	bool is_get = !strcmp(method, "GET");
	if (*ext == '.' && ext[strcspn(ext, "/")] == '\0') {
		if (!is_get)
			return send_error(c, 405, "downloads are GET only");
	} else if (*ext && *ext != '/') {
		return send_error(c, 404, "no such profile");
	} else {
		ext = "";
	}
	if (!strcmp(method, "DELETE") && !*ext && !*sub) {
		if (sessions__delete(w->sessions, id) < 0)
			return send_error(c, 404, "no profile %u", id);
		return send_json(c, 200, json_pack("{s:i, s:b}", "id", (int)id, "deleted", 1));
	}
	struct session *s = sessions__get(w->sessions, id);
	if (!s)
		return send_error(c, 404, "no profile %u", id);
	enum MHD_Result ret;
	if (*ext) {
		ret = download(c, s, id, ext);
	} else if (!*sub && is_get) {
		ret = send_json(c, 200, session__status(s));
	} else if (!strcmp(sub, "/events") && is_get) {
		return events(w, c, s); /* keeps the reference */
	} else if (!strcmp(sub, "/view") && is_get) {
		ret = view_json(c, s);
	} else if (!strcmp(sub, "/stop") && !strcmp(method, "POST")) {
		session__stop(s);
		ret = send_json(c, 200, session__status(s));
	} else {
		ret = send_error(c, 405, "%s is not allowed here", method);
	}
	session__put(s);
	return ret;
}

static enum MHD_Result route(struct web *w, struct MHD_Connection *c, const char *url,
			     const char *method, struct req *rq)
{
	bool is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	if (!strcmp(url, "/api/processes")) {
		if (!is_get)
			return send_error(c, 405, "GET only");
		return send_json(c, 200, procs__list(w->procs));
	}
	if (!strcmp(url, "/api/profiles")) {
		if (!strcmp(method, "POST"))
			return create_profile(w, c, rq);
		if (!is_get)
			return send_error(c, 405, "GET or POST only");
		return send_json(c, 200, sessions__list(w->sessions));
	}
	if (!strncmp(url, "/api/profiles/", 14))
		return profiles_route(w, c, url + 14, method);
	if (!strcmp(url, "/api/diff")) {
		if (!is_get)
			return send_error(c, 405, "GET only");
		return diff(w, c);
	}
	if (!strncmp(url, "/api/", 5))
		return send_error(c, 404, "no such API: %s", url);
	if (!is_get)
		return send_error(c, 405, "GET only");
	size_t len;
	const char *type;
	const char *body = pages__asset(url, &len, &type);
	if (!body)
		return send_error(c, 404, "not found");
	return send_buf(c, 200, type, body, len, false);
}

/* GET /?token=T: sets the cookie and redirects to the bare URL (the token leaves the bar). */
static enum MHD_Result login(struct web *w, struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	security_headers(r);
	char cookie[256];
	snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict",
		 w->token);
	MHD_add_response_header(r, "Set-Cookie", cookie);
	MHD_add_response_header(r, "Location", "/");
	enum MHD_Result ret = MHD_queue_response(c, 303, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result api__handle(void *cls, struct MHD_Connection *c, const char *url,
			    const char *method, const char *version, const char *upload,
			    size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct req *rq = *con_cls;
	(void)version;
	if (!rq) {
		rq = xcalloc(1, sizeof(*rq));
		*con_cls = rq;
		/* checks before any body is read */
		const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
		if (!host_ok(w, host))
			return send_error(c, 403, "Host '%s' is not this server's address",
					  host ? host : "");
		const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
		if (origin) {
			char want[128];
			snprintf(want, sizeof(want), "http://%s", host);
			if (strcasecmp(origin, want))
				return send_error(c, 403, "cross-origin request from '%s' refused",
						  origin);
		}
		const char *qt = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
		if (w->token[0] && qt && !strcmp(url, "/") && !strcmp(method, "GET") &&
		    ct_equal(qt, w->token))
			return login(w, c);
		if (!authorized(w, c))
			return send_error(c, 401, "missing or wrong token: open the URL serve "
						  "printed, or send 'Authorization: Bearer TOKEN'");
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > w->o.max_body)
			rq->too_big = true;
		else
			strbuf__add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return route(w, c, url, method, rq);
}

void api__completed(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct req *rq = *con_cls;
	if (!rq)
		return;
	strbuf__free(&rq->body);
	free(rq);
	*con_cls = NULL;
}
