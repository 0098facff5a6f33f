/* SPDX-License-Identifier: MIT */
/*
 * The BPF side of the DWARF unwinder (CFI rows in shards, per-process mappings, the walk), for
 * the .bpf.c programs that walk user stacks: profile.bpf.c (samples) and offcpu.bpf.c
 * (switch-outs and wakeups). Each object gets its own maps, or shares one's with
 * bpf_map__reuse_fd; src/source/bpf_unwind.c fills them. The includer defines
 * UNWIND_MAX_FRAMES and count(), and the counter indices UNWIND_CTR_FP_FRAMES (a frame walked
 * by frame pointers: no row) and UNWIND_CTR_READ_ERROR (a walk ended on an unreadable word).
 */
#ifndef SCORCH_BPF_UNWIND_WALK_H
#define SCORCH_BPF_UNWIND_WALK_H

#include "unwind.h"

struct unwind_shard {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, UNWIND_SHARD_ROWS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct unwind_row));
};

/* The row shards, created and filled by user space as tables arrive. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, UNWIND_MAX_SHARDS);
	__type(key, __u32);
	__array(values, struct unwind_shard);
} shards SEC(".maps");

/* tgid -> its executable mappings, kept current by user space from mmap events (8 KiB
 * values: allocated as processes arrive rather than all at load). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1); /* sized by user space */
	__type(key, __u32);
	__type(value, struct unwind_proc);
} procs SEC(".maps");


/* The walk under way on this CPU (bpf_loop's callback finds it here). */
struct walk_state {
	__u64 ip, sp, bp;
	__u64 hash;
	__u32 tgid;
	__u32 n;     /* frames walked, the leaf included */
	__u64 leaf;  /* the first frame's pc */
	__u64 pcs[UNWIND_STACK_SLOTS]; /* the return addresses after it */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_state);
} unwind_scratch SEC(".maps");

static __always_inline const struct unwind_row *get_row(__u32 idx)
{
	__u32 shard = idx >> UNWIND_SHARD_SHIFT;
	void *inner = bpf_map_lookup_elem(&shards, &shard);
	if (!inner)
		return NULL;
	__u32 k = idx & (UNWIND_SHARD_ROWS - 1);
	return bpf_map_lookup_elem(inner, &k);
}

/*
 * All ones when a <= b, else 0 (both below 2^63), without a branch: the verifier then follows
 * one path through a search, not one for each way every halving went.
 */
static __always_inline __u64 le_mask(__u64 a, __u64 b)
{
	__u64 m = ((b - a) >> 63) - 1;
	asm volatile("" : "+r"(m)); /* keep clang from making it a select, a branch in BPF */
	return m;
}

/*
 * The searches are global functions: the verifier checks each once with unknown arguments,
 * instead of once per path of the caller (binary searches double the paths at every step).
 */

/*
 * The index of the mapping of proc that holds pc, or -1. A fixed number of halvings without an
 * early exit: the verifier then sees the same few states at every step (the classic loop with
 * lo < hi made it follow 370,000 instructions, 110 ms at every start).
 */
__noinline int unwind_find_mapping(const struct unwind_proc *proc, __u64 pc)
{
	if (!proc)
		return -1;
	__u32 n = proc->n, base = 0, len = n > UNWIND_MAX_MAPPINGS ? UNWIND_MAX_MAPPINGS : n;
	if (len == 0)
		return -1;
	/* invariant: the last mapping starting at or below pc is in [base, base + len) */
	for (int k = 0; k < UNWIND_MAPPING_STEPS; k++) {
		__u32 half = len >> 1;
		__u64 start = proc->m[(base + half) & (UNWIND_MAX_MAPPINGS - 1)].start;
		base += half & le_mask(start, pc);
		len -= half;
	}
	const struct unwind_mapping *m = &proc->m[base & (UNWIND_MAX_MAPPINGS - 1)];
	if (pc < m->start || pc >= m->end)
		return -1;
	return (int)(base & (UNWIND_MAX_MAPPINGS - 1));
}

/* The last of the len rows from global index base whose pc <= rel, into *out: 0, or -1. */
__noinline int unwind_search_rows(__u32 base, __u32 len, __u32 rel, struct unwind_row *out)
{
	if (!out || len == 0)
		return -1;
	/* invariant: the last row with pc <= rel, if any, is in [lo, lo + n) */
	__u32 lo = 0, n = len;
	for (int k = 0; k < UNWIND_SEARCH_STEPS; k++) {
		__u32 half = n >> 1;
		if (half == 0)
			break;
		const struct unwind_row *r = get_row(base + lo + half);
		if (!r)
			return -1;
		lo += half & (__u32)le_mask(r->pc, rel);
		n -= half;
	}
	const struct unwind_row *r = get_row(base + lo);
	if (!r || r->pc > rel)
		return -1;
	*out = *r;
	return 0;
}

/* The row for pc in proc's mappings: 0 and *row, or -1 (no mapping, no table, no row). */
static __always_inline int find_row(const struct unwind_proc *proc, __u64 pc,
				    struct unwind_row *row)
{
	int i = unwind_find_mapping(proc, pc);
	if (i < 0)
		return -1;
	const struct unwind_mapping *m = &proc->m[i & (UNWIND_MAX_MAPPINGS - 1)];
	if (m->row_len == 0)
		return -1;
	__u64 rel = pc - m->bias;
	if (rel > 0xffffffffull)
		return -1;
	return unwind_search_rows(m->row_start, m->row_len, (__u32)rel, row);
}

/* One frame: records st->ip, then finds the caller's ip, sp and bp. 1 ends the walk. */
static long unwind_step(__u32 i, void *unused)
{
	__u32 zero = 0;
	struct walk_state *st = bpf_map_lookup_elem(&unwind_scratch, &zero);
	if (!st)
		return 1;
	__u64 ip = st->ip;
	__u32 n = st->n;
	if (ip == 0 || n >= UNWIND_MAX_FRAMES)
		return 1;
	if (n == 0) {
		st->leaf = ip;
	} else {
		st->pcs[(n - 1) & (UNWIND_STACK_SLOTS - 1)] = ip;
		st->hash = (st->hash ^ ip) * 0x100000001b3ull;
	}
	st->n = n + 1;

	struct unwind_row row = {};
	int found = -1;
	struct unwind_proc *proc = bpf_map_lookup_elem(&procs, &st->tgid);
	/* A return address's call instruction ends just before it: look that up. */
	if (proc)
		found = find_row(proc, n ? ip - 1 : ip, &row);
	__u8 cfa_kind = found == 0 ? (row.kind & 7) : UNWIND_CFA_NONE;
	__s64 cfa_off = row.kind & UNWIND_CFA_SCALED ? (__s64)row.cfa_off * 8 : row.cfa_off;
	__u64 cfa, ra = 0, bp = st->bp;
	switch (cfa_kind) {
	case UNWIND_CFA_OUTERMOST:
		st->ip = 0;
		return 1;
	case UNWIND_CFA_RSP:
		cfa = st->sp + cfa_off;
		break;
	case UNWIND_CFA_RBP:
		cfa = st->bp + cfa_off;
		break;
	case UNWIND_CFA_PLT:
		cfa = st->sp + row.cfa_off + ((ip & 15) >= (__u64)row.rbp_off ? 8 : 0);
		break;
	default: /* frame pointers: [bp] = caller's bp, [bp + 8] = return address */
		count(UNWIND_CTR_FP_FRAMES);
		if (bp < st->sp || bp == 0)
			goto stop;
		cfa = bp + 16;
		if (bpf_probe_read_user(&bp, sizeof(bp), (void *)(cfa - 16)))
			goto read_error;
		if (bpf_probe_read_user(&ra, sizeof(ra), (void *)(cfa - 8)))
			goto read_error;
		goto next;
	}
	if (cfa <= st->sp)
		goto stop; /* the stack only grows down: a bad rule or a corrupt stack */
	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)(cfa - 8)))
		goto read_error;
	switch (row.kind >> 4) {
	case UNWIND_RBP_CFA:
		if (bpf_probe_read_user(&bp, sizeof(bp), (void *)(cfa + (__s64)row.rbp_off * 8)))
			goto read_error;
		break;
	case UNWIND_RBP_UNKNOWN:
		bp = 0;
		break;
	}
next:
	st->ip = ra;
	st->sp = cfa;
	st->bp = bp;
	return ra == 0;
read_error:
	count(UNWIND_CTR_READ_ERROR);
stop:
	st->ip = 0;
	return 1;
}

/*
 * Copies the walk's return addresses, at most n, into dst (room bytes) with one helper call,
 * not a loop the verifier would follow frame by frame. Returns how many it copied.
 */
static __always_inline __u32 unwind_copy_pcs(__u64 *dst, __u64 room, const struct walk_state *st,
					     __u32 n)
{
	__u64 bytes = (__u64)n * sizeof(*dst);
	asm volatile("" : "+r"(bytes)); /* so that clang keeps the bound where the verifier sees it */
	if (bytes > room)
		bytes = room;
	bpf_probe_read_kernel(dst, bytes, st->pcs);
	return bytes / sizeof(*dst);
}

/*
 * Walks the current task's user stack from ip, sp, bp with the rows of tgid's mappings (frame
 * pointers where a pc has none). Returns the walk's state: n frames, the leaf pc, the return
 * addresses after it in pcs[0..n-2], their hash; NULL when the scratch is missing.
 */
static __always_inline struct walk_state *unwind_walk(__u32 tgid, __u64 ip, __u64 sp, __u64 bp)
{
	__u32 zero = 0;
	struct walk_state *st = bpf_map_lookup_elem(&unwind_scratch, &zero);
	if (!st)
		return NULL;
	st->ip = ip;
	st->sp = sp;
	st->bp = bp;
	st->tgid = tgid;
	st->n = 0;
	st->hash = 0xcbf29ce484222325ull;
	bpf_loop(UNWIND_MAX_FRAMES, unwind_step, NULL, 0);
	return st;
}

#endif
