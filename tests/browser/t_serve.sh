#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Browser test of scorch serve's page in headless Chromium (see serve_test.mjs): pick the
# cpu_split workload, profile it, see hot_function live, zoom, search, download the SVG.
source "$(dirname "$0")/../lib.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
	skip_all "serve in Chromium" "chromium or playwright-core missing: run scripts/install-deps.sh"
fi
is_root || skip_all "serve in Chromium" "needs root (perf events on another process)"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	bail "cannot build the cpu_split workload"
"$TMP/cpu_split" 60 0 1 &
WPID=$!
on_exit "kill $WPID 2>/dev/null"
"$SCORCH" serve --listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
on_exit "kill $SPID 2>/dev/null"
for _ in $(seq 50); do
	grep -q '^http' "$TMP/serve.out" 2>/dev/null && break
	sleep 0.1
done
URL=$(head -1 "$TMP/serve.out")
if [[ "$URL" != http://127.0.0.1:*/\?token=* ]]; then
	fail "scorch serve prints its URL" "got [$URL]: $(head -c 300 "$TMP/serve.err")"
	finish
fi
node "$ROOT/tests/browser/serve_test.mjs" "$URL" "$WPID" "$TMP" >"$TMP/out" 2>&1
st=$?
cat "$TMP/out"
if [ $st != 0 ] && ! grep -q '^not ok' "$TMP/out"; then
	fail "browser test ran" "node exited $st: $(tail -5 "$TMP/out" | tr '\n' '|')"
fi
finish
