#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every Debian package that building, testing and benchmarking scorch needs.
# Idempotent: does nothing when everything is present.
set -euo pipefail
PKGS=(build-essential pkg-config clang llvm libbpf-dev bpftool libelf-dev libdw-dev
      libiberty-dev libncurses-dev libmicrohttpd-dev libprotobuf-c-dev protobuf-c-compiler
      zlib1g-dev libcmocka-dev linux-perf tmux chromium nodejs python3 hyperfine
      libclang-rt-14-dev binutils elfutils procps time
      libjansson-dev libexpat1-dev wrk golang-go golang-github-google-pprof-dev
      sqlite3 xz-utils libcurl4-openssl-dev libyajl-dev strace liblzma-dev libbz2-dev)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	echo "installing: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm
# playwright-core drives Debian's chromium in the browser tests (no browser download).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$ROOT/tests/browser/node_modules/playwright-core" ] || [ ! -d "$ROOT/tests/browser/node_modules/speedscope" ]; then
	(cd "$ROOT/tests/browser" && npm install --no-audit --no-fund --silent)
fi
# Google's pprof tool, built offline from Debian's Go sources (tests/e2e/t_formats.sh, bench).
[ -x "$ROOT/build/tools/pprof" ] || make -s -C "$ROOT" pprof-tool
