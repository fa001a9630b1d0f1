# libFuzzer targets over the parsers and decoders (clang, libFuzzer from
# Debian's clang-14 / libclang-rt-14-dev).  `make fuzz` builds and runs
# each for FUZZ_SECONDS (the long pass: raise it); `make check` runs a
# short pass bounded by input count with a fixed seed, so it is repeatable.  tests/fuzz/seeds/TARGET/ holds
# checked-in seed inputs for a target (the loader's wrap-around headers).

FUZZ_TARGETS := multiboot2 acpi mb1_image vmdef cmdline decode klunwrap gwalk
FUZZ_SECONDS ?= 10
# FUZZ_RUNS=N: stop after N inputs instead (with FUZZ_SEED, repeatable).
FUZZ_RUNS    ?=
FUZZ_SEED    ?= 0
FUZZ_BOUND   := $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS)) -seed=$(FUZZ_SEED)
FUZZ_CC      := clang-14
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -DKLV_HOST_TEST -I. -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all
FUZZ_SRCS    := boot/multiboot2.c drivers/acpi.c vmm/cmdline.c vmm/decode.c vmm/emulate.c vmm/guest_boot.c \
		vmm/gwalk.c vmm/kl/klcrypto.c vmm/kl/klcrypto_ni.c vmm/kl/klinsn.c vmm/mb1_image.c \
		vmm/vmdef.c lib/options.c lib/printf.c lib/string.c
FUZZERS      := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_parsers.c $(FUZZ_SRCS)
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_$* -o $@ tests/fuzz/fuzz_parsers.c $(FUZZ_SRCS)

.PHONY: fuzz
fuzz:
	@tools/deps.sh fuzz
	@$(MAKE) -s $(FUZZERS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		echo "fuzz: $$t ($(FUZZ_BOUND))"; \
		seeds=tests/fuzz/seeds/$$t; [ -d $$seeds ] || seeds=; \
		$(BUILD)/fuzz/fuzz_$$t $(FUZZ_BOUND) -max_len=4096 \
			-print_final_stats=0 -artifact_prefix=$(BUILD)/fuzz/$$t- $(BUILD)/fuzz/corpus-$$t $$seeds >$(BUILD)/fuzz/$$t.log 2>&1 || \
			{ tail -40 $(BUILD)/fuzz/$$t.log; echo "fuzz: $$t FAILED (log: $(BUILD)/fuzz/$$t.log)"; exit 1; }; \
		grep -o 'Done [0-9]* runs' $(BUILD)/fuzz/$$t.log || true; \
	done
