// SPDX-License-Identifier: MIT
/* Power-off and reset primitives.  Policy lives in vmm/shutdown.c. */
#include "arch/x86/cpu.h"
#include "arch/x86/power.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT  0x8900
#define ACPI_SLP_EN	     BIT(13)

void qemu_debug_exit(u8 code)
{
	outl(QEMU_DEBUG_EXIT_PORT, code);
}

void bochs_shutdown(void)
{
	for (const char *p = "Shutdown"; *p; p++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*p);
}

void acpi_soft_off(u16 pm1a_cnt, u16 slp_typ)
{
	outw(pm1a_cnt, (u16)((slp_typ & 7) << 10 | ACPI_SLP_EN));
}

void machine_reset(void)
{
	struct desc_ptr none = { 0, 0 };

	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);
	/* Last resort: a triple fault through an empty IDT. */
	__asm__ volatile("lidt %0; int3" ::"m"(none));
	halt_forever();
}
