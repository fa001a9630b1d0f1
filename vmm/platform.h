/* SPDX-License-Identifier: MIT */
/*
 * The legacy PC platform of a VM, wired together: the 8259 PIC pair and
 * the 8254 PIT behind their ports, the I/O APIC behind its MMIO page, ISA
 * IRQ n on PIC input n and I/O APIC pin n (IRQ 0 on pin 2, as the MADT's
 * override says), the PIC's INTR on vCPU 0's LINT0, and the I/O APIC's
 * messages to the vCPUs' local APICs.  The device models are pure
 * (vpic.c, vpit.c, vioapic.c); this file is the glue, and every device
 * state change happens under the VM lock.
 */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

#include "vmm/vm.h"

/* The devices' power-on state, and the PIC as a PC BIOS leaves it. */
void platform_reset(struct vm *vm);

/*
 * A port access that belongs to the platform (PIC, ELCR, PIT, port 0x61):
 * true and *@val (for IN) if it was one.  Called with the VM lock held.
 */
bool platform_port_io(struct vcpu *v, u16 port, unsigned size, bool in, u32 *val);

/* ISA IRQ @irq is now at @level, on the PIC and the I/O APIC.  VM lock held. */
void platform_isa_irq(struct vm *vm, unsigned irq, bool level);

/*
 * The PIT's channel 0 is polled by vCPU 0's CPU, as the APIC timer is by
 * its owner: platform_next() is when it must next look (0: never) and
 * platform_poll() raises IRQ 0 for the edges due by @now.
 */
static inline u64 platform_next(const struct vcpu *v)
{
	return v->id == 0 ? __atomic_load_n(&v->vm->pit_armed, __ATOMIC_RELAXED) : 0;
}
void platform_poll(struct vcpu *v, u64 now);

/*
 * An ExtINT for @v: the PIC's INTR, which only vCPU 0 sees, through LINT0
 * programmed as ExtINT (or a hardware-disabled local APIC, where LINT0 is
 * the processor's INTR pin).  platform_extint_ack() is the INTA cycle:
 * the vector to inject.
 */
bool platform_lint0_accepts(const struct vcpu *v);
static inline bool platform_extint_pending(const struct vcpu *v)
{
	/* One load on the common path: raised on vCPU 0 only, while the PIC asserts INTR. */
	return vcpu_attn(v, ATTN_EXTINT) && platform_lint0_accepts(v);
}
u8 platform_extint_ack(struct vcpu *v);

/* A local APIC EOI'd a level-triggered @vector: the I/O APIC's remote IRR. */
void platform_level_eoi(struct vm *vm, u8 vector);

/* The I/O APIC's registers at @off in its page (apic.c's MMIO path decodes the access). */
bool platform_ioapic_read(struct vcpu *v, u32 off, u32 *val);
void platform_ioapic_write(struct vcpu *v, u32 off, u32 val);

#endif
