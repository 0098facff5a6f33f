#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Turns a text asset into a C header holding it as one string: embed.py IN OUT NAME
import sys
src, dst, name = sys.argv[1:4]
text = open(src, encoding="utf-8").read()
out = ["/* SPDX-License-Identifier: MIT */",
       "/* Generated from %s by scripts/embed.py; edit the source, not this file. */" % src.split("/")[-1],
       "static const char %s[] =" % name]
for line in text.split("\n"):
    out.append('\t"' + line.replace("\\", "\\\\").replace('"', '\\"') + '\\n"')
out[-1] += ";"
open(dst, "w").write("\n".join(out) + "\n")
