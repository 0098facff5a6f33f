#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every SVG scorch writes is well-formed XML, whatever bytes the folded input holds: python's
# minidom (expat, independent of scorch) must parse it, and the frames must be the ones
# flamegraph.pl draws for the same input, with the bytes XML forbids shown as documented
# (control bytes as their Unicode control pictures U+2400+c, invalid UTF-8 as U+FFFD).
# The odd inputs below include what tests/fuzz/fuzz_svg_xml.c found.
source "$(dirname "$0")/../lib.sh"

# xmlframes SVG: parses SVG with minidom and prints "title|label" of every frame, sorted.
xmlframes() {
	python3 - "$1" <<'PY'
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
rows = []
for g in doc.getElementsByTagName("g"):
    if g.getAttribute("id") == "frames":
        for f in g.childNodes:
            if f.nodeType != f.ELEMENT_NODE:
                continue
            t = f.getElementsByTagName("title")[0]
            title = "".join(c.data for c in t.childNodes)
            texts = f.getElementsByTagName("text")
            label = "".join(c.data for c in texts[0].childNodes) if texts else ""
            rows.append(title + "|" + label)
print("\n".join(sorted(rows)))
PY
}

# pictures: flamegraph.pl's SVG with the control bytes XML forbids as U+2400+c, as documented.
pictures() {
	python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
print("".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 and c not in "\t\n\r" else c
              for c in b.decode("utf-8")), end="")' "$1"
}

# check_xml NAME EXPECTED INPUT [flamegraph options...]: the SVG parses, frames as expected.
check_xml() {
	local name=$1 expected=$2 input=$3
	shift 3
	if ! "$SCORCH" flamegraph "$@" "$input" >"$TMP/out.svg" 2>"$TMP/err"; then
		fail "$name" "exit $?: $(head -c 300 "$TMP/err")"
		return
	fi
	local got
	if ! got=$(xmlframes "$TMP/out.svg" 2>"$TMP/perr"); then
		fail "$name" "not well-formed: $(tail -1 "$TMP/perr")"
		return
	fi
	if [ "$got" == "$expected" ]; then ok "$name"; else fail "$name" "$(diff <(echo "$expected") <(echo "$got") | head -8 | tr '\n' '|')"; fi
}

# NUL bytes inside names: a\0b and a\0c stay two frames with their whole names.
printf 'main;a\0b 3\nmain;a\0c 2\n' >"$TMP/nul.folded"
check_xml "NUL inside names: two frames, whole names, well-formed" "all (5 samples, 100%)|
a␀b (3 samples, 60.00%)|a␀b
a␀c (2 samples, 40.00%)|a␀c
main (5 samples, 100.00%)|main" "$TMP/nul.folded"

# Control bytes 0x01 and ESC, and the rest of C0 except tab (which XML allows).
printf 'main;x\001y\033z 4\nmain;c\037d\010e\013f 1\nmain;tab\there 2\n' >"$TMP/ctl.folded"
check_xml "control bytes as control pictures, tab kept" "all (7 samples, 100%)|
c␟d␈e␋f (1 samples, 14.29%)|c␟d␈e␋f
main (7 samples, 100.00%)|main
tab	here (2 samples, 28.57%)|tab	here
x␁y␛z (4 samples, 57.14%)|x␁y␛z" "$TMP/ctl.folded"

# The same frames as flamegraph.pl draws (its raw bytes shown as the pictures scorch uses).
if [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	for f in nul ctl; do
		perl "$FLAMEGRAPH_DIR/flamegraph.pl" "$TMP/$f.folded" >"$TMP/$f.pl.svg" 2>/dev/null
		pictures "$TMP/$f.pl.svg" >"$TMP/$f.plp.svg"
		"$SCORCH" flamegraph "$TMP/$f.folded" >"$TMP/$f.svg" 2>/dev/null
		if [ -s "$TMP/$f.svg" ] && diff <(python3 "$ROOT/tests/svgframes.py" "$TMP/$f.plp.svg") \
			<(python3 "$ROOT/tests/svgframes.py" "$TMP/$f.svg") >"$TMP/d"; then
			ok "$f: geometry, colours and labels as flamegraph.pl's"
		else
			fail "$f: geometry, colours and labels as flamegraph.pl's" "$(head -6 "$TMP/d" | tr '\n' '|')"
		fi
	done
else
	skip "geometry as flamegraph.pl's" "flamegraph.pl not found in $FLAMEGRAPH_DIR"
fi

# Invalid UTF-8: stray continuation, bad lead, truncated sequence, overlong, surrogate,
# U+FFFF; each bad byte is one U+FFFD, valid UTF-8 (é, 日本) is kept.
printf 'main;bad\xff\xfeq 5\nmain;\xe9t\xe9 1\nmain;cut\xe6\x97 1\nmain;ov\xc0\xaf 1\nmain;sur\xed\xa0\x80 1\nmain;nc\xef\xbf\xbf 1\nmain;ok\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac 1\n' >"$TMP/utf.folded"
check_xml "invalid UTF-8 as U+FFFD, valid UTF-8 kept" "all (11 samples, 100%)|
bad��q (5 samples, 45.45%)|bad��q
cut�� (1 samples, 9.09%)|cut��
main (11 samples, 100.00%)|main
nc��� (1 samples, 9.09%)|nc���
oké日本 (1 samples, 9.09%)|oké日本
ov�� (1 samples, 9.09%)|ov��
sur��� (1 samples, 9.09%)|sur���
�t� (1 samples, 9.09%)|�t�" "$TMP/utf.folded"

# Inputs fuzz_svg_xml found against the old writer (90 crashes in 90 s, all fixed): a control
# byte inside a stack, a lone UTF-8 lead byte, a Latin-1 byte next to an inner empty frame.
printf 'main;a;b 4\004main;a;c 2\nmain\307a;b 4\n-a\351n;;mic 2\n' >"$TMP/fuzz1.folded"
check_xml "fuzz findings: control byte, lone lead byte, Latin-1 byte" " (2 samples, 25.00%)|
-a�n (2 samples, 25.00%)|-a�n
a (2 samples, 25.00%)|a
a (2 samples, 25.00%)|a
all (8 samples, 100%)|
b (4 samples, 50.00%)|b
b 4␄main (2 samples, 25.00%)|b 4␄main
c (2 samples, 25.00%)|c
main (2 samples, 25.00%)|main
main�a (4 samples, 50.00%)|main�a
mic (2 samples, 25.00%)|mic" "$TMP/fuzz1.folded"
# The same bytes are characters with a single-byte --encoding: kept, and expat decodes them.
check_xml "--encoding ISO-8859-1 keeps bytes above 0x7f" "all (4 samples, 100%)|
café (4 samples, 100.00%)|café" <(printf 'caf\351 4\n') --encoding ISO-8859-1

# Fractional counts (off-CPU milliseconds, weights) are kept and drawn, and trailing ';'
# lines ("a; 1", empty frames perl's split drops) sort and draw where flamegraph.pl puts
# them, also in differential input where only the first line of a frame adds its delta.
printf 'main;a;b 1.5\nmain;a 0.25\nmain;c 2.75\nmain;c;d 0.1\nmain;c;d 0.1\nmain;c;d 0.1\nmain;f 3.\nmain;g 0.000004\n' >"$TMP/frac.folded"
printf 'main;a 1.5 2.25\nmain;a; 0.5 0.25\nmain;b 3 1\nmain;b;x 0.75 0\n' >"$TMP/fracdiff.folded"
printf 'main;a 3\nmain;a!z 5\nmain;a; 1\nmain;a;;b 2\nmain;c;; 4\n;; 1\n' >"$TMP/trail.folded"
printf 'main;a 3 3\nmain;a; 1 2\nmain;a!z 5 5\nmain;a;; 1 4\nmain;c; 2 1\nmain;c;d 1 1\n' >"$TMP/traildiff.folded"
if [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	for f in frac fracdiff trail traildiff; do
		for opts in "" "--inverted" "--flamechart" "--factor 2.5" "--minwidth 0"; do
			# flame charts of two-count input have no deltas in scorch (a known gap)
			[[ $f == *diff && $opts == --flamechart ]] && continue
			name="$f ${opts:-(defaults)}: frames as flamegraph.pl's, well-formed"
			# shellcheck disable=SC2086
			perl "$FLAMEGRAPH_DIR/flamegraph.pl" $opts "$TMP/$f.folded" >"$TMP/pl.svg" 2>/dev/null
			# shellcheck disable=SC2086
			"$SCORCH" flamegraph $opts "$TMP/$f.folded" >"$TMP/sc.svg" 2>"$TMP/err"
			if ! xmlframes "$TMP/sc.svg" >/dev/null 2>&1; then
				fail "$name" "not well-formed XML"
			elif grep -q rounded "$TMP/err"; then
				fail "$name" "$(cat "$TMP/err")"
			elif diff <(python3 "$ROOT/tests/svgframes.py" "$TMP/pl.svg") \
				<(python3 "$ROOT/tests/svgframes.py" "$TMP/sc.svg") >"$TMP/d" &&
				[ "$(grep -c '<g' "$TMP/sc.svg")" -gt 3 ]; then
				ok "$name"
			else
				fail "$name" "$(head -6 "$TMP/d" | tr '\n' '|')"
			fi
		done
	done
else
	skip "fractions and trailing ';' as flamegraph.pl" "flamegraph.pl not found in $FLAMEGRAPH_DIR"
fi

# The folded output keeps fractions (six decimals) and trailing ';' lines as they came.
"$SCORCH" flamegraph "$TMP/fracdiff.folded" -o "$TMP/out.folded" 2>"$TMP/err"
expect_eq "folded output keeps fractions and 'a;' lines" "main;a 1.5 2.25
main;a; 0.5 0.25
main;b 3 1
main;b;x 0.75 0" "$(cat "$TMP/out.folded" 2>/dev/null)"
printf 'main;a 0.0000004\nmain;b 2.0000015\nmain;c 1\n' >"$TMP/round.folded"
"$SCORCH" flamegraph "$TMP/round.folded" -o "$TMP/out.folded" 2>"$TMP/err"
expect_eq "fractions beyond six decimals round half up (0.0000004 is 0)" "main;b 2.000002
main;c 1" "$(cat "$TMP/out.folded" 2>/dev/null)"

finish
