#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Write and read cost of each interchange format for a 200,000-stack profile, against the
# pprof tool's own read of the same .pb.gz. CPU seconds (user+sys of the phase, measured by
# scorch convert --stats), so the figures hold on a shared machine.
# Targets (issue 11): pprof write <= 0.5 s; .pb.gz no larger than gzip of the folded text.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$ROOT/build/scorch}
PPROF=${PPROF:-$ROOT/build/tools/pprof}
N=${N:-200000}
T=$(mktemp -d /tmp/scorch-bench-formats.XXXXXX)
trap 'rm -rf "$T"' EXIT
[ -x "$PPROF" ] || make -s -C "$ROOT" pprof-tool >/dev/null 2>&1
python3 "$ROOT/bench/gen_folded.py" "$N" | LC_ALL=C sort >"$T/in.folded"
gz=$(gzip -c "$T/in.folded" | wc -c)
printf '%d stacks, folded %d bytes, gzip -6 of it %d bytes\n\n' "$N" "$(stat -c %s "$T/in.folded")" "$gz"
printf '%-17s %12s %10s %10s\n' format bytes write_s read_s
pbw=
for ext in folded pb.gz speedscope.json trace.json json; do
	w=$("$SCORCH" convert --stats "$T/in.folded" -o "$T/out.$ext" 2>&1 | sed -n 's/.*write \([0-9.]*\) s.*/\1/p')
	[ "$ext" = pb.gz ] && pbw=$w
	r=$("$SCORCH" convert --stats "$T/out.$ext" -o "$T/back.folded" 2>&1 | sed -n 's/.*read \([0-9.]*\) s.*/\1/p')
	printf '%-17s %12d %10s %10s\n' ".$ext" "$(stat -c %s "$T/out.$ext")" "$w" "$r"
	rm -f "$T/back.folded"
done
if [ -x "$PPROF" ]; then
	/usr/bin/time -f '%U %S' -o "$T/time" "$PPROF" -top -nodecount=1 "$T/out.pb.gz" >/dev/null 2>&1
	printf '\npprof tool: -top of the same .pb.gz takes %s s CPU\n' "$(awk '{ print $1 + $2 }' "$T/time")"
fi
printf 'pprof write %s s CPU (target <= 0.5 s: %s)\n' "$pbw" \
	"$(awk -v w="${pbw:-9}" 'BEGIN { print (w <= 0.5 ? "met" : "missed") }')"
pb=$(stat -c %s "$T/out.pb.gz")
printf '.pb.gz / gzip(folded) = %s\n' "$(awk -v a="$pb" -v b="$gz" 'BEGIN { printf "%.3f", a / b }')"
