#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# speedscope (the npm package) opens scorch's .speedscope.json and .trace.json in headless
# Chromium and shows the expected frames (see speedscope_test.mjs).
source "$(dirname "$0")/../lib.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d "$ROOT/tests/browser/node_modules/speedscope" ]; then
	skip "speedscope in Chromium" "chromium or the speedscope npm package missing: run scripts/install-deps.sh"
	exit 0
fi
printf 'main;alpha_fn;beta_fn 30\nmain;alpha_fn 10\nmain;gamma_fn 60\n' >"$TMP/t.folded"
printf 'beta_fn\t30\nalpha_fn\t10\ngamma_fn\t60\nmain\t0\n' >"$TMP/expected.tsv"
for ext in speedscope.json trace.json; do
	"$SCORCH" convert "$TMP/t.folded" -o "$TMP/t.$ext" 2>"$TMP/err" || { fail "convert to .$ext" "$(cat "$TMP/err")"; continue; }
	browser_test speedscope_test.mjs "$TMP/t.$ext" "$TMP/expected.tsv"
done
finish
