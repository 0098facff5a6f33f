#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Conformance: scorch collapse must reproduce stackcollapse-perf.pl's output byte for byte
# for every input and option of the reference corpus; and the same again when the input
# arrives in pieces of 1021 bytes (given as that many files, read one after the other), which
# cuts lines and samples at every place the reader keeps state across its reads.
source "$(dirname "$0")/../lib.sh"
dir=$CORPUS/stackcollapse-perf
[ -d "$dir/expected" ] || skip_all "collapse corpus" "reference corpus not found at $dir"
n=$(ls "$dir"/expected/*-collapsed-*.txt | wc -l)
[ "$n" = 78 ] || bail "the corpus at $dir has $n cases, not 78"
for exp in "$dir"/expected/*-collapsed-*.txt; do
	base=$(basename "$exp" .txt)
	opt=${base##*-collapsed-}
	name=${base%-collapsed-*}
	"$SCORCH" collapse --"$opt" "$dir/$name.txt" >"$TMP/out" 2>"$TMP/err"
	if cmp -s "$exp" "$TMP/out"; then
		ok "collapse --$opt $name"
	else
		fail "collapse --$opt $name" "$(diff "$exp" "$TMP/out" | head -5 | tr '\n' '|')"
	fi
	if [ ! -d "$TMP/split-$name" ]; then
		mkdir -p "$TMP/split-$name"
		split -a 4 -b 1021 "$dir/$name.txt" "$TMP/split-$name/p."
	fi
	"$SCORCH" collapse --"$opt" "$TMP/split-$name"/p.* >"$TMP/out" 2>"$TMP/err"
	if cmp -s "$exp" "$TMP/out"; then
		ok "collapse --$opt $name, in pieces of 1021 bytes"
	else
		fail "collapse --$opt $name, in pieces of 1021 bytes" \
			"$(diff "$exp" "$TMP/out" | head -5 | tr '\n' '|')"
	fi
done
finish
