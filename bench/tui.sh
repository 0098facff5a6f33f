#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Terminal UI redraw benchmark: layout + draw of a 200,000-stack profile at 200x60 (target <= 16 ms).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
STACKS=${STACKS:-200000}
RUNS=${RUNS:-5}
TMP=$(mktemp -d /tmp/scorch-bench-tui.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

[ -x "$SCORCH" ] || { echo "bench/tui.sh: build scorch first (make build/scorch)" >&2; exit 1; }
[ -x "$ROOT/build/bench/tui_bench" ] || make -C "$ROOT" build/bench/tui_bench >/dev/null

# Deterministic stacks shaped like a server's: a shared call chain of random length (a
# framework), then a tail of 1..12 frames chosen with a skew among 16 functions per depth, so
# the graph has deep wide towers and a long tail of thin stacks (~1.5M trie nodes).
F="$TMP/big.folded"
awk -v n="$STACKS" 'BEGIN {
	srand(42)
	for (i = 0; i < n; i++) {
		c = int(rand() * 45)
		s = "main"
		for (k = 1; k <= c; k++)
			s = s ";framework_layer_" k
		t = 1 + int(rand() * 12)
		for (k = 1; k <= t; k++) {
			r = rand()
			s = s ";fn_" k "_" int(r * r * 16) "_compute"
		}
		print s, 1 + int(rand() * 100)
	}
}' >"$F"
echo "profile: $STACKS stacks, $(wc -c <"$F") bytes"

# Dense worst case for drawing: 50 towers of 56 frames, each 4 cells wide, fill the screen
# (~3000 frames on screen), over the same number of stacks.
D="$TMP/dense.folded"
awk -v n="$STACKS" 'BEGIN {
	for (i = 0; i < n; i++) {
		s = "tower_" (i % 50)
		for (k = 1; k <= 56; k++)
			s = s ";level_" k "_of_the_tower"
		print s ";leaf_" int(i / 50) % 4000, 1
	}
}' >"$D"

bench_one() {
	local name=$1 file=$2 meds=() out m
	for r in $(seq "$RUNS"); do
		out=$("$ROOT/build/bench/tui_bench" "$file" 200x60 31)
		[ "$r" = 1 ] && echo "$out" | head -2 | sed "s/^/$name: /" >&2
		m=$(echo "$out" | sed -n 's/^redraw: median \([0-9.]*\) ms.*/\1/p')
		meds+=("$m")
	done
	printf '%s\n' "${meds[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p"
}

real=$(bench_one realistic "$F")
dense=$(bench_one dense "$D")
worst=$(printf '%s\n%s\n' "$real" "$dense" | sort -g | tail -1)
verdict=$(awk -v m="$worst" 'BEGIN { print (m <= 16) ? "within" : "OVER" }')
echo "tui redraw at 200x60, $STACKS stacks, median of $RUNS runs x 31 redraws:"
echo "  realistic profile: $real ms"
echo "  dense profile:     $dense ms"
echo "  worst: $worst ms ($verdict the 16 ms target)"
