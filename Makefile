SHELL := /bin/bash
# Beryl build and test entry points. `make run` boots the kernel in QEMU;
# `make test` runs every test (host unit tests, fuzz smoke runs, race and
# coverage checks, and QEMU boot tests). Both install what they need.

GO        ?= go
KGOENV    := GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOAMD64=v1
# Kernel image at 0xffffffff80201000 (ELF header page at ...80200000 =
# physical 2 MiB); 2 MiB segment alignment gives per-segment W^X pages.
KLDFLAGS  := -T -0x7fdff000 -R 0x200000 -E beryl/boot.entry32
QEMU      ?= qemu-system-x86_64
QEMUFLAGS := -display none -no-reboot -m 512M -device isa-debug-exit,iobase=0xf4,iosize=0x04
CMDLINE   ?=
FUZZTIME  ?= 20s
APT_PKGS  := qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf gdb

.PHONY: all run test unit fuzz boottest bench iso debug deps kernel userprogs clean FORCE

all: kernel

kernel: build/beryl.elf build/beryl-test.elf userprogs bin/zxrun

# zxrun boots the kernel with a program in the bootfs (go test -exec).
bin/zxrun: FORCE
	@mkdir -p bin
	$(GO) build -o $@ ./tools/zxrun

# User programs for the boot tests: stock static Go binaries.
USERPROGS := hello crash
userprogs:
	@mkdir -p build
	for p in $(USERPROGS); do $(KGOENV) $(GO) build -o build/$$p.elf ./userspace/$$p || exit 1; done

build/beryl.elf: FORCE
	@mkdir -p build
	$(KGOENV) $(GO) build -ldflags "$(KLDFLAGS)" -o $@ ./boot/beryl
	$(GO) run ./tools/mkboot $@

build/beryl-test.elf: FORCE
	@mkdir -p build
	$(KGOENV) $(GO) build -tags kerneltest -ldflags "$(KLDFLAGS)" -o $@ ./boot/beryl
	$(GO) run ./tools/mkboot $@

# deps installs the Debian packages QEMU boots and ISO builds need.
deps:
	@missing=""; \
	command -v $(QEMU) >/dev/null || missing=1; \
	command -v grub-mkrescue >/dev/null || missing=1; \
	command -v xorriso >/dev/null || missing=1; \
	command -v mformat >/dev/null || missing=1; \
	command -v gdb >/dev/null || missing=1; \
	[ -e /usr/share/OVMF/OVMF_CODE_4M.fd ] || missing=1; \
	[ -d /usr/lib/grub/i386-pc ] || missing=1; \
	[ -d /usr/lib/grub/x86_64-efi ] || missing=1; \
	if [ -n "$$missing" ]; then \
		echo "installing $(APT_PKGS)"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PKGS) >/dev/null; \
	fi

run: deps build/beryl.elf
	$(QEMU) $(QEMUFLAGS) -serial mon:stdio -kernel build/beryl.elf -append "$(CMDLINE)"

test: deps kernel unit fuzz boottest

unit:
	$(GO) vet ./kernel/object/... ./kernel/acpi/... ./kernel/ktest/... ./boot/bootinfo/... ./mm/pmm/... ./mm/pagetable/... ./tools/... ./qemu/...
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /qemu)
	$(GO) test -count=1 -race ./kernel/object/... ./mm/pmm/... ./mm/pagetable/... ./boot/bootinfo/... ./kernel/options/... ./kernel/klog/...
	$(GO) run ./tools/covercheck -min 90 ./kernel/object

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzHandleTable$$' -fuzztime=$(FUZZTIME) ./kernel/object
	$(GO) test -run='^$$' -fuzz='^FuzzChannelMessage$$' -fuzztime=$(FUZZTIME) ./kernel/object
	$(GO) test -run='^$$' -fuzz='^FuzzParseMultiboot1$$' -fuzztime=$(FUZZTIME) ./boot/bootinfo
	$(GO) test -run='^$$' -fuzz='^FuzzParseMultiboot2$$' -fuzztime=$(FUZZTIME) ./boot/bootinfo

boottest: kernel
	$(GO) test -count=1 -v -timeout 20m ./qemu/ 2>&1 | tee build/boottest.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|\s+\S+_test.go)' ; \
	status=$${PIPESTATUS[0]}; exit $$status

bench: deps kernel
	$(GO) test -run='^$$' -bench=. -benchtime=1x ./qemu/
	$(GO) test -run='^$$' -bench=. -benchmem ./kernel/object/ ./mm/pmm/ ./mm/pagetable/

clean:
	rm -rf build bin

FORCE:
