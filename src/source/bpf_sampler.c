// SPDX-License-Identifier: MIT
/* The BPF backend behind the sampler ops table: bpf.c's counts into the one stack builder. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/util.h"
#include "bpf.h"
#include "perf_decode.h"
#include "sampler_backend.h"

struct drain_ctx {
	struct sampler *s;
	struct profile *p;
	struct sampler_stats st; /* what perf_decode counts of side-band records (lost) */
};

static int bpf_open(struct sampler *s, char *err, size_t errlen)
{
	struct bpf_backend *b = NULL;
	int ret = bpf_backend__open(&b, &s->opts, err, errlen);
	if (ret < 0)
		return ret;
	s->priv = b;
	return 0;
}

/* The side band's rings (128 KiB a CPU) are read every BPF_POLL_STEP_MS while the caller
 * waits; once this many process events wait, the caller drains at once (processes come and go
 * fast: the state of those that exited goes a drain after their exit, as with perf_event's
 * pace). So does a map set past half full. */
#define SIDEBAND_EARLY 256

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The kernel aggregates; there is nothing to wake for but a target's exit or the caller's
 * wake fd, so wait on those only and let drain() move what the interval counted. Drains are
 * a second apart under `record` (sampler__drain_interval_ms): meanwhile the process events
 * are read out of the side band's rings every BPF_POLL_STEP_MS, so a burst of new processes does
 * not overflow them, and a burst of SIDEBAND_EARLY of them ends the wait.
 */
static int bpf_poll(struct sampler *s, int timeout_ms)
{
	uint64_t end = timeout_ms >= 0 ? mono_ms() + (uint64_t)timeout_ms : UINT64_MAX;
	for (;;) {
		uint64_t now = mono_ms();
		int step = end == UINT64_MAX || end - now > BPF_POLL_STEP_MS ? BPF_POLL_STEP_MS
			   : now < end ? (int)(end - now) : 0;
		int r = sampler__wait_targets(s, step);
		if (r != 0 || mono_ms() >= end)
			return r < 0 ? r : 0;
		if (bpf_backend__collect(s->priv) >= SIDEBAND_EARLY || bpf_backend__filling(s->priv))
			return 0;
	}
}

static void on_record(void *ctx, const struct perf_event_header *h)
{
	struct drain_ctx *dc = ctx;
	perf_decode__record(dc->s->stacks, dc->p, h, &dc->st);
}

static void on_sample(void *ctx, const struct raw_sample *rs)
{
	struct drain_ctx *dc = ctx;
	stack_builder__sample(dc->s->stacks, dc->p, rs);
}

static int bpf_drain(struct sampler *s, struct profile *p)
{
	struct drain_ctx dc = {.s = s, .p = p};
	return bpf_backend__drain(s->priv, on_record, on_sample, &dc);
}

static void bpf_stats(const struct sampler *s, struct sampler_stats *st)
{
	bpf_backend__stats(s->priv, st);
	if (!st->freq)
		st->freq = s->opts.freq;
}

static void bpf_stop(struct sampler *s)
{
	bpf_backend__stop(s->priv);
}

static void bpf_close(struct sampler *s)
{
	bpf_backend__close(s->priv);
	s->priv = NULL;
}

const struct sampler_ops sampler_bpf_ops = {
    .name = "bpf",
    .open = bpf_open,
    .poll = bpf_poll,
    .drain = bpf_drain,
    .stats = bpf_stats,
    .close = bpf_close,
    .stop = bpf_stop,
    .drain_ms = 1000,
};
