#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch record -e: tracepoint and uprobe sources count the calls probe_calls makes by design
# (N calls of counted_call, a quarter from caller_a; M getppid syscalls), exactly, with the
# stacks perf record -e gives for the same tracepoint; kprobes are refused with a clear message.
source "$(dirname "$0")/../lib.sh"
WL=$ROOT/build/workloads
is_root || skip_all "-e probes" "needs root (uprobes and tracepoints)"
[ -r /sys/bus/event_source/devices/uprobe/type ] || skip_all "-e probes" "this kernel has no uprobe PMU"
mkdir -p "$WL"
cc -O2 -g -fno-omit-frame-pointer -o "$WL/probe_calls" "$ROOT/tests/workloads/probe_calls.c" ||
	bail "cannot build probe_calls"
BIN=$WL/probe_calls
N=20000 M=3000

# sum FILE REGEX: the total count of the folded lines matching REGEX.
sum() { awk -v re="$2" '$0 ~ re { s += $NF } END { print s + 0 }' "$1" 2>/dev/null; }

# Both backends: perf events read through the ring buffer, and BPF programs on the same
# events counting in the kernel. Each must count exactly what the workload did.
for be in perf bpf; do
	if [ $be = bpf ] && [ ! -r /sys/kernel/btf/vmlinux ]; then
		skip "-e with --backend bpf" "no kernel BTF (/sys/kernel/btf/vmlinux)"
		continue
	fi
	B="--backend $be"
	"$SCORCH" record -q $B -e "uprobe:$BIN:counted_call" -e tracepoint:syscalls:sys_enter_getppid \
		-o "$TMP/$be.both.folded" -- "$BIN" $N $M >/dev/null
	expect_eq "$be: uprobe: one event per call of counted_call (the design's N)" $N "$(sum "$TMP/$be.both.folded" ';counted_call [0-9]+$')"
	expect_eq "$be: tracepoint syscalls:sys_enter_getppid: one event per getppid (the design's M)" $M \
		"$(sum "$TMP/$be.both.folded" ';syscall [0-9]+$')"
	expect_eq "$be: nothing else is counted" $((N + M)) "$(sum "$TMP/$be.both.folded" '.')"

	"$SCORCH" record -q $B -e "uprobe:$BIN:ret:counted_call" -o "$TMP/$be.ret.folded" -- "$BIN" $N 0 >/dev/null
	expect_eq "$be: uretprobe (ret: prefix): returns land in caller_a, a quarter of N" $((N / 4)) \
		"$(sum "$TMP/$be.ret.folded" ';main;caller_a [0-9]+$')"
	expect_eq "$be: uretprobe: and in caller_b, the rest" $((N - N / 4)) "$(sum "$TMP/$be.ret.folded" ';main;caller_b [0-9]+$')"

	"$SCORCH" record -q $B -e "uretprobe:$BIN:count*_c?ll" -o "$TMP/$be.glob.folded" -- "$BIN" 400 0 >/dev/null
	expect_eq "$be: uretprobe: with a glob for the symbol" 400 "$(sum "$TMP/$be.glob.folded" ';caller_[ab] [0-9]+$')"

	# -p: a process already running (it waits 1 s before calling).
	"$BIN" $N 100 1 >/dev/null &
	pid=$!
	"$SCORCH" record -q $B -e "uprobe:$BIN:counted_call" -p $pid -o "$TMP/$be.pid.folded"
	wait $pid
	expect_eq "$be: -p PID: the uprobe counts every call of a running process" $N "$(sum "$TMP/$be.pid.folded" ';counted_call [0-9]+$')"
done

# kernel_part: comm and the kernel frames of folded stacks that enter through a syscall (the new
# image's one user frame at an exec is named by perf from the entry point alone)
kernel_part() { sed -n 's/^\([^;]*\);.*;\(entry_SYSCALL_64[^;]*;\)/\1;\2/p'; }

# perf record -e on the same tracepoint: the same stacks, folded here by awk from perf script.
if command -v perf >/dev/null; then
	perf record -q -g -e syscalls:sys_enter_getppid -o "$TMP/perf.data" -- "$BIN" 10 500 >/dev/null 2>&1
	perf script -i "$TMP/perf.data" 2>/dev/null | awk '
		/^[^ \t]/ { comm = $1; n = 0; next }
		/^\t/ { sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym); f[++n] = sym; next }
		/^$/ { if (n) { s = comm; for (i = n; i >= 1; i--) s = s ";" f[i]; c[s]++ } n = 0 }
		END { for (s in c) print s, c[s] }' | LC_ALL=C sort >"$TMP/perf.folded"
	for be in perf bpf; do
		"$SCORCH" record -q --backend $be -e tracepoint:syscalls:sys_enter_getppid \
			-o "$TMP/tp-$be.folded" -- "$BIN" 10 500 >/dev/null
		same_file "$be: tracepoint stacks and counts equal perf record -e's" "$TMP/perf.folded" "$TMP/tp-$be.folded"
	done
	# a tracepoint inside the kernel: the stack leads from the syscall to it, as perf has it
	perf record -q -g -e sched:sched_process_exec -o "$TMP/exec.data" -- "$BIN" 1 1 >/dev/null 2>&1
	perf script -i "$TMP/exec.data" 2>/dev/null | awk '
		/^[^ \t]/ { comm = $1; n = 0; next }
		/^\t/ { sym = $2; sub(/\+0x[0-9a-f]+$/, "", sym); f[++n] = sym; next }
		/^$/ { if (n) { s = comm; for (i = n; i >= 1; i--) s = s ";" f[i]; c[s]++ } n = 0 }
		END { for (s in c) print s, c[s] }' | kernel_part >"$TMP/exec-perf.folded"
	"$SCORCH" record -q --backend bpf -e tracepoint:sched:sched_process_exec \
		-o "$TMP/exec-bpf.folded" -- "$BIN" 1 1 >/dev/null
	kernel_part <"$TMP/exec-bpf.folded" >"$TMP/exec-bpf.kernel"
	same_file "bpf: sched_process_exec's kernel stack and count equal perf record -e's" \
		"$TMP/exec-perf.folded" "$TMP/exec-bpf.kernel"
else
	skip "tracepoint stacks equal perf record -e's" "perf is not installed"
fi

# Errors: one line, non-zero exit.
if [ ! -e /sys/bus/event_source/devices/kprobe ]; then
	expect_exit "kprobe: refused, saying the kernel has none" 1 \
		"kprobes are not available: this kernel is built without them" \
		"$SCORCH" record -e kprobe:do_sys_openat2 -o "$TMP/k.folded" -- true
else
	skip "kprobe refusal" "this kernel has kprobes"
fi
expect_exit "uprobe: a symbol that matches nothing" 1 "no function in $BIN matches 'nosuch*'" \
	"$SCORCH" record -e "uprobe:$BIN:nosuch*" -o "$TMP/x.folded" -- true
expect_exit "uprobe: a binary that does not exist" 1 "no-such-binary: no such binary" \
	"$SCORCH" record -e "uprobe:no-such-binary:main" -o "$TMP/x.folded" -- true
expect_exit "tracepoint: a name that matches nothing" 1 "no tracepoint matches nosuch:thing" \
	"$SCORCH" record -e tracepoint:nosuch:thing -o "$TMP/x.folded" -- true
expect_exit "an unknown event" 1 "unknown event 'bogus'" "$SCORCH" record -e bogus -o "$TMP/x.folded" -- true
expect_exit "-e with --backend bpf -C: refused" 1 "-e with -C counts every CPU's events with --backend bpf" \
	"$SCORCH" record -e tracepoint:sched:sched_switch --backend bpf -C 0 -d 1 -o "$TMP/x.folded"
expect_exit "-e with --off-cpu: refused" 1 "-e does not combine with --off-cpu" \
	"$SCORCH" record -e tracepoint:sched:sched_switch --off-cpu -o "$TMP/x.folded" -- true
finish
