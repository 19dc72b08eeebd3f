# SPDX-License-Identifier: GPL-2.0
#
# cowstat: out-of-tree module, tool, selftests and docs.
#
#   make                      build cowstat.ko against KDIR, and the tool
#   make modules_install      install cowstat.ko under /lib/modules
#   make install              install the tool and man pages (PREFIX, DESTDIR)
#   make stage DEST=DIR       copy the module's sources, as DKMS builds them, to DIR
#   make deb                  the cowstat and cowstat-dkms packages, in build/deb
#   make demo                 boot a Debian kernel in QEMU and show /proc/cowstat
#   make check                every test, on both Debian LTS kernels, in QEMU
#   make check-debug          the tests on 6.12 and 7.x debug builds (lockdep +
#                             KASAN, lockdep + KCSAN)
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

# The one rule for what a build of the module needs (DKMS, the package, the
# lint and per-kernel builds): a file that is already the same is left as it
# is, so that kbuild sees no change.
MODULE_SOURCES := $(wildcard module/*.c module/*.h) module/Kbuild
stage:
	@test -n "$(DEST)" || { echo "make stage: set DEST=<directory>" >&2; exit 1; }
	install -d "$(DEST)/module"
	install -C -m 644 Kbuild dkms.conf "$(DEST)/"
	install -C -m 644 $(MODULE_SOURCES) "$(DEST)/module/"

deb:
	scripts/package/deb

check:
	scripts/check

check-debug:
	scripts/checks/check-debug

lint:
	scripts/checks/lint

bench:
	scripts/bench/bench

stress:
	scripts/checks/stress

demo:
	scripts/demo

clean:
	-test -e $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools clean
	rm -rf build selftests/cowstat_test

.PHONY: all modules modules_install tools install stage deb check check-debug lint bench stress demo clean
