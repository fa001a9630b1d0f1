/* SPDX-License-Identifier: MIT */
/* The physical local APIC: only what klvisor itself needs (IDs and IPIs). */
#ifndef ARCH_X86_APIC_H
#define ARCH_X86_APIC_H

#include "lib/types.h"

void apic_init(void); /* enable on the calling CPU */
u32 apic_id(void);
void apic_eoi(void);
void apic_send_init(u32 apic_id);
void apic_send_sipi(u32 apic_id, u8 vector);
void apic_send_nmi(u32 apic_id);
/*
 * The fixed IPI that makes another CPU's guest exit, so it sees a virtual
 * interrupt posted for it at once (klvisor's only interrupt vector).
 */
#define APIC_KICK_VECTOR 0xf2
void apic_send_kick(u32 apic_id);

#endif
