// SPDX-License-Identifier: MIT
/* Chrome trace event writer: thread spans as X events, samples as a stack-sampled track. */
#include "formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hashmap.h"

static const char *const kind_names[] = {"user", "kernel", "jit", "inlined", "off-cpu", "synthetic"};

struct tr_ctx {
	const struct profile *p;
	struct strbuf *out;
	bool first;
	/* the thread being charted */
	uint32_t pid, tid;
	/* open frames: node and start time */
	uint32_t *nodes;
	uint64_t *starts;
	size_t depth, cap;
};

/* samples are written in time order: viewers weigh a sample by the time to the next one */
struct ts_node {
	uint64_t ts;
	uint32_t node;
	uint32_t i;
};

static int ts_cmp(const void *a, const void *b)
{
	const struct ts_node *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void sep(struct tr_ctx *c)
{
	strbuf__adds(c->out, c->first ? "\n" : ",\n");
	c->first = false;
}

/* microseconds with nanosecond precision, as the format's "ts" and "dur" want */
static void add_us(struct strbuf *out, uint64_t ns)
{
	strbuf__addf(out, "%llu.%03llu", (unsigned long long)(ns / 1000),
		     (unsigned long long)(ns % 1000));
}

static void x_event(struct tr_ctx *c, uint32_t node, uint64_t t0, uint64_t t1)
{
	sep(c);
	strbuf__adds(c->out, "{\"ph\":\"X\",\"name\":");
	json__string(c->out, profile__node_name(c->p, node));
	const struct frame *f = profile__frame_get(c->p, profile__node_frame(c->p, node));
	strbuf__addf(c->out, ",\"cat\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":",
		     f->kind < ARRAY_SIZE(kind_names) ? kind_names[f->kind] : "user", c->pid, c->tid);
	add_us(c->out, t0);
	strbuf__adds(c->out, ",\"dur\":");
	add_us(c->out, t1 - t0);
	strbuf__addc(c->out, '}');
}

static void meta_event(struct tr_ctx *c, const char *what, uint32_t pid, uint32_t tid,
		       const char *name)
{
	sep(c);
	strbuf__addf(c->out, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":",
		     what, pid, tid);
	json__string(c->out, name);
	strbuf__adds(c->out, "}}");
}

/* Thread-state lanes sit beside the thread's own (their tid with this bit): spans of one
 * thread never nest, so they cannot share its lane of nested stack spans. */
#define STATE_LANE 0x40000000u

/* Thread-state spans (off-CPU backend) as X events "running", "runnable", "blocked". */
static void state_events(struct tr_ctx *c)
{
	static const char *const names[THREAD_NSTATES] = {"running", "runnable", "blocked"};
	size_t n;
	const struct thread_span *sp = profile__spans(c->p, &n, NULL);
	struct hashmap named = {0};
	for (size_t i = 0; i < n; i++) {
		if (sp[i].state >= THREAD_NSTATES || sp[i].end_ns <= sp[i].start_ns)
			continue;
		uint32_t lane = sp[i].tid | STATE_LANE;
		bool fresh = false;
		hashmap__put_u64(&named, lane, 0, &fresh);
		if (fresh) {
			char name[300];
			snprintf(name, sizeof(name), "%s/%u state",
				 sp[i].comm != PROFILE_NONE ? profile__str(c->p, sp[i].comm) : "thread",
				 sp[i].tid);
			meta_event(c, "thread_name", sp[i].pid, lane, name);
		}
		sep(c);
		strbuf__addf(c->out,
			     "{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"thread_state\",\"pid\":%u,"
			     "\"tid\":%u,\"ts\":",
			     names[sp[i].state], sp[i].pid, lane);
		add_us(c->out, sp[i].start_ns);
		strbuf__adds(c->out, ",\"dur\":");
		add_us(c->out, sp[i].end_ns - sp[i].start_ns);
		strbuf__addc(c->out, '}');
	}
	hashmap__destroy(&named);
}

/* pid, tid and name of the thread a node belongs to (its root frame), with fallbacks */
static void thread_of(const struct profile *p, uint32_t node, uint32_t fallback_tid,
		      uint32_t *pid, uint32_t *tid, char *comm, size_t cap)
{
	if (format__root_ids(p, node, comm, cap, pid, tid) < 0)
		snprintf(comm, cap, "%s", profile__node_name(p, node));
	if (fallback_tid)
		*tid = fallback_tid;
	if (!*tid)
		*tid = *pid ? *pid : fallback_tid;
	if (!*pid)
		*pid = *tid;
}

static void ch_begin(void *arg, uint32_t tid, uint64_t t0)
{
	struct tr_ctx *c = arg;
	c->tid = tid;
	c->depth = 0;
	(void)t0;
}

static void ch_open(void *arg, uint32_t node, uint64_t t)
{
	struct tr_ctx *c = arg;
	if (c->depth == 0) {
		/* the thread's pid comes from its root frame */
		char comm[256];
		uint32_t pid, tid;
		thread_of(c->p, node, c->tid, &pid, &tid, comm, sizeof(comm));
		c->pid = pid;
	}
	if (c->depth == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->nodes = xrealloc(c->nodes, c->cap * sizeof(*c->nodes));
		c->starts = xrealloc(c->starts, c->cap * sizeof(*c->starts));
	}
	c->nodes[c->depth] = node;
	c->starts[c->depth++] = t;
}

static void ch_close(void *arg, uint32_t node, uint64_t t)
{
	struct tr_ctx *c = arg;
	c->depth--;
	x_event(c, node, c->starts[c->depth], t);
}

static void ch_end(void *arg, uint32_t tid, uint64_t t1)
{
	(void)arg, (void)tid, (void)t1;
}

/* Without sample times: each root drawn as a flame graph on its own track. */
static void graph_events(struct tr_ctx *c, const uint64_t *tot, int col, uint64_t unit,
			 uint64_t *self_at)
{
	const struct profile *p = c->p;
	uint32_t nn = profile__nnodes(p);
	uint64_t *start = xcalloc(nn, sizeof(*start));
	uint32_t *stack = xmalloc(nn * sizeof(*stack));
	for (uint32_t r = profile__first_child(p, PROFILE_ROOT); r != PROFILE_NONE;
	     r = profile__next_sibling(p, r)) {
		if (!tot[r])
			continue;
		char comm[256];
		thread_of(p, r, 0, &c->pid, &c->tid, comm, sizeof(comm));
		if (!c->tid)
			c->pid = c->tid = r;
		size_t sp = 0;
		stack[sp++] = r;
		start[r] = 0;
		while (sp) {
			uint32_t n = stack[--sp];
			x_event(c, n, start[n] * unit, (start[n] + tot[n]) * unit);
			self_at[n] = start[n];
			uint64_t cursor = start[n] + profile__self(p, n, col);
			for (uint32_t k = profile__first_child(p, n); k != PROFILE_NONE;
			     k = profile__next_sibling(p, k)) {
				if (!tot[k])
					continue;
				start[k] = cursor;
				cursor += tot[k];
				stack[sp++] = k;
			}
		}
	}
	free(start);
	free(stack);
}

int trace__write(const struct profile *p, int col, const struct format_opts *o,
		 struct strbuf *out, struct strbuf *err)
{
	const struct profile_meta *meta = profile__meta((struct profile *)p);
	uint32_t nn = profile__nnodes(p);
	uint64_t *tot = profile__totals(p, col);
	uint64_t ns = format__sample_ns(p);
	uint64_t unit = ns ? ns : 1000000;
	struct tr_ctx c = {.p = p, .out = out, .first = true};
	strbuf__adds(out, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"exporter\":\"scorch\"");
	if (meta->event) {
		strbuf__adds(out, ",\"event\":");
		json__string(out, meta->event);
	}
	strbuf__adds(out, "},\n\"traceEvents\":[");

	/* thread and process names */
	size_t ntl;
	const struct timeline_entry *tl = profile__timeline(p, &ntl);
	uint32_t *seen = NULL;
	size_t nseen = 0;
	for (size_t i = 0, n = ntl ? ntl : nn; i < n; i++) {
		uint32_t node = ntl ? tl[i].node : (uint32_t)i;
		if (!ntl && (node == PROFILE_ROOT ||
			     profile__node_parent(p, node) != PROFILE_ROOT || !tot[node]))
			continue;
		char comm[256];
		uint32_t pid, tid;
		thread_of(p, node, ntl ? tl[i].tid : 0, &pid, &tid, comm, sizeof(comm));
		if (!tid)
			pid = tid = node;
		size_t k = 0;
		while (k < nseen && seen[k] != tid)
			k++;
		if (k < nseen)
			continue;
		seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
		seen[nseen++] = tid;
		meta_event(&c, "process_name", pid, tid, comm);
		meta_event(&c, "thread_name", pid, tid, comm);
	}
	free(seen);

	uint64_t *self_at = xcalloc(nn, sizeof(*self_at));
	if (ntl) {
		struct chart_ops ops = {ch_begin, ch_open, ch_close, ch_end};
		format__chart(p, unit, &ops, &c);
	} else {
		graph_events(&c, tot, col, unit, self_at);
	}
	state_events(&c);
	strbuf__adds(out, "\n],\n\"stackFrames\":{");
	bool first = true;
	for (uint32_t n = 1; n < nn; n++) {
		if (!tot[n])
			continue;
		const struct frame *f = profile__frame_get(p, profile__node_frame(p, n));
		strbuf__addf(out, "%s\n\"%u\":{\"category\":\"%s\",\"name\":", first ? "" : ",", n,
			     f->kind < ARRAY_SIZE(kind_names) ? kind_names[f->kind] : "user");
		first = false;
		json__string(out, profile__str(p, f->name));
		uint32_t par = profile__node_parent(p, n);
		if (par != PROFILE_ROOT)
			strbuf__addf(out, ",\"parent\":\"%u\"", par);
		strbuf__addc(out, '}');
	}
	strbuf__adds(out, "},\n\"samples\":[");
	const char *ev = meta->event ? meta->event : "samples";
	first = true;
	if (ntl) {
		struct ts_node *order = xmalloc(ntl * sizeof(*order));
		for (size_t i = 0; i < ntl; i++)
			order[i] = (struct ts_node){tl[i].time_ns, tl[i].node, (uint32_t)i};
		qsort(order, ntl, sizeof(*order), ts_cmp);
		for (size_t j = 0; j < ntl; j++) {
			size_t i = order[j].i;
			char comm[256];
			uint32_t pid, tid;
			thread_of(p, tl[i].node, tl[i].tid, &pid, &tid, comm, sizeof(comm));
			strbuf__adds(out, first ? "\n{\"name\":" : ",\n{\"name\":");
			first = false;
			json__string(out, ev);
			strbuf__addf(out, ",\"pid\":%u,\"tid\":%u,\"ts\":", pid, tid);
			add_us(out, tl[i].time_ns);
			strbuf__addf(out, ",\"sf\":\"%u\",\"weight\":1}", tl[i].node);
		}
		free(order);
	} else {
		struct ts_node *order = xmalloc(nn * sizeof(*order));
		size_t no = 0;
		for (uint32_t n = 1; n < nn; n++)
			if (profile__self(p, n, col))
				order[no] = (struct ts_node){self_at[n], n, (uint32_t)no}, no++;
		/* viewers weigh a sample by the time to the next: close each thread with an empty
		 * (weight 0) sample of its root at its end, so its last real sample counts */
		size_t nreal = no;
		for (uint32_t r = profile__first_child(p, PROFILE_ROOT); r != PROFILE_NONE;
		     r = profile__next_sibling(p, r))
			if (tot[r] && no < nn)
				order[no] = (struct ts_node){tot[r], r, (uint32_t)no}, no++;
		qsort(order, no, sizeof(*order), ts_cmp);
		for (size_t j = 0; j < no; j++) {
			uint32_t n = order[j].node;
			uint64_t v = order[j].i < nreal ? profile__self(p, n, col) : 0;
			char comm[256];
			uint32_t pid, tid;
			thread_of(p, n, 0, &pid, &tid, comm, sizeof(comm));
			if (!tid) {
				uint32_t r = n;
				while (profile__node_parent(p, r) != PROFILE_ROOT)
					r = profile__node_parent(p, r);
				pid = tid = r;
			}
			strbuf__adds(out, first ? "\n{\"name\":" : ",\n{\"name\":");
			first = false;
			json__string(out, ev);
			strbuf__addf(out, ",\"pid\":%u,\"tid\":%u,\"ts\":", pid, tid);
			add_us(out, order[j].ts * unit);
			strbuf__addf(out, ",\"sf\":\"%u\",\"weight\":%llu}", n, (unsigned long long)v);
		}
		free(order);
	}
	strbuf__adds(out, "\n]}\n");
	free(self_at);
	free(tot);
	free(c.nodes);
	free(c.starts);
	(void)o, (void)err;
	return 0;
}
