# SPDX-License-Identifier: MIT
# perf script (default fields) -> one line per sample: its user frames leaf first, ";"-joined,
# each "NAME@DSO@ADDR" (NAME without +0x..; [unknown] becomes [basename of DSO], as
# stackcollapse-perf.pl names it). Kernel frames are dropped.
function flush() { if (n > 0) print line; line = ""; n = 0 }
/^[^ \t]/ { flush(); insample = 1; next }
/^$/ { flush(); insample = 0; next }
insample && /^[ \t]+[0-9a-f]+ / {
	addr = $1
	dso = $NF; gsub(/^\(|\)$/, "", dso)
	sym = $0; sub(/^[ \t]+[0-9a-f]+ /, "", sym); sub(/ \([^()]*\)$/, "", sym)
	sub(/\+0x[0-9a-f]+$/, "", sym)
	if (sym == "[unknown]") { b = dso; sub(/.*\//, "", b); sym = "[" b "]" }
	if (addr == "ffffffffffffffff" || dso ~ /^\[kernel/) next
	line = line (n ? ";" : "") sym "@" dso "@" addr; n++
}
END { flush() }
