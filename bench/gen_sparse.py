#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Folded profiles with few shared prefixes, for bench/offline.sh (issue 13's cases):
#   gen_sparse.py sparse N   N distinct stacks, 3 to 40 frames, each frame drawn from 3,500
#                            names independently (about 320 bytes a line: 200,000 -> ~62 MB)
#   gen_sparse.py tiny N     N distinct short stacks (2 to 4 frames, ~30 bytes a line)
# Deterministic (seeded), lines shuffled as an unsorted capture would be.
import random
import sys

mode = sys.argv[1]
n = int(sys.argv[2])
rng = random.Random(13)
words = ["alloc", "free", "read", "write", "parse", "hash", "lookup", "insert", "render",
         "flush", "encode", "decode", "sort", "merge", "scan", "poll", "wait", "send", "recv"]
out = sys.stdout
if mode == "sparse":
    names = ["%s_%s_%d" % (rng.choice(words), rng.choice(words), i) for i in range(3500)]
    seen = set()
    lines = []
    while len(lines) < n:
        depth = rng.randint(3, 40)
        key = ";".join(rng.choice(names) for _ in range(depth))
        if key in seen:
            continue
        seen.add(key)
        lines.append("%s %d\n" % (key, rng.randint(1, 500)))
    rng.shuffle(lines)
    out.write("".join(lines))
elif mode == "tiny":
    # line i names its frames by the base-K digits of a permutation of i: all distinct
    k = 3163
    names = ["fn_%d" % i for i in range(k)]
    mult = 2654435761 % (k * k * k)
    chunk = []
    for i in range(n):
        j = (i * mult) % (k * k * k)
        a, b, c = j % k, (j // k) % k, j // (k * k)
        if i % 3 == 0:
            s = "%s;%s;%s;%s" % (names[c], names[b], names[a], names[i % 7])
        elif i % 3 == 1:
            s = "%s;%s;%s" % (names[c], names[b], names[a])
        else:
            s = "%s;%s;%s;%s;x" % (names[c], names[b], names[a], names[(i >> 3) % 11])
        chunk.append("%s %d\n" % (s, 1 + i % 97))
        if len(chunk) == 100000:
            out.write("".join(chunk))
            chunk = []
    out.write("".join(chunk))
else:
    sys.exit("usage: gen_sparse.py sparse|tiny N")
