#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Browser test of scorch serve's page in headless Chromium (see serve_test.mjs): pick the
# cpu_split workload, profile it, see hot_function live, zoom, search, download the SVG.
source "$(dirname "$0")/../lib.sh"
need_browser "serve in Chromium"
is_root || skip_all "serve in Chromium" "needs root (perf events on another process)"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	bail "cannot build the cpu_split workload"
"$TMP/cpu_split" 60 0 1 &
WPID=$!
on_exit "kill $WPID 2>/dev/null"
start_serve serve
if [[ "$URL" != http://127.0.0.1:*/\?token=* ]]; then
	fail "scorch serve prints its URL" "got [$URL]: $(head -c 300 "$TMP/serve.err")"
	finish
fi
browser_test serve_test.mjs "$URL" "$WPID" "$TMP"
finish
