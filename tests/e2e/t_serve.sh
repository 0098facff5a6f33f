#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch serve over loopback with curl: the token, Host and Origin checks, bad parameters,
# limits, the process pattern, a profile's lifecycle on a workload of known shares
# (cpu_split: hot/warm/cool = 60/30/10), the diff, and the HTTP process's dropped privileges.
source "$(dirname "$0")/../lib.sh"
command -v curl >/dev/null || skip_all "serve API" "curl is missing"
is_root || skip_all "serve API" "needs root (perf events on another process, privilege drop)"
WL=$TMP/wl
mkdir -p "$WL"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$WL/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	bail "cannot build the cpu_split workload"
"$WL/cpu_split" 60 0 1 &
WPID=$!
on_exit "kill $WPID 2>/dev/null"


start_serve main
check "the first line is the URL with a 192-bit token" \
	grep -qE '^http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{48}$' "$TMP/main.out"
[ -n "$TOKEN" ] || { fail "serve started" "$(head -c 300 "$TMP/main.err")"; finish; }

# ---- authentication ----
expect_eq "no token: 401" 401 "$(code "$BASE/api/processes")"
check "401 says what to do" grep -q '"error":"missing or wrong token' "$TMP/body"
wrong=$(echo "$TOKEN" | tr '0-9a-f' '1-9a-f0')
expect_eq "wrong bearer token: 401" 401 "$(code -H "Authorization: Bearer $wrong" "$BASE/api/profiles")"
expect_eq "page without token: 401" 401 "$(code "$BASE/")"
curl -s -D "$TMP/login.h" -o /dev/null "$URL"
check "the token URL sets an HttpOnly SameSite=Strict cookie" \
	grep -qiE "^set-cookie: scorch_token=$TOKEN; Path=/; HttpOnly; SameSite=Strict" "$TMP/login.h"
check "the token URL redirects to the bare page" grep -qiE '^location: /\s*$' "$TMP/login.h"
expect_eq "the cookie authenticates" 200 "$(code -b "scorch_token=$TOKEN" "$BASE/")"
check "the page is the embedded app" grep -q '<script src="/app.js">' "$TMP/body"
expect_eq "app.js is served" 200 "$(code -b "scorch_token=$TOKEN" "$BASE/app.js")"
expect_eq "viewer.js is served" 200 "$(code -b "scorch_token=$TOKEN" "$BASE/viewer.js")"
check "viewer.js is the canvas viewer" grep -q 'ScorchViewer' "$TMP/body"

# ---- Host and Origin (DNS rebinding, CSRF) ----
expect_eq "foreign Host: 403" 403 "$(auth -H 'Host: evil.example:80' "$BASE/api/processes")"
PORT=${BASE##*:}
expect_eq "rebinding Host (a name on our port): 403" 403 "$(auth -H "Host: attacker.test:$PORT" "$BASE/api/processes")"
expect_eq "localhost Host is ours" 200 "$(auth -H "Host: localhost:$PORT" "$BASE/api/processes")"
expect_eq "foreign Origin: 403" 403 "$(auth -H 'Origin: http://evil.example' -X POST -d '{}' "$BASE/api/profiles")"
expect_eq "foreign Origin even with the cookie: 403" 403 \
	"$(code -b "scorch_token=$TOKEN" -H 'Origin: http://evil.example' "$BASE/api/profiles")"
expect_eq "same Origin passes" 200 "$(auth -H "Origin: $BASE" "$BASE/api/profiles")"

# ---- the process list ----
auth "$BASE/api/processes" >/dev/null
check "the workload is listed with its pid, user and comm" \
	grep -q "{\"pid\":$WPID,\"user\":\"root\",\"comm\":\"$(cat /proc/$WPID/comm)\",\"cpu\":" "$TMP/body"
check "no command lines without --show-cmdline" bash -c "! grep -q cmdline '$TMP/body'"

# ---- bad parameters ----
post() { auth -X POST -H 'Content-Type: application/json' --data-binary "$1" "$BASE/api/profiles"; }
expect_eq "body that is not JSON: 400" 400 "$(post 'pids=1')"
expect_eq "seconds 0: 400" 400 "$(post "{\"pids\":[$WPID],\"seconds\":0}")"
check "400 names the field" grep -q '"error":"seconds must be an integer from 1 to 3600"' "$TMP/body"
expect_eq "hz above the bound: 400" 400 "$(post "{\"pids\":[$WPID],\"hz\":1000000}")"
expect_eq "unknown mode: 400" 400 "$(post "{\"pids\":[$WPID],\"mode\":\"gpu\"}")"
expect_eq "pids and all together: 400" 400 "$(post "{\"pids\":[$WPID],\"all\":true}")"
expect_eq "neither pids nor all: 400" 400 "$(post '{"seconds":2}')"
expect_eq "a pid that is not a number: 400" 400 "$(post '{"pids":["1; rm -rf /"]}')"
expect_eq "unknown field: 400" 400 "$(post "{\"pids\":[$WPID],\"shell\":\"id\"}")"
expect_eq "no such process: 400" 400 "$(post '{"pids":[1073741823]}')"
big=$(head -c 20000 /dev/zero | tr '\0' ' ')
expect_eq "body over --max-body: 413" 413 "$(post "{\"pids\":[$WPID]$big}")"
expect_eq "unknown profile: 404" 404 "$(auth "$BASE/api/profiles/999")"
expect_eq "unknown format: 404" 404 "$(auth "$BASE/api/profiles/1.exe")"
expect_eq "diff without ids: 400" 400 "$(auth "$BASE/api/diff?a=x")"

# ---- lifecycle of a profile ----
expect_eq "create a profile: 201" 201 "$(post "{\"pids\":[$WPID],\"seconds\":3,\"hz\":499}")"
check "create answers the id" grep -qE '^\{"id":[0-9]+\}$' "$TMP/body"
ID=$(sed 's/[^0-9]//g' "$TMP/body")
auth "$BASE/api/profiles/$ID" >/dev/null
check "status while running" grep -qE "\"id\":$ID,.*\"state\":\"running\".*\"pids\":\[$WPID\].*\"hz\":499" "$TMP/body"
curl -s -N --max-time 6 -H "Authorization: Bearer $TOKEN" "$BASE/api/profiles/$ID/events" >"$TMP/events"
n=$(grep -c '^event: status$' "$TMP/events")
check "events stream status about once a second ($n events)" test "$n" -ge 2 -a "$n" -le 8
check "events carry growing sample counts" awk -F'"samples":' '/^data: .*"samples":/ { split($2, a, ","); if (a[1] + 0 < last) bad = 1; last = a[1] + 0 } END { exit (bad || last == 0) }' "$TMP/events"
check "the stream ends when the profile is done" grep -q '^event: end$' "$TMP/events"
auth "$BASE/api/profiles/$ID" >/dev/null
check "status is done after the duration" grep -q '"state":"done"' "$TMP/body"
expect_eq "download .folded" 200 "$(auth "$BASE/api/profiles/$ID.folded")"
cp "$TMP/body" "$TMP/p1.folded"
# the workload's design: hot_function has 60% of the samples in hot/warm/cool
share=$(awk '{ n = $NF; if ($0 ~ /;hot_function( |;)/) h += n; if ($0 ~ /;(hot|warm|cool)_function( |;)/) t += n }
	END { if (t) printf "%.3f %d", h / t, t; else print "0 0" }' "$TMP/p1.folded")
read -r hs total <<<"$share"
check "hot_function's share matches the design (60%: $hs of $total)" \
	awk -v s="$hs" -v t="$total" 'BEGIN { exit !(t >= 100 && s > 0.5 && s < 0.7) }'
expect_eq "download .svg" 200 "$(auth "$BASE/api/profiles/$ID.svg")"
check "the SVG is a flame graph with hot_function" grep -q '<title>hot_function (' "$TMP/body"
# the total with thousands separators, as flamegraph.pl prints it (grouped here by sed, since
# awk's %'d depends on the locale)
ftotal=$(awk '{ s += $NF } END { print s + 0 }' "$TMP/p1.folded" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
check "the SVG's total is the folded total ($ftotal)" grep -q "<title>all ($ftotal samples, 100%)" "$TMP/body"
expect_eq "download .pb.gz" 200 "$(auth "$BASE/api/profiles/$ID.pb.gz")"
check "the pprof download is gzip" bash -c "gzip -t < '$TMP/body'"
expect_eq "viewer JSON" 200 "$(auth "$BASE/api/profiles/$ID/view")"
check "the viewer JSON names hot_function" grep -q '"hot_function"' "$TMP/body"

# a second profile, stopped early, then the diff; meanwhile three clients read at 512 B/s
SLOW=()
for _ in 1 2 3; do
	curl -s --limit-rate 512 -H "Authorization: Bearer $TOKEN" -o /dev/null "$BASE/api/profiles/$ID.svg" &
	SLOW+=($!)
done
post "{\"pids\":[$WPID],\"seconds\":60,\"hz\":499}" >/dev/null
ID2=$(sed 's/[^0-9]//g' "$TMP/body")
sleep 2
expect_eq "stop a running profile early" 200 "$(auth -X POST "$BASE/api/profiles/$ID2/stop")"
for _ in $(seq 30); do
	auth "$BASE/api/profiles/$ID2" >/dev/null
	grep -q '"state":"done"' "$TMP/body" && break
	sleep 0.2
done
check "the stopped profile is done, well before its 60 s" grep -qE '"state":"done".*"elapsed":[0-9]\.' "$TMP/body"
check "slow clients did not stall sampling (samples every second)" awk -F'"samples":' '{ split($2, a, ","); e = $0; sub(/.*"elapsed":/, "", e); exit !(a[1] / e > 50) }' "$TMP/body"
kill "${SLOW[@]}" 2>/dev/null
auth "$BASE/api/profiles/$ID2.folded" >/dev/null
cp "$TMP/body" "$TMP/p2.folded"
expect_eq "diff as folded" 200 "$(auth "$BASE/api/diff?a=$ID&b=$ID2&format=folded")"
check "diff before column sums to the first profile" test \
	"$(awk '{ s += $(NF-1) } END { print s }' "$TMP/body")" = "$(awk '{ s += $NF } END { print s }' "$TMP/p1.folded")"
check "diff after column sums to the second profile" test \
	"$(awk '{ s += $NF } END { print s }' "$TMP/body")" = "$(awk '{ s += $NF } END { print s }' "$TMP/p2.folded")"
if [ -f "$FLAMEGRAPH_DIR/difffolded.pl" ]; then
	perl "$FLAMEGRAPH_DIR/difffolded.pl" "$TMP/p1.folded" "$TMP/p2.folded" | sort >"$TMP/diff.pl"
	sort "$TMP/body" >"$TMP/diff.sc"
	same_file "diff equals difffolded.pl" "$TMP/diff.pl" "$TMP/diff.sc"
else
	skip "diff equals difffolded.pl" "no $FLAMEGRAPH_DIR/difffolded.pl"
fi
expect_eq "diff as SVG" 200 "$(auth "$BASE/api/diff?a=$ID&b=$ID2")"
check "the diff SVG is a differential flame graph" grep -q 'hot_function (' "$TMP/body"

auth "$BASE/api/profiles" >/dev/null
check "the list has both profiles, newest first" grep -qE "^\[\{\"id\":$ID2,.*\{\"id\":$ID," "$TMP/body"
expect_eq "delete a profile" 200 "$(auth -X DELETE "$BASE/api/profiles/$ID")"
expect_eq "a deleted profile is gone" 404 "$(auth "$BASE/api/profiles/$ID")"

# ---- privileges of the HTTP process ----
uidline=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$SPID/status)
nobody=$(id -u nobody)
expect_eq "the HTTP process runs as nobody (real, effective, saved, fs)" "$nobody $nobody $nobody $nobody" "$uidline"
expect_eq "the HTTP process has no capabilities" 0000000000000000 "$(awk '/^CapEff:/ { print $2 }' /proc/$SPID/status)"
expect_eq "the HTTP process has no supplementary groups" "" "$(awk '/^Groups:/ { $1 = ""; print }' /proc/$SPID/status | tr -d ' ')"
helper=$(pgrep -P "$SPID" | head -1)
check "the sampling helper is a root child of the HTTP process" \
	test -n "$helper" -a "$(awk '/^Uid:/ { print $3 }' /proc/$helper/status 2>/dev/null)" = 0
kill "$SPID"
wait "$SPID" 2>/dev/null

# ---- process pattern, limits ----
start_serve pat --proc-pattern '^cpu_split$' --max-running 1 --max-sse 1 --show-cmdline
auth "$BASE/api/processes" >/dev/null
check "the pattern filters the list" python3 -c "
import json, re, sys
ps = json.load(open('$TMP/body'))
assert ps and all(re.search('^cpu_split\$', p['comm']) or re.search('^cpu_split\$', p['cmdline']) for p in ps), ps[:3]
assert any(p['pid'] == $WPID and p['cmdline'].endswith('cpu_split 60 0 1') for p in ps)"
expect_eq "a pid outside the pattern: 403" 403 "$(post '{"pids":[1]}')"
expect_eq "all processes with a pattern: 403" 403 "$(post '{"all":true}')"
expect_eq "a pid inside the pattern: 201" 201 "$(post "{\"pids\":[$WPID],\"seconds\":20}")"
PID3=$(sed 's/[^0-9]//g' "$TMP/body")
expect_eq "over --max-running: 429" 429 "$(post "{\"pids\":[$WPID],\"seconds\":20}")"
curl -s -N --max-time 3 -H "Authorization: Bearer $TOKEN" "$BASE/api/profiles/$PID3/events" >/dev/null &
CURL=$!
sleep 1
expect_eq "over --max-sse: 429" 429 "$(auth --max-time 2 "$BASE/api/profiles/$PID3/events")"
wait $CURL
kill "$SPID"
wait "$SPID" 2>/dev/null

# ---- --store keeps finished profiles across restarts ----
chmod 711 "$TMP" # the HTTP process (nobody) writes the store
start_serve st --store "$TMP/store"
post "{\"pids\":[$WPID],\"seconds\":2,\"hz\":499}" >/dev/null
SID=$(sed 's/[^0-9]//g' "$TMP/body")
for _ in $(seq 40); do
	ls "$TMP"/store/scorch-*-"$SID".folded >/dev/null 2>&1 && break
	sleep 0.2
done
auth "$BASE/api/profiles/$SID.folded" >/dev/null
same_file "a finished profile is written to --store" "$TMP/body" "$(ls "$TMP"/store/scorch-*-"$SID".folded 2>/dev/null | head -1)"
kill "$SPID"
wait "$SPID" 2>/dev/null
start_serve st2 --store "$TMP/store"
auth "$BASE/api/profiles" >/dev/null
check "a restarted serve lists the stored profile" grep -q '"title":"scorch-[0-9]*-'"$SID"'.folded","state":"done"' "$TMP/body"
auth "$BASE/api/profiles/1.folded" >/dev/null
same_file "the stored profile downloads as it was written" "$(ls "$TMP"/store/scorch-*-"$SID".folded | head -1)" "$TMP/body"
kill "$SPID"
wait "$SPID" 2>/dev/null

expect_exit "a --store the dropped user cannot write is refused" 1 "not writable" \
	"$SCORCH" serve --listen 127.0.0.1:0 --store /root

# ---- options ----
expect_exit "--no-token is refused off loopback" 2 "--no-token is only allowed on a loopback" \
	"$SCORCH" serve --listen 0.0.0.0:0 --no-token
expect_exit "a short --token is refused" 2 "--token must be at least 16" "$SCORCH" serve --token abc
expect_exit "a host name is refused as --listen" 2 "numeric address" "$SCORCH" serve --listen example.com:80
# libmicrohttpd is opened when serve starts (dlopen): a libmicrohttpd.so.12 without its symbols
# (zlib under that name, found first through LD_LIBRARY_PATH) gives one clear line
zlib=$(ldconfig -p | awk '/libz\.so\.1 .*x86-64/ { print $NF; exit }')
if [ -n "$zlib" ]; then
	mkdir -p "$TMP/nomhd"
	cp "$zlib" "$TMP/nomhd/libmicrohttpd.so.12"
	expect_exit "serve without a usable libmicrohttpd: one line naming it" 2 \
		"scorch serve: needs libmicrohttpd (libmicrohttpd.so.12): $TMP/nomhd/libmicrohttpd.so.12: undefined symbol: MHD_" \
		env LD_LIBRARY_PATH="$TMP/nomhd" "$SCORCH" serve --listen 127.0.0.1:0
else
	skip "serve without a usable libmicrohttpd" "no libz.so.1 in ldconfig's cache to stand in for it"
fi
start_serve nt --no-token
expect_eq "--no-token on loopback serves without a token" 200 "$(code "$BASE/api/profiles")"
expect_eq "--no-token still checks Host" 403 "$(code -H 'Host: evil.example' "$BASE/api/profiles")"
kill "$SPID"
wait "$SPID" 2>/dev/null
finish
