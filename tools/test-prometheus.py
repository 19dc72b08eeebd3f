# SPDX-License-Identifier: GPL-2.0
"""Prometheus's HTTP API beside cowstat's export, for tools/test-prometheus.sh.
A series is written NAME{LABELS} VALUE, its labels sorted, without those
Prometheus adds (job, instance) and empty ones (which Prometheus drops).
Few calls: each Python start reads its modules over the guest's 9p root.

  wait-scraped FILE SECONDS   wait until Prometheus is up and holds every
                              cowstat series of export FILE, and only those,
                              at their values
  dump DIR TIME EXPR...       instant queries, at unix time TIME ("now" for
                              now), into DIR/1, DIR/2, ..., a series a line,
                              with every sample of a range
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

URL = "http://127.0.0.1:9090/"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')
ADDED = {"job", "instance"}


def series(name, labels):
    """NAME{a="x",b="y"}: the labels sorted, empty ones and Prometheus's left out."""
    kept = sorted((k, v) for k, v in labels.items() if v != "" and k not in ADDED)
    return name + "{" + ",".join('%s=%s' % (k, json.dumps(v)) for k, v in kept) + "}"


def unescape(value):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def exported(path):
    """{series: value} of the cowstat samples of export file PATH."""
    found = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = SAMPLE.match(line.rstrip("\n"))
            if line.startswith("#") or not m or not m.group(1).startswith("cowstat_"):
                continue
            labels = {k: unescape(v) for k, v in LABEL.findall(m.group(2) or "")}
            found[series(m.group(1), labels)] = float(m.group(3))
    return found


def query(expr, at="now"):
    """{series: [value, ...]} of an instant query, now or at unix time AT: one
    value each for an instant vector, every sample in the range for a range."""
    args = {"query": expr}
    if at != "now":
        args["time"] = at
    try:
        with urllib.request.urlopen(URL + "api/v1/query?" + urllib.parse.urlencode(args),
                                    timeout=60) as r:
            d = json.load(r)
    except urllib.error.HTTPError as e:
        raise SystemExit("query %s: %s: %s" % (expr, e, e.read().decode()))
    found = {}
    for r in d["data"]["result"]:
        samples = r["values"] if "values" in r else [r["value"]]
        found[series(r["metric"].pop("__name__", ""), r["metric"])] = [float(v) for _, v in samples]
    return found


def ready(end):
    while True:
        try:
            with urllib.request.urlopen(URL + "-/ready", timeout=10) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        if time.time() > end:
            return False
        time.sleep(1)


def wait_scraped(path, seconds):
    want, end = exported(path), time.time() + float(seconds)
    if not ready(end):
        print("Prometheus not ready in %s s" % seconds)
        return 1
    while True:
        got = {s: v[0] for s, v in query('{__name__=~"cowstat_.+"}').items()}
        if got == want:
            print("%d series" % len(want))
            return 0
        if time.time() > end:
            for s in sorted(set(want) | set(got)):
                if want.get(s) != got.get(s):
                    print("%s: exported %s, Prometheus %s" % (s, want.get(s), got.get(s)))
            return 1
        time.sleep(1)


def dump(directory, pairs):
    for i in range(0, len(pairs), 2):
        with open(os.path.join(directory, str(i // 2 + 1)), "w", encoding="utf-8") as f:
            for s, values in sorted(query(pairs[i + 1], pairs[i]).items()):
                f.write("%s %s\n" % (s, " ".join("%.17g" % v for v in values)))
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "wait-scraped":
        return wait_scraped(args[0], args[1])
    if cmd == "dump":
        return dump(args[0], args[1:])
    raise SystemExit("unknown command " + cmd)


sys.exit(main())
