#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch collapse / flamegraph / diff against the perl FlameGraph scripts, same inputs, runs
# alternating, medians of wall time and the ratio. The perl scripts are found through
# FLAMEGRAPH_DIR (a checkout of the FlameGraph repository); without it scorch is timed alone.
#   RUNS=5  runs per tool (the perl flamegraph.pl run is the slow one: PERL_FG_RUNS=3)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
SHARED=${SHARED:-$ROOT/../shared}
RUNS=${RUNS:-5}
PERL_FG_RUNS=${PERL_FG_RUNS:-3}
OUT=$ROOT/build/bench
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/scorch-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

[ -x "$SCORCH" ] || { echo "bench: $SCORCH is missing; run: make" >&2; exit 1; }
FG=${FLAMEGRAPH_DIR:-}
if [ -n "$FG" ] && [ -f "$FG/stackcollapse-perf.pl" ] && [ -f "$FG/flamegraph.pl" ]; then
	echo "reference: perl scripts in $FG"
else
	echo "reference: FLAMEGRAPH_DIR is not set (or has no stackcollapse-perf.pl): timing scorch alone"
	FG=
fi

# inputs: the corpus capture concatenated to >= 30 MB; 200,000 distinct folded stacks
if [ ! -s "$OUT/perf-30mb.txt" ]; then
	zcat "$SHARED/corpus/bench/example-perf-stacks.txt.gz" >"$TMP/one.txt"
	for _ in $(seq 10); do cat "$TMP/one.txt"; done >"$OUT/perf-30mb.txt"
fi
[ -s "$OUT/200k.folded" ] || python3 "$ROOT/bench/gen_folded.py" 200000 >"$OUT/200k.folded"
[ -s "$OUT/200k-sorted.folded" ] || LC_ALL=C sort "$OUT/200k.folded" >"$OUT/200k-sorted.folded"
if [ ! -s "$OUT/200k-after.folded" ]; then
	# the "after" profile: same stacks, counts shifted, a tenth of them gone
	awk 'NR % 10 != 3 { n = $NF; $NF = ""; sub(/ $/, ""); print $0, (NR % 7 == 0 ? n * 3 : n) }' \
		"$OUT/200k.folded" >"$OUT/200k-after.folded"
fi
printf 'inputs: %s (%s MB), %s (%s lines, %s MB)\n' perf-30mb.txt \
	"$(($(stat -c %s "$OUT/perf-30mb.txt") / 1000000))" 200k.folded \
	"$(wc -l <"$OUT/200k.folded")" "$(($(stat -c %s "$OUT/200k.folded") / 1000000))"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# timed NAME OUTFILE CMD...: appends "wall maxrss_kb" to $TMP/NAME
timed() {
	local name=$1 out=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$TMP/t" "$@" >"$out" 2>/dev/null
	cat "$TMP/t" >>"$TMP/$name"
}
report() {
	local what=$1 a=$2 b=$3 size=$4
	local ta tb ma
	ta=$(awk '{print $1}' "$TMP/$a" | median)
	ma=$(awk '{print $2}' "$TMP/$a" | sort -n | tail -1)
	if [ -s "$TMP/$b" ]; then
		tb=$(awk '{print $1}' "$TMP/$b" | median)
		printf '%-11s scorch %7.3f s   perl %8.2f s   ratio %6.1fx   scorch peak RSS %d MB (%.2fx input)\n' \
			"$what" "$ta" "$tb" "$(echo "$tb $ta" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')" \
			"$((ma / 1024))" "$(echo "$ma $size" | awk '{ print $1 * 1024 / $2 }')"
	else
		printf '%-11s scorch %7.3f s   peak RSS %d MB (%.2fx input)\n' "$what" "$ta" "$((ma / 1024))" \
			"$(echo "$ma $size" | awk '{ print $1 * 1024 / $2 }')"
	fi
}

# 1. collapse --all on the 30 MB capture
for i in $(seq "$RUNS"); do
	timed sc_collapse "$TMP/s.folded" "$SCORCH" collapse --all "$OUT/perf-30mb.txt"
	[ -n "$FG" ] && timed pl_collapse "$TMP/p.folded" perl "$FG/stackcollapse-perf.pl" --all "$OUT/perf-30mb.txt"
done
[ -n "$FG" ] && { cmp -s "$TMP/s.folded" "$TMP/p.folded" && echo "collapse: output identical to stackcollapse-perf.pl" || echo "collapse: OUTPUT DIFFERS"; }
report collapse sc_collapse pl_collapse "$(stat -c %s "$OUT/perf-30mb.txt")"

# 2. flamegraph on 200,000 distinct stacks
for i in $(seq "$RUNS"); do
	timed sc_fg "$TMP/s.svg" "$SCORCH" flamegraph "$OUT/200k.folded"
	[ -n "$FG" ] && [ "$i" -le "$PERL_FG_RUNS" ] && timed pl_fg "$TMP/p.svg" perl "$FG/flamegraph.pl" "$OUT/200k.folded"
done
report flamegraph sc_fg pl_fg "$(stat -c %s "$OUT/200k.folded")"
if [ -n "$FG" ]; then
	printf 'SVG size: scorch %d bytes, flamegraph.pl %d bytes (%.2fx)\n' "$(stat -c %s "$TMP/s.svg")" \
		"$(stat -c %s "$TMP/p.svg")" "$(echo "$(stat -c %s "$TMP/s.svg") $(stat -c %s "$TMP/p.svg")" | awk '{print $1 / $2}')"
	python3 "$ROOT/tests/svgframes.py" "$TMP/s.svg" >"$TMP/s.frames"
	python3 "$ROOT/tests/svgframes.py" "$TMP/p.svg" | sed 's/<text[^>]*>//' >"$TMP/p.frames"
	cmp -s <(sort "$TMP/s.frames") <(sort "$TMP/p.frames") && echo "flamegraph: every frame identical (title, x, y, width, fill, label)" ||
		echo "flamegraph: FRAMES DIFFER"
else
	printf 'SVG size: scorch %d bytes\n' "$(stat -c %s "$TMP/s.svg")"
fi

# 2b. the same stacks sorted, as stackcollapse and scorch collapse write them
for i in $(seq "$RUNS"); do
	timed sc_fgs "$TMP/ss.svg" "$SCORCH" flamegraph "$OUT/200k-sorted.folded"
	[ -n "$FG" ] && [ "$i" -le "$PERL_FG_RUNS" ] && timed pl_fgs "$TMP/ps.svg" perl "$FG/flamegraph.pl" "$OUT/200k-sorted.folded"
done
report "fg sorted" sc_fgs pl_fgs "$(stat -c %s "$OUT/200k-sorted.folded")"

# 3. diff: difffolded.pl (| flamegraph.pl) vs scorch diff
for i in $(seq "$RUNS"); do
	timed sc_diff "$TMP/sd.txt" "$SCORCH" diff --folded "$OUT/200k.folded" "$OUT/200k-after.folded"
	[ -n "$FG" ] && timed pl_diff "$TMP/pd.txt" perl "$FG/difffolded.pl" "$OUT/200k.folded" "$OUT/200k-after.folded"
done
[ -n "$FG" ] && { cmp -s <(sort "$TMP/sd.txt") <(sort "$TMP/pd.txt") && echo "diff: same lines as difffolded.pl" || echo "diff: OUTPUT DIFFERS"; }
report "diff" sc_diff pl_diff "$(stat -c %s "$OUT/200k.folded")"
[ -s "$OUT/200k-after-sorted.folded" ] || LC_ALL=C sort "$OUT/200k-after.folded" >"$OUT/200k-after-sorted.folded"
for i in $(seq "$RUNS"); do
	timed sc_diffs "$TMP/sd.txt" "$SCORCH" diff --folded "$OUT/200k-sorted.folded" "$OUT/200k-after-sorted.folded"
	[ -n "$FG" ] && timed pl_diffs "$TMP/pd.txt" perl "$FG/difffolded.pl" "$OUT/200k-sorted.folded" "$OUT/200k-after-sorted.folded"
done
report "diff sorted" sc_diffs pl_diffs "$(stat -c %s "$OUT/200k-sorted.folded")"
