/* SPDX-License-Identifier: MIT */
/* State of the whole VMM that every layer may read after boot. */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include "boot/multiboot2.h"
#include "drivers/acpi.h"
#include "vmm/config.h"

extern struct klv_config klv_cfg;
extern struct acpi_info klv_acpi;
extern struct boot_info klv_boot;

/* QEMU, Bochs or another hypervisor below us (decides what onexit=auto does). */
bool running_under_emulator(void);

#endif
