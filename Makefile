# SPDX-License-Identifier: GPL-2.0-only
#
# fathom: top-level build. The kernel module itself is described by Kbuild;
# this file drives it, the user-space tool, the tests and the guest VMs.
#
#   make                  module (for KVER) and the fathom tool
#   make module KVER=...  the module for another installed kernel
#   make modules-all      the module for every kernel in the test matrix
#   make deps             install build and test dependencies (Debian)
#   make check            set up, then run every test; ends "N passed, N failed"
#   make demo             set up, boot a guest, load the module, run fathom
#   make lint             checkpatch --strict, clang-format, sparse
#   make fuzz             fuzz the verifier and VM (FUZZ_SECONDS=60)
#   make test-vm          an interactive shell in a guest with the module
#   make install          install module and tool on this host
#   make dkms-install     register the module source with DKMS
#
# The module builds out of the source tree, in build/modules/$(KVER)/, so
# several kernels' builds coexist; the last one is copied to kmod/fathom.ko.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# The running kernel when its headers are installed, else the newest
# installed headers.
KVER ?= $(shell k=$$(uname -r); \
	if [ -e /lib/modules/$$k/build/Makefile ]; then echo $$k; \
	else $(TOP)/scripts/kernels --headers | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build
MODDIR := $(TOP)/build/modules/$(KVER)
VERSION := $(shell $(TOP)/scripts/version)
PREFIX ?= /usr/local

KMOD_SOURCES := Kbuild VERSION kmod uapi

all: module user

# Copy the module's sources to the per-kernel build directory (keeping
# timestamps, so kbuild rebuilds only what changed), then run kbuild there.
module:
	@test -e $(KDIR)/Makefile || { echo "no kernel headers at $(KDIR): run 'make deps' or set KVER/KDIR" >&2; exit 1; }
	@mkdir -p $(MODDIR)
	@cp -a $(KMOD_SOURCES) $(MODDIR)/
	$(MAKE) -C $(KDIR) M=$(MODDIR) FATHOM_VERSION=$(VERSION) W=1 modules
	@cp $(MODDIR)/fathom.ko $(TOP)/kmod/fathom.ko

modules-all:
	@set -e; for k in $$($(TOP)/scripts/kernels --list); do \
		$(MAKE) --no-print-directory module KVER=$$k; done

user:
	$(MAKE) -C user

selftests: user
	$(MAKE) -C selftests

deps:
	$(TOP)/scripts/setup

check:
	$(TOP)/scripts/check

demo:
	$(TOP)/scripts/demo

lint:
	$(TOP)/scripts/lint

fuzz:
	$(MAKE) -C user/tests/vm fuzz

# VM micro-benchmark on the host, then every per-event, startup and
# scaling figure in one guest boot (bench/run); both rewrite RESULTS.md.
bench:
	$(MAKE) -C user/tests/vm bench
	$(TOP)/bench/run

test-vm: module user
	$(TOP)/scripts/vm --kernel $(KVER) --interactive

# DESTDIR stages everything under another root (packaging, tests).
install: module user
	$(MAKE) -C $(KDIR) M=$(MODDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	install -D -m 0755 user/fathom $(DESTDIR)$(PREFIX)/sbin/fathom
	install -D -m 0644 docs/fathom.8 $(DESTDIR)$(PREFIX)/share/man/man8/fathom.8

# DKMS gets only what builds the module: Kbuild, kmod/, uapi/, dkms.conf and
# a VERSION file holding the full version.
DKMS_DIR := /usr/src/fathom-$(VERSION)
dkms-install:
	-dkms remove -m fathom -v $(VERSION) --all >/dev/null 2>&1
	rm -rf $(DKMS_DIR)
	mkdir -p $(DKMS_DIR)
	cp -a Kbuild kmod uapi $(DKMS_DIR)/
	find $(DKMS_DIR) \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' \
		-o -name '*.mod' -o -name '*.mod.c' \) -delete
	echo '$(VERSION)' > $(DKMS_DIR)/VERSION
	sed 's/@VERSION@/$(VERSION)/' dkms.conf > $(DKMS_DIR)/dkms.conf
	dkms add -m fathom -v $(VERSION)
	@echo "now: dkms build -m fathom -v $(VERSION) && dkms install -m fathom -v $(VERSION)"

clean:
	rm -rf build/modules build/user build/selftests build/user-vm
	rm -f kmod/fathom.ko
	$(MAKE) -C user clean
	-$(MAKE) -C selftests clean

.PHONY: all module modules-all user selftests deps check demo lint fuzz \
	bench test-vm install dkms-install clean
