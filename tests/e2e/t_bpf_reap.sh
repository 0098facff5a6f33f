#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bounded memory with --backend bpf -a (root, BPF): 2,000 short processes, each sampled, leave
# nothing behind: the per-process tables shrink back to the processes alive, and scorch's RSS
# stays flat while they run.
source "$(dirname "$0")/../lib.sh"

is_root || skip_all "bpf reaping" "needs root (BPF programs and perf events); run tests as root"
[ -r /sys/kernel/btf/vmlinux ] || skip_all "bpf reaping" "no kernel BTF (/sys/kernel/btf/vmlinux)"
WL=$TMP/wl
mkdir -p "$WL"
# A process that burns ~2 ms of CPU in a named function: about two samples each at 999 Hz, so
# its stacks, maps and name pass through every table the bpf path keeps.
cat >"$WL/reap_burn.c" <<'EOF'
#include <time.h>
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
__attribute__((noinline)) static unsigned long burn_briefly(double s)
{
	volatile unsigned long x = 0;
	for (double t0 = now(); now() - t0 < s;)
		for (int i = 0; i < 1000; i++)
			x += (unsigned long)i * i;
	return x;
}
int main(void) { return (int)(burn_briefly(0.002) & 1); }
EOF
cc -O1 -g -fno-omit-frame-pointer -o "$WL/reap_burn" "$WL/reap_burn.c" || bail "cannot build the workload"

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
"$SCORCH" record --backend bpf -a -F 999 -v -o "$TMP/reap.folded" 2>"$TMP/reap.err" &
r=$!
sleep 1.5
if ! kill -0 $r 2>/dev/null; then
	wait $r
	skip_all "bpf reaping" "record --backend bpf -a did not start: $(head -c 200 "$TMP/reap.err")"
fi
for i in $(seq 500); do "$WL/reap_burn"; done
sleep 2.5 # two drains: the first 500 are reaped, the caches are warm
r1=$(rss_kb $r)
t0=$(date +%s)
for i in $(seq 1500); do "$WL/reap_burn"; done
sleep 2.5
r2=$(rss_kb $r)
secs=$(($(date +%s) - t0))
live=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)
kill -INT $r
wait $r
read -r pids threads reaped < <(sed -n \
	's/.*per-process state at the end: \([0-9]*\) pids, \([0-9]*\) threads,.* \([0-9]*\) processes reaped.*/\1 \2 \3/p' \
	"$TMP/reap.err")
burn=$(awk '/^reap_burn;/ { t += $NF } END { print t + 0 }' "$TMP/reap.folded")
named=$(awk '/^reap_burn;.*;main;burn_briefly( |$)/ { t += $NF } END { print t + 0 }' "$TMP/reap.folded")

# The design: a process's state goes one drain after its exit (a /proc sweep every 64 drains
# catches exits never seen), so at the end the tables hold about the processes alive; every
# one of our 2,000 was reaped.
[ -n "$pids" ] && [ "$pids" -le $((live + 300)) ] && [ "$threads" -le $((live * 4 + 300)) ] &&
	[ "$reaped" -ge 1950 ] &&
	ok "tables shrink back: $pids pids and $threads threads held at the end ($live processes alive), $reaped reaped (2,000 started)" ||
	fail "tables shrink back to the live processes, every short process reaped" \
		"${pids:-?} pids, ${threads:-?} threads held, $live alive, ${reaped:-?} reaped: $(grep per-process "$TMP/reap.err")"
# RSS from the 500th to the 2,000th process. Nothing is kept per exited process, and every
# process runs the same binary (its ELF is read once); what remains is the user-side stacks
# cache, bounded by twice the stacks one interval can store (2 x 4,096 stacks at 999 Hz on
# 2 CPUs, 2 x 1 KiB at worst: 16 MiB, reached only if every stack were 127 frames deep), and
# the profile, which grows only with new stacks. Unbounded, the bpf path grew by 27 KB a
# process (55 MB over 2,000); the bound is 4 KB a process, 6 MB over 1,500.
grow=$(((${r2:-0} - ${r1:-0}) / 1024))
others=$((${reaped:-0} - 2000))
if [ "$others" -gt 1500 ]; then
	# RSS also holds the profile and the ELF files of everything else sampled: on a machine
	# running many other programs meanwhile, it measures them, not us.
	skip "RSS flat over 1,500 short processes" \
		"the machine ran $others other processes meanwhile (RSS ${r1} -> ${r2} kB in $secs s)"
elif [ "${r1:-0}" -gt 0 ] && [ "${r2:-0}" -gt 0 ] && [ $grow -le 6 ]; then
	ok "RSS flat over 1,500 short processes: +$grow MB (${r1} -> ${r2} kB in $secs s, bound 6 MB)"
else
	fail "RSS over 1,500 short processes at most +6 MB" "${r1} -> ${r2} kB in $secs s"
fi
# The short processes were sampled and symbolized: 2,000 x 2 ms in burn_briefly is ~4,000
# samples at 999 Hz by design. The burn is 2 ms of wall-clock time, which preemption on a
# loaded machine eats into: a quarter of the design is the floor.
[ "$named" -ge 1000 ] &&
	ok "the short processes symbolized: $named samples in main;burn_briefly (design ~4,000, floor 1,000; $burn in reap_burn)" ||
	fail "the short processes sampled and symbolized" "$named of $burn reap_burn samples in burn_briefly, want >= 1,000"
finish
