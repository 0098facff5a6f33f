#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test suite (unit binaries, then shell suites) and prints one summary line.
cd "$(dirname "$0")/.." || exit 1
pass=0 failn=0 skipn=0
log=$(mktemp)
run_suite() {
	local name=$1
	shift
	echo "== $name"
	"$@" 2>&1 | tee "$log" | grep -E '^(not ok|skip) - ' || true
	local p f s
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	s=$(grep -c '^skip - ' "$log")
	pass=$((pass + p)) failn=$((failn + f)) skipn=$((skipn + s))
	echo "   $p passed, $f failed, $s skipped"
}
for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== unit: $t"
	if "$t" >"$log" 2>&1; then
		pass=$((pass + 1)); echo "   ok"
	else
		failn=$((failn + 1)); echo "not ok - $t"; tail -30 "$log"
	fi
done
only=${TESTS:-}
for s in tests/*/t_*.sh; do
	[ -n "$only" ] && [[ "$s" != *"$only"* ]] && continue
	run_suite "$s" bash "$s"
done
rm -f "$log"
echo
echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]
