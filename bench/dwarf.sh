#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --call-graph dwarf: scorch (unwinds live, nothing per sample on disk) against
# perf record --call-graph dwarf + perf script (copies the stack to perf.data, unwinds later),
# both attached to the same workload run at once. Per workload and run: each tool's CPU
# seconds per sample (perf: record + script), bytes per sample (ring-buffer record, and
# perf.data on disk), and stack completeness (share of samples whose stack reaches main or
# the thread's start); then medians over RUNS runs and scorch/perf ratios.
# Targets (issue 9): scorch's CPU <= 1/2 of perf's, completeness >= perf's.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
RUNS=${RUNS:-3}
SECS=${SECS:-5}
HZ=${HZ:-999}
TMP=$(mktemp -d /tmp/scorch-bench-dwarf.XXXXXX)
trap 'kill $wpid 2>/dev/null; rm -rf "$TMP"' EXIT
wpid=
die() { echo "bench/dwarf.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (perf events with kernel frames)"
[ -x "$SCORCH" ] || die "$SCORCH is missing; run: make"
command -v perf >/dev/null || die "perf is not installed (apt-get install linux-perf)"
[ -x /usr/bin/time ] || die "/usr/bin/time is not installed (apt-get install time)"
for b in /usr/bin/sqlite3 /usr/bin/xz /usr/bin/python3; do
	[ -x "$b" ] || die "$b is missing (scripts/install-deps.sh installs it)"
done
cc -O2 -g -fomit-frame-pointer -pthread -o "$TMP/split_nofp" "$ROOT/tests/workloads/cpu_split.c" ||
	die "cannot build the workload"
seq 1 4000000 >"$TMP/seq.txt"
cat >"$TMP/w.py" <<'EOF'
import json
while True:
    d = [{'a': i, 'b': str(i) * 3, 'c': [i, i / 3]} for i in range(2000)]
    json.loads(json.dumps(d))
    sorted(d, key=lambda r: r['b'])
EOF
Q='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<400000000) SELECT sum(x*x%7) FROM c;'

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_of() { awk '{ print $1 + $2 }' "$1"; }
# reach_folded F: percent of scorch's samples reaching main or a thread's start
reach_folded() {
	awk '{ n = $NF; t += n; if ($0 ~ /;(__libc_start_call_main|start_thread|main|_dl_start);/) r += n }
		END { if (!t) print "nan"; else printf "%.1f\n", 100 * r / t }' "$1"
}
# reach_perf F BIN: the same for perf script output; main of a stripped BIN is found from
# _start's first argument and the FDE that begins there (as tests/e2e/t_dwarf.sh does)
reach_perf() {
	local e lo range
	e=$(readelf -h "$2" | awk '/Entry point/ { print $4 }')
	lo=$(objdump -d --start-address="$e" --stop-address=$((e + 48)) "$2" |
		grep -m1 -E '(lea +-?0x[0-9a-f]+\(%rip\)|mov +\$0x[0-9a-f]+),%rdi' |
		sed -E 's/.*# ([0-9a-f]+).*/\1/; s/.*\$0x([0-9a-f]+),%rdi.*/\1/')
	range=$(readelf --debug-dump=frames "$2" 2>/dev/null | grep -m1 -oE "pc=0*$lo\.\.[0-9a-f]+" |
		sed -E 's/pc=0*([0-9a-f]+)\.\.0*([0-9a-f]+)/\1 \2/')
	[ -n "$range" ] || range="0 0"
	awk -f "$ROOT/tests/e2e/perfstacks.awk" "$1" | awk -F';' -v bin="$2" -v lo="${range% *}" -v hi="${range#* }" '
		function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		BEGIN { l = hex(lo); h = hex(hi) }
		{ t++; for (i = 1; i <= NF; i++) { split($i, f, "@"); a = hex(f[3])
			if (f[1] ~ /^(__libc_start_call_main|start_thread|main|_dl_start)$/ ||
			    (f[2] == bin && a >= l && a < h)) { r++; break } } }
		END { if (!t) print "nan"; else printf "%.1f\n", 100 * r / t }'
}

# one NAME BIN CMD...: one run; appends "scorch_cpu_per_sample perf_cpu_per_sample
# scorch_reach perf_reach perf_disk_bytes_per_sample" to $TMP/NAME.runs
one() {
	local name=$1 bin=$2 ppid n_s n_p
	shift 2
	"$@" >/dev/null 2>&1 &
	wpid=$!
	sleep 0.5
	/usr/bin/time -f '%U %S' -o "$TMP/ptime" perf record -q --call-graph dwarf -F "$HZ" -p "$wpid" \
		-o "$TMP/p.data" -- sleep "$SECS" >/dev/null 2>&1 &
	ppid=$!
	/usr/bin/time -f '%U %S' -o "$TMP/stime" "$SCORCH" record --call-graph dwarf -F "$HZ" -p "$wpid" \
		-d "$SECS" -o "$TMP/s.folded" 2>"$TMP/s.err"
	wait "$ppid"
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	wpid=
	/usr/bin/time -f '%U %S' -o "$TMP/sctime" perf script -i "$TMP/p.data" >"$TMP/p.txt" 2>/dev/null
	n_s=$(sed -nE 's/^scorch: ([0-9]+) samples.*/\1/p' "$TMP/s.err")
	n_p=$(grep -cE '^[^ 	].* [0-9]+\.[0-9]+: ' "$TMP/p.txt")
	[ "${n_s:-0}" -gt 0 ] && [ "$n_p" -gt 0 ] || { echo "  (a run with no samples skipped)" >&2; return; }
	awk -v sc="$(cpu_of "$TMP/stime")" -v pr="$(cpu_of "$TMP/ptime")" -v ps="$(cpu_of "$TMP/sctime")" \
		-v ns="$n_s" -v np="$n_p" -v sr="$(reach_folded "$TMP/s.folded")" \
		-v prr="$(reach_perf "$TMP/p.txt" "$bin")" -v disk="$(stat -c %s "$TMP/p.data")" \
		'BEGIN { printf "%.6f %.6f %s %s %.0f %.6f %.6f\n", sc / ns, (pr + ps) / np, sr, prr, disk / np, pr / np, ps / np }' \
		>>"$TMP/$name.runs"
}

col() { awk -v c="$2" '{ print $c }' "$1" | median; }
echo "scorch record --call-graph dwarf (16 KB copies) vs perf record --call-graph dwarf (8 KB) + perf script;"
echo "both attached to the same run for $SECS s at $HZ Hz; medians of $RUNS runs"
printf '%-10s %14s %14s %8s %9s %9s %14s\n' workload "scorch ms/smp" "perf ms/smp" "CPU x" "reach %" "perf %" "perf.data B/smp"
for w in split sqlite3 xz python3; do
	for _ in $(seq "$RUNS"); do
		case $w in
		split) one split "$TMP/split_nofp" "$TMP/split_nofp" 1000 0 1 ;;
		sqlite3) one sqlite3 /usr/bin/sqlite3 /usr/bin/sqlite3 :memory: "$Q" ;;
		xz) one xz "$(readlink -f /usr/bin/xz)" /usr/bin/xz -T1 -9 -c "$TMP/seq.txt" ;;
		python3) one python3 "$(readlink -f /usr/bin/python3)" /usr/bin/python3 "$TMP/w.py" ;;
		esac
	done
	f=$TMP/$w.runs
	[ -s "$f" ] || { printf '%-10s no data\n' "$w"; continue; }
	s=$(col "$f" 1) p=$(col "$f" 2)
	printf '%-10s %14.3f %14.3f %8.2f %9s %9s %14.0f\n' "$w" "$(echo "$s * 1000" | bc -l)" \
		"$(echo "$p * 1000" | bc -l)" "$(echo "$s / $p" | bc -l)" "$(col "$f" 3)" "$(col "$f" 4)" "$(col "$f" 5)"
	printf '%-10s perf record %.3f + perf script %.3f ms/sample\n' "" \
		"$(echo "$(col "$f" 6) * 1000" | bc -l)" "$(echo "$(col "$f" 7) * 1000" | bc -l)"
done
echo "CPU x: scorch's CPU per sample / perf's (target <= 0.5). Ring-buffer bytes per sample are"
echo "the copy size plus ~250 B of header and registers for both; scorch writes 0 B per sample to disk."
