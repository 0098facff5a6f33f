#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --backend bpf's maps (root, BPF).
# - Under a burst of new stacks: two processes whose every sample is a stack never seen
#   before, sampled at 4999 Hz. The map sets start small and grow; while they grow, a set past
#   half full is drained early. Every sample must keep its stack, and nothing may be reported
#   lost.
# - What crosses to user space: counted in the kernel, a steady workload moves a small
#   fraction of what the perf backend's per-sample records do.
source "$(dirname "$0")/../lib.sh"

is_root || skip_all "bpf stack burst" "needs root (BPF programs and perf events); run tests as root"
[ -r /sys/kernel/btf/vmlinux ] || skip_all "bpf stack burst" "no kernel BTF (/sys/kernel/btf/vmlinux)"
WL=$TMP/wl
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -o "$WL/stack_burst" "$ROOT/tests/workloads/stack_burst.c" ||
	bail "cannot build the workload"

"$WL/stack_burst" 4 &
w1=$!
"$WL/stack_burst" 4 &
w2=$!
on_exit "kill $w1 $w2 2>/dev/null"
"$SCORCH" record --backend bpf --call-graph fp -F 4999 -d 3 -v -p "$w1,$w2" \
	-o "$TMP/burst.folded" 2>"$TMP/burst.err"
st=$?
wait $w1 $w2
if [ $st -eq 0 ] && grep -q '^stack_burst' "$TMP/burst.folded" 2>/dev/null; then
	ok "record --backend bpf of a stack burst exits 0 and writes the workload's stacks"
else
	fail "record --backend bpf of a stack burst exits 0 and writes the workload's stacks" \
		"status $st: $(head -c 300 "$TMP/burst.err")"
fi

# The workload runs in user space only, so every sample has user frames below the root frame
# (the process's name). A sample whose stack was not kept has nothing but that root frame.
read -r total kept distinct < <(awk '
	$1 == "stack_burst" || /^stack_burst;/ {
		total += $NF; lines++
		if ($1 != "stack_burst") kept += $NF
	}
	END { print total + 0, kept + 0, lines + 0 }' "$TMP/burst.folded")
echo "# $total samples of the workload, $kept with their stack, $distinct distinct stacks"
# 2 processes x 4999 Hz x 3 s; a loaded machine gives less, but never this little
if [ "$total" -ge 10000 ] && [ "$distinct" -ge $((total * 8 / 10)) ]; then
	ok "the burst is sampled: $total samples, $distinct distinct stacks"
else
	fail "the burst is sampled" "$total samples (expected >= 10000), $distinct distinct stacks (expected >= 80%)"
fi
if [ "$total" -gt 0 ] && [ "$kept" -eq "$total" ]; then
	ok "every sample of the burst keeps its stack"
else
	fail "every sample of the burst keeps its stack" "$kept of $total"
fi
if ! grep -q '^scorch: [0-9]* samples' "$TMP/burst.err"; then
	fail "no stack reported lost" "no summary: $(head -c 300 "$TMP/burst.err")"
elif grep -q 'not kept\|lost in the full' "$TMP/burst.err"; then
	fail "no stack reported lost" "$(grep 'not kept\|lost in the full' "$TMP/burst.err" | head -c 300)"
else
	ok "no stack reported lost"
fi
# The samples the summary counts are the ones written
said=$(sed -n 's/^scorch: \([0-9]*\) samples .* 0 lost.*/\1/p' "$TMP/burst.err")
total=$(awk '{ t += $NF } END { print t + 0 }' "$TMP/burst.folded")
if [ -n "$said" ] && [ "$said" -eq "$total" ]; then
	ok "the summary counts every sample written, none lost"
else
	fail "the summary counts every sample written, none lost" "summary: $(grep '^scorch:' "$TMP/burst.err"), written: $total"
fi

# --call-graph dwarf: user stacks are walked in BPF into arrays of buckets that outlive a drain
# (stacks recur); a burst fills them with stacks that do not. The leaf pc travels apart from
# the rest, so a sample whose user stack was not kept has only its leaf under the root.
"$WL/stack_burst" 4 &
w1=$!
"$WL/stack_burst" 4 &
w2=$!
on_exit "kill $w1 $w2 2>/dev/null"
"$SCORCH" record --backend bpf --call-graph dwarf -F 4999 -d 3 -p "$w1,$w2" \
	-o "$TMP/dwarf.folded" 2>"$TMP/dwarf.err"
st=$?
wait $w1 $w2
read -r total leafonly < <(awk -F';' '/^stack_burst;/ { split($NF, v, " "); t += v[2]; if (NF == 2) l += v[2] }
	END { print t + 0, l + 0 }' "$TMP/dwarf.folded")
echo "# dwarf: $total samples of the workload, $leafonly with their leaf alone"
if [ $st -eq 0 ] && [ "$total" -ge 10000 ] && [ $((leafonly * 200)) -le "$total" ]; then
	ok "--call-graph dwarf keeps the user stacks of a burst (at most 0.5% lost)"
else
	fail "--call-graph dwarf keeps the user stacks of a burst (at most 0.5% lost)" \
		"status $st, $leafonly of $total samples with the leaf alone"
fi
if [ "$leafonly" -eq 0 ] || grep -q 'stacks not kept' "$TMP/dwarf.err"; then
	ok "--call-graph dwarf: stacks not kept are reported"
else
	fail "--call-graph dwarf: stacks not kept are reported" "$leafonly samples with the leaf alone, none reported"
fi

# Bytes read from the kernel (record -v): one spinning process, 2 s at 999 Hz, frame pointers.
# The perf backend moves a record per sample (about 2,000 of them, over 100 bytes each: the
# header, ids, time, the call chain); the bpf backend moves a few counts and stacks a drain.
cat >"$WL/spin.c" <<'EOS'
#include <stdlib.h>
__attribute__((noinline)) void spin(long n) { volatile long x = 0; for (long i = 0; i < n; i++) x += i; }
int main(int argc, char **argv) { for (;;) spin(1000000); }
EOS
cc -O1 -fno-omit-frame-pointer -o "$WL/spin" "$WL/spin.c" || bail "cannot build the spinner"
"$WL/spin" &
sp=$!
on_exit "kill $sp 2>/dev/null"
bytes_of() { sed -n 's/.*: \([0-9]*\) bytes read from the kernel.*/\1/p' "$1"; }
"$SCORCH" record -v --backend bpf --call-graph fp -F 999 -d 2 -p $sp -o "$TMP/b.folded" 2>"$TMP/b.err"
"$SCORCH" record -v --backend perf --call-graph fp -F 999 -d 2 -p $sp -o "$TMP/p.folded" 2>"$TMP/p.err"
kill $sp 2>/dev/null
bb=$(bytes_of "$TMP/b.err") pb=$(bytes_of "$TMP/p.err")
nb=$(awk '{ t += $NF } END { print t + 0 }' "$TMP/b.folded")
np=$(awk '{ t += $NF } END { print t + 0 }' "$TMP/p.folded")
echo "# bytes read from the kernel: bpf $bb for $nb samples, perf $pb for $np samples"
if [ -n "$pb" ] && [ "$np" -ge 1000 ] && [ "$pb" -ge $((np * 64)) ]; then
	ok "the perf backend reads a record of 64 bytes or more per sample ($pb bytes, $np samples)"
else
	fail "the perf backend reads a record of 64 bytes or more per sample" "${pb:-no count} bytes, $np samples"
fi
if [ -n "$bb" ] && [ "$nb" -ge 1000 ] && [ "$bb" -gt 0 ] && [ $((bb * 10)) -le "${pb:-0}" ]; then
	ok "the bpf backend reads under a tenth of that ($bb bytes, $nb samples)"
else
	fail "the bpf backend reads under a tenth of that" "${bb:-no count} bytes for $nb samples, perf ${pb:-no count}"
fi
finish
