// SPDX-License-Identifier: MIT
/*
 * The BPF sampler's two map sets (docs/bpf.md, Maps): each set's counts hash, stacks hash and,
 * for --call-graph dwarf, ustacks array are inner maps that user space creates small, replaces
 * with bigger ones at a drain that finds them filling, and watches so the caller can drain
 * early.
 */
#define _GNU_SOURCE
#include "bpf_internal.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../util/util.h"

#define SET_MIN_ENTRIES 1024u
#define GROWTH 4 /* a map that fills is replaced by one this many times bigger */

uint32_t bpf_sets__roundup_pow2(uint32_t v)
{
	uint32_t p = 1;
	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

uint32_t bpf_sets__start_size(uint64_t per_step, uint32_t max)
{
	uint64_t n = per_step * 4 < SET_MIN_ENTRIES ? SET_MIN_ENTRIES : per_step * 4;
	n = bpf_sets__roundup_pow2(n > max ? max : (uint32_t)n);
	return n > max ? max : (uint32_t)n;
}

/* The size that replaces a map of cur entries whose bound is max. */
static uint32_t grown(uint32_t cur, uint32_t max)
{
	return cur > max / GROWTH ? max : cur * GROWTH;
}

/*
 * A new counts (or stacks) hash of n entries for set i, put in the set's slot of count_sets (or
 * stack_sets) in place of the one before, which is closed: the kernel frees it once no program
 * holds it. Only for a set no program writes (before attaching, or just drained).
 */
static int new_hash(struct bpf_backend *b, int i, bool stacks, uint32_t n, char *err,
		    size_t errlen)
{
	struct bpf_map *outer = stacks ? b->skel->maps.stack_sets : b->skel->maps.count_sets;
	char name[16];
	snprintf(name, sizeof(name), "%s%d", stacks ? "stacks" : "counts", i);
	/* as struct counts_map and struct stacks_map declare them (libbpf keeps no template) */
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, name,
				stacks ? sizeof(__u64) : sizeof(struct profile_key),
				stacks ? sizeof(struct profile_stack) : sizeof(__u64), n, NULL);
	int ret = fd < 0 ? -errno : 0;
	__u32 key = (__u32)i;
	if (fd >= 0 && bpf_map_update_elem(bpf_map__fd(outer), &key, &fd, BPF_ANY) < 0) {
		ret = -errno;
		close(fd);
	}
	if (ret) {
		snprintf(err, errlen, "cannot create the BPF %s map (%u entries): %s",
			 stacks ? "stacks" : "counts", n, strerror(-ret));
		return ret;
	}
	struct bpf_set *set = &b->set[i];
	int *slot = stacks ? &set->stacks_fd : &set->counts_fd;
	if (*slot >= 0)
		close(*slot);
	*slot = fd;
	*(stacks ? &set->stacks_n : &set->counts_n) = n;
	return 0;
}

/*
 * --call-graph dwarf: a new ustacks array of n buckets for set i, mapped, with an empty cache,
 * in place of the one before (only for a set no program writes).
 */
static int new_ustacks(struct bpf_backend *b, int i, uint32_t n, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	char name[16];
	snprintf(name, sizeof(name), "ustacks%d", i);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), sizeof(struct unwind_stack),
				n, &mo);
	int ret = fd < 0 ? -errno : 0;
	void *mem = MAP_FAILED;
	if (fd >= 0) {
		mem = mmap(NULL, (size_t)n * sizeof(struct unwind_stack), PROT_READ | PROT_WRITE,
			   MAP_SHARED, fd, 0);
		ret = mem == MAP_FAILED ? -errno : 0;
	}
	struct bpf_set *set = &b->set[i];
	if (ret == 0) {
		b->skel->bss->ustack_mask[i] = n - 1; /* before the array: never past its end */
		__u32 key = (__u32)i;
		if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.ustack_sets), &key, &fd, BPF_ANY) < 0)
			ret = -errno;
	}
	if (ret) {
		if (mem != MAP_FAILED)
			munmap(mem, (size_t)n * sizeof(struct unwind_stack));
		if (fd >= 0)
			close(fd);
		if (set->uslots)
			b->skel->bss->ustack_mask[i] = set->uslots - 1;
		snprintf(err, errlen, "cannot create the BPF user stack array (%u buckets): %s", n,
			 strerror(-ret));
		return ret;
	}
	if (set->umem)
		munmap(set->umem, (size_t)set->uslots * sizeof(struct unwind_stack));
	if (set->ustacks_fd >= 0)
		close(set->ustacks_fd);
	bpf_ustacks__free(set->ucache);
	set->ustacks_fd = fd;
	set->umem = mem;
	set->uslots = n;
	set->ucache = bpf_ustacks__new(mem, n);
	set->ukept = 0;
	return 0;
}

int bpf_sets__create(struct bpf_backend *b, char *err, size_t errlen)
{
	for (int i = 0; i < PROFILE_NSETS; i++) {
		int ret = new_hash(b, i, false, b->set[i].counts_n, err, errlen);
		ret = ret ? ret : new_hash(b, i, true, b->set[i].stacks_n, err, errlen);
		if (ret == 0 && b->dwarf) {
			uint32_t n = b->set[i].uslots;
			b->set[i].uslots = 0; /* none mapped yet */
			ret = new_ustacks(b, i, n, err, errlen);
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* How full a set's map is: entries filled since its last drain plus those it kept. */
static bool past(uint64_t filled, uint32_t size, unsigned fraction)
{
	return filled * fraction > size;
}

void bpf_sets__drained(struct bpf_backend *b, int i)
{
	struct bpf_set *set = &b->set[i];
	volatile __u32 *fill[3] = {&b->skel->bss->filled_counts[i], &b->skel->bss->filled_stacks[i],
				   &b->skel->bss->filled_ustacks[i]};
	char err[160];
	/* A growth that fails keeps the map: the early drains still keep it from filling. */
	if (past(*fill[0], set->counts_n, 2) && set->counts_n < b->d.counts_entries &&
	    new_hash(b, i, false, grown(set->counts_n, b->d.counts_entries), err, sizeof(err)) == 0)
		b->d.set_grown++;
	if (past(*fill[1], set->stacks_n, 2) && set->stacks_n < b->d.stack_entries &&
	    new_hash(b, i, true, grown(set->stacks_n, b->d.stack_entries), err, sizeof(err)) == 0)
		b->d.set_grown++;
	if (b->dwarf) {
		/* the buckets still held since the set's last drain count too; a new array
		 * starts empty */
		if (past(*fill[2] + set->ukept, set->uslots, 4) && set->uslots < b->uslots &&
		    new_ustacks(b, i, grown(set->uslots, b->uslots), err, sizeof(err)) == 0)
			b->d.set_grown++;
		set->ukept = bpf_ustacks__count(set->ucache);
	}
	for (int k = 0; k < 3; k++)
		*fill[k] = 0;
}

bool bpf_backend__filling(const struct bpf_backend *b)
{
	uint32_t i = __atomic_load_n(&b->skel->bss->active_set, __ATOMIC_RELAXED) & 1;
	const struct bpf_set *set = &b->set[i];
	const volatile struct profile_bpf__bss *bss = b->skel->bss;
	return past(bss->filled_counts[i], set->counts_n, 2) ||
	       past(bss->filled_stacks[i], set->stacks_n, 2) ||
	       (b->dwarf && past(bss->filled_ustacks[i] + set->ukept, set->uslots, 4));
}

void bpf_sets__close(struct bpf_backend *b)
{
	for (int i = 0; i < PROFILE_NSETS; i++) {
		struct bpf_set *set = &b->set[i];
		if (set->umem)
			munmap(set->umem, (size_t)set->uslots * sizeof(struct unwind_stack));
		bpf_ustacks__free(set->ucache);
		int fds[3] = {set->counts_fd, set->stacks_fd, set->ustacks_fd};
		for (int k = 0; k < 3; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		memset(set, 0, sizeof(*set));
		set->counts_fd = set->stacks_fd = set->ustacks_fd = -1;
	}
}
