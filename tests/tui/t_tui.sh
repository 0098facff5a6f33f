#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Terminal UI tests: drive the real scorch binary inside tmux and assert screen text by row.
. "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null || skip_all "tui tests" "tmux is not installed"
[ -x "$SCORCH" ] || bail "no scorch binary at $SCORCH"

SOCK="scorch-tui-test-$$"
S="t"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
on_exit 'tm kill-server >/dev/null 2>&1'

# screen row N (0-based), trailing blanks removed
row() { tm capture-pane -t "$S" -p | sed -n "$(($1 + 1))p" | sed 's/[[:space:]]*$//'; }
screen() { tm capture-pane -t "$S" -p; }

# wait_row N TEXT [SECONDS]: waits until row N is exactly TEXT; returns 1 on timeout.
wait_row() {
	local n=$1 want=$2 secs=${3:-3}
	local end=$(($(date +%s%N) + secs * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		[ "$(row "$n")" == "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_grep REGEX [SECONDS]: waits until the screen matches an extended regex.
wait_grep() {
	local re=$1 secs=${2:-3}
	local end=$(($(date +%s%N) + secs * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		screen | grep -Eq -- "$re" && return 0
		sleep 0.05
	done
	return 1
}

# expect_row NAME N TEXT: row N becomes exactly TEXT within the deadline.
expect_row() {
	if wait_row "$2" "$3"; then ok "$1"; else fail "$1" "row $2: expected [$3] got [$(row "$2")]"; fi
}

start_shell() {
	tm kill-server >/dev/null 2>&1
	tm new-session -d -s "$S" -x "${1:-120}" -y "${2:-30}" \
		"env -u NO_COLOR PS1='READY\$ ' TERM=xterm-256color bash --norc --noprofile"
	wait_grep 'READY\$' 5
}

# tui_up: the pane runs a full-screen program (alternate screen on, not the shell).
tui_up() {
	[ "$(tm display-message -p -t "$S" '#{alternate_on}')" = 1 ] &&
		[ "$(tm display-message -p -t "$S" '#{pane_current_command}')" != bash ]
}

# quit_sane NAME KEY...: the TUI is up; KEYs make it exit and leave the terminal sane.
quit_sane() {
	local name=$1
	shift
	if ! tui_up; then
		fail "$name" "the TUI was not running before $*: $(screen | tail -3 | tr '\n' '|')"
		return
	fi
	tm send-keys -t "$S" "$@"
	expect_sane "$name"
}

# expect_sane NAME: the TUI has exited; the terminal is usable again: prompt back, alternate
# screen off, echo and canonical mode on.
expect_sane() {
	local name=$1
	tm send-keys -t "$S" "clear; stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(echo|icanon)' | tr '\n' ' '; echo END" Enter
	if ! wait_grep '^(-?echo|-?icanon) .*END' 5; then
		fail "$name" "no shell prompt after exit: $(screen | tail -5)"
		return
	fi
	local modes
	modes=$(screen | grep -E 'END$' | tail -1)
	case "$modes" in
	*-echo* | *-icanon*) fail "$name" "terminal left in raw mode: $modes" ;;
	*echo*icanon* | *icanon*echo*)
		if [ "$(tm display-message -p -t "$S" '#{alternate_on}')" = 0 ]; then ok "$name"
		else fail "$name" "the alternate screen is still on"; fi ;;
	*) fail "$name" "stty output: $modes" ;;
	esac
}

# ---- a known profile: 1200 samples so that one sample is 0.1 cell at 120 columns ----
F="$TMP/known.folded"
cat >"$F" <<'FOLDED'
main;parse;read_line 360
main;parse;tokenize 239
main;parse;tokenize;tiny 1
main;compute;mul 480
main;compute;add_numbers_with_a_long_name 120
FOLDED

expect_run "view --help shows the usage" 0 "^usage: scorch view" "$SCORCH" view --help
"$SCORCH" view --help | grep -q 'Examples:' && ok "view --help has an Examples section" ||
	fail "view --help has an Examples section"
"$SCORCH" top --help | grep -q -- 'scorch top -a' && ok "top --help has examples" ||
	fail "top --help has examples"
expect_exit "view of a missing file fails with its name" 1 "nosuch.folded" \
	"$SCORCH" view "$TMP/nosuch.folded"
printf 'not a profile\n' >"$TMP/bad.folded"
expect_exit "view of a file without stacks explains" 1 "no folded stacks" "$SCORCH" view "$TMP/bad.folded"
expect_exit "view without a terminal refuses" 1 "needs a terminal" sh -c "'$SCORCH' view '$F' </dev/null >/dev/null"

expect_exit "top without a target is a usage error" 2 "give exactly one target" "$SCORCH" top
expect_exit "top with two targets is a usage error" 2 "give exactly one target" "$SCORCH" top -a -p 1
expect_exit "top rejects a bad pid" 2 "scorch top: 'x' is not a pid" "$SCORCH" top -p x
expect_exit "top rejects a too short refresh" 2 "--refresh wants milliseconds" "$SCORCH" top --refresh 10 -a

start_shell 120 30 || bail "the tmux shell does not start: $(screen | tail -3)"
tm send-keys -t "$S" "'$SCORCH' view '$F'" Enter

# flame orientation: depth 0 ("all") on the last graph row (27), deeper frames above
expect_row "root frame on the bottom graph row" 27 "all"
expect_row "depth 1 on row 26" 26 "main"
expect_row "depth 2 ordered by name with exact widths" 25 "$(printf '%-60s%s' compute parse)"
expect_row "depth 3 widths, gaps and '..' truncation" 24 \
	"$(printf '%-12s%-48s%-36s%s' 'add_numbe..' mul read_line tokenize)"
if wait_row 24 "$(printf '%-12s%-48s%-36s%s' 'add_numbe..' mul read_line tokenize)" && [ -z "$(row 23)" ]; then
	ok "a frame narrower than a cell is hidden (depth 4 row empty under a drawn depth 3)"
else
	fail "a frame narrower than a cell is hidden" "row 23 [$(row 23)], row 24 [$(row 24)]"
fi
expect_row "info line describes the selection" 28 "all  1200 samples, 100.00% of total, 100.00% of zoom"
case "$(row 0)" in
*"Flame"*"Top functions"*"Threads"*"Timeline"*) ok "header lists the views" ;;
*) fail "header lists the views" "$(row 0)" ;;
esac
case "$(row 29)" in
*file*"1200 samples"*) ok "status line shows backend and samples" ;;
*) fail "status line shows backend and samples" "$(row 29)" ;;
esac

# navigation: up to main, up to compute (the widest child), right to parse; Enter zooms
tm send-keys -t "$S" Up Up Right
expect_row "arrows move to child and sibling" 28 "parse  600 samples, 50.00% of total, 50.00% of zoom"
tm send-keys -t "$S" Enter
expect_row "Enter zooms: children span the width" 24 "$(printf '%-72s%s' read_line tokenize)"
expect_row "zoomed frame fills its row" 25 "parse"
expect_row "info shows % of zoom" 28 "parse  600 samples, 50.00% of total, 100.00% of zoom"

# search highlights and reports the matched share
tm send-keys -t "$S" / 'read|mul' Enter
if wait_grep 'match /read\|mul/: 70\.00%'; then ok "/ search shows the matched %"; else
	fail "/ search shows the matched %" "$(row 28)"; fi
tm send-keys -t "$S" Escape
expect_row "Esc zooms out" 24 "$(printf '%-12s%-48s%-36s%s' 'add_numbe..' mul read_line tokenize)"
# the selection is parse (the frame we zoomed out of): n goes right/up from it, then wraps
tm send-keys -t "$S" n
if wait_grep '^read_line  360 samples, 30\.00% of total, 30\.00% of zoom +match /read\|mul/: 70\.00%'; then
	ok "n selects the next match after the selection"; else
	fail "n selects the next match after the selection" "$(row 28)"; fi
tm send-keys -t "$S" n
if wait_grep '^mul  480 samples, 40\.00% of total'; then ok "n wraps around to the first match"; else
	fail "n wraps around to the first match" "$(row 28)"; fi
tm send-keys -t "$S" N
if wait_grep '^read_line  360 samples'; then ok "N goes back to the previous match"; else
	fail "N goes back to the previous match" "$(row 28)"; fi
tm send-keys -t "$S" '#'
if wait_grep 'match /\^read_line\$/: 30\.00%'; then ok "# searches the selected name"; else
	fail "# searches the selected name" "$(row 28)"; fi
tm send-keys -t "$S" r
expect_row "r resets selection and search" 28 "all  1200 samples, 100.00% of total, 100.00% of zoom"

# icicle orientation: root on the first graph row
tm send-keys -t "$S" i
expect_row "i switches to icicle" 1 "all"
expect_row "icicle depth 2 under the root" 3 "$(printf '%-60s%s' compute parse)"
tm send-keys -t "$S" i
expect_row "i back to flame" 27 "all"

# resize re-lays out at the new width and height
tm resize-window -t "$S" -x 80 -y 20
expect_row "resize: root on the new bottom row" 17 "all"
expect_row "resize: widths follow the new width" 14 \
	"$(printf '%-8s%-32s%-24s%s' 'add_n..' mul read_line tokenize)"
tm resize-window -t "$S" -x 120 -y 30
expect_row "resize back" 24 "$(printf '%-12s%-48s%-36s%s' 'add_numbe..' mul read_line tokenize)"

# top functions table
tm send-keys -t "$S" Tab
expect_row "Tab shows the table sorted by self" 2 " 40.00%  40.00%          480  mul"
tm send-keys -t "$S" s
expect_row "s sorts by total" 2 "  0.00% 100.00%            0  main"
tm send-keys -t "$S" / read Enter
expect_row "/ filters the table" 2 " 30.00%  30.00%          360  read_line"
expect_row "filter leaves one row" 3 ""
tm send-keys -t "$S" Enter
if wait_grep '^read_line  360 samples, 30\.00% of total, 30\.00% of zoom +match /\^read_line\$/: 30\.00%'; then
	ok "Enter jumps to the function in the graph"; else
	fail "Enter jumps to the function in the graph" "$(row 28)"; fi

# mouse, as xterm SGR reports (1-based columns and rows): hover, click, double-click
tm send-keys -t "$S" r
expect_row "back in the flame view" 27 "all"
tm send-keys -t "$S" -l $'\e[<35;71;25M'
expect_row "hover shows name, samples, % of total and of zoom" 28 \
	"read_line  360 samples, 30.00% of total, 30.00% of zoom"
tm send-keys -t "$S" -l $'\e[<0;20;25M'
sleep 0.05
tm send-keys -t "$S" -l $'\e[<0;20;25m'
sleep 0.5 # longer than a double-click
tm send-keys -t "$S" -l $'\e[<35;20;25M'
expect_row "click selects" 28 "mul  480 samples, 40.00% of total, 40.00% of zoom"
tm send-keys -t "$S" -l $'\e[<0;20;25M\e[<0;20;25m\e[<0;20;25M\e[<0;20;25m'
expect_row "double-click zooms" 24 "mul"
expect_row "double-click: info shows the zoomed frame" 28 "mul  480 samples, 40.00% of total, 100.00% of zoom"
tm send-keys -t "$S" r

# threads and timeline views on a file without thread ids
tm send-keys -t "$S" r Tab Tab
if wait_grep 'no per-thread data in this file'; then ok "threads view says the file has no per-thread data"; else
	fail "threads view says the file has no per-thread data" "$(screen | sed -n 2,5p)"; fi
tm send-keys -t "$S" Tab
if wait_grep 'Timeline' && wait_grep 'no per-thread data in this file'; then ok "timeline view says so too"; else
	fail "timeline view says so too"; fi
tm send-keys -t "$S" Tab '?'
if wait_grep 'Press any key to close this help'; then ok "? shows help"; else fail "? shows help"; fi
tm send-keys -t "$S" Space
quit_sane "q quits and the terminal is sane" q

# deep stacks scroll: 41 depths in 27 graph rows
DEEP="$TMP/deep.folded"
{ s=d1; for i in $(seq 2 40); do s="$s;d$i"; done; echo "$s 5"; } >"$DEEP"
tm send-keys -t "$S" "clear; '$SCORCH' view '$DEEP'" Enter
expect_row "deep stack: top graph row shows depth 26" 1 "d26"
tm send-keys -t "$S" G
expect_row "G scrolls to the deepest frame" 1 "d40"
expect_row "G: bottom row shows depth 14" 27 "d14"
tm send-keys -t "$S" NPage
expect_row "PgDn scrolls back toward the root" 27 "d1"
tm send-keys -t "$S" g
expect_row "g returns to the root" 27 "all"
quit_sane "q quits the deep view" q

# a 50,000-frame stack narrower than a cell: Enter in the table zooms 49,998 frames deep, which
# must not be quadratic in the depth (it took 9 s before; the bound is generous, not a benchmark)
DEEP50K="$TMP/deep50k.folded"
awk 'BEGIN { s = "a0"; for (i = 1; i < 50000; i++) s = s ";a" i; print s, 1; print "b 1000" }' >"$DEEP50K"
tm send-keys -t "$S" "clear; '$SCORCH' view '$DEEP50K'" Enter
wait_row 27 "all" 10 || fail "the 50k-deep profile opens" "$(screen | tail -3)"
tm send-keys -t "$S" Tab / '^a49999$' Enter
if wait_grep '^ +0\.10% +0\.10% +1  a49999$' 5; then
	tm send-keys -t "$S" Enter
	if wait_grep '^a49999  1 samples, 0\.10% of total, 100\.00% of zoom' 3 &&
		screen | grep -qx 'a49998'; then
		ok "Enter on a function 50,000 frames deep zooms to it within 3 s"; else
		fail "Enter on a function 50,000 frames deep zooms to it within 3 s" "$(screen | tail -4)"; fi
else
	fail "Enter on a function 50,000 frames deep zooms to it within 3 s" "table: $(screen | sed -n 2,4p)"
fi
quit_sane "q quits the 50k-deep view" q

# a 21 MB profile is loaded in several runs of its lines (each sorted alone, the input given
# back behind them), and its totals are kept in place of the self values: w writes back the
# same stacks with the same counts, summed across runs, as awk sums them
BIG="$TMP/big.folded"
awk 'BEGIN { for (i = 0; i < 600000; i++) {
	if (i % 10 == 0) printf "root_%d;middle_%d %d\n", i % 7, i % 13, 1
	else printf "root_%d;middle_%d;leaf_function_%d %d\n", i % 7, i % 13, i % 211, i % 5 + 1 } }' >"$BIG"
tm send-keys -t "$S" "clear; '$SCORCH' view '$BIG'" Enter
wait_row 27 "all" 20 || fail "the 21 MB profile opens" "$(screen | tail -3)"
tm send-keys -t "$S" w
if wait_grep '^write to \(the ending picks the format\):'; then
	tm send-keys -t "$S" -l "$TMP/bigw.folded"
	tm send-keys -t "$S" Enter
	want_n=$(awk '{ s += $NF } END { print s }' "$BIG")
	if wait_grep "^wrote .* to '.*bigw\.folded' \($want_n samples\)" 10; then
		ok "view of 21 MB: w reports every sample"; else
		fail "view of 21 MB: w reports every sample" "want $want_n: $(screen | tail -2)"; fi
	want=$(awk '{ n = $NF; sub(/ [^ ]*$/, ""); t[$0] += n } END { for (k in t) print k, t[k] }' "$BIG" |
		LC_ALL=C sort)
	got=$(LC_ALL=C sort "$TMP/bigw.folded" 2>/dev/null)
	if [ -n "$want" ] && [ "$got" == "$want" ]; then
		ok "view of 21 MB: the stacks written are the input's, summed across its runs"; else
		fail "view of 21 MB: the stacks written are the input's, summed across its runs" \
			"$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -5)"; fi
else
	fail "view of 21 MB: w prompts for a file name" "$(screen | tail -2)"
fi
quit_sane "q quits the 21 MB view" q

# per-thread (--tid) and per-process (--pid) root frames give the Threads view its rows
TIDF="$TMP/tid.folded"
cat >"$TIDF" <<'FOLDED'
python3-100/100;main;work 500
python3-100/101;worker;spin 300
python3-100/101;worker;sleep 100
kworker/u8:2-events-12/12;process_one_work 50
sh-7/9;main 1
FOLDED
PIDF="$TMP/pid.folded"
printf '%s\n' 'make-300;main;build 700' 'cc1-301;main;parse 200' 'cc1-301;main;emit 100' >"$PIDF"
# expected rows: "%7u %s" of the id after the last '-' (TID after the '/') and the comm before
# it, then the share of all samples, most first
expect_roots() {
	awk '{ n = $NF; sub(/ [^ ]*$/, ""); split($0, f, ";"); t[f[1]] += n; all += n }
	END {
		for (r in t) {
			match(r, /-[0-9]+(\/[0-9]+)?$/)
			comm = substr(r, 1, RSTART - 1); id = substr(r, RSTART + 1); sub(/.*\//, "", id)
			printf "%d\t%-23.23s %7.1f%%\n", t[r], sprintf("%7u %s", id, comm), 100 * t[r] / all
		}
	}' "$1" | sort -t "$(printf '\t')" -k1,1nr | cut -f2
}
for kind in tid pid; do
	file=$TIDF; hdr=TID; what=threads
	[ $kind = pid ] && file=$PIDF hdr=PID what=processes
	tm send-keys -t "$S" "clear; '$SCORCH' view '$file'" Enter
	wait_row 27 "all" 5 || fail "--$kind profile opens" "$(screen | tail -3)"
	tm send-keys -t "$S" Tab Tab
	if wait_grep "^ +$hdr COMM +SAMPLES%" 3; then
		want=$(expect_roots "$file")
		got=$(screen | sed -n "3,$((2 + $(printf '%s\n' "$want" | wc -l)))p" | cut -c1-32)
		if [ "$got" == "$want" ]; then ok "--$kind roots: a Threads row per root with its share"; else
			fail "--$kind roots: a Threads row per root with its share" "want [$want] got [$got]"; fi
		n=$(printf '%s\n' "$want" | wc -l)
		if wait_grep "^$n $what from the root frames, $(awk '{ s += $NF } END { print s }' "$file") samples"; then
			ok "--$kind roots: the info line counts $what and samples"; else
			fail "--$kind roots: the info line counts $what and samples" "$(row 28)"; fi
	else
		fail "--$kind roots: a Threads row per root with its share" "$(screen | sed -n 2,5p)"
	fi
	tm send-keys -t "$S" Tab
	if wait_grep 'no sample times in this file'; then ok "--$kind roots: the timeline says there are no times"; else
		fail "--$kind roots: the timeline says there are no times" "$(screen | sed -n 2,5p)"; fi
	quit_sane "q quits the --$kind view" q
done

# a profile on stdin: keys come from the terminal
tm send-keys -t "$S" "clear; cat '$F' | '$SCORCH' view -" Enter
expect_row "view - reads the profile from stdin" 24 \
	"$(printf '%-12s%-48s%-36s%s' 'add_numbe..' mul read_line tokenize)"
tm send-keys -t "$S" Up
expect_row "view -: keys still work" 28 "main  1200 samples, 100.00% of total, 100.00% of zoom"
quit_sane "view -: q quits and the terminal is sane" q

# SIGTERM, SIGQUIT and SIGSEGV restore the terminal too; a stop signal exits 128 + its number
for sig in TERM QUIT SEGV; do
	tm send-keys -t "$S" "clear; '$SCORCH' view '$F'; echo \"exit=\$?\"" Enter
	wait_row 27 "all" || { fail "view restarts for SIG$sig"; continue; }
	vpid=$(pgrep -n -f "scorch.* view $F" || true)
	if [ -z "$vpid" ]; then fail "SIG$sig restores the terminal" "scorch pid not found"; continue; fi
	kill -"$sig" "$vpid"
	if [ "$sig" = SEGV ]; then
		if wait_grep 'fatal signal in the terminal UI; terminal restored'; then
			ok "SIGSEGV: message printed after the screen is gone"; else
			fail "SIGSEGV: message printed after the screen is gone" "$(screen | tail -4)"; fi
	else
		status=$((128 + $(kill -l "$sig")))
		if wait_grep "^exit=$status\$"; then ok "SIG$sig: exit status $status"; else
			fail "SIG$sig: exit status $status" "$(screen | grep '^exit=' || screen | tail -3)"; fi
	fi
	expect_sane "SIG$sig restores the terminal"
done

# ---- live: scorch top -- WORKLOAD ----
live_skip=""
if ! is_root && [ "$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)" -gt 1 ]; then
	live_skip="not root and perf_event_paranoid > 1"
elif ! command -v cc >/dev/null; then
	live_skip="no C compiler for the workload"
fi
if [ -n "$live_skip" ]; then
	skip "top shows the workload's hot function" "$live_skip"
else
	cat >"$TMP/busy.c" <<'C'
#include <stdio.h>
#include <time.h>
__attribute__((noinline)) static unsigned long scorch_hot_spin(unsigned long n)
{
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < n; i++)
		x += i * 2654435761u;
	return x;
}
int main(void)
{
	time_t end = time(NULL) + 20;
	unsigned long s = 0;
	while (time(NULL) < end)
		s += scorch_hot_spin(50000000);
	printf("%lu\n", s);
	return 0;
}
C
	# a name of its own, so that the threads view check finds this run's workload
	BUSY=busy$$
	cc -O1 -fno-omit-frame-pointer -g -o "$TMP/$BUSY" "$TMP/busy.c" || bail "the workload does not compile"
	tm send-keys -t "$S" "clear; '$SCORCH' top -F 199 -- '$TMP/$BUSY'" Enter
	if true; then
		if wait_grep 'scorch_hot_spin' 3; then ok "top shows the workload's hot function within 3 s"; else
			fail "top shows the workload's hot function within 3 s" "$(screen | tail -8)"; fi
		case "$(row 29)" in
		*perf_event*samples*"lost "*) ok "top status line: backend, samples, lost" ;;
		*) fail "top status line: backend, samples, lost" "$(row 29)" ;;
		esac
		tm send-keys -t "$S" m
		if wait_grep 'accumulate'; then ok "m switches the update mode"; else fail "m switches the update mode"; fi
		tm send-keys -t "$S" z
		if wait_grep 'FROZEN'; then ok "z freezes the display"; else fail "z freezes the display"; fi
		tm send-keys -t "$S" a
		if wait_grep 'WHOLE RUN' && wait_grep 'scorch_hot_spin'; then ok "a shows the whole run"; else
			fail "a shows the whole run" "$(screen | tail -3)"; fi
		tm send-keys -t "$S" Tab Tab
		bpid=$(pgrep -nx "$BUSY")
		# a threads-view row: "%7u %s" TID and comm, then its share
		if [ -n "$bpid" ] && wait_grep "^ *$bpid $BUSY +[0-9]" 3; then ok "threads view lists the workload's thread"; else
			fail "threads view lists the workload's thread" "pid [$bpid]: $(screen | sed -n 2,6p)"; fi
		quit_sane "top: q quits and the terminal is sane" q
	fi

	# the end of the target: the whole run stays on screen, w writes it, -o saves it at exit;
	# cpu_split burns CPU in hot/warm/cool functions 60/30/10 by construction
	if ! cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/cpu_split" "$ROOT/tests/workloads/cpu_split.c"; then
		bail "the cpu_split workload does not compile"
	fi
	# share FILE NAME: percent of the samples whose stack holds the frame NAME
	share() {
		awk -v pat="$2" '{ n = $NF; total += n; line = $0 " "; if (index(line, ";" pat ";") || index(line, ";" pat " ")) hit += n }
			END { if (total == 0) print -1; else printf "%.1f\n", 100 * hit / total }' "$1"
	}
	near() {
		if awk -v w="$2" -v g="$3" -v t="$4" 'BEGIN { exit !(g >= w - t && g <= w + t) }'; then
			ok "$1 ($3%, want $2 +- $4)"; else fail "$1" "got $3%, want $2 +- $4"; fi
	}
	rm -f "$TMP/top.folded" "$TMP/w.folded"
	tm send-keys -t "$S" "clear; '$SCORCH' top -F 499 -o '$TMP/top.folded' -- '$TMP/cpu_split' 2; echo \"exit=\$?\"" Enter
	if wait_grep 'the target exited: showing everything recorded' 15 && wait_grep 'WHOLE RUN' 1 &&
		wait_grep 'hot_function' 1; then
		ok "top: after the target exits the whole run stays on screen"; else
		fail "top: after the target exits the whole run stays on screen" "$(screen | tail -3)"; fi
	tm send-keys -t "$S" m
	if wait_grep 'update mode: reset \(the last view\)'; then ok "top: m after the exit goes to the last view"; else
		fail "top: m after the exit goes to the last view" "$(screen | tail -2)"; fi
	tm send-keys -t "$S" m
	if wait_grep 'showing everything recorded' && wait_grep 'WHOLE RUN' 1; then
		ok "top: m switches back to everything recorded"; else
		fail "top: m switches back to everything recorded" "$(screen | tail -2)"; fi
	tm send-keys -t "$S" w
	if wait_grep '^write to \(the ending picks the format\):'; then
		tm send-keys -t "$S" -l "$TMP/w.folded"
		tm send-keys -t "$S" Enter
		if wait_grep "^wrote the whole run to '.*w\.folded' \([0-9]+ samples\)"; then ok "top: w writes the shown profile"; else
			fail "top: w writes the shown profile" "$(screen | tail -2)"; fi
	else
		fail "top: w prompts for a file name" "$(screen | tail -2)"
	fi
	up=0
	tui_up && up=1
	tm send-keys -t "$S" q
	if [ $up = 1 ] && wait_grep '^exit=0$' 10; then ok "top -o: q exits 0"; else
		fail "top -o: q exits 0" "TUI up before q: $up; $(screen | tail -3)"; fi
	for f in top w; do
		if [ -s "$TMP/$f.folded" ]; then
			near "top ($f): hot_function share" 60 "$(share "$TMP/$f.folded" hot_function)" 6
			near "top ($f): warm_function share" 30 "$(share "$TMP/$f.folded" warm_function)" 5
			near "top ($f): cool_function share" 10 "$(share "$TMP/$f.folded" cool_function)" 4
		else
			fail "top ($f): a folded profile was written" "no $TMP/$f.folded"
		fi
	done
	wsum=$(awk '{ s += $NF } END { print s + 0 }' "$TMP/w.folded" 2>/dev/null)
	tsum=$(awk '{ s += $NF } END { print s + 0 }' "$TMP/top.folded" 2>/dev/null)
	if [ "${tsum:-0}" -ge "${wsum:-1}" ] && [ "${wsum:-0}" -gt 200 ]; then
		ok "top -o saves the whole run ($tsum samples; $wsum at the exit of the target)"; else
		fail "top -o saves the whole run" "-o: $tsum samples, w after the exit: $wsum"; fi
	if [ $up = 1 ]; then expect_sane "top -o: the terminal is sane after q"; else
		fail "top -o: the terminal is sane after q" "the TUI was not running before q"; fi
	expect_exit "top -o rejects an unknown format" 2 "-o wants a file name ending in one of" \
		"$SCORCH" top -o "$TMP/x.unknown" -- true
fi

# ---- top --off-cpu: a workload that sleeps 80 x 50 ms in nanosleep (4 s blocked by design) ----
if ! is_root || [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "top --off-cpu" "needs root and kernel BTF (eBPF on sched_switch)"
else
	cat >"$TMP/napper.c" <<'C'
#include <time.h>
int main(void)
{
	struct timespec ts = {0, 50000000};
	for (int i = 0; i < 80; i++)
		nanosleep(&ts, NULL);
	return 0;
}
C
	cc -O1 -g -o "$TMP/napper" "$TMP/napper.c" || bail "the napper workload does not compile"
	rm -f "$TMP/off.folded"
	tm send-keys -t "$S" "clear; '$SCORCH' top --off-cpu --refresh 300 -o '$TMP/off.folded' -- '$TMP/napper'; echo \"exit=\$?\"" Enter
	if wait_grep 'do_nanosleep' 4; then ok "top --off-cpu shows the blocked kernel stack (do_nanosleep)"; else
		fail "top --off-cpu shows the blocked kernel stack (do_nanosleep)" "$(screen | tail -6)"; fi
	if wait_grep 'off-cpu' 1 && wait_grep '^all +[0-9,]+ ns, ' 1; then ok "top --off-cpu: the status says off-cpu and counts ns"; else
		fail "top --off-cpu: the status says off-cpu and counts ns" "$(screen | tail -2)"; fi
	wait_grep 'the target exited' 10 >/dev/null
	up=0
	tui_up && up=1
	tm send-keys -t "$S" q
	wait_grep '^exit=0$' 10 >/dev/null
	# the napper's nanosleep time in the saved profile: the design's 4 s, in ns, within 10%
	got=$(awk '/^napper;/ && /do_nanosleep/ { s += $NF } END { print s + 0 }' "$TMP/off.folded" 2>/dev/null)
	if awk -v g="${got:-0}" 'BEGIN { exit !(g >= 3.6e9 && g <= 4.4e9) }'; then
		ok "top --off-cpu -o: the napper's blocked time is the design's 4 s ($got ns)"; else
		fail "top --off-cpu -o: the napper's blocked time is the design's 4 s" "got [$got] ns"; fi
	if [ $up = 1 ]; then expect_sane "top --off-cpu: the terminal is sane after q"; else
		fail "top --off-cpu: the terminal is sane after q" "the TUI was not running before q"; fi

	# --on-off: thread states. offcpu_split's sleeper spins 3 ms then sleeps 10 ms, 30 times:
	# 300 ms blocked by design; its TID comes from the workload's own report.
	cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/offcpu_split" "$ROOT/tests/workloads/offcpu_split.c" ||
		bail "the offcpu_split workload does not compile"
	tm send-keys -t "$S" "clear; '$SCORCH' top --on-off --refresh 300 -- sh -c 'echo go | \"$TMP/offcpu_split\" >\"$TMP/split.out\"'; echo \"exit=\$?\"" Enter
	wait_grep 'the target exited' 15 >/dev/null
	tm send-keys -t "$S" Tab Tab
	sleeper=$(awk '$1 == "sleeper" { print $2 }' "$TMP/split.out" 2>/dev/null)
	if wait_grep "^ *${sleeper:-none} offcpu_split +[0-9.]+ +[0-9.]+ +[0-9.]+ \\[" 3; then
		ok "threads view: a thread-state row (RUN% WAIT% BLOCK% and a bar) for the sleeper"; else
		fail "threads view: a thread-state row for the sleeper" "tid [$sleeper]: $(screen | sed -n 2,5p)"; fi
	window=$(screen | sed -nE 's/^[0-9]+ threads over ([0-9.]+) s: running .*/\1/p')
	block=$(screen | awk -v t="${sleeper:-none}" '$1 == t && $2 == "offcpu_split" { print $5 }')
	got=$(awk -v b="${block:-0}" -v w="${window:-0}" 'BEGIN { printf "%d", b / 100 * w * 1000 }')
	if [ -n "$block" ] && [ "$got" -ge 255 ] && [ "$got" -le 345 ]; then
		ok "threads view: the sleeper's blocked time is the design's 300 ms ($got ms)"; else
		fail "threads view: the sleeper's blocked time is the design's 300 ms" "BLOCK% [$block] of [$window] s = $got ms"; fi
	tm send-keys -t "$S" Tab
	# a bucket shows the state that filled most of it: on a loaded machine the sleeper's
	# 3 ms spins may be outweighed by its wait for a CPU (-), its 10 ms sleeps are blocked (.)
	if wait_grep "^ *${sleeper:-none} offcpu_split +[ #.-]*[#-][ #.-]*\\.[ #.-]*\$" 3; then
		ok "timeline view: the sleeper's lane shows on-CPU or runnable (#, -) and blocked (.) time"; else
		fail "timeline view: the sleeper's lane shows on-CPU and blocked time" "$(screen | sed -n 2,5p)"; fi
	tm send-keys -t "$S" Tab Tab # past the heatmap
	if wait_grep '^[0-9]+ threads over [0-9.]+ s: running [0-9.]+%, runnable [0-9.]+%, blocked [0-9.]+% of their time' 3 &&
		wait_grep '^ +[0-9.]+% +[0-9.]+%  \[blocked\]' 1 && wait_grep "${sleeper:-none} offcpu_split" 1; then
		ok "cockpit: the states summary, top functions ([blocked]) and thread bars on one screen"; else
		fail "cockpit: the states summary, top functions and thread bars" "sleeper $sleeper: $(screen | sed -n 2,12p)"; fi
	up=0
	tui_up && up=1
	tm send-keys -t "$S" q
	wait_grep '^exit=0$' 10 >/dev/null
	if [ $up = 1 ]; then expect_sane "top --on-off: the terminal is sane after q"; else
		fail "top --on-off: the terminal is sane after q" "the TUI was not running before q"; fi

	# top -e: a uprobe on probe_calls's counted_call, called 20000 times by design
	cc -O2 -g -fno-omit-frame-pointer -o "$TMP/probe_calls" "$ROOT/tests/workloads/probe_calls.c" ||
		bail "the probe_calls workload does not compile"
	rm -f "$TMP/probe.folded"
	tm send-keys -t "$S" "clear; '$SCORCH' top --refresh 300 -e 'uprobe:$TMP/probe_calls:counted_call' -o '$TMP/probe.folded' -- '$TMP/probe_calls' 20000 0 1; echo \"exit=\$?\"" Enter
	# the typed command line names counted_call too: it counts only once the TUI's screen is up
	for _ in $(seq 40); do tui_up && break; sleep 0.2; done
	if tui_up && wait_grep 'counted_call' 8; then
		ok "top -e uprobe: the probed function is drawn"; else
		fail "top -e uprobe: the probed function is drawn" "$(screen | tail -6)"; fi
	wait_grep 'the target exited' 8 >/dev/null
	tm send-keys -t "$S" q
	wait_grep '^exit=0$' 10 >/dev/null
	expect_eq "top -e uprobe -o: one event per call, the design's 20000" 20000 \
		"$(awk '/;counted_call [0-9]+$/ { s += $NF } END { print s + 0 }' "$TMP/probe.folded" 2>/dev/null)"
fi
finish
