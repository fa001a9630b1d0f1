/* SPDX-License-Identifier: MIT */
/* Constants shared by the boot assembly and C. */
#ifndef BOOT_LAYOUT_H
#define BOOT_LAYOUT_H

#define KERNEL_LOAD_ADDR 0x100000
#define BOOT_STACK_SIZE	 0x4000

/* Page the AP start-up code is copied to: below 1 MiB, as SIPI requires. */
#define AP_TRAMPOLINE_ADDR 0x8000

#endif
