#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch record --off-cpu, --off-wake and --on-off on offcpu_split, whose blocked times are
# known by design (30 x 10 ms nanosleep; a reader woken by a writer every 20 ms, 15 times),
# against the workload's own clocks and schedstat, and flamegraph.pl for the SVG.
source "$(dirname "$0")/../lib.sh"
WL=$ROOT/build/workloads
FLAMEGRAPH=$FLAMEGRAPH_DIR/flamegraph.pl
frames() { python3 "$ROOT/tests/svgframes.py" "$1"; }

# near NAME WANT GOT TOLERANCE: GOT within WANT +- TOLERANCE.
near() {
	if awk -v w="$2" -v g="$3" -v t="$4" 'BEGIN { exit !(g != "" && g >= w - t && g <= w + t) }'; then
		ok "$1 ($3, want $2 +- $4)"
	else
		fail "$1" "got [$3], want $2 +- $4"
	fi
}
# total FILE TID [PATTERN [PATTERN2]]: sum of the counts of TID's stacks (root comm-PID/TID)
# that contain PATTERN and PATTERN2 (literal substrings; all of them without).
total() {
	[ -s "$1" ] || { echo 0; return; }
	awk -v tid="$2" -v pat="${3-}" -v pat2="${4-}" '{ split($0, f, ";"); n = f[1]; sub(/.*\//, "", n)
		if (n == tid && (pat == "" || index($0, pat)) && (pat2 == "" || index($0, pat2))) s += $NF }
		END { print s + 0 }' "$1"
}
# pct PART WHOLE: 100 * PART / WHOLE, or -1 when WHOLE is 0.
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f\n", 100 * a / b; else print -1 }'; }
# field ROLE N: column N of the workload's line for ROLE (ROLE TID RUN WAIT START END INCALL FN).
field() { awk -v r="$1" -v n="$2" '$1 == r { print $n }' "$TMP/wl.out" 2>/dev/null; }

# Usage errors need no privileges.
expect_exit "--state with an unknown state" 2 "invalid --state 'X'" "$SCORCH" record --off-cpu --state X -- true
expect_exit "--min-block needs --off-cpu" 2 "--min-block, --max-block, --state and --kstack-every need --off-cpu" \
	"$SCORCH" record --min-block 10 -- true
expect_exit "--max-block below --min-block" 2 "--max-block is below --min-block" \
	"$SCORCH" record --off-cpu --min-block 100 --max-block 10 -- true
expect_exit "--min-block 0 is refused" 2 "invalid block time '0'" "$SCORCH" record --off-cpu --min-block 0 -- true
expect_exit "--kstack-every 0 is refused" 2 "invalid --kstack-every '0': expected 1 to 256" \
	"$SCORCH" record --off-cpu --kstack-every 0 -- true
"$SCORCH" record --help >"$TMP/ee.out" 2>&1
check "--help says how blocks at the start and the end are handled" \
	grep -q "A sleep already under way at the start is not counted" "$TMP/ee.out"
check "--help has an --off-cpu example" grep -q "scorch record --off-cpu -o off.svg" "$TMP/ee.out"

is_root || skip_all "scorch record --off-cpu on live workloads" "needs root (eBPF on sched_switch); run tests as root"
[ -r /sys/kernel/btf/vmlinux ] ||
	skip_all "scorch record --off-cpu on live workloads" "no kernel BTF (/sys/kernel/btf/vmlinux)"

# Without root: a one-line refusal naming what is missing.
if command -v setpriv >/dev/null && [ -x "$SCORCH" ]; then
	expect_exit "--off-cpu as nobody is refused" 1 "--off-cpu uses eBPF on sched_switch: the BPF backend needs root" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$SCORCH" record --off-cpu -a -d 0.1 -o /tmp/scorch-nobody.folded
else
	skip "--off-cpu as nobody is refused" "setpriv is not installed"
fi
expect_exit "--off-cpu with -C is refused" 1 "--off-cpu measures threads, not CPUs" \
	"$SCORCH" record --off-cpu -C 0 -d 0.1 -o "$TMP/c.folded"

mkdir -p "$WL"
if ! cc -O1 -g -fno-omit-frame-pointer -no-pie -pthread -o "$WL/offcpu_split" "$ROOT/tests/workloads/offcpu_split.c"; then
	bail "build offcpu_split: cc failed"
fi

# --off-cpu: blocked time per thread in microseconds.
echo go | "$SCORCH" record -q --off-cpu --tid -o "$TMP/off.folded" -o "$TMP/off.svg" -- "$WL/offcpu_split" >"$TMP/wl.out"
sl=$(field sleeper 2) rd=$(field reader 2) wr=$(field writer 2)
s_us=$(total "$TMP/off.folded" "${sl:-none}")
r_us=$(total "$TMP/off.folded" "${rd:-none}")
w_us=$(total "$TMP/off.folded" "${wr:-none}")
all=$((s_us + r_us + w_us))
# The sleeper is blocked in nanosleep 30 x 10 ms = 300 ms by design: in us, 300000 (within
# 5%: timer slack adds, a preemption between arming the timer and sleeping takes away).
near "--off-cpu: the sleeper's time in nanosleep is the design's 300 ms, in us" 300000 \
	"$(total "$TMP/off.folded" "${sl:-none}" nanosleep)" 15000
# Each thread's share of the blocked time, against the kernel's own account of the thread
# (schedstat, printed by the workload): its lifetime less its time on the CPU and in the run
# queue. By design each is ~1/3; on a loaded machine the writer, which sleeps to absolute
# deadlines, waits in the run queue longer and is blocked for less.
blocked() { awk -v r="$1" '$1 == r { printf "%d", ($6 - $5 - $3 - $4) / 1000 }' "$TMP/wl.out" 2>/dev/null; }
eb_s=$(blocked sleeper) eb_r=$(blocked reader) eb_w=$(blocked writer)
eb_all=$((${eb_s:-0} + ${eb_r:-0} + ${eb_w:-0}))
# share_near NAME EXPECTED_US GOT_US: both shares exist (the workload ran, scorch measured).
share_near() {
	local want got
	want=$(pct "${2:-0}" "$eb_all") got=$(pct "$3" "$all")
	[ "$want" = -1 ] && want=none
	[ "$got" = -1 ] && got=""
	near "--off-cpu: $1's share of the workers' blocked time (schedstat's)" "$want" "$got" 5
}
share_near sleeper "$eb_s" "$s_us"
share_near reader "$eb_r" "$r_us"
share_near writer "$eb_w" "$w_us"
# (The rest: its wait at the start barrier, a few ms.)
near "--off-cpu: the sleeper blocks in nanosleep" 100 "$(pct "$(total "$TMP/off.folded" "${sl:-none}" nanosleep)" "$s_us")" 5
near "--off-cpu: the reader blocks in read from reader_thread" 100 \
	"$(pct "$(total "$TMP/off.folded" "${rd:-none}" ';reader_thread;raw_syscall3;')" "$r_us")" 2
# The reader's time in read(2) by its own clock (INCALL) includes its wait for a CPU after
# each wakeup (schedstat WAIT), which is not blocked time.
r_incall=$(field reader 7) r_wait=$(field reader 4)
[ -n "$r_incall" ] || r_incall=-1000000000 # no workload output: nothing can match
near "--off-cpu: the reader's blocked us match its time in read minus its run-queue wait" \
	"$(awk -v a="${r_incall:-0}" -v b="${r_wait:-0}" 'BEGIN { printf "%d", (a - b) / 1000 }')" "$r_us" \
	"$(awk -v a="${r_incall:-0}" 'BEGIN { printf "%d", a / 1000 * 0.05 }')"
check "--off-cpu: folded output is sorted" sort -C "$TMP/off.folded"
if [ -r "$FLAMEGRAPH" ] && [ -s "$TMP/off.folded" ]; then
	perl "$FLAMEGRAPH" --colors io --countname us --title "Off-CPU Time Flame Graph" "$TMP/off.folded" >"$TMP/ref.svg"
	if [ -s "$TMP/off.svg" ] && [ "$(frames "$TMP/off.svg")" == "$(frames "$TMP/ref.svg")" ]; then
		ok "--off-cpu: the SVG equals flamegraph.pl --colors io --countname us on the folded stacks"
	else
		fail "--off-cpu: the SVG equals flamegraph.pl --colors io --countname us" \
			"$(diff <(frames "$TMP/ref.svg") <(frames "$TMP/off.svg" 2>/dev/null) | head -6 | tr '\n' '|')"
	fi
elif [ ! -r "$FLAMEGRAPH" ]; then
	skip "--off-cpu: the SVG equals flamegraph.pl's" "flamegraph.pl not found in $FLAMEGRAPH_DIR"
else
	fail "--off-cpu: SVG against flamegraph.pl" "no folded output"
fi

# --min-block above every interval of the workload (the longest is ~20 ms): only main's
# long waits (pthread_join, ~0.3 s) remain.
echo go | "$SCORCH" record -q --off-cpu --tid --min-block 100000 -o "$TMP/min.folded" -- "$WL/offcpu_split" >"$TMP/wl.out"
sl=$(field sleeper 2) rd=$(field reader 2)
expect_eq "--min-block 100000 drops the 10-20 ms sleeps" "0 0 yes" \
	"$(total "$TMP/min.folded" "${sl:-none}") $(total "$TMP/min.folded" "${rd:-none}") $([ -s "$TMP/min.folded" ] && echo yes)"

# --off-wake: the writer wakes the reader.
echo go | "$SCORCH" record -q --off-wake --tid -o "$TMP/wake.folded" -- "$WL/offcpu_split" >"$TMP/wl.out"
rd=$(field reader 2) wr=$(field writer 2)
r_us=$(total "$TMP/wake.folded" "${rd:-none}")
# Every write wakes the reader; the final close too (its stack may lack writer_thread).
near "--off-wake: the waker's stack above '--' names writer_thread (% of the reader's time)" 100 \
	"$(pct "$(awk -v tid="${rd:-none}" '{ split($0, f, ";"); n = f[1]; sub(/.*\//, "", n)
		i = index($0, ";--;"); if (n == tid && i && index(substr($0, i), ";writer_thread;")) s += $NF }
		END { print s + 0 }' "$TMP/wake.folded" 2>/dev/null)" "$r_us")" 10
check "--off-wake: the waker's root (on top) is the writer thread" \
	grep -qE "^offcpu_split-[0-9]+/${rd:-none};.*;--;.*;writer_thread;start_thread;offcpu_split-[0-9]+/${wr:-none} [0-9]+$" \
	"$TMP/wake.folded"

# --on-off: on-CPU and off-CPU time in ns add up to each thread's lifetime.
echo go | "$SCORCH" record -q --on-off -F 999 --tid -o "$TMP/wall.folded" -o "$TMP/wall.svg" -- "$WL/offcpu_split" >"$TMP/wl.out"
sum_got=0 sum_want=0
for role in sleeper reader writer; do
	tid=$(field $role 2) life=$(awk -v a="$(field $role 5)" -v b="$(field $role 6)" 'BEGIN { print b - a }')
	got=$(total "$TMP/wall.folded" "${tid:-none}")
	sum_got=$((sum_got + got)) sum_want=$((sum_want + life))
	near "--on-off: $role on+off-CPU ns vs its lifetime (% of it)" 100 "$(pct "$got" "$life")" 10
done
near "--on-off: the workers' total is wall time x threads" 100 "$(pct "$sum_got" "$sum_want")" 10
tid=$(field sleeper 2) run=$(field sleeper 3)
near "--on-off: the sleeper's on-CPU ns vs schedstat's run time (% of it)" 100 \
	"$(pct "$(awk -v tid="${tid:-none}" '{ split($0, f, ";"); n = f[1]; sub(/.*\//, "", n)
		if (n == tid && !index($0, "[blocked]") && !index($0, "[runnable]")) s += $NF } END { print s + 0 }' \
		"$TMP/wall.folded" 2>/dev/null)" "${run:-0}")" 20
near "--on-off: the sleeper's [blocked] time in nanosleep is the design's 300 ms, in ns" 300000000 \
	"$(total "$TMP/wall.folded" "${tid:-none}" '[blocked]' nanosleep)" 15000000
if [ -s "$TMP/wall.svg" ]; then
	frames "$TMP/wall.svg" >"$TMP/wall.frames"
	check "--on-off: [blocked] and [runnable] frames are blue (r = g < b)" awk -F'|' '
		$1 ~ /^\[(blocked|runnable)\] / { n++; split($6, c, /[(),]/); if (!(c[2] == c[3] && c[4] > c[2] + 60)) bad++ }
		END { exit !(n >= 2 && !bad) }' "$TMP/wall.frames"
	if [ ! -r "$FLAMEGRAPH" ]; then
		skip "--on-off: every other frame equals flamegraph.pl's" "flamegraph.pl not found in $FLAMEGRAPH_DIR"
	elif perl "$FLAMEGRAPH" --countname ns --title "Wall-Clock Time Flame Graph (on-CPU and off-CPU)" "$TMP/wall.folded" >"$TMP/ref.svg" &&
		diff <(grep -v '^\[blocked\] \|^\[runnable\] ' "$TMP/wall.frames") \
		<(frames "$TMP/ref.svg" | grep -v '^\[blocked\] \|^\[runnable\] ') >"$TMP/d.out"; then
		ok "--on-off: every other frame equals flamegraph.pl's (hot palette, ns)"
	else
		fail "--on-off: every other frame equals flamegraph.pl's" "$(head -6 "$TMP/d.out" | tr '\n' '|')"
	fi
else
	fail "--on-off: SVG written" "no $TMP/wall.svg"
	fail "--on-off: every other frame equals flamegraph.pl's" "no SVG"
fi

# --on-off to .trace.json: thread-state spans (sched_switch/sched_waking) per thread, against
# the scheduler's own schedstat (run time) and the design (the sleeper's 30 x 10 ms sleeps).
echo go | "$SCORCH" record -q --on-off -o "$TMP/st.trace.json" -- "$WL/offcpu_split" >"$TMP/st.out"
tid=$(awk '$1 == "sleeper" { print $2 }' "$TMP/st.out") run=$(awk '$1 == "sleeper" { print $3 }' "$TMP/st.out")
python3 - "$TMP/st.trace.json" "${tid:-0}" >"$TMP/st.sums" 2>&1 <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
lane = int(sys.argv[2]) | 0x40000000
s = {"running": 0.0, "runnable": 0.0, "blocked": 0.0}
for e in ev:
    if e.get("cat") == "thread_state" and e["tid"] == lane:
        s[e["name"]] += e["dur"] * 1000
print(int(s["running"]), int(s["runnable"]), int(s["blocked"]))
PY
read -r st_run st_wait st_block <"$TMP/st.sums"
near "thread states: the sleeper's running spans vs schedstat's run time (% of it)" 100 \
	"$(pct "${st_run:-0}" "${run:-1}")" 5
near "thread states: the sleeper's blocked spans are the design's 300 ms, in ns" 300000000 "${st_block:-0}" 24000000

# Unresolved frames of an off-CPU profile are weighed by time, as its stacks are: the line at
# the end gives the ms of the output's "[unknown]"/"[module]" frames (stripped `sh` and `sleep`:
# their own functions have no symbols).
"$SCORCH" record --off-cpu -o "$TMP/unres.folded" -- sh -c 'sleep 0.3; sleep 0.2' 2>"$TMP/unres.err"
line=$(sed -n 's/^scorch record: unresolved frames, by the time of their stacks: //p' "$TMP/unres.err")
said=$(echo "$line" | tr ',' '\n' | awk '$2 == "ms" { t += $1 } END { printf "%.1f", t }')
shown=$(awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";")
		for (i = 2; i <= k; i++) if (f[i] ~ /^\[.*\](_\[k\])?$/) t += n }
		END { printf "%.1f", t / 1000 }' "$TMP/unres.folded" 2>/dev/null)
# the output is in whole us per stack, the line sums ns: within 0.1 ms
[ -n "$line" ] && awk -v a="$said" -v b="$shown" 'BEGIN { d = a - b; exit !(a > 0 && d < 0.15 && d > -0.15) }' &&
	ok "--off-cpu: unresolved frames in ms ($line) = the output's unnamed frames ($shown ms)" ||
	fail "--off-cpu: unresolved frames in ms = the output's unnamed frames" \
		"line '$line' ($said ms), output $shown ms: $(head -c 300 "$TMP/unres.err")"

# A binary without frame pointers (-O2 -fomit-frame-pointer): its blocked stacks are walked
# with CFI by default (--call-graph auto), as its on-CPU stacks are. exec_after naps 300 ms in
# 2 ms raw nanosleeps in nap() <- before_exec() <- main; by frame pointers the callers are lost.
if cc -O2 -fomit-frame-pointer -o "$WL/nap_nofp" "$ROOT/tests/workloads/exec_after.c"; then
	for cg in auto fp onoff; do
		mode="--off-cpu --call-graph $cg" unit=1000
		[ $cg = onoff ] && mode="--on-off" unit=1000000 # ns; the on-CPU backend's maps shared
		# shellcheck disable=SC2086 # the mode is several options
		"$SCORCH" record -q $mode -o "$TMP/nofp-$cg.folded" -- "$WL/nap_nofp" s300 /bin/true 2>"$TMP/nofp-$cg.err"
		awk -v u=$unit '$1 ~ /^nap_nofp;/ && (u == 1000 || /;\[blocked\] [0-9]+$/) { n = $NF; t += n
				if ($0 ~ /;__libc_start_call_main;main;before_exec;nap;/) m += n }
			END { printf "%d %d\n", m / u, t / u }' "$TMP/nofp-$cg.folded" >"$TMP/nofp-$cg.sum" 2>/dev/null
	done
	read -r dw_main dw_all <"$TMP/nofp-auto.sum"
	read -r fp_main fp_all <"$TMP/nofp-fp.sum"
	# the design's 300 ms, of which the naps before the process's tables reach the kernel
	# (its first few ms) are walked by frame pointers
	[ "${dw_main:-0}" -ge 270 ] && [ $((dw_main * 100)) -ge $((dw_all * 90)) ] &&
		ok "--off-cpu, no frame pointers: ${dw_main} of ${dw_all} ms blocked reach main through before_exec and nap by CFI (design 300)" ||
		fail "--off-cpu, no frame pointers: blocked stacks reach main by CFI (>= 270 ms and 90%)" \
			"${dw_main:-0} of ${dw_all:-0} ms: $(head -c 300 "$TMP/nofp-auto.err") $(sort -t' ' -k2 -rn "$TMP/nofp-auto.folded" 2>/dev/null | head -2 | cut -c1-160)"
	read -r oo_main oo_all <"$TMP/nofp-onoff.sum"
	[ "${oo_main:-0}" -ge 270 ] && [ $((oo_main * 100)) -ge $((oo_all * 90)) ] &&
		ok "--on-off, no frame pointers: ${oo_main} of ${oo_all} ms blocked reach main by CFI (the on-CPU backend's tables)" ||
		fail "--on-off, no frame pointers: blocked stacks reach main by CFI (>= 270 ms and 90%)" \
			"${oo_main:-0} of ${oo_all:-0} ms: $(head -c 300 "$TMP/nofp-onoff.err")"
	# the control: frame pointers alone do not find those callers
	[ "${fp_all:-0}" -ge 270 ] && [ $((fp_main * 100)) -lt $((fp_all * 10)) ] &&
		ok "--off-cpu --call-graph fp, no frame pointers: $fp_main of $fp_all ms reach main (the callers are lost, as expected)" ||
		fail "--off-cpu --call-graph fp on a binary without frame pointers loses the callers" \
			"${fp_main:-0} of ${fp_all:-0} ms reach main: $(head -c 300 "$TMP/nofp-fp.err")"
else
	fail "build exec_after -fomit-frame-pointer" "cc failed"
fi

# Kernel stacks kept from a thread's last block (--kstack-every, default 8). offcpu_twofd's
# reader blocks at one call site, in one system call and state, in two kernel paths in turn
# (a pipe and an eventfd): each path's blocked time must match the reader's own clock, which
# a kept stack of the other path would break. The writer's 2,000 naps at one site keep 7 of 8.
if cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/offcpu_twofd" "$ROOT/tests/workloads/offcpu_twofd.c"; then
	for every in 8 1; do
		"$SCORCH" record --off-cpu --kstack-every "$every" -v -o "$TMP/twofd$every.folded" -- \
			"$WL/offcpu_twofd" 2000 >"$TMP/twofd$every.out" 2>"$TMP/twofd$every.err"
		want_pipe=$(awk '$1 == "pipe_us" { print $2 }' "$TMP/twofd$every.out")
		want_efd=$(awk '$1 == "pipe_us" { print $4 }' "$TMP/twofd$every.out")
		got_pipe=$(awk '/;main;read;/ && /;anon_pipe_read;/ { s += $NF } END { print s + 0 }' "$TMP/twofd$every.folded")
		got_efd=$(awk '/;main;read;/ && /;eventfd_read;/ { s += $NF } END { print s + 0 }' "$TMP/twofd$every.folded")
		near "--kstack-every $every: the pipe's share of the reader's blocked time, against its own clock" \
			"$(pct "${want_pipe:-0}" "$((${want_pipe:-0} + ${want_efd:-0}))")" \
			"$(pct "$got_pipe" "$((got_pipe + got_efd))")" 3
		near "--kstack-every $every: ms blocked in eventfd_read, against the reader's clock" \
			"$((${want_efd:-0} / 1000))" "$((got_efd / 1000))" "$((${want_efd:-0} / 20000 + 5))"
	done
	kept=$(grep -o '[0-9]* kernel stacks kept' "$TMP/twofd8.err" | awk '{ print $1 }')
	near "the writer's 2,000 naps at one site: 7 in 8 kernel stacks kept" 1750 "${kept:-0}" 100
	# A second recording on the same tracepoint makes the kernel call both through the
	# iterator (__traceiter_sched_switch), one frame more under __schedule: it is dropped.
	"$SCORCH" record --off-cpu -a -d 5 -q -o "$TMP/bg.folded" 2>/dev/null &
	bg=$!
	sleep 1.5
	"$SCORCH" record --off-cpu -q -o "$TMP/twofd2.folded" -- "$WL/offcpu_twofd" 600 >/dev/null 2>&1
	wait "$bg"
	expect_eq "two off-CPU recordings at once: the reader's two paths end at __schedule, no iterator frame" "2 0 0" \
		"$(grep -cE ';main;read;.*;schedule;__schedule [0-9]+$' "$TMP/twofd2.folded") $(grep -c '__traceiter_' "$TMP/twofd2.folded") $(grep -c '__traceiter_' "$TMP/bg.folded")"
	expect_eq "--kstack-every 1: every kernel stack walked (a summary, no stack kept)" "1 0" \
		"$(grep -c 'ms off-CPU in' "$TMP/twofd1.err") $(grep -c 'kernel stacks kept' "$TMP/twofd1.err")"
else
	fail "build offcpu_twofd" "cc failed"
fi
finish
