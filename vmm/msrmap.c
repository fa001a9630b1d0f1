// SPDX-License-Identifier: MIT
/* The MSR bitmap's layout and klvisor's pass-through policy (see msrmap.h). */
#include "vmm/msrmap.h"
#include "arch/x86/cpu.h"
#include "lib/string.h"

#define LOW_END	   0x2000U
#define HIGH_BASE  0xc0000000U
#define READ_LOW   0
#define READ_HIGH  1024
#define WRITE_LOW  2048
#define WRITE_HIGH 3072

/* The bit for @msr, as a byte offset and mask; false if the bitmap does not cover it. */
static bool locate(u32 msr, bool write, unsigned *byte, u8 *mask)
{
	unsigned base;

	if (msr < LOW_END)
		base = write ? WRITE_LOW : READ_LOW;
	else if (msr >= HIGH_BASE && msr - HIGH_BASE < LOW_END)
		base = write ? WRITE_HIGH : READ_HIGH;
	else
		return false;
	msr &= LOW_END - 1;
	*byte = base + msr / 8;
	*mask = (u8)(1U << (msr % 8));
	return true;
}

static void pass(u8 *bitmap, u32 msr, bool read, bool write)
{
	unsigned byte;
	u8 mask;

	if (read && locate(msr, false, &byte, &mask))
		bitmap[byte] &= (u8)~mask;
	if (write && locate(msr, true, &byte, &mask))
		bitmap[byte] &= (u8)~mask;
}

void msr_bitmap_build(u8 *bitmap)
{
	static const u32 both[] = {
		/* in the VMCS guest state */
		MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
		MSR_FS_BASE,
		MSR_GS_BASE,
		/* lazy, read back on switch-out (vmm/msr.c, save_live) */
		MSR_STAR,
		MSR_LSTAR,
		MSR_CSTAR,
		MSR_FMASK,
		MSR_KERNEL_GS_BASE,
	};

	memset(bitmap, 0xff, MSR_BITMAP_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(both); i++)
		pass(bitmap, both[i], true, true);
	pass(bitmap, MSR_IA32_TSC, true, false); /* reads: offset by the CPU */
}

bool msr_bitmap_exits(const u8 *bitmap, u32 msr, bool write)
{
	unsigned byte;
	u8 mask;

	return !locate(msr, write, &byte, &mask) || (bitmap[byte] & mask);
}
