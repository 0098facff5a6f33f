#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Frame names as perf gives them: PLT stubs as "func@plt" (checked against objdump's stub
# labels and against perf record -g + perf script + stackcollapse-perf.pl on the same workload).
source "$(dirname "$0")/../lib.sh"

is_root || skip_all "frame names of a recording" "needs root"
command -v sqlite3 >/dev/null || skip_all "frame names of a recording" "needs /usr/bin/sqlite3"
command -v perf >/dev/null && have_perl_tools ||
	skip_all "frame names of a recording" "needs perf and stackcollapse-perf.pl"

# sqlite3 calls into libsqlite3 through its PLT for every row it prints
q='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<400000)
   SELECT x, hex(x), printf("%d-%s", x, hex(x)) FROM c;'
work() { for _ in 1 2; do echo "$q" | sqlite3 >/dev/null; done; }
export -f work
export q
"$SCORCH" record -q -F 2999 -o "$TMP/s.folded" -- bash -c work 2>/dev/null
perf record -q -F 2999 -g -o "$TMP/perf.data" -- bash -c work >/dev/null 2>&1
perf script -i "$TMP/perf.data" 2>/dev/null | pl_collapse >"$TMP/p.folded"

plt_names() { grep -o '[^;]*@plt' "$1" | sed 's/_\[[kji]\]$//' | LC_ALL=C sort -u; }
plt_names "$TMP/s.folded" >"$TMP/s.plt"
plt_names "$TMP/p.folded" >"$TMP/p.plt"
# every stub label objdump prints for the binaries that ran
for f in /usr/bin/sqlite3 $(ldd /usr/bin/sqlite3 | awk '$3 ~ /^\// { print $3 }'); do
	objdump -d -j .plt -j .plt.sec "$f" 2>/dev/null
done | sed -n 's/^[0-9a-f]* <\(.*@plt\)>:$/\1/p' | LC_ALL=C sort -u >"$TMP/o.plt"

ns=$(wc -l <"$TMP/s.plt") np=$(wc -l <"$TMP/p.plt")
[ "$ns" -ge 3 ] && ok "@plt frames appear ($ns names; perf: $np)" ||
	fail "@plt frames appear" "scorch shows $ns @plt names, perf $np"
notstub=$(LC_ALL=C comm -23 "$TMP/s.plt" "$TMP/o.plt" | tr '\n' ' ')
[ "$ns" -ge 3 ] && [ -z "$notstub" ] && ok "every @plt name scorch shows is a stub objdump labels" ||
	fail "every @plt name scorch shows is a stub objdump labels" "$ns names; not stubs: $notstub"
# sampling differs between two runs: the three @plt names scorch sees most often must be
# among perf's
total=$(awk '{ s += $NF } END { print s + 0 }' "$TMP/s.folded")
frequent=$(awk -v t="$total" '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s);
		k = split(s, f, ";"); delete seen
		for (i = 1; i <= k; i++) if (f[i] ~ /@plt$/ && !(f[i] in seen)) { seen[f[i]] = 1; c[f[i]] += n } }
	END { for (x in c) print c[x], x }' "$TMP/s.folded" | sort -rn | head -3 | awk '{ print $2 }' | LC_ALL=C sort)
[ -n "$frequent" ] && [ -z "$(LC_ALL=C comm -23 <(echo "$frequent") "$TMP/p.plt")" ] &&
	ok "the frequent @plt names scorch shows are perf's too ($(echo "$frequent" | wc -l))" ||
	fail "the frequent @plt names scorch shows are perf's too" \
		"frequent: $(echo $frequent); not in perf: $(LC_ALL=C comm -23 <(echo "$frequent") "$TMP/p.plt" | tr '\n' ' ')"

# unresolved frames: the one line at the end counts, by cause, exactly the frames the output
# prints as "[module]" or "[unknown]" (every sample's frames below the process root; not the
# "[truncated]" marker that ends a stack deeper than the dwarf copy: it names no address)
"$SCORCH" record -F 999 -o "$TMP/py.folded" -- python3 -c 'sum(i * i for i in range(3000000))' \
	2>"$TMP/py.err"
line=$(sed -n 's/^scorch record: unresolved frames: //p' "$TMP/py.err")
said=$(echo "$line" | tr ',' '\n' | awk '{ t += $1 } END { print t + 0 }')
shown=$(awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";")
		for (i = 2; i <= k; i++) if (f[i] ~ /^\[.*\](_\[k\])?$/ && f[i] != "[truncated]") t += n }
		END { print t + 0 }' \
	"$TMP/py.folded" 2>/dev/null)
[ -n "$line" ] && [ "$said" = "$shown" ] && [ "$said" -gt 0 ] &&
	ok "unresolved frames by cause ($line) = the unnamed frames of the output" ||
	fail "unresolved frames by cause = the unnamed frames of the output" \
		"line '$line' ($said), output $shown"
finish
