#!/usr/bin/env ruby
# SPDX-License-Identifier: GPL-2.0
#
# A preforking Ruby server in miniature (unicorn or puma with preload_app):
# the parent loads the application, here a large graph of records, then
# forks workers.  Each worker serves a little work, touching a small sample
# of the graph and allocating some garbage, and a full GC runs in it, as it
# does sooner or later in any long-lived worker.  Run it under
#
#    cowstat run -- ruby ruby-gc-workers.rb [--gc none|start|compact]
#
# to see how many pages each worker copies from its parent.
#
#   none     fork at once.  The graph's objects are young: the first GC in a
#            worker that they survive writes their age into every object's
#            header (its flags word), so every page of the graph is copied.
#   start    GC.start four times before forking (what nakayoshi_fork does):
#            the objects are promoted to the old generation first, and a
#            worker's collections mark them in bitmaps outside the pages.
#   compact  as start, then GC.compact: the survivors are also moved
#            together, out of the pages the garbage left half empty, where a
#            worker's own allocations would otherwise land.
#
# See Documentation/case-studies.rst.
require "optparse"

opts = { gc: "none", records: 100_000, workers: 2, sample: 100, garbage: 20_000 }
OptionParser.new do |o|
  o.on("--gc MODE", %w[none start compact],
       "before forking: none, start (GC.start x4), compact (and GC.compact)") { |v| opts[:gc] = v }
  o.on("--records N", Integer, "records in the graph (default 100000)") { |v| opts[:records] = v }
  o.on("--workers N", Integer, "workers to fork (default 2)") { |v| opts[:workers] = v }
  o.on("--sample N", Integer, "records each worker reads (default 100)") { |v| opts[:sample] = v }
  o.on("--garbage N", Integer, "short-lived strings a worker allocates (default 20000)") { |v| opts[:garbage] = v }
  o.on("--arrays", "records as arrays, not hashes") { opts[:arrays] = true }
  o.on("--show-maps", "print the mappings of 4 MiB or more once the graph is built") { opts[:maps] = true }
end.parse!

# No collection while loading: one would run at a point set by allocation
# counts and age part of the graph, so what a worker's GC then writes would
# depend on when it happened.  The application loads and forks straight
# away, as a server booted without any GC tuning does.
GC.disable

# Records as a loaded application holds them: a hash, a string and an array
# each, interleaved with garbage of the kind loading leaves behind (strings
# built and dropped), which GC before fork frees, leaving holes in the pages.
graph = []
opts[:records].times do |i|
  name = "item-#{i}"
  graph << (opts[:arrays] ? [i, name, [name, i]] : { id: i, name: name, tags: [name, i] })
  "scratch-#{i}".upcase
end
# Still with GC disabled: reading the maps allocates, and a collection now
# would age the graph.
if opts[:maps]
  File.foreach("/proc/self/maps") do |line|
    range, _, _, _, _, name = line.split(" ", 6)
    lo, hi = range.split("-").map(&:hex)
    next if hi - lo < 4 << 20

    $stderr.puts(format("%x-%x %d pages %s", lo, hi, (hi - lo) >> 12, name.to_s.strip).rstrip)
  end
end
GC.enable

case opts[:gc]
when "start"
  4.times { GC.start }
when "compact"
  4.times { GC.start }
  GC.compact
end

# Nothing buffered for the workers to inherit and write a second time.
$stdout.flush
workers = Array.new(opts[:workers]) do
  fork do
    # A request: read a fixed sample of the graph (the same every run),
    # allocate short-lived strings, then a full collection.
    step = [1, graph.size / opts[:sample]].max
    total = 0
    0.step(graph.size - 1, step) { |i| total += graph[i][opts[:arrays] ? 0 : :id] }
    opts[:garbage].times { |i| "request-#{i}".upcase }
    GC.start
    # exit!: no finalizers or teardown, which would walk the heap and
    # hide the effect.
    exit!(total >= 0 ? 0 : 1)
  end
end

ok = workers.all? { |pid| Process.wait2(pid)[1].success? }
exit(ok ? 0 : 1)
