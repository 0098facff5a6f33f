#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The per-boot cache of the core kernel's symbols (src/symbol/kallsyms.c): the first run with
# kernel frames reads /proc/kallsyms and writes the cache; later runs of the boot name kernel
# frames from it without opening /proc/kallsyms (strace shows which files a run opens); a
# damaged cache is read around and replaced; SCORCH_CACHE_DIR= turns it off; another
# user's HOME (sudo) gets no cache. Every kernel
# frame's name is checked against /proc/kallsyms itself.
source "$(dirname "$0")/../lib.sh"
is_root || skip_all "kallsyms cache" "needs root (kernel addresses and kernel stacks); run tests as root"
command -v strace >/dev/null || bail "strace is missing (scripts/install-deps.sh)"
CD=$TMP/cache
awk '$2 ~ /^[tTwW]$/ { print $3 }' /proc/kallsyms | sort -u >"$TMP/ktext"
[ -s "$TMP/ktext" ] || bail "cannot read /proc/kallsyms"

# run N [env...]: a kernel-only recording of dd copying /dev/zero (its time is in read and
# write system calls), with the files it opens in $TMP/open.N
run() {
	local n=$1
	shift
	env "$@" strace -f -qq -e trace=openat -o "$TMP/open.$n" "$SCORCH" record -q --backend perf \
		--kernel-only -F 999 -o "$TMP/k$n.folded" -- dd if=/dev/zero of=/dev/null bs=64k count=100000 \
		2>"$TMP/err.$n"
}
# names_ok N: every frame below the root (the comm) of k$N.folded is a kernel text symbol
names_ok() {
	local f=$TMP/k$1.folded
	if [ ! -s "$f" ]; then
		fail "$2" "no profile: $(head -c 300 "$TMP/err.$1")"
		return
	fi
	awk '{ sub(/ [0-9]+$/, ""); n = split($0, a, ";"); for (i = 2; i <= n; i++) print a[i] }' "$f" |
		sort -u >"$TMP/names.$1"
	local bad total
	bad=$(comm -23 "$TMP/names.$1" "$TMP/ktext" | grep -cv '^\[unknown\]$')
	total=$(wc -l <"$TMP/names.$1")
	if [ "$bad" = 0 ] && [ "$total" -ge 3 ] && grep -qx 'do_syscall_64' "$TMP/names.$1"; then
		ok "$2 ($total kernel functions, all in /proc/kallsyms, do_syscall_64 among them)"
	else
		fail "$2" "$bad of $total names are not kernel text symbols: $(comm -23 "$TMP/names.$1" "$TMP/ktext" | head -3 | tr '\n' ' ')"
	fi
}
opened_kallsyms() { grep -c '"/proc/kallsyms"' "$TMP/open.$1"; }

run 1 SCORCH_CACHE_DIR="$CD"
names_ok 1 "first run: kernel frames named from /proc/kallsyms"
if [ "$(opened_kallsyms 1)" -ge 1 ] && [ -f "$CD/kallsyms" ] && [ "$(stat -c %a "$CD/kallsyms")" = 600 ]; then
	ok "first run: read /proc/kallsyms and wrote the cache, mode 600"
else
	fail "first run: read /proc/kallsyms and wrote the cache" \
		"opened /proc/kallsyms $(opened_kallsyms 1) times; cache: $(ls -l "$CD" 2>&1 | tail -1)"
fi

run 2 SCORCH_CACHE_DIR="$CD"
names_ok 2 "second run: kernel frames named from the cache"
if [ "$(opened_kallsyms 2)" = 0 ] && grep -q "\"$CD/kallsyms\"" "$TMP/open.2"; then
	ok "second run: the cache, not /proc/kallsyms"
else
	fail "second run: the cache, not /proc/kallsyms" "opened /proc/kallsyms $(opened_kallsyms 2) times"
fi

# a damaged cache (cut short) is read around, and replaced
size=$(stat -c %s "$CD/kallsyms" 2>/dev/null)
truncate -s 100 "$CD/kallsyms" 2>/dev/null
run 3 SCORCH_CACHE_DIR="$CD"
names_ok 3 "damaged cache: kernel frames still named"
if [ -n "$size" ] && [ "$(opened_kallsyms 3)" -ge 1 ] && [ "$(stat -c %s "$CD/kallsyms" 2>/dev/null)" = "$size" ]; then
	ok "damaged cache: /proc/kallsyms read again and the cache rewritten ($size bytes)"
else
	fail "damaged cache: /proc/kallsyms read again and the cache rewritten" \
		"opened /proc/kallsyms $(opened_kallsyms 3) times; cache $(stat -c %s "$CD/kallsyms" 2>/dev/null) bytes, want $size"
fi

# SCORCH_CACHE_DIR set empty: no cache read or written
rm -rf "$CD"
run 4 SCORCH_CACHE_DIR=
names_ok 4 "no cache: kernel frames named"
if [ "$(opened_kallsyms 4)" -ge 1 ] && [ ! -e "$CD" ] && ! grep -q 'scorch/kallsyms' "$TMP/open.4"; then
	ok "SCORCH_CACHE_DIR= turns the cache off"
else
	fail "SCORCH_CACHE_DIR= turns the cache off" "$(grep kallsyms "$TMP/open.4" | head -3)"
fi

# under sudo with another user's HOME: nothing is written in that home
mkdir -p "$TMP/alice" && chown nobody "$TMP/alice"
run 5 -u SCORCH_CACHE_DIR -u XDG_CACHE_HOME HOME="$TMP/alice"
names_ok 5 "another user's HOME: kernel frames named"
if [ -z "$(ls -A "$TMP/alice")" ] && [ "$(opened_kallsyms 5)" -ge 1 ]; then
	ok "another user's HOME: no cache written there"
else
	fail "another user's HOME: no cache written there" "$(ls -lAR "$TMP/alice" | head -5)"
fi
finish
