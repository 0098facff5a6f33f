#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The streaming JSON readers (yajl): hand-written Chrome traces, speedscope files and d3 trees
# whose folded form is known, with keys in any order, ids as numbers and strings, members to
# skip, broken input.
. "$(dirname "$0")/../lib.sh"

# samples before stackFrames, ids as numbers and strings, weights, escapes, events to skip
cat >"$TMP/a.trace.json" <<'JSON'
{"samples":[{"name":"s","sf":3,"weight":5},{"sf":"2"},{"sf":"4","weight":2.0,"args":{"sf":"9"}}],
 "traceEvents":[{"ph":"X","name":"main","ts":0,"dur":5,"args":{"stackFrames":{"x":1}}},
   {"ph":"M","name":"thread_name","args":{"name":"t"}}],
 "otherData":{"event":"cpu-clock","nested":{"event":"no"}},
 "stackFrames":{"1":{"category":"user","name":"main"},
   "2":{"parent":"1","name":"caf\u00e9"},
   "3":{"name":"work","parent":2},
   "4":{"name":"a;b x","parent":"1"}}}
JSON
printf 'main;a;b x 2\nmain;caf\xc3\xa9 1\nmain;caf\xc3\xa9;work 5\n' >"$TMP/a.want"
"$SCORCH" convert "$TMP/a.trace.json" -o "$TMP/a.folded" 2>"$TMP/a.err"
same_file "trace: keys in any order, numeric ids, escapes; spans and args skipped" \
	"$TMP/a.want" "$TMP/a.folded"

printf '{"stackFrames":{"1":{"name":"a","parent":"2"},"2":{"name":"b","parent":"1"}},"samples":[{"sf":"1"}]}' >"$TMP/loop.trace.json"
expect_exit "trace: a loop of parents is refused" 2 "stack frames form a loop" \
	"$SCORCH" convert "$TMP/loop.trace.json" -o "$TMP/x.folded"
printf '{"stackFrames":{"1":{"name":"a"}},"samples":[{"sf":"7"}]}' >"$TMP/miss.trace.json"
expect_exit "trace: a sample of a missing frame is refused" 2 "missing stack frame 7" \
	"$SCORCH" convert "$TMP/miss.trace.json" -o "$TMP/x.folded"
printf '{"stackFrames":{"1":{"name":"a"}},"samples":[{"sf":"1"' >"$TMP/cut.trace.json"
expect_exit "trace: a truncated file is refused on one line" 2 "premature EOF" \
	"$SCORCH" convert "$TMP/cut.trace.json" -o "$TMP/x.folded"
printf '{"traceEvents":[{"ph":"X","name":"a","ts":0,"dur":1}],"stackFrames":{}}' >"$TMP/spans.trace.json"
expect_exit "trace: spans only, no samples" 2 "no stack samples" \
	"$SCORCH" convert "$TMP/spans.trace.json" -o "$TMP/x.folded"

# speedscope: "profiles" before "shared", a profile's unit after its samples (ms -> ns), float
# weights, escapes, members to skip; the evented profile is not read beside a sampled one
cat >"$TMP/a.speedscope.json" <<'JSON'
{"profiles":[{"samples":[[0,1],[0],[0,2,3]],"weights":[1.5,2,0.25],"name":"p",
   "extra":{"samples":[[9]],"weights":[-1]},"unit":"milliseconds","type":"sampled"},
  {"type":"evented","unit":"none","events":[{"type":"O","frame":0,"at":0},{"type":"C","frame":0,"at":100}]}],
 "$schema":"https://www.speedscope.app/file-format-schema.json","exporter":"hand",
 "shared":{"frames":[{"name":"main","file":"m.c"},{"line":3,"name":"caf\u00e9"},{"name":"a;b x"},{"name":"leaf"}]}}
JSON
printf 'main 2000000\nmain;a;b x;leaf 250000\nmain;caf\xc3\xa9 1500000\n' >"$TMP/ss.want"
"$SCORCH" convert "$TMP/a.speedscope.json" -o "$TMP/ss.folded" 2>"$TMP/ss.err"
same_file "speedscope: keys in any order, ms weights in ns, escapes; the evented profile skipped" \
	"$TMP/ss.want" "$TMP/ss.folded"
# evented only: the time each stack was open (us -> ns)
printf '%s' '{"shared":{"frames":[{"name":"main"},{"name":"work"}]},"profiles":[{"type":"evented",
 "unit":"microseconds","events":[{"type":"O","frame":0,"at":0},{"at":10,"type":"O","frame":1},
 {"type":"C","frame":1,"at":30},{"type":"C","frame":0,"at":50}]}]}' >"$TMP/ev.speedscope.json"
printf 'main 30000\nmain;work 20000\n' >"$TMP/ev.want"
"$SCORCH" convert "$TMP/ev.speedscope.json" -o "$TMP/ev.folded" 2>"$TMP/ev.err"
same_file "speedscope: an evented profile charges each stack the time it was open" \
	"$TMP/ev.want" "$TMP/ev.folded"
printf '{"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled","samples":[[0,5]]}]}' \
	>"$TMP/badf.speedscope.json"
expect_exit "speedscope: a sample of a missing frame is refused" 2 "a sample names a frame that does not exist" \
	"$SCORCH" convert "$TMP/badf.speedscope.json" -o "$TMP/x.folded"
printf '{"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled","samples":[[0],[0]],"weights":[1]}]}' \
	>"$TMP/badw.speedscope.json"
expect_exit "speedscope: a missing weight is refused" 2 "a weight is missing or negative" \
	"$SCORCH" convert "$TMP/badw.speedscope.json" -o "$TMP/x.folded"
printf '{"shared":{"frames":[{"name":"a"},{"name":"b"}]},"profiles":[{"type":"evented","unit":"none",
 "events":[{"type":"O","frame":0,"at":0},{"type":"C","frame":1,"at":1}]}]}' >"$TMP/badc.speedscope.json"
expect_exit "speedscope: a close event of another frame is refused" 2 "does not match the open frame" \
	"$SCORCH" convert "$TMP/badc.speedscope.json" -o "$TMP/x.folded"
printf '{"$schema":"https://www.speedscope.app/file-format-schema.json","profiles":[]}' >"$TMP/nof.speedscope.json"
expect_exit "speedscope: no shared frames" 2 'no "shared.frames" and "profiles" arrays' \
	"$SCORCH" convert "$TMP/nof.speedscope.json" -o "$TMP/x.folded"
printf '{"shared":{"frames":[{"name":"a"}]},"profiles":[{"type":"sampled","samples":[[0' >"$TMP/cut.speedscope.json"
expect_exit "speedscope: a truncated file is refused on one line" 2 "premature EOF" \
	"$SCORCH" convert "$TMP/cut.speedscope.json" -o "$TMP/x.folded"

# d3 JSON: inclusive values (a node's own = its value minus its children's), extra members
printf '%s' '{"name":"root","value":10,"children":[{"value":6,"name":"a","extra":{"name":"zzz",
 "children":[1]},"children":[{"name":"b","value":4}]},{"name":"c\u00e9","value":3.0,"children":[]}]}' \
	>"$TMP/a.json"
printf 'a 2\na;b 4\nc\xc3\xa9 3\n' >"$TMP/a.json.want"
"$SCORCH" convert "$TMP/a.json" -o "$TMP/a.json.folded" 2>"$TMP/aj.err"
same_file "d3 JSON: self = value - children, extra members skipped, escapes" \
	"$TMP/a.json.want" "$TMP/a.json.folded"
printf '{"name":"root","value":2,"children":[{"value":2}]}' >"$TMP/noname.json"
expect_exit "d3 JSON: a child without a name is refused" 2 "a child without a" \
	"$SCORCH" convert "$TMP/noname.json" -o "$TMP/x.folded"
printf '{"name":"root","children":[{"name":"a"}]}' >"$TMP/noval.json"
expect_exit "d3 JSON: a leaf without a value is refused" 2 "has no" \
	"$SCORCH" convert "$TMP/noval.json" -o "$TMP/x.folded"
printf '{"name":"root","value":1,"children":[{"value":1,"children":[{"name":"b","value":1}],"name":"a"}]}' \
	>"$TMP/late.json"
expect_exit "d3 JSON: a name after the children is refused with a reason" 2 "comes after" \
	"$SCORCH" convert "$TMP/late.json" -o "$TMP/x.folded"
finish
