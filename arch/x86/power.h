/* SPDX-License-Identifier: MIT */
/* The ways to end a run: emulator exits, ACPI soft-off, reset. */
#ifndef ARCH_X86_POWER_H
#define ARCH_X86_POWER_H

#include "lib/types.h"

/* QEMU's isa-debug-exit device: QEMU exits with status (code << 1) | 1. */
void qemu_debug_exit(u8 code);
/* Bochs' shutdown port. */
void bochs_shutdown(void);
/* ACPI S5 through PM1a_CNT. */
void acpi_soft_off(u16 pm1a_cnt, u16 slp_typ);
/* Reset through port 0xcf9, the keyboard controller, then a triple fault. */
__noreturn void machine_reset(void);

#endif
