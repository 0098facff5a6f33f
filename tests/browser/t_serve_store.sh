#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch serve opening a big stored profile in headless Chromium (see serve_store_test.mjs):
# the page draws the coarse copy first, and that first frame is the full graph's.
source "$(dirname "$0")/../lib.sh"
need_browser "serve's stored profile in Chromium"
is_root || skip_all "serve's stored profile in Chromium" "needs root (serve drops to nobody)"
mkdir -p "$TMP/store"
python3 "$ROOT/bench/gen_folded.py" 20000 >"$TMP/store/scorch-1700000000-1.folded" ||
	bail "bench/gen_folded.py failed"
chown -R nobody "$TMP/store" && chmod 755 "$TMP"
total=$(awk '{ t += $NF } END { print t }' "$TMP/store/scorch-1700000000-1.folded")
start_serve serve --store "$TMP/store"
if [[ "$URL" != http://127.0.0.1:*/\?token=* ]]; then
	fail "scorch serve --store prints its URL" "got [$URL]: $(head -c 300 "$TMP/serve.err")"
	finish
fi
browser_test serve_store_test.mjs "$URL" "$total"
finish
