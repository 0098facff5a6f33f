#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch serve's API beyond on-CPU samples: the pprof download carries the workload's mapping
# (path, build-id as readelf prints it, addresses inside hot_function as nm places it), and
# off-cpu and on-off profiles of offcpu_split show the blocked times its design and its own
# clocks give (the reader blocks ~300 ms in read(2); the sleeper spins 90 ms on the CPU).
source "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "serve modes" "curl is missing"
is_root || skip_all "serve modes" "needs root (perf events and eBPF on another process)"
WL=$TMP/wl
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -pthread -Wl,--build-id -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	bail "cannot build the cpu_split workload"
cc -O1 -g -fno-omit-frame-pointer -no-pie -pthread -o "$WL/offcpu_split" "$ROOT/tests/workloads/offcpu_split.c" ||
	bail "cannot build the offcpu_split workload"

start_serve serve
[ -n "$TOKEN" ] || { fail "serve started" "$(head -c 300 "$TMP/serve.err")"; finish; }
post() { auth -X POST -H 'Content-Type: application/json' --data-binary "$1" "$BASE/api/profiles"; }
# wait_state ID REGEX [TRIES]: polls the profile's status until it matches (0.1 s apart)
wait_state() {
	for _ in $(seq "${3:-100}"); do
		auth "$BASE/api/profiles/$1" >/dev/null
		grep -qE "$2" "$TMP/body" && return 0
		sleep 0.1
	done
	return 1
}

# ---- pprof: mappings and addresses ----
"$WL/cpu_split" 30 0 1 &
WPID=$!
on_exit "kill $WPID 2>/dev/null"
expect_eq "create a cpu profile: 201" 201 "$(post "{\"pids\":[$WPID],\"seconds\":2,\"hz\":499}")"
ID=$(sed 's/[^0-9]//g' "$TMP/body")
wait_state "$ID" '"state":"done"' 80 || fail "the cpu profile finished" "$(cat "$TMP/body")"
expect_eq "download .pb.gz" 200 "$(auth "$BASE/api/profiles/$ID.pb.gz")"
mv "$TMP/body" "$TMP/p.pb.gz"
kill "$WPID" 2>/dev/null
BUILD_ID=$(readelf -n "$WL/cpu_split" | awk '/Build ID:/ { print $3 }')
read -r HOT_LO HOT_SIZE < <(nm -S "$WL/cpu_split" | awk '$4 == "hot_function" { print $1, $2 }')
readelf -lW "$WL/cpu_split" | awk '$1 == "LOAD" { print $2, $3, $5 }' >"$TMP/loads"
# A protobuf reader that knows only the wire format and pprof's field numbers
# (github.com/google/pprof/proto/profile.proto), not scorch's code.
cat >"$TMP/pprof.py" <<'EOF'
import gzip, sys
def fields(b):
    i = 0
    while i < len(b):
        k = 0; s = 0
        while True:
            c = b[i]; i += 1; k |= (c & 127) << s; s += 7
            if c < 128: break
        f, t = k >> 3, k & 7
        if t == 0:
            v = 0; s = 0
            while True:
                c = b[i]; i += 1; v |= (c & 127) << s; s += 7
                if c < 128: break
        elif t == 2:
            n = 0; s = 0
            while True:
                c = b[i]; i += 1; n |= (c & 127) << s; s += 7
                if c < 128: break
            v = b[i:i + n]; i += n
        elif t == 1: v = b[i:i + 8]; i += 8
        elif t == 5: v = b[i:i + 4]; i += 4
        else: raise SystemExit("bad wire type %d" % t)
        yield f, v
def msg(b):
    d = {}
    for f, v in fields(b): d.setdefault(f, []).append(v)
    return d
path, binary, build_id, lo, size, loads = sys.argv[1:7]
lo, size = int(lo, 16), int(size, 16)
segs = [tuple(int(x, 16) for x in l.split()) for l in open(loads)]  # offset, vaddr, filesz
p = msg(gzip.open(path).read())
strs = [s.decode() for s in p.get(6, [])]
maps = {}
for m in map(msg, p.get(3, [])):
    g = lambda f: m.get(f, [0])[0]
    maps[g(1)] = (g(2), g(3), g(4), strs[g(5)], strs[g(6)])
funcs = {msg(f)[1][0]: strs[msg(f).get(2, [0])[0]] for f in p.get(5, [])}
ours = [i for i, m in maps.items() if m[3] == binary]
assert ours, "no mapping named %s among %s" % (binary, [m[3] for m in maps.values()])
start, limit, off, _, bid = maps[ours[0]]
assert bid == build_id, "build-id %r, readelf says %r" % (bid, build_id)
hot = 0
for l in map(msg, p.get(4, [])):
    names = [funcs.get(msg(x).get(1, [0])[0]) for x in l.get(4, [])]
    if "hot_function" not in names: continue
    mid, addr = l.get(2, [0])[0], l.get(3, [0])[0]
    assert mid == ours[0], "hot_function's location is in mapping %d, not %s's" % (mid, binary)
    assert start <= addr < limit, "address %#x outside the mapping [%#x, %#x)" % (addr, start, limit)
    fo = addr - start + off
    va = [fo - so + sv for so, sv, sz in segs if so <= fo < so + sz]
    assert va and lo <= va[0] < lo + size, "address %#x is file offset %#x, not in hot_function [%#x, +%#x)" % (addr, fo, lo, size)
    hot += 1
assert hot, "no location of hot_function"
print("%d hot_function locations, mapping %#x-%#x offset %#x" % (hot, start, limit, off))
EOF
check "the pprof download maps hot_function's addresses into the workload's binary (build-id, nm)" \
	python3 "$TMP/pprof.py" "$TMP/p.pb.gz" "$(readlink -f "$WL/cpu_split")" "$BUILD_ID" "$HOT_LO" "$HOT_SIZE" "$TMP/loads"
cat "$TMP/check.out"

# ---- off-cpu and on-off on offcpu_split ----
# near NAME WANT GOT PERCENT: GOT within PERCENT% of WANT
near() {
	if awk -v w="$2" -v g="$3" -v t="$4" 'BEGIN { exit !(g != "" && w > 0 && g >= w * (1 - t / 100) && g <= w * (1 + t / 100)) }'; then
		ok "$1 ($3, want $2 +- $4%)"
	else
		fail "$1" "got [$3], want $2 +- $4%"
	fi
}
# sum FILE PATTERN [NOT]: the total of the folded stacks containing PATTERN (and not NOT)
sum() { awk -v p="$2" -v n="${3-}" 'index($0, p) && (n == "" || !index($0, n)) { s += $NF } END { print s + 0 }' "$1"; }
# offcpu MODE: profiles offcpu_split from before it starts working to its exit; the
# profile's folded stacks in $TMP/MODE.folded, the workload's own figures in $TMP/MODE.wl
offcpu() {
	local mode=$1 id wpid
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	"$WL/offcpu_split" <"$TMP/go" >"$TMP/$mode.wl" &
	wpid=$!
	exec 7>"$TMP/go"
	post "{\"pids\":[$wpid],\"seconds\":20,\"hz\":999,\"mode\":\"$mode\"}" >"$TMP/$mode.code"
	id=$(sed 's/[^0-9]//g' "$TMP/body")
	# sampling has started once the helper reports elapsed time
	wait_state "$id" '"elapsed":0\.[0-9]*[1-9]|"elapsed":[1-9]' 100
	sleep 0.3
	echo go >&7
	exec 7>&-
	wait "$wpid"
	wait_state "$id" '"state":"done"' 100
	cp "$TMP/body" "$TMP/$mode.status"
	auth "$BASE/api/profiles/$id.folded" >/dev/null
	cp "$TMP/body" "$TMP/$mode.folded"
	auth "$BASE/api/profiles/$id/view" >/dev/null
	cp "$TMP/body" "$TMP/$mode.view"
}
role() { awk -v r="$2" -v c="$3" '$1 == r { print $c }' "$TMP/$1.wl"; }

offcpu off-cpu
expect_eq "off-cpu: create answers 201" 201 "$(cat "$TMP/off-cpu.code")"
check "off-cpu: the profile finished with the workload" grep -q '"state":"done".*"mode":"off-cpu"' "$TMP/off-cpu.status"
check "off-cpu: the values are nanoseconds" grep -q '^{"v":1,"unit":"ns"' "$TMP/off-cpu.view"
# the reader blocks in read(2) for its time in the call minus its run-queue wait
want=$(($(role off-cpu reader 7) - $(role off-cpu reader 4)))
near "off-cpu: the reader's blocked ns in read from reader_thread (its in-call time minus run-queue wait)" \
	"$want" "$(sum "$TMP/off-cpu.folded" ';reader_thread;' )" 10
check "off-cpu: the reader blocks in the kernel's pipe read" grep -q ';reader_thread;.*;ksys_read;.*;schedule' "$TMP/off-cpu.folded"

offcpu on-off
expect_eq "on-off: create answers 201" 201 "$(cat "$TMP/on-off.code")"
check "on-off: the profile finished with the workload" grep -q '"state":"done".*"mode":"on-off"' "$TMP/on-off.status"
want=$(role on-off reader 7)
near "on-off: the reader's blocked + runnable ns in read (its in-call time)" \
	"$want" "$(sum "$TMP/on-off.folded" ';reader_thread;raw_syscall3;')" 10
near "on-off: the sleeper's on-CPU ns (schedstat's run time)" \
	"$(role on-off sleeper 3)" "$(sum "$TMP/on-off.folded" ';sleeper_thread' ';schedule;')" 25
check "on-off: blocked and runnable time are told apart" \
	bash -c "grep -q ';\[blocked\] [0-9]*$' '$TMP/on-off.folded' && grep -q ';\[runnable\] [0-9]*$' '$TMP/on-off.folded'"
finish
