#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interchange formats checked by their real consumers: Google's pprof tool reads every .pb.gz
# scorch writes (its -top/-traces agree with awk over the folded input, -raw shows labels);
# trace.json passes an independent schema and nesting check; every format round-trips
# folded -> X -> folded byte-identically; inputs are recognised by content, not by name.
source "$(dirname "$0")/../lib.sh"

PPROF=${PPROF:-$ROOT/build/tools/pprof}
if [ ! -x "$PPROF" ] && command -v go >/dev/null; then
	make -s -C "$ROOT" pprof-tool >/dev/null 2>&1
fi
have_pprof=0
[ -x "$PPROF" ] && have_pprof=1

# Folded input: the corpus's per-process collapses, plus a small hand-made one.
inputs=()
for f in "$CORPUS"/stackcollapse-perf/expected/*-collapsed-pid.txt; do
	[ -f "$f" ] && inputs+=("$f")
done
printf 'main;a;b 30\nmain;a 10\nmain;c 60\nother;x\\y "q" 5\n' >"$TMP/small.folded"
inputs+=("$TMP/small.folded")

# --- expectations computed from the folded text alone ------------------------------------
# flat and cum per function: flat where it is the leaf, cum once per stack it appears in
expect_top() {
	awk '{ c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";");
	       flat[f[n]] += c; delete seen;
	       for (i = 1; i <= n; i++) if (!(f[i] in seen)) { seen[f[i]] = 1; cum[f[i]] += c } }
	     END { for (k in cum) printf "%s|%d|%d\n", k, flat[k], cum[k] }' "$1" | LC_ALL=C sort
}
# pprof -top rows "flat flat% sum% cum cum% name" -> name|flat|cum
pprof_top() {
	"$PPROF" -top -nodefraction=0 -nodecount=1000000 "$1" 2>/dev/null |
		awk '/^ *[0-9]+ +[0-9.]+% +[0-9.]+% +[0-9]+ +[0-9.]+% / {
		       name = $0; sub(/^ *[0-9]+ +[0-9.]+% +[0-9.]+% +[0-9]+ +[0-9.]+%  /, "", name);
		       printf "%s|%d|%d\n", name, $1, $4 }' | LC_ALL=C sort
}
# pprof -traces blocks (value + leaf, then callers) -> "root;...;leaf value", summed
pprof_traces() {
	"$PPROF" -traces "$1" 2>/dev/null |
		awk 'function flush() { if (n) { s = f[n]; for (i = n - 1; i >= 1; i--) s = s ";" f[i];
		                         sum[s] += v } n = 0 }
		     /^-+\+-+$/ { flush(); next }
		     /^ *[0-9]+   / { flush(); v = $1; l = $0; sub(/^ *[0-9]+   /, "", l); f[++n] = l; next }
		     /^             [^ ]/ && n { l = $0; sub(/^             /, "", l); f[++n] = l }
		     END { flush(); for (k in sum) printf "%s %d\n", k, sum[k] }' | LC_ALL=C sort
}
sum_folded() {
	awk '{ c = $NF; s = $0; sub(/ [0-9]+$/, "", s); sum[s] += c }
	     END { for (k in sum) printf "%s %d\n", k, sum[k] }' "$1" | LC_ALL=C sort
}

# --- pprof -------------------------------------------------------------------------------
if [ $have_pprof = 1 ]; then
	bad_read="" bad_top="" bad_traces="" ntop=0
	for f in "${inputs[@]}"; do
		b=$(basename "$f" .txt)
		b=${b%.folded}
		"$SCORCH" convert "$f" -o "$TMP/$b.pb.gz" 2>"$TMP/err" || { bad_read+=" $b(write)"; continue; }
		"$PPROF" -raw "$TMP/$b.pb.gz" >"$TMP/raw" 2>&1 && grep -q '^Samples:' "$TMP/raw" ||
			bad_read+=" $b"
		# pprof shortens C++ (<...>) and Java (pkg/Class:::m) names when it prints them:
		# compare the printed tables where the names are plain (-raw read all of them)
		grep -qE '<|:::' "$f" && continue
		ntop=$((ntop + 1))
		[ "$(pprof_top "$TMP/$b.pb.gz")" == "$(expect_top "$f")" ] || bad_top+=" $b"
		[ "$(pprof_traces "$TMP/$b.pb.gz")" == "$(sum_folded "$f")" ] || bad_traces+=" $b"
	done
	expect_eq "pprof reads every .pb.gz scorch writes (${#inputs[@]} profiles)" "" "$bad_read"
	[ "$ntop" -ge 8 ] || bad_top+=" (only $ntop profiles compared)" bad_traces+=" (only $ntop profiles compared)"
	expect_eq "pprof -top flat/cum per function = awk over the folded input ($ntop profiles)" "" "$bad_top"
	expect_eq "pprof -traces stacks and counts = the folded input ($ntop profiles)" "" "$bad_traces"
	gzip -t "$TMP/small.pb.gz" 2>/dev/null && ok ".pb.gz is gzip (gzip -t)" ||
		fail ".pb.gz is gzip (gzip -t)"

	# a recorded profile: labels, sample types, period
	if is_root; then
		"$SCORCH" record -q -F 499 --tid --group-by-cpu -o "$TMP/rec.pb.gz" -o "$TMP/rec.folded" \
			-- taskset -c 0 sh -c 'echo $$ > '"$TMP"'/pid; exec dd if=/dev/zero of=/dev/null bs=1 count=300000 status=none' \
			2>"$TMP/rec.err"
		pid=$(cat "$TMP/pid" 2>/dev/null)
		"$PPROF" -raw "$TMP/rec.pb.gz" >"$TMP/rec.raw" 2>/dev/null
		if grep -q '^ *comm:\[dd\]' "$TMP/rec.raw" &&
			grep -Eq "^ *cpu:\[0 cpu\] pid:\[$pid\] tid:\[$pid\]" "$TMP/rec.raw"; then
			ok "pprof -raw shows comm, pid, tid and cpu labels of a recording"
		else
			fail "pprof -raw shows comm, pid, tid and cpu labels of a recording" \
				"pid $pid: $(grep -m3 -E 'comm:|pid:' "$TMP/rec.raw" | tr '\n' '|')"
		fi
		grep -q '^samples/count cpu/nanoseconds$' "$TMP/rec.raw" &&
			grep -q '^PeriodType: cpu nanoseconds$' "$TMP/rec.raw" &&
			grep -Eq '^Period: 200[0-9]{4}$' "$TMP/rec.raw" &&
			ok "recording: samples/count + cpu/nanoseconds, period 1e9/499 ns" ||
			fail "recording: samples/count + cpu/nanoseconds, period 1e9/499 ns" \
				"$(sed -n '1,12p' "$TMP/rec.raw" | tr '\n' '|')"
		# cpu/nanoseconds = samples x period, per sample line
		awk '/^Samples:/ { s = 1; next } /^Locations/ { s = 0 }
		     s && /^ *[0-9]+ +[0-9]+: / { sub(/:.*/, ""); if ($2 != $1 * 2004008) bad++ ; n++ }
		     END { exit !(n > 0 && !bad) }' "$TMP/rec.raw" &&
			ok "recording: cpu nanoseconds = samples x period" ||
			fail "recording: cpu nanoseconds = samples x period"
		expect_eq "recording: pprof total = folded total" \
			"$(cat "$TMP/rec.folded" 2>/dev/null | awk '{ s += $NF } END { print (s > 0 ? s : "no samples") }')" \
			"$("$PPROF" -top -sample_index=samples "$TMP/rec.pb.gz" 2>/dev/null |
				sed -n 's/.*% of \([0-9]*\) total$/\1/p')"
		# addresses and mappings: the workload's mapping carries the build-id readelf -n reads
		# from the binary, its locations lie inside it, and pprof re-symbolizing those
		# addresses itself from the file (-symbolize=force, addr2line) finds the workload's
		# 60/30/10 split
		mkdir -p "$TMP/wl"
		if cc -O1 -g -fno-omit-frame-pointer -pthread -o "$TMP/wl/cpu_split" \
			"$ROOT/tests/workloads/cpu_split.c"; then
			CPU_SPLIT_CLOCK="$TMP/split.clk" "$SCORCH" record -q -F 999 -o "$TMP/split.pb.gz" -- "$TMP/wl/cpu_split" 1 0 1 2>/dev/null
			"$PPROF" -raw "$TMP/split.pb.gz" >"$TMP/split.raw" 2>/dev/null
			want=$(readelf -n "$TMP/wl/cpu_split" | sed -n 's/.*Build ID: *//p')
			read -r mid range bid < <(awk -v f="$TMP/wl/cpu_split" '/^Mappings/ { m = 1; next }
				m && $3 == f { sub(/:$/, "", $1); print $1, $2, $4; exit }' "$TMP/split.raw")
			inside="0 0"
			if [ -n "$mid" ]; then
				lo=$((${range%%/*})) hi=${range#*/} hi=$((${hi%%/*})) n=0 out=0
				for a in $(awk -v id="$mid" '/^Locations/ { l = 1; next } /^Mappings/ { l = 0 }
					l && $3 == "M=" id { print $2 }' "$TMP/split.raw"); do
					n=$((n + 1))
					[ $((a)) -ge "$lo" ] && [ $((a)) -lt "$hi" ] || out=$((out + 1))
				done
				inside="$n $out"
			fi
			expect_eq "pprof -raw: the workload's mapping has readelf's build-id" "${want:-none}" "$bid"
			[ -n "$mid" ] && [ "${inside% *}" -ge 3 ] && [ "${inside#* }" = 0 ] &&
				ok "pprof -raw: the workload's locations have addresses inside its mapping ($inside)" ||
				fail "pprof -raw: the workload's locations have addresses inside its mapping" \
					"mapping '$mid' '$range', located/outside: $inside"
			hot_near "pprof re-symbolizing the addresses itself" \
				"$("$PPROF" -symbolize=force -noinlines -top "$TMP/split.pb.gz" 2>/dev/null |
					awk '$NF == "hot_function" { sub(/%/, "", $2); print int($2 + 0.5) }')" \
				"$TMP/split.clk"
		else
			fail "pprof mappings of a recording" "cc failed"
		fi
	else
		skip "pprof labels of a recording" "needs root"
	fi
else
	skip "pprof tool checks" "build/tools/pprof missing: scripts/install-deps.sh installs golang-go and golang-github-google-pprof-dev"
fi

# --- round trips: folded -> FORMAT -> folded, byte-identical -----------------------------
for ext in pb.gz speedscope.json json trace.json; do
	bad=""
	for f in "${inputs[@]}"; do
		b=$(basename "$f" .txt)
		b=${b%.folded}
		LC_ALL=C sort "$f" >"$TMP/$b.sorted"
		"$SCORCH" convert "$f" -o "$TMP/$b.$ext" 2>/dev/null &&
			"$SCORCH" convert "$TMP/$b.$ext" -o "$TMP/$b.$ext.folded" 2>/dev/null &&
			cmp -s "$TMP/$b.sorted" "$TMP/$b.$ext.folded" || bad+=" $b"
	done
	expect_eq "round trip folded -> .$ext -> folded is byte-identical (${#inputs[@]} profiles)" "" "$bad"
done

# the same on a 200,000-stack profile
python3 "$ROOT/bench/gen_folded.py" 200000 | LC_ALL=C sort >"$TMP/big.folded"
for ext in pb.gz speedscope.json json; do
	"$SCORCH" convert "$TMP/big.folded" -o "$TMP/big.$ext" 2>/dev/null &&
		"$SCORCH" convert "$TMP/big.$ext" -o "$TMP/big.$ext.folded" 2>/dev/null &&
		cmp -s "$TMP/big.folded" "$TMP/big.$ext.folded" &&
		ok "200,000 stacks: folded -> .$ext -> folded is byte-identical" ||
		fail "200,000 stacks: folded -> .$ext -> folded is byte-identical"
	rm -f "$TMP/big.$ext.folded"
done
rm -f "$TMP"/big.*

# --- Chrome trace: schema and nesting, and its samples give the folded input back --------
python3 - "$TMP/small.trace.json" "$TMP/small.folded" >"$TMP/schema" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ev, frames, samples = d["traceEvents"], d["stackFrames"], d["samples"]
assert isinstance(ev, list) and ev, "traceEvents"
names = {}
for e in ev:
    for k in ("ph", "name", "pid", "tid"):
        assert k in e, "event without %s: %r" % (k, e)
    assert e["ph"] in ("X", "M"), e
    if e["ph"] == "M":
        assert e["name"] in ("process_name", "thread_name") and isinstance(e["args"]["name"], str), e
        names[(e["name"], e["pid"], e["tid"])] = e["args"]["name"]
    else:
        assert isinstance(e["ts"], (int, float)) and e["dur"] >= 0, e
# X events nest per thread: sorted by start, each inside the one still open
spans = {}
for e in ev:
    if e["ph"] == "X":
        spans.setdefault((e["pid"], e["tid"]), []).append((e["ts"], -e["dur"], e["ts"] + e["dur"]))
        assert ("thread_name", e["pid"], e["tid"]) in names, "thread without a name"
for k, v in spans.items():
    v.sort(); open_ = []
    for s, _, end in v:
        while open_ and open_[-1] <= s + 1e-9: open_.pop()
        assert not open_ or end <= open_[-1] + 1e-9, "X events overlap without nesting"
        open_.append(end)
for k, f in frames.items():
    assert isinstance(f["name"], str) and ("parent" not in f or f["parent"] in frames), f
got = {}
for s in samples:
    if s["weight"] == 0:
        continue  # the end marker of a thread
    stack, sf = [], s["sf"]
    while sf is not None:
        stack.append(frames[sf]["name"]); sf = frames[sf].get("parent")
    key = ";".join(reversed(stack))
    got[key] = got.get(key, 0) + s["weight"]
want = {}
for line in open(sys.argv[2]):
    stack, n = line.rstrip("\n").rsplit(" ", 1)
    want[stack] = want.get(stack, 0) + int(n)
assert got == want, (got, want)
print("schema ok")
EOF
grep -q '^schema ok$' "$TMP/schema" && ok "trace.json: events, names, nesting and samples check out (python)" ||
	fail "trace.json: events, names, nesting and samples check out (python)" "$(tail -3 "$TMP/schema")"

# d3 JSON: every value is its own plus its children's, names as in the input
python3 - "$TMP/small.json" >"$TMP/d3" 2>&1 <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
def walk(n, path, out):
    kids = n.get("children", [])
    own = n["value"] - sum(k["value"] for k in kids)
    assert own >= 0
    if own and path: out[";".join(path)] = own
    for k in kids: walk(k, path + [k["name"]], out)
    return out
got = walk(t, [], {})
assert t["name"] == "root" and t["value"] == 105, t.get("value")
assert got == {"main;a;b": 30, "main;a": 10, "main;c": 60, 'other;x\\y "q"': 5}, got
print("d3 ok")
EOF
grep -q '^d3 ok$' "$TMP/d3" && ok "d3 JSON: values are inclusive, names escaped (python)" ||
	fail "d3 JSON: values are inclusive, names escaped (python)" "$(tail -2 "$TMP/d3")"
"$SCORCH" convert --json-compact "$TMP/small.folded" -o "$TMP/compact.json" 2>/dev/null
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a!=b)' \
	"$TMP/small.json" "$TMP/compact.json" 2>/dev/null && [ "$(wc -l <"$TMP/compact.json")" = 1 ] &&
	ok "--json-compact: one line, same tree" || fail "--json-compact: one line, same tree"

# --- sniffing by content: flamegraph, diff and view take any format under any name -------
f=$CORPUS/stackcollapse-perf/expected/perf-dd-stacks-01-collapsed-pid.txt
if [ ! -f "$f" ]; then
	skip "sniffing by content" "the shared corpus is not at $CORPUS"
else
	"$SCORCH" convert "$f" -o "$TMP/in.pb.gz" 2>/dev/null
fi
if [ -f "$f" ] && ! have_perl_tools; then
	skip "flamegraph on pprof/speedscope/json/trace named .txt = flamegraph.pl" "no flamegraph.pl in $FLAMEGRAPH_DIR"
	skip "diff of a pprof and a speedscope file = difffolded.pl" "no difffolded.pl in $FLAMEGRAPH_DIR"
elif [ -f "$f" ]; then
	perl "$FLAMEGRAPH_DIR/flamegraph.pl" "$f" >"$TMP/ref.svg" 2>/dev/null
	bad=""
	for ext in pb.gz speedscope.json json trace.json; do
		"$SCORCH" convert "$f" -o "$TMP/in.$ext" 2>/dev/null
		cp "$TMP/in.$ext" "$TMP/misnamed-$ext.txt"
		"$SCORCH" flamegraph "$TMP/misnamed-$ext.txt" >"$TMP/fg.svg" 2>/dev/null
		python3 "$ROOT/tests/svgframes.py" "$TMP/fg.svg" >"$TMP/a" 2>/dev/null
		python3 "$ROOT/tests/svgframes.py" "$TMP/ref.svg" >"$TMP/b" 2>/dev/null
		[ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b" || bad+=" $ext"
	done
	expect_eq "flamegraph on pprof/speedscope/json/trace named .txt = flamegraph.pl on the folded" "" "$bad"
	# diff: before as pprof, after as speedscope, against difffolded.pl on the folded files
	g=$CORPUS/stackcollapse-perf/expected/perf-cycles-instructions-01-collapsed-pid.txt
	"$SCORCH" convert "$g" -o "$TMP/after.speedscope.json" 2>/dev/null
	"$SCORCH" diff --folded "$TMP/in.pb.gz" "$TMP/after.speedscope.json" -o "$TMP/d.folded" 2>/dev/null
	perl "$FLAMEGRAPH_DIR/difffolded.pl" "$f" "$g" 2>/dev/null | LC_ALL=C sort >"$TMP/d.ref"
	LC_ALL=C sort "$TMP/d.folded" >"$TMP/d.got"
	[ -s "$TMP/d.ref" ] && cmp -s "$TMP/d.ref" "$TMP/d.got" &&
		ok "diff of a pprof and a speedscope file = difffolded.pl of the folded files" ||
		fail "diff of a pprof and a speedscope file = difffolded.pl of the folded files" \
			"$(diff "$TMP/d.ref" "$TMP/d.got" | head -3 | tr '\n' '|')"
fi
if [ -f "$f" ]; then
	# view: the terminal UI (in tmux) draws the pprof file's root frame, the process name
	# stackcollapse gave every stack, over the whole width ("all" row, then the root)
	root=$(head -1 "$f" | cut -d';' -f1)
	if command -v tmux >/dev/null; then
		sess=scorch-fmt-$$
		tmux new-session -d -s "$sess" -x 120 -y 40 "$SCORCH view '$TMP/in.pb.gz'; sleep 5"
		for _ in $(seq 30); do
			tmux capture-pane -p -t "$sess" >"$TMP/view.out" 2>/dev/null
			grep -q -- "$root" "$TMP/view.out" && break
			sleep 0.2
		done
		tmux kill-session -t "$sess" 2>/dev/null
		grep -q -- "$root" "$TMP/view.out" && grep -q "pprof\|in.pb.gz" "$TMP/view.out" &&
			ok "view opens a .pb.gz (draws its root $root)" ||
			fail "view opens a .pb.gz (draws its root $root)" "$(head -c 300 "$TMP/view.out")"
	else
		skip "view opens a .pb.gz" "tmux is not installed"
	fi
fi

# --- names that are not UTF-8 -------------------------------------------------------------
# A surrogate (ED A0 80), an overlong slash (C0 AF), a code point past U+10FFFF (F4 90 80 80)
# and a cut sequence (E2 82): each JSON writer replaces every such byte run with U+FFFD, and
# a strict UTF-8 JSON parser (python's) reads back the valid names as they were.
printf 'main;s\xed\xa0\x80x 2\nmain;o\xc0\xafx 3\nmain;big\xf4\x90\x80\x80 4\nmain;cut\xe2\x82 5\nmain;\xc3\xa9t\xc3\xa9 6\n' >"$TMP/bad8.folded"
for ext in speedscope.json trace.json json; do
	"$SCORCH" convert "$TMP/bad8.folded" -o "$TMP/bad8.$ext" 2>"$TMP/bad8.err"
	got=$(python3 -c '
import json, sys
names = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "name" and isinstance(x, str): names.add(x)
            walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
walk(json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict")))
want = ["\u00e9t\u00e9", "main"]
bad = sorted(n for n in names if "\ufffd" in n)
print("ok" if all(w in names for w in want) and len(bad) == 4 else "names: %r" % sorted(names))
' "$TMP/bad8.$ext" 2>&1 | tail -1)
	expect_eq "convert to .$ext: invalid UTF-8 becomes U+FFFD, strict UTF-8 JSON" ok "$got"
done

# --- errors ------------------------------------------------------------------------------
printf '\x1f\x8b\x08\x00garbage' >"$TMP/bad.pb.gz"
expect_exit "convert: corrupt gzip is an error" 2 "corrupt gzip" "$SCORCH" convert "$TMP/bad.pb.gz" -o "$TMP/x.folded"
printf '\x0a\x02\x08\x01\x12\xff\xff' >"$TMP/bad.pprof"
expect_exit "convert: truncated protobuf is an error" 2 "not a valid profile.proto" \
	"$SCORCH" convert "$TMP/bad.pprof" -o "$TMP/x.folded"
printf '{"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled","samples":[[3]],"weights":[1]}]}' >"$TMP/bad.ss"
expect_exit "convert: speedscope naming a missing frame is an error" 2 "frame that does not exist" \
	"$SCORCH" convert "$TMP/bad.ss" -o "$TMP/x.folded"
expect_exit "flamegraph: broken pprof input exits 2" 2 "pprof" "$SCORCH" flamegraph "$TMP/bad.pprof"
expect_exit "convert: unknown output extension" 2 "cannot tell the output format" \
	"$SCORCH" convert "$TMP/small.folded" -o "$TMP/x.doc"
"$SCORCH" convert "$TMP/small.folded" --to pprof -o - >"$TMP/stdout.pb.gz" 2>/dev/null
expect_eq "convert --to pprof -o - writes gzip to stdout" "1f8b" "$(head -c 2 "$TMP/stdout.pb.gz" | od -An -tx1 | tr -d ' \n')"
"$SCORCH" convert --help >"$TMP/help" 2>&1
grep -q 'Examples:' "$TMP/help" && grep -q 'speedscope.json' "$TMP/help" && ok "convert --help has formats and examples" ||
	fail "convert --help has formats and examples"
finish
