# Guest test kernels: each guest-tests/NAME.c becomes build/guests/NAME.elf,
# a multiboot (version 1) kernel to run as a VM under klvisor (or under
# QEMU with -kernel).  Guests are 64-bit code linked as ELF64 at 1 MiB with
# guest-tests/lib/guest.ld, then converted to ELF32 i386 as multiboot
# loaders require; build/guests/NAME.elf64 keeps the symbols for gdb.
#
# Per-guest hooks (NAME is the file's base name):
#   GUEST_SSE_NAME := y		     compile NAME.c without -mgeneral-regs-only
#   GUEST_CFLAGS_NAME := -maes ...   extra compiler flags for NAME.c
# The library itself never touches SSE registers.

GUEST_BUILD  := $(BUILD)/guests
GUEST_NAMES  := $(basename $(notdir $(wildcard guest-tests/*.c)))
GUEST_OBJS   := $(GUEST_NAMES:%=$(GUEST_BUILD)/%.o)
GUEST_ELFS   := $(GUEST_NAMES:%=$(GUEST_BUILD)/%.elf)
GUEST_LIB_C  := $(wildcard guest-tests/lib/*.c)
GUEST_LIB_S  := $(wildcard guest-tests/lib/*.S)
GUEST_LIB_OBJS := $(GUEST_LIB_C:guest-tests/lib/%.c=$(GUEST_BUILD)/lib/%.o) \
		  $(GUEST_LIB_S:guest-tests/lib/%.S=$(GUEST_BUILD)/lib/%.o)
GUEST_LD     := guest-tests/lib/guest.ld

GUEST_CFLAGS := -std=gnu11 -m64 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pie \
		-mno-red-zone -fno-stack-protector -nostdlib -mcmodel=small \
		-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
		-Iguest-tests/lib -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(GUEST_LD) -Wl,-z,max-page-size=0x1000 \
		 -Wl,--build-id=none -Wl,--no-warn-rwx-segments

.PHONY: guests
guests: $(GUEST_ELFS)

$(GUEST_BUILD)/lib/%.o: guest-tests/lib/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -mgeneral-regs-only -c -o $@ $<

$(GUEST_BUILD)/lib/%.o: guest-tests/lib/%.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OBJS): $(GUEST_BUILD)/%.o: guest-tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(GUEST_CFLAGS) $(if $(GUEST_SSE_$*),,-mgeneral-regs-only) $(GUEST_CFLAGS_$*) \
		-c -o $@ $<

$(GUEST_ELFS): $(GUEST_BUILD)/%.elf: $(GUEST_BUILD)/%.o $(GUEST_LIB_OBJS) $(GUEST_LD)
	@echo "  LD      $@"
	$(Q)$(CC) $(GUEST_LDFLAGS) -o $(@:.elf=.elf64) $< $(GUEST_LIB_OBJS)
	$(Q)objcopy -O elf32-i386 $(@:.elf=.elf64) $@

-include $(GUEST_OBJS:.o=.d) $(GUEST_LIB_OBJS:.o=.d)

# Key Locker guests: XMM registers, and the host-computed vectors.
GUEST_SSE_klbasic := y
GUEST_CFLAGS_klbasic := -I$(GUEST_BUILD)
$(GUEST_BUILD)/klbasic.o: $(GUEST_BUILD)/kl_vectors.h
GUEST_SSE_klbackup := y
GUEST_CFLAGS_klbackup := -I$(GUEST_BUILD)
$(GUEST_BUILD)/klbackup.o: $(GUEST_BUILD)/kl_vectors.h
GUEST_SSE_bench := y
GUEST_CFLAGS_bench := -I$(GUEST_BUILD)
$(GUEST_BUILD)/bench.o: $(GUEST_BUILD)/kl_vectors.h

# The Key Locker instruction, ring-3, switching and slot-load guests.
KL_TEST_GUESTS := klinsn klforms klring3 klswitch klloads
$(foreach g,$(KL_TEST_GUESTS),$(eval GUEST_SSE_$(g) := y)$(eval GUEST_CFLAGS_$(g) := -I$(GUEST_BUILD)))
$(KL_TEST_GUESTS:%=$(GUEST_BUILD)/%.o): $(GUEST_BUILD)/kl_vectors.h
