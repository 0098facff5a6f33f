#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Off-CPU mode overhead: a two-thread pipe ping-pong with and without the off-CPU BPF
# programs, then RSS and map memory over time. Two cases: the two threads on both CPUs, as
# fast as they go (each wake-up crosses CPUs: 50-150k switches/s on this VM), and the issue's
# case, both pinned to one CPU and held to about 100k switches/s by WORK_NS of computing per
# round trip (unhindered, one CPU does 1.1M switches/s here).
#   RUNS=5 ROUNDS=100000 MEM_SECONDS=20 bench/offcpu.sh      (MEM_SECONDS=600 for 10 minutes)
#   WORK_NS=17000 RATE_ROUNDS=50000: the fixed-rate case (about 1 s a run)
# Prints medians of interleaved runs: wall time and the workload's CPU time (user + system;
# the BPF programs run in its context at each switch, so their cost lands there). Needs root.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5} ROUNDS=${ROUNDS:-100000} MEM_SECONDS=${MEM_SECONDS:-20}
WORK_NS=${WORK_NS:-17000} RATE_ROUNDS=${RATE_ROUNDS:-50000} NCPU=$(nproc)
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 0; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "skipped: no /sys/kernel/btf/vmlinux"; exit 0; }
make -C "$ROOT" -s build/obj/src/source/bpf_offcpu.o build/obj/src/source/bpf_btf.o build/obj/src/source/bpf_log.o >/dev/null
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cc -O2 -pthread -o "$TMP/pingpong" "$ROOT/tests/workloads/offcpu_pingpong.c"
cc -O2 -Wall -Wextra -Werror -I"$ROOT/src" -I"$ROOT/build/gen" -o "$TMP/attach" \
	"$ROOT/bench/offcpu_attach.c" "$ROOT/build/obj/src/source/bpf_offcpu.o" "$ROOT/build/obj/src/source/bpf_btf.o" "$ROOT/build/obj/src/source/bpf_log.o" \
	"$ROOT/build/obj/src/source/image_order.o" "$ROOT/build/obj/src/util/hashmap.o" "$ROOT/build/obj/src/util/util.o" -lbpf

declare -A WALL CPU RATE
modes=(none offcpu offcpu-exact offcpu-user full offcpu-all)
# run_mode MODE CMD...: the workload CMD under the programs of MODE
run_mode() {
	local m=$1
	shift
	case $m in
	none) "$@" ;;
	offcpu) "$TMP/attach" -- "$@" 2>/dev/null ;;
	offcpu-exact) "$TMP/attach" --kstack-every 1 -- "$@" 2>/dev/null ;;
	offcpu-user) "$TMP/attach" --user -- "$@" 2>/dev/null ;;
	full) "$TMP/attach" --full -- "$@" 2>/dev/null ;;
	offcpu-all) "$TMP/attach" --all -- "$@" 2>/dev/null ;;
	esac
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# one_case TITLE CMD...: every mode, RUNS interleaved runs, medians against none
one_case() {
	local title=$1 i m
	shift
	WALL=() CPU=() RATE=()
	for ((i = 0; i < RUNS; i++)); do
		for m in "${modes[@]}"; do
			read -r wall rate cpu < <(run_mode "$m" "$@")
			WALL[$m]+="$wall " CPU[$m]+="$cpu " RATE[$m]+="$rate "
		done
	done
	echo "$title"
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; $RUNS interleaved runs"
	bw=$(echo "${WALL[none]}" | median) bc=$(echo "${CPU[none]}" | median)
	printf '%-11s %10s %10s %12s %10s %10s\n' mode wall_ms vs_none cpu_ms vs_none switch/s
	for m in "${modes[@]}"; do
		w=$(echo "${WALL[$m]}" | median) c=$(echo "${CPU[$m]}" | median) r=$(echo "${RATE[$m]}" | median)
		awk -v m="$m" -v w="$w" -v c="$c" -v r="$r" -v bw="$bw" -v bc="$bc" 'BEGIN {
			printf "%-11s %10.0f %+9.1f%% %12.0f %+9.1f%% %10.0f\n", m, w / 1e6, 100 * (w / bw - 1), c / 1e6,
				100 * (c / bc - 1), r }'
	done
	echo
}
one_case "both CPUs, as fast as it goes: $ROUNDS round trips" "$TMP/pingpong" "$ROUNDS"
one_case "one CPU (taskset -c 0), ${WORK_NS} ns of computing per round trip: $RATE_ROUNDS round trips" \
	taskset -c 0 "$TMP/pingpong" "$RATE_ROUNDS" "$WORK_NS"
# the same rate spread over the machine: one ping-pong pinned to each CPU at once, each with
# more computing per round trip (the rate divided by the CPUs); wall of the slowest,
# switches/s and CPU summed
cat >"$TMP/pair" <<EOF
#!/usr/bin/env bash
n=\$(nproc); d=\$(mktemp -d)
for ((c = 0; c < n; c++)); do taskset -c \$c "$TMP/pingpong" "\$1" "\$2" >"\$d/\$c" & done
wait
cat "\$d"/* | awk '{ w = \$1 > w ? \$1 : w; r += \$2; c += \$3 } END { printf "%.0f %.0f %.0f\\n", w, r, c }'
rm -rf "\$d"
EOF
chmod +x "$TMP/pair"
WORK2=$(((WORK_NS + 1800) * NCPU - 1800))
one_case "every CPU, one ping-pong pinned to each, ${WORK2} ns of computing per round trip: $RATE_ROUNDS round trips each" \
	"$TMP/pair" "$RATE_ROUNDS" "$WORK2"
echo "modes: offcpu = blocked time of the ping-pong's process (record --off-cpu: a kernel stack"
echo "walked anew at least every 8 blocks at one site); offcpu-exact = walked at every block"
echo "(--kstack-every 1); offcpu-user = the same with user"
echo "stacks only (record --off-cpu --user-only); full = + wakers, runnable time,"
echo "thread-state spans; offcpu-all = blocked time of every task on the machine."

echo
echo "cost per call of each program (kernel.bpf_stats_enabled), system-wide, ping-pong looping:"
stats0=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
sysctl -qw kernel.bpf_stats_enabled=1
( while :; do "$TMP/pingpong" "$ROUNDS" >/dev/null; done ) &
loop=$!
printf '%-24s %-14s %8s %10s\n' stacks program ns/call calls
for m in "user+kernel:" "user+kernel, every 1:--kstack-every 1" "user-only:--user" "kernel-only:--kernel" "full (+wakers, spans):--full"; do
	"$TMP/attach" ${m#*:} --all -d 3 2>/dev/null &
	att=$!
	sleep 2.5
	bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
label = sys.argv[1]
for p in json.load(sys.stdin):
    if p.get("name") in ("on_switch", "on_waking") and p.get("run_cnt"):
        print("%-24s %-14s %8.0f %10d" % (label, p["name"], p["run_time_ns"] / p["run_cnt"], p["run_cnt"]))
' "${m%%:*}"
	wait "$att" 2>/dev/null || true
done
kill "$loop" 2>/dev/null; wait "$loop" 2>/dev/null || true
sysctl -qw kernel.bpf_stats_enabled="$stats0"
echo "(user stacks: frame pointers, bpf_get_stackid; kernel stacks: the kernel's ORC unwinder)"

echo
echo "memory over ${MEM_SECONDS}s, system-wide --full, ping-pong running in a loop:"
( while :; do "$TMP/pingpong" "$ROUNDS" >/dev/null; done ) &
loop=$!
"$TMP/attach" --full --all -d "$MEM_SECONDS" 2>"$TMP/mem.log" || true
kill "$loop" 2>/dev/null; wait "$loop" 2>/dev/null || true
awk 'BEGIN { printf "%6s %10s %10s %8s %10s %12s %6s\n", "sec", "rss_kib", "maps_kib", "tasks", "samples", "spans", "lost" }
     { printf "%6s %10s %10s %8s %10s %12s %6s\n", $2, $3, $4, $5, $6, $7, $8 }' "$TMP/mem.log" |
	awk -v n="$MEM_SECONDS" 'NR == 1 || NR <= 4 || $1 % 10 == 0 || /done/ || NR > n' | uniq
