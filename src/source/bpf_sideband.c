// SPDX-License-Identifier: MIT
/* Side-band perf rings for the BPF backend: process events in time order, no samples. */
#define _GNU_SOURCE
#include "bpf_sideband.h"
#include "perf_ring.h"
#include "sysinfo.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../util/hashmap.h"
#include "../util/util.h"

#define SIDEBAND_PAGES 32 /* 128 KiB per CPU: process events only */


struct bpf_sideband {
	struct perf_ring *rings; /* one per online CPU */
	struct pollfd *pfds;
	int nrings;
	size_t page;
	struct rec_batch batch; /* the records of one drain, copied out of the rings */
	uint64_t lost;
	bpf_record_fn hook;
	void *hook_ctx;
	/* hooked: a reader thread runs the hook as records arrive. lock guards the rings, the
	 * batch and pending (records read but not yet shown to the hook); hook_lock guards
	 * whatever the hook touches. The hook runs outside lock, so a drain never waits for a
	 * long one (a big file's CFI table). */
	pthread_mutex_t lock, hook_lock;
	struct strbuf pending;
	pthread_t thread;
	bool threaded;
	int stop_fd, wake_fd;
	unsigned burst; /* wake-ups read at once per READER_WINDOW_NS before resting */
};

static void attr_init(struct perf_event_attr *a, size_t page, bool eager, bool inherit)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_DUMMY;
	/* perf_decode.c's layout: sample_id_all appends {pid, tid}, time, {cpu, res}. */
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->inherit = inherit; /* one process tree: its children's events come to the same ring */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	/* eager: a watermark of one byte wakes the reader on every record. */
	a->wakeup_watermark = eager ? 1 : (uint32_t)(SIDEBAND_PAGES * page / 4);
}

static void collect(struct bpf_sideband *sb);

/*
 * Wake-ups are read at once up to the opener's burst per READER_WINDOW_NS; past that the reader
 * rests READER_REST_NS after each, so a burst of records (a fork storm) is read in a few passes
 * instead of a wake-up each (each costs a context switch, dear in a VM). For a command or
 * -p, a process's start (its exec and a dozen mmaps within a few ms) stays under the burst:
 * its libraries' tables are in the kernel before its first samples, which a rest after every
 * wake-up delayed by 20 ms (2% of a one-second command's samples walked by frame pointers
 * alone); so for `record -a` (short processes' first 50 ms walked by frame pointers had 30
 * sqlite3 runs of 75 ms reach main in half their samples). A system-wide agent (a burst of 0,
 * sampler_opts.agent): its CPU comes first: beside builds, a burst of 24
 * cost it 4.0% of a CPU against 2.3% with a rest after every wake-up, and the rest is longer:
 * under a fork storm each wake-up and rest cost the agent two context switches (a fifth of its
 * CPU at 20 ms), and a longer batch holds more processes that start and exit within it.
 */
#define READER_WINDOW_NS 100000000L
#define READER_REST_NS 20000000L
#define READER_REST_ALL_NS 50000000L

/* The process a record is about: a mapping's, an exec's, a fork's child; 0 for others. */
static uint32_t record_pid(const struct perf_event_header *h)
{
	uint32_t pid = 0;
	if ((h->type == PERF_RECORD_MMAP2 || h->type == PERF_RECORD_MMAP ||
	     h->type == PERF_RECORD_COMM || h->type == PERF_RECORD_FORK) &&
	    h->size >= sizeof(*h) + sizeof(pid))
		memcpy(&pid, h + 1, sizeof(pid));
	return pid;
}

/*
 * exits: pid -> the time of its process's last exit among records buf[0..len). A record about
 * a process from before that time needs no hook (the unwinder would build mapping tables for
 * a process that can no longer be sampled): in a fork storm, most processes start and end
 * within one batch. Their records still reach the drain, which names their samples.
 */
static void note_exits(struct hashmap *exits, const char *buf, size_t len)
{
	hashmap__clear(exits);
	for (size_t off = 0; off + sizeof(struct perf_event_header) <= len;) {
		const struct perf_event_header *h = (const void *)(buf + off);
		uint32_t v[3]; /* pid, ppid, tid */
		if (h->type == PERF_RECORD_EXIT && h->size >= sizeof(*h) + sizeof(v)) {
			memcpy(v, h + 1, sizeof(v));
			uint64_t t = bpf_sideband__time(h);
			if (v[0] == v[2]) {
				struct hashmap_entry *e = hashmap__put_u64(exits, v[0], 0, NULL);
				e->value = t > e->value ? t : e->value;
			}
		}
		off += h->size;
	}
}

static bool gone_by_then(const struct hashmap *exits, const struct perf_event_header *h)
{
	if (!exits->n)
		return false;
	uint32_t pid = record_pid(h);
	struct hashmap_entry *e = pid ? hashmap__get_u64(exits, pid, 0) : NULL;
	return e && bpf_sideband__time(h) < e->value;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The reader thread of a hooked side-band: it wakes on every record (a one-byte watermark) and
 * hands it to the hook at once, however long the caller spends between drains.
 */
static void *reader(void *arg)
{
	struct bpf_sideband *sb = arg;
	int n = sb->nrings;
	struct pollfd *fds = xcalloc((size_t)n + 2, sizeof(*fds));
	memcpy(fds, sb->pfds, sizeof(*fds) * (size_t)n);
	fds[n] = (struct pollfd){.fd = sb->stop_fd, .events = POLLIN};
	fds[n + 1] = (struct pollfd){.fd = sb->wake_fd, .events = POLLIN};
	struct strbuf mine = {0};
	struct hashmap exits = {0};
	uint64_t window = 0;
	unsigned wakes = 0;
	long rest = sb->burst ? READER_REST_NS : READER_REST_ALL_NS;
	for (;;) {
		if (poll(fds, (nfds_t)n + 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[n].revents)
			break;
		if (fds[n + 1].revents) { /* a drain read records first: they wait in pending */
			uint64_t v;
			if (read(sb->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
		pthread_mutex_lock(&sb->lock);
		collect(sb);
		struct strbuf t = sb->pending; /* take them; the buffers trade places */
		sb->pending = mine;
		mine = t;
		pthread_mutex_unlock(&sb->lock);
		note_exits(&exits, mine.buf, mine.len);
		pthread_mutex_lock(&sb->hook_lock);
		for (size_t off = 0; off + sizeof(struct perf_event_header) <= mine.len;) {
			const struct perf_event_header *h = (const void *)(mine.buf + off);
			if (!gone_by_then(&exits, h))
				sb->hook(sb->hook_ctx, h);
			off += h->size;
		}
		pthread_mutex_unlock(&sb->hook_lock);
		mine.len = 0;
		uint64_t now = monotonic_ns();
		if (now - window > READER_WINDOW_NS) {
			window = now;
			wakes = 0;
		}
		if (++wakes > sb->burst)
			nanosleep(&(struct timespec){0, rest}, NULL);
	}
	free(fds);
	strbuf__free(&mine);
	hashmap__destroy(&exits);
	return NULL;
}

static int start_reader(struct bpf_sideband *sb, char *err, size_t errlen)
{
	sb->stop_fd = eventfd(0, EFD_CLOEXEC);
	sb->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sb->stop_fd < 0 || sb->wake_fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot create an eventfd: %s", strerror(e));
		return -e;
	}
	int e = pthread_create(&sb->thread, NULL, reader, sb);
	if (e) {
		snprintf(err, errlen, "cannot start the side-band thread: %s", strerror(e));
		return -e;
	}
	sb->threaded = true;
	return 0;
}

int bpf_sideband__open(struct bpf_sideband **out, int pid, char *err, size_t errlen)
{
	return bpf_sideband__open_hooked(out, pid, NULL, NULL, 0, err, errlen);
}

int bpf_sideband__open_hooked(struct bpf_sideband **out, int pid, bpf_record_fn hook, void *ctx,
			      unsigned burst, char *err, size_t errlen)
{
	struct bpf_sideband *sb = xcalloc(1, sizeof(*sb));
	sb->burst = burst;
	sb->hook = hook;
	sb->hook_ctx = ctx;
	sb->stop_fd = sb->wake_fd = -1;
	pthread_mutex_init(&sb->lock, NULL);
	pthread_mutex_init(&sb->hook_lock, NULL);
	sb->page = (size_t)sysconf(_SC_PAGESIZE);
	int *online;
	int n = sysinfo__online_cpus(&online);
	sb->rings = xcalloc((size_t)n, sizeof(*sb->rings));
	sb->pfds = xcalloc((size_t)n, sizeof(*sb->pfds));
	struct perf_event_attr a;
	attr_init(&a, sb->page, hook != NULL, pid >= 0);
	int ret = 0;
	for (int i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_perf_event_open, &a, pid >= 0 ? pid : -1, online[i], -1,
				      PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot open the side-band event on CPU %d: %s",
				 online[i], strerror(-ret));
			break;
		}
		size_t len = (SIDEBAND_PAGES + 1) * sb->page;
		void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (base == MAP_FAILED) {
			ret = -errno;
			close(fd);
			snprintf(err, errlen, "cannot map the side-band ring of CPU %d: %s",
				 online[i], strerror(-ret));
			break;
		}
		sb->rings[sb->nrings] = (struct perf_ring){fd, base, SIDEBAND_PAGES * sb->page - 1, false};
		sb->pfds[sb->nrings++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	free(online);
	if (!ret && hook)
		ret = start_reader(sb, err, errlen);
	if (ret) {
		bpf_sideband__close(sb);
		sb = NULL;
	}
	*out = sb;
	return ret;
}

int bpf_sideband__poll(struct bpf_sideband *sb, int timeout_ms)
{
	if (poll(sb->pfds, (nfds_t)sb->nrings, timeout_ms) < 0)
		return -errno;
	return 0;
}

uint64_t bpf_sideband__time(const struct perf_event_header *h)
{
	uint64_t t;
	if (h->type == PERF_RECORD_SAMPLE || h->size < sizeof(*h) + 16)
		return 0;
	memcpy(&t, (const char *)h + h->size - 16, sizeof(t));
	return t;
}

/* Each record as it is copied: lost records counted, the hook (the unwinder) told at once. */
static void seen(void *ctx, const struct perf_event_header *h)
{
	struct bpf_sideband *sb = ctx;
	if (h->type == PERF_RECORD_LOST && h->size >= sizeof(*h) + 16) {
		uint64_t lost; /* {id, lost} */
		memcpy(&lost, (const char *)(h + 1) + 8, sizeof(lost));
		__atomic_add_fetch(&sb->lost, lost, __ATOMIC_RELAXED); /* read by __lost unlocked */
	}
	if (sb->hook) /* shown to the hook by the reader thread, outside sb->lock */
		strbuf__add(&sb->pending, (const char *)h, h->size);
}

static void collect(struct bpf_sideband *sb)
{
	for (int i = 0; i < sb->nrings; i++)
		rec_batch__read(&sb->batch, &sb->rings[i], sb->page, bpf_sideband__time, seen, sb);
}

void bpf_sideband__lock(struct bpf_sideband *sb)
{
	pthread_mutex_lock(&sb->hook_lock);
}

void bpf_sideband__unlock(struct bpf_sideband *sb)
{
	pthread_mutex_unlock(&sb->hook_lock);
}

/* Wakes the reader thread when records wait for its hook (called without sb->lock). */
static void wake_reader(struct bpf_sideband *sb, bool wake)
{
	uint64_t one = 1;
	if (wake && sb->wake_fd >= 0 && write(sb->wake_fd, &one, sizeof(one)) < 0)
		util__warn("side band: cannot wake the reader: %s", strerror(errno));
}

void bpf_sideband__drain(struct bpf_sideband *sb, uint64_t until, bpf_record_fn record, void *ctx)
{
	pthread_mutex_lock(&sb->lock);
	collect(sb);
	rec_batch__replay_until(&sb->batch, until, record, ctx);
	bool wake = sb->pending.len > 0;
	pthread_mutex_unlock(&sb->lock);
	wake_reader(sb, wake);
}

size_t bpf_sideband__collect(struct bpf_sideband *sb)
{
	pthread_mutex_lock(&sb->lock);
	collect(sb);
	bool wake = sb->pending.len > 0;
	size_t queued = sb->batch.nrefs;
	pthread_mutex_unlock(&sb->lock);
	wake_reader(sb, wake);
	return queued;
}

uint64_t bpf_sideband__bytes(const struct bpf_sideband *sb)
{
	/* written by the reader thread under sb->lock; an 8-byte load is whole */
	return sb ? __atomic_load_n(&sb->batch.bytes, __ATOMIC_RELAXED) : 0;
}

uint64_t bpf_sideband__lost(const struct bpf_sideband *sb)
{
	return sb ? __atomic_load_n(&sb->lost, __ATOMIC_RELAXED) : 0;
}

void bpf_sideband__close(struct bpf_sideband *sb)
{
	if (!sb)
		return;
	if (sb->threaded) {
		uint64_t one = 1;
		if (write(sb->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(sb->thread, NULL);
	}
	if (sb->stop_fd >= 0)
		close(sb->stop_fd);
	if (sb->wake_fd >= 0)
		close(sb->wake_fd);
	pthread_mutex_destroy(&sb->lock);
	pthread_mutex_destroy(&sb->hook_lock);
	strbuf__free(&sb->pending);
	for (int i = 0; i < sb->nrings; i++) {
		munmap(sb->rings[i].base, sb->rings[i].mask + 1 + sb->page);
		close(sb->rings[i].fd);
	}
	free(sb->rings);
	free(sb->pfds);
	rec_batch__free(&sb->batch);
	free(sb);
}
