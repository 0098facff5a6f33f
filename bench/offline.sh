#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scorch collapse / flamegraph / diff / view against the perl FlameGraph scripts (issue 13's
# cases), same inputs in one run, runs alternating: medians of wall time, the ratio, and
# scorch's peak RSS against the input's size. The median CPU time (user + system) is printed
# next to each wall time: on a busy machine a short run's wall time is mostly waiting.
#   FLAMEGRAPH_DIR  a FlameGraph checkout (default ../flamegraph); without it scorch is timed alone
#   RUNS=5          runs per scorch case; PERL_FG_RUNS=3 for flamegraph.pl and difffolded.pl
#   HUGE=1          also the 10-million-stack case (a 300 MB input, minutes of perl time skipped)
#   ONLY=REGEX      only the cases whose name matches
#   BASE=PATH       also time another scorch build (say, before a change) in the same runs,
#                   alternating with this one: its medians and ratios are printed under each case
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
SHARED=${SHARED:-$ROOT/../shared}
RUNS=${RUNS:-5}
PERL_FG_RUNS=${PERL_FG_RUNS:-3}
HUGE=${HUGE:-1}
ONLY=${ONLY:-.}
BASE=${BASE:-}
OUT=$ROOT/build/bench
mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/scorch-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

[ -x "$SCORCH" ] || { echo "bench: $SCORCH is missing; run: make" >&2; exit 1; }
FG=${FLAMEGRAPH_DIR:-$ROOT/../flamegraph}
if [ -f "$FG/stackcollapse-perf.pl" ] && [ -f "$FG/flamegraph.pl" ] && [ -f "$FG/difffolded.pl" ]; then
	echo "reference: perl scripts in $FG"
else
	echo "reference: no FlameGraph checkout at $FG (set FLAMEGRAPH_DIR): timing scorch alone"
	FG=
fi

# ---- inputs (cached in build/bench) ----
if [ ! -s "$OUT/perf-30mb.txt" ]; then
	zcat "$SHARED/corpus/bench/example-perf-stacks.txt.gz" >"$TMP/one.txt"
	for _ in $(seq 10); do cat "$TMP/one.txt"; done >"$OUT/perf-30mb.txt"
fi
[ -s "$OUT/200k.folded" ] || python3 "$ROOT/bench/gen_folded.py" 200000 >"$OUT/200k.folded"
[ -s "$OUT/200k-sorted.folded" ] || LC_ALL=C sort "$OUT/200k.folded" >"$OUT/200k-sorted.folded"
if [ ! -s "$OUT/200k-after.folded" ]; then
	# the "after" profile: same stacks, counts shifted, a tenth of them gone
	awk 'NR % 10 != 3 { n = $NF; $NF = ""; sub(/ $/, ""); print $0, (NR % 7 == 0 ? n * 3 : n) }' \
		"$OUT/200k.folded" >"$OUT/200k-after.folded"
fi
[ -s "$OUT/200k-after-sorted.folded" ] || LC_ALL=C sort "$OUT/200k-after.folded" >"$OUT/200k-after-sorted.folded"
# few shared prefixes: 200,000 distinct stacks, 3 to 40 frames from 3,500 names (~60 MB)
[ -s "$OUT/sparse-200k.folded" ] || python3 "$ROOT/bench/gen_sparse.py" sparse 200000 >"$OUT/sparse-200k.folded"
if [ ! -s "$OUT/sparse-200k-after.folded" ]; then
	awk 'NR % 10 != 3 { n = $NF; $NF = ""; sub(/ $/, ""); print $0, (NR % 7 == 0 ? n * 3 : n) }' \
		"$OUT/sparse-200k.folded" >"$OUT/sparse-200k-after.folded"
fi
# pathological: 10 MB of blank lines; 50 MB of ';'; 10 million distinct stacks
[ -s "$OUT/blank-10mb.folded" ] || { head -c 10000000 /dev/zero | tr '\0' '\n'; echo 'main;work 1'; } >"$OUT/blank-10mb.folded"
[ -s "$OUT/semis-50mb.folded" ] || { head -c 50000000 /dev/zero | tr '\0' ';'; echo ' 1'; } >"$OUT/semis-50mb.folded"
if [ "$HUGE" = 1 ] && [ ! -s "$OUT/tiny-10m.folded" ]; then
	python3 "$ROOT/bench/gen_sparse.py" tiny 10000000 >"$OUT/tiny-10m.folded"
fi
size() { stat -c %s "$1"; }
lines() { wc -l <"$1"; }
# the machine's load: timings on a busy machine are only comparable run to run
printf 'load average at start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'inputs:\n'
for f in perf-30mb.txt 200k.folded sparse-200k.folded blank-10mb.folded semis-50mb.folded tiny-10m.folded; do
	[ -s "$OUT/$f" ] && printf '  %-22s %9.1f MB %10d lines\n' "$f" "$(echo "$(size "$OUT/$f")" | awk '{print $1 / 1e6}')" "$(lines "$OUT/$f")"
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# timed NAME OUTFILE CMD...: appends "wall maxrss_kb status" to $TMP/NAME. The wall time is
# taken around the command's spawn and wait4 (to 0.1 ms: /usr/bin/time's %e has 10 ms steps,
# a third of collapse's whole run), its peak RSS from wait4's rusage.
timed() {
	local name=$1 out=$2
	shift 2
	python3 - "$TMP/$name" "$out" "$TMP/$name.err" "$@" <<'EOF'
import os, sys, time
rec, out, err = sys.argv[1:4]
cmd = sys.argv[4:]
fo = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
fe = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ,
                      file_actions=[(os.POSIX_SPAWN_DUP2, fo, 1), (os.POSIX_SPAWN_DUP2, fe, 2)])
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t
with open(rec, "a") as f:
    f.write("%.4f %d %d %.4f\n" % (wall, ru.ru_maxrss, os.waitstatus_to_exitcode(status),
                                  ru.ru_utime + ru.ru_stime))
EOF
}
# the terminal UI: loads the file in a pseudo-terminal and quits at the first key ('q' is
# typed before the load ends, so the time is the load's)
timed_view() { # timed_view NAME FILE [SCORCH_BUILD]
	local name=$1 file=$2 bin=${3:-$SCORCH}
	python3 - "$TMP/t" "$bin" "$file" <<'EOF'
import os, pty, sys, time
t, scorch, f = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execvp("/usr/bin/time", ["/usr/bin/time", "-f", "%e %M %x %U %S", "-o", t, scorch, "view", f])
time.sleep(0.2)
os.write(fd, b"q")
while True:
    try:
        if not os.read(fd, 65536):
            break
    except OSError:
        break
os.waitpid(pid, 0)
EOF
	tail -1 "$TMP/t" | awk '{ print $1, $2, $3, $4 + $5 }' >>"$TMP/$name"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
# report CASE SCORCH_RUNS PERL_RUNS INPUT_BYTES
report() {
	local what=$1 a=$2 b=$3 size=$4
	local ta tb ma st ca cb
	[ -s "$TMP/$a" ] || return
	ta=$(awk '{print $1}' "$TMP/$a" | median)
	ca=$(awk '{print $4}' "$TMP/$a" | median)
	ma=$(awk '{print $2}' "$TMP/$a" | sort -n | tail -1)
	st=$(awk '$3 != 0 { print "  (exit " $3 ")"; exit }' "$TMP/$a")
	if [ -s "$TMP/$b" ]; then
		tb=$(awk '{print $1}' "$TMP/$b" | median)
		cb=$(awk '{print $4}' "$TMP/$b" | median)
		printf '%-17s scorch %7.4f s (cpu %6.3f)  perl %7.3f s (cpu %7.3f)  ratio %6sx  scorch peak RSS %6d MB = %5.2fx input%s\n' \
			"$what" "$ta" "$ca" "$tb" "$cb" "$(ratio "$tb" "$ta")" "$((ma / 1024))" \
			"$(echo "$ma $size" | awk '{ print $1 * 1024 / $2 }')" "$st"
	else
		printf '%-17s scorch %7.4f s (cpu %6.3f)                                                scorch peak RSS %6d MB = %5.2fx input%s\n' \
			"$what" "$ta" "$ca" "$((ma / 1024))" "$(echo "$ma $size" | awk '{ print $1 * 1024 / $2 }')" "$st"
	fi
}
want() { echo "$1" | grep -qE -- "$ONLY"; }
# report_base CASE BASE_RUNS PERL_RUNS INPUT_BYTES: the BASE build's line under a case
report_base() {
	[ -n "$BASE" ] && [ -s "$TMP/$2" ] || return 0
	report "  (BASE) $1" "$2" "$3" "$4" | sed 's/^  (BASE) /  base: /'
}
same_frames() { # same_frames LABEL SCORCH_SVG PERL_SVG
	python3 "$ROOT/tests/svgframes.py" "$2" >"$TMP/s.frames"
	python3 "$ROOT/tests/svgframes.py" "$3" | sed 's/<text[^>]*>//' >"$TMP/p.frames"
	cmp -s <(sort "$TMP/s.frames") <(sort "$TMP/p.frames") &&
		echo "  $1: every frame identical to flamegraph.pl's (title, x, y, width, fill, label)" ||
		echo "  $1: FRAMES DIFFER from flamegraph.pl's"
}

# ---- 1. collapse --all on the 31 MB capture (target >= 40x stackcollapse-perf.pl) ----
if want collapse; then
	for i in $(seq "$RUNS"); do
		timed sc_collapse "$TMP/s.folded" "$SCORCH" collapse --all "$OUT/perf-30mb.txt"
		[ -n "$FG" ] && timed pl_collapse "$TMP/p.folded" perl "$FG/stackcollapse-perf.pl" --all "$OUT/perf-30mb.txt"
	done
	report "collapse 31MB" sc_collapse pl_collapse "$(size "$OUT/perf-30mb.txt")"
	[ -n "$FG" ] && { cmp -s "$TMP/s.folded" "$TMP/p.folded" && echo "  collapse: output identical to stackcollapse-perf.pl" || echo "  collapse: OUTPUT DIFFERS"; }
fi

# ---- 2. flamegraph (target >= 100x flamegraph.pl, peak RSS <= 2x the input) ----
fg_case() { # fg_case LABEL KEY INPUT [options]
	local label=$1 key=$2 in=$3
	shift 3
	want "$label" || return
	for i in $(seq "$RUNS"); do
		timed "sc_$key" "$TMP/s.svg" "$SCORCH" flamegraph "$@" "$in"
		[ -n "$BASE" ] && timed "bs_$key" "$TMP/b.svg" "$BASE" flamegraph "$@" "$in"
		[ -n "$FG" ] && [ "$i" -le "$PERL_FG_RUNS" ] && timed "pl_$key" "$TMP/p.svg" perl "$FG/flamegraph.pl" "$@" "$in"
	done
	report "$label" "sc_$key" "pl_$key" "$(size "$in")"
	report_base "$label" "bs_$key" "pl_$key" "$(size "$in")"
	[ -n "$FG" ] && same_frames "$label" "$TMP/s.svg" "$TMP/p.svg"
}
fg_case "fg 200k" fg "$OUT/200k.folded"
fg_case "fg 200k sorted" fgs "$OUT/200k-sorted.folded"
fg_case "fg sparse 200k" fgsp "$OUT/sparse-200k.folded"

# ---- 3. diff (target >= 20x difffolded.pl) ----
diff_case() { # diff_case LABEL KEY BEFORE AFTER
	local label=$1 key=$2
	want "$label" || return
	for i in $(seq "$RUNS"); do
		timed "sc_$key" "$TMP/sd.txt" "$SCORCH" diff --folded "$3" "$4"
		[ -n "$BASE" ] && timed "bs_$key" "$TMP/bd.txt" "$BASE" diff --folded "$3" "$4"
		[ -n "$FG" ] && [ "$i" -le "$PERL_FG_RUNS" ] && timed "pl_$key" "$TMP/pd.txt" perl "$FG/difffolded.pl" "$3" "$4"
	done
	report "$label" "sc_$key" "pl_$key" "$(($(size "$3") + $(size "$4")))"
	report_base "$label" "bs_$key" "pl_$key" "$(($(size "$3") + $(size "$4")))"
	[ -n "$FG" ] && { cmp -s <(LC_ALL=C sort "$TMP/sd.txt") <(LC_ALL=C sort "$TMP/pd.txt") && echo "  $label: same lines as difffolded.pl" || echo "  $label: OUTPUT DIFFERS"; }
}
diff_case "diff 200k" diff "$OUT/200k.folded" "$OUT/200k-after.folded"
diff_case "diff 200k sorted" diffs "$OUT/200k-sorted.folded" "$OUT/200k-after-sorted.folded"
diff_case "diff sparse 200k" diffsp "$OUT/sparse-200k.folded" "$OUT/sparse-200k-after.folded"

# ---- 4. memory near the input's size on pathological inputs (scorch alone) ----
path_case() { # path_case LABEL KEY INPUT [options]
	local label=$1 key=$2 in=$3
	shift 3
	want "$label" || return
	for i in $(seq "$RUNS"); do
		timed "sc_$key" "$TMP/x.svg" "$SCORCH" flamegraph "$@" "$in"
		[ -n "$BASE" ] && timed "bs_$key" "$TMP/bx.svg" "$BASE" flamegraph "$@" "$in"
	done
	report "$label" "sc_$key" none "$(size "$in")"
	report_base "$label" "bs_$key" none "$(size "$in")"
	printf '  %s: SVG %d bytes, exit %s, stderr: %s\n' "$label" "$(size "$TMP/x.svg")" \
		"$(tail -1 "$TMP/sc_$key" | awk '{print $3}')" "$(head -c 160 "$TMP/sc_$key.err" | tr '\n' ' ')"
}
path_case "fg blank 10MB" blank "$OUT/blank-10mb.folded"
path_case "fg ';' 50MB chain" semis "$OUT/semis-50mb.folded" --colors chain --minwidth 0
if [ "$HUGE" = 1 ] && [ -s "$OUT/tiny-10m.folded" ]; then
	R=$RUNS
	RUNS=$(( RUNS > 3 ? 3 : RUNS ))
	path_case "fg 10M stacks" tiny "$OUT/tiny-10m.folded"
	if want "view 10M stacks"; then
		for i in $(seq "$RUNS"); do
			timed_view sc_view "$OUT/tiny-10m.folded"
			[ -n "$BASE" ] && timed_view bs_view "$OUT/tiny-10m.folded" "$BASE"
		done
		report "view 10M stacks" sc_view none "$(size "$OUT/tiny-10m.folded")"
		report_base "view 10M stacks" bs_view none "$(size "$OUT/tiny-10m.folded")"
	fi
	RUNS=$R
fi
if want "view sparse 200k"; then
	for i in $(seq "$RUNS"); do
		timed_view sc_views "$OUT/sparse-200k.folded"
		[ -n "$BASE" ] && timed_view bs_views "$OUT/sparse-200k.folded" "$BASE"
	done
	report "view sparse 200k" sc_views none "$(size "$OUT/sparse-200k.folded")"
	report_base "view sparse 200k" bs_views none "$(size "$OUT/sparse-200k.folded")"
fi
printf 'load average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
