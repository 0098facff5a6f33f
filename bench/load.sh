#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A mixed load for the long-running benchmarks (bench/soak.sh, bench/agent.sh LOAD=1), run until
# killed, at nice 19 so that the machine stays usable (a system-wide sampler sees it all the
# same): CPU (cpu_split's two threads, 60/30/10 by design, restarted every 5 s), a fork storm
# (200 /bin/true, then sh running ls and date, over and over) and file I/O (32 MB written with
# fsync, then a second's rest). Usage: bench/load.sh DIR (the workload is built in DIR).
cd "$(dirname "$0")/.." || exit 1
DIR=${1:?usage: bench/load.sh DIR}
mkdir -p "$DIR"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$DIR/cpu_split" tests/workloads/cpu_split.c ||
	exit 2
renice -n 19 $$ >/dev/null
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -f "$DIR/io.dat"; exit 0' TERM INT EXIT
(while :; do "$DIR/cpu_split" 5 0 2 >/dev/null; done) & pids+=($!)
(while :; do for i in $(seq 200); do /bin/true; done; sh -c 'ls / >/dev/null; date >/dev/null'; done) & pids+=($!)
(while :; do dd if=/dev/zero of="$DIR/io.dat" bs=1M count=32 conv=fsync status=none; rm -f "$DIR/io.dat"; sleep 1; done) & pids+=($!)
wait
