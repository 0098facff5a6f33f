#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Recording you can trust (root): short-lived, dlopen-ing and exec-ing programs symbolized,
# planted perf-PID.map files refused, outputs never lost or left half-written.
. "$(dirname "$0")/../lib.sh"

is_root || skip_all "fault and security tests" "need root (perf_event_open on any process, chown)"
WL=$TMP/wl
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -shared -fPIC -o "$WL/libhot.so" "$ROOT/tests/workloads/libhot.c" &&
	cc -O1 -g -fno-omit-frame-pointer -o "$WL/dlopen_hot" "$ROOT/tests/workloads/dlopen_hot.c" -ldl &&
	cc -O1 -g -fno-omit-frame-pointer -o "$WL/exec_after" "$ROOT/tests/workloads/exec_after.c" &&
	cc -O1 -g -o "$WL/jit_spin" "$ROOT/tests/workloads/jit_spin.c" &&
	cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	bail "cannot build the workloads"
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "fault and security tests" "Debian's /usr/bin/python3 is missing"

# share FILE PATTERN: percent of the samples whose stack matches PATTERN (awk regex)
share() { awk -v re="$2" '{ n = $NF; t += n; if ($0 ~ re) h += n } END { printf "%d", t ? 100 * h / t : 0 }' "$1"; }
# unknown_only FILE: percent of samples whose frames below the root are all [unknown]
unknown_only() {
	awk '{ n = $NF; t += n; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); u = 1
	       for (i = 2; i <= k; i++) if (f[i] != "[unknown]") u = 0
	       if (u) x += n } END { printf "%d", t ? 100 * x / t : 100 }' "$1"
}
# total FILE: the sample count
total() { awk '{ t += $NF } END { print t + 0 }' "$1"; }

# --- symbols for every sample ---------------------------------------------------------------
# 1. A short-lived process: its maps come from the mmap records, not from /proc afterwards.
#    perf on the same command resolves every sample to at least one named frame.
worst=0
for i in 1 2 3; do
	"$SCORCH" record -q -F 999 -o "$TMP/py$i.folded" -- $PY -c 'sum(i*i for i in range(2000000))'
	u=$(unknown_only "$TMP/py$i.folded")
	[ "$(total "$TMP/py$i.folded")" -gt 20 ] || u=100
	[ "$u" -gt "$worst" ] && worst=$u
done
[ "$worst" -le 2 ] && ok "short-lived python3: at most 2% of samples all-[unknown] in 3 runs (worst $worst%)" ||
	fail "short-lived python3: at most 2% of samples all-[unknown] in 3 runs" "worst run $worst%"

# 1b. A shell loop of 15 short pythons (perf: 0% all-[unknown]; the issue saw 56% before the
#     mmap records were used). Each python must be named from its own image's mappings.
#     One run in a CI-like clean clone gave 3% (27 of 916 samples) and no rerun here reproduced
#     it (0% in 14 runs): a second attempt is allowed, and both figures are printed.
seen=""
for attempt in 1 2; do
	"$SCORCH" record -q -F 999 -o "$TMP/loop.folded" -- sh -c "for i in \$(seq 15); do $PY -c 'sum(i*i for i in range(300000))'; done"
	u=$(unknown_only "$TMP/loop.folded")
	seen+="$u% "
	[ "$(total "$TMP/loop.folded")" -gt 100 ] && [ "$u" -le 1 ] && break
done
# perf on the same loop: the share of its samples whose frames are all "[unknown] ([unknown])"
# (no symbol and no mapping: scorch's "[unknown]"; a frame in a known file without a symbol is
# scorch's "[python3.11]")
theirs=-
if command -v perf >/dev/null; then
	perf record -q -F 999 -g -o "$TMP/loop.data" -- sh -c "for i in \$(seq 15); do $PY -c 'sum(i*i for i in range(300000))'; done" >/dev/null 2>&1
	theirs=$(perf script -i "$TMP/loop.data" 2>/dev/null | awk 'BEGIN { RS = "" } { n++; k = split($0, L, "\n"); u = 1
		for (i = 2; i <= k; i++) { split(L[i], w, " "); if (w[2] != "[unknown]" || w[3] != "([unknown])") u = 0 } x += u }
		END { if (n) printf "%d", 100 * x / n; else print "-" }')
fi
[ "$(total "$TMP/loop.folded")" -gt 100 ] && [ "$u" -le 1 ] &&
	ok "shell loop of 15 short pythons: $u% of $(total "$TMP/loop.folded") samples all-[unknown] (perf on the same loop: $theirs%)" ||
	fail "shell loop of 15 short pythons: at most 1% all-[unknown]" "attempts: $seen; last of $(total "$TMP/loop.folded") samples; perf $theirs%"

# 2. A library loaded with dlopen after a sleep: the design puts ~all CPU time in hot_loop.
"$SCORCH" record -q -F 999 -o "$TMP/dl.folded" -- "$WL/dlopen_hot" "$WL/libhot.so" 800
h=$(share "$TMP/dl.folded" ";hot_loop( |;)")
[ "$h" -ge 85 ] && ok "dlopen'd library symbolized: hot_loop has $h% (design ~100%)" ||
	fail "dlopen'd library symbolized: hot_loop" "$h%, want >= 85%"

# 3. Samples taken before an exec keep the old image's names: 600 ms of before_exec, then
#    the command execs into a 300 ms python loop.
"$SCORCH" record -q -F 999 -o "$TMP/ex.folded" -- "$WL/exec_after" 600 $PY -c 'sum(i*i for i in range(1000000))'
b=$(share "$TMP/ex.folded" ";before_exec( |;)")
[ "$b" -ge 40 ] && ok "samples before exec named before_exec ($b%, design ~60%)" ||
	fail "samples before exec named before_exec" "$b%, want >= 40%"

# 3b. A make build, against perf record -g on the same build: the processes sampled and the
#     share of samples with no function name at all (Debian's cc1 is stripped: both name its
#     frames only by module) must agree. perf script's blocks: a frame line's symbol is the
#     word after the address; scorch's folded lines: "[unknown]" and "[module]" frames.
if command -v perf >/dev/null && command -v make >/dev/null && command -v cc >/dev/null; then
	mkdir -p "$TMP/build"
	for i in 1 2 3 4 5 6; do
		awk -v i=$i 'BEGIN { print "#include <stdio.h>"
			for (k = 0; k < 120; k++) printf "int f%d_%d(int x) { int s = 0; for (int j = 0; j < x; j++) { s += j * %d ^ (s >> 3); if (s %% 7 == %d) s -= x; } return s; }\n", i, k, k, k % 7 }' \
			>"$TMP/build/f$i.c"
	done
	printf 'all: f1.o f2.o f3.o f4.o f5.o f6.o\n%%.o: %%.c\n\t$(CC) -O2 -c -o $@ $<\n' >"$TMP/build/Makefile"
	"$SCORCH" record -q -F 999 -o "$TMP/make.folded" -- make -B -j2 -s -C "$TMP/build" 2>"$TMP/make.err"
	perf record -q -F 999 -g -o "$TMP/make.data" -- make -B -j2 -s -C "$TMP/build" >/dev/null 2>&1
	perf script -i "$TMP/make.data" 2>/dev/null | awk 'BEGIN { RS = "" } { n++; c[$1]++; named = 0
		k = split($0, L, "\n"); for (i = 2; i <= k; i++) { split(L[i], w, " "); if (w[2] != "[unknown]") named = 1 }
		if (!named) u++ }
		END { printf "%.1f", n ? 100 * u / n : -1; for (x in c) if (c[x] * 20 >= n) printf " %s=%.0f", x, 100 * c[x] / n; print "" }' \
		>"$TMP/make.perf"
	awk '{ n = $NF; t += n; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); named = 0
		for (i = 2; i <= k; i++) if (f[i] !~ /^\[.*\]$/) named = 1
		if (!named) u += n; c[f[1]] += n }
		END { printf "%.1f", t ? 100 * u / t : -1; for (x in c) if (c[x] * 20 >= t) printf " %s=%.0f", x, 100 * c[x] / t; print "" }' \
		"$TMP/make.folded" >"$TMP/make.mine"
	read -r theirs theirs_comms <"$TMP/make.perf"
	read -r mine mine_comms <"$TMP/make.mine"
	# each process with 5% of perf's samples has its share in scorch within 10 points
	comms_ok=1
	for kv in $theirs_comms; do
		c=${kv%=*} v=${kv#*=}
		m=$(echo " $mine_comms " | sed -n "s/.* $c=\([0-9]*\) .*/\1/p")
		[ -n "$m" ] && [ $((m - v)) -le 10 ] && [ $((v - m)) -le 10 ] || comms_ok=0
	done
	# Unnamed shares of one build of ~2,700 samples on this 2-CPU VM: scorch 35.4-38.1% over
	# 12 builds, perf 34.2-37.1% over 4. Each moves by ~3 points from build to build, and a
	# 3-point bound failed once (38.1 against 34.2). A tool that lost names would be off by
	# far more than the 5 points allowed here.
	[ -s "$TMP/make.folded" ] && [ -n "$theirs_comms" ] && [ $comms_ok = 1 ] &&
		awk -v a="$mine" -v b="$theirs" 'BEGIN { exit !(a >= 0 && b >= 0 && a <= b + 5) }' &&
		ok "make -j2 build: processes as perf saw them ($mine_comms; perf $theirs_comms), $mine% of samples with no name (perf $theirs%)" ||
		fail "make -j2 build: the processes and unnamed samples perf sees" \
			"scorch: $mine% unnamed, $mine_comms; perf: $theirs% unnamed, $theirs_comms; $(head -c 200 "$TMP/make.err")"
else
	skip "make build against perf" "perf, make or cc missing"
fi

# 4. -F above the kernel's limit is capped with a note, and the run ends normally.
max=$(cat /proc/sys/kernel/perf_event_max_sample_rate)
timeout 60 "$SCORCH" record --backend perf -F $((max * 2)) -o "$TMP/fast.folded" -- "$WL/cpu_split" 0.05 >/dev/null 2>"$TMP/fast.err"
st=$?
grep -q "above kernel.perf_event_max_sample_rate; sampling at $max Hz" "$TMP/fast.err" && [ $st = 0 ] &&
	grep -q hot_function "$TMP/fast.folded" &&
	ok "-F $((max * 2)) capped to $max Hz with a note" ||
	fail "-F $((max * 2)) capped to $max Hz with a note" "exit $st: $(head -c 300 "$TMP/fast.err")"

# --- planted /tmp/perf-PID.map files ----------------------------------------------------------
# jit_spin runs in anonymous executable memory; a map naming it gives "jit_spin_loop" frames.
jit_case() { # NAME PLANT-FUNCTION WANT(named|refused)
	local name=$1 plant=$2 want=$3
	"$WL/jit_spin" 2500 "$TMP/jaddr" &
	local pid=$!
	for _ in $(seq 50); do [ -s "$TMP/jaddr" ] && break; sleep 0.05; done
	local map=/tmp/perf-$pid.map
	rm -f "$map"
	$plant "$map" "$(cat "$TMP/jaddr") jit_spin_loop"
	local t0=$SECONDS
	timeout 20 "$SCORCH" record -q -p "$pid" -d 1 -o "$TMP/jit.folded"
	local st=$? took=$((SECONDS - t0))
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$map" "$TMP/jaddr"
	local named
	named=$(share "$TMP/jit.folded" ";jit_spin_loop( |$)")
	if [ $st != 0 ] || [ $took -gt 6 ] || [ "$(total "$TMP/jit.folded")" -lt 10 ]; then
		fail "$name" "exit $st after ${took}s with $(total "$TMP/jit.folded") samples"
	elif [ "$want" = named ] && [ "$named" -ge 80 ]; then
		ok "$name ($named% jit_spin_loop)"
	elif [ "$want" = refused ] && [ "$named" = 0 ]; then
		ok "$name (refused; finished in ${took}s)"
	else
		fail "$name" "jit_spin_loop share $named%, want $want"
	fi
}
plant_root() { echo "$2" >"$1"; }
plant_fifo() { mkfifo "$1"; }
plant_symlink() { echo "$2" >"$TMP/target.map"; ln -s "$TMP/target.map" "$1"; }
plant_zero() { ln -s /dev/zero "$1"; }
plant_foreign() { echo "$2" >"$1"; chown 65534:65534 "$1"; }
jit_case "perf-PID.map owned by root is read" plant_root named
jit_case "perf-PID.map as a FIFO is refused without hanging" plant_fifo refused
jit_case "perf-PID.map as a symlink is refused" plant_symlink refused
jit_case "perf-PID.map -> /dev/zero is refused" plant_zero refused
jit_case "perf-PID.map owned by another user is refused" plant_foreign refused

# --- nothing lost ------------------------------------------------------------------------------
"$WL/cpu_split" 4 >/dev/null &
wpid=$!
sleep 0.3
# SIGHUP is treated like SIGTERM: the output is written.
"$SCORCH" record -q -p "$wpid" -o "$TMP/hup.folded" &
r=$!
sleep 1.5
kill -HUP $r
wait $r
st=$?
h=$(share "$TMP/hup.folded" ";hot_function( |;)")
[ $st = 0 ] && [ "$h" -ge 45 ] && ok "SIGHUP during record still writes the output (hot_function $h%)" ||
	fail "SIGHUP during record still writes the output" "exit $st, hot_function $h%"
# A closed stdout output does not lose the other outputs.
"$SCORCH" record -q -p "$wpid" -d 1 -o - -o "$TMP/after.folded" 2>"$TMP/pipe.err" | true
h=$(share "$TMP/after.folded" ";hot_function( |;)")
[ "$h" -ge 45 ] && ok "-o - into a closed pipe: the other output is written (hot_function $h%)" ||
	fail "-o - into a closed pipe: the other output is written" "hot_function $h%: $(head -c 200 "$TMP/pipe.err")"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null

# Output paths are checked before recording starts.
t0=$SECONDS
"$SCORCH" record -o "$TMP/none/x.svg" -- sleep 5 2>"$TMP/none.err"
st=$?
took=$((SECONDS - t0))
[ $st = 1 ] && [ $took -le 3 ] && grep -qF "cannot write $TMP/none/x.svg" "$TMP/none.err" &&
	ok "a missing output directory fails at once, before recording (${took} s; the command takes 5)" ||
	fail "a missing output directory fails at once, before recording" "exit $st after ${took}s: $(head -c 200 "$TMP/none.err")"
mkdir -p "$TMP/dir.svg"
expect_exit "a directory named *.svg fails before recording" 1 "it is a directory" \
	"$SCORCH" record -o "$TMP/dir.svg" -- sleep 5

# Temp files: SIGTERM while a big SVG is written leaves no temporary file, and the output
# either keeps its old content or is complete.
python3 "$ROOT/bench/gen_folded.py" 200000 >"$TMP/big.folded" 2>/dev/null || bail "gen_folded.py failed"
mkdir -p "$TMP/out"
echo old >"$TMP/out/report.svg"
"$SCORCH" flamegraph --minwidth 0 "$TMP/big.folded" -o "$TMP/out/report.svg" &
f=$!
sleep 0.4
kill -TERM $f
wait $f
st=$?
left=$(ls -A "$TMP/out" | grep -vx report.svg | wc -l)
if [ $st = 143 ] && [ "$left" = 0 ] && [ "$(cat "$TMP/out/report.svg")" = old ]; then
	ok "SIGTERM mid-write: no temp file left, the old output intact"
elif [ $st = 0 ] && [ "$left" = 0 ] && tail -c 10 "$TMP/out/report.svg" | grep -q '</svg>'; then
	ok "SIGTERM after the write: complete output, no temp file left"
else
	fail "SIGTERM mid-write leaves nothing behind" "exit $st, $left stray files: $(ls -A "$TMP/out" | tr '\n' ' ')"
fi
# A symlink planted where scorch writes is replaced, never followed.
echo secret >"$TMP/victim"
ln -sf "$TMP/victim" "$TMP/out/link.folded"
"$SCORCH" collapse "$ROOT/tests/e2e/fixtures/perf6.txt" -o "$TMP/out/link.folded"
[ "$(cat "$TMP/victim")" = secret ] && [ ! -L "$TMP/out/link.folded" ] &&
	grep -q '^w_prog;' "$TMP/out/link.folded" &&
	ok "an output path that is a symlink is replaced, its target untouched" ||
	fail "an output path that is a symlink is replaced, its target untouched" "victim: $(cat "$TMP/victim")"

# --- bounded resources -------------------------------------------------------------------------
# 14. record -a while a loop starts 3000 short processes: the state kept per process is
#     reaped after its exit, so scorch's RSS barely moves from the 1000th to the 3000th
#     (before reaping: +28 MB at -F 49), the live tables stay near the number of processes
#     alive (counted in /proc), and every process of the loop is reaped. Short cpu_split runs
#     in between keep their names: hot_function has its 60% of their samples by design.
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
cp "$WL/cpu_split" "$WL/reapwl" # a name no other process on the machine has
for backend in perf bpf; do
	"$SCORCH" record -a -F 49 --backend $backend -v -o "$TMP/reap-$backend.folded" 2>"$TMP/reap-$backend.err" &
	r=$!
	sleep 1.5
	if ! kill -0 $r 2>/dev/null; then
		wait $r
		if [ $backend = bpf ]; then skip "reaping with the bpf backend" "$(head -c 200 "$TMP/reap-$backend.err")"
		else fail "reaping ($backend): record -a starts" "$(head -c 200 "$TMP/reap-$backend.err")"; fi
		continue
	fi
	for i in $(seq 1000); do
		/bin/true
		[ $((i % 200)) = 0 ] && "$WL/reapwl" 0.2 0 >/dev/null
	done
	sleep 1
	r1=$(rss_kb $r)
	for i in $(seq 2000); do
		/bin/true
		[ $((i % 400)) = 0 ] && "$WL/reapwl" 0.2 0 >/dev/null
	done
	sleep 1
	r3=$(rss_kb $r)
	live=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
	kill -INT $r
	wait $r
	read -r pids reaped < <(sed -n 's/.*per-process state at the end: \([0-9]*\) pids,.* \([0-9]*\) processes reaped.*/\1 \2/p' \
		"$TMP/reap-$backend.err")
	grow=$(((${r3:-0} - ${r1:-0}) / 1024))
	# RSS also holds the profile, which grows with every new stack sampled: on a machine busy
	# with other work (many more processes than ours reaped) it measures that work, not us.
	if [ "${reaped:-0}" -gt 4500 ]; then
		skip "reaping ($backend): RSS from the 1000th to the 3000th short process" \
			"the machine ran $((reaped - 3000)) other processes meanwhile (RSS ${r1} -> ${r3} kB)"
	elif [ "${r1:-0}" -gt 0 ] && [ "${r3:-0}" -gt 0 ] && [ $grow -le 8 ]; then
		ok "reaping ($backend): RSS from the 1000th to the 3000th short process +$grow MB (${r1} -> ${r3} kB)"
	else
		fail "reaping ($backend): RSS from the 1000th to the 3000th short process at most +8 MB" "${r1} -> ${r3} kB"
	fi
	[ -n "$pids" ] && [ "$pids" -le $((live + 300)) ] && [ "$reaped" -ge 2900 ] &&
		ok "reaping ($backend): $pids pids held at the end ($live processes alive), $reaped reaped (3000+ started)" ||
		fail "reaping ($backend): pids held near the live count, every short process reaped" \
			"${pids:-?} pids held, $live alive, ${reaped:-?} reaped: $(grep per-process "$TMP/reap-$backend.err")"
	# The idle loop runs only in the idle task: its stacks are swapper's, whatever else ran
	# and exited (they once came out under a reaped process's name after the tables shrank).
	idle=$(grep -c ';do_idle;' "$TMP/reap-$backend.folded")
	other=$(grep ';do_idle;' "$TMP/reap-$backend.folded" | grep -vc '^swapper;')
	[ "${idle:-0}" -ge 1 ] && [ "${other:-1}" = 0 ] &&
		ok "reaping ($backend): all $idle idle-loop stacks are swapper's" ||
		fail "reaping ($backend): idle-loop stacks named swapper only" \
			"$idle idle stacks, $other under other names: $(grep ';do_idle;' "$TMP/reap-$backend.folded" | grep -v '^swapper;' | cut -c1-80 | head -3 | tr '\n' '|')"
	cs=$TMP/reap-$backend.cs
	grep '^reapwl;' "$TMP/reap-$backend.folded" >"$cs"
	h=$(share "$cs" ";hot_function( |;)")
	[ "$(total "$cs")" -ge 20 ] && [ "$h" -ge 45 ] &&
		ok "reaping ($backend): the short reapwl (cpu_split) runs keep their names (hot_function $h% of $(total "$cs"), design 60%)" ||
		fail "reaping ($backend): the short cpu_split runs keep their names" "hot_function $h% of $(total "$cs") samples: $(sort -t' ' -k2 -nr "$cs" | head -6 | cut -c1-150 | tr '\n' '|')"
done
finish
