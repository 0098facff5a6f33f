#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch record vs perf record -g + perf script + scorch collapse + scorch flamegraph:
# workload slowdown, profiler CPU, workload end -> finished SVG; medians of RUNS runs.
# SCORCH_BENCH_LONG=1 adds the peak RSS of a 60 s system-wide record (takes 2+ minutes).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
RUNS=${RUNS:-5}
HZ=${HZ:-999}
ROUNDS=${ROUNDS:-4000}
THREADS=${THREADS:-1}
WL=$ROOT/build/workloads
TMP=$(mktemp -d /tmp/scorch-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

die() { echo "bench/record.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (perf_event_open with kernel stacks); run: sudo $0"
[ -x "$SCORCH" ] || die "$SCORCH is missing; run: make"
command -v perf >/dev/null || die "perf is not installed (apt-get install linux-perf)"
[ -x /usr/bin/time ] || die "/usr/bin/time is not installed (apt-get install time)"
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	die "cannot build the workload"
W=("$WL/cpu_split" --rounds "$ROUNDS" "$THREADS")

now() { date +%s.%N; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2" | tail -1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# cpu_of TIMEFILE: user+sys seconds from /usr/bin/time -f '%U %S'
cpu_of() { awk 'END { print $1 + $2 }' "$1"; }

for i in $(seq "$RUNS"); do
	# bare
	"${W[@]}" 2>"$TMP/bare.err"
	field elapsed "$TMP/bare.err" >>"$TMP/bare.wall"

	# scorch record straight to SVG
	/usr/bin/time -o "$TMP/sc.time" -f '%U %S' "$SCORCH" record -q -F "$HZ" -o "$TMP/sc.svg" -- "${W[@]}" 2>"$TMP/sc.err"
	t_done=$(now)
	field elapsed "$TMP/sc.err" >>"$TMP/sc.wall"
	awk -v t="$(cpu_of "$TMP/sc.time")" -v w="$(field cpu "$TMP/sc.err")" 'BEGIN { print t - w }' >>"$TMP/sc.cpu"
	awk -v a="$t_done" -v b="$(field end "$TMP/sc.err")" 'BEGIN { print a - b }' >>"$TMP/sc.svgt"

	# perf record -g, then perf script | scorch collapse | scorch flamegraph
	/usr/bin/time -o "$TMP/pr.time" -f '%U %S' perf record -q -F "$HZ" -g -o "$TMP/perf.data" -- "${W[@]}" 2>"$TMP/pr.err"
	/usr/bin/time -o "$TMP/pp.time" -f '%U %S' sh -c "perf script -i '$TMP/perf.data' 2>/dev/null | '$SCORCH' collapse | '$SCORCH' flamegraph > '$TMP/perf.svg'"
	t_done=$(now)
	field elapsed "$TMP/pr.err" >>"$TMP/pr.wall"
	awk -v r="$(cpu_of "$TMP/pr.time")" -v p="$(cpu_of "$TMP/pp.time")" -v w="$(field cpu "$TMP/pr.err")" \
		'BEGIN { print r - w + p }' >>"$TMP/pr.cpu"
	awk -v a="$t_done" -v b="$(field end "$TMP/pr.err")" 'BEGIN { print a - b }' >>"$TMP/pr.svgt"
	grep -q '<svg' "$TMP/sc.svg" || die "scorch wrote no SVG"
	grep -q '<svg' "$TMP/perf.svg" || die "the perf pipeline wrote no SVG"
done

bare=$(median <"$TMP/bare.wall")
for k in sc pr; do
	eval "${k}_wall=\$(median <\"\$TMP/$k.wall\")"
	eval "${k}_cpu=\$(median <\"\$TMP/$k.cpu\")"
	eval "${k}_svgt=\$(median <\"\$TMP/$k.svgt\")"
done
echo "scorch record vs perf record -g + perf script + scorch collapse + scorch flamegraph"
echo "workload: cpu_split --rounds $ROUNDS, $THREADS thread(s), $HZ Hz, median of $RUNS runs"
awk -v bare="$bare" -v sw="$sc_wall" -v pw="$pr_wall" -v sc="$sc_cpu" -v pc="$pr_cpu" \
	-v ss="$sc_svgt" -v ps="$pr_svgt" 'BEGIN {
	printf "%-34s %10s %10s %10s %12s\n", "", "bare", "scorch", "perf", "scorch/perf"
	printf "%-34s %10.3f %10.3f %10.3f %12.2f\n", "workload wall time (s)", bare, sw, pw, sw / pw
	printf "%-34s %10s %9.1f%% %9.1f%% %12.2f\n", "workload slowdown", "-", 100 * (sw / bare - 1), 100 * (pw / bare - 1), (sw / bare) / (pw / bare)
	printf "%-34s %10s %10.3f %10.3f %12.2f\n", "profiler CPU incl. post-proc (s)", "-", sc, pc, (pc > 0 ? sc / pc : 0)
	printf "%-34s %10s %10.3f %10.3f %12.2f\n", "workload end -> finished SVG (s)", "-", ss, ps, (ps > 0 ? ss / ps : 0)
}'

if [ "${SCORCH_BENCH_LONG:-0}" = 1 ]; then
	/usr/bin/time -o "$TMP/rss.sc" -f '%M' "$SCORCH" record -q -a -F "$HZ" -d 60 -o "$TMP/sys.svg"
	/usr/bin/time -o "$TMP/rss.pr" -f '%M' perf record -q -a -g -F "$HZ" -o "$TMP/sys.data" -- sleep 60
	/usr/bin/time -o "$TMP/rss.pp" -f '%M' sh -c "perf script -i '$TMP/sys.data' 2>/dev/null >'$TMP/sys.txt'"
	awk -v s="$(tail -1 "$TMP/rss.sc")" -v r="$(tail -1 "$TMP/rss.pr")" -v p="$(tail -1 "$TMP/rss.pp")" 'BEGIN {
		m = r > p ? r : p
		printf "%-34s %10s %10.1f %10.1f %12.2f\n", "peak RSS, 60 s system-wide (MiB)", "-", s / 1024, m / 1024, s / m
		printf "  (perf: max of perf record %.1f MiB and perf script %.1f MiB)\n", r / 1024, p / 1024 }'
else
	echo "peak RSS of a 60 s system-wide record: skipped (set SCORCH_BENCH_LONG=1)"
fi
