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

# stdin, several files, -o by extension
"$SCORCH" collapse <"$FIX/perf6.txt" >"$TMP/stdin.out"
check "reads stdin" cmp -s "$TMP/stdin.out" <("$SCORCH" collapse "$FIX/perf6.txt")
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/x.folded"
check "-o FILE.folded" cmp -s "$TMP/x.folded" "$TMP/stdin.out"
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/x.svg"
check "-o FILE.svg writes a flame graph" grep -q '<title>hot (' "$TMP/x.svg"
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/x.COLLAPSED"
check "-o FILE.collapsed (any case) writes folded text" cmp -s "$TMP/x.COLLAPSED" "$TMP/stdin.out"
"$SCORCH" collapse "$FIX/perf6.txt" -o "$TMP/y.SVG"
check "-o FILE.SVG writes a flame graph" grep -q '<title>hot (' "$TMP/y.SVG"
expect_exit "an unknown ending lists the known ones" 2 "use a file name ending in .folded, .txt, .collapsed, .svg" "$SCORCH" collapse -o "$TMP/x.png" "$FIX/perf6.txt"
expect_eq "event filter keeps only the named event" "" "$("$SCORCH" collapse --event-filter cycles "$FIX/perf6.txt" 2>/dev/null)"
printf 'ab 1 1.0: 5 cycles:\n\t1 f (m)\n\nab 1 2.0: 7 instructions:\n\t1 g (m)\n\n' >"$TMP/ev.txt"
expect_eq "first event is the default filter" "ab;f 5" "$("$SCORCH" collapse "$TMP/ev.txt" 2>"$TMP/ev.err")"
check "filtering is reported" grep -q 'Filtering for events of type: instructions' "$TMP/ev.err"
expect_eq "--event-filter picks another event" "ab;g 7" "$("$SCORCH" collapse --event-filter instructions "$TMP/ev.txt" 2>/dev/null)"

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
	"$SCORCH" collapse --inline "$TMP/p.txt" >"$TMP/inl.folded" 2>"$TMP/inl.err"
	check "--inline expands hot into hot;inl" grep -q ';hot;inl ' "$TMP/inl.folded"
	"$SCORCH" collapse --inline --context "$TMP/p.txt" >"$TMP/ctx.folded" 2>/dev/null
	check "--context adds file:line" grep -qE ';inl:w\.c:[0-9]+ ' "$TMP/ctx.folded"
	"$SCORCH" collapse "$TMP/p.txt" >"$TMP/plain.folded"
	check "without --inline there is no inl frame" bash -c "! grep -q ';inl' '$TMP/plain.folded'"
fi
