// SPDX-License-Identifier: MIT
/*
 * Guest test: memory isolation.  The guest uses its own RAM, then reads a
 * guest-physical address outside it (default 3.5 GiB; "at=ADDR" picks
 * another, "write" writes instead).  The page tables map it, so only the
 * hypervisor can stop the access: under klvisor the VM must end there and
 * never print its last line.
 */
#include "guest.h"

#define DEFAULT_ADDR 0xe0000000UL
#define PATTERN_SIZE 0x10000

extern const char __image_end[];

static bool check_own_memory(void)
{
	u64 ram_end = mb_ram_end(), base = ((u64)__image_end + 0xfffff) & ~0xfffffUL;
	volatile u32 *p = (volatile u32 *)base, *last;
	u32 old;

	if (!ram_end || base + PATTERN_SIZE > ram_end) {
		fail("own-memory", "no room above the image (RAM ends at %#lx)", ram_end);
		return false;
	}
	for (u32 i = 0; i < PATTERN_SIZE / 4; i++)
		p[i] = i * 0x9e3779b1u;
	for (u32 i = 0; i < PATTERN_SIZE / 4; i++)
		if (p[i] != i * 0x9e3779b1u) {
			fail("own-memory", "%p reads %#x", &p[i], p[i]);
			return false;
		}
	last = (volatile u32 *)(ram_end - 4);
	old = *last;
	*last = ~old;
	if (*last != ~old) {
		fail("own-memory", "last word of RAM at %p does not hold a value", last);
		return false;
	}
	*last = old;
	pass("own-memory");
	return true;
}

int main(int argc, char **argv)
{
	unsigned long addr = DEFAULT_ADDR;
	const char *at = arg_value(argc, argv, "at");
	bool write = has_arg(argc, argv, "write");
	u32 v = 0;

	if (at && !parse_ulong(at, &addr)) {
		fail("arguments", "bad at=%s", at);
		return 0;
	}
	if (!check_own_memory())
		return 0;
	printf("isolation: %s %#lx, outside this VM's RAM (which ends at %#lx); the VM should end "
	       "now\n",
	       write ? "writing" : "reading", addr, mb_ram_end());
	if (write)
		*(volatile u32 *)addr = 0x5a5a5a5a;
	else
		v = *(volatile u32 *)addr;
	fail("outside-ram", "%s %#lx %s%#x and the VM is still running", write ? "wrote" : "read",
	     addr, write ? "" : "returned ", v);
	return 0;
}
