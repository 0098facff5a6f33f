#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch collapse on perf 6.1 output captured on Debian 12 plus synthetic edge cases
# (JIT maps, [unknown] frames, inlined -> frames, comm names with spaces, PID/TID forms,
# kernel modules, a last sample without a blank line). The .expected files are the output
# of stackcollapse-perf.pl for the same input and option.
source "$(dirname "$0")/../lib.sh"
FIX=$ROOT/tests/e2e/fixtures
for exp in "$FIX"/*.expected; do
	base=$(basename "$exp" .expected)
	input=${base%.*}
	opts=${base##*.}
	args=()
	IFS=- read -ra parts <<<"$opts"
	for o in "${parts[@]}"; do args+=("--$o"); done
	"$SCORCH" collapse "${args[@]}" "$FIX/$input.txt" >"$TMP/out" 2>"$TMP/err"
	if cmp -s "$exp" "$TMP/out"; then ok "collapse ${args[*]} $input"; else fail "collapse ${args[*]} $input" "$(diff "$exp" "$TMP/out" | head -6 | tr '\n' '|')"; fi
done

# stdin and -o, against stackcollapse-perf.pl's output for the same input
if ! have_perl_tools; then
	skip_all "collapse vs stackcollapse-perf.pl" "perl tools not found in $FLAMEGRAPH_DIR"
fi
pl_collapse "$FIX/perf6.txt" >"$TMP/pl.folded" 2>/dev/null
"$SCORCH" collapse <"$FIX/perf6.txt" >"$TMP/stdin.out"
same_file "reads stdin" "$TMP/pl.folded" "$TMP/stdin.out"
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/x.folded"
same_file "-o FILE.folded" "$TMP/pl.folded" "$TMP/x.folded"
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/x.svg"
perl "$FLAMEGRAPH_DIR/flamegraph.pl" "$TMP/pl.folded" >"$TMP/pl.svg" 2>/dev/null
python3 "$ROOT/tests/svgframes.py" "$TMP/pl.svg" >"$TMP/pl.frames"
python3 "$ROOT/tests/svgframes.py" "$TMP/x.svg" >"$TMP/x.frames" 2>&1
same_file "-o FILE.svg: flamegraph.pl's frames" "$TMP/pl.frames" "$TMP/x.frames"
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/x.COLLAPSED"
same_file "-o FILE.collapsed (any case) writes folded text" "$TMP/pl.folded" "$TMP/x.COLLAPSED"
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/y.SVG"
python3 "$ROOT/tests/svgframes.py" "$TMP/y.SVG" >"$TMP/y.frames" 2>&1
same_file "-o FILE.SVG: flamegraph.pl's frames" "$TMP/pl.frames" "$TMP/y.frames"
expect_exit "an unknown ending lists the known ones" 2 "use a file name ending in .folded, .txt, .collapsed, .svg" "$SCORCH" collapse -o "$TMP/x.png" "$FIX/perf6.txt"

# --event-filter: output and stderr as stackcollapse-perf.pl's; no sample of the event is an error
printf 'ab 1 1.0: 5 cycles:\n\t1 f (m)\n\nab 1 2.0: 7 instructions:\n\t1 g (m)\n\n' >"$TMP/ev.txt"
pl_collapse "$TMP/ev.txt" >"$TMP/ev.pl" 2>"$TMP/ev.plerr"
"$SCORCH" collapse "$TMP/ev.txt" >"$TMP/ev.out" 2>"$TMP/ev.err"
if [ "$(cat "$TMP/ev.out")" != "ab;f 5" ] || ! cmp -s "$TMP/ev.pl" "$TMP/ev.out"; then
	fail "first event is the default filter" "got [$(cat "$TMP/ev.out")], perl [$(cat "$TMP/ev.pl")]"
elif ! grep -qF "$(cat "$TMP/ev.plerr")" "$TMP/ev.err"; then
	fail "first event is the default filter" "stderr [$(cat "$TMP/ev.err")] lacks perl's [$(cat "$TMP/ev.plerr")]"
else
	ok "first event is the default filter, reported on stderr like perl"
fi
expect_eq "--event-filter picks another event" "$(pl_collapse --event-filter instructions "$TMP/ev.txt" 2>/dev/null)" \
	"$("$SCORCH" collapse --event-filter instructions "$TMP/ev.txt" 2>/dev/null)"
expect_exit "--event-filter of an absent event: no samples, exit 2" 2 "collapse: no samples found in the input (313 lines" \
	"$SCORCH" collapse --event-filter cycles "$FIX/perf6.txt"

# --inline resolves inlined frames with libdw, on a binary built and profiled here
if ! is_root; then
	skip "collapse --inline on a live perf recording" "needs root for perf record"
elif ! command -v perf >/dev/null; then
	skip "collapse --inline on a live perf recording" "linux-perf is not installed"
else
	cat >"$TMP/w.c" <<'C'
#include <stdio.h>
static inline __attribute__((always_inline)) double inl(double x)
{
	for (int i = 0; i < 1000; i++)
		x = x * 1.0000001 + 0.5;
	return x;
}
__attribute__((noinline)) double hot(double x) { return inl(x); }
int main(void)
{
	double s = 0;
	for (long i = 0; i < 300000; i++)
		s += hot(i);
	printf("%f\n", s);
	return 0;
}
C
	gcc -O2 -g -fno-omit-frame-pointer -o "$TMP/w" "$TMP/w.c"
	perf record -q -F 999 -g -o "$TMP/p.data" -- "$TMP/w" >/dev/null 2>&1
	perf script -i "$TMP/p.data" >"$TMP/p.txt" 2>/dev/null
	pl_collapse "$TMP/p.txt" >"$TMP/plain.pl" 2>/dev/null
	grep -q ';hot ' "$TMP/plain.pl" || bail "perf did not sample the workload's hot function"
	"$SCORCH" collapse "$TMP/p.txt" >"$TMP/plain.folded"
	same_file "without --inline: stackcollapse-perf.pl's stacks, no inl frame" "$TMP/plain.pl" "$TMP/plain.folded"
	# stackcollapse-perf.pl --inline asks addr2line; scorch asks libdw: the same frames
	# stackcollapse-perf.pl --inline asks addr2line, scorch asks libdw: the same weight in hot;inl
	pl_collapse --inline "$TMP/p.txt" >"$TMP/inl.pl" 2>/dev/null
	"$SCORCH" collapse --inline "$TMP/p.txt" >"$TMP/inl.folded" 2>"$TMP/inl.err"
	inl_weight() { awk '{ s = $0 " "; if (index(s, ";hot;inl;") || index(s, ";hot;inl ")) w += $NF } END { print w + 0 }' "$1"; }
	want=$(inl_weight "$TMP/inl.pl")
	[ "$want" -gt 0 ] || bail "stackcollapse-perf.pl --inline found no hot;inl frames"
	expect_eq "--inline: as much weight in hot;inl as stackcollapse-perf.pl --inline" "$want" "$(inl_weight "$TMP/inl.folded")"
	"$SCORCH" collapse --inline --context "$TMP/p.txt" >"$TMP/ctx.folded" 2>/dev/null
	check "--context adds file:line" grep -qE ';inl:w\.c:[0-9]+ ' "$TMP/ctx.folded"
fi
finish
