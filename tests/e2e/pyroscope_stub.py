#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A loopback stand-in for Pyroscope's POST /ingest, for tests/e2e/t_push.sh. It checks each
# request the way Pyroscope parses it (name as app{labels}, from/until as unix seconds, format,
# a body that decodes: gzip'd protobuf for pprof, "stack count" lines for folded) and records
# every request, accepted or not, as one JSON line in LOG; pprof bodies are kept as files.
#   pyroscope_stub.py PORTFILE LOG [--fail N] [--status CODE] [--refuse-pprof]
# --fail N answers the first N requests with CODE (500) before accepting.
import gzip
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

portfile, log = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
fail_n = int(args[args.index("--fail") + 1]) if "--fail" in args else 0
fail_code = int(args[args.index("--status") + 1]) if "--status" in args else 500
refuse_pprof = "--refuse-pprof" in args
lock = threading.Lock()
count = [0]

NAME = re.compile(r"^([A-Za-z0-9_.\-]+)\{((?:[A-Za-z_][A-Za-z0-9_.]*=[^,{}]*)(?:,[A-Za-z_][A-Za-z0-9_.]*=[^,{}]*)*)?\}$")


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, i


def fields(b):
    """(field, wiretype, value) of one protobuf message; value is int or bytes."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        yield f, wt, v


def packed(wt, v):
    if wt == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append(x)
    return out


def pprof_folded(raw, types=None):
    """profile.proto -> {"root;...;leaf": first sample value}, decoded independently; the
    sample types ("type/unit") go to the list types when given."""
    b = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    strings, samples, locs, funcs, stypes = [], [], {}, {}, []
    for f, wt, v in fields(b):
        if f == 6:
            strings.append(v.decode("utf-8", "replace"))
        elif f == 1:
            d = dict((a, c) for a, _, c in fields(v))
            stypes.append((d.get(1, 0), d.get(2, 0)))
        elif f == 2:
            ids, vals = [], []
            for sf, swt, sv in fields(v):
                if sf == 1:
                    ids += packed(swt, sv)
                elif sf == 2:
                    vals += packed(swt, sv)
            samples.append((ids, vals))
        elif f == 4:
            lid, lines = 0, []
            for lf, lwt, lv in fields(v):
                if lf == 1:
                    lid = lv
                elif lf == 4:
                    fid = dict((a, c) for a, _, c in fields(lv)).get(1, 0)
                    lines.append(fid)
            locs[lid] = lines
        elif f == 5:
            d = dict((a, c) for a, _, c in fields(v))
            funcs[d.get(1, 0)] = d.get(2, 0)
    if types is not None:
        types.extend("%s/%s" % (strings[t], strings[u]) for t, u in stypes)
    out = {}
    for ids, vals in samples:
        names = []
        for lid in reversed(ids):  # leaf first in pprof
            for fid in reversed(locs[lid]):  # lines: innermost first
                names.append(strings[funcs[fid]])
        key = ";".join(names)
        out[key] = out.get(key, 0) + vals[0]
    return out


def folded_lines(body):
    out = {}
    for line in body.decode().splitlines():
        if not line:
            continue
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            raise ValueError("bad folded line %r" % line)
        out[stack] = out.get(stack, 0) + int(n)
    return out


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query, keep_blank_values=True)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            count[0] += 1
            n = count[0]
        rec = {"n": n, "path": u.path, "query": {k: v[0] for k, v in q.items()},
               "headers": {k.lower(): v for k, v in self.headers.items()}, "bytes": len(body)}
        status, problem = 200, None
        fmt = q.get("format", ["folded"])[0]
        try:
            if u.path != "/ingest":
                raise ValueError("path %s" % u.path)
            m = NAME.match(q.get("name", [""])[0])
            if not m:
                raise ValueError("name %r" % q.get("name"))
            rec["app"], rec["labels"] = m.group(1), m.group(2) or ""
            for k in ("from", "until"):
                if not re.fullmatch(r"\d{9,11}", q.get(k, [""])[0]):
                    raise ValueError("%s %r is not unix seconds" % (k, q.get(k)))
            if fmt == "pprof":
                rec["sample_types"] = []
                stacks = pprof_folded(body, rec["sample_types"])
            elif fmt == "folded":
                stacks = folded_lines(body)
            else:
                raise ValueError("format %r" % fmt)
            rec["stacks"] = stacks
        except Exception as e:  # noqa: BLE001 - every defect is a 400, as Pyroscope does
            status, problem = 400, str(e)
        if status == 200 and n <= fail_n:
            status, problem = fail_code, "told to fail"
        elif status == 200 and refuse_pprof and fmt == "pprof":
            status, problem = 415, "pprof refused by --refuse-pprof"
        rec["status"], rec["problem"] = status, problem
        with lock:
            with open(log, "a") as f:
                f.write(json.dumps(rec) + "\n")
        msg = (problem or "ok").encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)


srv = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
