#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HTML viewer in headless Chromium: page load to first paint of a 200,000-stack profile
# (target <= 300 ms) and the frame time of hover and zoom (target <= 16 ms); prints medians.
# STACKS=N changes the profile size, RUNS=N the number of page loads. BEFORE=/path/to/scorch
# also writes the page with that (older) build and loads both in turn in one browser, so that
# before and after share the machine's load. SERVE=1 adds scorch serve's page opening the
# profile from its --store (after the HTML pages, in the same browser). WEBUI_POPUP=1 keeps
# headless Chromium's omnibox WebUI, which it loads with every page (see viewer.mjs).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
STACKS=${STACKS:-200000}
RUNS=${RUNS:-5}
if [ ! -x /usr/bin/chromium ] || [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
	echo "skipped: chromium or playwright-core missing (scripts/install-deps.sh)"
	exit 0
fi
TMP=$(mktemp -d /tmp/scorch-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 "$ROOT/bench/gen_folded.py" "$STACKS" >"$TMP/big.folded"
start=$(date +%s%N)
"$SCORCH" flamegraph "$TMP/big.folded" -o "$TMP/big.html" || exit 1
end=$(date +%s%N)
echo "$STACKS stacks: scorch flamegraph -o big.html in $(((end - start) / 1000000)) ms," \
	"$(($(stat -c %s "$TMP/big.html") / 1024)) KiB page"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (timings scale with it)"
pages=$TMP/big.html
if [ -n "${BEFORE:-}" ]; then
	"$BEFORE" flamegraph "$TMP/big.folded" -o "$TMP/before.html" || exit 1
	echo "before ($BEFORE): $(($(stat -c %s "$TMP/before.html") / 1024)) KiB page"
	pages=$TMP/before.html,$TMP/big.html
fi
# SERVE=1: also scorch serve's page opening the same profile from its --store (coarse copy
# first, then the full JSON), which serve reads as it starts
if [ -n "${SERVE:-}" ]; then
	mkdir -p "$TMP/store"
	cp "$TMP/big.folded" "$TMP/store/scorch-1700000000-1.folded"
	chown -R nobody "$TMP/store" && chmod 755 "$TMP"
	"$SCORCH" serve --listen 127.0.0.1:0 --store "$TMP/store" >"$TMP/serve.out" 2>"$TMP/serve.err" &
	spid=$!
	trap 'kill $spid 2>/dev/null; rm -rf "$TMP"' EXIT
	for _ in $(seq 600); do
		grep -q '^http' "$TMP/serve.out" 2>/dev/null && break
		sleep 0.1
	done
	url=$(head -1 "$TMP/serve.out")
	[[ $url == http* ]] || { echo "scorch serve did not start: $(head -c 300 "$TMP/serve.err")"; exit 1; }
	pages=$pages,$url#/profile/1
fi
node "$ROOT/bench/viewer.mjs" "$pages" "$RUNS"
