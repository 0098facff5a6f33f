// SPDX-License-Identifier: MIT
/* The perf_event_open sampler backend: one event per CPU (and task), ring buffers, decoding. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../util/util.h"
#include "../unwind/dwarf.h"
#include "perf_decode.h"
#include "perf_ring.h"
#include "probe.h"
#include "sampler_backend.h"
#include "sysinfo.h"

#define DATA_PAGES 128 /* 512 KiB per CPU, like perf record */
#define DATA_PAGES_STACKS 1024 /* 4 MiB per CPU when samples carry user-stack copies */
#define LEAF_STACK_SIZE 512   /* fp+leaf: bytes of stack copied by default */
#define MAX_USER_FRAMES 1024


struct perf_backend {
	const struct sampler_opts *o; /* the sampler's */
	int *cpus;
	int ncpus;
	int *fds;
	int nfds, capfds;
	struct perf_ring *rings; /* one per CPU */
	size_t page, data_pages;
	struct sampler_stats st; /* samples, lost, throttled */
	const char *event;
	struct rec_batch batch; /* one drain's records, replayed in time order */
	struct pollfd *pfds;
	int *pfd_ring;
	char note[400];
	const char *info; /* said only with -v: the event fallback */
	struct probe_set probes; /* -e: sampled at every occurrence instead of the timer */
	char *event_names;       /* -e: their labels, for the stats */
	unsigned freq;    /* -F, capped to the kernel's limit */
	/* User stacks unwound here: mode DWARF, FP_LEAF or AUTO (per process); FP: us.uw NULL */
	struct perf_user_stacks us;
	unsigned stack_size; /* PERF_SAMPLE_STACK_USER bytes, 0 without */
	char stats_note[800];
	char auto_info[160];
	char info_buf[400];
};

static int sys_perf_event_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void attr_init(struct perf_event_attr *a, const struct perf_backend *pb, bool hw,
		      bool user_only_perm, const struct probe_event *probe)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	a->config = hw ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK;
	a->freq = 1;
	a->sample_freq = pb->freq;
	if (probe) { /* every occurrence, with its stack */
		a->type = probe->type;
		a->config = probe->config;
		a->config1 = probe->config1;
		a->config2 = probe->config2;
		a->freq = 0;
		a->sample_period = 1;
	}
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
	a->disabled = 1;
	a->mmap = 1; /* with mmap2: executable mappings (dlopen) arrive as MMAP2 records */
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(pb->data_pages * pb->page / 4);
	bool per_task = pb->o->scope == SCOPE_PIDS || pb->o->scope == SCOPE_COMMAND;
	a->inherit = per_task;
	a->enable_on_exec = pb->o->scope == SCOPE_COMMAND;
	if (pb->o->stacks == STACKS_KERNEL_ONLY) {
		a->exclude_user = 1;
		a->exclude_callchain_user = 1;
	} else if (pb->o->stacks == STACKS_USER_ONLY || user_only_perm) {
		/* Time in the kernel still counts, charged to the user frame that entered it. */
		a->exclude_callchain_kernel = 1;
	}
	if (user_only_perm)
		a->exclude_kernel = 1;
	if (probe && probe->user) /* the kernel part is the breakpoint trap */
		a->exclude_callchain_kernel = 1;
	if (pb->stack_size) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = UNWIND_PERF_REGS_MASK;
		a->sample_stack_user = pb->stack_size;
		/* dwarf: the user part of the chain comes from the unwinder */
		if (pb->us.mode == CALL_GRAPH_DWARF)
			a->exclude_callchain_user = 1;
	}
}

static void add_fd(struct perf_backend *pb, int fd)
{
	if (pb->nfds == pb->capfds) {
		pb->capfds = pb->capfds ? pb->capfds * 2 : 16;
		pb->fds = xrealloc(pb->fds, sizeof(*pb->fds) * pb->capfds);
	}
	pb->fds[pb->nfds++] = fd;
}

static int map_ring(struct perf_backend *pb, struct perf_ring *r, int fd)
{
	for (size_t pages = pb->data_pages; pages >= 8; pages /= 2) {
		size_t len = (pages + 1) * pb->page;
		void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (base != MAP_FAILED) {
			r->fd = fd;
			r->base = base;
			r->mask = pages * pb->page - 1;
			return 0;
		}
		if (errno != EPERM && errno != ENOMEM)
			return -errno;
	}
	return -EPERM;
}

static void open_error(struct perf_backend *pb, int e, pid_t pid, int cpu, char *err,
		       size_t errlen)
{
	int paranoid = sysinfo__read_int("/proc/sys/kernel/perf_event_paranoid", 2);
	int maxrate = sysinfo__read_int("/proc/sys/kernel/perf_event_max_sample_rate", 0);
	bool wide = pb->o->scope == SCOPE_ALL || pb->o->scope == SCOPE_CPU;
	if (e == EACCES || e == EPERM) {
		/* CPU-wide events need paranoid <= 0, a task's events <= 1 (kernel frames
		 * included; 2 allows user frames only). At or below that, it is not the sysctl:
		 * the process belongs to another user (ptrace access) or a LSM said no. */
		int need = wide ? 0 : 1;
		if (paranoid > need)
			snprintf(err, errlen,
				 "no permission to open perf events (kernel.perf_event_paranoid=%d); "
				 "run as root (or with CAP_PERFMON), or allow it with: sudo sysctl "
				 "kernel.perf_event_paranoid=%d",
				 paranoid, need);
		else if (!wide && pid > 0)
			snprintf(err, errlen,
				 "no permission to profile pid %d: it belongs to another user; run as "
				 "root or with CAP_PERFMON",
				 (int)pid);
		else
			snprintf(err, errlen,
				 "no permission to open perf events although "
				 "kernel.perf_event_paranoid=%d; run as root or with CAP_PERFMON",
				 paranoid);
		errno = EPERM;
		return;
	}
	if (e == ESRCH)
		snprintf(err, errlen, "no such process: %d", (int)pid);
	else if (e == EMFILE || e == ENFILE)
		snprintf(err, errlen,
			 "too many open files: %d events so far (threads x %d CPUs); raise the "
			 "limit with 'ulimit -n'",
			 pb->nfds, pb->ncpus);
	else if (e == EINVAL && maxrate > 0 && pb->freq > (unsigned)maxrate)
		snprintf(err, errlen,
			 "-F %u is above kernel.perf_event_max_sample_rate (%d); lower -F or raise "
			 "the sysctl",
			 pb->freq, maxrate);
	else
		snprintf(err, errlen, "cannot open a %s event on CPU %d: %s",
			 pb->probes.n ? "probe" : "cpu-clock", cpu, strerror(e));
	errno = e;
}

/* Notes accumulate ("; "-joined): a later one never hides an earlier one. */
static void add_note(struct perf_backend *pb, const char *msg)
{
	size_t len = strlen(pb->note);
	snprintf(pb->note + len, sizeof(pb->note) - len, "%s%s", len ? "; " : "", msg);
}

/* -v only: how a choice was made. */
static void add_note_info(struct perf_backend *pb, const char *msg)
{
	snprintf(pb->auto_info, sizeof(pb->auto_info), "%s", msg);
}

/*
 * The kernel refuses a rate above kernel.perf_event_max_sample_rate (and lowers that limit
 * itself when sampling interrupts take too long): cap -F to it as perf does, with a note.
 */
static void cap_freq(struct perf_backend *pb)
{
	int maxrate = sysinfo__read_int("/proc/sys/kernel/perf_event_max_sample_rate", 0);
	if (maxrate <= 0 || pb->freq <= (unsigned)maxrate)
		return;
	char msg[160];
	snprintf(msg, sizeof(msg),
		 "-F %u is above kernel.perf_event_max_sample_rate; sampling at %d Hz", pb->freq,
		 maxrate);
	add_note(pb, msg);
	pb->freq = (unsigned)maxrate;
}

/*
 * Opens one event per (task, CPU), of the timer or of the -e probe; all events of a CPU share
 * that CPU's ring buffer.
 */
static int open_events(struct perf_backend *pb, const pid_t *tasks, int ntasks,
		       const struct probe_event *probe, char *err, size_t errlen)
{
	struct perf_event_attr attr;
	bool hw = !probe, user_only_perm = false;
	attr_init(&attr, pb, hw, false, probe);
	for (int c = 0; c < pb->ncpus; c++) {
		struct perf_ring *r = &pb->rings[c];
		for (int t = 0; t < ntasks; t++) {
			int fd = sys_perf_event_open(&attr, tasks[t], pb->cpus[c]);
			while (fd < 0 && pb->nfds == 0) {
				int e = errno;
				if (hw && e != EACCES && e != EPERM && e != ESRCH && e != EMFILE) {
					hw = false; /* no PMU (VMs): the hrtimer-based clock */
					pb->info = "no hardware cycle counter here; sampling cpu-clock";
				} else if ((e == EACCES || e == EPERM) && !user_only_perm &&
					   (pb->o->scope == SCOPE_PIDS ||
					    pb->o->scope == SCOPE_COMMAND) &&
					   pb->o->stacks != STACKS_KERNEL_ONLY) {
					user_only_perm = true;
					add_note(pb, "kernel frames not sampled (perf_event_paranoid); "
						     "run as root to include them");
				} else {
					break;
				}
				attr_init(&attr, pb, hw, user_only_perm, probe);
				fd = sys_perf_event_open(&attr, tasks[t], pb->cpus[c]);
			}
			if (fd < 0) {
				int e = errno;
				/* A thread that exited since we listed it is not an error. */
				if (e == ESRCH && pb->o->scope == SCOPE_PIDS && t > 0 &&
				    kill(tasks[0], 0) == 0)
					continue;
				open_error(pb, e, tasks[t], pb->cpus[c], err, errlen);
				e = errno;
				if (probe) {
					size_t len = strlen(err);
					snprintf(err + len, errlen - len, " (event %s)", probe->label);
				}
				errno = e;
				return -e;
			}
			add_fd(pb, fd);
			if (r->fd < 0) {
				int ret = map_ring(pb, r, fd);
				if (ret < 0) {
					snprintf(err, errlen,
						 "cannot map the perf ring buffer: %s; raise "
						 "kernel.perf_event_mlock_kb or run as root",
						 strerror(-ret));
					errno = -ret;
					return ret;
				}
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
				int e = errno;
				snprintf(err, errlen, "cannot share the ring buffer of CPU %d: %s",
					 pb->cpus[c], strerror(e));
				errno = e;
				return -e;
			}
		}
	}
	if (!probe)
		pb->event = hw ? "cycles" : "cpu-clock";
	return 0;
}

/* -e: resolves every spec; the event name becomes their labels joined by ','. */
static int resolve_probes(struct perf_backend *pb, char *err, size_t errlen)
{
	struct strbuf names = {0};
	for (int i = 0; i < pb->o->nevents; i++) {
		if (probe__is_timer(pb->o->events[i]))
			continue;
		int ret = probe__resolve(pb->o->events[i], &pb->probes, err, errlen);
		if (ret < 0) {
			strbuf__free(&names);
			errno = -ret;
			return ret;
		}
	}
	for (int i = 0; i < pb->probes.n; i++) {
		if (i)
			strbuf__addc(&names, ',');
		strbuf__adds(&names, pb->probes.ev[i].label);
	}
	pb->event_names = names.buf;
	if (pb->event_names)
		pb->event = pb->event_names;
	return 0;
}

/* Every thread of the target processes (inherit covers the ones they create later). */
static int list_tasks(struct perf_backend *pb, pid_t **out, char *err, size_t errlen)
{
	int n = 0, cap = 16;
	pid_t *tasks = xmalloc(sizeof(*tasks) * cap);
	for (int i = 0; i < pb->o->npids; i++) {
		pid_t pid = pb->o->pids[i];
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		DIR *dir = pid > 0 ? opendir(path) : NULL;
		if (!dir) {
			snprintf(err, errlen, "no such process: %d", (int)pid);
			free(tasks);
			errno = ESRCH;
			return -ESRCH;
		}
		if (n == cap)
			tasks = xrealloc(tasks, sizeof(*tasks) * (cap *= 2));
		tasks[n++] = pid; /* the main thread first */
		struct dirent *de;
		while ((de = readdir(dir))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || tid == pid)
				continue;
			if (n == cap)
				tasks = xrealloc(tasks, sizeof(*tasks) * (cap *= 2));
			tasks[n++] = tid;
		}
		closedir(dir);
	}
	*out = tasks;
	return n;
}

/* The online CPUs to sample: all of them, or the -C list (each must be online). */
static int pick_cpus(struct perf_backend *pb, char *err, size_t errlen)
{
	pb->ncpus = sysinfo__online_cpus(&pb->cpus);
	if (pb->o->scope != SCOPE_CPU)
		return 0;
	const int *want = pb->o->cpu_list;
	int nwant = pb->o->ncpu_list;
	if (nwant < 1) {
		snprintf(err, errlen, "no CPU given");
		return -EINVAL;
	}
	for (int w = 0; w < nwant; w++) {
		bool found = false;
		for (int i = 0; i < pb->ncpus; i++)
			found |= pb->cpus[i] == want[w];
		if (!found) {
			snprintf(err, errlen, "CPU %d is not online (see /sys/devices/system/cpu/online)",
				 want[w]);
			return -EINVAL;
		}
	}
	/* want is sorted and unique, and no longer than the online list it is in */
	for (int w = 0; w < nwant; w++)
		pb->cpus[w] = want[w];
	pb->ncpus = nwant;
	return 0;
}

/*
 * How user stacks are walked (the mode after auto is settled where it can be): `-- CMD` and
 * -p decide once from their binaries; -a and -C copy stacks and decide per process.
 */
static int pick_call_graph(struct perf_backend *pb, char *err, size_t errlen)
{
	const struct sampler_opts *o = pb->o;
	enum sampler_call_graph mode = o->call_graph;
	if (o->stacks == STACKS_KERNEL_ONLY)
		return 0;
	if (mode == CALL_GRAPH_AUTO && (o->scope == SCOPE_COMMAND || o->scope == SCOPE_PIDS)) {
		bool lacks = sampler__targets_lack_fp(o);
		add_note_info(pb, lacks ? SAMPLER_AUTO_DWARF_NOTE : SAMPLER_AUTO_FP_NOTE);
		mode = lacks ? CALL_GRAPH_DWARF : CALL_GRAPH_FP;
	}
	if (mode == CALL_GRAPH_FP)
		return 0;
#if !defined(__x86_64__)
	if (o->call_graph != CALL_GRAPH_AUTO) {
		snprintf(err, errlen, "--call-graph dwarf and fp+leaf are implemented for x86-64 only");
		return -EOPNOTSUPP;
	}
	return 0;
#endif
	pb->us.uw = unwinder__new();
	if (!pb->us.uw) {
		snprintf(err, errlen, "cannot set up the DWARF unwinder (libdw)");
		return -ENOMEM;
	}
	pb->us.mode = mode;
	pb->us.cap = MAX_USER_FRAMES;
	pb->us.ips = xmalloc(sizeof(*pb->us.ips) * pb->us.cap);
	pb->stack_size = o->stack_size ? o->stack_size
			 : mode == CALL_GRAPH_FP_LEAF ? LEAF_STACK_SIZE
						      : SAMPLER_STACK_SIZE_DEFAULT;
	return 0;
}

static int perf_open(struct sampler *s, char *err, size_t errlen)
{
	struct perf_backend *pb = xcalloc(1, sizeof(*pb));
	pid_t *tasks = NULL;
	int ntasks = 0, ret;
	s->priv = pb;
	pb->o = &s->opts;
	pb->event = "cpu-clock";
	pb->page = (size_t)sysconf(_SC_PAGESIZE);
	pb->data_pages = DATA_PAGES;
	pb->freq = s->opts.freq;
	cap_freq(pb);
	ret = pick_call_graph(pb, err, errlen);
	if (ret < 0)
		return ret;
	ret = pick_cpus(pb, err, errlen);
	if (ret < 0)
		return ret;
	/* Stack copies fill rings fast: larger ones, within 32 MiB over all CPUs. */
	if (pb->stack_size) {
		size_t pages = DATA_PAGES_STACKS;
		while (pages > DATA_PAGES && pages * (size_t)pb->ncpus > 8192)
			pages /= 2;
		pb->data_pages = pages;
	}
	pb->rings = xcalloc((size_t)pb->ncpus, sizeof(*pb->rings));
	for (int i = 0; i < pb->ncpus; i++)
		pb->rings[i].fd = -1;
	sysinfo__raise_nofile();

	switch (s->opts.scope) {
	case SCOPE_PIDS:
		ntasks = list_tasks(pb, &tasks, err, errlen);
		if (ntasks < 0)
			return ntasks;
		break;
	case SCOPE_COMMAND: /* held before exec: enable_on_exec starts its events */
		tasks = xmalloc(sizeof(*tasks));
		tasks[ntasks++] = s->opts.pids[0];
		break;
	case SCOPE_ALL:
	case SCOPE_CPU:
		tasks = xmalloc(sizeof(*tasks));
		tasks[ntasks++] = -1;
		break;
	}
	ret = resolve_probes(pb, err, errlen);
	if (ret == 0 && pb->probes.n == 0)
		ret = open_events(pb, tasks, ntasks, NULL, err, errlen);
	for (int i = 0; ret == 0 && i < pb->probes.n; i++)
		ret = open_events(pb, tasks, ntasks, &pb->probes.ev[i], err, errlen);
	free(tasks);
	if (ret < 0)
		return ret;
	int nwait = SAMPLER_MAX_WAIT_FDS(s);
	pb->pfds = xcalloc((size_t)(pb->ncpus + nwait), sizeof(*pb->pfds));
	pb->pfd_ring = xcalloc((size_t)pb->ncpus, sizeof(*pb->pfd_ring));
	if (s->opts.scope != SCOPE_COMMAND) {
		for (int i = 0; i < pb->nfds; i++) {
			if (ioctl(pb->fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0) {
				ret = -errno;
				snprintf(err, errlen, "cannot start sampling: %s", strerror(-ret));
				return ret;
			}
		}
	}
	return 0;
}

static int perf_poll(struct sampler *s, int timeout_ms)
{
	struct perf_backend *pb = s->priv;
	int n = 0;
	for (int i = 0; i < pb->ncpus; i++) {
		if (pb->rings[i].fd < 0 || pb->rings[i].hup)
			continue;
		pb->pfd_ring[n] = i;
		pb->pfds[n++] = (struct pollfd){.fd = pb->rings[i].fd, .events = POLLIN};
	}
	int nrings = n;
	n += sampler__wait_fds(s, pb->pfds + n, SAMPLER_MAX_WAIT_FDS(s));
	int ret = 0;
	if (poll(pb->pfds, (nfds_t)n, timeout_ms) < 0) {
		ret = -errno;
		for (int i = 0; i < n; i++)
			pb->pfds[i].revents = 0;
	}
	/* A per-task event hangs up when its task exits: stop polling it, keep draining it. */
	for (int i = 0; i < nrings; i++)
		if (pb->pfds[i].revents & POLLHUP)
			pb->rings[pb->pfd_ring[i]].hup = true;
	return ret;
}

/* The drain's context for replaying records. */
struct replay {
	struct perf_backend *pb;
	struct sampler *s;
	struct profile *p;
};

static void replay_one(void *ctx, const struct perf_event_header *h)
{
	struct replay *r = ctx;
	if (r->pb->us.uw)
		perf_decode__record_user(&r->pb->us, r->s->stacks, r->p, h, &r->pb->st);
	else
		perf_decode__record(r->s->stacks, r->p, h, &r->pb->st);
}

static int perf_drain(struct sampler *s, struct profile *p)
{
	struct perf_backend *pb = s->priv;
	/* Records written after the rings' reading began wait for the next drain: one written
	 * on a CPU whose ring was read already may be older than one read from a later ring
	 * (a fork on one CPU, the child's first sample on another). */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t until = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (int i = 0; i < pb->ncpus; i++)
		if (pb->rings[i].base)
			rec_batch__read(&pb->batch, &pb->rings[i], pb->page, perf_decode__time, NULL,
					NULL);
	struct replay r = {pb, s, p};
	rec_batch__replay_until(&pb->batch, until, replay_one, &r);
	unwinder__drained(pb->us.uw);
	return 0;
}

static void perf_stats(const struct sampler *s, struct sampler_stats *st)
{
	const struct perf_backend *pb = s->priv;
	st->backend = "perf_event";
	st->event = pb->event;
	st->samples = pb->st.samples;
	st->lost = pb->st.lost;
	st->throttled = pb->st.throttled;
	st->bytes_in = pb->batch.bytes;
	st->note = pb->note[0] ? pb->note : NULL;
	struct unwind_stats us;
	unwinder__stats(pb->us.uw, &us);
	char why[400];
	if (unwind__stats_text(&us, why, sizeof(why)) || us.leaf_samples) {
		struct perf_backend *w = s->priv;
		int n = 0;
		w->stats_note[0] = '\0';
		if (us.leaf_samples)
			n += snprintf(w->stats_note, sizeof(w->stats_note),
				      "fp+leaf: CFI repaired %llu of %llu stacks",
				      (unsigned long long)us.leaf_repaired,
				      (unsigned long long)us.leaf_samples);
		if (why[0])
			snprintf(w->stats_note + n, sizeof(w->stats_note) - (size_t)n,
				 "%sdwarf unwinding stopped early in %llu of %llu samples: %s",
				 n ? "; " : "",
				 (unsigned long long)(us.samples - us.stopped[UNWIND_OK]),
				 (unsigned long long)us.samples, why);
		st->unwind = w->stats_note;
	}
	st->info = pb->info;
	if (pb->auto_info[0]) {
		struct perf_backend *w = s->priv;
		snprintf(w->info_buf, sizeof(w->info_buf), "%s%s%s", pb->info ? pb->info : "",
			 pb->info ? "; " : "", pb->auto_info);
		st->info = w->info_buf;
	}
	st->freq = pb->freq;
	unwinder__tables(pb->us.uw, &st->unwind_spaces, &st->unwind_dwfls);
}

static void perf_close(struct sampler *s)
{
	struct perf_backend *pb = s->priv;
	if (!pb)
		return;
	for (int i = 0; i < pb->nfds; i++)
		ioctl(pb->fds[i], PERF_EVENT_IOC_DISABLE, 0);
	for (int i = 0; i < pb->ncpus && pb->rings; i++)
		if (pb->rings[i].base)
			munmap(pb->rings[i].base, pb->rings[i].mask + 1 + pb->page);
	for (int i = 0; i < pb->nfds; i++)
		close(pb->fds[i]);
	free(pb->rings);
	free(pb->cpus);
	free(pb->fds);

	free(pb->pfds);
	free(pb->pfd_ring);
	rec_batch__free(&pb->batch);
	probe__free(&pb->probes);
	free(pb->event_names);
	unwinder__free(pb->us.uw);
	free(pb->us.ips);
	free(pb);
	s->priv = NULL;
}

const struct sampler_ops sampler_perf_ops = {
	.name = "perf_event",
	.open = perf_open,
	.poll = perf_poll,
	.drain = perf_drain,
	.stats = perf_stats,
	.close = perf_close,
};
