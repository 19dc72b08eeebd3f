# SPDX-License-Identifier: GPL-2.0
#
# cowstat: out-of-tree module, tool, selftests and docs.
#
#   make                      build cowstat.ko against KDIR, and the tool
#   make modules_install      install cowstat.ko under /lib/modules
#   make install              install the tool and man pages (PREFIX, DESTDIR)
#   make demo                 boot a Debian kernel in QEMU and show /proc/cowstat
#   make check                every test, on both Debian LTS kernels, in QEMU
#   make check-debug          the tests on a lockdep/KASAN/kmemleak 6.12 build
#   make bench                cost per fault in guest instructions (QEMU icount)
#   make stress               concurrency, resets, pid churn, load/unload cycles
#   make lint                 checkpatch, sparse, W=1, cppcheck, mandoc, sphinx
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local
DESTDIR ?=

all: modules tools

modules modules_install:
	@test -e $(KDIR)/Makefile || { echo "$(KDIR): no kernel build tree; install linux-headers-$$(uname -r) or pass KDIR=<tree>" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

tools:
	$(MAKE) -C tools

install: tools
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

check:
	scripts/check

check-debug:
	scripts/check-debug

lint:
	scripts/lint

bench:
	scripts/bench

stress:
	scripts/stress

demo:
	scripts/demo

clean:
	-test -e $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools clean
	rm -rf build selftests/cowstat_test

.PHONY: all modules modules_install tools install check check-debug lint bench stress demo clean
