// SPDX-License-Identifier: MIT
/* Unit tests: the live profile's modes, snapshot isolation and concurrent viewers. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/aggregate.h"
#include "model/live.h"
#include "model/profile.h"

/*
 * A scripted source: poll k (1-based) adds k*4 samples to main;a (thread 1) and k samples to
 * main;b (thread 2), one timeline entry per stack. So after polls 1..3 the intervals hold
 * a = 4, 8, 12 and b = 1, 2, 3.
 */
struct script {
	int polls;
	uint64_t samples;
	bool end_after; /* report ended once polls reaches limit */
	int limit;
};

static uint32_t stack(struct profile *p, const char *leaf)
{
	uint32_t f[2] = {profile__frame_named(p, "main", 4, FRAME_USER),
			 profile__frame_named(p, leaf, strlen(leaf), FRAME_USER)};
	return profile__add_stack(p, f, 2, 0, 0);
}

static int script_poll(void *ctx, struct profile *p, int timeout_ms)
{
	struct script *s = ctx;
	int k = ++s->polls;
	uint32_t a = stack(p, "a"), b = stack(p, "b");
	profile__add(p, a, 0, (uint64_t)k * 4);
	profile__add(p, b, 0, (uint64_t)k);
	profile__timeline_add(p, (uint64_t)k * 1000, 1, 1, 0, a);
	profile__timeline_add(p, (uint64_t)k * 1000 + 1, 1, 2, 0, b);
	s->samples += (uint64_t)k * 5;
	return 0;
}

static void script_stats(void *ctx, struct live_stats *st)
{
	struct script *s = ctx;
	st->backend = "script";
	st->samples = s->samples;
	st->ended = s->end_after && s->polls >= s->limit;
}

/* Self value of main;leaf in p, found by name (0 when absent). */
static uint64_t value_of(const struct profile *p, const char *leaf)
{
	for (uint32_t n = 1; n < profile__nnodes(p); n++)
		if (profile__node_depth(p, n) == 2 && !strcmp(profile__node_name(p, n), leaf))
			return profile__self(p, n, 0);
	return 0;
}

/* Drives n intervals of one poll each with mode m (decay num/den), checks a and b. */
static void run_mode(enum live_mode m, uint32_t num, uint32_t den, int n, uint64_t want_a,
		     uint64_t want_b)
{
	struct script sc = {0};
	struct live_source src = {&sc, script_poll, script_stats};
	struct live_opts o = {.mode = m, .decay_num = num, .decay_den = den};
	struct live *l = live__new(&src, &o);
	for (int i = 0; i < n; i++) {
		assert_int_equal(live__pump(l, 0), 0);
		live__publish(l);
	}
	assert_int_equal(live__seq(l), (uint64_t)n);
	struct live_snap *s = live__snapshot(l);
	assert_non_null(s);
	const struct profile *p = live_snap__profile(s);
	assert_int_equal(value_of(p, "a"), want_a);
	assert_int_equal(value_of(p, "b"), want_b);
	const struct aggregate *agg = live_snap__aggregate(s);
	assert_int_equal(agg->total[PROFILE_ROOT], want_a + want_b);
	/* the whole run holds every interval whatever the mode: a = 4+8+12, b = 1+2+3 */
	const struct aggregate *ragg;
	const struct profile *r = live_snap__run(s, &ragg);
	uint64_t all_a = 0, all_b = 0;
	for (int k = 1; k <= n; k++) {
		all_a += (uint64_t)k * 4;
		all_b += (uint64_t)k;
	}
	assert_int_equal(value_of(r, "a"), all_a);
	assert_int_equal(value_of(r, "b"), all_b);
	assert_int_equal(ragg->total[PROFILE_ROOT], sc.samples);
	size_t ntl;
	profile__timeline(r, &ntl);
	assert_int_equal(ntl, (size_t)(2 * n));
	struct live_snap_info info;
	live_snap__info(s, &info);
	assert_int_equal(info.seq, (uint64_t)n);
	assert_int_equal(info.mode, m);
	assert_int_equal(info.stats.samples, sc.samples);
	live_snap__put(s);
	live__free(l);
}

static void test_reset(void **state)
{
	(void)state;
	run_mode(LIVE_RESET, 0, 0, 3, 12, 3); /* the third interval alone */
}

static void test_accumulate(void **state)
{
	(void)state;
	run_mode(LIVE_ACCUMULATE, 0, 0, 3, 4 + 8 + 12, 1 + 2 + 3);
}

static void test_decay_half(void **state)
{
	(void)state;
	/* a: 4 -> 4/2+8 = 10 -> 10/2+12 = 17;  b: 1 -> 1/2+2 = 2 -> 2/2+3 = 4 */
	run_mode(LIVE_DECAY, 0, 0, 3, 17, 4);
}

static void test_decay_three_quarters(void **state)
{
	(void)state;
	/* a: 4 -> 3+8 = 11 -> 8+12 = 20 (11*3/4 = 8.25);  b: 1 -> 0+2 = 2 -> 1+3 = 4 */
	run_mode(LIVE_DECAY, 3, 4, 3, 20, 4);
	/* one more: a: 20*3/4+16 = 31;  b: 4*3/4+4 = 7 */
	run_mode(LIVE_DECAY, 3, 4, 4, 31, 7);
}

static void test_reset_timeline_and_switch(void **state)
{
	(void)state;
	struct script sc = {0};
	struct live_source src = {&sc, script_poll, script_stats};
	struct live *l = live__new(&src, NULL);
	assert_null(live__snapshot(l));
	for (int i = 0; i < 2; i++) {
		live__pump(l, 0);
		live__publish(l);
	}
	struct live_snap *s = live__snapshot(l);
	size_t ntl;
	const struct timeline_entry *tl = profile__timeline(live_snap__profile(s), &ntl);
	assert_int_equal(ntl, 2); /* reset: the second interval's two samples */
	assert_int_equal(tl[0].time_ns, 2000);
	assert_int_equal(live_snap__aggregate(s)->nthreads, 2);
	live_snap__put(s);

	/* accumulate from the next interval on: adds onto what was shown (interval 2) */
	live__set_mode(l, LIVE_ACCUMULATE);
	assert_int_equal(live__mode(l), LIVE_ACCUMULATE);
	live__pump(l, 0);
	live__publish(l);
	s = live__snapshot(l);
	assert_int_equal(value_of(live_snap__profile(s), "a"), 8 + 12);
	profile__timeline(live_snap__profile(s), &ntl);
	assert_int_equal(ntl, 4);
	live_snap__put(s);

	/* frozen: no snapshot; after unfreezing, reset shows both intervals recorded meanwhile */
	live__set_mode(l, LIVE_RESET);
	live__set_frozen(l, true);
	live__pump(l, 0);
	live__publish(l);
	assert_int_equal(live__seq(l), 3);
	live__set_frozen(l, false);
	live__pump(l, 0);
	live__publish(l);
	assert_int_equal(live__seq(l), 4);
	s = live__snapshot(l);
	assert_int_equal(value_of(live_snap__profile(s), "a"), 16 + 20);
	assert_int_equal(value_of(live_snap__profile(s), "b"), 4 + 5);
	assert_string_equal(live__mode_name(LIVE_DECAY), "decay");
	live_snap__put(s);
	live__free(l);
}

/* ---- threaded: a source that keeps adding, viewers that keep reading ---- */

struct stream {
	unsigned long polls;
	uint64_t samples;
	int end_at; /* 0: never */
};

static int stream_poll(void *ctx, struct profile *p, int timeout_ms)
{
	struct stream *s = ctx;
	s->polls++;
	/* one sample on a fixed stack and one on a stack that is often new: the trie grows */
	uint32_t hot = stack(p, "hot");
	char name[32];
	int len = snprintf(name, sizeof(name), "f%lu", s->polls % 997);
	uint32_t f[3] = {profile__frame_named(p, "main", 4, FRAME_USER),
			 profile__frame_named(p, "wide", 4, FRAME_USER),
			 profile__frame_named(p, name, (size_t)len, FRAME_USER)};
	uint32_t leaf = profile__add_stack(p, f, 3, 0, 1);
	profile__add(p, hot, 0, 1);
	profile__timeline_add(p, s->polls, 1, (uint32_t)(s->polls % 3), 0, leaf);
	s->samples += 2;
	usleep(200);
	return 0;
}

static void stream_stats(void *ctx, struct live_stats *st)
{
	struct stream *s = ctx;
	st->backend = "stream";
	st->samples = s->samples;
	st->ended = s->end_at && s->polls >= (unsigned long)s->end_at;
}

static void wait_seq(struct live *l, uint64_t seq)
{
	for (int i = 0; i < 500 && live__seq(l) < seq; i++)
		live__wait(l, live__seq(l), 20);
	assert_true(live__seq(l) >= seq);
}

static void test_snapshot_isolation(void **state)
{
	(void)state;
	struct stream st = {0};
	struct live_source src = {&st, stream_poll, stream_stats};
	struct live_opts o = {.interval_ms = 5, .poll_ms = 2, .mode = LIVE_ACCUMULATE};
	struct live *l = live__new(&src, &o);
	assert_int_equal(live__start(l), 0);
	wait_seq(l, 2);
	struct live_snap *s = live__snapshot(l);
	const struct profile *p = live_snap__profile(s);
	uint32_t nn = profile__nnodes(p);
	uint64_t *before = profile__totals(p, 0);
	size_t ntl;
	profile__timeline(p, &ntl);
	struct live_snap_info info;
	live_snap__info(s, &info);
	/* accumulate from the start: what is shown is what the source counted */
	assert_int_equal(before[PROFILE_ROOT], info.stats.samples);

	wait_seq(l, info.seq + 5);
	/* the source went on adding; the snapshot did not move */
	assert_int_equal(profile__nnodes(p), nn);
	uint64_t *after = profile__totals(p, 0);
	assert_memory_equal(before, after, sizeof(uint64_t) * nn);
	size_t ntl2;
	profile__timeline(p, &ntl2);
	assert_int_equal(ntl2, ntl);
	/* the whole run built now still describes the moment of the snapshot */
	const struct aggregate *ragg;
	live_snap__run(s, &ragg);
	assert_int_equal(ragg->total[PROFILE_ROOT], before[PROFILE_ROOT]);
	/* and a newer snapshot has more */
	struct live_snap *s2 = live__snapshot(l);
	assert_true(live_snap__aggregate(s2)->total[PROFILE_ROOT] > before[PROFILE_ROOT]);
	live_snap__put(s2);
	free(before);
	free(after);
	live__free(l); /* the viewer may keep its snapshot after the live profile is gone */
	assert_int_equal(live_snap__aggregate(s)->total[PROFILE_ROOT], info.stats.samples);
	live_snap__put(s);
}

struct viewer {
	struct live *l;
	int checked;
	int bad;
};

static void *viewer_main(void *arg)
{
	struct viewer *v = arg;
	uint64_t last_total = 0, last_seq = 0;
	while (v->checked < 60) {
		struct live_snap *s = live__snapshot(v->l);
		if (!s) {
			usleep(1000);
			continue;
		}
		struct live_snap_info info;
		live_snap__info(s, &info);
		const struct aggregate *agg = live_snap__aggregate(s), *ragg;
		uint64_t total = agg->total[PROFILE_ROOT];
		/* in accumulate mode from the start, view, run and the source's count all agree */
		if (total != info.stats.samples ||
		    total != profile__column_total(live_snap__profile(s), 0))
			v->bad++;
		const struct profile *r = live_snap__run(s, &ragg);
		if (ragg->total[PROFILE_ROOT] != total || profile__nnodes(r) != agg->nnodes)
			v->bad++;
		if (info.seq < last_seq || (info.seq > last_seq && total < last_total))
			v->bad++;
		last_seq = info.seq;
		last_total = total;
		v->checked++;
		live_snap__put(s);
		usleep(500);
	}
	return NULL;
}

static void test_concurrent_viewers(void **state)
{
	(void)state;
	struct stream st = {0};
	struct live_source src = {&st, stream_poll, stream_stats};
	struct live_opts o = {.interval_ms = 3, .poll_ms = 1, .mode = LIVE_ACCUMULATE};
	struct live *l = live__new(&src, &o);
	assert_int_equal(live__start(l), 0);
	struct viewer v[2] = {{l, 0, 0}, {l, 0, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, viewer_main, &v[i]), 0);
	/* a third party changes the settings meanwhile */
	for (int i = 0; i < 20; i++) {
		live__set_frozen(l, i & 1);
		usleep(1000);
	}
	live__set_frozen(l, false);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(v[i].bad, 0);
		assert_int_equal(v[i].checked, 60);
	}
	live__free(l);
}

static void test_end_publishes_last_samples(void **state)
{
	(void)state;
	/* a long interval: the end of the data must not wait for it */
	struct stream st = {.end_at = 10};
	struct live_source src = {&st, stream_poll, stream_stats};
	struct live_opts o = {.interval_ms = 60000, .poll_ms = 1};
	struct live *l = live__new(&src, &o);
	assert_int_equal(live__start(l), 0);
	uint64_t seq = live__wait(l, 0, 5000);
	assert_int_equal(seq, 1);
	struct live_snap *s = live__snapshot(l);
	assert_int_equal(live_snap__aggregate(s)->total[PROFILE_ROOT], 20);
	struct live_stats ls;
	live__stats(l, &ls);
	assert_true(ls.ended);
	assert_int_equal(st.polls, 10);
	/* after the end nothing else is published: reset mode must not blank the screen */
	assert_int_equal(live__wait(l, seq, 50), 1);
	live_snap__put(s);
	live__free(l);
}

static void test_fixed_profile(void **state)
{
	(void)state;
	struct profile *p = profile__new();
	uint32_t a = stack(p, "a");
	profile__add(p, a, 0, 7);
	struct live_snap *s = live_snap__of_profile(p, NULL);
	struct live_snap *s2 = live_snap__get(s);
	const struct aggregate *ragg;
	assert_ptr_equal(live_snap__run(s, &ragg), p);
	assert_ptr_equal(ragg, live_snap__aggregate(s));
	assert_int_equal(ragg->total[PROFILE_ROOT], 7);
	struct live_snap_info info;
	live_snap__info(s, &info);
	assert_string_equal(info.stats.backend, "file");
	live_snap__put(s);
	assert_int_equal(live_snap__aggregate(s2)->nfuncs, 2);
	live_snap__put(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_accumulate),
		cmocka_unit_test(test_decay_half),
		cmocka_unit_test(test_decay_three_quarters),
		cmocka_unit_test(test_reset_timeline_and_switch),
		cmocka_unit_test(test_snapshot_isolation),
		cmocka_unit_test(test_concurrent_viewers),
		cmocka_unit_test(test_end_publishes_last_samples),
		cmocka_unit_test(test_fixed_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
