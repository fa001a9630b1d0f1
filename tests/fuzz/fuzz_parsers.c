// SPDX-License-Identifier: MIT
/*
 * libFuzzer entry points for every parser and decoder a guest or a boot
 * loader can feed: one binary per FUZZ_TARGET (see tests/fuzz/fuzz.mk).
 * Each target must never crash, read out of bounds (ASan) or hit
 * undefined behaviour (UBSan), whatever the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/multiboot2.h"
#include "drivers/acpi.h"
#include "vmm/config.h"
#include "vmm/decode.h"
#include "vmm/emulate.h"
#include "vmm/guest_boot.h"
#include "vmm/gwalk.h"
#include "vmm/kl/klcrypto.h"
#include "vmm/kl/klinsn.h"
#include "vmm/mb1_image.h"
#include "vmm/vmdef.h"

void console_write(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy, for string parsers. */
static char *str_of(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#if defined(FUZZ_multiboot2)
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parser trusts only what the block says about itself: give it exactly size bytes. */
	static struct boot_info bi;
	uint64_t *buf;

	if (size < 4)
		return 0;
	buf = calloc(1, size + 8);
	memcpy(buf, data, size);
	if (*(uint32_t *)buf > size)
		*(uint32_t *)buf = (uint32_t)size;
	mb2_parse(buf, &bi);
	free(buf);
	return 0;
}
#elif defined(FUZZ_acpi)
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct madt_info m;
	u16 typ;

	madt_parse(data, size, &m);
	acpi_find_s5(data, size, &typ);
	return 0;
}
#elif defined(FUZZ_mb1_image)
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 ram[4 << 20];
	struct mb1_image img;
	struct guest_boot gb;
	struct guest_module mod = { data, size > 64 ? 64 : size, "mod" };

	if (mb1_parse_image(data, size, &img))
		return 0;
	/* What the loader relies on: every accepted segment is a sane range. */
	for (unsigned i = 0; i < img.nr_segs; i++) {
		const struct mb1_segment *sg = &img.segs[i];

		if (sg->file_len > sg->mem_len || (u64)sg->paddr + sg->mem_len > (1ULL << 32) ||
		    (u64)sg->file_off + sg->file_len > size)
			__builtin_trap();
	}
	/* A valid image goes through the loader too, into a 4 MiB guest. */
	guest_boot_load(ram, sizeof(ram), &img, data, size, "fuzz args", &mod, 1, &gb);
	return 0;
}
#elif defined(FUZZ_vmdef)
static void no_report(unsigned idx, const char *msg)
{
	(void)idx, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_def defs[2];
	bool ok[2];
	char err[128], *s = str_of(data, size);
	char *mid = s + size / 2, saved = *mid;

	/* Two definitions from one input, to reach the cross-checks. */
	*mid = '\0';
	ok[0] = !vmdef_parse(s, 2, &defs[0], err, sizeof(err));
	*mid = saved;
	ok[1] = !vmdef_parse(mid, 2, &defs[1], err, sizeof(err));
	vmdefs_resolve(defs, ok, 2, no_report);
	free(s);
	return 0;
}
#elif defined(FUZZ_cmdline)
static void ignore(const char *tok, size_t len, const char *why, const char *const *allowed)
{
	(void)tok, (void)len, (void)why, (void)allowed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct klv_config cfg;
	char *s = str_of(data, size);

	cmdline_defaults(&cfg);
	cmdline_parse(s, &cfg, ignore);
	free(s);
	return 0;
}
#elif defined(FUZZ_decode)
static u64 gpr(void *ctx, unsigned n)
{
	(void)ctx;
	return 0x1111111111111111ULL * n;
}

/* The device side of emu_device_insn(): at most one read and one write, of a real size. */
static unsigned dev_reads, dev_writes;

static void check_size(unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
}

static const char *dev_read(void *ctx, unsigned size, u64 *val)
{
	(void)ctx;
	check_size(size);
	if (dev_reads++ || dev_writes)
		abort(); /* a read after the write, or two reads */
	*val = 0x8000000180000001ULL & insn_size_mask(size);
	return NULL;
}

static const char *dev_write(void *ctx, unsigned size, u64 val)
{
	(void)ctx;
	(void)val;
	check_size(size);
	if (dev_writes++)
		abort();
	return NULL;
}

static void emulate(const struct insn *in)
{
	struct emu_dev dev = { dev_read, dev_write, NULL };
	struct emu_regs r;

	for (unsigned i = 0; i < 16; i++)
		r.gpr[i] = gpr(NULL, i);
	r.rflags = 0x202;
	dev_reads = dev_writes = 0;
	emu_device_insn(in, &r, &dev);
	if ((r.rflags & ~(u64)EMU_ALU_FLAGS) != 0x202)
		abort(); /* only the arithmetic flags may change */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = { 16, 32, 64 };

	for (unsigned m = 0; m < 3; m++) {
		struct insn in;
		bool ud;

		if (insn_decode(data, size, modes[m], &in))
			continue;
		if (in.len > size || in.len > INSN_MAX_LEN)
			abort(); /* the decoder claimed bytes it was not given */
		kl_classify(&in, &ud);
		kl_aes_form(&in);
		insn_effective_address(&in, gpr, NULL, 0x1000);
		emulate(&in);
	}
	return 0;
}
#elif defined(FUZZ_klunwrap)
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct kl_iwkey iw = { .integrity = { 1 }, .encryption = { 2 } };
	u8 key[32];
	u32 aad;

	if (size >= KL_HANDLE128_SIZE)
		kl_unwrap(&iw, data, 128, key, &aad);
	if (size >= KL_HANDLE256_SIZE)
		kl_unwrap(&iw, data, 256, key, &aad);
	return 0;
}
#elif defined(FUZZ_gwalk)
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gwalk_ctx c;
	u64 regs[6] = { 0 };
	u64 gpa;
	u32 pfec;

	/* The first 48 bytes pick CR0/CR3/CR4/EFER, the address and the access; the rest is RAM. */
	if (size < sizeof(regs))
		return 0;
	memcpy(regs, data, sizeof(regs));
	c = (struct gwalk_ctx){
		data + sizeof(regs), size - sizeof(regs), regs[0], regs[1], regs[2], regs[3]
	};
	gwalk(&c, regs[4], (u32)regs[5] & (GW_WRITE | GW_USER | GW_FETCH), &gpa, &pfec);
	return 0;
}
#else
#error "define FUZZ_<target>"
#endif
