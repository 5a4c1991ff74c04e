# Userspace: the C library (user/lib), the filesystem library (user/fs, for the programs in
# USER_FS_PROGRAMS), one program per user/bin/*.cc, and the boot image.
# Included from the top Makefile after the kernel variables (BUILD, CXX, LD, PYTHON,
# ARCHFLAGS, DEPS_STAMP, Q) are defined. `make user` builds everything; adding a program is
# adding a file user/bin/NAME.cc.

USER_CXXFLAGS := -std=c++20 $(ARCHFLAGS) -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-O2 -g -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit \
	-fno-builtin -fcheck-new -fno-pie -fno-stack-protector -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer -ffunction-sections -fdata-sections \
	-nostdlib -Iuser/lib/include -I. -MMD -MP
USER_ASFLAGS := $(ARCHFLAGS) -Iuser/lib/include -I. -MMD -MP -D__ASSEMBLY__ -g
USER_OBJCOPY := $(TOOLPREFIX)objcopy
USER_LDSCRIPT := user/lib/user.ld
USER_LDFLAGS := -nostdlib -static --gc-sections -z max-page-size=4096 -z noexecstack \
	-T $(USER_LDSCRIPT)

# The C library every program links: its own sources, the generated syscall stubs, and the
# freestanding parts of kernel/lib it shares with the kernel (ELF parser, printf engine,
# mem*/str*, libgcc helpers, status names).
USER_LIB_SRCS := $(sort $(wildcard user/lib/*.cc user/lib/*.S)) \
	user/lib/gen/syscall_stubs.S \
	kernel/lib/elf.cc kernel/lib/printf.cc kernel/lib/string.cc kernel/lib/libgcc.cc \
	kernel/lib/status.cc
USER_LIB_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(USER_LIB_SRCS))
USER_CRT0 := $(BUILD)/user/user/lib/crt0.S.o

# The filesystem server's library (user/fs: ext2, the file pager, the request server, the
# virtio-blk driver): an archive linked only into the programs that include user/fs headers,
# named here. A program missing from the list fails to link with undefined references.
USER_FS_SRCS := $(sort $(wildcard user/fs/*.cc))
USER_FS_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(USER_FS_SRCS))
USER_LIBFS := $(BUILD)/user/libfs.a
USER_FS_PROGRAMS := blkcheck fsd
USER_AR := $(TOOLPREFIX)ar

USER_PROGRAMS := $(patsubst user/bin/%.cc,%,$(sort $(wildcard user/bin/*.cc)))
USER_ELFS := $(patsubst %,$(BUILD)/user/bin/%.elf,$(USER_PROGRAMS))
USER_BIN_OBJS := $(patsubst %,$(BUILD)/user/user/bin/%.cc.o,$(USER_PROGRAMS))
# The boot image holds copies without debug information; gdb wants the .elf files.
USER_STRIPPED := $(patsubst %,$(BUILD)/user/bootfs/%.elf,$(USER_PROGRAMS))
BOOTFS := $(BUILD)/bootfs.img

.PHONY: user
user: $(BOOTFS)

$(BUILD)/user/%.cc.o: %.cc | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  UCXX    $<"
	$(Q)$(CXX) $(USER_CXXFLAGS) -c $< -o $@ $(DEPNAMES)

$(BUILD)/user/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  UAS     $<"
	$(Q)$(CXX) $(USER_ASFLAGS) -c $< -o $@ $(DEPNAMES)

$(USER_LIBFS): $(USER_FS_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(USER_AR) rcsD $@ $(USER_FS_OBJS)

# A static pattern rule, so make keeps the objects (they are not intermediate files). The
# archive comes before the C library, whose objects are linked whole and so resolve what the
# archive's members need.
$(USER_ELFS): $(BUILD)/user/bin/%.elf: $(BUILD)/user/user/bin/%.cc.o $(USER_LIB_OBJS) $(USER_LDSCRIPT)
	@mkdir -p $(dir $@)
	@echo "  ULD     $@"
	$(Q)$(LD) $(USER_LDFLAGS) -o $@ $(USER_CRT0) $< $(if $(filter $*,$(USER_FS_PROGRAMS)),$(USER_LIBFS)) \
		$(filter-out $(USER_CRT0),$(USER_LIB_OBJS))
$(patsubst %,$(BUILD)/user/bin/%.elf,$(USER_FS_PROGRAMS)): $(USER_LIBFS)

$(USER_STRIPPED): $(BUILD)/user/bootfs/%.elf: $(BUILD)/user/bin/%.elf
	@mkdir -p $(dir $@)
	$(Q)$(USER_OBJCOPY) --strip-debug $< $@

$(BOOTFS): $(USER_STRIPPED) tools/mkbootfs.py
	@echo "  BOOTFS  $@"
	$(Q)$(PYTHON) tools/mkbootfs.py $@ $(USER_STRIPPED)

# The disk image: user/rootfs (less the .keep files that only keep empty folders in git) plus
# every program, stripped, as /bin/NAME; see tools/mkdisk.py. Its list of inputs is a file
# rewritten only when it changes, so that removing a file or a program rebuilds the image too.
DISK_IMG := $(BUILD)/disk.img
ROOTFS_FILES := $(sort $(shell find user/rootfs -type f -o -type l 2>/dev/null))
DISK_INPUTS := $(BUILD)/disk.inputs
disk: $(DISK_IMG)

.PHONY: disk-inputs-check
$(DISK_INPUTS): disk-inputs-check
	@mkdir -p $(dir $@)
	@echo '$(ROOTFS_FILES) $(USER_PROGRAMS) $(DISK_SIZE)' | cmp -s - $@ || \
		echo '$(ROOTFS_FILES) $(USER_PROGRAMS) $(DISK_SIZE)' > $@

$(DISK_IMG): $(USER_STRIPPED) $(ROOTFS_FILES) $(DISK_INPUTS) tools/mkdisk.py | $(DEPS_STAMP)
	@echo "  MKDISK  $@"
	$(Q)$(PYTHON) tools/mkdisk.py $@ --rootfs user/rootfs --size $(DISK_SIZE) $(USER_STRIPPED)

-include $(USER_LIB_OBJS:.o=.d) $(USER_FS_OBJS:.o=.d) $(USER_BIN_OBJS:.o=.d)
