#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch diff --folded on plain folded files (the hash-join fast path): exact lines and order
# against hand-computed and awk-computed expectations, and the same lines as difffolded.pl
# when the perl scripts are present.
source "$(dirname "$0")/../lib.sh"
DIFFPL=$FLAMEGRAPH_DIR/difffolded.pl

# duplicates summed, trailing ';' dropped (as every scorch reader does, where difffolded.pl
# keeps "main;d; 7" apart from "main;d 1"), zero lines left out (difffolded.pl prints "x 0 0");
# BEFORE's stacks in the order they first appear, then AFTER-only ones in AFTER's order
printf 'main;a;b 30\nmain;c 5\nmain;a;b 12\nmain;d; 7\nmain;d 1\nmain;zero 0\n' >"$TMP/b.folded"
printf 'main;new 4\nmain;c 9\nmain;a;b 40\nmain;gone 0\nmain;zero 0' >"$TMP/a.folded"
expect_eq "sums duplicates, keeps BEFORE's order, then AFTER-only stacks" "main;a;b 42 40
main;c 5 9
main;d 8 0
main;new 0 4" "$("$SCORCH" diff --folded "$TMP/b.folded" "$TMP/a.folded")"
# -n: int(count * 53 / 55), as difffolded.pl computes it
expect_eq "-n scales BEFORE's counts to AFTER's total" "main;a;b 40 40
main;c 4 9
main;d 7 0
main;new 0 4" "$("$SCORCH" diff -n --folded "$TMP/b.folded" "$TMP/a.folded")"
"$SCORCH" diff --folded "$TMP/b.folded" "$TMP/a.folded" >"$TMP/stdout.txt"
"$SCORCH" diff "$TMP/b.folded" "$TMP/a.folded" -o "$TMP/out.folded"
same_file "-o x.folded writes the same lines as stdout" "$TMP/stdout.txt" "$TMP/out.folded"

# inputs the fast path leaves to the general reader: fractions (rounded), ignored lines
printf 'x;y 1.5\nx;z 2\n' >"$TMP/f1.folded"
printf 'x;y 1\n' >"$TMP/f2.folded"
expect_eq "fractional counts are rounded half up" "x;y 2 1
x;z 2 0" "$("$SCORCH" diff --folded "$TMP/f1.folded" "$TMP/f2.folded" 2>/dev/null)"
printf 'x;y 3\n\nnot a stack\nx;z 2\n' >"$TMP/g1.folded"
"$SCORCH" diff --folded "$TMP/g1.folded" "$TMP/f2.folded" >"$TMP/g.out" 2>"$TMP/g.err"
expect_eq "lines without a count are skipped with a warning" "x;y 3 1
x;z 2 0|diff: warning: $TMP/g1.folded: ignored 2 lines with invalid format (first: line 2)" \
	"$(cat "$TMP/g.out")|$(sed 's/^scorch //' "$TMP/g.err")"
expect_exit "two counts per line are refused" 2 "has two counts per line" \
	"$SCORCH" diff --folded "$TMP/f2.folded" <(printf 'x;y 1 2\n')

# a line longer than the reader's 1 MB buffer
{ printf 'root;'; head -c 1500000 /dev/zero | tr '\0' 'x'; printf ' 5\nroot;s 1\n'; } >"$TMP/long1.folded"
printf 'root;s 2\n' >"$TMP/long2.folded"
{ printf 'root;'; head -c 1500000 /dev/zero | tr '\0' 'x'; printf ' 5 0\nroot;s 1 2\n'; } >"$TMP/long.expected"
"$SCORCH" diff --folded "$TMP/long1.folded" "$TMP/long2.folded" >"$TMP/long.out"
same_file "a 1.5 MB stack is copied whole" "$TMP/long.expected" "$TMP/long.out"

# a generated pair: 6,000 stacks, repeats, a tenth gone from AFTER, 500 new in AFTER; the
# expectation is an awk hash join printing in the documented order
awk 'BEGIN {
	for (i = 1; i <= 6000; i++) {
		s = "root;m" (i % 13) ";f" (i % 97) ";g" (i % 331) ";h" i
		print s, (i * 7) % 50 + 1 > "'"$TMP"'/gb.folded"
		if (i % 9 == 0) print s, 3 > "'"$TMP"'/gb.folded"
		if (i % 10 != 3) print s, (i * 11) % 40 > "'"$TMP"'/ga.folded"
		if (i <= 500) print "root;new;n" i, i > "'"$TMP"'/ga.folded"
	} }'
# join BEFORE AFTER: the expected lines, computed by awk
join() {
	awk 'FNR == NR { k = $1; if (!(k in b)) ord[++n] = k; b[k] += $2; next }
	{ k = $1; if (!(k in a) && !(k in b)) ord2[++m] = k; a[k] += $2 }
	END {
		for (i = 1; i <= n; i++) if (b[ord[i]] || a[ord[i]]) print ord[i], b[ord[i]], a[ord[i]] + 0
		for (i = 1; i <= m; i++) if (a[ord2[i]]) print ord2[i], 0, a[ord2[i]]
	}' "$1" "$2"
}
join "$TMP/gb.folded" "$TMP/ga.folded" >"$TMP/g.expected"
"$SCORCH" diff --folded "$TMP/gb.folded" "$TMP/ga.folded" >"$TMP/g2.out"
same_file "6,000 generated stacks: the awk join's lines, in order" "$TMP/g.expected" "$TMP/g2.out"


# Into a regular file, BEFORE is read once when no stack is on two of its lines; a repeat
# found late (after megabytes were written) cuts the output back to where it started, and
# a line the fast path does not take (a fraction) hands the whole job to the general path.
join "$TMP/ga.folded" "$TMP/gb.folded" >"$TMP/r.expected"
"$SCORCH" diff --folded "$TMP/ga.folded" "$TMP/gb.folded" >"$TMP/r.out"
same_file "no repeated stack in BEFORE: the awk join's lines, in order" "$TMP/r.expected" "$TMP/r.out"
awk 'BEGIN { for (i = 1; i <= 60000; i++) printf "root;mod%d;path%d;leaf_function_%d %d\n", i % 7, i % 101, i, i % 9 + 1 }' >"$TMP/big.folded"
awk 'NR % 3 { print $1, $2 * 2 }' "$TMP/big.folded" >"$TMP/big-after.folded"
{ cat "$TMP/big.folded"; echo "root;mod1;path1;leaf_function_1 5"; } >"$TMP/bigdup.folded"
{ echo "kept line"; join "$TMP/bigdup.folded" "$TMP/big-after.folded"; } >"$TMP/bigdup.expected"
echo "kept line" >"$TMP/bigdup.out"
"$SCORCH" diff --folded "$TMP/bigdup.folded" "$TMP/big-after.folded" >>"$TMP/bigdup.out"
same_file "a stack repeated on BEFORE's last line (2 MB in), appended to a file" "$TMP/bigdup.expected" "$TMP/bigdup.out"
# line 3's stack is not in AFTER: while BEFORE is read once it is kept in AFTER's table, and
# taken out again when the repeat is found
{ cat "$TMP/big.folded"; echo "root;mod3;path3;leaf_function_3 7"; } >"$TMP/bigdup3.folded"
join "$TMP/bigdup3.folded" "$TMP/big-after.folded" >"$TMP/bigdup3.expected"
"$SCORCH" diff --folded "$TMP/bigdup3.folded" "$TMP/big-after.folded" >"$TMP/bigdup3.out"
same_file "a stack only BEFORE has, repeated on its last line" "$TMP/bigdup3.expected" "$TMP/bigdup3.out"
{ cat "$TMP/big.folded"; echo "root;frac 1.5"; } >"$TMP/bigfrac.folded"
# (the general path prints its lines sorted)
{ join "$TMP/big.folded" "$TMP/big-after.folded"; echo "root;frac 2 0"; } | LC_ALL=C sort >"$TMP/bigfrac.expected"
"$SCORCH" diff --folded "$TMP/bigfrac.folded" "$TMP/big-after.folded" >"$TMP/bigfrac.out" 2>/dev/null
same_file "a fraction on BEFORE's last line: the general path's lines, and no others" "$TMP/bigfrac.expected" "$TMP/bigfrac.out"
"$SCORCH" diff --folded "$TMP/bigdup.folded" "$TMP/big-after.folded" | cat >"$TMP/pipe.out"
tail -n +2 "$TMP/bigdup.expected" >"$TMP/pipe.expected"
same_file "the same lines through a pipe" "$TMP/pipe.expected" "$TMP/pipe.out"

if [ -f "$DIFFPL" ]; then
	perl "$DIFFPL" "$TMP/gb.folded" "$TMP/ga.folded" | grep -v ' 0 0$' | LC_ALL=C sort >"$TMP/p.txt"
	LC_ALL=C sort "$TMP/g2.out" >"$TMP/s.txt"
	same_file "the same lines as difffolded.pl" "$TMP/p.txt" "$TMP/s.txt"
	perl "$DIFFPL" -n "$TMP/gb.folded" "$TMP/ga.folded" | grep -v ' 0 0$' | LC_ALL=C sort >"$TMP/pn.txt"
	"$SCORCH" diff -n --folded "$TMP/gb.folded" "$TMP/ga.folded" | LC_ALL=C sort >"$TMP/sn.txt"
	same_file "-n: the same lines as difffolded.pl -n" "$TMP/pn.txt" "$TMP/sn.txt"
else
	skip "the same lines as difffolded.pl" "no $DIFFPL (set FLAMEGRAPH_DIR)"
fi
finish
