#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch record and the self-profiler on workloads whose CPU split is known by construction,
# compared with perf record + perf script + stackcollapse-perf.pl; exit codes and error messages.
source "$(dirname "$0")/../lib.sh"
WL=$ROOT/build/workloads

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
expect_run "--help has examples" 0 "scorch record -F 999 -o out.svg -- ./myprog" "$SCORCH" record --help
expect_exit "a bad pid names the subcommand" 2 "scorch record: 'x' is not a pid (use -p PID[,PID...])" \
	"$SCORCH" record -p 1,x -o "$TMP/x.folded"
expect_exit "an empty pid list" 2 "scorch record: -p needs at least one pid" "$SCORCH" record -p , -o "$TMP/x.folded"
expect_exit "a command that does not exist" 127 "command not found: no-such-command-xyz" \
	"$SCORCH" record -o "$TMP/x.folded" -- no-such-command-xyz

is_root || skip_all "scorch record on live workloads" "needs root (perf_event_open on the whole system and the kernel); run tests as root"

mkdir -p "$WL"
if ! cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	! g++ -O1 -g -fno-omit-frame-pointer -o "$WL/templates" "$ROOT/tests/workloads/templates.cpp"; then
	bail "the workloads do not build (cc/g++ failed)"
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

# Same stacks as perf record -g + perf script + stackcollapse-perf.pl on the same binaries.
if ! command -v perf >/dev/null; then
	skip "stacks equal perf's" "linux-perf is not installed"
elif ! have_perl_tools; then
	skip "stacks equal perf's" "stackcollapse-perf.pl not found in $FLAMEGRAPH_DIR"
else
	for w in "cpu_split 2" "templates 2"; do
		set -- $w
		perf record -q -F 999 -g -o "$TMP/perf.data" -- "$WL/$1" "$2" >/dev/null 2>&1
		perf script -i "$TMP/perf.data" 2>/dev/null | pl_collapse >"$TMP/perf.folded" 2>/dev/null
		[ -s "$TMP/perf.folded" ] || bail "perf record + perf script + stackcollapse-perf.pl gave no stacks for $1"
		"$SCORCH" record -q -F 999 -o "$TMP/sc.folded" -- "$WL/$1" "$2"
		stacks "$TMP/perf.folded" >"$TMP/perf.stacks"
		stacks "$TMP/sc.folded" >"$TMP/sc.stacks"
		expect_eq "$1: the same hot stacks as perf" "$(cut -d' ' -f2- "$TMP/perf.stacks")" "$(cut -d' ' -f2- "$TMP/sc.stacks")"
		# over every stack either side holds >= 3% of (a stack missing on one side counts 0%)
		worst=$(awk 'FNR == 1 { f++ } { s = $0; sub(/^[^ ]+ /, "", s); v[f, s] = $1; k[s] = 1 }
			END { if (f < 2) { print 100; exit } for (s in k) { d = v[1, s] - v[2, s]; if (d < 0) d = -d; if (d > m) m = d }
				printf "%.1f\n", m + 0 }' "$TMP/perf.stacks" "$TMP/sc.stacks")
		near "$1: largest share difference vs perf" 0 "$worst" 5
		# Every frame name scorch produced for the workload's own code is one perf produced.
		tr ';' '\n' <"$TMP/perf.folded" | sed 's/ [0-9]*$//' | sort -u >"$TMP/perf.names"
		grep -hoE '(scorch_demo|hot_|warm_|cool_)[^;]*' "$TMP/sc.folded" 2>/dev/null | sed 's/ [0-9]*$//' | sort -u >"$TMP/sc.names"
		missing=$(comm -23 "$TMP/sc.names" "$TMP/perf.names" | tr '\n' ' ')
		if [ ! -s "$TMP/sc.names" ]; then fail "$1: workload frame names all known to perf" "scorch gave no workload frame"
		else expect_eq "$1: workload frame names all known to perf ($(wc -l <"$TMP/sc.names") names)" "" "$missing"; fi
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

# -p: an existing process, all threads, --tid roots; -d stops it. 499 Hz: ~1,000 samples in
# the second: the share's standard deviation is 1.5 points (3.5 at 99 Hz, ~200 samples).
"$WL/cpu_split" 3 >/dev/null &
wpid=$!
sleep 0.3
"$SCORCH" record -q -F 499 -p "$wpid" -d 1 --tid -o "$TMP/p.folded"
st=$?
if [ $st != 0 ]; then fail "-p -d: exit status 0 and the workload's split" "exit $st"
else near "-p -d: exit status 0 and the workload's hot_function share" 60 "$(share "$TMP/p.folded" hot_function)" 10; fi
check "--tid roots are comm-PID/TID" grep -qE "^cpu_split-$wpid/$wpid;" "$TMP/p.folded"
nthr=$(cut -d';' -f1 "$TMP/p.folded" | sort -u | wc -l)
expect_eq "-p samples both threads" 2 "$nthr"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null

# -a with --pid, --group-by-cpu, --skip-idle; -p ends when the targets exit.
# (a busy process makes sure an idle CI machine has something besides the idle task; it
# outlives the recording because scorch names a process from /proc when it decodes its samples)
"$WL/cpu_split" 10 >/dev/null &
busy=$!
"$SCORCH" record -q -a -d 1 --skip-idle --pid --group-by-cpu -o "$TMP/a.folded"
kill "$busy"
wait "$busy" 2>/dev/null
check "-a --group-by-cpu: [cpu N] under comm-PID" grep -qE '^[^;]+-[0-9]+;\[cpu [0-9]+\];' "$TMP/a.folded"
if ! grep -q "^cpu_split-$busy;" "$TMP/a.folded" 2>/dev/null; then fail "--skip-idle drops swapper" "the busy workload cpu_split-$busy is not in the profile"
else check "--skip-idle drops swapper, keeps the busy workload" bash -c "! grep -q '^swapper' '$TMP/a.folded'"; fi
"$WL/cpu_split" 1.5 >/dev/null &
wpid=$!
t0=$(date +%s%N)
timeout 10 "$SCORCH" record -q -F 999 -p "$wpid" --pid -o "$TMP/ended.folded"
st=$? ms=$((($(date +%s%N) - t0) / 1000000))
wait "$wpid" 2>/dev/null
if [ $st != 0 ]; then fail "-p stops when the process exits" "exit $st after $ms ms"
elif [ $ms -gt 6000 ]; then fail "-p stops when the process exits" "took $ms ms for a 1.5 s process"
else check "-p stops when the 1.5 s process exits (${ms} ms), with its samples" grep -qE -- "^[^;]*-$wpid;" "$TMP/ended.folded"; fi

# -C: a workload pinned on each CPU; only the listed CPUs are sampled; an offline CPU is refused.
# cpus FILE: the "[cpu N]" frames of a --group-by-cpu profile, sorted, on one line.
cpus() { grep -oE '^[^;]*;\[cpu [0-9]+\];' "$1" 2>/dev/null | grep -oE '[0-9]+\];$' | tr -d '];' | sort -un | tr '\n' ' '; }
ncpu=$(nproc)
taskset -c 0 "$WL/cpu_split" 10 0 1 >/dev/null &
pin0=$!
if [ "$ncpu" -ge 2 ]; then taskset -c 1 "$WL/cpu_split" 10 0 1 >/dev/null & pin1=$!; else pin1=; fi
# wait until taskset has exec'd the workloads
for _ in $(seq 100); do
	[ "$(cat /proc/$pin0/comm 2>/dev/null)" = cpu_split ] && { [ -z "$pin1" ] || [ "$(cat /proc/$pin1/comm 2>/dev/null)" = cpu_split ]; } && break
	sleep 0.05
done
sleep 0.1
"$SCORCH" record -q -F 999 -C 0 -d 0.5 --pid --group-by-cpu -o "$TMP/c.folded"
st=$?
if [ $st != 0 ]; then fail "-C 0 records CPU 0 only" "exit $st"
elif [ "$(cpus "$TMP/c.folded")" != "0 " ]; then fail "-C 0 records CPU 0 only" "CPUs seen: $(cpus "$TMP/c.folded")"
else check "-C 0 records CPU 0 only, with the workload pinned there" grep -q "^cpu_split-$pin0;\[cpu 0\];" "$TMP/c.folded"; fi
if [ -n "$pin1" ]; then
	"$SCORCH" record -q -F 999 -C 0-1 -d 0.5 --pid --group-by-cpu -o "$TMP/c2.folded"
	st=$?
	if [ $st != 0 ]; then fail "-C 0-1 records a CPU list" "exit $st"
	elif [ "$(cpus "$TMP/c2.folded")" != "0 1 " ]; then fail "-C 0-1 records a CPU list" "CPUs seen: $(cpus "$TMP/c2.folded")"
	else check "-C 0-1 records CPUs 0 and 1, a pinned workload on each" \
		bash -c "grep -q '^cpu_split-$pin0;\[cpu 0\];' '$TMP/c2.folded' && grep -q '^cpu_split-$pin1;\[cpu 1\];' '$TMP/c2.folded'"; fi
else
	skip "-C 0-1 records a CPU list" "one CPU only"
fi
kill $pin0 $pin1
wait $pin0 $pin1 2>/dev/null
expect_exit "-C of an offline CPU" 1 "CPU 4095 is not online" "$SCORCH" record -C 4095 -d 0.1 -o "$TMP/c.folded"
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
	SCORCH_SELFPROF_OUT="$TMP/self.folded" SCORCH_SELFPROF_HZ=199 LD_PRELOAD="$SELFPROF" "$WL/cpu_split" 2 3 >/dev/null 2>"$TMP/self.err"
	st=$?
	if [ $st != 3 ]; then fail "selfprof: exit status unchanged" "exit $st, want 3"
	else check "selfprof: exit status unchanged, profile written" grep -q 'hot_function ' "$TMP/self.folded"; fi
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

# --- perf users' habits -------------------------------------------------------------------
# -g is accepted (frame pointers are the default), -o /dev/stdout is folded text.
"$SCORCH" record -q -g -F 499 -o /dev/stdout -- "$WL/cpu_split" 0.4 >"$TMP/g.out" 2>/dev/null
check "-g -o /dev/stdout: folded stacks of the workload on stdout" grep -qE '^cpu_split;.*;hot_function [0-9]+$' "$TMP/g.out"
# -a -- CMD: the whole system while CMD runs; CMD's exit status comes back.
"$SCORCH" record -q -a -F 499 -o "$TMP/acmd.folded" -- "$WL/cpu_split" 0.5 4 >/dev/null 2>&1
st=$?
[ $st = 4 ] && grep -qE '^cpu_split;.*;hot_function [0-9]+$' "$TMP/acmd.folded" &&
	ok "-a -- CMD samples the system while CMD runs and returns its status" ||
	fail "-a -- CMD samples the system while CMD runs and returns its status" "exit $st"
# -d with a command: the command outlives the deadline unless --kill.
"$SCORCH" record -d 0.5 -o "$TMP/d.folded" -- "$WL/cpu_split" 3 7 >/dev/null 2>"$TMP/d.err"
st=$?
left=$(sed -n 's/.*(pid \([0-9]*\)) keeps running.*/\1/p' "$TMP/d.err")
if [ $st = 0 ] && [ -n "$left" ] && kill -0 "$left" 2>/dev/null; then
	ok "-d with a command: the command keeps running after the deadline (pid $left)"
	kill "$left" 2>/dev/null
else
	fail "-d with a command: the command keeps running after the deadline" "exit $st: $(head -c 200 "$TMP/d.err")"
fi
expect_exit "-d --kill ends the command at the deadline (its SIGTERM status)" 143 "" \
	"$SCORCH" record -q -d 0.5 --kill -o "$TMP/d.folded" -- "$WL/cpu_split" 3 7
# Messages: one style, "scorch CMD: message", getopt's included.
expect_exit "an unknown option is reported as 'scorch top: ...'" 2 "scorch top: invalid option -- 'C'" \
	"$SCORCH" top -C 0
expect_exit "an unknown option is reported as 'scorch flamegraph: ...'" 2 "scorch flamegraph: unrecognized option '--bogus'" \
	"$SCORCH" flamegraph --bogus
finish
