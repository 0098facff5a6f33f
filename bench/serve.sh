#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch serve under load, on loopback only: wrk against the JSON API while a 999 Hz profile
# of cpu_split runs (target >= 1,000 requests/s, no lost samples), and requests/s for the
# viewer JSON of a stored 200,000-stack profile.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
DUR=${DUR:-5}
CONNS=${CONNS:-8}
STACKS=${STACKS:-200000}
command -v wrk >/dev/null || { echo "bench/serve.sh: skipped: wrk is missing (apt-get install wrk)"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "bench/serve.sh: skipped: needs root (perf events on another process)"; exit 0; }
[ -x "$SCORCH" ] || { echo "bench/serve.sh: build scorch first (make)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/scorch-bench-serve.XXXXXX)
chmod 711 "$TMP"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/cpu_split" "$ROOT/tests/workloads/cpu_split.c"
"$TMP/cpu_split" $((DUR * 4 + 30)) 0 1 &
WPID=$!
PIDS+=("$WPID")

# a stored 200,000-stack profile (deterministic, server-like shape), loaded at start
mkdir -p "$TMP/store"
awk -v n="$STACKS" 'BEGIN {
	srand(42)
	for (i = 0; i < n; i++) {
		c = int(rand() * 45); s = "main"
		for (k = 1; k <= c; k++) s = s ";framework_layer_" k
		t = 1 + int(rand() * 12)
		for (k = 1; k <= t; k++) { r = rand(); s = s ";fn_" k "_" int(r * r * 16) "_compute" }
		print s, 1 + int(rand() * 100)
	}
}' >"$TMP/store/scorch-0-1.folded"
chmod -R a+rwX "$TMP/store"

"$SCORCH" serve --listen 127.0.0.1:0 --store "$TMP/store" --max-conns 256 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
PIDS+=("$SPID")
for _ in $(seq 100); do grep -q '^http' "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(head -1 "$TMP/serve.out")
TOKEN=${URL#*token=}
BASE=${URL%%/\?*}
H="Authorization: Bearer $TOKEN"

# the 999 Hz profile that must not lose samples while the API is loaded
SECS=$((DUR * 3 + 6))
# the workload's CPU time (utime + stime, in clock ticks) from the profile's start to its end
cputicks() { awk '{ print $14 + $15 }' "/proc/$WPID/stat"; }
ID=$(curl -s -H "$H" -d "{\"pids\":[$WPID],\"seconds\":$SECS,\"hz\":999}" "$BASE/api/profiles" | tr -dc 0-9)
tick0=$(cputicks)
[ -n "$ID" ] || { echo "bench/serve.sh: cannot start the profile: $(cat "$TMP/serve.err")" >&2; exit 1; }
sleep 2

run() { # NAME PATH: requests/s of GET PATH
	local out
	out=$(wrk -t2 -c"$CONNS" -d"${DUR}s" -H "$H" "$BASE$2" 2>&1)
	local rps
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	local errs
	errs=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
	printf "  %-44s %10s req/s%s\n" "$1" "$rps" "${errs:+  ($errs non-2xx)}"
	echo "$rps" >"$TMP/rps.$3"
}
echo "scorch serve on loopback: wrk -t2 -c$CONNS -d${DUR}s, a 999 Hz profile running meanwhile"
run "GET /api/profiles/$ID (status, live profile)" "/api/profiles/$ID" status
run "GET /api/profiles (list)" "/api/profiles" list
run "GET /api/profiles/$ID/view (viewer JSON, live)" "/api/profiles/$ID/view" live

# let the profile finish, then count what it kept
for _ in $(seq $((SECS * 5 + 50))); do
	st=$(curl -s -H "$H" "$BASE/api/profiles/$ID")
	grep -q '"state":"done"' <<<"$st" && break
	sleep 0.2
done
tick1=$(cputicks)
samples=$(sed -E 's/.*"samples":([0-9]+).*/\1/' <<<"$st")
lost=$(sed -E 's/.*"lost":([0-9]+).*/\1/' <<<"$st")
elapsed=$(sed -E 's/.*"elapsed":([0-9.]+).*/\1/' <<<"$st")
echo "  999 Hz profile during the load: $samples samples in ${elapsed} s, $lost lost"
cpu=$(awk -v a="$tick0" -v b="$tick1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')
echo "  the workload used $cpu CPU-s meanwhile (/proc/PID/stat): $samples samples are" \
	"$(awk -v s="$samples" -v c="$cpu" 'BEGIN { printf "%.1f", (c > 0 ? 100 * s / (c * 999) : 0) }')% of 999 per CPU-s"

size=$(curl -s -H "$H" -o "$TMP/big.json" -w '%{size_download}' "$BASE/api/profiles/1/view")
t=$(curl -s -H "$H" -o /dev/null -w '%{time_total}' "$BASE/api/profiles/1/view")
echo "  200,000-stack stored profile: viewer JSON $((size / 1024)) KiB in ${t} s per request"
out=$(wrk -t2 -c2 -d"${DUR}s" -H "$H" "$BASE/api/profiles/1/view" 2>&1)
echo "  GET /api/profiles/1/view (200,000 stacks)      $(awk '/^Requests\/sec:/ { print $2 }' <<<"$out") req/s"

rps=$(cat "$TMP/rps.status")
awk -v r="$rps" -v l="$lost" 'BEGIN {
	printf "target: >= 1000 req/s on the status API: %s; no lost samples: %s\n",
		(r + 0 >= 1000 ? "met" : "MISSED"), (l + 0 == 0 ? "met" : "MISSED") }'
