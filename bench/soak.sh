#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak: `scorch record -a -F 999` for SOAK_SECONDS (default 3600) under a mixed load (CPU
# threads, a fork storm of short processes, file I/O), sampling scorch's RSS and open fds
# every SOAK_INTERVAL seconds (default 10). Prints the curve ("t_s rss_kB fds") and fails
# when memory keeps growing: the RSS of the last quarter may exceed that of the second
# quarter by at most SOAK_MAX_GROWTH_PCT percent (default 10) plus 8 MB, and the fd count
# may never rise more than SOAK_MAX_FD_GROWTH (default 256: the ELF files the DWARF unwinder
# may keep open, src/unwind/dwarf.c) above its first value. Not part of make test (an hour).
# SOAK_MODE=agent runs the push agent instead (`--push` to the loopback stand-in for
# Pyroscope, `--every 10`, no file): its call tree is dropped after each push, so growth there
# is a leak, not data. The default (a file at the end) keeps every distinct stack of the run,
# so its RSS grows with what the machine runs; record -v's node count at the end says how much.
# Usage: bench/soak.sh [--backend perf|bpf]   (root; SOAK_SECONDS, SOAK_INTERVAL, SOAK_OUT)
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
SCORCH=${SCORCH:-$ROOT/build/scorch}
DUR=${SOAK_SECONDS:-3600}
IV=${SOAK_INTERVAL:-10}
MAXPCT=${SOAK_MAX_GROWTH_PCT:-10}
MAXFD=${SOAK_MAX_FD_GROWTH:-256}
OUT=${SOAK_OUT:-$(mktemp -d /tmp/scorch-soak.XXXXXX)}
BACKEND=perf
[ "${1:-}" = --backend ] && BACKEND=$2
mkdir -p "$OUT"
[ "$(id -u)" = 0 ] || { echo "soak: needs root (record -a)" >&2; exit 2; }
[ -x "$SCORCH" ] || { echo "soak: $SCORCH is missing; run make" >&2; exit 2; }

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

if [ "${SOAK_MODE:-file}" = agent ]; then
	rm -f "$OUT/port"
	python3 tests/e2e/pyroscope_stub.py "$OUT/port" "$OUT/ingest.log" & pids+=($!)
	for _ in $(seq 100); do [ -s "$OUT/port" ] && break; sleep 0.05; done
	[ -s "$OUT/port" ] || { echo "soak: the loopback server did not start" >&2; exit 1; }
	"$SCORCH" record -a -F 999 --backend "$BACKEND" -v --push "http://127.0.0.1:$(cat "$OUT/port")" \
		--every 10 --push-queue "$OUT/queue" 2>"$OUT/record.err" &
else
	"$SCORCH" record -a -F 999 --backend "$BACKEND" -v -o "$OUT/soak.folded" 2>"$OUT/record.err" &
fi
rec=$!
sleep 2
kill -0 $rec 2>/dev/null || { echo "soak: record did not start: $(cat "$OUT/record.err")" >&2; exit 1; }
# The load: CPU, a fork storm, file I/O with fsync, at nice 19 (bench/load.sh).
bench/load.sh "$OUT/load" & pids+=($!)

echo "t_s rss_kB fds" | tee "$OUT/curve.txt"
t0=$SECONDS
while [ $((SECONDS - t0)) -lt "$DUR" ]; do
	sleep "$IV"
	kill -0 $rec 2>/dev/null || { echo "soak: record died: $(tail -3 "$OUT/record.err")" >&2; exit 1; }
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$rec/status)
	fds=$(ls /proc/$rec/fd | wc -l)
	echo "$((SECONDS - t0)) $rss $fds" | tee -a "$OUT/curve.txt"
done
kill -INT $rec
wait $rec
st=$?
cat "$OUT/record.err"
awk -v pct="$MAXPCT" -v maxfd="$MAXFD" -v st=$st '
	BEGIN { n = 0 }
	NR > 1 { t[n] = $1; r[n] = $2; f[n] = $3; n++ }
	END {
		if (n < 4) { print "soak: too few samples"; exit 1 }
		q = int(n / 4)
		for (i = q; i < 2 * q; i++) a += r[i]
		for (i = n - q; i < n; i++) b += r[i]
		a /= q; b /= q
		fmax = 0; for (i = 0; i < n; i++) if (f[i] > fmax) fmax = f[i]
		printf "soak: RSS %d kB at start, %.0f kB mean in the second quarter, %.0f kB in the last (+%.1f%%); fds %d at start, %d at most; record exit %d\n", r[0], a, b, 100 * (b - a) / a, f[0], fmax, st
		bad = 0
		if (b > a * (1 + pct / 100) + 8192) { print "soak: FAIL: memory kept growing"; bad = 1 }
		if (fmax > f[0] + maxfd) { print "soak: FAIL: open fds grew past the bound (+" maxfd ")"; bad = 1 }
		if (st != 0) { print "soak: FAIL: record exited with " st; bad = 1 }
		exit bad
	}' "$OUT/curve.txt"
