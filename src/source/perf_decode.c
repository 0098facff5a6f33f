// SPDX-License-Identifier: MIT
/* Decodes perf_event_open records: samples into profile stacks, task/mmap records into maps. */
#define _GNU_SOURCE
#include "perf_decode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/util.h"
#include "frame_name.h"

#define MAX_INLINE 16
#define KERNEL_KEY UINT64_MAX

/* Open addressing map from a 128-bit key to a uint32_t value. */
struct kent {
	uint64_t a, b;
	uint32_t v;
	uint32_t used;
};

struct kmap {
	struct kent *e;
	uint32_t cap, n;
};

struct pidinfo {
	uint32_t gen;   /* bumped on exec and pid reuse: part of the address cache key */
	uint8_t known;  /* the symbolizer has this pid's maps */
};

struct comminfo {
	char comm[16];
	uint32_t pid;
	uint32_t root;             /* cached root frame id, valid when root_prof matches */
	const struct profile *root_prof;
};

struct perf_decoder {
	const struct record_opts *opts;
	struct symbolizer *sym;
	struct kmap pids, comms, addrs;
	struct pidinfo *pidv;
	uint32_t npidv, cappidv;
	struct comminfo *commv;
	uint32_t ncommv, capcommv;
	uint32_t *pool; /* address cache: [count, frame ids...] runs */
	size_t npool, cappool;
	const struct profile *cache_prof; /* frame ids in the cache belong to this profile */
	uint32_t *stack;                  /* scratch: frame ids leaf first */
	size_t capstack;
	uint32_t *rev;
	size_t caprev;
	struct strbuf name;
};

static uint64_t key_hash(uint64_t a, uint64_t b)
{
	return util__hash_u64(a ^ util__hash_u64(b));
}

static void kmap__grow(struct kmap *m)
{
	uint32_t ncap = m->cap ? m->cap * 2 : 256;
	struct kent *ne = xcalloc(ncap, sizeof(*ne));
	for (uint32_t i = 0; i < m->cap; i++) {
		if (!m->e[i].used)
			continue;
		uint32_t j = key_hash(m->e[i].a, m->e[i].b) & (ncap - 1);
		while (ne[j].used)
			j = (j + 1) & (ncap - 1);
		ne[j] = m->e[i];
	}
	free(m->e);
	m->e = ne;
	m->cap = ncap;
}

/* Returns the value slot for key; *fresh says it was just inserted (value 0). */
static uint32_t *kmap__get(struct kmap *m, uint64_t a, uint64_t b, bool *fresh)
{
	if ((m->n + 1) * 10 >= m->cap * 7)
		kmap__grow(m);
	uint32_t j = key_hash(a, b) & (m->cap - 1);
	while (m->e[j].used) {
		if (m->e[j].a == a && m->e[j].b == b) {
			*fresh = false;
			return &m->e[j].v;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->e[j] = (struct kent){.a = a, .b = b, .v = 0, .used = 1};
	m->n++;
	*fresh = true;
	return &m->e[j].v;
}

static void kmap__clear(struct kmap *m)
{
	if (m->e)
		memset(m->e, 0, sizeof(*m->e) * m->cap);
	m->n = 0;
}

static void kmap__destroy(struct kmap *m)
{
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}

struct perf_decoder *perf_decoder__new(const struct record_opts *opts, struct symbolizer *sym)
{
	struct perf_decoder *d = xcalloc(1, sizeof(*d));
	d->opts = opts;
	d->sym = sym;
	return d;
}

void perf_decoder__free(struct perf_decoder *d)
{
	if (!d)
		return;
	kmap__destroy(&d->pids);
	kmap__destroy(&d->comms);
	kmap__destroy(&d->addrs);
	free(d->pidv);
	free(d->commv);
	free(d->pool);
	free(d->stack);
	free(d->rev);
	strbuf__free(&d->name);
	free(d);
}

static struct pidinfo *pid_get(struct perf_decoder *d, uint32_t pid)
{
	bool fresh;
	uint32_t *v = kmap__get(&d->pids, pid, 0, &fresh);
	if (fresh) {
		if (d->npidv == d->cappidv) {
			d->cappidv = d->cappidv ? d->cappidv * 2 : 256;
			d->pidv = xrealloc(d->pidv, sizeof(*d->pidv) * d->cappidv);
		}
		d->pidv[d->npidv] = (struct pidinfo){0};
		*v = d->npidv++;
	}
	return &d->pidv[*v];
}

void perf_decoder__known_pid(struct perf_decoder *d, uint32_t pid)
{
	pid_get(d, pid)->known = 1;
}

/* Makes sure the symbolizer has pid's maps: read /proc while the process still lives. */
static struct pidinfo *pid_ensure(struct perf_decoder *d, uint32_t pid)
{
	struct pidinfo *pi = pid_get(d, pid);
	if (!pi->known) {
		pi->known = 1;
		if (pid != 0)
			symbolizer__add_pid(d->sym, pid);
	}
	return pi;
}

static struct comminfo *comm_get(struct perf_decoder *d, uint32_t tid, bool *fresh)
{
	uint32_t *v = kmap__get(&d->comms, tid, 0, fresh);
	if (*fresh) {
		if (d->ncommv == d->capcommv) {
			d->capcommv = d->capcommv ? d->capcommv * 2 : 256;
			d->commv = xrealloc(d->commv, sizeof(*d->commv) * d->capcommv);
		}
		d->commv[d->ncommv] = (struct comminfo){0};
		*v = d->ncommv++;
	}
	return &d->commv[*v];
}

static void comm_set(struct comminfo *c, uint32_t pid, const char *comm)
{
	size_t n = strnlen(comm, sizeof(c->comm) - 1);
	memcpy(c->comm, comm, n);
	c->comm[n] = '\0';
	c->pid = pid;
	c->root_prof = NULL;
}

/* A thread first seen in a sample: its name from /proc, or perf's ":TID" when it is gone. */
static void comm_from_proc(struct comminfo *c, uint32_t pid, uint32_t tid)
{
	char path[64], buf[32];
	if (tid == 0) {
		comm_set(c, pid, "swapper");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		comm_set(c, pid, buf);
	} else {
		snprintf(buf, sizeof(buf), ":%u", tid);
		comm_set(c, pid, buf);
	}
}

/* The root frame: comm, comm-PID or comm-PID/TID with spaces as '_' (stackcollapse-perf). */
static uint32_t root_frame(struct perf_decoder *d, struct profile *p, uint32_t pid, uint32_t tid)
{
	bool fresh;
	struct comminfo *c = comm_get(d, tid, &fresh);
	if (fresh || c->comm[0] == '\0')
		comm_from_proc(c, pid, tid);
	if (c->root_prof == p && c->pid == pid)
		return c->root;
	char buf[64];
	int n;
	if (d->opts->root == ROOT_TID)
		n = snprintf(buf, sizeof(buf), "%s-%u/%u", c->comm, pid, tid);
	else if (d->opts->root == ROOT_PID)
		n = snprintf(buf, sizeof(buf), "%s-%u", c->comm, pid);
	else
		n = snprintf(buf, sizeof(buf), "%s", c->comm);
	for (int i = 0; i < n; i++)
		if (buf[i] == ' ')
			buf[i] = '_';
	c->pid = pid;
	c->root = profile__frame_named(p, buf, (size_t)n, FRAME_SYNTHETIC);
	c->root_prof = p;
	return c->root;
}

/* The name stackcollapse-perf.pl prints for what perf script would show for f. */
static void frame_name(const struct sym_frame *f, struct strbuf *sb)
{
	if (f->name) {
		sb->len = 0;
		strbuf__adds(sb, f->name);
	} else {
		frame_name__module(sb, f->module);
	}
	frame_name__tidy(sb);
}

static void pool_reserve(struct perf_decoder *d, size_t n)
{
	if (d->npool + n > d->cappool) {
		d->cappool = (d->npool + n) * 2 + 1024;
		d->pool = xrealloc(d->pool, sizeof(*d->pool) * d->cappool);
	}
}

/* Frame ids for one address (outermost first) from the cache, symbolizing on a miss. */
static const uint32_t *resolve(struct perf_decoder *d, struct profile *p, uint32_t pid,
			       uint32_t gen, uint64_t addr, bool kernel, uint32_t *n)
{
	uint64_t key = kernel ? KERNEL_KEY : ((uint64_t)gen << 32 | pid);
	bool fresh;
	uint32_t *v = kmap__get(&d->addrs, key, addr, &fresh);
	if (!fresh) {
		*n = d->pool[*v];
		return &d->pool[*v + 1];
	}
	struct sym_frame f[MAX_INLINE];
	int nf = symbolizer__resolve(d->sym, pid, addr, kernel, f, MAX_INLINE);
	if (nf < 1)
		nf = 1, f[0] = (struct sym_frame){.module = "[unknown]", .kernel = kernel};
	if (nf > MAX_INLINE)
		nf = MAX_INLINE;
	if (!d->opts->inlines)
		nf = 1;
	pool_reserve(d, (size_t)nf + 1);
	uint32_t off = (uint32_t)d->npool;
	d->pool[d->npool++] = (uint32_t)nf;
	for (int i = 0; i < nf; i++) {
		frame_name(&f[i], &d->name);
		if (d->opts->srcline && f[i].file) {
			/* One frame per source line, named like `collapse --inline` with context. */
			const char *base = strrchr(f[i].file, '/');
			strbuf__addf(&d->name, ":%s:%u", base ? base + 1 : f[i].file, f[i].line);
		}
		uint32_t name = profile__intern(p, d->name.buf, d->name.len);
		uint32_t mod = f[i].module ? profile__intern(p, f[i].module, strlen(f[i].module))
					   : PROFILE_NONE;
		uint32_t file = PROFILE_NONE, line = 0;
		if (d->opts->srcline && f[i].file) {
			file = profile__intern(p, f[i].file, strlen(f[i].file));
			line = f[i].line;
		}
		enum frame_kind kind = f[i].kernel ? FRAME_KERNEL
				       : f[i].jit  ? FRAME_JIT
				       : i > 0     ? FRAME_INLINED
						   : FRAME_USER;
		if (!f[i].name)
			kind = FRAME_SYNTHETIC;
		d->pool[d->npool++] = profile__frame(p, name, mod, file, line, kind);
	}
	/* v is still valid: nothing above touches d->addrs. */
	*v = off;
	*n = (uint32_t)nf;
	return &d->pool[off + 1];
}

static void stack_push(struct perf_decoder *d, size_t *n, uint32_t id)
{
	if (*n == d->capstack) {
		d->capstack = d->capstack ? d->capstack * 2 : 256;
		d->stack = xrealloc(d->stack, sizeof(*d->stack) * d->capstack);
	}
	d->stack[(*n)++] = id;
}

struct sample {
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
	uint64_t period;
	uint64_t nr;
	uint64_t ips[];
};

static void handle_sample(struct perf_decoder *d, struct profile *p,
			  const struct perf_event_header *h, uint64_t t0, struct record_stats *st)
{
	const struct sample *s = (const void *)(h + 1);
	size_t room = h->size - sizeof(*h);
	if (room < sizeof(*s) || s->nr > (room - sizeof(*s)) / sizeof(uint64_t))
		return;
	if (d->opts->skip_idle && s->pid == 0)
		return;
	st->samples++;
	if (d->cache_prof != p) {
		kmap__clear(&d->addrs);
		d->npool = 0;
		d->cache_prof = p;
	}
	struct pidinfo *pi = pid_ensure(d, s->pid);
	uint32_t gen = pi->gen;
	size_t n = 0;
	int ctx = 0; /* 1 kernel, 2 user, -1 other (guest, hypervisor): skipped */
	bool first = true;
	for (uint64_t i = 0; i < s->nr; i++) {
		uint64_t ip = s->ips[i];
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			ctx = ip == (uint64_t)PERF_CONTEXT_KERNEL ? 1
			      : ip == (uint64_t)PERF_CONTEXT_USER ? 2
								  : -1;
			first = true;
			continue;
		}
		if (ctx <= 0)
			continue;
		/* A return address points after the call: step back into the calling line. */
		uint64_t addr = first ? ip : ip - 1;
		first = false;
		uint32_t nf;
		const uint32_t *ids = resolve(d, p, s->pid, gen, addr, ctx == 1, &nf);
		for (uint32_t k = nf; k-- > 0;)
			stack_push(d, &n, ids[k]);
	}
	/* Root first: comm, optional CPU, then the frames outermost first. */
	size_t total = n + 2;
	if (total > d->caprev) {
		d->caprev = total * 2;
		d->rev = xrealloc(d->rev, sizeof(*d->rev) * d->caprev);
	}
	size_t m = 0;
	d->rev[m++] = root_frame(d, p, s->pid, s->tid);
	if (d->opts->group_by_cpu) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "[cpu %u]", s->cpu);
		d->rev[m++] = profile__frame_named(p, buf, (size_t)len, FRAME_SYNTHETIC);
	}
	for (size_t i = n; i-- > 0;)
		d->rev[m++] = d->stack[i];
	uint32_t leaf = profile__add_stack(p, d->rev, m, 0, 1);
	if (d->opts->timeline)
		profile__timeline_add(p, s->time > t0 ? s->time - t0 : 0, s->tid, leaf);
}

uint64_t perf_decoder__time(const struct perf_event_header *h)
{
	if (h->type == PERF_RECORD_SAMPLE) {
		const struct sample *s = (const void *)(h + 1);
		return h->size >= sizeof(*h) + sizeof(*s) ? s->time : 0;
	}
	/* sample_id trailer: pid, tid; time; cpu, res */
	if (h->size < sizeof(*h) + 24)
		return 0;
	uint64_t t;
	memcpy(&t, (const char *)h + h->size - 16, sizeof(t));
	return t;
}

struct task_rec {
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

static void handle_fork(struct perf_decoder *d, const struct task_rec *r)
{
	bool fresh;
	struct comminfo *parent = comm_get(d, r->ptid, &fresh);
	if (fresh)
		comm_from_proc(parent, r->ppid, r->ptid);
	char comm[16];
	memcpy(comm, parent->comm, sizeof(comm));
	comm_set(comm_get(d, r->tid, &fresh), r->pid, comm);
	if (r->pid == r->ppid)
		return; /* a new thread shares its process's maps */
	pid_ensure(d, r->ppid);
	struct pidinfo *child = pid_get(d, r->pid);
	child->gen++;
	child->known = 1;
	symbolizer__forget_pid(d->sym, r->pid); /* the pid may be reused */
	symbolizer__fork(d->sym, r->ppid, r->pid);
}

struct mmap2_rec {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint8_t id[24]; /* maj, min, ino, ino_generation, or a build id */
	uint32_t prot, flags;
	char filename[];
};

void perf_decoder__record(struct perf_decoder *d, struct profile *p,
			  const struct perf_event_header *h, uint64_t t0, struct record_stats *st)
{
	size_t body = h->size - sizeof(*h);
	const void *r = h + 1;
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		handle_sample(d, p, h, t0, st);
		break;
	case PERF_RECORD_MMAP2: {
		const struct mmap2_rec *m = r;
		if (body < sizeof(*m) + 1)
			break;
		size_t maxlen = body - sizeof(*m);
		if (!memchr(m->filename, '\0', maxlen))
			break;
		struct pidinfo *pi = pid_get(d, m->pid);
		if (!pi->known) {
			pid_ensure(d, m->pid); /* /proc already lists this mapping */
			break;
		}
		symbolizer__add_mapping(d->sym, m->pid, m->addr, m->len, m->pgoff, m->filename);
		break;
	}
	case PERF_RECORD_COMM: {
		const uint32_t *ids = r;
		const char *comm = (const char *)(ids + 2);
		if (body < 8 + 1 || !memchr(comm, '\0', body - 8))
			break;
		bool fresh;
		comm_set(comm_get(d, ids[1], &fresh), ids[0], comm);
		if (h->misc & PERF_RECORD_MISC_COMM_EXEC) {
			/* New image: its maps arrive as MMAP2 records right after this. */
			struct pidinfo *pi = pid_get(d, ids[0]);
			pi->gen++;
			pi->known = 1;
			symbolizer__forget_pid(d->sym, ids[0]);
		}
		break;
	}
	case PERF_RECORD_FORK:
		if (body >= sizeof(struct task_rec))
			handle_fork(d, r);
		break;
	case PERF_RECORD_EXIT:
		/* Maps stay: samples of the exited task may still be queued on other CPUs. */
		break;
	case PERF_RECORD_LOST:
		if (body >= 16)
			st->lost += ((const uint64_t *)r)[1];
		break;
	case PERF_RECORD_LOST_SAMPLES:
		if (body >= 8)
			st->lost += ((const uint64_t *)r)[0];
		break;
	case PERF_RECORD_THROTTLE:
		st->throttled++;
		break;
	default:
		break;
	}
}
