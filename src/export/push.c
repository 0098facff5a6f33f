// SPDX-License-Identifier: MIT
/* Push to Pyroscope: the options, the interval clock, and each interval's profile as a request. */
#include "push.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "push_curl.h"

#include "../sink/formats.h"
#include "../sink/sink.h"
#include "../util/util.h"

const char push_opts__help[] =
	"Push to Pyroscope (or anything that speaks its HTTP ingest API):\n"
	"      --push URL     send the profile to URL/ingest (e.g. http://pyroscope:4040)\n"
	"      --app NAME     application name (default scorch); sent as NAME.cpu{labels}\n"
	"                     (NAME.off_cpu with --off-cpu, NAME.wall with --on-off)\n"
	"      --labels K=V,...  labels of the series, e.g. env=prod,region=eu\n"
	"      --every DUR    send what was sampled in each interval of DUR (10, 10s, 1m;\n"
	"                     at least 1 s) instead of once at the end\n"
	"      --push-header 'NAME: VALUE'  an HTTP header for every request (repeatable),\n"
	"                     e.g. 'X-Scope-OrgID: team-a' or 'Authorization: Bearer ...'\n"
	"      --push-format F  pprof (default) or folded; a server that refuses pprof\n"
	"                     gets folded text instead\n"
	"      --push-queue DIR profiles wait here while the server is unreachable (default\n"
	"                     $SCORCH_PUSH_QUEUE or /var/tmp/scorch-push-UID); the next run\n"
	"                     sends what an earlier one left\n"
	"      --push-queue-max N  keep at most N waiting profiles, dropping the oldest (64)\n"
	"      --push-timeout S  how long the end waits for the queue to empty (default 10)\n";

/* "10", "2.5", "10s", "1m", "1h": seconds, or -1. */
static double parse_duration(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v > 0) || !isfinite(v))
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		return v;
	if (!strcmp(end, "ms"))
		return v / 1000;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	return -1;
}

/* A label name as Pyroscope accepts it: [a-zA-Z_][a-zA-Z0-9_.]* */
static bool label_name_ok(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

static int check_labels(const char *arg, char *err, size_t errlen)
{
	const char *p = arg;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (!eq || !label_name_ok(p, (size_t)(eq - p)) || eq + 1 == p + n ||
		    memchr(eq + 1, '{', (size_t)(p + n - eq - 1)) ||
		    memchr(eq + 1, '}', (size_t)(p + n - eq - 1))) {
			snprintf(err, errlen,
				 "invalid --labels '%s': expected NAME=VALUE[,NAME=VALUE...] "
				 "(names: letters, digits, _ and .)", arg);
			return -EINVAL;
		}
		p += n + (comma ? 1 : 0);
	}
	return 0;
}

int push_opts__parse(struct push_opts *o, const char *opt, const char *arg, char *err,
		     size_t errlen)
{
	if (!strcmp(opt, "push")) {
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8)) {
			snprintf(err, errlen, "invalid --push '%s': expected an http:// or https:// URL",
				 arg);
			return -EINVAL;
		}
		o->url = arg;
	} else if (!strcmp(opt, "app")) {
		if (!*arg || strpbrk(arg, "{}=, ")) {
			snprintf(err, errlen, "invalid --app '%s': a name without spaces, {, }, = or ,",
				 arg);
			return -EINVAL;
		}
		o->app = arg;
	} else if (!strcmp(opt, "labels")) {
		if (check_labels(arg, err, errlen) < 0)
			return -EINVAL;
		o->labels = arg;
	} else if (!strcmp(opt, "every")) {
		o->every_s = parse_duration(arg);
		if (o->every_s < 1) {
			snprintf(err, errlen,
				 "invalid --every '%s': expected a duration of at least 1 s (10, 10s, 1m)",
				 arg);
			return -EINVAL;
		}
	} else if (!strcmp(opt, "push-header")) {
		const char *colon = strchr(arg, ':');
		if (!colon || colon == arg || strpbrk(arg, "\r\n") || memchr(arg, ' ', (size_t)(colon - arg))) {
			snprintf(err, errlen, "invalid --push-header '%s': expected 'Name: value'", arg);
			return -EINVAL;
		}
		if (o->nheaders == PUSH_MAX_HEADERS) {
			snprintf(err, errlen, "too many --push-header options (at most %d)",
				 PUSH_MAX_HEADERS);
			return -EINVAL;
		}
		o->headers[o->nheaders++] = arg;
	} else if (!strcmp(opt, "push-format")) {
		if (!strcmp(arg, "pprof"))
			o->format = PUSH_PPROF;
		else if (!strcmp(arg, "folded"))
			o->format = PUSH_FOLDED;
		else {
			snprintf(err, errlen, "invalid --push-format '%s': expected pprof or folded", arg);
			return -EINVAL;
		}
	} else if (!strcmp(opt, "push-queue")) {
		if (!*arg) {
			snprintf(err, errlen, "--push-queue needs a directory");
			return -EINVAL;
		}
		o->queue_dir = arg;
	} else if (!strcmp(opt, "push-queue-max")) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(arg, &end, 10);
		if (errno || *end || end == arg || *arg == '-' || v < 1 || v > 100000) {
			snprintf(err, errlen, "invalid --push-queue-max '%s': expected 1 to 100000", arg);
			return -EINVAL;
		}
		o->queue_max = (unsigned)v;
	} else if (!strcmp(opt, "push-timeout")) {
		char *end;
		errno = 0;
		double v = strtod(arg, &end);
		if (errno || *end || end == arg || !(v >= 0) || v > 86400) {
			snprintf(err, errlen, "invalid --push-timeout '%s': expected seconds >= 0", arg);
			return -EINVAL;
		}
		o->timeout_s = v > 0 ? v : 1e-3;
	} else {
		return 0;
	}
	return 1;
}

int push_opts__check(const struct push_opts *o, char *err, size_t errlen)
{
	if (!o->url && (o->app || o->labels || o->every_s > 0 || o->nheaders || o->queue_dir ||
			o->queue_max || o->timeout_s > 0 || o->format != PUSH_PPROF)) {
		snprintf(err, errlen, "--app, --labels, --every and the --push-* options need --push URL");
		return -EINVAL;
	}
	return 0;
}

/* ---- the agent ---- */

/*
 * Per kind: the series name's suffix (Pyroscope's profile type for folded bodies), the units
 * parameter, and the name of the pushed profile's column, which becomes the pprof sample type
 * (NULL: the recorded column, samples). Pyroscope reads the type and unit of a pprof body
 * from its sample types: "wall" makes a wall series, a type naming "cpu" a process_cpu one.
 */
static const struct {
	const char *suffix, *units, *column;
} kinds[] = {
	[PUSH_CPU] = {"cpu", "samples", NULL},
	[PUSH_OFFCPU] = {"off_cpu", "nanoseconds", "off-cpu"},
	[PUSH_WALL] = {"wall", "nanoseconds", "wall"},
};

struct push_agent {
	struct push_opts o;
	struct push_queue *q;
	double next_due;   /* CLOCK_MONOTONIC seconds of the next interval's end */
	uint64_t from_s;   /* unix seconds the next profile starts at */
	uint64_t *sent;    /* per node: the value already pushed (column 0) */
	uint32_t nsent;
	/* take_interval's scratch, kept between intervals (sized to p, which only grows) */
	uint8_t *need;
	uint32_t *map, *fmap;
	uint32_t capfmap;
	unsigned npushed;
	uint64_t dropped_total; /* column 0 taken out of p by resets */
	bool reset;        /* p is only for pushing: drop its tree after each push */
	bool fallback;     /* the server refused pprof once: folded from then on */
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct push_agent *push_agent__new(const struct push_opts *o, char *err, size_t errlen)
{
	if (push_curl__load(err, errlen) < 0)
		return NULL;
	if (push_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot start libcurl");
		return NULL;
	}
	struct push_agent *a = xcalloc(1, sizeof(*a));
	a->o = *o;
	if (!a->o.app)
		a->o.app = "scorch";
	a->q = push_queue__new(&a->o, err, errlen);
	if (!a->q) {
		free(a);
		push_curl.global_cleanup();
		return NULL;
	}
	a->from_s = (uint64_t)time(NULL);
	return a; /* the interval clock starts at the first tick, once sampling runs */
}

/* Build-id as bytes from the model's lower-case hex; returns the byte count. */
static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	while (s[0] && s[1] && n < cap) {
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (unsigned char)v;
		s += 2;
	}
	return n;
}

/* The frame f of p, found or added in q (name, kind, module, source line, address, mapping). */
static uint32_t copy_frame(struct profile *q, const struct profile *p, uint32_t f)
{
	const struct frame *fr = profile__frame_get(p, f);
	struct frame_info fi = {0};
	fi.name = profile__str(p, fr->name);
	fi.name_len = profile__strlen(p, fr->name);
	if (fr->raw != PROFILE_NONE) {
		fi.raw = profile__str(p, fr->raw);
		fi.raw_len = profile__strlen(p, fr->raw);
	}
	fi.module = fr->module != PROFILE_NONE ? profile__str(p, fr->module) : NULL;
	fi.file = fr->file != PROFILE_NONE ? profile__str(p, fr->file) : NULL;
	fi.line = fr->line;
	fi.kind = (enum frame_kind)fr->kind;
	fi.addr = fr->addr;
	struct mapping_info mi = {0};
	unsigned char bid[64];
	if (fr->mapping != PROFILE_NONE) {
		const struct mapping *m = profile__mapping_get(p, fr->mapping);
		mi.path = profile__str(p, m->path);
		if (m->build_id != PROFILE_NONE) {
			mi.build_id = bid;
			mi.build_id_len = unhex(profile__str(p, m->build_id), bid, sizeof(bid));
		}
		mi.start = m->start;
		mi.end = m->end;
		mi.pgoff = m->pgoff;
		fi.map = &mi;
	}
	return profile__frame_full(q, &fi);
}

/*
 * What p gained in column 0 since the last push, as a profile of its own (NULL when nothing),
 * and the "sent" marks moved up to p's values. Trie nodes are appended only, so a parent's id
 * is below its children's: one pass up marks the nodes worth copying, one pass down copies.
 */
static struct profile *take_interval(struct push_agent *a, const struct profile *p)
{
	uint32_t nn = profile__nnodes(p);
	if (nn > a->nsent) {
		a->sent = xrealloc(a->sent, nn * sizeof(*a->sent));
		memset(a->sent + a->nsent, 0, (nn - a->nsent) * sizeof(*a->sent));
		a->need = xrealloc(a->need, nn);
		a->map = xrealloc(a->map, nn * sizeof(*a->map));
		a->nsent = nn;
	}
	uint8_t *need = a->need;
	memset(need, 0, nn);
	bool any = false;
	for (uint32_t n = nn; n-- > 1;) {
		if (profile__self(p, n, 0) > a->sent[n])
			need[n] = 2; /* a value of its own */
		if (need[n]) {
			any = true;
			uint32_t par = profile__node_parent(p, n);
			if (!need[par])
				need[par] = 1;
		}
	}
	if (!any)
		return NULL;
	struct profile *q = profile__new();
	if (kinds[a->o.kind].column) /* time in ns: the pprof sample type takes the column's name */
		profile__set_column(q, 0, kinds[a->o.kind].column, COLUMN_NANOSECONDS);
	else
		profile__set_column(q, 0, profile__column_name(p, 0), profile__column_type(p, 0));
	profile__set_value_scale(q, profile__value_scale(p));
	uint32_t *map = a->map; /* written for every needed node before its children read it */
	uint32_t nf = profile__nframes(p);
	if (nf > a->capfmap) {
		a->fmap = xrealloc(a->fmap, nf * sizeof(*a->fmap));
		a->capfmap = nf;
	}
	uint32_t *fmap = a->fmap; /* frame + 1 */
	memset(fmap, 0, nf * sizeof(*fmap));
	map[PROFILE_ROOT] = PROFILE_ROOT;
	for (uint32_t n = 1; n < nn; n++) {
		if (!need[n])
			continue;
		uint32_t f = profile__node_frame(p, n);
		if (!fmap[f])
			fmap[f] = copy_frame(q, p, f) + 1;
		map[n] = profile__child(q, map[profile__node_parent(p, n)], fmap[f] - 1);
		if (need[n] == 2) {
			uint64_t v = profile__self(p, n, 0);
			profile__add(q, map[n], 0, v - a->sent[n]);
			a->sent[n] = v;
		}
	}
	const struct profile_meta *pm = profile__meta((struct profile *)p);
	struct profile_meta *qm = profile__meta(q);
	qm->event = pm->event ? xstrdup(pm->event) : NULL;
	qm->cmdline = pm->cmdline ? xstrdup(pm->cmdline) : NULL;
	qm->host = pm->host ? xstrdup(pm->host) : NULL;
	qm->period = pm->period;
	qm->freq = pm->freq;
	return q;
}

/* name=APP.KIND{labels}&from=&until=&format=&sampleRate=&spyName=&units=&aggregationType= */
static char *build_query(const struct push_agent *a, const struct profile *q, uint64_t from,
			 uint64_t until, bool folded)
{
	struct strbuf name = {0};
	strbuf__addf(&name, "%s.%s{%s}", a->o.app, kinds[a->o.kind].suffix,
		     a->o.labels ? a->o.labels : "");
	char *ename = push_curl.easy_escape(NULL, name.buf, (int)name.len);
	const struct profile_meta *m = profile__meta((struct profile *)q);
	unsigned rate = m->freq;
	if (!rate && m->period && m->event && strstr(m->event, "clock"))
		rate = (unsigned)(1e9 / (double)m->period + 0.5);
	/* Values in ns: one unit per ns. Pyroscope multiplies a folded body's values by
	 * 1e9 / sampleRate, which must then be 1. */
	if (kinds[a->o.kind].column)
		rate = 1000000000;
	struct strbuf s = {0};
	strbuf__addf(&s,
		     "name=%s&from=%llu&until=%llu&format=%s&sampleRate=%u&spyName=scorch"
		     "&units=%s&aggregationType=sum",
		     ename ? ename : "scorch.cpu%7B%7D", (unsigned long long)from,
		     (unsigned long long)until, folded ? "folded" : "pprof", rate ? rate : 100,
		     kinds[a->o.kind].units);
	push_curl.free(ename);
	strbuf__free(&name);
	return s.buf;
}

/* Renders q and queues it; q is freed. */
static void queue_profile(struct push_agent *a, struct profile *q, uint64_t from, uint64_t until)
{
	struct profile_meta *m = profile__meta(q);
	m->start_ns = from * 1000000000ull;
	m->duration_ns = (until - from) * 1000000000ull;
	bool folded = a->o.format == PUSH_FOLDED;
	struct strbuf body = {0}, err = {0};
	int rc;
	if (folded) {
		struct sink_opts so;
		sink_opts__init(&so);
		char e[256] = "";
		rc = folded__write(q, &so, &body, e, sizeof(e));
		if (rc < 0)
			strbuf__adds(&err, e);
	} else {
		rc = pprof__write(q, 0, NULL, &body, &err);
	}
	if (rc < 0) {
		util__warn("push: cannot render the profile: %s", err.buf ? err.buf : strerror(-rc));
	} else {
		struct push_item it = {
			.query = build_query(a, q, from, until, folded),
			.content_type = folded ? "text/plain" : "application/octet-stream",
			.body = body.buf ? body.buf : "",
			.len = body.len,
		};
		rc = push_queue__put(a->q, &it);
		if (rc < 0)
			util__warn("push: cannot queue the profile in %s: %s", push_queue__dir(a->q),
				   strerror(-rc));
		else
			a->npushed++;
		free(it.query);
	}
	strbuf__free(&body);
	strbuf__free(&err);
	profile__free(q);
}

/* Queues what p gained since the last push as [from_s, now]. */
static void push_interval(struct push_agent *a, struct profile *p)
{
	uint64_t until = (uint64_t)time(NULL);
	if (until < a->from_s)
		until = a->from_s; /* the wall clock stepped back */
	struct profile *q = take_interval(a, p);
	if (!q)
		return; /* nothing sampled: the next profile covers this time too */
	queue_profile(a, q, a->from_s, until);
	a->from_s = until;
	if (!a->reset)
		return;
	a->dropped_total += profile__column_total(p, 0);
	profile__reset_tree(p);
	free(a->sent); /* the node ids they were indexed by are gone */
	free(a->need);
	free(a->map);
	a->sent = NULL;
	a->need = NULL;
	a->map = NULL;
	a->nsent = 0;
}

void push_agent__reset_after_push(struct push_agent *a)
{
	if (a)
		a->reset = true;
}

uint64_t push_agent__dropped_total(const struct push_agent *a)
{
	return a ? a->dropped_total : 0;
}

int push_agent__due_ms(struct push_agent *a)
{
	if (!a || !(a->o.every_s > 0))
		return -1;
	double now = mono_now();
	if (!(a->next_due > 0))
		a->next_due = now + a->o.every_s;
	double left = a->next_due - now;
	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

void push_agent__tick(struct push_agent *a, struct profile *p)
{
	if (!a || !(a->o.every_s > 0))
		return;
	double now = mono_now();
	if (!(a->next_due > 0))
		a->next_due = now + a->o.every_s;
	if (now < a->next_due)
		return;
	a->next_due += a->o.every_s;
	if (a->next_due <= now) /* a stall longer than an interval: start again from now */
		a->next_due = now + a->o.every_s;
	push_interval(a, p);
}

int push_agent__finish(struct push_agent *a, struct profile *p)
{
	if (!a)
		return 0;
	if (p)
		push_interval(a, p);
	double timeout = a->o.timeout_s > 0 ? a->o.timeout_s : 10;
	unsigned left = push_queue__drain(a->q, timeout);
	unsigned sent, dropped, failed;
	push_queue__counts(a->q, &sent, &dropped, &failed);
	if (dropped)
		util__warn("push: the queue was full: %u oldest profile%s dropped (--push-queue-max)",
			   dropped, dropped == 1 ? "" : "s");
	if (left)
		util__warn("push: %u profile%s could not be sent to %s within %.0f s; %s kept in %s "
			   "for the next run",
			   left, left == 1 ? "" : "s", a->o.url, timeout, left == 1 ? "it is" : "they are",
			   push_queue__dir(a->q));
	return left ? -EAGAIN : 0;
}

void push_agent__free(struct push_agent *a)
{
	if (!a)
		return;
	push_queue__free(a->q);
	free(a->sent);
	free(a->need);
	free(a->map);
	free(a->fmap);
	free(a);
	push_curl.global_cleanup();
}
