/* SPDX-License-Identifier: MIT */
/* The eBPF sampler's state, shared by bpf.c (load, size, drain) and bpf_attach.c (events). */
#ifndef SCORCH_SOURCE_BPF_INTERNAL_H
#define SCORCH_SOURCE_BPF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf.h"
#include "../bpf/unwind.h"
#include "bpf_stacks.h"
#include "probe.h"
#include "profile.skel.h"

/* One map set's counts and stacks hashes (the inner maps of count_sets and stack_sets). */
struct bpf_set {
	int counts_fd, stacks_fd;
	uint32_t counts_n, stacks_n; /* their max entries, grown up to the bounds in d */
	/* --call-graph dwarf: the ustacks array (ustack_sets), mmapped at umem, its buckets, the
	 * user side's cache of it, and the buckets kept at its last drain */
	int ustacks_fd;
	uint32_t uslots;
	struct unwind_stack *umem;
	struct bpf_ustacks *ucache;
	size_t ukept;
};

struct bpf_backend {
	struct sampler_opts opts;
	struct profile_bpf *skel;
	bool per_thread;
	int *cpus; /* sampled CPUs */
	int ncpus;
	struct bpf_link **links;
	int nlinks;
	int npossible;
	uint64_t *pcpu; /* one value per possible CPU: scratch for per-CPU maps */
	struct bpf_sideband *sb;
	struct probe_set probes; /* -e: counted at every occurrence instead of the timer */
	char *event_names;	 /* -e: their labels, joined by ',' */
	const char *event;
	uint64_t t0;
	/* drain scratch */
	struct profile_key *keys;
	uint64_t *vals;
	size_t capkv;
	struct bpf_set set[PROFILE_NSETS];
	struct bpf_stacks *stacks;		     /* every stack drained, by hash */
	uint64_t swept_lost[PROFILE_NSETS]; /* PC_HASH_FULL at the set's last drain */
	uint64_t ubuf[UNWIND_STACK_SLOTS]; /* --call-graph dwarf: a sample's leaf, then its stack */
	bool dwarf; /* --call-graph dwarf: user stacks walked with CFI (on_sample_dwarf) */
	bool dwarf_auto; /* auto under -a/-C: CFI tables only for binaries without frame pointers */
	const char *cg_note; /* -v: how --call-graph auto chose */
	uint32_t uslots; /* --call-graph dwarf: the bound of each ustacks array's buckets */
	struct bpf_unwind *unwind;
	int spare_shard; /* a row shard made before the load, until the unwinder takes it */
	struct bpf_backend_detail d;
	char note[160];
	const char *info; /* -v only: the event fallback */
	char info_buf[720]; /* -v only: the event fallback, the DWARF walk's counters, the tables */
	char hint[200]; /* shown instead of note: what to change when stacks are being lost */
};

/*
 * -e: resolves o's event specs (all but the timer's names) into b->probes and their labels
 * into b->event_names. Returns 0, or -errno with a reason in err (a spec that does not
 * resolve, or a combination the BPF backend refuses: -e with -C or --call-graph dwarf).
 */
int bpf_attach__resolve_probes(struct bpf_backend *b, const struct sampler_opts *o, char *err,
			       size_t errlen);

/* ---- the map sets (bpf_sets.c) ---- */

/* The smallest power of two at or above v. */
uint32_t bpf_sets__roundup_pow2(uint32_t v);
/* The size a set's map starts at: four times the entries a poll step (per_step at worst) can
 * add, at least 1,024, at most max; the early drain comes before it is full. */
uint32_t bpf_sets__start_size(uint64_t per_step, uint32_t max);
/* After the load: each set's maps at the sizes in b->set[] (dwarf: its ustacks array mapped,
 * with its cache). Returns 0, or -errno with a reason in err. */
int bpf_sets__create(struct bpf_backend *b, char *err, size_t errlen);
/* After set i was drained: each of its maps that was past half full (ustacks: a quarter) since
 * its last drain is replaced by one four times bigger, up to its bound; the fills reset. */
void bpf_sets__drained(struct bpf_backend *b, int i);
/* Unmaps and closes the sets' maps. */
void bpf_sets__close(struct bpf_backend *b);

/* Chooses the programs to load (before the skeleton's load): the timer's or the probes'. */
void bpf_attach__select_programs(struct bpf_backend *b);

/*
 * Opens the sampling events and attaches the loaded programs: one timer event per sampled
 * CPU, or one event per probe under -e. Sets b->links and b->event. Returns 0, or -errno
 * with a one-line reason in err.
 */
int bpf_attach__samplers(struct bpf_backend *b, char *err, size_t errlen);

#endif
