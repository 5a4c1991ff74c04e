# Build, run, test and grade the kernel. Everything is built out of tree under $(BUILD).
# `make help` lists the targets. Missing tools are installed on first use by tools/deps.sh.

BUILD ?= build
CPUS ?= 4
MEM ?= 256M
LAB ?=
GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)
BOOTARGS ?=
# The disk `make qemu` attaches: the image built from user/rootfs and the programs, or any
# other ext2 image (DISK=path.img); DISK_RO=1 attaches it read-only.
DISK ?= $(BUILD)/disk.img
DISK_RO ?=
DISK_SIZE ?= 64M
Q ?= @
# Checked builds: *_locked functions assert their lock, every acquisition is checked against the
# lock order (kernel/lock_order.h), and every syscall's status is checked for internal values
# leaking out (kernel/syscalls/syscall.cc). On for every build `make test` runs; `make bench`
# builds a second kernel without them under $(BUILD)/bench, so the figures measure the kernel alone.
LOCK_CHECKS ?= 1

# --- toolchain -------------------------------------------------------------------------------
ifndef TOOLPREFIX
TOOLPREFIX := $(shell if command -v riscv64-linux-gnu-g++ >/dev/null 2>&1; then echo riscv64-linux-gnu-; \
	elif command -v riscv64-unknown-elf-g++ >/dev/null 2>&1; then echo riscv64-unknown-elf-; \
	else echo riscv64-linux-gnu-; fi)
endif
CXX := $(TOOLPREFIX)g++
LD := $(TOOLPREFIX)ld
NM := $(TOOLPREFIX)nm
OBJDUMP := $(TOOLPREFIX)objdump
HOSTCXX ?= g++
PYTHON ?= python3
QEMU ?= qemu-system-riscv64
OPENSBI := $(firstword $(wildcard /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf) default)

ARCHFLAGS := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
KCXXFLAGS := -std=c++20 $(ARCHFLAGS) $(WARN) -O2 -g -ffreestanding -fno-exceptions -fno-rtti \
	-fno-threadsafe-statics -fno-use-cxa-atexit -fno-omit-frame-pointer -fno-stack-protector \
	-fno-pie -fno-builtin -fcheck-new -fno-strict-aliasing -fno-asynchronous-unwind-tables -nostdlib \
	-I. -MMD -MP -DKERNEL_LOCK_CHECKS=$(LOCK_CHECKS)
KASFLAGS := $(ARCHFLAGS) -I. -MMD -MP -D__ASSEMBLY__ -g
HOSTCXXFLAGS := -std=c++20 $(WARN) -O1 -g -DKERNEL_HOST_TEST -I. -MMD -MP

# --- sources ---------------------------------------------------------------------------------
# Kernel: every .cc and .S under the kernel trees. Host tests: the architecture-independent
# core (listed in HOST_CORE) plus tests/host.
KSRCS := $(sort $(shell find kernel mm pager -name '*.cc' -o -name '*.S' 2>/dev/null))
HOST_CORE := $(sort $(wildcard kernel/lib/*.cc kernel/object/handle_table.cc kernel/object/dispatcher.cc) $(wildcard mm/pmm.cc mm/heap.cc mm/page_table.cc mm/vm_page_list.cc mm/region_tree.cc pager/request_tracker.cc user/fs/ext2.cc))
# The virtio ring and block request layer (user/fs): freestanding, so the host tests run it
# against a simulated device.
HOST_CORE += $(wildcard user/fs/virtqueue.cc user/fs/virtio_mmio.cc user/fs/virtio_blk.cc)
# SHA-256 (user/lib, for sha256sum): checked against the FIPS 180-4 vectors and sha256sum.
HOST_CORE += user/lib/sha256.cc
HOST_TESTS := $(sort $(wildcard tests/host/*.cc))

KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS))
HOBJS := $(patsubst %,$(BUILD)/host/%.o,$(HOST_CORE) $(HOST_TESTS))

DEPS_STAMP := $(BUILD)/.deps-ok
# Each object's dependency file names it both relative to this directory and absolutely: graders
# and check-labs build with BUILD=/absolute/path, and a .d file naming only one form would be
# ignored by a later build given the other, which then misses header changes.
DEPNAMES = -MT $(patsubst $(CURDIR)/%,%,$(abspath $@)) -MT $(abspath $@)

.PHONY: all kernel disk check-disk check-machine qemu qemu-gdb gdb test host-test qemu-test grade handout \
	check-labs bench format format-check clean help deps compile_commands diagrams
all: kernel disk compile_commands

help:
	@echo "make            build the kernel ($(BUILD)/kernel.elf), the disk and compile_commands.json"
	@echo "make qemu       boot the kernel on CPUS=$(CPUS) harts with MEM=$(MEM) (Ctrl-A X quits)"
	@echo "                with the disk $(BUILD)/disk.img; DISK=path.img boots with another ext2"
	@echo "                image, DISK_RO=1 attaches it read-only"
	@echo "make disk       build the ext2 disk image $(BUILD)/disk.img (user/rootfs + /bin/PROGRAM)"
	@echo "make qemu-gdb   boot stopped at the first instruction, waiting for gdb on port $(GDBPORT)"
	@echo "make gdb        attach gdb-multiarch with kernel symbols to a running qemu-gdb"
	@echo "make test       host unit tests, in-QEMU self tests at CPUS=1 and 4, fault tests, lab checks"
	@echo "make grade LAB=N     run lab N's grader on this tree"
	@echo "make handout LAB=N   write the lab N handout tree to $(BUILD)/handout/labN"
	@echo "make check-labs      every grader fails on its handout, passes on earlier and reference"
	@echo "make bench      instruction counts of kernel primitives under -icount, built without lock checks (writes $(BUILD)/bench/bench.txt)"
	@echo "make format     clang-format every source file"
	@echo "make diagrams   render docs/diagrams/*.dot to SVG with Graphviz (commit the SVGs)"

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh
	$(Q)bash tools/deps.sh
	$(Q)mkdir -p $(BUILD) && touch $@

# --- userspace (user/user.mk builds the C library, the programs and the boot image) ----------
include user/user.mk

# --- kernel ----------------------------------------------------------------------------------
kernel: $(BUILD)/kernel.elf

# The boot image goes into the kernel image (userboot starts init from it).
$(BUILD)/bootfs_blob.S: $(BOOTFS)
	$(Q)printf '.section .rodata.bootfs, "a"\n.balign 4096\n.globl bootfs_image_start\n.globl bootfs_image_end\nbootfs_image_start:\n.incbin "%s"\nbootfs_image_end:\n' "$(abspath $(BOOTFS))" > $@
$(BUILD)/bootfs_blob.o: $(BUILD)/bootfs_blob.S $(BOOTFS)
	$(Q)$(CXX) $(KASFLAGS) -c $< -o $@ $(DEPNAMES)

$(BUILD)/k/%.cc.o: %.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	$(Q)$(CXX) $(KCXXFLAGS) -c $< -o $@ $(DEPNAMES)

$(BUILD)/k/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CXX) $(KASFLAGS) -c $< -o $@ $(DEPNAMES)

# The kernel links twice: the first link gives the addresses of every function, which
# tools/gensyms.py turns into a symbol table for backtraces; the second link places that table
# after everything else, so no function moves between the two links (the script checks).
LDSCRIPT := kernel/arch/riscv/kernel.ld
$(BUILD)/kernel.elf: $(KOBJS) $(BUILD)/bootfs_blob.o $(LDSCRIPT) tools/gensyms.py
	@echo "  LD      $@"
	$(Q)$(PYTHON) tools/gensyms.py --empty > $(BUILD)/ksyms0.S
	$(Q)$(CXX) $(KASFLAGS) -c $(BUILD)/ksyms0.S -o $(BUILD)/ksyms0.o
	$(Q)$(LD) -nostdlib -T $(LDSCRIPT) -o $(BUILD)/kernel.pass1.elf $(KOBJS) $(BUILD)/bootfs_blob.o $(BUILD)/ksyms0.o
	$(Q)$(NM) -n --defined-only -C $(BUILD)/kernel.pass1.elf > $(BUILD)/kernel.pass1.sym
	$(Q)$(PYTHON) tools/gensyms.py $(BUILD)/kernel.pass1.sym > $(BUILD)/ksyms.S
	$(Q)$(CXX) $(KASFLAGS) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	$(Q)$(LD) -nostdlib -T $(LDSCRIPT) -o $@ $(KOBJS) $(BUILD)/bootfs_blob.o $(BUILD)/ksyms.o
	$(Q)$(NM) -n --defined-only -C $@ > $(BUILD)/kernel.sym
	$(Q)$(PYTHON) tools/gensyms.py --check $(BUILD)/kernel.pass1.sym $(BUILD)/kernel.sym
	$(Q)$(OBJDUMP) -S $@ > $(BUILD)/kernel.asm

# The disk is a modern (virtio-mmio version 2) virtio-blk device, as tests/qemu/qemu.py's
# virtio_blk_args() attaches it: QEMU's virt machine makes legacy devices unless told otherwise.
comma := ,
DISK_READONLY := $(if $(filter-out 0 no,$(DISK_RO)),$(comma)readonly=on)
QEMUDISK = -global virtio-mmio.force-legacy=false \
	-drive file=$(DISK),if=none,format=raw,id=disk0$(DISK_READONLY) -device virtio-blk-device,drive=disk0
QEMUCMD = $(QEMU) -machine virt -cpu rv64 -smp $(CPUS) -m $(MEM) -nographic -bios $(OPENSBI) \
	-kernel $(BUILD)/kernel.elf $(if $(BOOTARGS),-append "$(BOOTARGS)") $(QEMUDISK)

# The machine sizes the kernel and its firmware support, checked before QEMU starts: at most
# kMaxCpus harts (more would be left idle); at least 35 MiB of RAM, because OpenSBI's fw_jump
# copies the device tree to 34 MiB past the start of RAM (its FW_JUMP_FDT_ADDR) and with less
# RAM faults in M-mode before anything is printed. (Below that the kernel itself needs 3 MiB
# free; it says so and powers off, which `mem=` in BOOTARGS shows.) MEM is QEMU's -m: a number
# of MiB with an optional K, M, G or T suffix.
MAX_CPUS := $(shell sed -n 's/.*kMaxCpus = \([0-9]*\);.*/\1/p' kernel/arch/riscv/cpu.h)
MIN_MEM_MIB := 35
check-machine:
	@cpus='$(CPUS)'; mem='$(MEM)'; \
	case "$$cpus" in ''|*[!0-9]*) echo "CPUS=$$cpus is not a number of harts"; exit 2;; esac; \
	if [ "$$cpus" -lt 1 ] || [ "$$cpus" -gt $(MAX_CPUS) ]; then \
	  echo "CPUS=$$cpus: this kernel runs 1 to $(MAX_CPUS) harts (kMaxCpus in kernel/arch/riscv/cpu.h)"; exit 2; fi; \
	num=$${mem%[kKmMgGtT]}; unit=$${mem#"$$num"}; \
	case "$$num" in ''|*[!0-9]*) echo "MEM=$$mem is not a size such as 256M or 1G"; exit 2;; esac; \
	case "$$unit" in k|K) mib=$$((num / 1024));; g|G) mib=$$((num * 1024));; t|T) mib=$$((num * 1048576));; *) mib=$$num;; esac; \
	if [ "$$mib" -lt $(MIN_MEM_MIB) ]; then \
	  echo "MEM=$$mem is too small: at least $(MIN_MEM_MIB)M is needed (OpenSBI fw_jump puts the device tree at 34 MiB into RAM and hangs without a word when RAM ends before it)"; exit 2; fi

# The default disk is built first; another one (DISK=...) must exist already.
QEMU_DISK_DEP := $(if $(filter $(DISK_IMG),$(DISK)),$(DISK_IMG))
check-disk: $(QEMU_DISK_DEP)
	@test -f "$(DISK)" || { echo "no disk image $(DISK) (DISK=path.img names an ext2 image)"; exit 2; }

qemu: check-machine kernel $(QEMU_DISK_DEP) check-disk
	@echo "Booting on $(CPUS) harts with $(MEM), disk $(DISK)$(if $(DISK_READONLY), (read-only)). Quit QEMU with Ctrl-A then X."
	$(QEMUCMD)

qemu-gdb: check-machine kernel $(QEMU_DISK_DEP) check-disk
	@echo "QEMU is stopped at the first instruction; in another terminal run: make gdb GDBPORT=$(GDBPORT)"
	$(QEMUCMD) -S -gdb tcp::$(GDBPORT)

# The kernel runs at upper-half addresses that exist only once the MMU is on, so breakpoints
# set before that must be hardware ones (hbreak); gdb writes software ones into memory.
gdb: kernel
	gdb-multiarch -nx -q -ex "set architecture riscv:rv64" -ex "file $(BUILD)/kernel.elf" \
		-ex "target remote localhost:$(GDBPORT)" \
		-ex "echo Stopped at the first instruction. Try: hbreak kmain, then continue.\n"

# --- host tests ------------------------------------------------------------------------------
$(BUILD)/host/%.cc.o: %.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCXX $<"
	$(Q)$(HOSTCXX) $(HOSTCXXFLAGS) -c $< -o $@ $(DEPNAMES)

$(BUILD)/host-tests: $(HOBJS)
	@echo "  LINK    $@"
	$(Q)$(HOSTCXX) -o $@ $(HOBJS)

# The request tracker's tests alone, from the same objects: lab 7's grader builds this in
# seconds instead of the whole host suite.
TRACKER_TEST_OBJS := $(patsubst %,$(BUILD)/host/%.o,tests/host/main.cc tests/host/host_support.cc \
	tests/host/test_request_tracker.cc pager/request_tracker.cc)
$(BUILD)/tracker-tests: $(TRACKER_TEST_OBJS)
	@echo "  LINK    $@"
	$(Q)$(HOSTCXX) -o $@ $(TRACKER_TEST_OBJS)

# The virtqueue and virtio-blk tests alone (lab 8 can build these in seconds).
VIRTQ_TEST_OBJS := $(patsubst %,$(BUILD)/host/%.o,tests/host/main.cc tests/host/host_support.cc \
	tests/host/test_virtqueue.cc user/fs/virtqueue.cc user/fs/virtio_mmio.cc user/fs/virtio_blk.cc)
$(BUILD)/virtq-tests: $(VIRTQ_TEST_OBJS)
	@echo "  LINK    $@"
	$(Q)$(HOSTCXX) -o $@ $(VIRTQ_TEST_OBJS)

# The ext2 fuzzer: the filesystem library under AddressSanitizer and UBSan, fed mutated mke2fs
# images by a seeded (reproducible) mutator. `make test` runs it for a bounded time.
EXT2_FUZZ_FLAGS := -std=c++20 $(WARN) -O1 -g -DKERNEL_HOST_TEST -I. -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
$(BUILD)/ext2-fuzz: tests/fuzz/ext2_fuzz.cc user/fs/ext2.cc user/fs/ext2.h user/fs/ext2_layout.h \
		tests/host/ext2_test_util.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCXX $@ (asan, ubsan)"
	$(Q)$(HOSTCXX) $(EXT2_FUZZ_FLAGS) -o $@ tests/fuzz/ext2_fuzz.cc user/fs/ext2.cc

$(BUILD)/virt.dtb: | $(DEPS_STAMP)
	$(Q)$(QEMU) -machine virt,dumpdtb=$@ -cpu rv64 -smp 4 -m 256M -nographic -bios none >/dev/null 2>&1 || true
	$(Q)test -s $@

host-test: $(BUILD)/host-tests $(BUILD)/virt.dtb
	$(Q)VIRT_DTB=$(BUILD)/virt.dtb $(BUILD)/host-tests

# --- tests, grading, labs ----------------------------------------------------------------------
test: $(BUILD)/host-tests $(BUILD)/ext2-fuzz $(BUILD)/virt.dtb kernel $(DISK_IMG)
	$(Q)$(PYTHON) tests/run_all.py --build $(BUILD)

qemu-test: kernel
	$(Q)$(PYTHON) tests/qemu/selftest.py --build $(BUILD) --cpus $(CPUS)

grade: kernel
	@test -n "$(LAB)" || { echo "usage: make grade LAB=N"; exit 2; }
	$(Q)$(PYTHON) tests/grade/grade_lab.py --lab $(LAB) --build $(BUILD)

handout: | $(DEPS_STAMP)
	@test -n "$(LAB)" || { echo "usage: make handout LAB=N"; exit 2; }
	$(Q)$(PYTHON) tools/handout.py --lab $(LAB) --out $(BUILD)/handout/lab$(LAB)

check-labs: | $(DEPS_STAMP)
	$(Q)$(PYTHON) tools/check_labs.py --build $(BUILD)

bench:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/bench LOCK_CHECKS=0 kernel
	$(Q)$(PYTHON) tests/qemu/bench.py --build $(BUILD)/bench

# --- docs ------------------------------------------------------------------------------------
# The docs' diagrams: only this target needs Graphviz (deps.sh --diagrams installs it); make test
# checks the committed SVGs against their sources without it (tools/diagrams.py --check).
diagrams:
	$(Q)command -v dot >/dev/null 2>&1 || bash tools/deps.sh --diagrams
	$(Q)$(PYTHON) tools/diagrams.py

# --- housekeeping ----------------------------------------------------------------------------
# Generated files (tools/syscalls.py output) are left as the generator writes them.
FORMAT_FILES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null | grep -v -e '/gen/' -e 'syscalls/definitions.h')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

# Regenerated on every build (the list of sources changes when a file is added, moved or
# removed, which no prerequisite shows) but rewritten only when it differs, so clangd does not
# reload for nothing.
compile_commands: compile_commands.json
.PHONY: compile-commands-check
compile_commands.json: compile-commands-check
	$(Q)$(PYTHON) tools/compile_commands.py --cxx "$(CXX)" --flags "$(KCXXFLAGS)" \
		--host-cxx "$(HOSTCXX)" --host-flags "$(HOSTCXXFLAGS)" \
		--host-files "$(HOST_TESTS)" $(KSRCS) > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

clean:
	rm -rf $(BUILD) compile_commands.json

-include $(KOBJS:.o=.d) $(HOBJS:.o=.d)
