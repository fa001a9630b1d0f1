/* SPDX-License-Identifier: MIT */
/* Guest library: constants shared by the assembly and C parts. */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define MAX_CPUS	 16
#define STACK_SIZE	 16384 /* per CPU; struct cpu sits at the bottom */
#define AP_TRAMPOLINE_PA 0x8000 /* real-mode start-up page for the APs */
#define GDT_CODE32	 0x08
#define GDT_DATA	 0x10
#define GDT_CODE64	 0x18

#endif
