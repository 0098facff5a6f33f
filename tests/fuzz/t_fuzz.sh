#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every libFuzzer target (the readers, the ELF/DWARF symbolizer, perf-PID.map, SVG) for
# FUZZ_SECONDS each (10 by default), seeded from what scorch writes: a crash fails.
. "$(dirname "$0")/../lib.sh"

command -v clang >/dev/null || skip_all "fuzz targets" "clang is not installed (scripts/install-deps.sh)"
if ! make -s -C "$ROOT" fuzz-build >"$TMP/build.log" 2>&1; then
	fail "fuzz targets build" "$(grep -m3 -E 'error|undefined' "$TMP/build.log")"
	finish
fi
FUZZ_SECONDS=${FUZZ_SECONDS:-10} SCORCH=$SCORCH "$ROOT/tests/fuzz/run.sh" >"$TMP/run.log" 2>&1
while read -r line; do
	case $line in
	"fuzz "*": ok, "*) ok "${line#fuzz }" ;;
	"fuzz "*) fail "${line#fuzz }" ;;
	*) echo "# $line" ;;
	esac
done <"$TMP/run.log"
grep -q '^fuzz ' "$TMP/run.log" || fail "fuzz runner" "$(head -c 300 "$TMP/run.log")"
finish
