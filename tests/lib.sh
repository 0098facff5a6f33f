# SPDX-License-Identifier: MIT
# Helpers for shell tests: each check prints one "ok - ", "not ok - " or "skip - " line;
# tests/run.sh counts them.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
SHARED=${SHARED:-$ROOT/../shared}
CORPUS=$SHARED/corpus
TMP=$(mktemp -d /tmp/scorch-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { echo "ok - $1"; }
fail() { echo "not ok - $1${2:+: $2}"; }
skip() { echo "skip - $1${2:+: $2}"; }

# check NAME CMD...: passes when CMD exits 0.
check() {
	local name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then ok "$name"; else fail "$name" "$(head -c 400 "$TMP/check.out")"; fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "expected [$2] got [$3]"; fi
}

# expect_exit NAME STATUS STDERR_SUBSTRING CMD...: exit status and a message on stderr.
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

is_root() { [ "$(id -u)" = 0 ]; }
