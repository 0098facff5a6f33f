// SPDX-License-Identifier: MIT
/* Builds profile stacks from raw samples: root frames, per-process state, the address cache. */
#define _GNU_SOURCE
#include "stack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/hashmap.h"
#include "../util/util.h"
#include "frame_name.h"

#define MAX_INLINE 16
#define KERNEL_KEY UINT64_MAX
/* An address-cache run starts with its frame count, and the cause (enum sym_why) above. */
#define POOL_WHY_SHIFT 24
#define POOL_COUNT ((1u << POOL_WHY_SHIFT) - 1)

struct pidinfo {
	uint32_t gen;  /* bumped on exec and pid reuse: part of the address cache key */
	uint8_t known; /* the symbolizer has this pid's maps */
	uint8_t dead;  /* reaped: its slot is free until the tables are rebuilt */
};

struct comminfo {
	char comm[16];
	uint32_t pid;
	uint32_t root; /* cached root frame id, valid when root_prof matches */
	const struct profile *root_prof;
	uint32_t life; /* bumped when a new task takes the tid (fork) */
	uint8_t dead;
};

/* A task that exited: its state goes once the samples it left are resolved. */
struct reap {
	uint32_t pid, tid, gen, life;
	uint64_t epoch; /* the drain in which the exit was seen */
};

struct stack_builder {
	struct sampler_opts opts; /* a copy: root, group_by_cpu, skip_idle, inlines, ... */
	struct symbolizer *sym;
	struct hashmap pids, comms, addrs; /* pid, tid, (pid key, addr) -> index */
	struct pidinfo *pidv;
	uint32_t npidv, cappidv;
	struct comminfo *commv;
	uint32_t ncommv, capcommv;
	uint32_t *pool; /* address cache: [count, frame ids...] runs */
	size_t npool, cappool;
	const struct profile *cache_prof; /* frame ids in the cache belong to this profile */
	uint32_t *stack;		  /* scratch: frame ids leaf first */
	size_t capstack;
	uint32_t *rev;
	size_t caprev;
	struct strbuf name;
	uint64_t t0; /* timeline origin */
	uint64_t mult; /* weight scale, 0 = 1 */
	uint64_t unresolved[SYM_WHY_COUNT]; /* sample frames without a symbol, by cause */
	/* Reaping (stack_builder__drained): exits waiting for their samples, dead slots. */
	struct reap *reapv;
	size_t nreap, capreap;
	uint64_t epoch;
	uint32_t dead_pids, dead_comms;
	uint64_t reaped;
	stack_image_end_fn image_end; /* stack_builder__set_image_hook */
	void *image_end_ctx;
};


struct stack_builder *stack_builder__new(const struct sampler_opts *opts, struct symbolizer *sym)
{
	struct stack_builder *b = xcalloc(1, sizeof(*b));
	b->opts = *opts;
	b->sym = sym;
	return b;
}

void stack_builder__free(struct stack_builder *b)
{
	if (!b)
		return;
	hashmap__destroy(&b->pids);
	hashmap__destroy(&b->comms);
	hashmap__destroy(&b->addrs);
	free(b->pidv);
	free(b->commv);
	free(b->pool);
	free(b->stack);
	free(b->rev);
	free(b->reapv);
	strbuf__free(&b->name);
	free(b);
}

void stack_builder__set_origin(struct stack_builder *b, uint64_t t0_ns)
{
	b->t0 = t0_ns;
}

static struct pidinfo *pid_get(struct stack_builder *b, uint32_t pid)
{
	bool fresh;
	uint64_t *v = &hashmap__put_u64(&b->pids, pid, 0, &fresh)->value;
	if (fresh) {
		if (b->npidv == b->cappidv) {
			b->cappidv = b->cappidv ? b->cappidv * 2 : 256;
			b->pidv = xrealloc(b->pidv, sizeof(*b->pidv) * b->cappidv);
		}
		b->pidv[b->npidv] = (struct pidinfo){0};
		*v = b->npidv++;
	} else if (b->pidv[*v].dead) {
		/* The pid came back before the tables were rebuilt: a new process. The
		 * generation goes on counting, so the address cache cannot mix the two. */
		struct pidinfo *pi = &b->pidv[*v];
		*pi = (struct pidinfo){.gen = pi->gen + 1};
		b->dead_pids--;
	}
	return &b->pidv[*v];
}

/* Makes sure the symbolizer has pid's maps: read /proc while the process still lives. */
static struct pidinfo *pid_ensure(struct stack_builder *b, uint32_t pid)
{
	struct pidinfo *pi = pid_get(b, pid);
	if (!pi->known) {
		pi->known = 1;
		if (pid != 0)
			symbolizer__add_pid(b->sym, pid);
	}
	return pi;
}

static struct comminfo *comm_get(struct stack_builder *b, uint32_t tid, bool *fresh)
{
	uint64_t *v = &hashmap__put_u64(&b->comms, tid, 0, fresh)->value;
	if (*fresh) {
		if (b->ncommv == b->capcommv) {
			b->capcommv = b->capcommv ? b->capcommv * 2 : 256;
			b->commv = xrealloc(b->commv, sizeof(*b->commv) * b->capcommv);
		}
		b->commv[b->ncommv] = (struct comminfo){0};
		*v = b->ncommv++;
	} else if (b->commv[*v].dead) {
		b->commv[*v] = (struct comminfo){.life = b->commv[*v].life + 1};
		b->dead_comms--;
		*fresh = true;
	}
	return &b->commv[*v];
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
static uint32_t root_frame(struct stack_builder *b, struct profile *p, uint32_t pid, uint32_t tid)
{
	bool fresh;
	struct comminfo *c = comm_get(b, tid, &fresh);
	if (fresh || c->comm[0] == '\0')
		comm_from_proc(c, pid, tid);
	if (c->root_prof == p && c->pid == pid)
		return c->root;
	char buf[64];
	int n;
	if (b->opts.root == ROOT_TID)
		n = snprintf(buf, sizeof(buf), "%s-%u/%u", c->comm, pid, tid);
	else if (b->opts.root == ROOT_PID)
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

static void pool_reserve(struct stack_builder *b, size_t n)
{
	if (b->npool + n > b->cappool) {
		b->cappool = (b->npool + n) * 2 + 1024;
		b->pool = xrealloc(b->pool, sizeof(*b->pool) * b->cappool);
	}
}

/* Frame ids for one address (outermost first) from the cache, symbolizing on a miss. */
static const uint32_t *resolve(struct stack_builder *b, struct profile *p, uint32_t pid,
			       uint32_t gen, uint64_t addr, bool kernel, uint64_t count, uint32_t *n)
{
	uint64_t key = kernel ? KERNEL_KEY : ((uint64_t)gen << 32 | pid);
	bool fresh;
	uint64_t *v = &hashmap__put_u64(&b->addrs, key, addr, &fresh)->value;
	if (!fresh) {
		*n = b->pool[*v] & POOL_COUNT;
		b->unresolved[b->pool[*v] >> POOL_WHY_SHIFT] += count;
		return &b->pool[*v + 1];
	}
	struct sym_frame f[MAX_INLINE];
	int nf = symbolizer__resolve(b->sym, pid, addr, kernel, f, MAX_INLINE);
	if (nf < 1)
		nf = 1, f[0] = (struct sym_frame){.module = "[unknown]", .kernel = kernel};
	if (nf > MAX_INLINE)
		nf = MAX_INLINE;
	if (!b->opts.inlines)
		nf = 1;
	pool_reserve(b, (size_t)nf + 1);
	uint32_t off = (uint32_t)b->npool;
	b->pool[b->npool++] = (uint32_t)nf | (uint32_t)f[0].why << POOL_WHY_SHIFT;
	b->unresolved[f[0].why] += count;
	for (int i = 0; i < nf; i++) {
		frame_name(&f[i], &b->name);
		if (b->opts.srcline && f[i].file) {
			/* One frame per source line, named like `collapse --inline` with context.
			 */
			const char *base = strrchr(f[i].file, '/');
			strbuf__addf(&b->name, ":%s:%u", base ? base + 1 : f[i].file, f[i].line);
		}
		enum frame_kind kind = f[i].kernel ? FRAME_KERNEL
				       : f[i].jit  ? FRAME_JIT
				       : i > 0	   ? FRAME_INLINED
						   : FRAME_USER;
		if (!f[i].name)
			kind = FRAME_SYNTHETIC;
		bool line = b->opts.srcline && f[i].file;
		struct mapping_info mi = {.path = f[i].map_path,
					  .build_id = f[i].build_id,
					  .build_id_len = f[i].build_id_len,
					  .start = f[i].map_start,
					  .end = f[i].map_end,
					  .pgoff = f[i].map_pgoff};
		struct frame_info fi = {.name = b->name.buf,
					.name_len = b->name.len,
					.raw = f[i].name ? f[i].raw : NULL,
					.module = f[i].module,
					.file = line ? f[i].file : NULL,
					.line = line ? f[i].line : 0,
					.kind = kind,
					.addr = addr,
					.map = f[i].map_path ? &mi : NULL};
		b->pool[b->npool++] = profile__frame_full(p, &fi);
	}
	/* v is still valid: nothing above touches b->addrs. */
	*v = off;
	*n = (uint32_t)nf;
	return &b->pool[off + 1];
}

static void stack_push(struct stack_builder *b, size_t *n, uint32_t id)
{
	if (*n == b->capstack) {
		b->capstack = b->capstack ? b->capstack * 2 : 256;
		b->stack = xrealloc(b->stack, sizeof(*b->stack) * b->capstack);
	}
	b->stack[(*n)++] = id;
}
void stack_builder__new_image(struct stack_builder *b, uint32_t pid)
{
	struct pidinfo *pi = pid_get(b, pid);
	pi->gen++;
	pi->known = 1;
	symbolizer__forget_pid(b->sym, pid);
}

int stack_builder__add_pid(struct stack_builder *b, uint32_t pid)
{
	pid_get(b, pid)->known = 1;
	return pid ? symbolizer__add_pid(b->sym, pid) : 0;
}

/* Frames of one address array (leaf first) onto the scratch stack, leaf first. count: the
 * samples the stack stands for (for the unresolved counts). */
static void push_ips(struct stack_builder *b, struct profile *p, uint32_t pid, uint32_t gen,
		     const uint64_t *ips, uint32_t nips, bool kernel, uint64_t count, size_t *n)
{
	for (uint32_t i = 0; i < nips; i++) {
		/* A return address points after the call: step back into the calling line. */
		uint64_t addr = i == 0 ? ips[i] : ips[i] - 1;
		uint32_t nf;
		const uint32_t *ids = resolve(b, p, pid, gen, addr, kernel, count, &nf);
		for (uint32_t k = nf; k-- > 0;)
			stack_push(b, n, ids[k]);
	}
}

static void cache_for(struct stack_builder *b, const struct profile *p)
{
	if (b->cache_prof != p) {
		hashmap__clear(&b->addrs);
		b->npool = 0;
		b->cache_prof = p;
	}
}

void stack_builder__set_image_hook(struct stack_builder *b, stack_image_end_fn fn, void *ctx)
{
	b->image_end = fn;
	b->image_end_ctx = ctx;
}

void stack_builder__image_ends(struct stack_builder *b, uint32_t pid, uint64_t t)
{
	if (b->image_end)
		b->image_end(b->image_end_ctx, pid, t);
}

void stack_builder__set_weight_scale(struct stack_builder *b, uint64_t mult)
{
	b->mult = mult;
}

size_t stack_builder__frames(struct stack_builder *b, struct profile *p, uint32_t pid, uint32_t tid,
			     const uint64_t *kips, uint32_t nkips, const uint64_t *uips,
			     uint32_t nuips, uint32_t **ids, size_t *cap, size_t n)
{
	cache_for(b, p);
	uint32_t gen = pid_ensure(b, pid)->gen;
	size_t m = 0;
	push_ips(b, p, pid, gen, kips, nkips, true, 1, &m);
	push_ips(b, p, pid, gen, uips, nuips, false, 1, &m);
	if (n + m + 1 > *cap) {
		*cap = (n + m + 1) * 2;
		*ids = xrealloc(*ids, sizeof(**ids) * *cap);
	}
	for (size_t i = 0; i < m; i++) /* b->stack is leaf first already */
		(*ids)[n++] = b->stack[i];
	(*ids)[n++] = root_frame(b, p, pid, tid);
	return n;
}

bool stack_builder__sample(struct stack_builder *b, struct profile *p, const struct raw_sample *s)
{
	if (b->opts.skip_idle && s->pid == 0)
		return false;
	cache_for(b, p);
	uint32_t gen = pid_ensure(b, s->pid)->gen;
	size_t n = 0;
	/* in the profile's unit: samples, or ns for off-CPU and wall-clock profiles */
	uint64_t count = (s->weight ? s->weight : 1) * (b->mult ? b->mult : 1);
	push_ips(b, p, s->pid, gen, s->kips, s->nkips, true, count, &n);
	push_ips(b, p, s->pid, gen, s->uips, s->nuips, false, count, &n);
	/* Root first: comm, optional CPU, then the frames outermost first. */
	size_t total = n + 3 + s->nabove;
	if (total > b->caprev) {
		b->caprev = total * 2;
		b->rev = xrealloc(b->rev, sizeof(*b->rev) * b->caprev);
	}
	size_t m = 0;
	b->rev[m++] = root_frame(b, p, s->pid, s->tid);
	if (b->opts.group_by_cpu) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "[cpu %u]", s->cpu);
		b->rev[m++] = profile__frame_named(p, buf, (size_t)len, FRAME_SYNTHETIC);
	}
	if (s->truncated) /* the unwinder ran out of copied stack: say so, outermost */
		b->rev[m++] = profile__frame_named(p, "[truncated]", 11, FRAME_SYNTHETIC);
	for (size_t i = n; i-- > 0;)
		b->rev[m++] = b->stack[i];
	for (uint32_t i = 0; i < s->nabove; i++)
		b->rev[m++] = s->above[i];
	uint64_t w = count;
	uint32_t leaf = profile__add_stack(p, b->rev, m, 0, w);
	if (b->opts.timeline)
		profile__timeline_add(p, s->time_ns > b->t0 ? s->time_ns - b->t0 : 0, s->pid,
				      s->tid, s->cpu, leaf);
	return true;
}

void stack_builder__comm(struct stack_builder *b, uint32_t pid, uint32_t tid, const char *comm,
			 bool exec)
{
	bool fresh;
	comm_set(comm_get(b, tid, &fresh), pid, comm);
	if (exec)
		stack_builder__new_image(b, pid); /* its maps arrive as mmap events right after */
}

void stack_builder__fork(struct stack_builder *b, uint32_t ppid, uint32_t ptid, uint32_t pid,
			 uint32_t tid)
{
	bool fresh;
	struct comminfo *parent = comm_get(b, ptid, &fresh);
	if (fresh)
		comm_from_proc(parent, ppid, ptid);
	char comm[16];
	memcpy(comm, parent->comm, sizeof(comm));
	struct comminfo *c = comm_get(b, tid, &fresh);
	if (!fresh)
		c->life++; /* a new task with a reused tid: a pending reap of the old one skips it */
	comm_set(c, pid, comm);
	if (pid == ppid)
		return; /* a new thread shares its process's maps */
	pid_ensure(b, ppid);
	struct pidinfo *child = pid_get(b, pid);
	child->gen++;
	child->known = 1;
	symbolizer__forget_pid(b->sym, pid); /* the pid may be reused */
	symbolizer__fork(b->sym, ppid, pid);
}

void stack_builder__exit(struct stack_builder *b, uint32_t pid, uint32_t tid)
{
	/* Nothing goes now: samples of the exited task may still be queued on other CPUs or
	 * counted in the kernel. stack_builder__drained reaps it one drain later. */
	struct hashmap_entry *pe = hashmap__get_u64(&b->pids, pid, 0);
	struct hashmap_entry *ce = hashmap__get_u64(&b->comms, tid, 0);
	if (!pe && !ce)
		return;
	if (b->nreap == b->capreap) {
		b->capreap = b->capreap ? b->capreap * 2 : 256;
		b->reapv = xrealloc(b->reapv, sizeof(*b->reapv) * b->capreap);
	}
	b->reapv[b->nreap++] = (struct reap){
	    .pid = pid,
	    .tid = tid,
	    .gen = pe ? b->pidv[pe->value].gen : UINT32_MAX,
	    .life = ce ? b->commv[ce->value].life : UINT32_MAX,
	    .epoch = b->epoch,
	};
}

/*
 * Moves the live slots of an array of n elements of size sz to its front, in index order (so
 * none is overwritten before it moves), and points the map's entries at their new slots.
 * Returns the number of live slots.
 */
static uint32_t compact_slots(struct hashmap *map, void *arr, size_t sz, uint32_t n,
			      bool (*dead)(const void *))
{
	uint32_t *moved = xmalloc(sizeof(*moved) * (n ? n : 1));
	uint32_t live = 0;
	for (uint32_t i = 0; i < n; i++) {
		char *slot = (char *)arr + (size_t)i * sz;
		if (dead(slot)) {
			moved[i] = UINT32_MAX;
			continue;
		}
		if (live != i)
			memcpy((char *)arr + (size_t)live * sz, slot, sz);
		moved[i] = live++;
	}
	struct hashmap kept = {0};
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(map, e));)
		if (moved[e->value] != UINT32_MAX)
			hashmap__put_u64(&kept, e->a, e->b, NULL)->value = moved[e->value];
	hashmap__destroy(map);
	*map = kept;
	free(moved);
	return live;
}

static bool pid_dead(const void *p)
{
	return ((const struct pidinfo *)p)->dead;
}

static bool comm_dead(const void *c)
{
	return ((const struct comminfo *)c)->dead;
}

/* Rebuilds the pid and comm tables without their dead slots, and empties the address cache
 * (its keys name dead processes too; live ones are resolved again on their next sample). */
static void rebuild_tables(struct stack_builder *b)
{
	b->npidv = compact_slots(&b->pids, b->pidv, sizeof(*b->pidv), b->npidv, pid_dead);
	b->ncommv = compact_slots(&b->comms, b->commv, sizeof(*b->commv), b->ncommv, comm_dead);
	b->dead_pids = b->dead_comms = 0;
	hashmap__destroy(&b->addrs);
	b->npool = 0;
	b->cache_prof = NULL;
}

static void reap_one(struct stack_builder *b, const struct reap *r)
{
	struct hashmap_entry *ce = hashmap__get_u64(&b->comms, r->tid, 0);
	if (ce) {
		struct comminfo *c = &b->commv[ce->value];
		if (!c->dead && c->life == r->life && c->pid == r->pid) {
			c->dead = 1;
			b->dead_comms++;
		}
	}
	if (r->pid != r->tid)
		return; /* a thread: the process's maps stay */
	struct hashmap_entry *pe = hashmap__get_u64(&b->pids, r->pid, 0);
	if (!pe)
		return;
	struct pidinfo *pi = &b->pidv[pe->value];
	if (pi->dead || pi->gen != r->gen)
		return; /* the pid was reused (fork) since: that process lives */
	pi->dead = 1;
	b->dead_pids++;
	b->reaped++;
	symbolizer__forget_pid(b->sym, r->pid);
}

/*
 * A safety net for exits never seen (records lost to a full ring, a leader that left before
 * its threads): every SWEEP_DRAINS drains, a pid or thread whose /proc entry is gone counts
 * as exited now, and is reaped like one, a drain later.
 */
#define SWEEP_DRAINS 64
static void sweep_gone(struct stack_builder *b)
{
	char path[48];
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&b->comms, e));) {
		const struct comminfo *c = &b->commv[e->value];
		if (c->dead || e->a == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/task/%u", c->pid, (uint32_t)e->a);
		if (access(path, F_OK) != 0 && errno == ENOENT)
			stack_builder__exit(b, c->pid, (uint32_t)e->a);
	}
	for (struct hashmap_entry *e = NULL; (e = hashmap__next(&b->pids, e));) {
		if (b->pidv[e->value].dead || e->a == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%u", (uint32_t)e->a);
		if (access(path, F_OK) != 0 && errno == ENOENT)
			stack_builder__exit(b, (uint32_t)e->a, (uint32_t)e->a);
	}
}

void stack_builder__drained(struct stack_builder *b)
{
	if (!b)
		return;
	b->epoch++;
	if (b->epoch % SWEEP_DRAINS == 0)
		sweep_gone(b);
	size_t keep = 0;
	for (size_t i = 0; i < b->nreap; i++) {
		/* Seen in drain k: every sample it left was read by the end of drain k + 1. */
		if (b->reapv[i].epoch + 1 < b->epoch)
			reap_one(b, &b->reapv[i]);
		else
			b->reapv[keep++] = b->reapv[i];
	}
	b->nreap = keep;
	if (b->dead_pids + b->dead_comms >= 256 &&
	    (b->dead_pids * 2 > b->npidv || b->dead_comms * 2 > b->ncommv))
		rebuild_tables(b);
}

void stack_builder__tables(const struct stack_builder *b, struct stack_tables *t)
{
	memset(t, 0, sizeof(*t));
	if (!b)
		return;
	t->pids = b->npidv - b->dead_pids;
	t->threads = b->ncommv - b->dead_comms;
	t->cached_addrs = b->addrs.n;
	t->pending_exits = b->nreap;
	t->reaped = b->reaped;
}

void stack_builder__mmap(struct stack_builder *b, uint32_t pid, uint64_t start, uint64_t len,
			 uint64_t pgoff, const char *path)
{
	/* The record is the truth: add it even when /proc was read just now (a process that
	 * already exited has no /proc, and its samples still need this mapping). */
	pid_ensure(b, pid);
	symbolizer__add_mapping(b->sym, pid, start, len, pgoff, path);
}

void stack_builder__unresolved(const struct stack_builder *b, uint64_t counts[SYM_WHY_COUNT])
{
	memset(counts, 0, SYM_WHY_COUNT * sizeof(*counts));
	if (b)
		memcpy(counts, b->unresolved, sizeof(b->unresolved));
	counts[SYM_OK] = 0;
}

int stack__unresolved_text(const uint64_t counts[SYM_WHY_COUNT], bool ns, char *buf, size_t size)
{
	static const char *const why[SYM_WHY_COUNT] = {
		[SYM_NO_MAPPING] = "no mapping",
		[SYM_NOT_EXEC] = "not executable",
		[SYM_NO_FILE] = "unreadable file",
		[SYM_NO_SYMBOL] = "no symbol",
		[SYM_NO_JIT] = "anonymous code without a perf map",
	};
	int n = 0;
	buf[0] = '\0';
	for (int i = 1; i < SYM_WHY_COUNT; i++) {
		if (!counts[i])
			continue;
		size_t used = strlen(buf);
		if (ns)
			snprintf(buf + used, size - used, "%s%.1f ms %s", n ? ", " : "",
				 (double)counts[i] / 1e6, why[i]);
		else
			snprintf(buf + used, size - used, "%s%llu %s", n ? ", " : "",
				 (unsigned long long)counts[i], why[i]);
		n++;
	}
	return n;
}
