/* SPDX-License-Identifier: MIT */
/* Descriptor tables: a GDT and TSS per CPU, one shared IDT. */
#ifndef ARCH_X86_DESC_H
#define ARCH_X86_DESC_H

#include "lib/types.h"

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS	 0x18

/* IST slots (1-based in the IDT, 0-based here). */
enum { IST_DF, IST_NMI, IST_MC, IST_COUNT };

struct __packed tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
};

struct gdt {
	u64 entries[5]; /* null, code, data, TSS (two slots) */
} __aligned(16);

void gdt_load(struct gdt *gdt, struct tss *tss);
void idt_init(void);
void idt_load(void);
u64 idt_base(void);

#endif
