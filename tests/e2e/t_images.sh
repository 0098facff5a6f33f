#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Samples named by the image that ran them (root): an exec or a reused pid within one drain
# interval must not rename the samples taken before it. The bpf backend counts in the kernel
# between drains (100 ms; an agent's are 1 s), so it must tell the images apart itself; the
# perf backend orders every sample with the process events.
. "$(dirname "$0")/../lib.sh"

is_root || skip_all "images across exec and pid reuse" "needs root (clone3 set_tid, perf events, BPF)"
WL=$TMP/wl
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -o "$WL/exec_after" "$ROOT/tests/workloads/exec_after.c" &&
	cc -O1 -g -fno-omit-frame-pointer -o "$WL/pid_reuse" "$ROOT/tests/workloads/pid_reuse.c" ||
	bail "cannot build the workloads"
# An exec chain: img1 spins 60 ms of CPU in before_exec, execs img2 (the same binary under another
# name, so another comm and, with ASLR, other addresses), ... img8 execs true.
chain=()
for i in 1 2 3 4 5 6 7 8; do
	ln -s exec_after "$WL/img$i"
	chain+=("$WL/img$i" 60)
done
chain+=(/bin/true)

# clone3 with set_tid needs root in the pid namespace (and Linux 5.5): without it, no reuse test.
reuse_ok=1
"$WL/pid_reuse" 2 1 >"$TMP/reuse-probe.out" 2>&1 || reuse_ok=0
backends="perf"
if [ -r /sys/kernel/btf/vmlinux ]; then backends="perf bpf"; else
	skip "bpf backend: exec chain and pid reuse" "no kernel BTF (/sys/kernel/btf/vmlinux)"; fi

for be in $backends; do
	# 1. The exec chain: every image keeps its own samples, named before_exec under its comm
	#    (the rest is the exec and the loader, a larger share on a loaded machine).
	"$SCORCH" record -q --backend "$be" -F 999 -o "$TMP/chain-$be.folded" -- "${chain[@]}" 2>"$TMP/chain-$be.err"
	bad=$(awk '{ split($0, f, ";"); r = f[1]; n = $NF
		     if (r !~ /^img[1-8]$/) next
		     t[r] += n; if ($0 ~ /;main;before_exec( |;)/) b[r] += n }
		   END { for (i = 1; i <= 8; i++) { r = "img" i
		           if (b[r] < 5 || b[r] * 100 < t[r] * 40) printf "%s:%d/%d ", r, b[r], t[r] } }' \
		"$TMP/chain-$be.folded")
	tot=$(awk '$1 ~ /^img[1-8];/ { t += $NF } END { print t + 0 }' "$TMP/chain-$be.folded")
	[ -s "$TMP/chain-$be.folded" ] && [ -z "$bad" ] && [ "$tot" -ge 80 ] &&
		ok "$be: an 8-image exec chain (60 ms each): each image's samples under its own comm, >= 40% and 5 in before_exec ($tot samples)" ||
		fail "$be: exec chain, each image's samples under its comm and named" \
			"short images (before_exec/all): ${bad:-none}; $tot samples; $(head -c 200 "$TMP/chain-$be.err")"

	# 2. pid reuse: `first` exits and `second` takes its pid at once, 12 rounds of 40 ms of CPU each.
	scopes="--"
	[ "$be" = bpf ] && scopes="-- -a"
	[ $reuse_ok = 1 ] || { skip "$be: pid reuse" "clone3 set_tid refused: $(head -c 200 "$TMP/reuse-probe.out")"; scopes=""; }
	for scope in $scopes; do
		if [ "$scope" = -a ]; then
			"$SCORCH" record -q --backend "$be" -a -F 999 -o "$TMP/reuse-$be-a.folded" 2>"$TMP/reuse-$be-a.err" &
			r=$!
			sleep 1.5
			"$WL/pid_reuse" 12 40 >"$TMP/reuse.out"
			kill -INT $r 2>/dev/null
			wait $r
			out=$TMP/reuse-$be-a.folded
		else
			"$SCORCH" record -q --backend "$be" -F 999 -o "$TMP/reuse-$be.folded" -- "$WL/pid_reuse" 12 40 \
				>"$TMP/reuse.out" 2>"$TMP/reuse-$be.err"
			out=$TMP/reuse-$be.folded
		fi
		grep -q '^1[0-2] of 12 rounds reused' "$TMP/reuse.out" ||
			{ fail "$be $scope: pid reuse: the workload ran and reused pids" "$(cat "$TMP/reuse.out")"; continue; }
		read -r f1 f2 s1 s2 < <(awk '{ split($0, f, ";"); n = $NF
			if ($0 ~ /;first_work( |;)/) { if (f[1] == "first") a += n; else b += n }
			if ($0 ~ /;second_work( |;)/) { if (f[1] == "second") c += n; else d += n } }
			END { print a + 0, b + 0, c + 0, d + 0 }' "$out" 2>/dev/null || echo 0 0 0 0)
		# Without the images, the kernel's counts of both processes of a round were named
		# after `second` (292 of 353 first_work samples); a few may still go astray when a
		# process event is lost or late on a loaded machine, so the bar is 90%.
		[ "$f1" -ge 50 ] && [ "$s1" -ge 50 ] && [ $((f2 * 10)) -le "$f1" ] && [ $((s2 * 10)) -le "$s1" ] &&
			ok "$be $scope: a reused pid keeps each process's name (first_work under first $f1/$((f1 + f2)), second_work under second $s1/$((s1 + s2)))" ||
			fail "$be $scope: a reused pid keeps each process's name (>= 90% each)" \
				"first_work: $f1 under first, $f2 elsewhere; second_work: $s1 under second, $s2 elsewhere: $(grep -E ';(first|second)_work' "$out" 2>/dev/null | grep -vE '^first;.*first_work|^second;.*second_work' | head -3 | cut -c1-120 | tr '\n' '|')"
	done
done

# 3. Off-CPU time is counted in the kernel too: an exec chain whose images sleep 60 ms each
#    (2 ms naps in before_exec) before the next exec. Each image's blocked time must be named
#    with its own maps (before the images were kept, 4 or 5 of the 8 came out all [unknown], the
#    rest partly).
#    --off-cpu gives us, --on-off ns with a [blocked] frame; the inner on-CPU backend of
#    --on-off brings the process events, perf's or bpf's.
if [ -r /sys/kernel/btf/vmlinux ]; then
	sleepy=()
	for i in 1 2 3 4 5 6 7 8; do sleepy+=("$WL/img$i" s60); done
	sleepy+=(/bin/true)
	for mode in "--off-cpu" "--on-off --backend perf" "--on-off --backend bpf"; do
		tag=$(echo "$mode" | tr -d ' -')
		# shellcheck disable=SC2086 # the mode is several options
		"$SCORCH" record -q $mode -o "$TMP/off-$tag.folded" -- "${sleepy[@]}" 2>"$TMP/off-$tag.err"
		unit=1000; [ "$mode" = --off-cpu ] || unit=1000000
		bad=$(awk -v u="$unit" '{ split($0, f, ";"); r = f[1]; n = $NF / u
			     if (r !~ /^img[1-8]$/ || (u > 1000 && $0 !~ /;\[blocked\] [0-9]+$/)) next
			     t[r] += n; if ($0 ~ /;main;before_exec;nap;/) b[r] += n }
			   END { for (i = 1; i <= 8; i++) { r = "img" i
			           if (b[r] < 40 || b[r] * 100 < t[r] * 90) printf "%s:%d/%d ", r, b[r], t[r] } }' \
			"$TMP/off-$tag.folded")
		[ -s "$TMP/off-$tag.folded" ] && [ -z "$bad" ] &&
			ok "record $mode: an 8-image exec chain sleeping 60 ms each: each image's blocked time named by its own maps (>= 40 ms and 90% in before_exec)" ||
			fail "record $mode: each image's blocked time named by its own maps" \
				"images short of it (before_exec/all ms): ${bad:-none}; $(head -c 200 "$TMP/off-$tag.err")"
	done
else
	skip "off-CPU exec chain" "no kernel BTF (/sys/kernel/btf/vmlinux)"
fi
finish
