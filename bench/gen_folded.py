#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes a folded profile with N distinct stacks (default 200000), deterministic and shaped
# like a real one: stacks are paths through a random call tree (a few process roots, a wide
# fan-out near the top, depth 10-60), with C++-, kernel- and C-like function names.
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
rng = random.Random(42)
words = ["alloc", "free", "read", "write", "parse", "hash", "lookup", "insert", "render",
         "flush", "encode", "decode", "sort", "merge", "scan", "poll", "wait", "send", "recv"]
names = []
for i in range(5000):
    w = rng.choice(words) + "_" + rng.choice(words)
    k = rng.random()
    if k < 0.3:
        names.append("ns%d::Class%d<int>::%s" % (i % 17, i % 97, w))
    elif k < 0.5:
        names.append("%s_%d_[k]" % (w, i))
    else:
        names.append("%s_%d" % (w, i))

children = {}


def kids(path):
    key = path
    if key not in children:
        depth = len(path)
        # wide near the root, mostly straight call chains below, branching now and then
        fan = rng.randint(4, 12) if depth < 3 else (1 if rng.random() < 0.8 else rng.randint(2, 6))
        children[key] = [rng.choice(names) for _ in range(fan)]
    return children[key]


roots = ("app", "worker_thread", "io-loop", "java", "swapper")
seen = set()
out = []
while len(out) < n:
    path = (rng.choice(roots),)
    target = rng.randint(8, 40)
    while len(path) < target:
        path = path + (rng.choice(kids(path)),)
    key = ";".join(path)
    if key in seen:
        continue
    seen.add(key)
    out.append("%s %d" % (key, rng.randint(1, 500)))
rng.shuffle(out)
sys.stdout.write("\n".join(out) + "\n")
