#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Keystroke-to-screen latency of `scorch top` while it records at 999 Hz: tmux sends Tab
# (switch view), the script polls capture-pane until the screen shows the new view. The
# figure includes tmux's own delay, so it is an upper bound. Median of RUNS keystrokes.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
RUNS=${RUNS:-15}
[ "$(id -u)" = 0 ] || { echo "bench/tui_latency.sh: needs root (perf_event_open)"; exit 0; }
command -v tmux >/dev/null || { echo "bench/tui_latency.sh: tmux is not installed"; exit 1; }
WL=$ROOT/build/workloads
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" || exit 1
S=scorch-lat-$$
tmux kill-session -t "$S" 2>/dev/null
tmux new-session -d -s "$S" -x 200 -y 60 "$SCORCH top -F 999 --refresh 1000 -- $WL/cpu_split 60 0 2"
trap 'tmux kill-session -t "$S" 2>/dev/null' EXIT
deadline=$((SECONDS + 10))
until tmux capture-pane -p -t "$S" | grep -q hot_function; do
	[ $SECONDS -gt $deadline ] && { echo "top did not show the workload"; exit 1; }
	sleep 0.05
done
ms=()
for _ in $(seq "$RUNS"); do
	before=$(tmux capture-pane -p -t "$S" | sed -n 2p)
	t0=$(date +%s%N)
	tmux send-keys -t "$S" Tab
	while [ "$(tmux capture-pane -p -t "$S" | sed -n 2p)" == "$before" ]; do :; done
	t1=$(date +%s%N)
	ms+=("$(( (t1 - t0) / 1000 ))")
	sleep 0.2
done
printf '%s\n' "${ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
	printf "keystroke to screen while recording at 999 Hz: median %.1f ms, max %.1f ms over %d keys (target 50 ms)\n", m / 1000, v[NR] / 1000, NR }'
