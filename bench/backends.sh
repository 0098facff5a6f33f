#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# System-wide sampling cost: scorch --backend bpf, scorch --backend perf and
# perf record -g + perf script, at 99 and 999 Hz, while a CPU-bound workload runs on every CPU.
# scorch's default --call-graph auto walks binaries without frame pointers (the workload is
# one, built -O2) by DWARF, which perf record -g does not: the "bpf fp" row, --call-graph fp,
# is the like-for-like comparison with perf record -g. Ratios (issue 8's targets: bpf <= 1/2
# of the perf backend, <= 1/10 of perf record -g + perf script) are printed at the end.
# Prints the profiler's CPU seconds (user+sys, medians of RUNS runs), the workload's slowdown
# against a run without a profiler, and the bytes each moved to user space per second
# (perf record: the perf.data size; scorch: what `record -v` counts it read from the kernel:
# ring-buffer records, BPF map entries and stacks).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
RUNS=${RUNS:-3}
SECS=${SECS:-5}
HZS=${HZS:-99 999} # the sampling rates to measure
TMP=$(mktemp -d /tmp/scorch-bench-backends.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
die() { echo "bench/backends.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF, system-wide perf events)"
[ -x "$SCORCH" ] || die "$SCORCH is missing; run: make"
make -s -C "$ROOT" build/bench/cputime >/dev/null || die "cannot build build/bench/cputime"
cputime() { "$ROOT/build/bench/cputime" "$@"; } # CPU seconds to the microsecond (wait4's rusage)
command -v perf >/dev/null || die "perf is not installed (apt-get install linux-perf)"
cc -O2 -o "$TMP/spin" -x c - <<'EOF' || die "cannot build the workload"
#include <stdlib.h>
int main(int c, char **v) { volatile unsigned long x = 0; long n = atol(v[1]);
	for (long i = 0; i < n; i++) x += i * i; return (int)(x & 1); }
EOF
NCPU=$(nproc)
# iterations per spinner: by default as many as take SECS alone (calibrated here), so the
# workload runs for the whole recording
if [ -z "${N:-}" ]; then
	t0=$(date +%s.%N)
	"$TMP/spin" 100000000
	t1=$(date +%s.%N)
	N=$(echo "100000000 * $SECS / ($t1 - $t0)" | bc)
fi
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_of() { awk '{ print $1 + $2 }' "$1"; }
# workload: NCPU spinners; prints wall seconds
workload() {
	local t0 t1
	t0=$(date +%s.%N)
	for _ in $(seq "$NCPU"); do "$TMP/spin" "$N" & done
	wait
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
base=$(for _ in $(seq "$RUNS"); do workload; done | median)
printf 'workload alone: %.2f s (%d spinners)\n' "$base" "$NCPU"
printf '%-22s %6s %12s %10s %12s\n' profiler Hz "CPU s" slowdown "bytes/s"
# The tools take turns run by run, so that a slow spell of the machine falls on all of them.
TOOLS="bpf bpf-fp perf perf-record"
for hz in $HZS; do
	for tool in $TOOLS; do
		: >"$TMP/cpus.$tool" && : >"$TMP/walls.$tool" && : >"$TMP/bytes.$tool"
	done
	for _ in $(seq "$RUNS"); do
		for tool in $TOOLS; do
			case $tool in
			bpf | perf)
				cputime "$TMP/time" "$SCORCH" record -v --backend "$tool" -a -F "$hz" \
					-d "$SECS" -o "$TMP/out.folded" 2>"$TMP/err" &
				;;
			bpf-fp)
				cputime "$TMP/time" "$SCORCH" record -v --backend bpf --call-graph fp \
					-a -F "$hz" -d "$SECS" -o "$TMP/out.folded" 2>"$TMP/err" &
				;;
			perf-record)
				(cputime "$TMP/time.rec" perf record -q -a -g -F "$hz" -o "$TMP/perf.data" \
					-- sleep "$SECS" 2>/dev/null &&
					cputime "$TMP/time.scr" perf script -i "$TMP/perf.data" >"$TMP/perf.txt" 2>/dev/null &&
					awk -v a="$(cpu_of "$TMP/time.rec")" -v b="$(cpu_of "$TMP/time.scr")" 'BEGIN { print a + b, 0 }' >"$TMP/time") &
				;;
			esac
			p=$!
			sleep 0.5
			(workload) >>"$TMP/walls.$tool" # a subshell: its wait is for its spinners only
			wait $p
			cpu_of "$TMP/time" >>"$TMP/cpus.$tool"
			if [ "$tool" = perf-record ]; then
				echo "$(($(stat -c %s "$TMP/perf.data") / SECS))" >>"$TMP/bytes.$tool"
			else
				sed -n 's/.*bytes read from the kernel (\([0-9]*\) a second).*/\1/p' "$TMP/err" |
					grep . >>"$TMP/bytes.$tool" || die "$tool: no byte count in: $(tail -c 300 "$TMP/err")"
			fi
		done
	done
	for tool in $TOOLS; do
		c=$(median <"$TMP/cpus.$tool")
		w=$(median <"$TMP/walls.$tool")
		b=$(median <"$TMP/bytes.$tool")
		printf '%-22s %6s %12.4f %9.1f%% %12s\n' "$tool" "$hz" "$c" "$(echo "($w / $base - 1) * 100" | bc -l)" \
			"$([ "$b" = 0 ] && echo - || echo "$b")"
		eval "cpu_${tool//-/_}_$hz=$c"
	done
done
for hz in $HZS; do
	eval "a=\$cpu_bpf_$hz f=\$cpu_bpf_fp_$hz p=\$cpu_perf_$hz r=\$cpu_perf_record_$hz"
	awk -v hz="$hz" -v a="$a" -v f="$f" -v p="$p" -v r="$r" 'BEGIN {
		printf "%4d Hz: bpf / perf backend %.2f (target <= 0.5); bpf fp / perf record+script %.3f = 1/%.1f (target <= 1/10); bpf / perf record+script %.2f\n",
			hz, (p > 0 ? a / p : 0), (r > 0 ? f / r : 0), (f > 0 ? r / f : 0), (r > 0 ? a / r : 0) }'
done
# Start-up: the same scorch recordings cut to 0.5 s, the spinners running. A short recording
# is mostly start-up (the BPF verifier, map creation, reading every process's maps); the CPU
# per second after it is what a long or continuous recording costs.
startup() { # startup BACKEND HZ: median CPU seconds of a 0.5 s recording
	local pids
	for _ in $(seq "$RUNS"); do
		pids=()
		for _ in $(seq "$NCPU"); do "$TMP/spin" "$N" & pids+=($!); done
		sleep 0.3
		cputime "$TMP/time" "$SCORCH" record -q --backend "$1" -a -F "$2" -d 0.5 -o "$TMP/out.folded"
		kill "${pids[@]}" 2>/dev/null
		wait "${pids[@]}" 2>/dev/null
		cpu_of "$TMP/time"
	done | median
}
for hz in $HZS; do
	sb=$(startup bpf "$hz") sp=$(startup perf "$hz")
	eval "a=\$cpu_bpf_$hz p=\$cpu_perf_$hz"
	awk -v hz="$hz" -v a="$a" -v p="$p" -v sb="$sb" -v sp="$sp" -v secs="$SECS" 'BEGIN {
		rb = (a - sb) / (secs - 0.5); rp = (p - sp) / (secs - 0.5)
		printf "%4d Hz after start-up: bpf %.2f ms/s, perf backend %.2f ms/s: bpf / perf %.2f (start-up, a 0.5 s recording: bpf %.1f ms, perf %.1f ms)\n",
			hz, rb * 1000, rp * 1000, (rp > 0 ? rb / rp : 0), sb * 1000, sp * 1000 }'
done
