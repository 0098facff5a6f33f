#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pprof -> pprof keeps addresses and mappings: a recording's .pb.gz read back by scorch and
# written again (scorch convert) must show Google's pprof tool the same mapped files (range,
# offset, path, build-id as readelf prints it) and locations at addresses the recording had,
# so that pprof can still symbolize the file from the binary on its own.
. "$(dirname "$0")/../lib.sh"

PPROF=${PPROF:-$ROOT/build/tools/pprof}
[ -x "$PPROF" ] || make -s -C "$ROOT" pprof-tool >/dev/null 2>&1
[ -x "$PPROF" ] || skip_all "pprof round trip" "build/tools/pprof missing (scripts/install-deps.sh)"
[ "$(id -u)" = 0 ] || skip_all "pprof round trip" "needs root to record"
mkdir -p "$TMP/wl"
cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/wl/cpu_split" "$ROOT/tests/workloads/cpu_split.c" ||
	bail "cannot build tests/workloads/cpu_split.c"
WL="$TMP/wl/cpu_split"

CPU_SPLIT_CLOCK="$TMP/rec.clk" "$SCORCH" record -q -F 999 -o "$TMP/rec.pb.gz" -- "$WL" 1 0 1 2>/dev/null
"$SCORCH" convert "$TMP/rec.pb.gz" -o "$TMP/rt.pb.gz" 2>/dev/null
"$PPROF" -raw "$TMP/rec.pb.gz" >"$TMP/rec.raw" 2>/dev/null
"$PPROF" -raw "$TMP/rt.pb.gz" >"$TMP/rt.raw" 2>/dev/null

# "start/limit/offset path build-id" of every mapping, sorted (ids differ between files)
mappings() { awk '/^Mappings/ { m = 1; next } m && NF >= 3 { print $2, $3, $4 }' "$1" | sort; }
mappings "$TMP/rec.raw" >"$TMP/rec.maps"
mappings "$TMP/rt.raw" >"$TMP/rt.maps"
want=$(readelf -n "$WL" | sed -n 's/.*Build ID: *//p')
grep -q " $WL $want\$" "$TMP/rec.maps" && [ -n "$want" ] &&
	ok "the recording maps the workload with readelf's build-id" ||
	fail "the recording maps the workload with readelf's build-id" "$(head -c 300 "$TMP/rec.maps")"
same_file "pprof -> pprof: the same mappings (range, offset, path, build-id)" "$TMP/rec.maps" "$TMP/rt.maps"

# "address function" of the locations in the workload's mapping
locs() {
	awk -v f="$WL" '/^Locations/ { l = 1; next } /^Mappings/ { l = 0; m = 1; next }
		l && $3 ~ /^M=/ { id = $3; sub(/M=/, "", id); addr[$2] = id; fn[$2] = $4 }
		m && $3 == f { sub(/:$/, "", $1); want = $1 }
		END { for (a in addr) if (addr[a] == want) print a, fn[a] }' "$1" | sort -u
}
locs "$TMP/rec.raw" >"$TMP/rec.locs"
locs "$TMP/rt.raw" >"$TMP/rt.locs"
n=$(wc -l <"$TMP/rt.locs")
extra=$(comm -13 "$TMP/rec.locs" "$TMP/rt.locs" | wc -l)
[ "$n" -ge 3 ] && [ "$extra" = 0 ] &&
	ok "pprof -> pprof: $n workload locations, each at an address (and function) of the recording" ||
	fail "pprof -> pprof: workload locations keep the recording's addresses" \
		"$n located, $extra not in the recording: $(comm -13 "$TMP/rec.locs" "$TMP/rt.locs" | head -3 | tr '\n' '|')"
hot_near "pprof re-symbolizes the round-tripped addresses itself" \
	"$("$PPROF" -symbolize=force -noinlines -top "$TMP/rt.pb.gz" 2>/dev/null |
		awk '$NF == "hot_function" { sub(/%/, "", $2); print int($2 + 0.5) }')" "$TMP/rec.clk"
total() { "$PPROF" -top -sample_index=samples "$1" 2>/dev/null | sed -n 's/.*% of \([0-9]*\) total$/\1/p'; }
t1=$(total "$TMP/rec.pb.gz")
expect_eq "pprof -> pprof: the same sample total" "${t1:-none}" "$(total "$TMP/rt.pb.gz")"
finish
