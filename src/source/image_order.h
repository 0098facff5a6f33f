/* SPDX-License-Identifier: MIT */
/* In-kernel counts handed on in step with the process events of the same drain interval. */
#ifndef SCORCH_IMAGE_ORDER_H
#define SCORCH_IMAGE_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "../util/hashmap.h"

/*
 * A BPF backend counts between drains and keys each count with the time its process's image
 * began (the fork or exec tracepoint's time, `since`). The process events of the interval
 * (forks reusing a pid, execs) arrive afterwards, in time order. Before the event that ends
 * pid's image at time t is applied, every count of an older image of pid (since < t) must be
 * handed on, while the stack builder still holds that image's maps and comm.
 *
 * An entry may name two images (an off-CPU interval and the task that woke it): it is handed
 * on at the first event that ends either. Entries are numbered 0..n-1 by the caller.
 */
struct image_ref {
	uint32_t pid;
	uint64_t since; /* 0: began before the programs were attached */
};

/* Fills up to two refs of entry i; returns how many (0: the entry names no process). */
typedef unsigned (*image_order_refs_fn)(void *ctx, size_t i, struct image_ref out[2]);
/* Hands entry i on. */
typedef void (*image_order_emit_fn)(void *ctx, size_t i);

struct image_order {
	size_t n;
	image_order_refs_fn refs;
	image_order_emit_fn emit;
	void *ctx;
	uint8_t *done;	     /* per entry: handed on */
	struct image_slot *slots; /* (pid, since, entry), by pid then since; built at first use */
	size_t nslots;
	struct hashmap next; /* pid -> its first slot not yet passed */
	int sorted;
};

/* image_order__init - n entries, none handed on yet; nothing is read before the first end. */
void image_order__init(struct image_order *o, size_t n, image_order_refs_fn refs,
		       image_order_emit_fn emit, void *ctx);

/* image_order__ends - pid's image ends at t: hands on every entry of an older image of pid. */
void image_order__ends(struct image_order *o, uint32_t pid, uint64_t t);

/* image_order__rest - hands on every entry not handed on yet, in index order. */
void image_order__rest(struct image_order *o);

/* image_order__destroy - frees what init and ends allocated. */
void image_order__destroy(struct image_order *o);

#endif
