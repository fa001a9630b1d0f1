/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables a VM gets, so a guest finds its local APICs, the I/O
 * APIC and the legacy PICs the way a standard kernel looks for them:
 * an RSDP (revision 0, at 0xf0000: the ACPI specification has the scan
 * cover 0xe0000-0xfffff, some test kernels scan only 0xf0000-0xfffff),
 * an RSDT and a MADT with one enabled Processor Local APIC entry per
 * vCPU (APIC ID = vCPU id), one I/O APIC (ID @nr_vcpus, address
 * 0xfec00000, GSI base 0), an Interrupt Source Override IRQ 0 -> GSI 2
 * (edge, active high) and the PCAT_COMPAT flag (8259s present).  Pure:
 * it writes into the VM's RAM buffer.
 */
#ifndef VMM_ACPI_TABLES_H
#define VMM_ACPI_TABLES_H

#include "lib/types.h"

#define ACPI_TABLES_GPA 0xf0000ULL /* reserved BIOS area; both 0xe0000 and 0xf0000 scans find it */
#define ACPI_TABLES_MAX 0x1000ULL

/* Write the tables at ACPI_TABLES_GPA in @ram; NULL, or why not (e.g. @ram_size too small). */
const char *acpi_tables_build(u8 *ram, u64 ram_size, unsigned nr_vcpus);

#endif
