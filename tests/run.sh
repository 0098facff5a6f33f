#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test suite (cmocka unit binaries, then shell suites) and prints one summary line.
# Each cmocka test and each shell check counts once. A suite that exits non-zero or reports
# no check at all counts as a failure (unless one of its checks failed already).
# TESTS=NAME runs only the suites matching NAME.
cd "$(dirname "$0")/.." || exit 1
pass=0 failn=0 skipn=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# tally NAME STATUS P F S: adds a suite's counts; a crash or an empty suite is a failure.
tally() {
	local name=$1 st=$2 p=$3 f=$4 s=$5
	if [ "$st" != 0 ]; then
		echo "not ok - $name exited with status $st"; tail -5 "$log" | sed 's/^/     /'
		[ "$f" = 0 ] && f=1
	elif [ $((p + f + s)) = 0 ]; then
		echo "not ok - $name reported no checks"; tail -5 "$log" | sed 's/^/     /'
		f=$((f + 1))
	fi
	pass=$((pass + p)) failn=$((failn + f)) skipn=$((skipn + s))
	echo "   $p passed, $f failed, $s skipped"
}

only=${TESTS:-}
for t in build/tests/test_*; do
	[ -x "$t" ] && [[ "$t" != *.d ]] || continue
	[ -n "$only" ] && [[ "$t" != *"$only"* ]] && continue
	echo "== unit: $t"
	"$t" >"$log" 2>&1
	st=$?
	# cmocka prints "[ RUN      ] name" then one result line per test; the summary repeats
	# the FAILED/SKIPPED names, so only the first result after each RUN line counts. A test
	# run again (a binary that retries a timing-sensitive group) counts once, by its last result.
	read -r p f s < <(awk '
		function done(r) { res[run] = r; run = "" }
		/^\[ RUN      \] / { if (run != "") done("f"); run = $NF; next }
		run != "" && /^\[       OK \] / { done("p") }
		run != "" && /^\[  FAILED  \] / { done("f") }
		run != "" && /^\[  ERROR   \] [^-]/ { done("f") }
		run != "" && /^\[  SKIPPED \] / { done("s") }
		END { if (run != "") done("f"); for (t in res) n[res[t]]++; print n["p"] + 0, n["f"] + 0, n["s"] + 0 }' "$log")
	grep -E '^\[  (FAILED|ERROR|SKIPPED) *\] [a-z_]' "$log" | sort -u | sed 's/^/   /'
	[ "$f" != 0 ] && tail -30 "$log"
	tally "$t" "$st" "$p" "$f" "$s"
done
for suite in tests/*/t_*.sh; do
	[ -n "$only" ] && [[ "$suite" != *"$only"* ]] && continue
	echo "== $suite"
	bash "$suite" >"$log" 2>&1
	st=$?
	grep -E '^(not ok|skip) - |^Bail out!' "$log"
	tally "$suite" "$st" "$(grep -c '^ok - ' "$log")" "$(grep -c '^not ok - ' "$log")" "$(grep -c '^skip - ' "$log")"
done
echo
echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]
