#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Push to Pyroscope: scorch record --push against a loopback stand-in for Pyroscope's
# POST /ingest (tests/e2e/pyroscope_stub.py, python's http.server), which checks each request
# as Pyroscope parses it and decodes the body on its own (protobuf and gzip by hand, folded
# lines). The pushed stacks must add up to the folded file scorch writes for the same run, and
# to the workload's 60/30/10 design; periodic pushes must tile the run; a server that is down,
# fails with 500 or refuses pprof must not lose a profile; the on-disk queue stays bounded.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || skip_all "push" "needs root (perf_event_open of a command)"
command -v python3 >/dev/null || skip_all "push" "needs python3 for the loopback server"
STUB="$ROOT/tests/e2e/pyroscope_stub.py"
mkdir -p "$TMP/wl"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/wl/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	bail "cannot build tests/workloads/cpu_split.c"
WL="$TMP/wl/cpu_split"

SRV_PID=
stop_server() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null; SRV_PID=; }
on_exit stop_server
# start_server LOG [stub options]: the port goes to $PORT (a fixed one when PORT is set).
start_server() {
	local log=$1
	shift
	rm -f "$TMP/port"
	PORT=${PORT:-0} python3 "$STUB" "$TMP/port" "$log" "$@" &
	SRV_PID=$!
	for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
	[ -s "$TMP/port" ] || bail "the loopback server did not start"
	PORT=$(cat "$TMP/port")
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# summarize LOG: one python run per log (python starts slowly on a loaded machine) writes
# LOG.folded (every accepted stack, summed, sorted as folded lines) and LOG.sum ("key value"
# lines about the accepted (HTTP 200) requests); get LOG KEY reads one.
summarize() {
	python3 - "$1" <<'EOF'
import json, sys
log = sys.argv[1]
try:
    recs = [json.loads(l) for l in open(log)]
except FileNotFoundError:
    recs = []
good = [r for r in recs if r["status"] == 200]
out = {}
tot = {}
for r in good:
    for k, v in r["stacks"].items():
        tot[k] = tot.get(k, 0) + v
with open(log + ".folded", "w") as f:
    for k in sorted(tot, key=lambda s: s.encode()):
        f.write("%s %d\n" % (k, tot[k]))
out["count"] = len(good)
out["statuses"] = " ".join(str(r["status"]) for r in recs)
seen = set()  # the query parameters but from/until
for r in good:
    q = dict(r["query"]); q.pop("from", None); q.pop("until", None)
    seen.add(" ".join("%s=%s" % kv for kv in sorted(q.items())))
out["query"] = "|".join(sorted(seen))
out["types"] = "|".join(sorted(set(",".join(r.get("sample_types", ["-"])) for r in good)))
for h in ("content-type", "x-scope-orgid", "authorization"):
    out["header-" + h] = "|".join(sorted(set(r["headers"].get(h, "-") for r in good)))
spans = sorted((int(r["query"]["from"]), int(r["query"]["until"])) for r in good)
tiled = bool(spans) and all(a[1] == b[0] for a, b in zip(spans, spans[1:])) and \
    all(f <= u for f, u in spans)
out["tiles"] = "%s %d %d" % ("tiled" if tiled else "broken:%s" % str(spans).replace(" ", ""),
                             spans[0][0] if spans else 0, spans[-1][1] if spans else 0)
n = sum(tot.values())  # hot_function's share of the pushed samples, in percent
hot = sum(v for k, v in tot.items() if "hot_function" in k.split(";"))
out["hot"] = int(100 * hot / n + 0.5) if n else "none"
out["problems"] = "|".join(sorted(set(str(r["problem"]) for r in recs if r["status"] == 400)))
with open(log + ".sum", "w") as f:
    for k, v in out.items():
        f.write("%s %s\n" % (k, v))
EOF
}
get() { sed -n "s/^$2 //p" "$1.sum" 2>/dev/null; }

# --- periodic pprof pushes, labels, headers -----------------------------------------------------
start_server "$TMP/a.log"
t0=$(date +%s)
CPU_SPLIT_CLOCK="$TMP/a.clk" "$SCORCH" record -q -F 199 -o "$TMP/a.folded" --push "http://127.0.0.1:$PORT" --app shop \
	--labels env=test,region=eu-1 --push-header 'X-Scope-OrgID: tenant-7' \
	--push-header 'Authorization: Bearer s3cr3t' --push-queue "$TMP/qa" --every 1 \
	-- "$WL" 3.5 0 1 2>"$TMP/a.err"
t1=$(date +%s)
stop_server
summarize "$TMP/a.log"
expect_eq "pprof pushes: query parameters as Pyroscope's /ingest reads them" \
	"aggregationType=sum format=pprof name=shop.cpu{env=test,region=eu-1} sampleRate=199 spyName=scorch units=samples" \
	"$(get "$TMP/a.log" query)"
expect_eq "pprof pushes: sample types samples/count and cpu/nanoseconds" \
	"samples/count,cpu/nanoseconds" "$(get "$TMP/a.log" types)"
expect_eq "pprof pushes: Content-Type application/octet-stream" "application/octet-stream" \
	"$(get "$TMP/a.log" header-content-type)"
expect_eq "--push-header: X-Scope-OrgID on every request" "tenant-7" "$(get "$TMP/a.log" header-x-scope-orgid)"
expect_eq "--push-header: Authorization on every request" "Bearer s3cr3t" "$(get "$TMP/a.log" header-authorization)"
expect_eq "every request was well-formed (and some came)" "4:" \
	"$(get "$TMP/a.log" count | sed 's/^[2-5]$/4/'):$(get "$TMP/a.log" problems)"
same_file "the pushed pprof stacks (decoded by the stub) add up to the folded file of the run" \
	"$TMP/a.folded" "$TMP/a.log.folded"
n=$(get "$TMP/a.log" count)
# 3 full intervals and the rest; a machine under heavy load may starve the loop of one or two
[ "$n" -ge 2 ] && [ "$n" -le 5 ] 2>/dev/null &&
	ok "--every 1 over 3.5 s: $n pushes (3 full intervals and the rest by design)" ||
	fail "--every 1 over 3.5 s: 2 to 5 pushes" "got '$n' ($(get "$TMP/a.log" statuses))"
read -r tiles from until < <(get "$TMP/a.log" tiles)
[ "$tiles" = tiled ] && [ "$from" -ge "$t0" ] && [ "$until" -le "$t1" ] &&
	ok "--every: each push's from is the previous until, within the run ($from..$until)" ||
	fail "--every: from/until tile the run" "$tiles $from..$until, run $t0..$t1"
hot_near "pushed samples" "$(get "$TMP/a.log" hot)" "$TMP/a.clk"

# --- a pure agent (--every, no -o): the tree is dropped after each push, nothing is lost -------
start_server "$TMP/r.log"
CPU_SPLIT_CLOCK="$TMP/r.clk" "$SCORCH" record -F 199 --push "http://127.0.0.1:$PORT" --app shop --every 1 \
	--push-queue "$TMP/qr" -- "$WL" 3.5 0 1 2>"$TMP/r.err"
stop_server
summarize "$TMP/r.log"
n=$(get "$TMP/r.log" count)
[ "$n" -ge 2 ] 2>/dev/null && [ "$(get "$TMP/r.log" tiles | cut -d' ' -f1)" = tiled ] &&
	ok "agent without -o: $n pushes that tile the run" ||
	fail "agent without -o: at least 2 pushes that tile the run" "$n, $(get "$TMP/r.log" tiles)"
want=$(sed -n 's/^scorch: \([0-9]*\) samples (.*/\1/p' "$TMP/r.err")
got=$(awk '{ s += $NF } END { print s + 0 }' "$TMP/r.log.folded")
[ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ] &&
	ok "agent without -o: the pushes add up to the $want samples the run reports" ||
	fail "agent without -o: pushed samples = the run's samples" "pushed $got, run '$want' ($(tail -1 "$TMP/r.err"))"
hot_near "agent without -o" "$(get "$TMP/r.log" hot)" "$TMP/r.clk"

# --- folded body, once at the end ----------------------------------------------------------------
start_server "$TMP/b.log"
"$SCORCH" record -q -F 199 -o "$TMP/b.folded" --push "http://127.0.0.1:$PORT/" \
	--push-format folded --push-queue "$TMP/qb" -- "$WL" 1 0 1 2>"$TMP/b.err"
stop_server
summarize "$TMP/b.log"
expect_eq "folded push without --every: one request" "1" "$(get "$TMP/b.log" count)"
expect_eq "folded push: query parameters (default app name, no labels)" \
	"aggregationType=sum format=folded name=scorch.cpu{} sampleRate=199 spyName=scorch units=samples" \
	"$(get "$TMP/b.log" query)"
expect_eq "folded push: Content-Type text/plain" "text/plain" "$(get "$TMP/b.log" header-content-type)"
same_file "the folded body equals the folded file of the run" "$TMP/b.folded" "$TMP/b.log.folded"

# --- server down at first, up later: the queue delivers everything ------------------------------
PORT=$(free_port)
("$SCORCH" record -q -F 199 -o "$TMP/c.folded" --push "http://127.0.0.1:$PORT" --every 1 \
	--push-queue "$TMP/qc" --push-timeout 20 -- "$WL" 4 0 1 2>"$TMP/c.err") &
rec=$!
sleep 2.2 # two intervals queue up while nothing listens
start_server "$TMP/c.log"
wait $rec
stop_server
summarize "$TMP/c.log"
same_file "server down for 2 s, then up: every sampled stack arrives (= the run's folded file)" \
	"$TMP/c.folded" "$TMP/c.log.folded"
read -r tiles _ < <(get "$TMP/c.log" tiles)
expect_eq "server down, then up: the delivered intervals still tile the run" "tiled" "$tiles"
expect_eq "server down, then up: the queue (made by scorch) is empty at the end" "made, 0" \
	"$([ -d "$TMP/qc" ] && echo made), $(find "$TMP/qc" -name '*.push' 2>/dev/null | wc -l)"
grep -q "retrying" "$TMP/c.err" && ok "server down: scorch says it retries" ||
	fail "server down: scorch says it retries" "$(head -c 300 "$TMP/c.err")"

# --- HTTP 500 twice, then 200 -------------------------------------------------------------------
unset PORT
start_server "$TMP/d.log" --fail 2 --status 500
"$SCORCH" record -q -F 199 -o "$TMP/d.folded" --push "http://127.0.0.1:$PORT" --every 1 \
	--push-queue "$TMP/qd" -- "$WL" 2 0 1 2>"$TMP/d.err"
stop_server
summarize "$TMP/d.log"
st=$(get "$TMP/d.log" statuses)
[[ "$st" == "500 500 200"* ]] && ok "500, 500, then 200: the same profile is sent again ($st)" ||
	fail "500 twice then accepted" "statuses '$st'"
same_file "after two 500s nothing is lost (= the run's folded file)" "$TMP/d.folded" "$TMP/d.log.folded"

# --- a server that refuses pprof gets folded text -----------------------------------------------
start_server "$TMP/e.log" --refuse-pprof
"$SCORCH" record -q -F 199 -o "$TMP/e.folded" --push "http://127.0.0.1:$PORT" \
	--push-queue "$TMP/qe" -- "$WL" 1 0 1 2>"$TMP/e.err"
stop_server
summarize "$TMP/e.log"
expect_eq "pprof refused (415): the profile goes again as folded, accepted" "415 200" \
	"$(get "$TMP/e.log" statuses)"
same_file "the folded fallback equals the run's folded file" "$TMP/e.folded" "$TMP/e.log.folded"

# --- server down for the whole run: the queue stays bounded, the next run sends it --------------
PORT=$(free_port)
"$SCORCH" record -q -F 199 -o "$TMP/f.folded" --push "http://127.0.0.1:$PORT" --every 1 \
	--push-queue "$TMP/qf" --push-queue-max 2 --push-timeout 0.5 -- "$WL" 3.5 0 1 2>"$TMP/f.err"
expect_eq "server down throughout, --push-queue-max 2: two profiles wait on disk" "2" \
	"$(find "$TMP/qf" -name '*.push' 2>/dev/null | wc -l)"
grep -q "dropped" "$TMP/f.err" && grep -q "kept in $TMP/qf" "$TMP/f.err" &&
	ok "server down throughout: scorch reports the dropped and the kept profiles" ||
	fail "server down throughout: dropped/kept reported" "$(head -c 400 "$TMP/f.err")"
start_server "$TMP/f.log"
"$SCORCH" record -q -F 199 -o "$TMP/g.folded" --push "http://127.0.0.1:$PORT" \
	--push-queue "$TMP/qf" -- "$WL" 1 0 1 2>"$TMP/g.err"
stop_server
summarize "$TMP/f.log"
expect_eq "the next run sends the two waiting profiles, then its own" "3" "$(get "$TMP/f.log" count)"
# the two kept are the last two intervals of the first run: their stacks are in its file
python3 - "$TMP/f.log" "$TMP/f.folded" "$TMP/g.folded" >"$TMP/f.check" 2>/dev/null <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["status"] == 200]
def load(p):
    d = {}
    for l in open(p):
        s, _, n = l.rstrip("\n").rpartition(" ")
        d[s] = int(n)
    return d
first, second = load(sys.argv[2]), load(sys.argv[3])
old, new = recs[:2], recs[2:]
ok = len(recs) == 3 and int(old[1]["query"]["until"]) <= int(new[0]["query"]["from"])
ok = ok and all(first.get(k, 0) >= v for r in old for k, v in r["stacks"].items())
ok = ok and new[0]["stacks"] == second
print("ok" if ok else "bad")
EOF
expect_eq "the waiting profiles come first, hold the first run's stacks; the new one = its file" \
	"ok" "$(cat "$TMP/f.check")"
expect_eq "after the second run the queue is empty" "made, 0" \
	"$([ -d "$TMP/qf" ] && echo made), $(find "$TMP/qf" -name '*.push' 2>/dev/null | wc -l)"

# --- scorch top --push: the live view feeds the server too ---------------------------------------
if command -v tmux >/dev/null; then
	SOCK="scorch-push-test-$$"
	on_exit 'tmux -L "$SOCK" kill-server >/dev/null 2>&1'
	start_server "$TMP/t.log"
	tmux -L "$SOCK" -f /dev/null new-session -d -x 120 -y 30 \
		"'$SCORCH' top -F 199 -o '$TMP/t.folded' --push http://127.0.0.1:$PORT --every 1 \
		--app top --push-queue '$TMP/qt' -- '$WL' 2.5 0 1; echo \$? >'$TMP/t.done'"
	sleep 4 # the workload runs 2.5 s; top then shows the whole run until q
	for _ in $(seq 40); do
		[ -e "$TMP/t.done" ] && break
		tmux -L "$SOCK" send-keys q 2>/dev/null
		sleep 0.5
	done
	stop_server
	summarize "$TMP/t.log"
	same_file "top --push --every 1: the pushed stacks add up to top -o's file of the run" \
		"$TMP/t.folded" "$TMP/t.log.folded"
	n=$(get "$TMP/t.log" count)
	read -r tiles _ < <(get "$TMP/t.log" tiles)
	[ "${n:-0}" -ge 2 ] && [ "$tiles" = tiled ] &&
		ok "top --push --every 1: $n pushes that tile the run" ||
		fail "top --push --every 1: at least 2 pushes that tile the run" "$n, $tiles"
else
	skip "top --push" "tmux is not installed"
fi

# --- off-CPU and wall-clock time ----------------------------------------------------------------
# offcpu_split's sleeper blocks in nanosleep 30 x 10 ms = 300 ms by design (tests/workloads).
# tidsum FOLDED TID [PATTERN]: the counts of TID's stacks (root comm-PID/TID) containing PATTERN.
tidsum() {
	awk -v tid="$2" -v pat="${3-}" '{ split($0, f, ";"); n = f[1]; sub(/.*\//, "", n)
		if (n == tid && (pat == "" || index($0, pat))) s += $NF } END { print s + 0 }' "$1" 2>/dev/null
}
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "push --off-cpu and --on-off" "no kernel BTF (/sys/kernel/btf/vmlinux) for the eBPF off-CPU source"
elif ! cc -O1 -g -fno-omit-frame-pointer -no-pie -pthread -o "$TMP/wl/offcpu_split" \
	"$ROOT/tests/workloads/offcpu_split.c"; then
	fail "push --off-cpu" "cannot build tests/workloads/offcpu_split.c"
else
	start_server "$TMP/o.log"
	echo go | "$SCORCH" record -q --off-cpu --tid -o "$TMP/o.folded" --push "http://127.0.0.1:$PORT" \
		--app shop --push-queue "$TMP/qo" -- "$TMP/wl/offcpu_split" >"$TMP/o.wl" 2>"$TMP/o.err"
	stop_server
	summarize "$TMP/o.log"
	expect_eq "push --off-cpu: one request, query as Pyroscope reads it (ns, series shop.off_cpu)" \
		"1 aggregationType=sum format=pprof name=shop.off_cpu{} sampleRate=1000000000 spyName=scorch units=nanoseconds" \
		"$(get "$TMP/o.log" count) $(get "$TMP/o.log" query)"
	expect_eq "push --off-cpu: the pprof's one sample type is off-cpu/nanoseconds" "off-cpu/nanoseconds" \
		"$(get "$TMP/o.log" types)"
	sl=$(awk '$1 == "sleeper" { print $2 }' "$TMP/o.wl")
	got=$(tidsum "$TMP/o.log.folded" "${sl:-none}" nanosleep)
	awk -v g="$got" 'BEGIN { exit !(g >= 285e6 && g <= 315e6) }' &&
		ok "push --off-cpu: the sleeper's pushed time in nanosleep is the design's 300 ms ($got ns)" ||
		fail "push --off-cpu: the sleeper's nanosleep time is 300 ms +- 5% in ns" "got '$got' (tid '$sl')"
	# the folded file is in us, each stack's ns sum divided by 1000 and truncated
	read -r pushed_us file_us nstacks < <(awk 'NR == FNR { p += $NF; next } { f += $NF; n++ }
		END { printf "%d %d %d\n", p / 1000, f, n }' "$TMP/o.log.folded" "$TMP/o.folded" 2>/dev/null)
	[ "${file_us:-0}" -gt 0 ] && [ "$((pushed_us - file_us))" -ge 0 ] &&
		[ "$((pushed_us - file_us))" -le "$nstacks" ] &&
		ok "push --off-cpu: the pushed ns add up to the run's folded us ($pushed_us us pushed, $file_us in the file)" ||
		fail "push --off-cpu: pushed ns = the folded file's us x 1000" "$pushed_us us pushed, $file_us us in the file"

	start_server "$TMP/w.log"
	echo go | "$SCORCH" record -q --on-off -F 199 --tid -o "$TMP/w.folded" --push "http://127.0.0.1:$PORT" \
		--app shop --every 1 --push-queue "$TMP/qw" -- "$TMP/wl/offcpu_split" >"$TMP/w.wl" 2>"$TMP/w.err"
	stop_server
	summarize "$TMP/w.log"
	expect_eq "push --on-off: series shop.wall, units=nanoseconds, sample type wall/nanoseconds" \
		"aggregationType=sum format=pprof name=shop.wall{} sampleRate=1000000000 spyName=scorch units=nanoseconds wall/nanoseconds" \
		"$(get "$TMP/w.log" query) $(get "$TMP/w.log" types)"
	same_file "push --on-off: the pushed wall-clock ns add up to the run's folded file" \
		"$TMP/w.folded" "$TMP/w.log.folded"
fi

# --- options -------------------------------------------------------------------------------------
expect_exit "--every below 1 s is refused" 2 "at least 1 s" \
	"$SCORCH" record --push http://127.0.0.1:1 --every 0.5 -- true
expect_exit "--every without --push is refused" 2 "need --push" "$SCORCH" record --every 10 -- true
expect_exit "--labels must be NAME=VALUE" 2 "invalid --labels" \
	"$SCORCH" record --push http://127.0.0.1:1 --labels 'env' -- true
expect_exit "--push-header must be 'Name: value'" 2 "invalid --push-header" \
	"$SCORCH" record --push http://127.0.0.1:1 --push-header 'nocolon' -- true
expect_exit "--push needs an http(s) URL" 2 "invalid --push" "$SCORCH" record --push ftp://x -- true
# libcurl is opened at the first --push (dlopen): a libcurl.so.4 without curl's symbols (zlib
# under that name, found first through LD_LIBRARY_PATH) gives one clear line
mkdir -p "$TMP/nocurl"
zlib=$(ldconfig -p | awk '/libz\.so\.1 .*x86-64/ { print $NF; exit }')
if [ -n "$zlib" ]; then
	cp "$zlib" "$TMP/nocurl/libcurl.so.4"
	expect_exit "--push without a usable libcurl: one line naming it" 1 \
		"scorch record: --push needs libcurl (libcurl.so.4): $TMP/nocurl/libcurl.so.4: undefined symbol: curl_" \
		env LD_LIBRARY_PATH="$TMP/nocurl" "$SCORCH" record -q -o "$TMP/nc.folded" --push http://127.0.0.1:1 -- true
	[ "$SCORCH" = /bin/true ] || [ "$SCORCH" = /bin/false ] ||
		expect_eq "without --push, scorch does not load libcurl (not linked)" "" \
			"$(ldd "$SCORCH" | grep -E 'libcurl|libmicrohttpd')"
else
	skip "--push without a usable libcurl" "no libz.so.1 in ldconfig's cache to stand in for it"
fi
finish
