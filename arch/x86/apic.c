// SPDX-License-Identifier: MIT
/*
 * Local APIC access in xAPIC (MMIO) or x2APIC (MSR) mode, whichever the
 * firmware left enabled.  Physical APIC only; guests get a virtual one.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"

#define APIC_BASE_EXTD	 BIT(10)
#define APIC_BASE_ENABLE BIT(11)

#define APIC_ID	    0x20
#define APIC_SVR    0xf0
#define APIC_EOI    0xb0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310

#define ICR_INIT    (5 << 8)
#define ICR_STARTUP (6 << 8)
#define ICR_NMI	    (4 << 8)
#define ICR_PENDING BIT(12)
#define ICR_ASSERT  BIT(14)
#define ICR_LEVEL   BIT(15)

static volatile u32 *xapic;
static bool x2apic;
static bool ready;

static u32 apic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(0x800 + (reg >> 4));
	return xapic[reg / 4];
}

static void apic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

/*
 * The legacy 8259 PICs: klvisor takes no interrupts, so both are masked.
 * Left unmasked, the BIOS's timer interrupt (vector 8) reaches whatever
 * runs with interrupts enabled.
 */
static void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_init(void)
{
	pic_mask_all();
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base |= APIC_BASE_ENABLE);
	x2apic = base & APIC_BASE_EXTD;
	xapic = (volatile u32 *)(uintptr_t)(base & ~0xfffULL);
	apic_write(APIC_SVR, apic_read(APIC_SVR) | 0x1ff); /* enabled, spurious vector 0xff */
	ready = true;
}

u32 apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return x2apic ? id : id >> 24;
}

static void send_ipi(u32 dest, u32 cmd)
{
	if (x2apic) {
		wrmsr(0x830, (u64)dest << 32 | cmd);
		return;
	}
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, cmd);
	for (int i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax_io();
}

void apic_send_init(u32 dest)
{
	send_ipi(dest, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	udelay(10000);
}

void apic_send_sipi(u32 dest, u8 vector)
{
	send_ipi(dest, ICR_STARTUP | vector);
	udelay(200);
}

void apic_send_kick(u32 dest)
{
	if (ready)
		send_ipi(dest, ICR_ASSERT | APIC_KICK_VECTOR);
}

void apic_send_nmi(u32 dest)
{
	if (ready)
		send_ipi(dest, ICR_NMI | ICR_ASSERT);
}
