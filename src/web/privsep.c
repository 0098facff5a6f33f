// SPDX-License-Identifier: MIT
/* The privileged sampling helper of serve: validated requests in, profile deltas out. */
#define _GNU_SOURCE
#include "privsep.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"
#include "../symbol/symbolizer.h"

struct priv_reply {
	int32_t status;
	char err[240];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads /proc/PID/FILE into buf (NUL-terminated, NULs of a command line made spaces). */
static int read_proc(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int err = -errno;
	close(fd);
	if (n < 0)
		return err;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return 0;
}

bool priv__pid_matches(const regex_t *re, pid_t pid)
{
	if (!re)
		return true;
	char buf[4096];
	if (read_proc(pid, "comm", buf, sizeof(buf)) == 0 && !regexec(re, buf, 0, NULL, 0))
		return true;
	return read_proc(pid, "cmdline", buf, sizeof(buf)) == 0 && buf[0] &&
	       !regexec(re, buf, 0, NULL, 0);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- the sampler process: one per profile ------------------------------------------------ */

static void fill_stats(struct sampler *s, struct wire_stats *ws)
{
	struct sampler_stats st;
	sampler__stats(s, &st);
	ws->samples = st.samples;
	ws->lost = st.lost;
	ws->elapsed_ns = st.elapsed_ns;
	ws->freq = st.freq;
	ws->ended = st.targets_exited;
}

static int send_delta(int fd, struct wire_enc *e, struct profile *p, struct sampler *s,
		      bool end)
{
	struct wire_stats ws = {0};
	fill_stats(s, &ws);
	if (end)
		ws.ended = 1;
	struct strbuf out = {0};
	wire_enc__delta(e, p, &ws, &out);
	if (end)
		wire__msg(&out, WIRE_END, NULL, 0);
	int rc = write_all(fd, out.buf, out.len);
	strbuf__free(&out);
	return rc;
}

static void send_error(int fd, const char *msg)
{
	struct strbuf out = {0};
	wire__msg(&out, WIRE_ERROR, msg, (uint32_t)strlen(msg));
	write_all(fd, out.buf, out.len);
	strbuf__free(&out);
}

/* Samples per o for up to seconds (0: until stopped) and streams the profile into fd. */
static int run_sampler(int fd, const struct sampler_opts *o, unsigned seconds, size_t max_tl)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL); /* a started command is reaped by waitpid */
	signal(SIGINT, SIG_DFL);  /* the helper ignores it; a started command must not */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct symbolizer_opts so = {.demangle = true};
	struct symbolizer *sym = symbolizer__new(&so);
	char err[256] = "";
	struct sampler *s = sym ? sampler__open(o, sym, err, sizeof(err)) : NULL;
	if (!s) {
		send_error(fd, err[0] ? err : strerror(errno));
		symbolizer__free(sym);
		return 1;
	}
	sampler__wake_on(s, fd);
	struct profile *p = profile__new();
	struct wire_enc e = {.max_timeline = max_tl};
	uint64_t start = now_ns(), last = start;
	int rc = 0;
	bool hangup = false;
	for (;;) {
		int pr = sampler__poll(s, 100);
		if (pr < 0 && pr != -EINTR)
			break;
		sampler__drain(s, p);
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 0) > 0) {
			char c;
			ssize_t n = read(fd, &c, 1);
			if (n == 1)
				break; /* asked to stop: send what there is */
			if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				hangup = true; /* the reader is gone */
				break;
			}
		}
		struct sampler_stats st;
		sampler__stats(s, &st);
		uint64_t t = now_ns();
		if (st.targets_exited || (seconds && t - start >= (uint64_t)seconds * 1000000000ull))
			break;
		if (t - last >= 250000000ull) {
			last = t;
			if ((rc = send_delta(fd, &e, p, s, false)) < 0)
				break;
		}
	}
	sampler__stop(s);
	if (!hangup && rc == 0) {
		sampler__drain(s, p);
		send_delta(fd, &e, p, s, true);
	}
	wire_enc__free(&e);
	sampler__close(s);
	profile__free(p);
	symbolizer__free(sym);
	return 0;
}

/* ---- the helper: validates requests, forks samplers -------------------------------------- */

static int validate(const struct priv_opts *o, const struct priv_request *rq, bool *cli_used,
		    char *err, size_t errlen)
{
	if (rq->magic != PRIV_MAGIC || (rq->op != PRIV_START && rq->op != PRIV_START_CLI)) {
		snprintf(err, errlen, "unknown request");
		return -EINVAL;
	}
	if (rq->op == PRIV_START_CLI) {
		if (!o->cli || *cli_used) {
			snprintf(err, errlen, "no command-line profile to start");
			return -EINVAL;
		}
		*cli_used = true;
		return 0;
	}
	if (rq->seconds < 1 || rq->seconds > o->max_seconds) {
		snprintf(err, errlen, "seconds must be between 1 and %u", o->max_seconds);
		return -EINVAL;
	}
	if (rq->hz < 1 || rq->hz > o->max_hz) {
		snprintf(err, errlen, "hz must be between 1 and %u", o->max_hz);
		return -EINVAL;
	}
	if (rq->mode >= PRIV_MODE_COUNT || rq->call_graph > CALL_GRAPH_FP_LEAF) {
		snprintf(err, errlen, "unknown mode or call graph");
		return -EINVAL;
	}
	if (rq->all > 1 || (rq->all && rq->npids) || (!rq->all && rq->npids < 1) ||
	    rq->npids > PRIV_MAX_PIDS) {
		snprintf(err, errlen, "give 1 to %d pids, or all", PRIV_MAX_PIDS);
		return -EINVAL;
	}
	if (rq->all && o->pattern) {
		snprintf(err, errlen, "profiling all processes is not allowed with a process pattern");
		return -EPERM;
	}
	for (uint32_t i = 0; i < rq->npids; i++) {
		pid_t pid = rq->pids[i];
		if (pid <= 0) {
			snprintf(err, errlen, "bad pid %d", (int)pid);
			return -EINVAL;
		}
		if (kill(pid, 0) < 0 && errno == ESRCH) {
			snprintf(err, errlen, "no process %d", (int)pid);
			return -ESRCH;
		}
		if (!priv__pid_matches(o->pattern, pid)) {
			snprintf(err, errlen, "process %d is outside the allowed pattern", (int)pid);
			return -EPERM;
		}
	}
	return 0;
}

static void request_opts(const struct priv_request *rq, struct sampler_opts *so, pid_t *pids)
{
	memset(so, 0, sizeof(*so));
	so->demangle = true;
	so->timeline = true;
	so->freq = rq->hz;
	so->call_graph = (enum sampler_call_graph)rq->call_graph;
	so->off_cpu = rq->mode != PRIV_MODE_CPU;
	so->on_off = rq->mode == PRIV_MODE_ONOFF;
	if (rq->all) {
		so->scope = SCOPE_ALL;
	} else {
		so->scope = SCOPE_PIDS;
		for (uint32_t i = 0; i < rq->npids; i++)
			pids[i] = rq->pids[i];
		so->pids = pids;
		so->npids = (int)rq->npids;
	}
}

static int send_reply(int ctl, int status, const char *err, int fd)
{
	struct priv_reply rp = {.status = status};
	snprintf(rp.err, sizeof(rp.err), "%s", err ? err : "");
	struct iovec iov = {&rp, sizeof(rp)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(ctl, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void helper_loop(int ctl, const struct priv_opts *o)
{
	bool cli_used = false;
	signal(SIGCHLD, SIG_IGN); /* samplers are reaped by the kernel */
	signal(SIGINT, SIG_IGN);  /* the HTTP process decides when to stop */
	for (;;) {
		struct priv_request rq;
		ssize_t n = recv(ctl, &rq, sizeof(rq), 0);
		if (n == 0)
			break; /* the HTTP process is gone */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char err[200] = "";
		int st = n == (ssize_t)sizeof(rq) ? validate(o, &rq, &cli_used, err, sizeof(err))
						  : (snprintf(err, sizeof(err), "bad request size"),
						     -EINVAL);
		if (st < 0) {
			send_reply(ctl, st, err, -1);
			continue;
		}
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
			send_reply(ctl, -errno, "cannot create a socket", -1);
			continue;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(ctl);
			close(sv[0]);
			struct sampler_opts so;
			pid_t pids[PRIV_MAX_PIDS];
			unsigned seconds = rq.seconds;
			if (rq.op == PRIV_START_CLI) {
				so = *o->cli;
				seconds = o->cli_seconds;
			} else {
				request_opts(&rq, &so, pids);
			}
			_exit(run_sampler(sv[1], &so, seconds, o->max_timeline));
		}
		close(sv[1]);
		if (pid < 0)
			send_reply(ctl, -errno, "cannot fork a sampler", -1);
		else
			send_reply(ctl, 0, NULL, sv[0]);
		close(sv[0]);
	}
}

int priv__spawn(const struct priv_opts *o, pid_t *helper)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		if (o->close_fd >= 0)
			close(o->close_fd);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		helper_loop(sv[1], o);
		_exit(0);
	}
	close(sv[1]);
	*helper = pid;
	return sv[0];
}

int priv__start(int ctl, const struct priv_request *rq, char *err, size_t errlen)
{
	if (send(ctl, rq, sizeof(*rq), MSG_NOSIGNAL) < 0) {
		snprintf(err, errlen, "the sampling helper is gone");
		return -EPIPE;
	}
	struct priv_reply rp;
	struct iovec iov = {&rp, sizeof(rp)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n;
	do
		n = recvmsg(ctl, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rp)) {
		snprintf(err, errlen, "the sampling helper is gone");
		return -EPIPE;
	}
	int fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	rp.err[sizeof(rp.err) - 1] = '\0';
	if (rp.status < 0) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s", rp.err);
		return rp.status;
	}
	if (fd < 0) {
		snprintf(err, errlen, "the sampling helper sent no stream");
		return -EPROTO;
	}
	return fd;
}
