// SPDX-License-Identifier: MIT
/* The MSR bitmap's layout and klvisor's pass-through policy (see msrmap.h). */
#include "vmm/msrmap.h"
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
		0x174, /* IA32_SYSENTER_CS: VMCS guest state */
		0x175, /* IA32_SYSENTER_ESP */
		0x176, /* IA32_SYSENTER_EIP */
		0xc0000081, /* STAR: lazy, read back on switch-out */
		0xc0000082, /* LSTAR */
		0xc0000083, /* CSTAR */
		0xc0000084, /* FMASK */
		0xc0000100, /* FS_BASE: VMCS guest state */
		0xc0000101, /* GS_BASE */
		0xc0000102, /* KERNEL_GS_BASE: lazy, read back on switch-out */
	};

	memset(bitmap, 0xff, MSR_BITMAP_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(both); i++)
		pass(bitmap, both[i], true, true);
	pass(bitmap, 0x10, true, false); /* TSC reads: offset by the CPU */
}

bool msr_bitmap_exits(const u8 *bitmap, u32 msr, bool write)
{
	unsigned byte;
	u8 mask;

	return !locate(msr, write, &byte, &mask) || (bitmap[byte] & mask);
}
