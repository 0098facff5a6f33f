#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input gets one clear line on stderr and a non-zero exit; nothing is half-written.
source "$(dirname "$0")/../lib.sh"

printf 'this is not\nperf script output\n' >"$TMP/garbage.txt"
head -c 65536 /bin/ls >"$TMP/binary.bin"
: >"$TMP/empty.txt"

expect_exit "collapse: garbage" 2 "collapse: no samples found in the input" "$SCORCH" collapse "$TMP/garbage.txt"
expect_exit "collapse: binary data" 2 "collapse: no samples found" "$SCORCH" collapse "$TMP/binary.bin"
expect_exit "collapse: empty file" 2 "collapse: no samples found in the input (0 lines" "$SCORCH" collapse "$TMP/empty.txt"
expect_exit "collapse: missing file" 2 "cannot read '$TMP/nope.txt': No such file or directory" "$SCORCH" collapse "$TMP/nope.txt"
expect_exit "collapse: a directory" 2 "cannot read '$TMP': Is a directory" "$SCORCH" collapse "$TMP"
expect_exit "collapse: unknown option" 2 "unrecognized option '--bogus'" "$SCORCH" collapse --bogus
expect_exit "collapse: unknown output format" 2 "cannot tell the format of 'out.png'" "$SCORCH" collapse -o out.png "$TMP/garbage.txt"
printf 'ab 1 1.0: 99999999999999999999 cycles:\n\t1 f (m)\n\n' >"$TMP/bigperiod.txt"
expect_exit "collapse: period overflows 64 bits" 2 "line 1: sample period or sum does not fit in 64 bits" "$SCORCH" collapse "$TMP/bigperiod.txt"

expect_exit "flamegraph: garbage" 2 "flamegraph: no valid folded stacks in the input (2 lines" "$SCORCH" flamegraph "$TMP/garbage.txt"
expect_exit "flamegraph: binary data" 2 "flamegraph: no valid folded stacks" "$SCORCH" flamegraph "$TMP/binary.bin"
expect_exit "flamegraph: empty file" 2 "flamegraph: no valid folded stacks in the input (0 lines" "$SCORCH" flamegraph "$TMP/empty.txt"
expect_exit "flamegraph: missing file" 2 "cannot read '$TMP/nope.folded': No such file or directory" "$SCORCH" flamegraph "$TMP/nope.folded"
printf 'a;b 18446744073709551616\n' >"$TMP/over.folded"
expect_exit "flamegraph: count overflows 64 bits" 2 "flamegraph: line 1: count does not fit in 64 bits" "$SCORCH" flamegraph "$TMP/over.folded"
printf 'a;b 18446744073709551615\na;b 1\n' >"$TMP/sum.folded"
expect_exit "flamegraph: sum overflows 64 bits" 2 "flamegraph: line 1: count does not fit in 64 bits" "$SCORCH" flamegraph "$TMP/sum.folded"
printf 'a;b 18446744073709551615\n' >"$TMP/max.folded"
"$SCORCH" flamegraph "$TMP/max.folded" >"$TMP/max.svg" 2>"$TMP/max.err"
st=$?
python3 "$ROOT/tests/svgframes.py" "$TMP/max.svg" >"$TMP/max.frames" 2>&1
if [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	perl "$FLAMEGRAPH_DIR/flamegraph.pl" "$TMP/max.folded" 2>/dev/null | python3 "$ROOT/tests/svgframes.py" >"$TMP/max.pl"
	if [ $st != 0 ]; then fail "flamegraph: the largest 64-bit count is fine" "exit $st: $(head -c 300 "$TMP/max.err")"
	else same_file "flamegraph: the largest 64-bit count is fine (flamegraph.pl's frames)" "$TMP/max.pl" "$TMP/max.frames"; fi
else
	skip "flamegraph: the largest 64-bit count is fine" "flamegraph.pl not found in $FLAMEGRAPH_DIR"
fi
expect_exit "flamegraph: bad --minwidth (the message names the svg writer)" 2 "svg: value 'abc' is invalid for --minwidth" "$SCORCH" flamegraph --minwidth abc "$TMP/max.folded"
expect_exit "flamegraph: bad --width" 2 "--width wants a positive integer, not 'wide'" "$SCORCH" flamegraph --width wide "$TMP/max.folded"
expect_exit "flamegraph: unknown palette" 2 "unknown --colors palette 'pink'" "$SCORCH" flamegraph --colors pink "$TMP/max.folded"
expect_exit "flamegraph: bad --bgcolors" 2 "unrecognized --bgcolors \"pink\"" "$SCORCH" flamegraph --bgcolors pink "$TMP/max.folded"
expect_exit "flamegraph: notes with markup" 2 "--notes can't contain < or >" "$SCORCH" flamegraph --notes '<b>' "$TMP/max.folded"

# a 10 MB line: as a frame name it is valid, without a count it is reported
python3 -c "import sys; sys.stdout.write('main;' + 'x' * 10485760 + ' 3\nmain;y 1\n')" >"$TMP/long.folded"
"$SCORCH" flamegraph "$TMP/long.folded" -o "$TMP/long.svg" 2>"$TMP/long.err"
st=$?
# the frame holds 3 of the 4 samples; its title carries the whole 10 MB name
got=$(python3 -c "import re, sys; s = open(sys.argv[1]).read() if __import__('os').path.exists(sys.argv[1]) else ''
m = re.search(r'<title>(x+) \((\d+) samples, ([\d.]+)%\)</title>', s); print('%d %s %s' % (len(m.group(1)), m.group(2), m.group(3)) if m else 'none')" "$TMP/long.svg")
if [ $st != 0 ]; then fail "flamegraph: a 10 MB frame name renders" "exit $st: $(head -c 300 "$TMP/long.err")"
else expect_eq "flamegraph: a 10 MB frame name renders, whole in its title" "10485760 3 75.00" "$got"; fi
python3 -c "import sys; sys.stdout.write('x' * 10485760 + '\nmain;y 1\n')" >"$TMP/longbad.folded"
expect_exit "flamegraph: a 10 MB line without a count is ignored and reported" 0 "ignored 1 lines with invalid format (first: line 1)" "$SCORCH" flamegraph "$TMP/longbad.folded"
python3 -c "import sys; sys.stdout.write('ab 1 1.0: 1 cycles:\n\t1 ' + 'f' * 10485760 + ' (m)\n\n')" >"$TMP/longperf.txt"
"$SCORCH" collapse "$TMP/longperf.txt" >"$TMP/longperf.out" 2>"$TMP/longperf.err"
st=$?
if [ $st != 0 ]; then fail "collapse: a 10 MB frame line" "exit $st: $(head -c 300 "$TMP/longperf.err")"
elif ! python3 -c "import sys; sys.stdout.write('ab;' + 'f' * 10485760 + ' 1\n')" | cmp -s - "$TMP/longperf.out"; then
	fail "collapse: a 10 MB frame line" "not 'ab;f...f 1': $(head -c 40 "$TMP/longperf.out")"
else ok "collapse: a 10 MB frame line gives the whole frame, as stackcollapse-perf.pl"; fi

# input quoted in messages is escaped: control bytes, DEL, C1 controls and invalid UTF-8 as
# \xNN, backslash as \\, tab and CR as \t and \r; valid UTF-8 kept; long lines cut at 200 bytes
printf 'ab 1 1.0: 1 cycles:\n\t1 f (m)\n\033[31mred\\x\001\377\302\233\303\251\tq\r\n\n' >"$TMP/esc.txt"
"$SCORCH" collapse "$TMP/esc.txt" >"$TMP/esc.out" 2>"$TMP/esc.err"
expect_eq "collapse: an unrecognized line is quoted escaped (exact text)" \
	'scorch collapse: warning: unrecognized line 3: \x1b[31mred\\x\x01\xff\xc2\x9b'"$(printf '\303\251')"'\tq\r' \
	"$(cat "$TMP/esc.err")"
expect_eq "collapse: the rest of the input still collapses" "ab;f 1" "$(cat "$TMP/esc.out")"
if ! grep -q 'unrecognized line 3' "$TMP/esc.err" ||
	LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$TMP/esc.err"; then
	fail "collapse: no raw control byte reaches the terminal" "$(od -c "$TMP/esc.err" | head -3)"
else ok "collapse: no raw control byte reaches the terminal"; fi
python3 -c "import sys; sys.stdout.write('ab 1 1.0: 1 cycles:\n\t1 f (m)\n' + 'x' * 199 + '\u00e9' * 150 + '\n\n')" >"$TMP/esclong.txt"
"$SCORCH" collapse "$TMP/esclong.txt" >/dev/null 2>"$TMP/esclong.err"
expect_eq "collapse: a long unrecognized line is cut at 200 bytes, never inside a character" \
	"scorch collapse: warning: unrecognized line 3: $(printf 'x%.0s' $(seq 199))... (499 bytes)" \
	"$(cat "$TMP/esclong.err")"
{ printf 'ab 1 1.0: 1 cycles:\n\t1 f (m)\n\n'; printf 'ab 1 2.0: 1 cyc\033]0;x\007les:\n\t1 g (m)\n\n'; } >"$TMP/escev.txt"
"$SCORCH" collapse "$TMP/escev.txt" >"$TMP/escev.out" 2>"$TMP/escev.err"
expect_eq "collapse: an event name from the input is quoted escaped" \
	'Filtering for events of type: cyc\x1b]0;x\x07les' "$(cat "$TMP/escev.err")"
{ for i in $(seq 12); do printf 'junk %d\n' "$i"; done; printf 'ab 1 1.0: 1 cycles:\n\t1 f (m)\n\n'; } >"$TMP/many.txt"
"$SCORCH" collapse "$TMP/many.txt" >/dev/null 2>"$TMP/many.err"
expect_eq "collapse: ten unrecognized lines shown, then the count" \
	"$(for i in $(seq 10); do printf 'scorch collapse: warning: unrecognized line %d: junk %d\n' "$i" "$i"; done; printf 'scorch collapse: warning: 12 unrecognized lines in all (the first 10 shown)')" \
	"$(cat "$TMP/many.err")"

# limits where output would explode: stacks are cut at 65,536 frames (with a warning)
python3 -c "import sys; sys.stdout.write('a;' * 70000 + 'b 3\n')" >"$TMP/deep.folded"
for mode in stream profile; do
	[ $mode = profile ] && export SCORCH_STREAM=0
	"$SCORCH" flamegraph --minwidth 0 "$TMP/deep.folded" >"$TMP/deep.svg" 2>"$TMP/deep.err"
	unset SCORCH_STREAM
	python3 "$ROOT/tests/svgframes.py" "$TMP/deep.svg" >"$TMP/deep.frames" 2>/dev/null
	expect_eq "flamegraph ($mode): a 70,001-frame stack is drawn as 65,536 'a' frames and the root" "65536 1" \
		"$(grep -c '^a (3 samples' "$TMP/deep.frames") $(grep -c '^all (3 samples' "$TMP/deep.frames")"
	expect_eq "flamegraph ($mode): the cut is reported" \
		"scorch flamegraph: warning: 1 stacks were deeper than 65536 frames: the deeper frames are not drawn" "$(cat "$TMP/deep.err")"
done
head -c 2000000 /dev/zero | tr '\0' ';' >"$TMP/semis.folded"
echo ' 1' >>"$TMP/semis.folded"
"$SCORCH" flamegraph --colors chain --minwidth 0 "$TMP/semis.folded" >"$TMP/semis.svg" 2>"$TMP/semis.err"
st=$?
sz=$(stat -c %s "$TMP/semis.svg")
if [ $st = 0 ] && [ "$sz" -gt 1000 ] && [ "$sz" -lt 100000 ] && python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$TMP/semis.svg"; then
	ok "flamegraph: 2 MB of ';' (chain, minwidth 0) gives a small well-formed SVG ($sz bytes)"
else fail "flamegraph: 2 MB of ';' (chain, minwidth 0) gives a small well-formed SVG" "exit $st, $sz bytes: $(head -c 200 "$TMP/semis.err")"; fi

printf 'a;b 5\nnot a stack\n\na;c 2\n' >"$TMP/mixed.folded"
expect_exit "flamegraph: invalid lines are counted on stderr" 0 "ignored 2 lines with invalid format (first: line 2)" "$SCORCH" flamegraph "$TMP/mixed.folded"

expect_exit "diff: one file" 2 "diff: want two folded files" "$SCORCH" diff "$TMP/mixed.folded"
expect_exit "diff: missing file" 2 "diff: cannot read '$TMP/nope': No such file or directory" "$SCORCH" diff "$TMP/nope" "$TMP/mixed.folded"
expect_exit "diff: garbage" 2 "diff: no valid folded stacks in '$TMP/garbage.txt'" "$SCORCH" diff "$TMP/garbage.txt" "$TMP/mixed.folded"
expect_exit "unknown command" 2 "'frobnicate' is not a scorch command" "$SCORCH" frobnicate
expect_exit "no command" 2 "usage: scorch <command>" "$SCORCH"

# an output that cannot be written leaves no file behind and says why
expect_exit "flamegraph: unwritable output" 1 "cannot write '/nonexistent/dir/x.svg': No such file or directory" "$SCORCH" flamegraph "$TMP/mixed.folded" -o /nonexistent/dir/x.svg
for c in collapse flamegraph diff record top view; do
	"$SCORCH" "$c" --help >"$TMP/help" 2>&1
	st=$?
	if [ $st = 0 ] && grep -q "^usage: scorch $c" "$TMP/help" && grep -q "Example" "$TMP/help"; then ok "$c --help has usage and examples"; else fail "$c --help has usage and examples" "exit $st: $(head -3 "$TMP/help")"; fi
done
finish
