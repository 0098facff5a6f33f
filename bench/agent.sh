#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The push agent's cost: `scorch record -a -F 99 --push URL --every 10` against a loopback
# stand-in for Pyroscope (tests/e2e/pyroscope_stub.py) for DURATION seconds (default 600).
# CPU is scorch's own utime+stime from /proc/PID/stat (all its threads) over the wall time, in
# percent of one CPU; RSS is sampled from /proc/PID/status every INTERVAL seconds (default 10)
# and the maximum kept. Targets (issue 11): <= 1 % of one CPU and <= 64 MB RSS.
# LOAD=1 runs bench/load.sh's mixed load (CPU, a fork storm, file I/O) beside the agent, so that
# it has a busy host's processes to sample and name.
# Usage: bench/agent.sh [extra record options]   (root; DURATION, INTERVAL, AGENT_OUT, LOAD)
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
SCORCH=${SCORCH:-$ROOT/build/scorch}
DUR=${DURATION:-600}
IV=${INTERVAL:-10}
OUT=${AGENT_OUT:-$(mktemp -d /tmp/scorch-agent.XXXXXX)}
mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || { echo "agent: needs root (record -a)" >&2; exit 2; }
[ -x "$SCORCH" ] || { echo "agent: $SCORCH is missing; run make" >&2; exit 2; }
command -v python3 >/dev/null || { echo "agent: needs python3 for the loopback server" >&2; exit 2; }

srv= rec= load=
cleanup() {
	[ -n "$rec" ] && kill "$rec" 2>/dev/null && wait "$rec" 2>/dev/null
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	[ -n "$load" ] && kill "$load" 2>/dev/null && wait "$load" 2>/dev/null
}
trap cleanup EXIT
rm -f "$OUT/port" "$OUT/ingest.log"
python3 "$ROOT/tests/e2e/pyroscope_stub.py" "$OUT/port" "$OUT/ingest.log" &
srv=$!
for _ in $(seq 100); do [ -s "$OUT/port" ] && break; sleep 0.05; done
[ -s "$OUT/port" ] || { echo "agent: the loopback server did not start" >&2; exit 1; }

"$SCORCH" record -a -F 99 --push "http://127.0.0.1:$(cat "$OUT/port")" --every 10 \
	--push-queue "$OUT/queue" "$@" 2>"$OUT/record.err" &
rec=$!
if [ "${LOAD:-0}" = 1 ]; then
	bench/load.sh "$OUT/load" &
	load=$!
fi
hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$rec/stat" 2>/dev/null; }
sleep 1
kill -0 $rec 2>/dev/null || { echo "agent: record did not start: $(cat "$OUT/record.err")" >&2; exit 1; }
load0=$(cut -d' ' -f1 /proc/loadavg)
t0=$(date +%s.%N) c0=$(ticks) max=0
echo "t_s rss_kB cpu_ticks" >"$OUT/curve.txt"
while :; do
	now=$(date +%s.%N)
	el=$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%d", b - a }')
	[ "$el" -ge "$DUR" ] && break
	sleep "$(awk -v e="$el" -v d="$DUR" -v i="$IV" 'BEGIN { r = d - e; print (r < i ? r : i) }')"
	kill -0 $rec 2>/dev/null || { echo "agent: record died: $(tail -3 "$OUT/record.err")" >&2; exit 1; }
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$rec/status")
	[ "$rss" -gt "$max" ] && max=$rss
	echo "$el $rss $(ticks)" >>"$OUT/curve.txt"
done
t1=$(date +%s.%N) c1=$(ticks)
load1=$(cut -d' ' -f1 /proc/loadavg)
kill -INT $rec
wait $rec
rec=
sleep 0.5
n=$(grep -c '"status": 200' "$OUT/ingest.log" 2>/dev/null)
awk -v c0="$c0" -v c1="$c1" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v max="$max" -v n="${n:-0}" \
	-v l0="$load0" -v l1="$load1" -v out="$OUT" -v beside="$([ "${LOAD:-0}" = 1 ] && echo " beside bench/load.sh")" 'BEGIN {
	cpu = 100 * (c1 - c0) / hz / (t1 - t0)
	printf "agent: %.0f s, CPU %.2f %% of one CPU (%.2f s utime+stime), RSS max %.1f MB, " \
	       "%d pushes accepted, load average %s -> %s%s (curve in %s/curve.txt)\n",
	       t1 - t0, cpu, (c1 - c0) / hz, max / 1024, n, l0, l1, beside, out
	printf "agent: targets <= 1 %% CPU: %s, <= 64 MB RSS: %s\n",
	       cpu <= 1 ? "met" : "MISSED", max <= 65536 ? "met" : "MISSED"
}'
