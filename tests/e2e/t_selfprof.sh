#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The self-profiler under LD_PRELOAD: its default file, "%p", one file per process across
# fork and exec, and the samples the kernel tick makes it miss, counted against CPU time.
. "$(dirname "$0")/../lib.sh"

WL=$TMP/wl
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" &&
	cc -O1 -g -fno-omit-frame-pointer -o "$WL/exec_after" "$ROOT/tests/workloads/exec_after.c" &&
	cc -O1 -g -fno-omit-frame-pointer -o "$WL/fork_spin" "$ROOT/tests/workloads/fork_spin.c" ||
	bail "cannot build the workloads"
[ -f "$SELFPROF" ] || fail "self-profiler library built" "$SELFPROF is missing; run make"

# has FILE PATTERN: the folded FILE has a stack matching PATTERN (awk regex) with samples
has() { [ -s "$1" ] && awk -v re="$2" '$0 ~ re && $NF > 0 { f = 1 } END { exit !f }' "$1"; }

# 1. No SCORCH_SELFPROF_OUT: scorch-selfprof.PID.folded in the working directory (PID the
#    process's, as the shell saw it), and stderr names that file exactly once.
mkdir -p "$TMP/dflt"
cd "$TMP/dflt" || bail "cannot enter $TMP/dflt"
LD_PRELOAD="$SELFPROF" "$WL/cpu_split" 0.4 0 2>"$TMP/dflt.err" &
pid=$!
wait $pid
cd "$ROOT" || bail "cannot return to $ROOT"
check "default output scorch-selfprof.$pid.folded has hot_function" \
	has "$TMP/dflt/scorch-selfprof.$pid.folded" ';hot_function [0-9]+$'
expect_eq "default output: stderr names the file once" 1 \
	"$(grep -c "scorch-selfprof: wrote [0-9]* samples to scorch-selfprof.$pid.folded" "$TMP/dflt.err")"
expect_eq "default output: nothing else in the directory" "scorch-selfprof.$pid.folded" "$(ls "$TMP/dflt")"

# 2. "%p" is the pid; a chosen name is not announced.
SCORCH_SELFPROF_OUT="$TMP/pct.%p.folded" LD_PRELOAD="$SELFPROF" "$WL/cpu_split" 0.3 0 2>"$TMP/pct.err" &
pid=$!
wait $pid
check "%p in SCORCH_SELFPROF_OUT becomes the pid ($pid)" has "$TMP/pct.$pid.folded" ';hot_function [0-9]+$'
expect_eq "a chosen name is not announced" "" "$(cat "$TMP/pct.err")"

# 3. fork: the child writes its own file (named with its pid, printed by the workload) with
#    only child_spin; the parent's file has only parent_spin. Through exit() and _exit().
for how in exit _exit; do
	out=$TMP/fork-$how
	mkdir -p "$out"
	cpid=$(SCORCH_SELFPROF_OUT="$out/f.folded" LD_PRELOAD="$SELFPROF" "$WL/fork_spin" 300 $how)
	check "fork ($how): the child's own file f.$cpid.folded has child_spin" has "$out/f.$cpid.folded" ';child_spin'
	check "fork ($how): the child's file has none of the parent's samples" \
		eval "[ -f '$out/f.$cpid.folded' ] && ! grep -q parent_spin '$out/f.$cpid.folded'"
	check "fork ($how): the parent's file has parent_spin" has "$out/f.folded" ';parent_spin'
	check "fork ($how): the parent's file has none of the child's samples" \
		eval "[ -f '$out/f.folded' ] && ! grep -q child_spin '$out/f.folded'"
done

# 4. exec: the samples before the exec are written before it (f.pre-exec1.folded, all
#    before_exec by design), and the new image writes f.folded without them.
mkdir -p "$TMP/exec"
SCORCH_SELFPROF_OUT="$TMP/exec/f.folded" LD_PRELOAD="$SELFPROF" "$WL/exec_after" 400 "$WL/cpu_split" 0.4 0
check "exec: the pre-exec image's samples kept in f.pre-exec1.folded" \
	has "$TMP/exec/f.pre-exec1.folded" '^exec_after;.*;before_exec'
check "exec: the new image's f.folded has hot_function" has "$TMP/exec/f.folded" '^cpu_split;.*;hot_function'
check "exec: f.folded has no before_exec" eval "[ -f '$TMP/exec/f.folded' ] && ! grep -q before_exec '$TMP/exec/f.folded'"
expect_eq "exec: exactly the two files" "f.folded f.pre-exec1.folded" "$(cd "$TMP/exec" && echo *)"

# 5. exec'd children (new pids) do not clobber the first process's file: a shell running two
#    commands leaves one file per command, each named with that command's pid.
mkdir -p "$TMP/sh"
SCORCH_SELFPROF_OUT="$TMP/sh/f.folded" LD_PRELOAD="$SELFPROF" bash -c \
	"'$WL/cpu_split' 0.3 0 & echo \$! >'$TMP/sh/a'; wait; '$WL/cpu_split' 0.3 0 & echo \$! >'$TMP/sh/b'; wait"
a=$(cat "$TMP/sh/a" 2>/dev/null) b=$(cat "$TMP/sh/b" 2>/dev/null)
check "exec'd children: first command's own file f.$a.folded" has "$TMP/sh/f.$a.folded" '^cpu_split;.*hot_function'
check "exec'd children: second command's own file f.$b.folded" has "$TMP/sh/f.$b.folded" '^cpu_split;.*hot_function'
check "exec'd children: the shell's f.folded has no cpu_split stack" \
	eval "[ -f '$TMP/sh/f.folded' ] && ! grep -q '^cpu_split' '$TMP/sh/f.folded'"

# 6. Missed samples: threads that each burn 0.4 s of CPU time. Whatever the tick allows,
#    samples + missed must be the threads' CPU time (measured by the workload) x the rate,
#    and at a rate above the tick most periods must be reported missed.
cat >"$TMP/miss.c" <<'EOC'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "selfprof/selfprof.h"
static double spent[64];
static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
static void *spin(void *arg)
{
	volatile unsigned long x = 0;
	double t0 = cpu_now();
	while (cpu_now() - t0 < 0.4)
		for (int k = 0; k < 10000; k++)
			x += k;
	spent[(long)arg] = cpu_now() - t0;
	return NULL;
}
int main(int argc, char **argv)
{
	int n = atoi(argv[1]), hz = atoi(argv[2]);
	pthread_t t[64];
	double cpu = 0;
	if (n > 64 || scorch_selfprof_start(hz) != 0)
		return 1;
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, spin, (void *)i);
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		cpu += spent[i];
	}
	scorch_selfprof_stop();
	unsigned long long s, m, d;
	scorch_selfprof_counts(&s, &m, &d);
	printf("%llu %llu %llu %.0f\n", s, m, d, cpu * hz);
	return 0;
}
EOC
if cc -O1 -fno-omit-frame-pointer -pthread -I"$ROOT/src" -o "$TMP/miss" "$TMP/miss.c" -L"$(dirname "$SELFPROF")" \
	-lscorch-selfprof -Wl,-rpath,"$(dirname "$SELFPROF")"; then
	for run in "1 99" "4 999" "8 5000"; do
		read -r s m d want < <("$TMP/miss" $run)
		got=$((${s:-0} + ${m:-0} + ${d:-0}))
		lo=$((${want:-1} * 80 / 100)) hi=$((${want:-1} * 110 / 100))
		[ "${want:-0}" -gt 0 ] && [ "$got" -ge "$lo" ] && [ "$got" -le "$hi" ] &&
			ok "threads x Hz = $run: samples $s + missed $m + dropped $d = $got, CPU time x rate = $want" ||
			fail "threads x Hz = $run: samples + missed + dropped = CPU time x rate" "got $s+$m+$d = $got, want $want (80-110%)"
		case $run in
		"1 99") [ "${m:-1}" -le $((${s:-0} / 20)) ] && ok "at 99 Hz at most 5% missed ($m of $got)" ||
			fail "at 99 Hz at most 5% missed" "$m of $got" ;;
		"8 5000") [ "${m:-0}" -ge $((got / 2)) ] && ok "at 5000 Hz, above the tick, most periods are counted missed ($m of $got)" ||
			fail "at 5000 Hz most periods are counted missed" "$m of $got" ;;
		esac
	done
else
	fail "missed-samples program" "cannot build it against $SELFPROF"
fi
# The LD_PRELOAD mode reports them on stderr with the file.
SCORCH_SELFPROF_OUT="$TMP/fast.folded" SCORCH_SELFPROF_HZ=5000 LD_PRELOAD="$SELFPROF" "$WL/cpu_split" 0.5 0 4 2>"$TMP/fast.err"
check "LD_PRELOAD at 5000 Hz: stderr reports the missed samples with the file" \
	grep -qE "^scorch-selfprof: wrote [0-9]+ samples to $TMP/fast.folded; [0-9]+ missed \(timer overruns" "$TMP/fast.err"
finish
