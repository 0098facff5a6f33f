// SPDX-License-Identifier: MIT
/* scorch serve's setup: bind, fork the sampling helper, drop root, run libmicrohttpd. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privsep.h"
#include "web_internal.h"
#include "../util/dynload.h"
#include "../util/util.h"

#define MHD_SONAME "libmicrohttpd.so.12"

struct web_mhd web_mhd;

int web_mhd__load(char *err, size_t errlen)
{
	static bool loaded;
	if (loaded)
		return 0;
	const struct dynload_sym syms[] = {
		{"MHD_start_daemon", (void **)&web_mhd.start_daemon},
		{"MHD_stop_daemon", (void **)&web_mhd.stop_daemon},
		{"MHD_lookup_connection_value", (void **)&web_mhd.lookup_connection_value},
		{"MHD_queue_response", (void **)&web_mhd.queue_response},
		{"MHD_create_response_from_callback",
		 (void **)&web_mhd.create_response_from_callback},
		{"MHD_create_response_from_buffer", (void **)&web_mhd.create_response_from_buffer},
		{"MHD_destroy_response", (void **)&web_mhd.destroy_response},
		{"MHD_add_response_header", (void **)&web_mhd.add_response_header},
	};
	int rc = dynload__open(MHD_SONAME, syms, sizeof(syms) / sizeof(syms[0]), err, errlen);
	if (rc == 0)
		loaded = true;
	return rc;
}

void web_opts__init(struct web_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_running = 4;
	o->max_history = 32;
	o->max_sse = 16;
	o->max_conns = 128;
	o->max_seconds = 3600;
	o->max_hz = 10000;
	o->max_body = 16384;
}

/* "ADDR:PORT", "[V6]:PORT" or "localhost:PORT" into a socket address (no DNS). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			char *addr, size_t addrlen, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || !colon[1])
		return -EINVAL;
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (*end || p > 65535 || colon[1] == '-')
		return -EINVAL;
	size_t n = (size_t)(colon - s);
	if (n >= addrlen)
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		memmove(addr, addr + 1, n - 2);
		addr[n - 2] = '\0';
	}
	if (!strcmp(addr, "localhost"))
		snprintf(addr, addrlen, "127.0.0.1");
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*v6);
	} else {
		return -EINVAL;
	}
	*port = (unsigned)p;
	return 0;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int make_token(char *out, size_t len)
{
	unsigned char raw[24]; /* 192 bits */
	size_t got = 0;
	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	if (len < sizeof(raw) * 2 + 1)
		return -ENOSPC;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/*
 * Root only: the HTTP process becomes user (nobody by default) with no supplementary
 * groups and no way back, and the change is verified.
 */
static int drop_privileges(const char *user)
{
	if (geteuid() != 0)
		return 0;
	const char *name = user ? user : "nobody";
	struct passwd *pw = getpwnam(name);
	if (!pw) {
		util__error("serve: no user '%s' to run the HTTP server as (see --user)", name);
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		util__error("serve: --user must not be root: the HTTP server always drops root");
		return -EPERM;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		util__error("serve: cannot drop root to '%s': %s", name, strerror(errno));
		return -EPERM;
	}
	uid_t r, e, s;
	gid_t rg, eg, sg;
	if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid ||
	    getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid || sg != gid ||
	    getgroups(0, NULL) != 0 || setuid(0) == 0) {
		util__error("serve: dropping root to '%s' did not hold", name);
		return -EPERM;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}

static void set_hosts(struct web *w, const struct sockaddr_storage *ss, const char *addr)
{
	bool v6 = ss->ss_family == AF_INET6;
	if (is_wildcard(ss)) {
		w->any_ip_host = true;
		return;
	}
	snprintf(w->hosts[0], sizeof(w->hosts[0]), v6 ? "[%s]:%u" : "%s:%u", addr, w->port);
	if (is_loopback(ss))
		snprintf(w->hosts[1], sizeof(w->hosts[1]), "localhost:%u", w->port);
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig)
{
	got_signal = sig;
}

static int start_cli_profile(struct web *w, int ctl)
{
	struct priv_request rq = {.magic = PRIV_MAGIC, .op = PRIV_START_CLI};
	const struct sampler_opts *so = w->o.cli;
	rq.all = so->scope == SCOPE_ALL;
	for (int i = 0; i < so->npids && i < PRIV_MAX_PIDS; i++)
		rq.pids[rq.npids++] = so->pids[i];
	rq.seconds = w->o.cli_seconds;
	rq.hz = so->freq;
	rq.call_graph = so->call_graph;
	rq.mode = so->on_off ? PRIV_MODE_ONOFF : so->off_cpu ? PRIV_MODE_OFFCPU : PRIV_MODE_CPU;
	char err[256];
	int id = sessions__start(w->sessions, &rq, w->o.cli_title ? w->o.cli_title : "profile",
				 err, sizeof(err));
	(void)ctl;
	if (id < 0) {
		util__error("serve: cannot start the profile: %s", err);
		return id;
	}
	return 0;
}

int web__serve(const struct web_opts *opts)
{
	struct web *w = xcalloc(1, sizeof(*w));
	w->o = *opts;
	const char *listen_s = opts->listen ? opts->listen : "127.0.0.1:8080";
	struct sockaddr_storage ss;
	socklen_t sslen;
	char addr[80];
	int status = 2;
	char why[512];
	if (web_mhd__load(why, sizeof(why)) < 0) {
		util__error("needs libmicrohttpd (%s): %s", MHD_SONAME, why);
		goto out_free;
	}
	if (parse_listen(listen_s, &ss, &sslen, addr, sizeof(addr), &w->port) < 0) {
		util__error("serve: --listen wants ADDR:PORT with a numeric address "
			    "(127.0.0.1:8080, [::1]:0), not '%s'", listen_s);
		goto out_free;
	}
	if (opts->no_token && !is_loopback(&ss)) {
		util__error("serve: --no-token is only allowed on a loopback address");
		goto out_free;
	}
	if (opts->token && strlen(opts->token) < 16) {
		util__error("serve: --token must be at least 16 characters (or let serve pick one)");
		goto out_free;
	}
	if (opts->token && strlen(opts->token) >= sizeof(w->token)) {
		util__error("serve: --token is too long");
		goto out_free;
	}
	if (opts->proc_pattern) {
		if (regcomp(&w->pattern, opts->proc_pattern, REG_EXTENDED | REG_NOSUB)) {
			util__error("serve: --proc-pattern '%s' is not a valid regular expression",
				    opts->proc_pattern);
			goto out_free;
		}
		w->has_pattern = true;
	}
	status = 1;
	if (opts->no_token)
		w->token[0] = '\0';
	else if (opts->token)
		snprintf(w->token, sizeof(w->token), "%s", opts->token);
	else if (make_token(w->token, sizeof(w->token)) < 0) {
		util__error("serve: cannot read random bytes for the token: %s", strerror(errno));
		goto out_regex;
	}
	bool was_root = geteuid() == 0, created = false;
	if (opts->store_dir && mkdir(opts->store_dir, 0700) == 0)
		created = true;
	else if (opts->store_dir && errno != EEXIST) {
		util__error("serve: cannot create --store '%s': %s", opts->store_dir,
			    strerror(errno));
		goto out_regex;
	}

	int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&ss, sslen) < 0 || listen(lfd, 128) < 0) {
		util__error("serve: cannot listen on %s: %s", listen_s, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		goto out_regex;
	}
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	getsockname(lfd, (struct sockaddr *)&bound, &blen);
	w->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
						   : ((struct sockaddr_in6 *)&bound)->sin6_port);
	set_hosts(w, &ss, addr);

	/* the helper keeps root; it never sees the listening socket */
	struct priv_opts po = {.pattern = w->has_pattern ? &w->pattern : NULL,
			       .max_seconds = opts->max_seconds, .max_hz = opts->max_hz,
			       .max_timeline = 4000000, .cli = opts->cli,
			       .cli_seconds = opts->cli_seconds, .close_fd = lfd};
	pid_t helper;
	int ctl = priv__spawn(&po, &helper);
	if (ctl < 0) {
		util__error("serve: cannot start the sampling helper: %s", strerror(-ctl));
		close(lfd);
		goto out_regex;
	}
	if (opts->store_dir && created && was_root) { /* never hand over a directory we did not make */
		struct passwd *pw = getpwnam(opts->user ? opts->user : "nobody");
		if (pw && chown(opts->store_dir, pw->pw_uid, pw->pw_gid) < 0)
			util__warn("serve: cannot hand --store to '%s': %s", pw->pw_name,
				   strerror(errno));
	}
	if (drop_privileges(opts->user) < 0) {
		close(lfd);
		close(ctl); /* the helper exits when its control socket closes */
		waitpid(helper, NULL, 0);
		goto out_regex;
	}

	if (opts->store_dir && access(opts->store_dir, W_OK | X_OK) < 0) {
		util__error("serve: --store '%s' is not writable by the HTTP server's user (%s)",
			    opts->store_dir, opts->user ? opts->user : was_root ? "nobody" : "you");
		close(lfd);
		close(ctl);
		waitpid(helper, NULL, 0);
		goto out_regex;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct sess_limits lim = {opts->max_running, opts->max_history};
	w->sessions = sessions__new(ctl, &lim, opts->store_dir);
	w->procs = procs__new(w->has_pattern ? &w->pattern : NULL, opts->show_cmdline, 4096);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
		api__handle, w, MHD_OPTION_LISTEN_SOCKET, lfd, MHD_OPTION_CONNECTION_LIMIT,
		opts->max_conns, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
		MHD_OPTION_NOTIFY_COMPLETED, api__completed, w, MHD_OPTION_END);
	if (!d) {
		util__error("serve: cannot start the HTTP server on %s", listen_s);
		goto out_stop;
	}
	const char *shown = bound.ss_family == AF_INET6 ? "[%s]" : "%s";
	char hostpart[96];
	snprintf(hostpart, sizeof(hostpart), shown, addr);
	if (w->token[0])
		printf("http://%s:%u/?token=%s\n", hostpart, w->port, w->token);
	else
		printf("http://%s:%u/\n", hostpart, w->port);
	fflush(stdout);
	if (opts->cli && start_cli_profile(w, ctl) < 0)
		util__warn("serve: serving without the command-line profile");
	status = 0;
	while (!got_signal)
		pause();
	atomic_store(&w->stopping, true);
	MHD_stop_daemon(d);
out_stop:
	sessions__free(w->sessions);
	procs__free(w->procs);
	close(ctl); /* root's helper ends with its control socket (we cannot signal it) */
	waitpid(helper, NULL, 0);
out_regex:
	if (w->has_pattern)
		regfree(&w->pattern);
out_free:
	free(w);
	return status;
}
