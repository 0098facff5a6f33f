#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutation check of the shell suites: runs them with SCORCH (and SCORCH_SELFPROF) set to
# /bin/true, then /bin/false. A check that still passes does not test scorch: each one is
# printed, and the script fails if there is any. TESTS=NAME runs only the matching suites.
cd "$(dirname "$0")/.." || exit 1
only=${TESTS:-}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passing=0
for mutant in /bin/true /bin/false; do
	for suite in tests/e2e/t_*.sh tests/tui/t_*.sh tests/browser/t_*.sh tests/corpus/t_*.sh; do
		[ -n "$only" ] && [[ "$suite" != *"$only"* ]] && continue
		SCORCH=$mutant SCORCH_SELFPROF=$mutant bash "$suite" >"$log" 2>&1
		st=$?
		p=$(grep -c '^ok - ' "$log")
		printf '%-11s %-34s %3d passed, %3d failed, %3d skipped, exit %d\n' "$mutant" "$suite" "$p" \
			"$(grep -c '^not ok - ' "$log")" "$(grep -c '^skip - ' "$log")" "$st"
		grep '^ok - ' "$log" | sed "s|^|    PASSES WITH $mutant: |"
		passing=$((passing + p))
	done
done
echo
if [ "$passing" = 0 ]; then
	echo "mutant: no check passes with /bin/true or /bin/false as scorch"
else
	echo "mutant: $passing checks pass without scorch"
	exit 1
fi
