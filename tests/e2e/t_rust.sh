#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch record on a Rust program (generics, a trait impl) whose CPU split is known by
# construction: shares, demangled Rust names, and the same names as perf's pipeline.
source "$(dirname "$0")/../lib.sh"
RUSTC=$(command -v rustc || ls "$HOME"/.cargo/bin/rustc /root/.cargo/bin/rustc 2>/dev/null | head -1)
[ -n "$RUSTC" ] || skip_all "rust workload" "rustc is not installed"
is_root || skip_all "rust workload" "needs root for perf_event_open"
"$RUSTC" -O -g -C force-frame-pointers=yes -o "$TMP/rust_split" "$ROOT/tests/workloads/rust_split.rs" 2>"$TMP/rustc.err" ||
	bail "the rust workload does not build: $(head -3 "$TMP/rustc.err")"

"$SCORCH" record -q -F 999 -o "$TMP/r.folded" -- "$TMP/rust_split" 2 >/dev/null
share() { awk -v pat=";$2" '{ n = $NF; t += n; s = $0; sub(/ [0-9]+$/, "", s); if (index(s ";", pat ";")) h += n }
	END { printf "%.0f", t ? 100 * h / t : 0 }' "$1"; }
near() { if [ "$3" -ge $(($2 - $4)) ] && [ "$3" -le $(($2 + $4)) ]; then ok "$1 ($3%, want $2±$4)"; else fail "$1" "$3%, want $2±$4"; fi; }
near "rust_split::hot_function share" 60 "$(share "$TMP/r.folded" rust_split::hot_function)" 6
near "rust_split::warm_function share" 30 "$(share "$TMP/r.folded" rust_split::warm_function)" 5
near "rust_split::cool_function share" 10 "$(share "$TMP/r.folded" rust_split::cool_function)" 4
check "trait impl on a generic type, demangled without the hash" \
	grep -qF ';rust_split::hot_function;<rust_split::Mixer<u64> as rust_split::Work>::run ' "$TMP/r.folded"
check "std frames demangled" grep -qF ';std::rt::lang_start_internal;' "$TMP/r.folded"

if ! command -v perf >/dev/null; then
	skip "rust names vs perf" "linux-perf is not installed"
elif ! have_perl_tools; then
	skip "rust names vs perf" "stackcollapse-perf.pl not found in $FLAMEGRAPH_DIR"
else
	# perf's pipeline, all outside scorch: perf record + perf script + stackcollapse-perf.pl
	perf record -q -F 999 -g -o "$TMP/r.data" -- "$TMP/rust_split" 2 >/dev/null 2>&1
	perf script -i "$TMP/r.data" 2>/dev/null | pl_collapse >"$TMP/p.folded" 2>/dev/null
	grep -q 'rust_split::hot_function' "$TMP/p.folded" || bail "perf's profile lacks rust_split::hot_function"
	# frame names of the stacks holding >= 3% of the samples, in both pipelines
	names() { awk '{ n = $NF; t += n; c[$0] = n } END { for (s in c) if (c[s] * 100 >= 3 * t) { sub(/ [0-9]+$/, "", s); print s } }' "$1" |
		tr ';' '\n' | sort -u; }
	expect_eq "the same frame names as perf record + perf script + stackcollapse-perf.pl" "$(names "$TMP/p.folded")" "$(names "$TMP/r.folded")"
fi
finish
