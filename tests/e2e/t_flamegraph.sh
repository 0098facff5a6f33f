#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch flamegraph / diff: frame geometry, titles, colours and labels. The expected frames
# below are flamegraph.pl's output for the same input (same x, y, width, fill, title).
source "$(dirname "$0")/../lib.sh"
frames() { python3 "$ROOT/tests/svgframes.py" "$1"; }

printf 'main;a;b 30\nmain;a 10\nmain;c 60\n' >"$TMP/t1.folded"
printf 'main;a;b 1234567\nmain;c;d 7654321\nmain;c;e 1\n' >"$TMP/t2.folded"
printf 'main;a;b 30 10\nmain;a 10 10\nmain;c 20 60\nmain;x 5 0\n' >"$TMP/t3.folded"

check_frames() {
	local name=$1 expected=$2
	shift 2
	if ! "$SCORCH" "$@" >"$TMP/out.svg" 2>"$TMP/err"; then
		fail "$name" "exit $?: $(cat "$TMP/err")"
		return
	fi
	local got
	got=$(frames "$TMP/out.svg")
	if [ "$got" == "$expected" ]; then ok "$name"; else fail "$name" "$(diff <(echo "$expected") <(echo "$got") | head -8 | tr '\n' '|')"; fi
}

check_frames "flame graph geometry, titles, colours" "height 134
b (30 samples, 30.00%)|128.0|37|354.0|15.0|rgb(230,117,28)|b
a (40 samples, 40.00%)|10.0|53|472.0|15.0|rgb(236,146,35)|a
c (60 samples, 60.00%)|482.0|53|708.0|15.0|rgb(224,87,20)|c
main (100 samples, 100.00%)|10.0|69|1180.0|15.0|rgb(243,179,42)|main
all (100 samples, 100%)|10.0|85|1180.0|15.0|rgb(213,39,9)|" flamegraph "$TMP/t1.folded"

check_frames "icicle graph (--inverted)" "height 134
all (100 samples, 100%)|10.0|36|1180.0|15.0|rgb(213,39,9)|
main (100 samples, 100.00%)|10.0|52|1180.0|15.0|rgb(243,179,42)|main
a (40 samples, 40.00%)|10.0|68|472.0|15.0|rgb(236,146,35)|a
c (60 samples, 60.00%)|482.0|68|708.0|15.0|rgb(224,87,20)|c
b (30 samples, 30.00%)|128.0|84|354.0|15.0|rgb(230,117,28)|b" flamegraph --inverted "$TMP/t1.folded"

check_frames "thousands separators, percentages, 0.1px widths, minwidth 1%" "height 134
b (1,234,567 samples, 13.89%)|10.0|37|163.9|15.0|rgb(230,117,28)|b
d (7,654,321 samples, 86.11%)|173.9|37|1016.1|15.0|rgb(217,57,13)|d
a (1,234,567 samples, 13.89%)|10.0|53|163.9|15.0|rgb(236,146,35)|a
c (7,654,322 samples, 86.11%)|173.9|53|1016.1|15.0|rgb(224,87,20)|c
main (8,888,889 samples, 100.00%)|10.0|69|1180.0|15.0|rgb(243,179,42)|main
all (8,888,889 samples, 100%)|10.0|85|1180.0|15.0|rgb(213,39,9)|" flamegraph --minwidth 1% "$TMP/t2.folded"

diff_expected="height 134
b (10 samples, 12.50%; -25.00%)|157.5|37|147.5|15.0|rgb(105,105,255)|b
a (20 samples, 25.00%; 0.00%)|10.0|53|295.0|15.0|rgb(255,255,255)|a
c (60 samples, 75.00%; +50.00%)|305.0|53|885.0|15.0|rgb(255,0,0)|c
main (80 samples, 100.00%; 0.00%)|10.0|69|1180.0|15.0|rgb(255,255,255)|main
all (80 samples, 100%)|10.0|85|1180.0|15.0|rgb(255,255,255)|"
check_frames "differential colours from two-count input" "$diff_expected" flamegraph "$TMP/t3.folded"

check_frames "--negate swaps the differential hues" "height 134
b (10 samples, 12.50%; +25.00%)|157.5|37|147.5|15.0|rgb(255,105,105)|b
a (20 samples, 25.00%; 0.00%)|10.0|53|295.0|15.0|rgb(255,255,255)|a
c (60 samples, 75.00%; -50.00%)|305.0|53|885.0|15.0|rgb(0,0,255)|c
main (80 samples, 100.00%; 0.00%)|10.0|69|1180.0|15.0|rgb(255,255,255)|main
all (80 samples, 100%)|10.0|85|1180.0|15.0|rgb(255,255,255)|" flamegraph --negate "$TMP/t3.folded"

# scorch diff = difffolded.pl | flamegraph.pl
awk '{print $1, $2}' "$TMP/t3.folded" >"$TMP/before.folded"
awk '{print $1, $3}' "$TMP/t3.folded" | grep -v ' 0$' >"$TMP/after.folded"
check_frames "scorch diff draws the differential SVG" "$diff_expected" diff "$TMP/before.folded" "$TMP/after.folded"
"$SCORCH" diff --folded "$TMP/before.folded" "$TMP/after.folded" >"$TMP/d.txt"
# lines in BEFORE's order (difffolded.pl's is perl's hash order), then AFTER-only stacks
expect_eq "scorch diff --folded prints stack before after" "main;a;b 30 10
main;a 10 10
main;c 20 60
main;x 5 0" "$(cat "$TMP/d.txt")"
printf 'a;b 10\na;c 30\n' >"$TMP/n1.folded"
printf 'a;b 10\na;c 10\n' >"$TMP/n2.folded"
expect_eq "scorch diff -n scales BEFORE to AFTER's total" "a;b 5 10
a;c 15 10" "$("$SCORCH" diff -n --folded "$TMP/n1.folded" "$TMP/n2.folded")"
printf 'f;0x7f00ab 3\n' >"$TMP/h1.folded"
printf 'f;0x7f11cd 4\n' >"$TMP/h2.folded"
expect_eq "scorch diff -s strips hex addresses" "f;0x... 3 4" "$("$SCORCH" diff -s --folded "$TMP/h1.folded" "$TMP/h2.folded")"

# labels: truncated with .. to the frame's width, annotations stripped, XML escaped
printf 'root;averyveryveryverylongfunctionname_that_does_not_fit 1\nroot;x<y>&z_[k] 50\n' >"$TMP/l.folded"
"$SCORCH" flamegraph --width 300 "$TMP/l.folded" >"$TMP/l.svg"
expect_eq "labels cut with .., annotation stripped, escaped" \
	"averyveryveryverylongfunctionname_that_does_not_fit (1 samples, 1.96%)|10.0|37|5.5|15.0|rgb(227,103,24)|
x&lt;y&gt;&amp;z (50 samples, 98.04%)|15.5|37|274.5|15.0|rgb(241,167,40)|x&lt;y&gt;&amp;z
root (51 samples, 100.00%)|10.0|53|280.0|15.0|rgb(243,177,42)|root" "$(frames "$TMP/l.svg" | sed -n '2,4p')"
printf 'root;abcdefghijklmnop 20\nroot;z 80\n' >"$TMP/tr.folded"
check_frames "a label that does not fit ends in .." "height 118
abcdefghijklmnop (20 samples, 20.00%)|10.0|37|56.0|15.0|rgb(212,35,8)|abcde..
z (80 samples, 80.00%)|66.0|37|224.0|15.0|rgb(225,94,22)|z
root (100 samples, 100.00%)|10.0|53|280.0|15.0|rgb(243,177,42)|root
all (100 samples, 100%)|10.0|69|280.0|15.0|rgb(213,39,9)|" flamegraph --width 300 "$TMP/tr.folded"

# options that change the page around the frames
"$SCORCH" flamegraph --title 'My "title"' --subtitle sub --countname bytes --nametype 'Func:' "$TMP/t1.folded" >"$TMP/o.svg"
check "custom title, subtitle and count name" grep -q '<text id="title" x="600.00" y="24">My "title"</text>' "$TMP/o.svg"
check "subtitle line" grep -q '<text id="subtitle" x="600.00" y="48">sub</text>' "$TMP/o.svg"
check "count name in titles" grep -q '<title>c (60 bytes, 60.00%)</title>' "$TMP/o.svg"
expect_eq "subtitle adds 24px" 'height="158"' "$(grep -o 'height="158"' "$TMP/o.svg" | head -1)"
"$SCORCH" flamegraph --colors mem --width 800 --height 20 "$TMP/t1.folded" >"$TMP/m.svg"
expect_eq "mem palette, width and frame height" "c (60 samples, 60.00%)|322.0|57|468.0|19.0|rgb(0,209,79)|c" \
	"$(frames "$TMP/m.svg" | grep '^c ')"
check "mem palette uses the green background" grep -q 'stop-color="#e0ffe0"' "$TMP/m.svg"
"$SCORCH" flamegraph "$TMP/t1.folded" -o "$TMP/file.svg"
check "-o writes the SVG file" grep -q '<title>all (100 samples, 100%)</title>' "$TMP/file.svg"
"$SCORCH" flamegraph "$TMP/t1.folded" -o "$TMP/file.folded"
expect_eq "-o x.folded writes folded text" "main;a 10
main;a;b 30
main;c 60" "$(cat "$TMP/file.folded")"

# more flamegraph.pl options, expected frames from flamegraph.pl
check_frames "--hash colours by name hash" "height 134
b (30 samples, 30.00%)|128.0|37|354.0|15.0|rgb(232,127,30)|b
a (40 samples, 40.00%)|10.0|53|472.0|15.0|rgb(235,140,33)|a
c (60 samples, 60.00%)|482.0|53|708.0|15.0|rgb(230,115,27)|c
main (100 samples, 100.00%)|10.0|69|1180.0|15.0|rgb(247,83,46)|main
all (100 samples, 100%)|10.0|85|1180.0|15.0|rgb(255,230,55)|" flamegraph --hash "$TMP/t1.folded"
printf 'main;a;b 30\nmain;c 60\nmain;a;b 10\n' >"$TMP/fc.folded"
check_frames "--flamechart keeps input order and does not merge" "height 134
b (30 samples, 30.00%)|10.0|37|354.0|15.0|rgb(230,117,28)|b
b (10 samples, 10.00%)|1072.0|37|118.0|15.0|rgb(230,117,28)|b
a (30 samples, 30.00%)|10.0|53|354.0|15.0|rgb(236,146,35)|a
c (60 samples, 60.00%)|364.0|53|708.0|15.0|rgb(224,87,20)|c
a (10 samples, 10.00%)|1072.0|53|118.0|15.0|rgb(236,146,35)|a
main (100 samples, 100.00%)|10.0|69|1180.0|15.0|rgb(243,179,42)|main
all (100 samples, 100%)|10.0|85|1180.0|15.0|rgb(213,39,9)|" flamegraph --flamechart "$TMP/fc.folded"
check_frames "--reverse merges from the leaves" "height 134
main (30 samples, 30.00%)|128.0|37|354.0|15.0|rgb(243,179,42)|main
main (10 samples, 10.00%)|10.0|53|118.0|15.0|rgb(243,179,42)|main
a (30 samples, 30.00%)|128.0|53|354.0|15.0|rgb(236,146,35)|a
main (60 samples, 60.00%)|482.0|53|708.0|15.0|rgb(243,179,42)|main
a (10 samples, 10.00%)|10.0|69|118.0|15.0|rgb(236,146,35)|a
b (30 samples, 30.00%)|128.0|69|354.0|15.0|rgb(230,117,28)|b
c (60 samples, 60.00%)|482.0|69|708.0|15.0|rgb(224,87,20)|c
all (100 samples, 100%)|10.0|85|1180.0|15.0|rgb(213,39,9)|" flamegraph --reverse "$TMP/t1.folded"
printf 'c\thref=http://x/c\ttitle=C func\tclass=hot\n' >"$TMP/na.txt"
"$SCORCH" flamegraph --nameattr "$TMP/na.txt" "$TMP/t1.folded" >"$TMP/na.svg"
check "--nameattr: link, class and title" grep -qF '<a xlink:href="http://x/c" target="_top" class="hot"><title>C func</title><rect x="482.0" y="53" width="708.0"' "$TMP/na.svg"
(cd "$TMP" && "$SCORCH" flamegraph --cp t1.folded >cp.svg)
expect_eq "--cp writes palette.map" "a->rgb(236,146,35)
b->rgb(230,117,28)
c->rgb(224,87,20)
main->rgb(243,179,42)" "$(grep -v '^->' "$TMP/palette.map")"
printf 'a->rgb(1,2,3)\n' >"$TMP/palette.map"
(cd "$TMP" && "$SCORCH" flamegraph --cp t1.folded >cp2.svg)
check "--cp reuses colours from palette.map" grep -qF '<title>a (40 samples, 40.00%)</title><rect x="10.0" y="53" width="472.0" height="15.0" fill="rgb(1,2,3)"' "$TMP/cp2.svg"
"$SCORCH" flamegraph --encoding ISO-8859-1 --notes "built by ci" "$TMP/t1.folded" >"$TMP/enc.svg"
check "--encoding in the XML declaration" grep -qF '<?xml version="1.0" encoding="ISO-8859-1" standalone="no"?>' "$TMP/enc.svg"
check "--notes in a comment" grep -qF '<!-- NOTES: built by ci -->' "$TMP/enc.svg"
"$SCORCH" flamegraph --factor 2.5 "$TMP/t1.folded" >"$TMP/f.svg"
expect_eq "--factor scales the counts in titles" "b (75 samples, 30.00%)|128.0|37|354.0|15.0|rgb(230,117,28)|b" "$(frames "$TMP/f.svg" | sed -n 2p)"
printf 'a;b 3\na;c;--;d;e 2\nx;y 1\n' >"$TMP/ch.folded"
check_frames "--colors chain marks wakers and adds the -- separator" "height 166
e (2 samples, 33.33%)|600.0|37|393.3|15.0|rgb(92,203,203)|e
d (2 samples, 33.33%)|600.0|53|393.3|15.0|rgb(99,210,210)|d
-- (3 samples, 50.00%)|10.0|69|590.0|15.0|rgb(160,160,160)|--
-- (2 samples, 33.33%)|600.0|69|393.3|15.0|rgb(160,160,160)|--
-- (1 samples, 16.67%)|993.3|69|196.7|15.0|rgb(160,160,160)|--
b (3 samples, 50.00%)|10.0|85|590.0|15.0|rgb(110,110,230)|b
c (2 samples, 33.33%)|600.0|85|393.3|15.0|rgb(102,102,224)|c
y (1 samples, 16.67%)|993.3|85|196.7|15.0|rgb(112,112,231)|y
a (5 samples, 83.33%)|10.0|101|983.3|15.0|rgb(118,118,236)|a
x (1 samples, 16.67%)|993.3|101|196.7|15.0|rgb(120,120,238)|x
all (6 samples, 100%)|10.0|117|1180.0|15.0|rgb(90,90,213)|" flamegraph --colors chain "$TMP/ch.folded"

# Narrow subtrees are skipped during layout; the frames drawn must be exactly flamegraph.pl's
# (which lays everything out, then drops frames under 0.1 px), and all of them with --minwidth 0.
python3 "$ROOT/bench/gen_folded.py" 3000 >"$TMP/gen.folded"
if [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	for mw in 0.1 0; do
		perl "$FLAMEGRAPH_DIR/flamegraph.pl" --minwidth $mw "$TMP/gen.folded" 2>/dev/null | frames /dev/stdin >"$TMP/gen$mw.pl"
		[ "$(wc -l <"$TMP/gen$mw.pl")" -gt 1000 ] || bail "flamegraph.pl drew too few frames for gen.folded"
		"$SCORCH" flamegraph --minwidth $mw "$TMP/gen.folded" >"$TMP/gen$mw.svg" 2>/dev/null
		frames "$TMP/gen$mw.svg" >"$TMP/gen$mw.frames" 2>&1
		same_file "--minwidth $mw on 3000 stacks: flamegraph.pl's $(wc -l <"$TMP/gen$mw.pl") frames" "$TMP/gen$mw.pl" "$TMP/gen$mw.frames"
	done
else
	skip "pruned layout vs flamegraph.pl" "flamegraph.pl not found in $FLAMEGRAPH_DIR"
fi

# Big inputs are split into lines, sorted and read on two threads (two profiles, merged);
# the result must be byte-identical to the one-thread reader's.
python3 - "$TMP/big.folded" <<'PY'
import random, sys
rng = random.Random(7)
names = ["some_function_%d" % i for i in range(400)]
with open(sys.argv[1], "w") as out:
    lines = set()
    while len(lines) < 130000:
        lines.add(";".join(["app"] + [rng.choice(names) for _ in range(rng.randint(3, 14))]))
    lines = sorted(lines)  # set order depends on PYTHONHASHSEED
    rng.shuffle(lines)
    for i, l in enumerate(lines):
        out.write("%s %d\n" % (l, 1 + i % 97))
    out.write("not a stack line\n")
PY
# fixtures/big.frames: flamegraph.pl's frames for this input (md5 0ba6d83c..., 403 frames)
[ "$(md5sum <"$TMP/big.folded" | cut -d' ' -f1)" = 0ba6d83cb3ab448ab4991e527b2fbf52 ] ||
	bail "the generated big input is not the one fixtures/big.frames was made from"
warning="scorch flamegraph: warning: ignored 1 lines with invalid format (first: line 130001)"
for threads in 2 1; do
	SCORCH_THREADS=$threads "$SCORCH" flamegraph "$TMP/big.folded" >"$TMP/big$threads.svg" 2>"$TMP/big$threads.err"
	frames "$TMP/big$threads.svg" >"$TMP/big$threads.frames" 2>&1
	same_file "$threads-thread reader: flamegraph.pl's frames" "$ROOT/tests/e2e/fixtures/big.frames" "$TMP/big$threads.frames"
	expect_eq "$threads-thread reader: the invalid last line is reported" "$warning" "$(cat "$TMP/big$threads.err")"
done
LC_ALL=C sort "$TMP/big.folded" >"$TMP/bigs.folded"
grep -v '^not a stack line$' "$TMP/bigs.folded" >"$TMP/bigs.want"
for threads in 2 1; do
	SCORCH_THREADS=$threads "$SCORCH" flamegraph "$TMP/bigs.folded" -o "$TMP/bigs$threads.folded" 2>/dev/null
	same_file "$threads-thread reader, sorted input: every stack, in order" "$TMP/bigs.want" "$TMP/bigs$threads.folded"
done
finish
