// SPDX-License-Identifier: MIT
/* Guest library: lib_main(), from entry.S to the test's main() and the summary. */
#include "guest.h"

void lib_main(u32 magic, u32 info_pa);

static char *argv[MAX_ARGS + 1];

void lib_main(u32 magic, u32 info_pa)
{
	int argc, rc;

	cpu_init_boot();
	idt_init();
	serial_init();
	/* No 8259 interrupts: under QEMU the BIOS leaves the timer on vector 8. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	argc = mb_parse(magic, info_pa, argv, MAX_ARGS + 1);
	if (magic != MB_BOOT_MAGIC)
		fail("multiboot-magic", "EAX was %#x at entry, expected %#x", magic, MB_BOOT_MAGIC);
	rc = main(argc, argv);
	if (rc)
		fail("main", "returned %d", rc);
	report_exit();
}
