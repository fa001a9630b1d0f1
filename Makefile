# klvisor build.  `make` builds build/klvisor.elf and build/klvisor.iso;
# `make run`, `make check` and `make run-qemu` install what they need first.

BUILD   ?= build
V       ?= 0
ifeq ($(V),0)
Q := @
endif
DEBUG   ?= 0
CC      := gcc
HOSTCC  := gcc

# Debug versus release is decided here and nowhere else.
ifeq ($(DEBUG),1)
OPT := -Og -DKLV_DEBUG
else
OPT := -O2
endif

WARN   := -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wstrict-prototypes
EXTRA_CFLAGS ?=
CFLAGS := -std=gnu11 $(OPT) $(EXTRA_CFLAGS) -g $(WARN) -ffreestanding -fno-pie -mno-red-zone \
	  -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
	  -fno-omit-frame-pointer -mcmodel=small -I. -I$(BUILD) -MMD -MP
ASFLAGS := -I. -I$(BUILD) -MMD -MP
LDFLAGS := -nostdlib -static -no-pie -Wl,-T,linker.ld -Wl,-z,max-page-size=0x1000 \
	   -Wl,--build-id=none -Wl,--no-warn-rwx-segments

SRCS_C := $(wildcard boot/*.c arch/x86/*.c drivers/*.c lib/*.c vmm/*.c vmm/kl/*.c)
SRCS_C := $(filter-out arch/x86/asm-offsets.c,$(SRCS_C))
SRCS_S := $(wildcard boot/*.S arch/x86/*.S)
OBJS   := $(SRCS_C:%.c=$(BUILD)/%.o) $(SRCS_S:%.S=$(BUILD)/%.o)

ELF := $(BUILD)/klvisor.elf
ISO := $(BUILD)/klvisor.iso

# Kernel command line and modules baked into the ISOs.
CMDLINE     ?=
RUN_CMDLINE ?= console=keep $(CMDLINE)

.PHONY: all iso run run-headless run-qemu check unit-tests system-tests bench deps clean format
all: $(ELF) $(ISO)
iso: $(ISO)

$(BUILD)/asm-offsets.h: arch/x86/asm-offsets.c arch/x86/vmx.h arch/x86/vmcs.h arch/x86/vmcs_fields.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MF /dev/null -S -o $(BUILD)/asm-offsets.s $<
	$(Q){ echo "/* Generated from arch/x86/asm-offsets.c; do not edit. */"; \
	  sed -n 's/^->\([A-Z0-9_]*\) \$$\?\([0-9]*\).*/#define \1 \2/p' $(BUILD)/asm-offsets.s; } > $@

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.S $(BUILD)/asm-offsets.h
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -c -o $@ $<

$(ELF): $(OBJS) linker.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(OBJS)

$(ISO): $(ELF) tools/mkiso.sh
	@echo "  ISO     $@"
	$(Q)tools/mkiso.sh $@ "$(CMDLINE)"

# `make run` boots every bundled guest (guest-tests/manifest) by default.
$(BUILD)/run.iso: $(ELF) tools/mkiso.sh FORCE guests
	tools/mkiso.sh --bundled-guests $@ "$(RUN_CMDLINE)"

deps:
	@tools/deps.sh

run: deps $(BUILD)/run.iso
	tools/bochs-run.sh --interactive $(BUILD)/run.iso

run-headless: deps $(ISO)
	tools/bochs-run.sh $(ISO) $(BUILD)/serial.log
	@echo "serial output: $(BUILD)/serial.log"

run-qemu: deps $(ISO)
	@tools/qemu-run.sh $(ISO) || echo "run-qemu: QEMU exit status $$? (klvisor's isa-debug-exit: 1 passed, 3 failed, 5 panic, 77 cannot run here)"

.SECONDEXPANSION:
# Host unit tests: the pure code, built with the host compiler and cmocka.
include tests/unit/unit.mk

# Guest test kernels (build/guests/*.elf), run as VMs under klvisor.
include guest-tests/guest.mk
all: $(GUEST_ELFS)

# Key Locker test vectors for guest tests (build/guests/kl_vectors.h),
# computed on the host with OpenSSL and tools/klvectors.c's own POLYVAL,
# independently of vmm/kl/klcrypto.c.
KLVECTORS    := $(BUILD)/klvectors
KL_VECTORS_H := $(GUEST_BUILD)/kl_vectors.h
$(KLVECTORS): tools/klvectors.c
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -o $@ $< -lcrypto
$(KL_VECTORS_H): $(KLVECTORS)
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)$(KLVECTORS) > $@.tmp && mv $@.tmp $@
all: $(KL_VECTORS_H)

# libFuzzer runs over the parsers and decoders (`make fuzz`).
include tests/fuzz/fuzz.mk

# A multiboot kernel written without the guest library (system-test fixture).
TINY_MB1 := $(BUILD)/tests/tiny-mb1.elf
$(TINY_MB1): tests/system/tiny-mb1.S tests/system/mb1-header.inc
	@mkdir -p $(@D)
	@echo "  AS32    $@"
	$(Q)as --32 -o $(@:.elf=.o) $<
	$(Q)ld -m elf_i386 -Ttext=0x100000 --build-id=none -o $@ $(@:.elf=.o)

# A multiboot kernel that walks 32-bit paging transitions (PAE with a bad
# PDPTE, long mode with a 16-bit TSS), also without the guest library
# (system-test fixture).
PMODE_MB1 := $(BUILD)/tests/pmode-mb1.elf
$(PMODE_MB1): tests/system/pmode-mb1.S tests/system/mb1-header.inc
	@mkdir -p $(@D)
	@echo "  AS32    $@"
	$(Q)$(CC) -m32 -c -o $(@:.elf=.o) $<
	$(Q)ld -m elf_i386 -Ttext=0x100000 --build-id=none -o $@ $(@:.elf=.o)

# A standard-style SMP test kernel (32-bit entry, long mode, INIT-SIPI-SIPI),
# also written without the guest library (system-test fixture).
SMP_MB1 := $(BUILD)/tests/smp-mb1.elf
SMP_MB1_SRCS := tests/system/smp-mb1/start.S tests/system/smp-mb1/main.c
$(SMP_MB1): $(SMP_MB1_SRCS) tests/system/smp-mb1/link.ld
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) -std=gnu11 -m64 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pie -no-pie \
		-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
		-nostdlib -static -Wl,-T,tests/system/smp-mb1/link.ld -Wl,--build-id=none \
		-Wl,-z,max-page-size=0x1000 -Wl,--no-warn-rwx-segments -o $(@:.elf=.elf64) $(SMP_MB1_SRCS)
	$(Q)objcopy -O elf32-i386 $(@:.elf=.elf64) $@

bench: deps all
	tools/bench.sh

check: deps all unit-tests $(TINY_MB1) $(SMP_MB1) $(PMODE_MB1)
	tests/run-checks.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^guest-tests/lib/kl.h$$')

clean:
	rm -rf $(BUILD)

FORCE:

-include $(OBJS:.o=.d)
