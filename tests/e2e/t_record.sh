#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch record and the self-profiler on workloads whose CPU split is known by construction,
# compared with perf record + perf script + scorch collapse; exit codes and error messages.
source "$(dirname "$0")/../lib.sh"
WL=$ROOT/build/workloads
SELFPROF=$ROOT/build/libscorch-selfprof.so

# share FILE PATTERN: percent of samples whose stack contains the frame ";PATTERN" (+ ";"/" ").
share() {
	awk -v pat="$2" '{ n = $NF; total += n; line = $0 " "; if (index(line, ";" pat ";") || index(line, ";" pat " ")) hit += n }
		END { if (total == 0) print -1; else printf "%.1f\n", 100 * hit / total }' "$1"
}
# near NAME WANT GOT TOLERANCE: GOT within WANT +- TOLERANCE (percent points).
near() {
	if awk -v w="$2" -v g="$3" -v t="$4" 'BEGIN { exit !(g >= w - t && g <= w + t) }'; then
		ok "$1 ($3%, want $2 +- $4)"
	else
		fail "$1" "got $3%, want $2 +- $4"
	fi
}
# stacks FILE: "share stack" lines for stacks holding >= 3% of the samples, counts dropped.
stacks() {
	awk '{ n = $NF; total += n; s = $0; sub(/ [0-9]+$/, "", s); c[s] += n }
		END { for (s in c) if (100 * c[s] / total >= 3) printf "%.1f %s\n", 100 * c[s] / total, s }' "$1" | sort -k2
}

# Usage errors need no privileges.
expect_exit "-F 0 is refused" 2 "invalid frequency '0'" "$SCORCH" record -F 0 -- true
expect_exit "-F non-numeric is refused" 2 "invalid frequency 'fast'" "$SCORCH" record -F fast -- true
expect_exit "unknown option" 2 "unknown option '--bogus'; see 'scorch record --help'" "$SCORCH" record --bogus -- true
expect_exit "no target" 2 "nothing to sample" "$SCORCH" record -o "$TMP/x.folded"
expect_exit "two targets" 2 "choose one of -p, -a, -C or a command" "$SCORCH" record -a -p 1
expect_exit "unknown output format" 2 "cannot tell the format of 'x.png'" "$SCORCH" record -o x.png -- true
expect_exit "-d 0 is refused" 2 "invalid duration '0'" "$SCORCH" record -d 0 -a
expect_exit "--help" 0 "" "$SCORCH" record --help
check "--help has examples" grep -q "scorch record -F 999 -o out.svg -- ./myprog" "$TMP/ee.out"
expect_exit "a bad pid names the subcommand" 2 "scorch record: 'x' is not a pid (use -p PID[,PID...])" \
	"$SCORCH" record -p 1,x -o "$TMP/x.folded"
expect_exit "an empty pid list" 2 "scorch record: -p needs at least one pid" "$SCORCH" record -p , -o "$TMP/x.folded"
expect_exit "a command that does not exist" 127 "command not found: no-such-command-xyz" \
	"$SCORCH" record -o "$TMP/x.folded" -- no-such-command-xyz

if ! is_root; then
	skip "scorch record on live workloads" "needs root (perf_event_open on the whole system and the kernel); run tests as root"
	exit 0
fi

mkdir -p "$WL"
if ! cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	! g++ -O1 -g -fno-omit-frame-pointer -o "$WL/templates" "$ROOT/tests/workloads/templates.cpp"; then
	fail "build the workloads" "cc/g++ failed"
	exit 0
fi

# Dead pid: nothing in /proc.
dead=4242
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
expect_exit "dead pid" 1 "no such process: $dead" "$SCORCH" record -p "$dead" -o "$TMP/x.folded"

# The 60/30/10 split, two threads, 999 Hz.
"$SCORCH" record -q -F 999 -o "$TMP/split.folded" -o "$TMP/split.svg" -- "$WL/cpu_split" 2 0 2
near "hot_function share" 60 "$(share "$TMP/split.folded" hot_function)" 6
near "warm_function share" 30 "$(share "$TMP/split.folded" warm_function)" 5
near "cool_function share" 10 "$(share "$TMP/split.folded" cool_function)" 4
check "root frame is the comm" grep -q '^cpu_split;__libc_start_call_main;main;hot_function ' "$TMP/split.folded"
check "threads are sampled" grep -q '^cpu_split;start_thread;hot_function ' "$TMP/split.folded"
check "SVG written alongside" grep -q '<title>hot_function (' "$TMP/split.svg"
check "folded output is sorted" sort -C "$TMP/split.folded"

# Exact demangled names (perf script's form, tidied like stackcollapse-perf.pl).
"$SCORCH" record -q -F 999 -o "$TMP/tpl.folded" -- "$WL/templates" 2
for name in 'scorch_demo::Accumulator<double>::add_many' 'scorch_demo::scale<3>' \
	'scorch_demo::run_lambdas;scorch_demo::run_lambdas' 'scorch_demo::(anonymous namespace)::helper'; do
	check "demangled frame $name" grep -qF ";$name " "$TMP/tpl.folded"
done
near "Accumulator<double>::add_many share" 44 "$(share "$TMP/tpl.folded" 'scorch_demo::Accumulator<double>::add_many')" 8
"$SCORCH" record -q --no-demangle -o "$TMP/mangled.folded" -- "$WL/templates" 0.5
check "--no-demangle keeps mangled names" grep -qF '_ZN11scorch_demo5scaleILi3EEEmi' "$TMP/mangled.folded"

# Same stacks as perf record -g + perf script + scorch collapse on the same binaries.
if ! command -v perf >/dev/null; then
	skip "stacks equal perf's" "linux-perf is not installed"
else
	for w in "cpu_split 2" "templates 2"; do
		set -- $w
		perf record -q -F 999 -g -o "$TMP/perf.data" -- "$WL/$1" "$2" >/dev/null 2>&1
		perf script -i "$TMP/perf.data" 2>/dev/null | "$SCORCH" collapse >"$TMP/perf.folded"
		"$SCORCH" record -q -F 999 -o "$TMP/sc.folded" -- "$WL/$1" "$2"
		stacks "$TMP/perf.folded" >"$TMP/perf.stacks"
		stacks "$TMP/sc.folded" >"$TMP/sc.stacks"
		expect_eq "$1: the same hot stacks as perf" "$(cut -d' ' -f2- "$TMP/perf.stacks")" "$(cut -d' ' -f2- "$TMP/sc.stacks")"
		worst=$(join -1 2 -2 2 <(awk '{print $1, $2}' "$TMP/perf.stacks") <(awk '{print $1, $2}' "$TMP/sc.stacks") |
			awk '{ d = $2 - $3; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.1f\n", m + 0 }')
		near "$1: largest share difference vs perf" 0 "$worst" 5
		# Every frame name scorch produced for the workload's own code is one perf produced.
		tr ';' '\n' <"$TMP/perf.folded" | sed 's/ [0-9]*$//' | sort -u >"$TMP/perf.names"
		missing=$(grep -hoE '(scorch_demo|hot_|warm_|cool_)[^;]*' "$TMP/sc.folded" | sed 's/ [0-9]*$//' | sort -u | comm -23 - "$TMP/perf.names")
		expect_eq "$1: workload frame names all known to perf" "" "$missing"
	done
fi

# Exit status passthrough.
expect_exit "exit status of the command" 7 "" "$SCORCH" record -q -o "$TMP/x.folded" -- sh -c 'exit 7'
expect_exit "exit status of a threaded command" 5 "" "$SCORCH" record -q -o "$TMP/x.folded" -- "$WL/cpu_split" 0.2 5
printf 'not a program\n' >"$TMP/noexec"
chmod 644 "$TMP/noexec"
expect_exit "a file that is not executable" 126 "permission denied: $TMP/noexec" \
	"$SCORCH" record -q -o "$TMP/x.folded" -- "$TMP/noexec"

# SIGINT stops recording and still writes the output; the command gets SIGTERM like perf's.
rm -f "$TMP/int.folded"
"$SCORCH" record -q -o "$TMP/int.folded" -- "$WL/cpu_split" 30 &
rec=$!
sleep 1
kill -INT "$rec"
wait "$rec"
st=$?
check "SIGINT still writes the output" grep -q 'hot_function' "$TMP/int.folded"
expect_eq "SIGINT: exit status is the command's (SIGTERM)" 143 "$st"

# -p: an existing process, all threads, --tid roots; -d stops it.
"$WL/cpu_split" 3 >/dev/null &
wpid=$!
sleep 0.3
"$SCORCH" record -q -p "$wpid" -d 1 --tid -o "$TMP/p.folded"
expect_eq "-p -d: exit status 0" 0 "$?"
check "--tid roots are comm-PID/TID" grep -qE "^cpu_split-$wpid/$wpid;" "$TMP/p.folded"
nthr=$(cut -d';' -f1 "$TMP/p.folded" | sort -u | wc -l)
expect_eq "-p samples both threads" 2 "$nthr"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null

# -a with --pid, --group-by-cpu, --skip-idle; -p ends when the targets exit.
# (a busy process makes sure an idle CI machine has something besides the idle task)
"$WL/cpu_split" 1.5 >/dev/null &
busy=$!
"$SCORCH" record -q -a -d 1 --skip-idle --pid --group-by-cpu -o "$TMP/a.folded"
wait "$busy" 2>/dev/null
check "-a --group-by-cpu: [cpu N] under comm-PID" grep -qE '^[^;]+-[0-9]+;\[cpu [0-9]+\];' "$TMP/a.folded"
check "--skip-idle drops swapper" bash -c "! grep -q '^swapper' '$TMP/a.folded'"
"$WL/cpu_split" 0.5 >/dev/null &
wpid=$!
timeout 10 "$SCORCH" record -q -p "$wpid" -o "$TMP/ended.folded"
expect_eq "-p stops when the process exits" 0 "$?"
wait "$wpid" 2>/dev/null

# -C: one CPU; an offline CPU is refused with its number.
"$SCORCH" record -q -C 0 -d 0.5 -o "$TMP/c.folded"
expect_eq "-C 0 records" 0 "$?"
expect_exit "-C of an offline CPU" 1 "CPU 4095 is not online" "$SCORCH" record -C 4095 -d 0.1 -o "$TMP/c.folded"
"$SCORCH" record -q -C 0-1 -d 0.3 -o "$TMP/c2.folded"
expect_eq "-C 0-1 records a CPU list" 0 "$?"
expect_exit "-C with a bad list" 2 "invalid CPU list '3-1'" "$SCORCH" record -C 3-1 -d 0.1 -o "$TMP/c.folded"

# Without privileges: a clear hint.
if command -v setpriv >/dev/null && [ -x "$SCORCH" ]; then
	expect_exit "no permission for -a as nobody" 1 "no permission to open perf events" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$SCORCH" record -a -d 0.1 -o /tmp/scorch-nobody.folded
else
	skip "no permission for -a as nobody" "setpriv is not installed"
fi

# Self-profiler: LD_PRELOAD on the threaded C workload.
if [ ! -f "$SELFPROF" ]; then
	fail "self-profiler library built" "$SELFPROF is missing; run make"
else
	SCORCH_SELFPROF_OUT="$TMP/self.folded" SCORCH_SELFPROF_HZ=199 LD_PRELOAD="$SELFPROF" "$WL/cpu_split" 2 3 >/dev/null
	expect_eq "selfprof: exit status unchanged" 3 "$?"
	check "selfprof names the hot function" grep -q '^cpu_split;__libc_start_call_main;main;hot_function ' "$TMP/self.folded"
	check "selfprof samples threads" grep -q '^cpu_split;start_thread;hot_function ' "$TMP/self.folded"
	near "selfprof hot_function share" 60 "$(share "$TMP/self.folded" hot_function)" 10
	SCORCH_SELFPROF_OUT="$TMP/selfcc.folded" LD_PRELOAD="$SELFPROF" "$WL/templates" 1
	check "selfprof demangles like perf" grep -qF ';scorch_demo::scale<3> ' "$TMP/selfcc.folded"

	# The linked API: the same samples written as folded and, by extension, as an SVG whose
	# frame totals must be the folded file's (summed here with awk).
	cat >"$TMP/api.c" <<'EOC'
#include "selfprof/selfprof.h"
static volatile unsigned long sink;
__attribute__((noinline)) static void spin_a(unsigned long n) { for (unsigned long i = 0; i < n; i++) sink += i; }
__attribute__((noinline)) static void spin_b(unsigned long n) { for (unsigned long i = 0; i < n; i++) sink ^= i; }
int main(int argc, char **argv)
{
	(void)argc;
	if (scorch_selfprof_start(499) != 0)
		return 1;
	spin_a(600000000ul);
	spin_b(300000000ul);
	scorch_selfprof_stop();
	return scorch_selfprof_write_folded(argv[1]) != 0 || scorch_selfprof_write_folded(argv[2]) != 0;
}
EOC
	if cc -O1 -fno-omit-frame-pointer -I"$ROOT/src" -o "$TMP/api" "$TMP/api.c" -L"$(dirname "$SELFPROF")" \
		-lscorch-selfprof -Wl,-rpath,"$(dirname "$SELFPROF")" && "$TMP/api" "$TMP/api.folded" "$TMP/api.svg"; then
		check "selfprof API: folded stacks of the spinning functions" grep -q '^api;.*;spin_a [0-9]*$' "$TMP/api.folded"
		total=$(awk '{ t += $NF } END { print t + 0 }' "$TMP/api.folded")
		a=$(awk '/;spin_a /{ t += $NF } END { print t + 0 }' "$TMP/api.folded")
		b=$(awk '/;spin_b /{ t += $NF } END { print t + 0 }' "$TMP/api.folded")
		check "selfprof API: spin_a (twice the work) has more samples than spin_b" [ "$a" -gt "$b" ]
		frames=$(python3 "$ROOT/tests/svgframes.py" "$TMP/api.svg")
		check "selfprof API: .svg is a flame graph of all $total samples" grep -qF "all ($total samples, 100%)" <<<"$frames"
		check "selfprof API: .svg has spin_a's $a samples" grep -qF "spin_a ($a samples," <<<"$frames"
		check "selfprof API: .svg has spin_b's $b samples" grep -qF "spin_b ($b samples," <<<"$frames"
	else
		fail "selfprof API program" "build or run failed"
	fi
fi
