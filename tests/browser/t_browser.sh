#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Browser test: a generated SVG in headless Chromium (see svg_test.mjs).
source "$(dirname "$0")/../lib.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
	skip_all "SVG in Chromium" "chromium or playwright-core missing: run scripts/install-deps.sh"
fi
printf 'main;a;b 30\nmain;a 10\nmain;c 60\n' >"$TMP/t.folded"
"$SCORCH" flamegraph "$TMP/t.folded" -o "$TMP/t.svg"
if ! grep -q '<title>all (100 samples, 100%)</title>' "$TMP/t.svg" 2>/dev/null; then
	fail "scorch flamegraph writes the SVG under test" "no flame graph in $TMP/t.svg"
	finish
fi
node "$ROOT/tests/browser/svg_test.mjs" "$TMP/t.svg" >"$TMP/out" 2>&1
st=$?
cat "$TMP/out"
if [ $st != 0 ] && ! grep -q '^not ok' "$TMP/out"; then
	fail "browser test ran" "node exited $st: $(tail -5 "$TMP/out" | tr '\n' '|')"
fi
finish
