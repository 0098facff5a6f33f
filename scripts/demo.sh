#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: profile the bundled C workload with scorch record and show the top functions.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=$ROOT/build/scorch
WL=$ROOT/build/workloads
cd "$ROOT" || exit 1

mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" tests/workloads/cpu_split.c || {
	echo "demo: cannot build tests/workloads/cpu_split.c (is a C compiler installed?)" >&2
	exit 1
}

paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
if [ "$(id -u)" != 0 ] && [ "$paranoid" -gt 1 ]; then
	echo "demo: note: not root and kernel.perf_event_paranoid=$paranoid: kernel frames will be" >&2
	echo "      left out. For full stacks run 'sudo make demo' or" >&2
	echo "      'sudo sysctl kernel.perf_event_paranoid=1'." >&2
fi

echo "demo: profiling build/workloads/cpu_split (2 threads, 60/30/10 split by construction) at 999 Hz"
if ! "$SCORCH" record -F 999 -o build/demo.svg -o build/demo.folded -- "$WL/cpu_split" 3 0 2; then
	echo "demo: scorch record failed (see the message above): perf_event_open needs root or" >&2
	echo "      kernel.perf_event_paranoid <= 2. Showing the offline path instead, on the bundled" >&2
	echo "      perf 6.1 capture tests/e2e/fixtures/perf6.txt." >&2
	"$SCORCH" collapse tests/e2e/fixtures/perf6.txt -o build/demo.folded &&
		"$SCORCH" flamegraph build/demo.folded -o build/demo.svg || exit 1
fi
echo
echo "Top functions (self samples, from build/demo.folded):"
awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); self[f[k]] += n; total += n }
	END { for (name in self) printf "%6.1f%%  %8d  %s\n", 100 * self[name] / total, self[name], name }' build/demo.folded |
	sort -rn | head -10
echo
echo "Flame graph: $ROOT/build/demo.svg (open it in a browser; click to zoom, Ctrl-F to search)"
