#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HTML viewer (-o FILE.html) in headless Chromium: numbers a user sees against awk's reading
# of the folded input, zoom, search, icicle, the top table, the diff colours and the heatmap of a
# recorded two-phase workload (see viewer_test.mjs).
source "$(dirname "$0")/../lib.sh"
need_browser "HTML viewer in Chromium"
IN=$CORPUS/stackcollapse-perf/expected/perf-vertx-stacks-01-collapsed-kernel.txt
[ -s "$IN" ] || bail "corpus file $IN missing"
REGEX=Slot

"$SCORCH" flamegraph "$IN" -o "$TMP/corpus.html" 2>"$TMP/err"
if ! grep -q 'id="scorch-data">{' "$TMP/corpus.html" 2>/dev/null; then
	fail "scorch flamegraph -o x.html writes the viewer page" "$(head -c 300 "$TMP/err")"
	finish
fi
ok "scorch flamegraph -o x.html writes the viewer page"
check "the page is self-contained (no external script, style or fetch)" \
	bash -c '! grep -Eq "<script[^>]+src=|<link[^>]+stylesheet|fetch\(|XMLHttpRequest" "$1"' _ "$TMP/corpus.html"

# ---- expectations from the folded file, by awk ----
# lines as "count<TAB>frame;frame;..."
awk '{ n = $NF; s = $0; sub(/ [0-9.]+$/, "", s); printf "%s\t%s\n", n, s }' "$IN" >"$TMP/lines"
total=$(awk -F'\t' '{ t += $1 } END { print t }' "$TMP/lines")
max_depth=$(awk -F'\t' '{ k = split($2, a, ";"); if (k > m) m = k } END { print m }' "$TMP/lines")
# a frame found at exactly one path, at depth >= 3 and at most half of all samples, the widest
# such (its path and count)
read -r frame_count frame_path < <(awk -F'\t' '{
	t += $1; k = split($2, a, ";"); p = ""
	for (i = 1; i <= k; i++) {
		p = p (i > 1 ? ";" : "") a[i]
		if (!((a[i], p) in seenp)) { seenp[a[i], p] = 1; paths[a[i]]++ }
		if (i >= 2) cnt[p] += $1
		pathof[a[i]] = p
	}
} END {
	for (p in cnt) {
		n = split(p, b, ";"); f = b[n]
		if (n >= 3 && paths[f] == 1 && 2 * cnt[p] <= t && cnt[p] > best) { best = cnt[p]; bp = p }
	}
	print best, bp
}' "$TMP/lines")
frame=${frame_path##*;}
# the widest frame name that never occurs under that path
outside=$(awk -F'\t' -v P="$frame_path" '{
	under = index($2 ";", P ";") == 1
	k = split($2, a, ";"); delete seen
	for (i = 1; i <= k; i++) if (!(a[i] in seen)) { seen[a[i]] = 1; if (under) bad[a[i]] = 1; else c[a[i]] += $1 }
} END { for (f in c) if (!(f in bad) && c[f] > best) { best = c[f]; bf = f }; print bf }' "$TMP/lines")
# search: each sample counted once when any of its frames matches (flamegraph.pl's Matched)
pct() { awk -v m="$1" -v t="$2" 'BEGIN { p = t ? 100 * m / t : 0; if (p == 100) print "100"; else printf "%.1f\n", p }'; }
matched=$(awk -F'\t' -v R="$REGEX" '{ k = split($2, a, ";"); for (i = 1; i <= k; i++) if (a[i] ~ R) { m += $1; break } } END { print m + 0 }' "$TMP/lines")
zmatched=$(awk -F'\t' -v R="$REGEX" -v P="$frame_path" 'index($2 ";", P ";") == 1 {
	k = split($2, a, ";"); for (i = 1; i <= k; i++) if (a[i] ~ R) { m += $1; break } } END { print m + 0 }' "$TMP/lines")
# per function: self (leaf) and total (lines it appears in, once each); ties as the table breaks them
awk -F'\t' '{ k = split($2, a, ";"); self[a[k]] += $1; delete seen
	for (i = 1; i <= k; i++) if (!(a[i] in seen)) { seen[a[i]] = 1; tot[a[i]] += $1 } }
	END { for (f in tot) printf "%d\t%d\t%s\n", self[f], tot[f], f }' "$TMP/lines" >"$TMP/funcs"
IFS=$'\t' read -r top_self_count _ top_self < <(LC_ALL=C sort -t$'\t' -k1,1nr -k2,2nr -k3,3 "$TMP/funcs" | head -1)
IFS=$'\t' read -r _ top_total_count top_total < <(LC_ALL=C sort -t$'\t' -k2,2nr -k1,1nr -k3,3 "$TMP/funcs" | head -1)
top_self_matches=false
[[ $top_self =~ $REGEX ]] && top_self_matches=true
if [ -z "$frame" ] || [ -z "$outside" ] || [ -z "$top_self" ]; then
	bail "awk found no frame to test in $IN"
fi

# the perl tool, when present, agrees with awk's total (the root's title in its SVG)
if [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	perl "$FLAMEGRAPH_DIR/flamegraph.pl" "$IN" >"$TMP/ref.svg" 2>/dev/null
	expect_eq "flamegraph.pl's total equals awk's" "all ($total samples, 100%)" \
		"$(grep -o '<title>all ([^<]*)' "$TMP/ref.svg" | sed 's/<title>//')"
else
	skip "flamegraph.pl's total equals awk's" "no $FLAMEGRAPH_DIR/flamegraph.pl"
fi

# ---- a differential pair ----
printf 'main;grew 30\nmain;shrank 70\n' >"$TMP/before.folded"
printf 'main;grew 70\nmain;shrank 30\n' >"$TMP/after.folded"
"$SCORCH" flamegraph "$TMP/before.folded" -o "$TMP/before.html"
"$SCORCH" flamegraph "$TMP/after.folded" -o "$TMP/after.html"
"$SCORCH" diff "$TMP/before.folded" "$TMP/after.folded" -o "$TMP/diff.html"

# ---- a frame under 1/2048 of the samples: left out of the page's coarse first copy ----
printf 'main;big 100000\nmain;tiny 1\n' >"$TMP/two.folded"
"$SCORCH" flamegraph "$TMP/two.folded" -o "$TMP/two.html"

# ---- a big generated profile: its first paint (the coarse copy) against the full profile's ----
python3 "$ROOT/bench/gen_folded.py" 20000 >"$TMP/gen.folded" && "$SCORCH" flamegraph "$TMP/gen.folded" -o "$TMP/gen.html"

# ---- a recorded two-phase workload, for the heatmap ----
phases_html=
phases_skip=
if ! cc -O1 -g -fno-omit-frame-pointer -o "$TMP/phases" "$ROOT/tests/workloads/phases.c"; then
	phases_skip="cannot compile tests/workloads/phases.c"
else
	"$SCORCH" record -q -F 499 -o "$TMP/phases.html" -- "$TMP/phases" 1000 2>"$TMP/rec.err"
	if grep -q '"timeline":{' "$TMP/phases.html" 2>/dev/null; then
		ok "record -o x.html keeps sample times for the heatmap"
		phases_html=$TMP/phases.html
	else
		fail "record -o x.html keeps sample times for the heatmap" "$(head -c 300 "$TMP/rec.err")"
		phases_skip="record wrote no timeline"
	fi
fi

# the expectations as JSON for the page script (numbers as numbers)
W_corpus_html=$TMP/corpus.html W_total=$total W_max_depth=$max_depth W_frame=$frame \
W_frame_path=$frame_path W_frame_count=$frame_count W_outside=$outside W_regex=$REGEX \
W_matched_pct=$(pct "$matched" "$total") W_zoom_matched_pct=$(pct "$zmatched" "$frame_count") \
W_top_self=$top_self W_top_self_count=$top_self_count W_top_self_matches=$top_self_matches \
W_top_total=$top_total W_top_total_count=$top_total_count \
W_two_stage_html=$TMP/two.html W_gen_html=$TMP/gen.html W_diff_html=$TMP/diff.html W_diff_before_html=$TMP/before.html W_diff_after_html=$TMP/after.html \
W_phases_html=$phases_html W_phases_skip=$phases_skip \
	node -e '
const w = {}, nums = ["total", "max_depth", "frame_count", "top_self_count", "top_total_count"];
for (const [k, v] of Object.entries(process.env))
	if (k.startsWith("W_")) w[k.slice(2)] = nums.includes(k.slice(2)) ? Number(v) : v;
w.top_self_matches = w.top_self_matches === "true";
process.stdout.write(JSON.stringify(w));' >"$TMP/want.json" || bail "node could not write the expectations"

browser_test viewer_test.mjs "$TMP/want.json"
finish
