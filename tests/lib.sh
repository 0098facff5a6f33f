# SPDX-License-Identifier: MIT
# Helpers for shell tests: each check prints one "ok - ", "not ok - " or "skip - " line;
# tests/run.sh counts them. A suite ends with finish (or skip_all / bail); a suite that stops
# anywhere else prints "Bail out!" and exits non-zero, which tests/run.sh counts as a failure.
# Every scorch program a suite runs comes from SCORCH (and SCORCH_SELFPROF for the LD_PRELOAD
# library), so tests/mutant.sh can swap in /bin/true and /bin/false.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
SELFPROF=${SCORCH_SELFPROF:-$(dirname "$SCORCH")/libscorch-selfprof.so}
SHARED=${SHARED:-$ROOT/../shared}
CORPUS=$SHARED/corpus
# Brendan Gregg's perl tools, the independent reference for collapse, flamegraph and diff.
FLAMEGRAPH_DIR=${FLAMEGRAPH_DIR:-$ROOT/../flamegraph}
TMP=$(mktemp -d /tmp/scorch-test.XXXXXX)

SUITE_DONE=0
EXIT_HOOKS=()
# on_exit CMD: run CMD (with eval) when the suite exits, before $TMP is removed.
on_exit() { EXIT_HOOKS+=("$1"); }
lib_exit() {
	local st=$? h
	for h in "${EXIT_HOOKS[@]}"; do eval "$h"; done
	rm -rf "$TMP"
	if [ "$SUITE_DONE" != 1 ]; then
		echo "Bail out! $0 stopped before its end (status $st)"
		exit $((st ? st : 1))
	fi
}
trap lib_exit EXIT

ok() { echo "ok - $1"; }
fail() { echo "not ok - $1${2:+: $2}"; }
skip() { echo "skip - $1${2:+: $2}"; }
# finish: the suite ran to its end (its checks report the failures).
finish() { SUITE_DONE=1; exit 0; }
# skip_all NAME WHY: the whole suite cannot run here (one skip line).
skip_all() { skip "$1" "$2"; SUITE_DONE=1; exit 0; }
# bail WHY: a setup step that does not involve scorch failed; the suite stops and fails.
bail() { echo "Bail out! $*"; SUITE_DONE=1; exit 1; }

# check NAME CMD...: passes when CMD exits 0 (CMD must compare scorch's output with something).
check() {
	local name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then ok "$name"; else fail "$name" "$(head -c 400 "$TMP/check.out")"; fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "expected [$2] got [$3]"; fi
}

# same_file NAME EXPECTED_FILE ACTUAL_FILE: byte-identical, and EXPECTED is not empty.
same_file() {
	if [ ! -s "$2" ]; then
		fail "$1" "the expected output $2 is empty"
	elif cmp -s "$2" "$3"; then
		ok "$1"
	else
		fail "$1" "$(diff "$2" "$3" 2>&1 | head -6 | tr '\n' '|')"
	fi
}

# expect_exit NAME STATUS STDERR_SUBSTRING CMD...: exit status and a message on stderr.
# With an empty STDERR_SUBSTRING the status alone is checked, which /bin/true or /bin/false
# satisfy: use it only for a non-zero STATUS that scorch alone gives (see tests/mutant.sh).
expect_exit() {
	local name=$1 want=$2 msg=$3
	shift 3
	"$@" >"$TMP/ee.out" 2>"$TMP/ee.err"
	local got=$?
	if [ "$got" != "$want" ]; then
		fail "$name" "exit $got, want $want; stderr: $(head -c 300 "$TMP/ee.err")"
	elif [ -n "$msg" ] && ! grep -qF -- "$msg" "$TMP/ee.err"; then
		fail "$name" "stderr lacks [$msg]: $(head -c 300 "$TMP/ee.err")"
	else
		ok "$name"
	fi
}

# expect_run NAME STATUS STDOUT_PATTERN CMD...: exit status and a line of stdout matching
# the extended regex STDOUT_PATTERN.
expect_run() {
	local name=$1 want=$2 re=$3
	shift 3
	"$@" >"$TMP/er.out" 2>"$TMP/er.err"
	local got=$?
	if [ "$got" != "$want" ]; then
		fail "$name" "exit $got, want $want; stderr: $(head -c 300 "$TMP/er.err")"
	elif ! grep -qE -- "$re" "$TMP/er.out"; then
		fail "$name" "stdout lacks /$re/: $(head -c 300 "$TMP/er.out")"
	else
		ok "$name"
	fi
}

is_root() { [ "$(id -u)" = 0 ]; }
# hot_near NAME GOT CLOCK: GOT (hot_function's percent of a profile of cpu_split, run with
# CPU_SPLIT_CLOCK=CLOCK) is within 10 points of hot_function's share of the CPU time the
# workload's threads measured themselves (60 by its design; the VM sometimes runs one copy of
# the identical loop slower for seconds).
hot_near() {
	local want
	want=$(awk -F'[ =]' '{ t = $2 + $4 + $6; if (t > 0) printf "%d\n", 100 * $2 / t + 0.5 }' "$3" 2>/dev/null)
	if [ -n "$want" ] && [ -n "$2" ] && [ "$2" -ge $((want - 10)) ] 2>/dev/null && [ "$2" -le $((want + 10)) ]; then
		ok "$1: hot_function $2% (its clock: $want%, 60 by design)"
	else
		fail "$1: hot_function near its clock's share (60 by design)" "got '$2', clock '$want'"
	fi
}
have_perl_tools() { [ -f "$FLAMEGRAPH_DIR/stackcollapse-perf.pl" ] && [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; }
# pl_collapse ARGS...: stackcollapse-perf.pl (the reference for scorch collapse and record).
pl_collapse() { perl "$FLAMEGRAPH_DIR/stackcollapse-perf.pl" "$@"; }

# start_serve NAME ARGS...: runs `scorch serve --listen 127.0.0.1:0 ARGS` in the background
# (stdout and stderr in $TMP/NAME.out and .err, killed at exit) and waits up to 5 s for the URL
# it prints first; sets URL, BASE (scheme, host and port), TOKEN (empty without one) and SPID.
start_serve() {
	local name=$1
	shift
	"$SCORCH" serve --listen 127.0.0.1:0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	SPID=$!
	on_exit "kill $SPID 2>/dev/null; wait $SPID 2>/dev/null"
	URL=
	for _ in $(seq 50); do
		URL=$(head -1 "$TMP/$name.out" 2>/dev/null)
		[ -n "$URL" ] && break
		sleep 0.1
	done
	BASE=${URL%%/\?*}
	BASE=${BASE%/}
	TOKEN=
	[[ "$URL" == *token=* ]] && TOKEN=${URL#*token=}
}

# need_browser NAME: skips the suite without headless Chromium and playwright-core.
need_browser() {
	[ -x /usr/bin/chromium ] && [ -d "$ROOT/tests/browser/node_modules/playwright-core" ] ||
		skip_all "$1" "chromium or playwright-core missing: run scripts/install-deps.sh"
}

# browser_test SCRIPT ARGS...: runs tests/browser/SCRIPT (its "ok"/"not ok" lines pass through);
# a script that dies before reporting a failure is a failure of its own.
browser_test() {
	local script=$1
	shift
	node "$ROOT/tests/browser/$script" "$@" >"$TMP/browser.out" 2>&1
	local st=$?
	cat "$TMP/browser.out"
	if [ $st != 0 ] && ! grep -q '^not ok' "$TMP/browser.out"; then
		fail "$script ran" "node exited $st: $(tail -5 "$TMP/browser.out" | tr '\n' '|')"
	fi
}
# code CURL_ARGS...: the HTTP status of a curl request (its body in $TMP/body); auth adds the
# Bearer $TOKEN that start_serve found.
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
auth() { code -H "Authorization: Bearer $TOKEN" "$@"; }
