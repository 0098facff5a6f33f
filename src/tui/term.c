// SPDX-License-Identifier: MIT
/* Terminal ownership: curses start and stop, held stderr, and restore on signals and exit. */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "internal.h"

/* any-motion mouse tracking, for hover; ncurses itself only asks for clicks */
#define MOTION_ON "\033[?1003h"
#define MOTION_OFF "\033[?1003l"

static volatile sig_atomic_t active;
static volatile sig_atomic_t stop;
static int saved_stderr = -1;
static int held_fd = -1;
static bool motion;
static bool atexit_done;

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Async-signal-tolerant: only syscalls besides endwin (which htop calls from handlers too). */
static void restore(void)
{
	if (!active)
		return;
	active = 0;
	if (motion)
		write_all(STDOUT_FILENO, MOTION_OFF, sizeof(MOTION_OFF) - 1);
	endwin();
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (held_fd >= 0) {
		char buf[4096];
		ssize_t r;
		lseek(held_fd, 0, SEEK_SET);
		while ((r = read(held_fd, buf, sizeof(buf))) > 0)
			write_all(STDERR_FILENO, buf, (size_t)r);
		close(held_fd);
		held_fd = -1;
	}
}

static void on_stop(int sig)
{
	if (stop) {
		/* a second ^C while busy: leave now, but leave the terminal usable */
		restore();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop = sig;
}

static void on_fatal(int sig)
{
	restore();
	static const char msg[] = "scorch: fatal signal in the terminal UI; terminal restored\n";
	write_all(STDERR_FILENO, msg, sizeof(msg) - 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	restore();
}

static void hold_stderr(void)
{
	char path[] = "/tmp/scorch-stderr.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return; /* messages then go to the screen; not worth failing for */
	unlink(path);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || dup2(fd, STDERR_FILENO) < 0) {
		close(fd);
		if (saved_stderr >= 0)
			close(saved_stderr);
		saved_stderr = -1;
		return;
	}
	held_fd = fd;
}

int term__open(char *err, size_t errlen)
{
	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the terminal UI needs a terminal on stdout");
		return -ENOTTY;
	}
	/* the profile may have come on stdin ("scorch view -"): keys then come from the tty */
	FILE *in = stdin;
	if (!isatty(STDIN_FILENO)) {
		in = fopen("/dev/tty", "r");
		if (!in) {
			snprintf(err, errlen, "the terminal UI needs a terminal for keys (/dev/tty: %s)",
				 strerror(errno));
			return -ENOTTY;
		}
	}
	setlocale(LC_ALL, "");
	/* Esc zooms out: do not wait a second to tell it from an escape sequence */
	if (!getenv("ESCDELAY"))
		setenv("ESCDELAY", "25", 1);
	hold_stderr();
	if (!atexit_done) {
		atexit(at_exit);
		atexit_done = true;
	}
	SCREEN *scr = newterm(NULL, stdout, in);
	if (!scr) {
		active = 1;
		restore();
		snprintf(err, errlen, "cannot use terminal type '%s'; set TERM (e.g. TERM=xterm-256color)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	set_term(scr);
	active = 1;
	char *cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		restore();
		snprintf(err, errlen, "terminal type '%s' cannot move the cursor; set TERM (e.g. TERM=xterm-256color)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	stop = 0;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	color__init();
	mouseinterval(0);
	motion = false;
	if (mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL) && has_mouse()) {
		fflush(stdout);
		write_all(STDOUT_FILENO, MOTION_ON, sizeof(MOTION_ON) - 1);
		motion = true;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop; /* no SA_RESTART: a blocking poll must see EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	return 0;
}

void term__close(void)
{
	restore();
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
}

int term__stop_signal(void)
{
	return stop;
}

bool term__stop_requested(void)
{
	return stop != 0;
}
