#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Browser test: a generated SVG in headless Chromium (see svg_test.mjs).
source "$(dirname "$0")/../lib.sh"
need_browser "SVG in Chromium"
printf 'main;a;b 30\nmain;a 10\nmain;c 60\n' >"$TMP/t.folded"
"$SCORCH" flamegraph "$TMP/t.folded" -o "$TMP/t.svg"
if ! grep -q '<title>all (100 samples, 100%)</title>' "$TMP/t.svg" 2>/dev/null; then
	fail "scorch flamegraph writes the SVG under test" "no flame graph in $TMP/t.svg"
	finish
fi
browser_test svg_test.mjs "$TMP/t.svg"
finish
