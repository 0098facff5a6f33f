#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --call-graph dwarf, fp+leaf and auto (perf backend): a -fomit-frame-pointer workload against
# its design, Debian's stripped sqlite3, xz and python3 against perf --call-graph dwarf on the
# same run, a library dlopened mid-run, [truncated] stacks.
source "$(dirname "$0")/../lib.sh"
WL=$ROOT/build/workloads
PERFSTACKS=$ROOT/tests/e2e/perfstacks.awk

expect_exit "--call-graph: a stack size below 8 is refused" 2 "is not a stack size" \
	"$SCORCH" record --call-graph dwarf,4 -o "$TMP/x.folded" -- true

is_root || skip_all "dwarf unwinding on live workloads" "needs root (perf_event_open with kernel frames)"

mkdir -p "$WL"
cc -O2 -g -fomit-frame-pointer -pthread -o "$WL/split_nofp" "$ROOT/tests/workloads/cpu_split.c" &&
	cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" &&
	cc -O2 -g -fno-omit-frame-pointer -o "$WL/leaf_calls" "$ROOT/tests/workloads/leaf_calls.c" &&
	cc -O2 -fomit-frame-pointer -shared -fPIC -o "$WL/libhot_nofp.so" "$ROOT/tests/workloads/libhot.c" &&
	cc -O2 -fomit-frame-pointer -o "$WL/dlopen_nofp" "$ROOT/tests/workloads/dlopen_hot.c" -ldl ||
	bail "cannot build the workloads (cc)"

# total FILE: samples in a folded file. count FILE ERE: samples whose line matches ERE.
total() { awk '{ t += $NF } END { print t + 0 }' "$1"; }
pct() { # pct FILE ERE: percent of samples whose line matches ERE (one decimal)
	awk -v re="$2" '{ t += $NF; if ($0 ~ re) h += $NF } END { if (!t) print -1; else printf "%.1f\n", 100 * h / t }' "$1"
}
near() { # near NAME WANT GOT TOL
	if awk -v w="$2" -v g="$3" -v t="$4" 'BEGIN { exit !(g >= w - t && g <= w + t) }'; then
		ok "$1 ($3%, want $2 +- $4)"
	else
		fail "$1" "got $3%, want $2 +- $4"
	fi
}
at_least() { # at_least NAME GOT MIN
	if awk -v g="$2" -v m="$3" 'BEGIN { exit !(g >= m) }'; then ok "$1 ($2 >= $3)"; else fail "$1" "got $2, want >= $3"; fi
}

# 1. The design: 60/30/10 in hot/warm/cool, each stack whole (the thread's start to the leaf).
# A 4 KB copy (the stacks are shallow) keeps the ring buffers from filling at this rate.
"$SCORCH" record --call-graph dwarf,4096 -F 2999 -o "$TMP/split.folded" -- "$WL/split_nofp" 6 0 2 2>"$TMP/split.err"
START='(;__libc_start_call_main;main|;start_thread);worker;'
n=$(total "$TMP/split.folded")
at_least "dwarf: samples of the -fomit-frame-pointer workload" "$n" 300
# split F: percent of the samples in F's three functions that sit on a whole stack to each
split() {
	awk -v start="$START" '{ n = $NF
		for (f = 1; f <= 3; f++) { fn = f == 1 ? "hot" : f == 2 ? "warm" : "cool"
			if ($0 ~ (";" fn "_function( |;)")) { t += n; if ($0 ~ (start fn "_function( |;)")) w[fn] += n } } }
		END { if (!t) print "-1 -1 -1"; else printf "%.1f %.1f %.1f\n", 100 * w["hot"] / t, 100 * w["warm"] / t, 100 * w["cool"] / t }' "$1"
}
read -r hot warm cool < <(split "$TMP/split.folded")
near "dwarf: whole stacks to hot_function" 60 "$hot" 2
near "dwarf: whole stacks to warm_function" 30 "$warm" 2
near "dwarf: whole stacks to cool_function" 10 "$cool" 2
check "dwarf: kernel frames joined under the user leaf" \
	grep -qE "^split_nofp;_start;.*;main;worker;[a-z]+_function;(asm_|entry_)[a-z_]+" "$TMP/split.folded"
# Frame pointers alone lose worker and main in this binary: the check above is unwinding's.
"$SCORCH" record --call-graph fp -F 999 -o "$TMP/splitfp.folded" -- "$WL/split_nofp" 1 0 1 2>/dev/null
at_least "fp on the same binary loses the callers (so dwarf's stacks are its own)" \
	"$(awk -v a="$(pct "$TMP/splitfp.folded" "$START")" 'BEGIN { print a < 0 ? -1 : 100 - a }')" 50

# 2. A stack copy smaller than the stack: [truncated] at the top, counted by cause.
"$SCORCH" record --call-graph dwarf,64 -F 999 -o "$TMP/t64.folded" -- "$WL/split_nofp" 1 0 1 2>"$TMP/t64.err"
at_least "dwarf,64: stacks end in [truncated]" "$(pct "$TMP/t64.folded" '^split_nofp;\[truncated\];')" 80
check "dwarf,64: the summary counts truncated stacks" \
	grep -qE "dwarf unwinding stopped early in [0-9]+ of [0-9]+ samples: [0-9]+ truncated" "$TMP/t64.err"

# 3. A library dlopened mid-run unwinds (its mmap event reaches the unwinder at once).
"$SCORCH" record --call-graph dwarf -F 999 -o "$TMP/dl.folded" -- "$WL/dlopen_nofp" "$WL/libhot_nofp.so" 800 2>/dev/null
at_least "dwarf: dlopened hot_loop unwinds to main" \
	"$(pct "$TMP/dl.folded" ';__libc_start_call_main;main;hot_loop( |;)')" 85
check "dwarf (16 KB): no [truncated] stack" bash -c "[ -s '$TMP/dl.folded' ] && ! grep -q '\[truncated\]' '$TMP/dl.folded'"

# 4. fp+leaf: the caller of glibc's frameless memchr, lost by frame pointers, comes back.
"$SCORCH" record --call-graph fp -F 999 -o "$TMP/leaf_fp.folded" -- "$WL/leaf_calls" 2 2>/dev/null
"$SCORCH" record --call-graph fp+leaf -F 999 -o "$TMP/leaf.folded" -- "$WL/leaf_calls" 2 2>"$TMP/leaf.err"
# Of the samples in memchr, the share that names its caller: few with fp, all with fp+leaf.
under() { # under FILE: "MEMCHR_SHARE WITH_CALLER_SHARE_OF_THEM"
	awk '{ n = $NF; t += n; if ($0 ~ /;__memchr[a-z0-9_]*( |;)/) { m += n; if ($0 ~ /;main;scan_caller;__memchr/) c += n } }
		END { if (!t || !m) print "-1 -1"; else printf "%.1f %.1f\n", 100 * m / t, 100 * c / m }' "$1"
}
read -r mfp cfp < <(under "$TMP/leaf_fp.folded")
read -r mleaf cleaf < <(under "$TMP/leaf.folded")
at_least "fp+leaf workload: time in memchr" "$mleaf" 20
at_least "fp: memchr samples that lose scan_caller" "$(awk -v c="$cfp" 'BEGIN { print c < 0 ? -1 : 100 - c }')" 90
at_least "fp+leaf: memchr samples under main;scan_caller" "$cleaf" 90
# cpu_split with frame pointers: its hot_function is a frameless leaf, so fp skips worker.
"$SCORCH" record --call-graph fp+leaf -F 999 -o "$TMP/leaf2.folded" -- "$WL/cpu_split" 1 0 1 2>/dev/null
at_least "fp+leaf: hot_function samples under main;worker (fp shows main;hot_function)" \
	"$(awk '{ n = $NF; if ($0 ~ /;hot_function( |;)/) { t += n; if ($0 ~ /;main;worker;hot_function( |;)/) w += n } }
		END { if (!t) print -1; else printf "%.1f\n", 100 * w / t }' "$TMP/leaf2.folded")" 90
check "fp+leaf: the summary counts repaired stacks" grep -qE "fp\+leaf: CFI repaired [1-9][0-9]* of" "$TMP/leaf.err"

# 5. auto: dwarf for a binary without frame pointers, fp for one with them (said with -v).
"$SCORCH" record -v -F 499 -o "$TMP/a1.folded" -- "$WL/split_nofp" 0.3 2>"$TMP/a1.err"
"$SCORCH" record -v -F 499 -o "$TMP/a2.folded" -- "$WL/cpu_split" 0.3 2>"$TMP/a2.err"
check "auto: dwarf for the -fomit-frame-pointer binary" grep -q "call graph auto: dwarf" "$TMP/a1.err"
check "auto: its stacks reach main" grep -qE '^split_nofp;_start;.*;main;worker;hot_function ' "$TMP/a1.folded"
check "auto: fp for the frame-pointer binary" grep -q "call graph auto: fp" "$TMP/a2.err"

# 6. Debian's binaries as installed, sampled by perf --call-graph dwarf and scorch at once.
# main_range BIN: "LO HI" of main (from _start's first argument to __libc_start_main and the
# FDE that starts there), so that perf's stacks of a stripped binary can be said to reach it.
main_range() {
	local e lo
	e=$(readelf -h "$1" | awk '/Entry point/ { print $4 }')
	lo=$(objdump -d --start-address="$e" --stop-address=$((e + 48)) "$1" |
		grep -m1 -E '(lea +-?0x[0-9a-f]+\(%rip\)|mov +\$0x[0-9a-f]+),%rdi' |
		sed -E 's/.*# ([0-9a-f]+).*/\1/; s/.*\$0x([0-9a-f]+),%rdi.*/\1/')
	[ -n "$lo" ] || return 1
	readelf --debug-dump=frames "$1" 2>/dev/null | grep -m1 -oE "pc=0*$lo\.\.[0-9a-f]+" |
		sed -E 's/pc=0*([0-9a-f]+)\.\.0*([0-9a-f]+)/\1 \2/'
}
STARTS='^(_start|__libc_start_main.*|__libc_start_call_main|start_thread|clone3?|\[unknown\])$'
# perf_reach FILE BIN LO HI: percent of perf's samples that reach main (or a thread's start, or
# the dynamic loader's before main runs).
perf_reach() {
	awk -F';' -v bin="$2" -v lo="$3" -v hi="$4" -v print_lines="${5:-0}" '
		function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
		BEGIN { l = hex(lo); h = hex(hi) }
		{ t++; for (i = 1; i <= NF; i++) { split($i, f, "@"); a = hex(f[3])
			if (f[1] ~ /^(__libc_start_call_main|start_thread|main|_dl_start)$/ ||
			    (f[2] == bin && a >= l && a < h)) { r++; if (print_lines) print; break } } }
		END { if (print_lines) exit; if (!t) print -1; else printf "%.1f\n", 100 * r / t }' "$1"
}
# perf_reaching FILE BIN LO HI: perf's samples that reach main (perf_reach's test), one a line
perf_reaching() { perf_reach "$@" 1; }
REACH=';(__libc_start_call_main|start_thread|main|_dl_start);'
# incl_perf FILE / incl_scorch FILE: "name share" of every function by inclusive samples,
# most first (the frames above main excluded: perf rarely reaches them). glibc's memcpy and
# memmove are one function with two names: perf's srcline guess and the symbol table differ.
incl_perf() {
	awk -F';' -v skip="$STARTS" '{ t++; split("", seen); for (i = 1; i <= NF; i++) { split($i, f, "@")
		sub(/^__memcpy_/, "__memmove_", f[1])
		if (f[1] !~ skip && !(f[1] in seen)) { seen[f[1]] = 1; c[f[1]]++ } } }
		END { for (k in c) printf "%s %.1f\n", k, 100 * c[k] / t }' "$1" | sort -k2,2nr -k1,1
}
incl_scorch() {
	awk -v skip="$STARTS" '{ n = $NF; t += n; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); split("", seen)
		for (i = 2; i <= k; i++) { sub(/^__memcpy_/, "__memmove_", f[i])
			if (f[i] !~ skip && !(f[i] in seen)) { seen[f[i]] = 1; c[f[i]] += n } } }
		END { for (k in c) printf "%s %.1f\n", k, 100 * c[k] / t }' "$1" | sort -k2,2nr -k1,1
}
# same_top NAME PERF_INCL SCORCH_INCL: each side's ten first functions, those above 2% of the
# samples (below that, the ranks are sampling noise), hold a share within 8 points on the other.
# own_leaf_perf FILE OWN / own_leaf_scorch FILE PERF OWN: the stacks whose leaf is in the
# workload's own objects (DSO paths matching the ERE OWN). perf gives up unwinding out of some
# of glibc's functions (memcpy, malloc) in up to 9% of a run, so its stacks that reach main
# hold fewer of those callers than they should: the comparison leaves out, on both sides, the
# stacks whose leaf is not the workload's own code. scorch's folded lines carry no DSO, so its
# leaf is kept when perf names a frame of an own object with it.
own_leaf_perf() { awk -F';' -v own="$2" '{ split($1, f, "@"); if (f[2] ~ own) print }' "$1"; }
own_leaf_scorch() {
	awk -F';' -v own="$3" 'NR == FNR { for (i = 1; i <= NF; i++) { split($i, f, "@")
			if (f[2] ~ own) o[f[1]] = 1 }; next }
		{ s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); if (f[k] in o) print }' "$2" "$1"
}
same_top() {
	local bad
	bad=$(awk 'NR == FNR { p[$1] = $2; if (FNR <= 10) ptop[$1] = 1; next }
		{ s[$1] = $2; if (FNR <= 10) stop[$1] = 1 }
		function off(k) { return !(k in p) || !(k in s) || p[k] - s[k] > 8 || s[k] - p[k] > 8 }
		END { for (k in ptop) if (p[k] >= 2 && off(k)) print k ": perf " p[k] " scorch " s[k] + 0
			for (k in stop) if (s[k] >= 2 && off(k)) print k ": scorch " s[k] " perf " p[k] + 0 }' "$2" "$3")
	if [ -z "$bad" ] && [ -s "$2" ] && [ -s "$3" ]; then ok "$1"; else fail "$1" "$(echo "$bad" | head -4 | tr '\n' '|')"; fi
}

# A storm of 200 short-lived bash processes (no frame pointers: each gets an address space
# with CFI loaded) under -a: open fds stay bounded (before the bound they grew by about one per
# process, 561 within 80 s of the soak), and the spaces of exited processes are freed.
"$SCORCH" record --backend perf --call-graph dwarf -a -F 499 -v -o "$TMP/storm.folded" \
	2>"$TMP/storm.err" &
rec=$!
sleep 1
maxfd=0
for _ in $(seq 200); do
	bash -c 'i=0; while [ $i -lt 1000 ]; do i=$((i+1)); done'
	n=$(ls /proc/$rec/fd 2>/dev/null | wc -l)
	[ "$n" -gt "$maxfd" ] && maxfd=$n
done
kill -INT $rec
wait $rec
st=$?
if [ $st = 0 ] && [ "$maxfd" -gt 0 ] && [ "$maxfd" -le 300 ]; then
	ok "fork storm under -a --call-graph dwarf: at most $maxfd fds open (bound 300)"
else
	fail "fork storm under -a --call-graph dwarf: at most $maxfd fds open (bound 300), exit $st"
fi
spaces=$(sed -n 's/.*dwarf unwinder at the end: \([0-9]*\) address spaces, \([0-9]*\) with.*/\1 \2/p' "$TMP/storm.err")
alive=$(ls -d /proc/[0-9]* | wc -l)
read -r sp dw <<<"${spaces:-x x}"
if [ "$sp" != x ] && [ "$sp" -le $((alive + 64)) ] && [ "$dw" -le 32 ] &&
	[ "$(grep -c 'bash' "$TMP/storm.folded")" -gt 0 ]; then
	ok "fork storm: $sp address spaces kept for $alive live processes, $dw with CFI (bound 32)"
else
	fail "fork storm: address spaces/CFI '$spaces' for $alive live processes: $(tail -3 "$TMP/storm.err")"
fi

command -v perf >/dev/null || { skip "Debian binaries vs perf" "perf is not installed"; finish; }
mkdir -p "$TMP/wl"
seq 1 500000 >"$TMP/wl/seq.txt"
Q='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<8000000) SELECT sum(x*x%7), count(DISTINCT x%1000) FROM c;'
cat >"$TMP/wl/w.py" <<'EOF'
import json
for _ in range(300):
    d = [{'a': i, 'b': str(i) * 3, 'c': [i, i / 3]} for i in range(2000)]
    json.loads(json.dumps(d))
    sorted(d, key=lambda r: r['b'])
EOF
# compare NAME BIN OWN CMD...: CMD (fixed work) waits stopped until perf record --call-graph dwarf
# and scorch are both attached, so that they sample the same whole run (user frames: the
# kernel's part of a stack is not what is compared). OWN: an ERE for the paths of the
# workload's own objects (see own_leaf_perf).
compare() {
	local name=$1 bin=$2 own=$3 pid range ppid spid i
	shift 3
	bash -c 'kill -STOP $$; exec "$@"' sh "$@" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do grep -q '^State:.*T' "/proc/$pid/status" 2>/dev/null && break; sleep 0.1; done
	timeout -s INT 120 perf record -q --call-graph dwarf -F 999 -p "$pid" -o "$TMP/$name.data" >/dev/null 2>&1 &
	ppid=$!
	"$SCORCH" record -v --call-graph dwarf --user-only -F 999 -p "$pid" -o "$TMP/$name.folded" 2>"$TMP/$name.err" &
	spid=$!
	for i in $(seq 100); do grep -q 'backend' "$TMP/$name.err" 2>/dev/null && break; sleep 0.1; done
	sleep 1
	kill -CONT "$pid"
	wait "$pid" 2>/dev/null
	wait "$spid"
	wait "$ppid"
	perf script -i "$TMP/$name.data" 2>/dev/null | awk -f "$PERFSTACKS" >"$TMP/$name.perf"
	if [ ! -s "$TMP/$name.perf" ]; then
		skip "$name: perf --call-graph dwarf" "perf recorded no stacks"
		return
	fi
	# perf attached before the exec sometimes keeps the old image's maps and names nothing.
	if [ "$(awk -F';' '{ for (i = 1; i <= NF; i++) { t++; if ($i ~ /@\[unknown\]@/) u++ } }
		END { print (t && u * 2 > t) ? 1 : 0 }' "$TMP/$name.perf")" = 1 ]; then
		skip "$name: perf --call-graph dwarf" "perf could not name most frames (it lost the exec's maps)"
		return
	fi
	range=$(main_range "$bin") || range="0 0"
	local pr sr
	pr=$(perf_reach "$TMP/$name.perf" "$bin" $range)
	sr=$(pct "$TMP/$name.folded" "$REACH")
	# Each samples its own instants: half a point is one sample in 200 of that noise.
	at_least "$name: share of stacks reaching main, scorch vs perf ($sr% vs $pr%)" "$sr" \
		"$(awk -v p="$pr" 'BEGIN { print p - 0.5 }')"
	# Functions are compared over each side's whole stacks (those reaching main) with a leaf in
	# the workload's own code: the share of stacks each unwinds to the end is the check above,
	# and perf's own misses (it stops in glibc's AVX-512 memcpy or malloc in up to 9% of a run
	# attached this way) would shift every share: 34% against 42% for sqlite's unnamed
	# functions in one run, where both sides agreed on every other function.
	perf_reaching "$TMP/$name.perf" "$bin" $range | own_leaf_perf /dev/stdin "$own" >"$TMP/$name.perf.whole"
	grep -E "$REACH" "$TMP/$name.folded" >"$TMP/$name.folded.reach"
	own_leaf_scorch "$TMP/$name.folded.reach" "$TMP/$name.perf" "$own" >"$TMP/$name.folded.whole"
	incl_perf "$TMP/$name.perf.whole" >"$TMP/$name.ptop"
	incl_scorch "$TMP/$name.folded.whole" >"$TMP/$name.stop"
	same_top "$name: top-10 inclusive functions match perf's" "$TMP/$name.ptop" "$TMP/$name.stop"
}
compare sqlite3 /usr/bin/sqlite3 'sqlite3' /usr/bin/sqlite3 :memory: "$Q"
compare xz "$(readlink -f /usr/bin/xz)" '/xz$|liblzma' /usr/bin/xz -T1 -6 -c "$TMP/wl/seq.txt"
compare python3 "$(readlink -f /usr/bin/python3)" 'python3' /usr/bin/python3 "$TMP/wl/w.py"
finish
