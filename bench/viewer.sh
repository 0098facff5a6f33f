#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HTML viewer in headless Chromium: page load to first paint of a 200,000-stack profile
# (target <= 300 ms) and the frame time of hover and zoom (target <= 16 ms); prints medians.
# STACKS=N changes the profile size, RUNS=N the number of page loads. BEFORE=/path/to/scorch
# also writes the page with that (older) build and loads both in turn in one browser, so that
# before and after share the machine's load.
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
node "$ROOT/bench/viewer.mjs" "$pages" "$RUNS"
