// SPDX-License-Identifier: MIT
/* Push to Pyroscope: the bounded on-disk queue and the sender thread (libcurl, retry with backoff). */
#include "push.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "push_curl.h"

#include "../sink/sink.h"
#include "../source/read_formats.h"
#include "../util/util.h"

/*
 * Each waiting profile is one file DIR/NNNNNNNNNNNNNNNNNNNN.push (a sequence number that
 * sorts by age), written atomically (util__write_file), so a crash never leaves half a
 * profile. Its text head is "scorch-push 1\n" QUERY "\n" CONTENT-TYPE "\n", then the body.
 * Headers (credentials) are never written to disk: they come from the running command.
 */
#define MAGIC "scorch-push 1\n"
#define BACKOFF_MIN 0.5
#define BACKOFF_MAX 16.0

struct push_queue {
	char *dir;
	char *endpoint; /* URL/ingest */
	unsigned max;
	struct curl_slist *headers; /* the user's; Content-Type is added per request */
	pthread_t thread;
	bool joinable;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;          /* leave now (free) */
	bool draining;      /* the end: no waiting beyond deadline */
	double deadline;    /* CLOCK_MONOTONIC */
	unsigned pending;   /* files in the directory */
	uint64_t seq;
	unsigned sent, dropped, failed;
	bool warned;
	bool folded_only;   /* the server refused pprof: convert before sending */
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_item(const char *name)
{
	size_t n = strlen(name);
	return n == 25 && !strcmp(name + 20, ".push") && strspn(name, "0123456789") == 20;
}

/* The oldest item's file name into out (26 bytes), and how many there are. */
static unsigned scan(struct push_queue *q, char *oldest, uint64_t *newest)
{
	DIR *d = opendir(q->dir);
	unsigned n = 0;
	oldest[0] = '\0';
	if (newest)
		*newest = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_item(e->d_name))
			continue;
		n++;
		if (!oldest[0] || strcmp(e->d_name, oldest) < 0)
			memcpy(oldest, e->d_name, 26);
		if (newest) {
			uint64_t s = strtoull(e->d_name, NULL, 10);
			if (s > *newest)
				*newest = s;
		}
	}
	closedir(d);
	return n;
}

static void unlink_item(struct push_queue *q, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", q->dir, name);
	unlink(path);
}

int push_queue__put(struct push_queue *q, const struct push_item *it)
{
	pthread_mutex_lock(&q->mu);
	char oldest[32];
	unsigned n = scan(q, oldest, NULL);
	while (n >= q->max && oldest[0]) {
		unlink_item(q, oldest);
		q->dropped++;
		n = scan(q, oldest, NULL);
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/%020llu.push", q->dir, (unsigned long long)++q->seq);
	struct strbuf sb = {0};
	strbuf__adds(&sb, MAGIC);
	strbuf__adds(&sb, it->query);
	strbuf__addc(&sb, '\n');
	strbuf__adds(&sb, it->content_type);
	strbuf__addc(&sb, '\n');
	strbuf__add(&sb, it->body, it->len);
	int rc = util__write_file(path, sb.buf, sb.len); /* atomic: a temporary file renamed */
	if (rc == 0)
		q->pending = n + 1;
	strbuf__free(&sb);
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return rc;
}

/* Reads an item file back; 0, or -EINVAL for a file that is not one (it is dropped). */
static int read_item(struct push_queue *q, const char *name, struct push_item *it, char **raw)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", q->dir, name);
	size_t len;
	int rc = util__read_file(path, raw, &len);
	if (rc < 0)
		return rc;
	char *s = *raw, *end = s + len;
	if (len < strlen(MAGIC) || memcmp(s, MAGIC, strlen(MAGIC)))
		return -EINVAL;
	s += strlen(MAGIC);
	char *nl1 = memchr(s, '\n', (size_t)(end - s));
	char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1)) : NULL;
	if (!nl2)
		return -EINVAL;
	*nl1 = *nl2 = '\0';
	it->query = s;
	it->content_type = nl1 + 1;
	it->body = nl2 + 1;
	it->len = (size_t)(end - nl2 - 1);
	return 0;
}

static size_t discard(char *ptr, size_t size, size_t n, void *arg)
{
	struct strbuf *sb = arg;
	if (sb->len < 512)
		strbuf__add(sb, ptr, size * n < 512 ? size * n : 512);
	return size * n;
}

/* One POST. Returns the HTTP status, or -1 with a reason in why when no answer came. */
static long post(struct push_queue *q, CURL *h, const struct push_item *it, char *why, size_t cap)
{
	struct strbuf url = {0}, ct = {0}, answer = {0};
	strbuf__addf(&url, "%s?%s", q->endpoint, it->query);
	strbuf__addf(&ct, "Content-Type: %s", it->content_type);
	struct curl_slist *hdrs = push_curl.slist_append(NULL, ct.buf);
	for (struct curl_slist *u = q->headers; u; u = u->next)
		hdrs = push_curl.slist_append(hdrs, u->data);
	hdrs = push_curl.slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
	char errbuf[CURL_ERROR_SIZE] = "";
	push_curl.easy_setopt(h, CURLOPT_URL, url.buf);
	push_curl.easy_setopt(h, CURLOPT_POST, 1L);
	push_curl.easy_setopt(h, CURLOPT_POSTFIELDS, it->body);
	push_curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	push_curl.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	push_curl.easy_setopt(h, CURLOPT_USERAGENT, "scorch");
	push_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	push_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
	push_curl.easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	push_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	push_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	push_curl.easy_setopt(h, CURLOPT_WRITEDATA, &answer);
	CURLcode cc = push_curl.easy_perform(h);
	long status = -1;
	if (cc == CURLE_OK) {
		push_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		snprintf(why, cap, "HTTP %ld%s%.200s", status, answer.len ? ": " : "",
			 answer.len ? answer.buf : "");
		for (char *c = why; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
	} else {
		snprintf(why, cap, "%s", errbuf[0] ? errbuf : push_curl.easy_strerror(cc));
	}
	push_curl.easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	push_curl.slist_free_all(hdrs);
	strbuf__free(&url);
	strbuf__free(&ct);
	strbuf__free(&answer);
	return status;
}

/* The pprof item as folded text (for a server that refuses pprof); 0 or -EINVAL. */
static int to_folded(const struct push_item *it, struct strbuf *body, char **query)
{
	struct profile *p = profile__new();
	struct strbuf err = {0};
	int rc = format__load(it->body, it->len, p, NULL, &err);
	if (rc == 0) {
		struct sink_opts so;
		sink_opts__init(&so);
		char e[128];
		rc = folded__write(p, &so, body, e, sizeof(e));
	}
	profile__free(p);
	strbuf__free(&err);
	if (rc < 0)
		return rc;
	const char *f = strstr(it->query, "&format=pprof");
	struct strbuf q = {0};
	if (f) {
		strbuf__add(&q, it->query, (size_t)(f - it->query));
		strbuf__adds(&q, "&format=folded");
		strbuf__adds(&q, f + strlen("&format=pprof"));
	} else {
		strbuf__adds(&q, it->query);
	}
	*query = q.buf;
	return 0;
}

enum outcome { SENT, RETRY, REFUSED };

/* Sends one item; a pprof body the server refuses (400, 415, 422) goes again as folded. */
static enum outcome send_item(struct push_queue *q, CURL *h, struct push_item *it)
{
	char why[512];
	bool pprof = !strcmp(it->content_type, "application/octet-stream");
	struct strbuf alt = {0};
	char *altq = NULL;
	enum outcome out;
	if (pprof && q->folded_only && to_folded(it, &alt, &altq) == 0) {
		struct push_item f = {altq, "text/plain", alt.buf ? alt.buf : "", alt.len};
		long st = post(q, h, &f, why, sizeof(why));
		out = st >= 200 && st < 300 ? SENT : st < 0 || st >= 500 || st == 408 || st == 429
							   ? RETRY : REFUSED;
		goto done;
	}
	long st = post(q, h, it, why, sizeof(why));
	if (st >= 200 && st < 300) {
		out = SENT;
	} else if (st < 0 || st >= 500 || st == 408 || st == 429) {
		out = RETRY;
	} else if (pprof && (st == 400 || st == 415 || st == 422) &&
		   to_folded(it, &alt, &altq) == 0) {
		struct push_item f = {altq, "text/plain", alt.buf ? alt.buf : "", alt.len};
		char why2[512];
		long st2 = post(q, h, &f, why2, sizeof(why2));
		out = st2 >= 200 && st2 < 300 ? SENT : st2 < 0 || st2 >= 500 ? RETRY : REFUSED;
		if (out == SENT) {
			q->folded_only = true;
			util__warn("push: %s refused pprof (%s); sending folded text instead",
				   q->endpoint, why);
		} else {
			snprintf(why, sizeof(why), "%s", why2);
		}
	} else {
		out = REFUSED;
	}
done:
	if (out == RETRY && !q->warned) {
		q->warned = true;
		util__warn("push: %s: %s; retrying with backoff, profiles wait in %s", q->endpoint,
			   why, q->dir);
	} else if (out == REFUSED) {
		util__warn("push: %s refused a profile (%s); dropped", q->endpoint, why);
	}
	free(altq);
	strbuf__free(&alt);
	return out;
}

static void timed_wait(struct push_queue *q, double until)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	double left = until - now;
	if (left <= 0)
		return;
	ts.tv_sec += (time_t)left;
	ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&q->cv, &q->mu, &ts);
}

/* The sender: oldest first; on failure the same item again after a growing pause. */
static void *sender(void *arg)
{
	struct push_queue *q = arg;
	CURL *h = push_curl.easy_init();
	double backoff = BACKOFF_MIN;
	pthread_mutex_lock(&q->mu);
	while (!q->stop && h) {
		char name[32];
		q->pending = scan(q, name, NULL);
		if (!name[0]) {
			pthread_cond_broadcast(&q->cv); /* tell drain the queue is empty */
			if (q->draining)
				timed_wait(q, q->deadline);
			else
				pthread_cond_wait(&q->cv, &q->mu);
			if (q->draining && mono_now() >= q->deadline)
				break;
			continue;
		}
		pthread_mutex_unlock(&q->mu);
		struct push_item it;
		char *raw = NULL;
		int rc = read_item(q, name, &it, &raw);
		enum outcome out = rc < 0 ? REFUSED : send_item(q, h, &it);
		free(raw);
		pthread_mutex_lock(&q->mu);
		if (out == RETRY) {
			q->failed++;
			/* new items wake the thread too: the pause still runs to its end */
			double until = mono_now() + backoff;
			while (!q->stop && mono_now() < until) {
				if (q->draining && until > q->deadline)
					until = q->deadline;
				timed_wait(q, until);
			}
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
			if (q->draining && mono_now() >= q->deadline)
				break;
			continue;
		}
		unlink_item(q, name);
		if (out == SENT)
			q->sent++;
		else
			q->dropped++;
		backoff = BACKOFF_MIN;
	}
	q->pending = scan(q, (char[32]){0}, NULL);
	q->started = false; /* finished: drain and free need not wait */
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	if (h)
		push_curl.easy_cleanup(h);
	return NULL;
}

struct push_queue *push_queue__new(const struct push_opts *o, char *err, size_t errlen)
{
	struct push_queue *q = xcalloc(1, sizeof(*q));
	if (o->queue_dir) {
		q->dir = xstrdup(o->queue_dir);
	} else {
		const char *env = getenv("SCORCH_PUSH_QUEUE");
		struct strbuf d = {0};
		if (env && *env)
			strbuf__adds(&d, env);
		else
			strbuf__addf(&d, "/var/tmp/scorch-push-%u", (unsigned)getuid());
		q->dir = d.buf;
	}
	int rc = util__mkdirs(q->dir, 0700);
	if (rc == 0 && access(q->dir, W_OK | X_OK) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "cannot use the push queue %s: %s (--push-queue DIR)", q->dir,
			 strerror(-rc));
		free(q->dir);
		free(q);
		return NULL;
	}
	struct strbuf ep = {0};
	size_t ulen = strlen(o->url);
	while (ulen && o->url[ulen - 1] == '/')
		ulen--;
	strbuf__add(&ep, o->url, ulen);
	if (!util__has_suffix(ep.buf, "/ingest"))
		strbuf__adds(&ep, "/ingest");
	q->endpoint = ep.buf;
	q->max = o->queue_max ? o->queue_max : 64;
	for (int i = 0; i < o->nheaders; i++)
		q->headers = push_curl.slist_append(q->headers, o->headers[i]);
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* numbers go on after what an earlier run left, so its profiles are sent first */
	char oldest[32];
	uint64_t newest;
	q->pending = scan(q, oldest, &newest);
	q->seq = newest;
	q->started = true;
	if (pthread_create(&q->thread, NULL, sender, q) != 0) {
		q->started = false;
		snprintf(err, errlen, "cannot start the push thread");
		push_queue__free(q);
		return NULL;
	}
	q->joinable = true;
	return q;
}

unsigned push_queue__drain(struct push_queue *q, double timeout_s)
{
	pthread_mutex_lock(&q->mu);
	q->draining = true;
	q->deadline = mono_now() + timeout_s;
	pthread_cond_broadcast(&q->cv);
	while (q->started && mono_now() < q->deadline) {
		char name[32];
		if (!scan(q, name, NULL))
			break;
		timed_wait(q, q->deadline);
	}
	char name[32];
	unsigned left = scan(q, name, NULL);
	pthread_mutex_unlock(&q->mu);
	return left;
}

void push_queue__counts(struct push_queue *q, unsigned *sent, unsigned *dropped,
			unsigned *failed_attempts)
{
	pthread_mutex_lock(&q->mu);
	*sent = q->sent;
	*dropped = q->dropped;
	*failed_attempts = q->failed;
	pthread_mutex_unlock(&q->mu);
}

const char *push_queue__dir(const struct push_queue *q)
{
	return q->dir;
}

void push_queue__free(struct push_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	if (q->joinable)
		pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	push_curl.slist_free_all(q->headers);
	free(q->endpoint);
	free(q->dir);
	free(q);
}
