#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: every benchmark, each printing medians and ratios against its reference tool.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
echo "== offline: collapse, flamegraph, diff vs the perl FlameGraph scripts"
"$ROOT/bench/offline.sh"
echo
echo "== record vs perf record + perf script + collapse + flamegraph"
if [ "$(id -u)" = 0 ]; then "$ROOT/bench/record.sh"; else echo "skipped: needs root"; fi
echo
echo "== terminal UI redraw"
"$ROOT/bench/tui.sh"
echo
echo "== terminal UI keystroke latency while recording"
"$ROOT/bench/tui_latency.sh"
echo
echo "== interchange formats: write/read per format vs the pprof tool"
"$ROOT/bench/formats.sh"
echo
echo "== HTML viewer in Chromium: first paint, hover and zoom of a 200,000-stack profile"
"$ROOT/bench/viewer.sh"
echo
echo "== scorch serve: API requests/s on loopback while a 999 Hz profile runs"
"$ROOT/bench/serve.sh"
echo
echo "== --call-graph dwarf vs perf record --call-graph dwarf + perf script"
if [ "$(id -u)" = 0 ]; then "$ROOT/bench/dwarf.sh"; else echo "skipped: needs root"; fi
