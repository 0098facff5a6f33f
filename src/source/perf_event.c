// SPDX-License-Identifier: MIT
/* perf_event_open sessions: one event per CPU (and task), ring buffers, the command under test. */
#define _GNU_SOURCE
#include "perf_event.h"
#include "sysinfo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/util.h"
#include "perf_decode.h"

#define DATA_PAGES 128 /* 512 KiB per CPU, like perf record */

struct ring {
	int fd;
	void *base;
	size_t mask; /* data area size - 1 */
	bool hup;
};

struct target {
	pid_t pid;
	int pidfd; /* -1: fall back to kill(pid, 0) */
	bool dead;
};

struct rec_ref {
	uint64_t time;
	uint64_t seq;
	size_t off;
};

struct perf_session {
	struct record_opts opts;
	struct symbolizer *sym;
	struct perf_decoder *dec;
	int *cpus;
	int ncpus;
	int *fds;
	int nfds, capfds;
	struct ring *rings; /* one per CPU */
	size_t page, data_pages;
	struct target *targets;
	int ntargets;
	pid_t child; /* SCOPE_COMMAND */
	int go_fd, err_fd;
	struct record_stats st;
	uint64_t t0, wall0, tstop;
	bool started, stopped;
	struct strbuf batch;
	struct rec_ref *refs;
	size_t nrefs, caprefs;
	uint64_t seq;
	struct pollfd *pfds;
	int wake_fd; /* perf_session__wake_on: poll returns as soon as it is readable */
	int *pfd_ring;
	const struct profile *meta_prof;
	char *cmdline;
	char note[200];
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int sys_perf_event_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int spawn_held(struct perf_session *s, char *err, size_t errlen)
{
	int go[2], ep[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		int e = -errno;
		close(go[0]);
		close(go[1]);
		return e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		snprintf(err, errlen, "cannot fork to run '%s': %s", s->opts.argv[0], strerror(-e));
		close(go[0]), close(go[1]), close(ep[0]), close(ep[1]);
		return e;
	}
	if (pid == 0) {
		char c;
		close(go[1]);
		close(ep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127); /* scorch gave up before starting us */
		execvp(s->opts.argv[0], s->opts.argv);
		int e = errno;
		if (write(ep[1], &e, sizeof(e)) < 0)
			_exit(127);
		fprintf(stderr, "scorch: cannot run '%s': %s\n", s->opts.argv[0], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	close(go[0]);
	close(ep[1]);
	s->child = pid;
	s->go_fd = go[1];
	s->err_fd = ep[0];
	return 0;
}

static void attr_init(struct perf_event_attr *a, const struct perf_session *s, bool hw,
		      bool user_only_perm)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	a->config = hw ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK;
	a->freq = 1;
	a->sample_freq = s->opts.freq;
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			 PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
	a->disabled = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(s->data_pages * s->page / 4);
	bool per_task = s->opts.scope == SCOPE_PIDS || s->opts.scope == SCOPE_COMMAND;
	a->inherit = per_task;
	a->enable_on_exec = s->opts.scope == SCOPE_COMMAND;
	if (s->opts.stacks == STACKS_KERNEL_ONLY) {
		a->exclude_user = 1;
		a->exclude_callchain_user = 1;
	} else if (s->opts.stacks == STACKS_USER_ONLY || user_only_perm) {
		/* Time in the kernel still counts, charged to the user frame that entered it. */
		a->exclude_callchain_kernel = 1;
	}
	if (user_only_perm)
		a->exclude_kernel = 1;
}

static void add_fd(struct perf_session *s, int fd)
{
	if (s->nfds == s->capfds) {
		s->capfds = s->capfds ? s->capfds * 2 : 16;
		s->fds = xrealloc(s->fds, sizeof(*s->fds) * s->capfds);
	}
	s->fds[s->nfds++] = fd;
}

static int map_ring(struct perf_session *s, struct ring *r, int fd)
{
	for (size_t pages = s->data_pages; pages >= 8; pages /= 2) {
		size_t len = (pages + 1) * s->page;
		void *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (base != MAP_FAILED) {
			r->fd = fd;
			r->base = base;
			r->mask = pages * s->page - 1;
			return 0;
		}
		if (errno != EPERM && errno != ENOMEM)
			return -errno;
	}
	return -EPERM;
}

static void open_error(struct perf_session *s, int e, pid_t pid, int cpu, char *err,
		       size_t errlen)
{
	int paranoid = sysinfo__read_int("/proc/sys/kernel/perf_event_paranoid", 2);
	int maxrate = sysinfo__read_int("/proc/sys/kernel/perf_event_max_sample_rate", 0);
	bool wide = s->opts.scope == SCOPE_ALL || s->opts.scope == SCOPE_CPU;
	if (e == EACCES || e == EPERM) {
		snprintf(err, errlen,
			 "no permission to open perf events (kernel.perf_event_paranoid=%d); run as "
			 "root, or allow it with: sudo sysctl kernel.perf_event_paranoid=%d",
			 paranoid, wide ? -1 : 1);
		errno = EPERM;
		return;
	}
	if (e == ESRCH)
		snprintf(err, errlen, "no such process: %d", (int)pid);
	else if (e == EMFILE || e == ENFILE)
		snprintf(err, errlen,
			 "too many open files: %d events so far (threads x %d CPUs); raise the "
			 "limit with 'ulimit -n'",
			 s->nfds, s->ncpus);
	else if (e == EINVAL && maxrate > 0 && s->opts.freq > (unsigned)maxrate)
		snprintf(err, errlen,
			 "-F %u is above kernel.perf_event_max_sample_rate (%d); lower -F or raise "
			 "the sysctl",
			 s->opts.freq, maxrate);
	else
		snprintf(err, errlen, "cannot open a cpu-clock event on CPU %d: %s", cpu,
			 strerror(e));
	errno = e;
}

/* Opens one event per (task, CPU); all events of a CPU share that CPU's ring buffer. */
static int open_events(struct perf_session *s, const pid_t *tasks, int ntasks, char *err,
		       size_t errlen)
{
	struct perf_event_attr attr;
	bool hw = true, user_only_perm = false;
	attr_init(&attr, s, hw, false);
	for (int c = 0; c < s->ncpus; c++) {
		struct ring *r = &s->rings[c];
		for (int t = 0; t < ntasks; t++) {
			int fd = sys_perf_event_open(&attr, tasks[t], s->cpus[c]);
			while (fd < 0 && s->nfds == 0) {
				int e = errno;
				if (hw && e != EACCES && e != EPERM && e != ESRCH && e != EMFILE) {
					hw = false; /* no PMU (VMs): the hrtimer-based clock */
					snprintf(s->note, sizeof(s->note),
						 "no hardware cycle counter here; sampling cpu-clock");
				} else if ((e == EACCES || e == EPERM) && !user_only_perm &&
					   (s->opts.scope == SCOPE_PIDS ||
					    s->opts.scope == SCOPE_COMMAND) &&
					   s->opts.stacks != STACKS_KERNEL_ONLY) {
					user_only_perm = true;
					snprintf(s->note, sizeof(s->note),
						 "kernel frames not sampled (perf_event_paranoid); "
						 "run as root to include them");
				} else {
					break;
				}
				attr_init(&attr, s, hw, user_only_perm);
				fd = sys_perf_event_open(&attr, tasks[t], s->cpus[c]);
			}
			if (fd < 0) {
				int e = errno;
				/* A thread that exited since we listed it is not an error. */
				if (e == ESRCH && s->opts.scope == SCOPE_PIDS && t > 0 &&
				    kill(tasks[0], 0) == 0)
					continue;
				open_error(s, e, tasks[t], s->cpus[c], err, errlen);
				return -errno;
			}
			add_fd(s, fd);
			if (r->fd < 0) {
				int ret = map_ring(s, r, fd);
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
					 s->cpus[c], strerror(e));
				errno = e;
				return -e;
			}
		}
	}
	s->st.event = hw ? "cycles" : "cpu-clock";
	return 0;
}

/* Every thread of the target processes (inherit covers the ones they create later). */
static int list_tasks(struct perf_session *s, pid_t **out, char *err, size_t errlen)
{
	int n = 0, cap = 16;
	pid_t *tasks = xmalloc(sizeof(*tasks) * cap);
	for (int i = 0; i < s->opts.npids; i++) {
		pid_t pid = s->opts.pids[i];
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

static void add_target(struct perf_session *s, pid_t pid)
{
	s->targets = xrealloc(s->targets, sizeof(*s->targets) * (s->ntargets + 1));
	s->targets[s->ntargets++] = (struct target){.pid = pid, .pidfd = sys_pidfd_open(pid)};
}

static char *join_cmdline(const struct record_opts *o)
{
	struct strbuf sb = {0};
	if (o->scope == SCOPE_COMMAND) {
		for (char **a = o->argv; *a; a++) {
			if (a != o->argv)
				strbuf__addc(&sb, ' ');
			strbuf__adds(&sb, *a);
		}
	} else if (o->scope == SCOPE_PIDS) {
		strbuf__adds(&sb, "-p ");
		for (int i = 0; i < o->npids; i++)
			strbuf__addf(&sb, "%s%d", i ? "," : "", (int)o->pids[i]);
	} else if (o->scope == SCOPE_CPU) {
		strbuf__adds(&sb, "-C ");
		if (!o->ncpu_list)
			strbuf__addf(&sb, "%d", o->cpu);
		for (int i = 0; i < o->ncpu_list; i++)
			strbuf__addf(&sb, "%s%d", i ? "," : "", o->cpu_list[i]);
	} else {
		strbuf__adds(&sb, "-a");
	}
	return sb.buf ? sb.buf : xstrdup("");
}

struct perf_session *perf_session__open(const struct record_opts *opts, char *err,
					size_t errlen)
{
	struct perf_session *s = xcalloc(1, sizeof(*s));
	pid_t *tasks = NULL;
	int ntasks = 0, ret = 0;
	s->opts = *opts;
	if (!s->opts.freq)
		s->opts.freq = 99;
	s->child = -1;
	s->go_fd = s->err_fd = -1;
	s->st.child_status = -1;
	s->st.event = "cpu-clock";
	s->page = (size_t)sysconf(_SC_PAGESIZE);
	s->data_pages = DATA_PAGES;
	s->cmdline = join_cmdline(opts);
	s->ncpus = sysinfo__online_cpus(&s->cpus);
	if (opts->scope == SCOPE_CPU) {
		const int *want = opts->ncpu_list ? opts->cpu_list : &opts->cpu;
		int nwant = opts->ncpu_list ? opts->ncpu_list : 1;
		int kept = 0;
		for (int w = 0; w < nwant; w++) {
			bool found = false;
			for (int i = 0; i < s->ncpus; i++)
				found |= s->cpus[i] == want[w];
			if (!found) {
				snprintf(err, errlen,
					 "CPU %d is not online (see /sys/devices/system/cpu/online)",
					 want[w]);
				ret = -EINVAL;
				goto out_free;
			}
		}
		/* want is sorted and unique, and no longer than the online list it is in */
		for (int w = 0; w < nwant; w++)
			s->cpus[kept++] = want[w];
		s->ncpus = kept;
	}
	s->rings = xcalloc((size_t)s->ncpus, sizeof(*s->rings));
	for (int i = 0; i < s->ncpus; i++)
		s->rings[i].fd = -1;
	sysinfo__raise_nofile();

	switch (opts->scope) {
	case SCOPE_PIDS:
		ntasks = list_tasks(s, &tasks, err, errlen);
		if (ntasks < 0) {
			ret = ntasks;
			goto out_free;
		}
		break;
	case SCOPE_COMMAND:
		if (!opts->argv || !opts->argv[0]) {
			snprintf(err, errlen, "no command given");
			ret = -EINVAL;
			goto out_free;
		}
		ret = sysinfo__find_command(opts->argv[0]);
		if (ret < 0) {
			snprintf(err, errlen, ret == -ENOENT ? "command not found: %s"
							     : "permission denied: %s",
				 opts->argv[0]);
			goto out_free;
		}
		ret = spawn_held(s, err, errlen);
		if (ret < 0)
			goto out_free;
		tasks = xmalloc(sizeof(*tasks));
		tasks[ntasks++] = s->child;
		break;
	case SCOPE_ALL:
	case SCOPE_CPU:
		tasks = xmalloc(sizeof(*tasks));
		tasks[ntasks++] = -1;
		break;
	}

	ret = open_events(s, tasks, ntasks, err, errlen);
	if (ret < 0)
		goto out_free;

	struct symbolizer_opts so = {
		.demangle = opts->demangle, .inlines = opts->inlines, .srcline = opts->srcline};
	s->sym = symbolizer__new(&so);
	if (!s->sym) {
		snprintf(err, errlen, "out of memory creating the symbolizer");
		ret = -ENOMEM;
		goto out_free;
	}
	s->dec = perf_decoder__new(&s->opts, s->sym);
	if (opts->scope == SCOPE_PIDS) {
		for (int i = 0; i < opts->npids; i++) {
			symbolizer__add_pid(s->sym, (uint32_t)opts->pids[i]);
			perf_decoder__known_pid(s->dec, (uint32_t)opts->pids[i]);
			add_target(s, opts->pids[i]);
		}
	} else if (opts->scope == SCOPE_COMMAND) {
		add_target(s, s->child);
	}
	s->wake_fd = -1;
	s->pfds = xcalloc((size_t)(s->ncpus + s->ntargets + 1), sizeof(*s->pfds));
	s->pfd_ring = xcalloc((size_t)(s->ncpus + s->ntargets), sizeof(*s->pfd_ring));
	free(tasks);
	return s;

out_free:
	free(tasks);
	perf_session__close(s);
	errno = -ret;
	return NULL;
}

int perf_session__start(struct perf_session *s)
{
	s->t0 = clock_ns(CLOCK_MONOTONIC);
	s->wall0 = clock_ns(CLOCK_REALTIME);
	s->started = true;
	if (s->opts.scope != SCOPE_COMMAND) {
		for (int i = 0; i < s->nfds; i++)
			if (ioctl(s->fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0)
				return -errno;
		return 0;
	}
	/* The events switch on by themselves at exec (enable_on_exec). */
	char c = 'g';
	ssize_t w = write(s->go_fd, &c, 1);
	close(s->go_fd);
	s->go_fd = -1;
	if (w != 1)
		return -EPIPE;
	int e = 0;
	ssize_t n;
	do
		n = read(s->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(s->err_fd);
	s->err_fd = -1;
	if (n == sizeof(e)) {
		int st;
		if (waitpid(s->child, &st, 0) == s->child) {
			s->st.child_status = st;
			s->targets[0].dead = true;
			s->st.targets_exited = true;
		}
		return -e;
	}
	return 0;
}

static void reap_targets(struct perf_session *s, int npolled_rings, int npfds)
{
	int alive = 0;
	for (int i = 0; i < s->ntargets; i++) {
		struct target *t = &s->targets[i];
		if (t->dead)
			continue;
		if (t->pid == s->child) {
			int st;
			if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
				t->dead = true;
				s->st.child_status = st;
			}
		} else if (t->pidfd >= 0) {
			for (int k = npolled_rings; k < npfds; k++)
				if (s->pfds[k].fd == t->pidfd && (s->pfds[k].revents & POLLIN))
					t->dead = true;
		} else if (kill(t->pid, 0) < 0 && errno == ESRCH) {
			t->dead = true;
		}
		alive += !t->dead;
	}
	if (s->ntargets > 0 && alive == 0)
		s->st.targets_exited = true;
}

static void drain_ring(struct perf_session *s, struct ring *r)
{
	struct perf_event_mmap_page *mp = r->base;
	uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = mp->data_tail;
	const char *data = (const char *)r->base + s->page;
	size_t size = r->mask + 1;
	while (tail < head) {
		size_t off = tail & r->mask;
		struct perf_event_header h;
		memcpy(&h, data + off, sizeof(h)); /* 8-byte aligned: never wraps */
		if (h.size < sizeof(h) || h.size > head - tail)
			break;
		if (s->batch.len + h.size + 1 > s->batch.cap)
			strbuf__grow(&s->batch, h.size + 1);
		char *dst = s->batch.buf + s->batch.len;
		size_t first = size - off < h.size ? size - off : h.size;
		memcpy(dst, data + off, first);
		memcpy(dst + first, data, h.size - first);
		if (s->nrefs == s->caprefs) {
			s->caprefs = s->caprefs ? s->caprefs * 2 : 1024;
			s->refs = xrealloc(s->refs, sizeof(*s->refs) * s->caprefs);
		}
		s->refs[s->nrefs++] = (struct rec_ref){
			.time = perf_decoder__time((const void *)dst), .seq = s->seq++,
			.off = s->batch.len};
		s->batch.len += h.size;
		tail += h.size;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_ref(const void *a, const void *b)
{
	const struct rec_ref *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void update_meta(struct perf_session *s, struct profile *p)
{
	struct profile_meta *m = profile__meta(p);
	if (s->meta_prof != p) {
		free(m->event);
		m->event = xstrdup(s->st.event);
		free(m->cmdline);
		m->cmdline = xstrdup(s->cmdline);
		if (!m->host) {
			char host[256] = "";
			gethostname(host, sizeof(host) - 1);
			m->host = xstrdup(host);
		}
		m->freq = s->opts.freq;
		m->start_ns = s->wall0;
		s->meta_prof = p;
	}
	m->duration_ns = clock_ns(CLOCK_MONOTONIC) - s->t0;
	m->lost = s->st.lost;
}

void perf_session__wake_on(struct perf_session *s, int fd)
{
	s->wake_fd = fd;
}

int perf_session__poll(struct perf_session *s, struct profile *p, int timeout_ms)
{
	int n = 0;
	for (int i = 0; i < s->ncpus; i++) {
		if (s->rings[i].fd < 0 || s->rings[i].hup)
			continue;
		s->pfd_ring[n] = i;
		s->pfds[n++] = (struct pollfd){.fd = s->rings[i].fd, .events = POLLIN};
	}
	int nrings = n;
	for (int i = 0; i < s->ntargets; i++)
		if (!s->targets[i].dead && s->targets[i].pidfd >= 0)
			s->pfds[n++] = (struct pollfd){.fd = s->targets[i].pidfd, .events = POLLIN};
	int ntask = n;
	if (s->wake_fd >= 0)
		s->pfds[n++] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
	int ret = 0;
	if (poll(s->pfds, (nfds_t)n, timeout_ms) < 0) {
		ret = -errno;
		for (int i = 0; i < n; i++)
			s->pfds[i].revents = 0;
	}
	/* A per-task event hangs up when its task exits: stop polling it, keep draining it. */
	for (int i = 0; i < nrings; i++)
		if (s->pfds[i].revents & POLLHUP)
			s->rings[s->pfd_ring[i]].hup = true;
	/* Reap first: a task's samples are all in the buffer once it is seen dead. */
	reap_targets(s, nrings, ntask);
	s->batch.len = 0;
	s->nrefs = 0;
	for (int i = 0; i < s->ncpus; i++)
		if (s->rings[i].base)
			drain_ring(s, &s->rings[i]);
	/* Per-CPU buffers interleave: replay in time order so forks and execs come first. */
	qsort(s->refs, s->nrefs, sizeof(*s->refs), cmp_ref);
	for (size_t i = 0; i < s->nrefs; i++)
		perf_decoder__record(s->dec, p, (const void *)(s->batch.buf + s->refs[i].off),
				     s->t0, &s->st);
	update_meta(s, p);
	return ret;
}

void perf_session__stats(const struct perf_session *s, struct record_stats *st)
{
	*st = s->st;
	uint64_t end = s->stopped ? s->tstop : clock_ns(CLOCK_MONOTONIC);
	st->elapsed_ns = s->started ? end - s->t0 : 0;
	struct rusage ru;
	if (st->elapsed_ns && getrusage(RUSAGE_SELF, &ru) == 0) {
		double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		st->self_cpu = cpu * 1e11 / (double)st->elapsed_ns;
	}
	st->note = s->note[0] ? s->note : NULL;
}

void perf_session__stop(struct perf_session *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	s->tstop = clock_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < s->nfds; i++)
		ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
	if (s->go_fd >= 0) { /* never started: let the held child exit */
		close(s->go_fd);
		s->go_fd = -1;
	}
	if (s->child <= 0 || (s->ntargets > 0 && s->targets[0].dead))
		return;
	int st;
	pid_t r = waitpid(s->child, &st, WNOHANG);
	if (r == 0 && s->started) {
		kill(s->child, SIGTERM);
		for (int i = 0; i < 200 && (r = waitpid(s->child, &st, WNOHANG)) == 0; i++)
			usleep(10000);
		if (r == 0) {
			kill(s->child, SIGKILL);
			r = waitpid(s->child, &st, 0);
		}
	} else if (r == 0) {
		r = waitpid(s->child, &st, 0);
	}
	if (r == s->child) {
		s->st.child_status = st;
		if (s->ntargets > 0)
			s->targets[0].dead = true;
	}
}

void perf_session__close(struct perf_session *s)
{
	if (!s)
		return;
	perf_session__stop(s);
	for (int i = 0; i < s->ncpus && s->rings; i++)
		if (s->rings[i].base)
			munmap(s->rings[i].base, s->rings[i].mask + 1 + s->page);
	for (int i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	for (int i = 0; i < s->ntargets; i++)
		if (s->targets[i].pidfd >= 0)
			close(s->targets[i].pidfd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	perf_decoder__free(s->dec);
	if (s->sym)
		symbolizer__free(s->sym);
	free(s->rings);
	free(s->cpus);
	free(s->fds);
	free(s->targets);
	free(s->refs);
	free(s->pfds);
	free(s->pfd_ring);
	free(s->cmdline);
	strbuf__free(&s->batch);
	free(s);
}
