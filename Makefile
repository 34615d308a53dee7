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
# QEMU_DISPLAY=gtk (or sdl, vnc=:0) shows the screen console and takes
# keyboard input there too.
QEMU_DISPLAY ?= none
# SMP sets the vCPU count of `make run` (default 2; the kernel runs
# threads on every CPU unless CMDLINE has smp=off); BERYL_SMP=N does it for
# the QEMU tests and zxrun (e.g. BERYL_SMP=4 make conformance).
SMP       ?= 2
QEMUFLAGS := -cpu max -smp $(SMP) -display $(QEMU_DISPLAY) -no-reboot -m 512M -device isa-debug-exit,iobase=0xf4,iosize=0x04
# make run's NIC: virtio-net on QEMU's user network, isolated from the
# host (restrict=on); init's PCI bus program starts its driver, which
# leases an address and pings the gateway. NETFLAGS= boots without it.
NETFLAGS  ?= -netdev user,id=net0,restrict=on -device virtio-net-pci,netdev=net0
CMDLINE   ?=
# Fuzz runs are counted, not timed: a -fuzztime duration can end in a
# spurious "context deadline exceeded" with Go 1.26 (golang/go#75804).
FUZZN     ?= 400000x
APT_PKGS  := qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf gdb

.PHONY: all run test unit fuzz fuzz-kernel soak boottest gotest-std gotest-std-short conformance bench compare iso debug deps kernel userprogs clean FORCE

all: kernel

kernel: build/beryl.elf build/beryl-test.elf userprogs bin/zxrun

# zxrun boots the kernel with a program in the bootfs (go test -exec).
bin/zxrun: FORCE
	@mkdir -p bin
	$(GO) build -o $@ ./tools/zxrun

# User programs: stock static Go binaries (build/NAME.elf for
# userspace/.../NAME). init is the first program (bin/init in the bootfs);
# hello and crash are for the boot tests; kvstore is the worked example of
# the KasperskyOS-style handles and IPC policy, secfile the one of the
# security interface and the declarative system description; kernelfuzz
# and soak are the syscall fuzzer and the soak run (make fuzz-kernel,
# make soak); pcibus is the PCI bus program and virtionetd the virtio-net
# driver it starts.
USERPROGS := init fsd hello crash examples/kvstore examples/secfile fuzz/kernelfuzz fuzz/soak drivers/pcibus drivers/virtionetd
userprogs:
	@mkdir -p build
	for p in $(USERPROGS); do $(KGOENV) $(GO) build -o build/$$(basename $$p).elf ./userspace/$$p || exit 1; done

# The boot filesystem of `make run`: init, the example programs (run one
# with e.g. CMDLINE="run=hello"), the PCI bus program and the virtio-net
# driver (init starts bin/pcibus at boot), the IPC policy and the system
# descriptions: init starts etc/system.yaml at boot (the secfile
# example's; CMDLINE="system=etc/kvstore.yaml" starts the kvstore example
# instead, "system=none" none). mkbootfs checks each description against
# the archive and the policy.
build/bootfs.cpio: userprogs FORCE
	$(GO) run ./tools/mkbootfs -o $@ bin/init=build/init.elf bin/fsd=build/fsd.elf bin/hello=build/hello.elf bin/crash=build/crash.elf \
		bin/kvstore=build/kvstore.elf bin/secfile=build/secfile.elf bin/pcibus=build/pcibus.elf bin/virtionetd=build/virtionetd.elf \
		etc/policy=userspace/etc/policy \
		etc/system.yaml=userspace/examples/secfile/system.yaml etc/kvstore.yaml=userspace/examples/kvstore/system.yaml \
		etc/kvstore-hold.yaml=userspace/examples/kvstore/system-hold.yaml \
		etc/trusted=userspace/etc/trusted

# The conformance suite: each userspace/conformance family as a `go test
# -c` binary in a boot filesystem with init, which runs them all (cmdline
# `conformance`) and prints one line per case and "N passed, N failed".
CONF_FAMILIES := $(filter-out ctest,$(notdir $(wildcard userspace/conformance/*)))
build/conformance.cpio: userprogs FORCE
	@mkdir -p build/conformance
	for f in $(CONF_FAMILIES); do $(KGOENV) $(GO) test -c -o build/conformance/$$f.test ./userspace/conformance/$$f || exit 1; done
	$(GO) run ./tools/mkbootfs -o $@ bin/init=build/init.elf bin/fsd=build/fsd.elf etc/policy=userspace/etc/policy \
		$(foreach f,$(CONF_FAMILIES),bin/conformance/$(f).test=build/conformance/$(f).test)

conformance: deps kernel build/conformance.cpio
	$(GO) test -count=1 -v -timeout 20m -run '^TestConformanceSuite$$' ./qemu/

# The spec-driven syscall fuzzer (userspace/fuzz/kernelfuzz) under zxrun:
# N calls from SEED, then the leak check. A finding prints the seed and
# the last calls; replay with FUZZFLAGS="-v-from I" or "-stop-at I".
N         ?= 100000
SEED      ?= 1
FUZZFLAGS ?=
fuzz-kernel: deps kernel
	ZXRUN_CWD=none ZXRUN_TIMEOUT=$${ZXRUN_TIMEOUT:-30m} bin/zxrun build/kernelfuzz.elf -n $(N) -seed $(SEED) $(FUZZFLAGS)

# The soak run: the fuzzer, the conformance suite in a loop and a process
# storm together for SOAK (a Go duration in one unit: 30m, 2h, 20s) of
# guest time, kernel counts every SOAK_INTERVAL, and a growth check at the
# end (userspace/fuzz/soak). zxrun gives up after twice SOAK plus 15
# minutes (TCG's guest clock falls behind on a loaded host).
SOAK          ?= 30m
SOAK_INTERVAL ?= 1m
SOAK_FILES     = bin/kernelfuzz=build/kernelfuzz.elf $(foreach f,$(CONF_FAMILIES),bin/conformance/$(f).test=build/conformance/$(f).test)
soak: deps kernel build/conformance.cpio
	ZXRUN_TIMEOUT=$$(echo $(SOAK) | awk '/h$$/{print int($$0)*120+15 "m"; next} /m$$/{print int($$0)*2+15 "m"; next} {print "15m"}') \
	ZXRUN_CWD=none ZXRUN_FILES="$(SOAK_FILES)" bin/zxrun build/soak.elf -d $(SOAK) -interval $(SOAK_INTERVAL)

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

run: deps build/beryl.elf build/bootfs.cpio
	$(QEMU) $(QEMUFLAGS) $(NETFLAGS) -serial mon:stdio -kernel build/beryl.elf -initrd build/bootfs.cpio -append "$(CMDLINE)"

test: deps kernel unit fuzz boottest gotest-std-short

# `make gotest-std`: the Go standard library's own tests of 41 packages
# inside Beryl (go test -exec bin/zxrun), STD_TIMEOUT each; prints one
# line per package and `std: N/M packages pass`. Long (tens of minutes
# under TCG); `make test` runs the short list.
STD_TIMEOUT ?= 5m
gotest-std: deps kernel
	$(GO) run ./tools/stdtests -list full -timeout $(STD_TIMEOUT) -zxrun bin/zxrun

gotest-std-short: kernel
	$(GO) run ./tools/stdtests -list short -timeout 3m -zxrun bin/zxrun

unit:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -w these files:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./kernel/object/... ./kernel/sched/... ./kernel/acpi/... ./kernel/screen/... ./kernel/ktest/... ./kernel/bootfs/... ./kernel/linux/... ./boot/bootinfo/... ./mm/pmm/... ./mm/pagetable/... ./mm/vm/... ./syscall/... ./userspace/zx/... ./userspace/launch/... ./userspace/init/... ./userspace/sysdesc/... ./userspace/fs/... ./proto/... ./userspace/examples/... ./userspace/bench/compare/... ./userspace/drivers/... ./userspace/fuzz/... ./arch/x86/zxcall/... ./tools/... ./qemu/...
	$(GO) test -count=1 $$($(GO) list ./... | grep -v -e /qemu -e /userspace/conformance/)
	$(GO) test -count=1 -race ./kernel/object/... ./mm/pmm/... ./mm/pagetable/... ./mm/vm/... ./boot/bootinfo/... ./kernel/options/... ./kernel/klog/... ./kernel/bootfs/... ./syscall/...
	$(GO) run ./tools/covercheck -min 90 ./kernel/object
	$(GO) run ./tools/confmap -check
	$(GO) run ./tools/coretests -check

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzHandleTable$$' -fuzztime=$(FUZZN) ./kernel/object
	$(GO) test -run='^$$' -fuzz='^FuzzChannelMessage$$' -fuzztime=$(FUZZN) ./kernel/object
	$(GO) test -run='^$$' -fuzz='^FuzzParseMultiboot1$$' -fuzztime=$(FUZZN) ./boot/bootinfo
	$(GO) test -run='^$$' -fuzz='^FuzzParseMultiboot2$$' -fuzztime=$(FUZZN) ./boot/bootinfo
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZN) ./kernel/bootfs
	$(GO) test -run='^$$' -fuzz='^FuzzParsePolicy$$' -fuzztime=$(FUZZN) ./kernel/object/kos
	$(GO) test -run='^$$' -fuzz='^FuzzSecurityQuery$$' -fuzztime=$(FUZZN) ./kernel/object/kos
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZN) ./userspace/sysdesc
	$(GO) test -run='^$$' -fuzz='^FuzzFindS5$$' -fuzztime=$(FUZZN) ./kernel/acpi

# The boot tests run the conformance suite three times: at the default
# 2 vCPUs (TestConformanceSuite), at -smp 1 (TestConformanceSuiteSMP1)
# and from the GRUB ISO at -smp 4 (TestConformanceISO); each prints its
# own "conformance suite (TEST, -smp N): N passed, N failed" line.
boottest: kernel
	$(GO) test -count=1 -v -timeout 30m ./qemu/ 2>&1 | tee build/boottest.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|conformance suite|core-tests|\s+\S+_test.go)' ; \
	status=$${PIPESTATUS[0]}; exit $$status

bench: deps kernel
	$(GO) test -run='^$$' -bench=. -benchtime=1x ./qemu/
	$(GO) test -run='^$$' -bench=. -benchmem ./kernel/object/ ./kernel/object/kos/ ./mm/pmm/ ./mm/pagetable/
	$(GO) test -count=1 -run='^$$' -bench=. -exec $(CURDIR)/bin/zxrun ./userspace/bench/

# `make compare`: Debian's Linux kernel (fetched once into
# build/compare/cache with apt-get download, nothing installed) and Beryl
# booted in the same QEMU configuration with the same benchmark program
# (userspace/bench/compare); prints primitive | Linux | Beryl | ratio.
# A few minutes; not part of `make test`. COMPARE_FLAGS: e.g. -reps 3 -ms 100.
COMPARE_FLAGS ?=
compare: deps kernel build/compare/compare.elf
	$(GO) run ./tools/compare -program build/compare/compare.elf -dir build/compare -zxrun bin/zxrun $(COMPARE_FLAGS)

build/compare/compare.elf: FORCE
	@mkdir -p build/compare
	$(KGOENV) $(GO) build -o $@ ./userspace/bench/compare

clean:
	rm -rf build bin

FORCE:

# --- GRUB hybrid ISO (BIOS + UEFI) and the gdb stub -----------------------
# `make iso` builds build/beryl.iso from build/beryl.elf and boot/grub/grub.cfg
# with grub-mkrescue: BIOS (SeaBIOS) and UEFI (OVMF) boot the same image, as
# a CD or a raw disk; the menu's default entry is multiboot2, the other one
# multiboot v1. CMDLINE is baked into grub.cfg; ISO_TIMEOUT is the menu wait.
# The boot tests use two more images with `ready.exit` and no wait:
# build/beryl-test.iso (multiboot2 default) and build/beryl-test-mb1.iso.
ISO_TIMEOUT ?= 1

# mkiso OUT,ENTRY-ID,TIMEOUT writes a grub-mkrescue image holding
# build/beryl.elf; the kernel command line comes in $ISO_CMDLINE (exported
# per target so make and the shell never re-quote it) and is escaped for a
# single-quoted GRUB string. The menu is text on serial and the firmware
# console, so the image carries no fonts, themes or locales (16 MB, not 27).
define mkiso
	@rm -rf build/iso/$(notdir $(1)) && mkdir -p build/iso/$(notdir $(1))/boot/grub
	@cp build/beryl.elf build/iso/$(notdir $(1))/boot/beryl.elf
	@if [ -n "$(4)" ]; then cp $(4) build/iso/$(notdir $(1))/boot/bootfs.cpio; fi
	@{ echo "set default=$(2)"; echo "set timeout=$(3)"; \
	  printf "set beryl_cmdline='%s'\n" "$${ISO_CMDLINE//\'/\'\\\'\'}"; \
	  cat boot/grub/grub.cfg; } > build/iso/$(notdir $(1))/boot/grub/grub.cfg
	grub-mkrescue --locales= --fonts= --themes= -o $(1) build/iso/$(notdir $(1)) >build/iso/$(notdir $(1)).log 2>&1 || \
		{ cat build/iso/$(notdir $(1)).log; exit 1; }
endef

iso: deps build/beryl.iso

# The boot filesystem on the ISO: init and the examples by default; for the
# conformance suite on hardware:
#   make iso ISO_BOOTFS=build/conformance.cpio CMDLINE="conformance test.ram.reserve=0x10000"
ISO_BOOTFS ?= build/bootfs.cpio

build/beryl.iso: export ISO_CMDLINE = $(CMDLINE)
build/beryl.iso: build/beryl.elf boot/grub/grub.cfg $(ISO_BOOTFS)
	$(call mkiso,$@,beryl-mb2,$(ISO_TIMEOUT),$(ISO_BOOTFS))

# The conformance suite from a GRUB ISO, as hardware runs it (boot test).
build/beryl-conformance.iso: export ISO_CMDLINE = conformance loglevel=warn test.ram.reserve=0x10000
build/beryl-conformance.iso: deps build/beryl.elf boot/grub/grub.cfg build/conformance.cpio
	$(call mkiso,$@,beryl-mb2,0,build/conformance.cpio)

build/beryl-test.iso: export ISO_CMDLINE = ready.exit
build/beryl-test.iso: deps build/beryl.elf boot/grub/grub.cfg
	$(call mkiso,$@,beryl-mb2,0)

build/beryl-test-mb1.iso: export ISO_CMDLINE = ready.exit
build/beryl-test-mb1.iso: deps build/beryl.elf boot/grub/grub.cfg
	$(call mkiso,$@,beryl-mb1,0)

# The screen, keyboard and shell tests (qemu/screen_test.go) boot init's
# shell from an ISO with the default boot filesystem.
build/beryl-shell.iso: export ISO_CMDLINE = bogus.screen.option=1 system=none
build/beryl-shell.iso: deps build/beryl.elf boot/grub/grub.cfg build/bootfs.cpio
	$(call mkiso,$@,beryl-mb2,0,build/bootfs.cpio)

# The ISO boot tests (qemu/iso_test.go) run with the other boot tests.
boottest: build/beryl-test.iso build/beryl-test-mb1.iso build/conformance.cpio build/beryl-conformance.iso build/beryl-shell.iso

# `make debug` boots build/beryl.elf like `make run`, but QEMU starts halted
# with its gdb stub on :1234 (-s -S). In a second terminal, from the
# repository root: `gdb -x boot/gdb/beryl.gdb` (symbols, architecture,
# target remote :1234, a hardware breakpoint on main.main), then `continue`.
debug: deps build/beryl.elf
	@echo "QEMU halted, gdb stub on :1234; attach with: gdb -x boot/gdb/beryl.gdb   (Ctrl-A x quits QEMU)"
	$(QEMU) $(QEMUFLAGS) -serial mon:stdio -kernel build/beryl.elf -append "$(CMDLINE)" -s -S
