#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# A preforking server in miniature: the parent builds a large object graph
# (as an application does when it imports its code and loads its data), then
# forks workers.  Each worker handles a little work, touching a small sample
# of the graph, and the cyclic garbage collector runs in it, as it does
# sooner or later in any long-lived worker.  Run it under
#
#    cowstat run -- python3 python-gc-workers.py [--freeze]
#
# to see how many pages each worker copies from its parent.  The collector
# writes to the header of every object it tracks (gc_refs, and the list
# links as it moves objects between generations), so without --freeze one
# collection in a worker copies every page that holds a container.  With
# --freeze the parent calls gc.freeze() just before forking: the graph moves
# to the permanent generation, which collections skip, and the worker
# copies only what its own work touches.  See Documentation/case-studies.rst.
import argparse
import gc
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--freeze", action="store_true",
                    help="call gc.freeze() in the parent before forking")
parser.add_argument("--records", type=int, default=50000,
                    help="records in the graph, each a dict, a list and a "
                    "tuple (default: %(default)s)")
parser.add_argument("--workers", type=int, default=2,
                    help="workers to fork (default: %(default)s)")
parser.add_argument("--sample", type=int, default=100,
                    help="records each worker reads (default: %(default)s)")
args = parser.parse_args()

# No automatic collection while building: one would run at a point set by
# allocation counts and move the survivors to an older generation, so the
# parent's heap, and what a worker's collection then writes, would depend
# on when it happened.  A server's graph has long been collected and aged
# by the time it forks; gc.collect() below gives the same state every run.
gc.disable()

# Small containers of ints and strings: records, as a loaded application
# holds them.  The collector tracks each dict and list; the tuple of ints it
# stops tracking at the first collection, as it can never be in a cycle.
graph = []
for i in range(args.records):
    name = "item-%d" % i
    graph.append({"id": i, "name": name, "tags": [name, i], "pos": (i, -i)})
gc.collect()
if args.freeze:
    # What gunicorn's and uWSGI's hooks, or the application itself, should
    # do just before forking workers: move everything to the permanent
    # generation.  gc.enable() below does not undo it.
    gc.freeze()

# Nothing buffered for the workers to inherit and write a second time.
sys.stdout.flush()
workers = []
for _ in range(args.workers):
    pid = os.fork()
    if pid == 0:
        gc.enable()
        # Each worker reads a fixed sample (the same for every run, so
        # that runs compare), which writes the reference counts of the
        # objects it touches, as any request does.
        step = max(1, len(graph) // args.sample)
        total = sum(graph[i]["id"] for i in range(0, len(graph), step))
        gc.collect()
        # _exit: no interpreter teardown, which would decrement (and so
        # write) every object's reference count and hide the effect.
        os._exit(0 if total >= 0 else 1)
    workers.append(pid)

status = 0
for pid in workers:
    _, st = os.waitpid(pid, 0)
    status |= os.waitstatus_to_exitcode(st)
sys.exit(1 if status else 0)
