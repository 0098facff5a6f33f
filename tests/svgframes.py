#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Prints the frames of a flame graph SVG, one per line, sorted by y then x:
#   title|x|y|width|height|fill|label      (after a first "height H" line)
# Works for scorch's and flamegraph.pl's SVGs, so tests can compare them.
import re
import sys

s = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
m = re.search(r'<svg[^>]*height="([^"]+)"', s)
print("height", m.group(1) if m else "?")
frames = re.search(r'<g id="frames">(.*)</g>\s*</svg>', s, re.S)
rows = []
for g in re.finditer(r'<(g|a)\b[^>]*>\s*<title>(.*?)</title>\s*<rect x="([^"]+)" y="([^"]+)" '
                     r'width="([^"]+)" height="([^"]+)" fill="([^"]+)"[^>]*>\s*'
                     r'(?:<text[^>]*>(.*?)</text>)?', frames.group(1) if frames else "", re.S):
    _, title, x, y, w, h, fill, label = g.groups()
    rows.append((float(y), float(x), "|".join([title, x, y, w, h, fill, label or ""])))
for r in sorted(rows):
    print(r[2])
