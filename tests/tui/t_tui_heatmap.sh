#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The terminal UI's heatmap view, in tmux: scorch top on a workload whose phases are known in
# time (phase_one for 1 s, then phase_two for 1 s); the first second's range graphs phase_one
# only, the second second's phase_two.
. "$(dirname "$0")/../lib.sh"

command -v tmux >/dev/null || skip_all "tui heatmap tests" "tmux is not installed"
cc -O1 -g -fno-omit-frame-pointer -o "$TMP/phases" "$ROOT/tests/workloads/phases.c" ||
	bail "cannot compile tests/workloads/phases.c"

SOCK="scorch-tui-heat-$$"
S="t"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
on_exit 'tm kill-server >/dev/null 2>&1'
screen() { tm capture-pane -t "$S" -p; }
# wait_grep REGEX [SECONDS]: waits until the screen matches an extended regex.
wait_grep() {
	local re=$1 secs=${2:-3}
	local end=$(($(date +%s%N) + secs * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		screen | grep -Eq -- "$re" && return 0
		sleep 0.05
	done
	return 1
}
# graph text only: the flame rows, without the header, info and status lines
graph() { screen | sed -n '2,$p' | head -n -2; }
keys() { tm send-keys -t "$S" "$@"; sleep 0.3; }

tm new-session -d -s "$S" -x 120 -y 40 "env -u NO_COLOR PS1='READY\$ ' TERM=xterm-256color bash --norc --noprofile"
wait_grep 'READY\$' 5 || bail "tmux shell did not start"
tm send-keys -t "$S" "'$SCORCH' top -F 499 -- '$TMP/phases' 1000" Enter
if ! wait_grep 'target exited' 15; then
	fail "scorch top runs the two-phase workload to its end" "$(screen | tail -3 | tr '\n' '|')"
	finish
fi
ok "scorch top runs the two-phase workload to its end"

keys Tab Tab Tab Tab
if screen | head -1 | grep -q 'Heatmap' && wait_grep '^ +0 ms' 2; then
	ok "Tab reaches the Heatmap view: rows are sub-second buckets"
else
	fail "Tab reaches the Heatmap view: rows are sub-second buckets" "$(screen | head -4 | tr '\n' '|')"
fi
# the first bucket row: one cell pair per second of the run (2 s, maybe a sliver of a third)
cells=$(screen | grep -E '^ +0 ms' | cut -c9- | sed 's/[[:space:]]*$//' | tr -d ' ' | wc -c)
if [ "$cells" -ge 3 ] && [ "$cells" -le 7 ]; then
	ok "a column per second: the 2 s run fills 2 columns"
else
	fail "a column per second: the 2 s run fills 2 columns" "first row: [$(screen | grep -E '^ +0 ms')]"
fi

# the first second: mark its first cell, go to its last, Enter
keys Space G
keys Enter
if wait_grep '0\.000-1\.000 s: [0-9]+ samples' 2 && graph | grep -q phase_one && ! graph | grep -q phase_two; then
	ok "the first second's range graphs phase_one only"
else
	fail "the first second's range graphs phase_one only" "$(graph | grep -v '^\s*$' | head -8 | tr '\n' '|')"
fi

# the second second
keys Tab Tab Tab Tab
keys l g Space G
keys Enter
if wait_grep '1\.000-2\.000 s: [0-9]+ samples' 2 && graph | grep -q phase_two; then
	ok "the second second's range graphs phase_two"
else
	fail "the second second's range graphs phase_two" "$(graph | grep -v '^\s*$' | head -8 | tr '\n' '|')"
fi

keys c
if graph | grep -q phase_one && graph | grep -q phase_two; then
	ok "c shows the whole profile again"
else
	fail "c shows the whole profile again" "$(graph | grep -v '^\s*$' | head -8 | tr '\n' '|')"
fi
keys Tab Tab Tab Tab
keys Space G Enter
keys q
sleep 0.5
if [ "$(tm display-message -p -t "$S" '#{alternate_on} #{pane_current_command}')" = "0 bash" ]; then
	ok "q quits from a graphed range (the terminal is back)"
else
	fail "q quits from a graphed range (the terminal is back)" "$(tm display-message -p -t "$S" '#{alternate_on} #{pane_current_command}')"
fi
finish
