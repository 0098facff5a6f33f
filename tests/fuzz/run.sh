#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target of build/fuzz for FUZZ_SECONDS each (default 300), seeded from
# files made by scorch itself (each format written by `scorch convert` from the test
# fixtures), the fixtures, small ELF files and perf-PID.map lines. Prints one line per
# target: "fuzz NAME: ok, N runs" or "fuzz NAME: CRASH (artifact)"; exits 1 after a crash.
# Inputs that once crashed a target live in tests/fuzz/regress/TARGET/ and are run first.
# Usage: tests/fuzz/run.sh [TARGET...]   (FUZZ_SECONDS, SCORCH, FUZZ_WORK to keep the corpora)
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
SCORCH=${SCORCH:-$ROOT/build/scorch}
SECONDS_EACH=${FUZZ_SECONDS:-300}
WORK=${FUZZ_WORK:-$(mktemp -d /tmp/scorch-fuzz.XXXXXX)}
[ -n "${FUZZ_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT
FIX=$ROOT/tests/e2e/fixtures
SEEDS=$WORK/seeds
mkdir -p "$SEEDS"/{folded,perf_script,pprof,speedscope,trace,json,load,elf,jitmap,svg_xml}

# Seeds. Folded stacks: what scorch collapses from the perf script fixtures.
n=0
for f in "$FIX"/*.txt; do
	cp "$f" "$SEEDS/perf_script/$(basename "$f")"
	"$SCORCH" collapse "$f" -o "$SEEDS/folded/$(basename "$f" .txt).folded" 2>/dev/null && n=$((n + 1))
done
cp "$SEEDS"/folded/* "$SEEDS/svg_xml/" 2>/dev/null
# Every interchange format, written by scorch from those folded files (pprof unzipped).
for f in "$SEEDS"/folded/*.folded; do
	b=$(basename "$f" .folded)
	"$SCORCH" convert "$f" -o "$SEEDS/speedscope/$b.speedscope.json" 2>/dev/null
	"$SCORCH" convert "$f" -o "$SEEDS/trace/$b.trace.json" 2>/dev/null
	"$SCORCH" convert "$f" -o "$SEEDS/json/$b.json" 2>/dev/null
	"$SCORCH" convert "$f" -o "$WORK/$b.pb.gz" 2>/dev/null &&
		gzip -dc "$WORK/$b.pb.gz" >"$SEEDS/pprof/$b.pb" && cp "$WORK/$b.pb.gz" "$SEEDS/load/"
done
cp "$SEEDS"/{folded,speedscope,trace,json}/* "$SEEDS/load/" 2>/dev/null
# ELF: small programs and a library built here (with DWARF), plus /bin/true.
printf 'static int sq(int x) { return x * x; }\nint f(int x) { return sq(x) + 1; }\nint main(void) { return f(2); }\n' >"$WORK/e.c"
cc -O1 -g -o "$SEEDS/elf/prog" "$WORK/e.c" 2>/dev/null
cc -O1 -g -shared -fPIC -o "$SEEDS/elf/lib.so" "$WORK/e.c" 2>/dev/null
cc -O2 -s -o "$SEEDS/elf/stripped" "$WORK/e.c" 2>/dev/null
cp /bin/true "$SEEDS/elf/true" 2>/dev/null
printf '7f0000001000 40 LazyCompile:~main app.js:1\n7f0000001040 20 Function:foo\r\n7f0000002000 1000 [stub] bar baz\n' \
	>"$SEEDS/jitmap/a.map"
printf '1000 10 a\n1000 20 b\n0 ffffffffffffffff all\nzz 1 bad\n' >"$SEEDS/jitmap/b.map"

targets=("$@")
[ ${#targets[@]} = 0 ] && targets=(folded perf_script svg_xml read_pprof read_speedscope read_trace \
	read_json read_load elf jitmap)
status=0
for t in "${targets[@]}"; do
	bin=$ROOT/build/fuzz/fuzz_$t
	seeds=$SEEDS/${t#read_}
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: MISSING ($bin; run make fuzz-build)"
		status=1
		continue
	fi
	if [ -z "$(ls -A "$seeds")" ]; then
		echo "fuzz $t: NO SEEDS (scorch could not write them: $SCORCH)"
		status=1
		continue
	fi
	# Every crash found so far stays a regression test: its input must now run clean.
	reg=$ROOT/tests/fuzz/regress/$t
	if [ -d "$reg" ] && ! "$bin" "$reg"/* >"$WORK/$t.reg.log" 2>&1; then
		echo "fuzz $t: REGRESSION ($(grep -m1 -E 'ERROR|runtime error' "$WORK/$t.reg.log"))"
		status=1
		continue
	fi
	corpus=$WORK/corpus_$t
	mkdir -p "$corpus"
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$WORK/crash-$t-" -print_final_stats=1 "$corpus" "$seeds" \
		>"$WORK/$t.log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$t.log")
	if [ $st = 0 ] && [ -n "$runs" ]; then
		echo "fuzz $t: ok, $runs runs in ${SECONDS_EACH}s from $(ls "$seeds" | wc -l) seeds"
	else
		art=$(ls "$WORK"/crash-"$t"-* 2>/dev/null | head -1)
		echo "fuzz $t: CRASH (exit $st) ${art:+input $art}"
		grep -m3 -E '^==[0-9]+==ERROR|SUMMARY|runtime error' "$WORK/$t.log" | sed 's/^/    /'
		if [ -n "$art" ] && [ -n "${FUZZ_ARTIFACTS:-}" ]; then
			mkdir -p "$FUZZ_ARTIFACTS" && cp "$art" "$FUZZ_ARTIFACTS/"
		fi
		status=1
	fi
done
exit $status
