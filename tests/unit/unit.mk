# Host unit tests (cmocka) for klvisor's pure code.  Each tests/unit/test_X.c
# becomes build/tests/test_X, linked with the sources it lists in
# UNIT_SRCS_test_X (plus tests/unit/support.c and lib/), compiled with
# any extra UNIT_CFLAGS_test_X and linked with any extra UNIT_LIBS_test_X.
# Built with sanitizers so memory errors fail the tests.

UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wshadow -DKLV_HOST_TEST -I. \
	       -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_LIBS   := -lcmocka
UNIT_COMMON := tests/unit/support.c lib/printf.c lib/string.c lib/options.c

UNIT_SRCS_test_multiboot2 := boot/multiboot2.c
UNIT_SRCS_test_acpi       := drivers/acpi.c
UNIT_SRCS_test_palloc     := vmm/palloc.c
UNIT_SRCS_test_vmx_caps   := arch/x86/vmx_caps.c
UNIT_SRCS_test_vmcs       := arch/x86/vmcs.c
UNIT_SRCS_test_cmdline    := vmm/cmdline.c
UNIT_SRCS_test_mb1_image  := vmm/mb1_image.c
UNIT_SRCS_test_printf     :=
UNIT_SRCS_test_vmdef      := vmm/vmdef.c
UNIT_SRCS_test_guest_boot := vmm/guest_boot.c
UNIT_SRCS_test_gwalk      := vmm/gwalk.c
UNIT_SRCS_test_gwtlb      := vmm/gwtlb.c vmm/gwalk.c
UNIT_SRCS_test_dcache     := vmm/dcache.c vmm/decode.c
UNIT_SRCS_test_decode     := vmm/decode.c
UNIT_SRCS_test_segment    := vmm/segment.c
UNIT_SRCS_test_strio      := vmm/strio.c vmm/segment.c
UNIT_SRCS_test_msrmap     := vmm/msrmap.c
UNIT_SRCS_test_mmio_forms := vmm/decode.c vmm/emulate.c tests/unit/mmio_forms.S
UNIT_SRCS_test_vlapic     := vmm/vlapic.c
UNIT_SRCS_test_vpic       := vmm/vpic.c
UNIT_SRCS_test_vpit       := vmm/vpit.c
UNIT_SRCS_test_vioapic    := vmm/vioapic.c
UNIT_SRCS_test_acpi_tables := vmm/acpi_tables.c drivers/acpi.c
UNIT_SRCS_test_vuart      := vmm/vuart.c
UNIT_SRCS_test_klcrypto   := vmm/kl/klcrypto.c vmm/kl/klcrypto_ni.c
UNIT_SRCS_test_klslot     := vmm/kl/slot.c vmm/kl/klcrypto.c vmm/kl/klcrypto_ni.c
UNIT_SRCS_test_klhw       := vmm/kl/hwcheck.c
UNIT_SRCS_test_klbackup   := vmm/kl/backup.c
UNIT_SRCS_test_klinsn     := vmm/kl/klinsn.c vmm/decode.c
UNIT_SRCS_test_klhcache   := vmm/kl/hcache.c vmm/kl/klcrypto.c vmm/kl/klcrypto_ni.c
UNIT_SRCS_test_xcr0       :=
UNIT_SRCS_test_nmi        :=
UNIT_SRCS_test_fpu_area   :=
UNIT_SRCS_test_spec       := arch/x86/spec.c
UNIT_SRCS_test_security_doc := arch/x86/vmx_caps.c
UNIT_CFLAGS_test_klcrypto := -I$(BUILD)/guests
UNIT_LIBS_test_klcrypto   := -lcrypto
# test_klcrypto also checks klcrypto.c against the generated guest vectors.
$(BUILD)/tests/test_klcrypto: $(BUILD)/guests/kl_vectors.h vmm/kl/klcrypto.h vmm/kl/klcrypto_ni.h

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

# Any header may change a test's meaning: every test depends on all of them.
UNIT_HDRS := $(wildcard boot/*.h arch/x86/*.h drivers/*.h lib/*.h vmm/*.h vmm/kl/*.h)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_COMMON) tests/unit/support.h $(UNIT_HDRS) $$(UNIT_SRCS_%)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_CFLAGS_$*) -o $@ $< $(UNIT_COMMON) $(UNIT_SRCS_$*) \
		$(UNIT_LIBS) $(UNIT_LIBS_$*)

unit-tests: $(UNIT_TESTS)
