#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch serve opening a big stored profile in headless Chromium (see serve_store_test.mjs):
# the page draws the coarse copy first, and that first frame is the full graph's.
source "$(dirname "$0")/../lib.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
	skip_all "serve's stored profile in Chromium" "chromium or playwright-core missing: run scripts/install-deps.sh"
fi
is_root || skip_all "serve's stored profile in Chromium" "needs root (serve drops to nobody)"
mkdir -p "$TMP/store"
python3 "$ROOT/bench/gen_folded.py" 20000 >"$TMP/store/scorch-1700000000-1.folded" ||
	bail "bench/gen_folded.py failed"
chown -R nobody "$TMP/store" && chmod 755 "$TMP"
total=$(awk '{ t += $NF } END { print t }' "$TMP/store/scorch-1700000000-1.folded")
"$SCORCH" serve --listen 127.0.0.1:0 --store "$TMP/store" >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
on_exit "kill $SPID 2>/dev/null"
for _ in $(seq 50); do
	grep -q '^http' "$TMP/serve.out" 2>/dev/null && break
	sleep 0.1
done
URL=$(head -1 "$TMP/serve.out")
if [[ "$URL" != http://127.0.0.1:*/\?token=* ]]; then
	fail "scorch serve --store prints its URL" "got [$URL]: $(head -c 300 "$TMP/serve.err")"
	finish
fi
node "$ROOT/tests/browser/serve_store_test.mjs" "$URL" "$total" >"$TMP/out" 2>&1
st=$?
cat "$TMP/out"
if [ $st != 0 ] && ! grep -q '^not ok' "$TMP/out"; then
	fail "browser test ran" "node exited $st: $(tail -5 "$TMP/out" | tr '\n' '|')"
fi
finish
