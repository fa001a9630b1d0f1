// SPDX-License-Identifier: MIT
/*
 * The virtual local APIC against the Intel SDM Vol. 3, chapter "Advanced
 * Programmable Interrupt Controller": register reset values, xAPIC and
 * x2APIC register views, IA32_APIC_BASE state transitions (section
 * "x2APIC State Transitions"), the ICR and SELF IPI, EOI, and interrupt
 * acceptance by priority (TPR, PPR, ISR, IRR).
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/vlapic.h"

/* Register offsets (SDM Vol. 3, table "Local APIC Register Address Map") */
#define ID	  0x20
#define VER	  0x30
#define TPR	  0x80
#define PPR	  0xa0
#define EOI	  0xb0
#define LDR	  0xd0
#define DFR	  0xe0
#define SVR	  0xf0
#define ISR0	  0x100
#define TMR0	  0x180
#define IRR0	  0x200
#define ESR	  0x280
#define ICR_LO	  0x300
#define ICR_HI	  0x310
#define LVT_TIMER 0x320
#define LVT_ERROR 0x370
#define TIMER_ICR 0x380
#define TIMER_DCR 0x3e0
#define SELF_IPI  0x3f0

/* IA32_APIC_BASE */
#define BASE	 0xfee00000ULL
#define MSR_BSP	 0x100ULL
#define MSR_EXTD 0x400ULL
#define MSR_EN	 0x800ULL

static struct vlapic l;
static u64 now; /* host TSC the register accesses happen at */

static u32 rd(u32 off)
{
	u32 v = 0xdeadbeef;

	if (!vlapic_read(&l, off, now, &v))
		fail_msg("read of %#x refused", off);
	return v;
}

static void wr(u32 off, u32 val)
{
	struct apic_ipi ipi = { .send = true };

	if (!vlapic_write(&l, off, val, now, &ipi))
		fail_msg("write of %#x refused", off);
	if (off != ICR_LO && off != SELF_IPI)
		assert_false(ipi.send);
}

static bool can_read(u32 off)
{
	u32 v;

	return vlapic_read(&l, off, now, &v);
}

static bool can_write(u32 off, u32 val)
{
	struct apic_ipi ipi;

	return vlapic_write(&l, off, val, now, &ipi);
}

/* Register holding vector @v's bit in the ISR/IRR, and the bit. */
static u32 vreg(u32 base, unsigned v)
{
	return base + (v / 32) * 0x10;
}

static bool isr_has(unsigned v)
{
	return rd(vreg(ISR0, v)) & (1u << (v % 32));
}

static bool irr_has(unsigned v)
{
	return rd(vreg(IRR0, v)) & (1u << (v % 32));
}

static void to_x2apic(void)
{
	assert_true(vlapic_set_base(&l, BASE | MSR_EN | MSR_EXTD | (l.base_msr & MSR_BSP)));
	assert_true(vlapic_x2apic(&l));
}

static void check_reset_registers(void)
{
	assert_int_equal(rd(VER), 0x50014);
	assert_int_equal(rd(TPR), 0);
	assert_int_equal(rd(PPR), 0);
	assert_int_equal(rd(LDR), 0);
	assert_int_equal(rd(DFR), 0xffffffff);
	assert_int_equal(rd(SVR), 0xff);
	assert_int_equal(rd(ESR), 0);
	assert_int_equal(rd(ICR_LO), 0);
	assert_int_equal(rd(ICR_HI), 0);
	assert_int_equal(rd(TIMER_ICR), 0);
	assert_int_equal(rd(TIMER_DCR), 0);
	for (u32 off = LVT_TIMER; off <= LVT_ERROR; off += 0x10)
		assert_int_equal(rd(off), 0x10000); /* only the mask bit */
	for (u32 i = 0; i < 8; i++) {
		assert_int_equal(rd(ISR0 + i * 0x10), 0);
		assert_int_equal(rd(TMR0 + i * 0x10), 0);
		assert_int_equal(rd(IRR0 + i * 0x10), 0);
	}
	assert_int_equal(vlapic_pending(&l), -1);
}

static void test_reset_bsp(void **state)
{
	(void)state;
	memset(&l, 0x5a, sizeof(l));
	vlapic_reset(&l, 3, true);
	assert_int_equal(l.base_msr, 0xfee00900);
	assert_false(vlapic_x2apic(&l));
	assert_false(vlapic_enabled(&l)); /* software-disabled until SVR bit 8 */
	assert_int_equal(rd(ID), 0x03000000);
	check_reset_registers();
}

static void test_reset_ap(void **state)
{
	(void)state;
	memset(&l, 0xa5, sizeof(l));
	vlapic_reset(&l, 1, false);
	assert_int_equal(l.base_msr, 0xfee00800);
	assert_int_equal(rd(ID), 0x01000000);
	check_reset_registers();
}

static void test_xapic_registers(void **state)
{
	(void)state;
	vlapic_reset(&l, 0, true);
	wr(ID, 0x0a123456); /* the ID is bits 31:24 */
	assert_int_equal(rd(ID), 0x0a000000);
	assert_true(vlapic_match(&l, 0x0a, false));
	wr(TPR, 0xffffff5a);
	assert_int_equal(rd(TPR), 0x5a);
	assert_int_equal(rd(PPR), 0x5a);
	wr(LDR, 0x12345678); /* logical ID is bits 31:24 */
	assert_int_equal(rd(LDR), 0x12000000);
	wr(DFR, 0); /* model in 31:28, the rest reads as ones */
	assert_int_equal(rd(DFR), 0x0fffffff);
	wr(DFR, 0xf0000000);
	assert_int_equal(rd(DFR), 0xffffffff);
	wr(SVR, 0x1ff);
	assert_int_equal(rd(SVR), 0x1ff);
	assert_true(vlapic_enabled(&l));
	wr(SVR, 0x0ff);
	assert_false(vlapic_enabled(&l));
	wr(SVR, 0x13f);
	assert_int_equal(rd(SVR), 0x13f);
	wr(LVT_TIMER + 0x30, 0x00000721); /* LINT0: ExtINT, unmasked */
	assert_int_equal(rd(LVT_TIMER + 0x30), 0x721);
	assert_int_equal(rd(LVT_TIMER), 0x10000);
	wr(TIMER_ICR, 0x12345678);
	assert_int_equal(rd(TIMER_ICR), 0x12345678);
	wr(TIMER_DCR, 0xb); /* divide by 1 */
	assert_int_equal(rd(TIMER_DCR), 0xb);
	l.esr = 0x80;
	wr(ESR, 0x1234); /* a write clears the error status */
	assert_int_equal(rd(ESR), 0);
	/* ICR high: the destination field in 31:24 reads back */
	wr(ICR_HI, 0x05000000);
	assert_int_equal(rd(ICR_HI) >> 24, 5);
	/* no register here */
	assert_false(can_read(0x10));
	assert_false(can_read(0x40));
	assert_false(can_read(0x400));
	assert_false(can_write(0x10, 0));
	/* SELF IPI exists only in x2APIC mode */
	assert_false(can_write(SELF_IPI, 0x40));
}

static void test_x2apic_registers(void **state)
{
	(void)state;
	vlapic_reset(&l, 0x23, false);
	to_x2apic();
	assert_int_equal(l.base_msr, 0xfee00c00);
	/* The x2APIC ID is the whole register, not bits 31:24. */
	assert_int_equal(rd(ID), 0x23);
	/* Logical x2APIC ID: cluster (ID[19:4]) << 16 | 1 << ID[3:0] */
	assert_int_equal(rd(LDR), (0x2u << 16) | (1u << 3));
	assert_int_equal(rd(VER), 0x50014);
	/* DFR and ICR high do not exist; the ID and LDR are read-only. */
	assert_false(can_read(DFR));
	assert_false(can_read(ICR_HI));
	assert_false(can_write(DFR, 0xffffffff));
	assert_false(can_write(ICR_HI, 0));
	assert_false(can_write(ID, 0x5));
	assert_false(can_write(LDR, 0x10001));
	assert_int_equal(rd(ID), 0x23);
	/* write-only registers cannot be read, read-only ones cannot be written */
	assert_false(can_read(EOI));
	assert_false(can_read(SELF_IPI));
	assert_false(can_write(VER, 0));
	assert_false(can_write(PPR, 0));
	assert_false(can_write(ISR0, 0));
	assert_false(can_write(IRR0, 0));
	/* the rest works as in xAPIC mode */
	wr(TPR, 0x20);
	assert_int_equal(rd(TPR), 0x20);
	wr(SVR, 0x1ff);
	assert_true(vlapic_enabled(&l));

	vlapic_reset(&l, 0, false);
	to_x2apic();
	assert_int_equal(rd(LDR), 0x1);
	vlapic_reset(&l, 0x1f, false);
	to_x2apic();
	assert_int_equal(rd(LDR), 0x18000);
	vlapic_reset(&l, 0x12345, false);
	to_x2apic();
	assert_int_equal(rd(ID), 0x12345);
	assert_int_equal(rd(LDR), (0x1234u << 16) | (1u << 5));
}

static void test_base_invalid(void **state)
{
	(void)state;
	vlapic_reset(&l, 2, true);
	wr(TPR, 0x30);
	/* EXTD without EN is the invalid state */
	assert_false(vlapic_set_base(&l, BASE | MSR_EXTD | MSR_BSP));
	/* reserved bits: 0-7, 9, and above the physical-address width */
	assert_false(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP | 0x1));
	assert_false(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP | 0x80));
	assert_false(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP | 0x200));
	assert_false(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP | (1ULL << 63)));
	assert_false(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP | (1ULL << 36)));
	/* the base cannot be moved */
	assert_false(vlapic_set_base(&l, 0xfed00000 | MSR_EN | MSR_BSP));
	assert_false(vlapic_set_base(&l, 0xfee01000 | MSR_EN | MSR_BSP));
	assert_false(vlapic_set_base(&l, MSR_EN | MSR_BSP));
	/* none of that changed anything */
	assert_int_equal(l.base_msr, 0xfee00900);
	assert_int_equal(rd(TPR), 0x30);
	/* rewriting the current value is fine and changes nothing */
	assert_true(vlapic_set_base(&l, 0xfee00900));
	assert_int_equal(rd(TPR), 0x30);

	/* x2APIC -> xAPIC directly is invalid */
	to_x2apic();
	assert_false(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP));
	assert_true(vlapic_x2apic(&l));
	assert_false(vlapic_set_base(&l, BASE | MSR_EXTD | MSR_BSP));
	assert_true(vlapic_x2apic(&l));
	assert_int_equal(rd(TPR), 0x30);
	/* ...it goes through disabled */
	assert_true(vlapic_set_base(&l, BASE | MSR_BSP));
	assert_false(vlapic_x2apic(&l));
	/* from disabled, only xAPIC mode may follow, not x2APIC */
	assert_false(vlapic_set_base(&l, BASE | MSR_EN | MSR_EXTD | MSR_BSP));
	assert_int_equal(l.base_msr, BASE | MSR_BSP);
	assert_true(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP));
	assert_int_equal(l.base_msr, 0xfee00900);
	assert_true(vlapic_set_base(&l, BASE | MSR_EN | MSR_EXTD | MSR_BSP));
	assert_int_equal(l.base_msr, 0xfee00d00);
}

static void test_disable_keeps_id(void **state)
{
	(void)state;
	vlapic_reset(&l, 0, true);
	wr(ID, 0x07000000);
	wr(SVR, 0x1ff);
	vlapic_post(&l, 0x80);
	assert_int_equal(vlapic_pending(&l), 0x80);
	assert_true(vlapic_set_base(&l, BASE | MSR_BSP)); /* EN = 0 */
	assert_int_equal(l.base_msr, 0xfee00100);
	assert_false(vlapic_enabled(&l));
	assert_int_equal(vlapic_pending(&l), -1);
	assert_true(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP));
	assert_int_equal(rd(ID), 0x07000000);
	assert_int_equal(rd(SVR), 0xff);
	assert_false(irr_has(0x80));

	/* The same from x2APIC mode: the 32-bit ID survives. */
	vlapic_reset(&l, 0x345, false);
	to_x2apic();
	wr(TPR, 0x40);
	vlapic_post(&l, 0x50);
	assert_true(vlapic_set_base(&l, BASE));
	assert_false(vlapic_x2apic(&l));
	assert_true(vlapic_set_base(&l, BASE | MSR_EN));
	assert_int_equal(l.base_msr, 0xfee00800);
	assert_int_equal(rd(TPR), 0);
	assert_false(irr_has(0x50));
	to_x2apic();
	assert_int_equal(rd(ID), 0x345);
}

static void test_disable_resets_state(void **state)
{
	(void)state;
	vlapic_reset(&l, 0, true);
	wr(ID, 0x07000000);
	wr(SVR, 0x1ff);
	wr(TPR, 0x20);
	wr(LDR, 0x01000000);
	wr(DFR, 0x0fffffff);
	wr(LVT_ERROR, 0xfe);
	wr(TIMER_ICR, 1000);
	wr(ICR_HI, 0x03000000);
	vlapic_post(&l, 0x40);
	vlapic_ack(&l, 0x40);
	vlapic_post(&l, 0x80);
	assert_true(vlapic_set_base(&l, BASE | MSR_BSP));
	assert_true(vlapic_set_base(&l, BASE | MSR_EN | MSR_BSP));
	assert_int_equal(rd(ID), 0x07000000);
	assert_int_equal(l.base_msr, 0xfee00900);
	check_reset_registers();
}

static void test_icr_xapic(void **state)
{
	struct apic_ipi ipi;

	(void)state;
	vlapic_reset(&l, 0, true);
	/* fixed IPI, vector 0x31, level assert, to APIC 5 */
	wr(ICR_HI, 0x05000000);
	memset(&ipi, 0, sizeof(ipi));
	assert_true(vlapic_write(&l, ICR_LO, 0x00004031, now, &ipi));
	assert_true(ipi.send);
	assert_int_equal(ipi.icr & 0xff, 0x31);
	assert_int_equal((ipi.icr >> 8) & 7, 0);
	assert_int_equal((ipi.icr >> 18) & 3, 0);
	assert_int_equal(ipi.dest, 5);
	/* INIT to all excluding self */
	assert_true(vlapic_write(&l, ICR_LO, 0x000c4500, now, &ipi));
	assert_true(ipi.send);
	assert_int_equal((ipi.icr >> 8) & 7, 5);
	assert_int_equal((ipi.icr >> 18) & 3, 3);
	assert_int_equal(ICR_DELIVERY(ipi.icr), ICR_DM_INIT);
	assert_int_equal(ICR_SHORTHAND(ipi.icr), ICR_SH_OTHERS);
	/* SIPI with vector 0x9a to APIC 0xfe; ICR_HI bits 23:0 are not the destination */
	wr(ICR_HI, 0xfe00ffff);
	assert_true(vlapic_write(&l, ICR_LO, 0x0000469a, now, &ipi));
	assert_int_equal(ipi.icr & 0xff, 0x9a);
	assert_int_equal((ipi.icr >> 8) & 7, 6);
	assert_int_equal(ipi.dest, 0xfe);
	/* self and all-including-self shorthands */
	assert_true(vlapic_write(&l, ICR_LO, 0x00044041, now, &ipi));
	assert_int_equal((ipi.icr >> 18) & 3, 1);
	assert_true(vlapic_write(&l, ICR_LO, 0x00084041, now, &ipi));
	assert_int_equal((ipi.icr >> 18) & 3, 2);
	/* ICR reads back what was written, with delivery status (bit 12) idle */
	assert_true(vlapic_write(&l, ICR_LO, 0x00005041, now, &ipi));
	assert_int_equal(rd(ICR_LO), 0x00004041);
	/* other writes send nothing */
	ipi.send = true;
	assert_true(vlapic_write(&l, TPR, 0, now, &ipi));
	assert_false(ipi.send);
	ipi.send = true;
	assert_true(vlapic_write(&l, ICR_HI, 0x01000000, now, &ipi));
	assert_false(ipi.send);
	ipi.send = true;
	assert_false(vlapic_write(&l, 0x10, 0, now, &ipi));
	assert_false(ipi.send);
}

static void test_icr_and_self_ipi_x2apic(void **state)
{
	struct apic_ipi ipi;

	(void)state;
	vlapic_reset(&l, 9, false);
	to_x2apic();
	memset(&ipi, 0, sizeof(ipi));
	assert_true(vlapic_write(&l, ICR_LO, 0x00004077, now, &ipi));
	assert_true(ipi.send);
	assert_int_equal(ipi.icr & 0xff, 0x77);
	assert_int_equal((ipi.icr >> 8) & 7, 0);
	/* SELF IPI: a fixed interrupt with the vector in bits 7:0, to this APIC */
	memset(&ipi, 0, sizeof(ipi));
	assert_true(vlapic_write(&l, SELF_IPI, 0x45, now, &ipi));
	assert_true(ipi.send);
	assert_int_equal(ipi.icr & 0xff, 0x45);
	assert_int_equal((ipi.icr >> 8) & 7, 0); /* fixed */
	assert_int_equal((ipi.icr >> 18) & 3, 1); /* self */
	assert_int_equal(ipi.dest, 9);
}

static void test_eoi(void **state)
{
	(void)state;
	vlapic_reset(&l, 0, true);
	wr(SVR, 0x1ff);
	vlapic_post(&l, 0x31);
	assert_int_equal(vlapic_pending(&l), 0x31);
	vlapic_ack(&l, 0x31);
	vlapic_post(&l, 0x61);
	assert_int_equal(vlapic_pending(&l), 0x61);
	vlapic_ack(&l, 0x61);
	vlapic_post(&l, 0xe0);
	vlapic_ack(&l, 0xe0);
	assert_true(isr_has(0x31) && isr_has(0x61) && isr_has(0xe0));
	assert_int_equal(rd(ISR0 + 0x10), 1u << (0x31 - 32));
	assert_int_equal(rd(ISR0 + 0x30), 1u << (0x61 - 96));
	assert_int_equal(rd(ISR0 + 0x70), 1u << 0);
	/* EOI retires the highest-priority in-service vector */
	wr(EOI, 0);
	assert_false(isr_has(0xe0));
	assert_true(isr_has(0x61) && isr_has(0x31));
	wr(EOI, 0);
	assert_false(isr_has(0x61));
	assert_true(isr_has(0x31));
	wr(EOI, 0);
	assert_false(isr_has(0x31));
	wr(EOI, 0); /* nothing in service: harmless */
	for (u32 i = 0; i < 8; i++)
		assert_int_equal(rd(ISR0 + i * 0x10), 0);
}

static void test_priority(void **state)
{
	(void)state;
	vlapic_reset(&l, 0, true);
	/* software-disabled: nothing is delivered */
	vlapic_post(&l, 0x40);
	assert_true(irr_has(0x40));
	assert_int_equal(rd(IRR0 + 0x20), 1);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(SVR, 0x1ff);
	assert_int_equal(vlapic_pending(&l), 0x40);
	vlapic_ack(&l, 0x40);
	assert_false(irr_has(0x40));
	assert_true(isr_has(0x40));
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(PPR), 0x40);
	/* same class as the one in service, and lower: held back */
	vlapic_post(&l, 0x4f);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_post(&l, 0x3f);
	assert_int_equal(vlapic_pending(&l), -1);
	/* higher class: delivered */
	vlapic_post(&l, 0x50);
	assert_int_equal(vlapic_pending(&l), 0x50);
	/* the TPR raises the bar: class 5 is now blocked, class 6 is not */
	wr(TPR, 0x50);
	assert_int_equal(rd(PPR), 0x50);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_post(&l, 0x60);
	assert_int_equal(vlapic_pending(&l), 0x60);
	wr(TPR, 0x6f);
	assert_int_equal(vlapic_pending(&l), -1);
	/* PPR: the TPR when its class is at least the ISR's, else the ISR class */
	wr(TPR, 0x35);
	assert_int_equal(rd(PPR), 0x40);
	wr(TPR, 0x45);
	assert_int_equal(rd(PPR), 0x45);
	wr(TPR, 0);
	/* EOI of 0x40 opens class 4 and up again: highest first */
	assert_int_equal(vlapic_pending(&l), 0x60);
	wr(EOI, 0);
	assert_int_equal(rd(PPR), 0);
	assert_int_equal(vlapic_pending(&l), 0x60);
	vlapic_ack(&l, 0x60);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(EOI, 0);
	assert_int_equal(vlapic_pending(&l), 0x50);
	vlapic_ack(&l, 0x50);
	wr(EOI, 0);
	assert_int_equal(vlapic_pending(&l), 0x4f);
	vlapic_ack(&l, 0x4f);
	wr(EOI, 0);
	assert_int_equal(vlapic_pending(&l), 0x3f);
	/* the top vector, and the TPR masking everything */
	vlapic_post(&l, 0xff);
	assert_int_equal(vlapic_pending(&l), 0xff);
	wr(TPR, 0xf0);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(TPR, 0);
	/* software-disable again: pending is -1 though the IRR is set */
	wr(SVR, 0xff);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_true(irr_has(0xff));
}

static void test_pending_needs_hw_enable(void **state)
{
	(void)state;
	vlapic_reset(&l, 0, true);
	wr(SVR, 0x1ff);
	vlapic_post(&l, 0x80);
	assert_int_equal(vlapic_pending(&l), 0x80);
	l.base_msr &= ~MSR_EN; /* as if disabled, without the reset */
	assert_int_equal(vlapic_pending(&l), -1);
	assert_false(vlapic_enabled(&l));
}

static void test_match(void **state)
{
	(void)state;
	vlapic_reset(&l, 5, false);
	assert_true(vlapic_match(&l, 5, false));
	assert_false(vlapic_match(&l, 6, false));
	assert_false(vlapic_match(&l, 0, false));
	/* x2APIC destinations compare all 32 bits */
	vlapic_reset(&l, 0x105, false);
	assert_true(vlapic_match(&l, 0x105, true));
	assert_false(vlapic_match(&l, 0x5, true));
	assert_false(vlapic_match(&l, 0x10105, true));
	/* an xAPIC destination is the low 8 bits of the x2APIC ID */
	assert_true(vlapic_match(&l, 0x05, false));
	assert_false(vlapic_match(&l, 0x01, false));
	/* the xAPIC ID a guest wrote counts */
	vlapic_reset(&l, 1, false);
	wr(ID, 0x09000000);
	assert_true(vlapic_match(&l, 9, false));
	assert_false(vlapic_match(&l, 1, false));
}

/* SDM: with IA32_APIC_BASE.EN clear the APIC accepts no interrupts. */
static void test_hw_disabled_drops_posts(void **state)
{
	(void)state;
	vlapic_reset(&l, 0, true);
	wr(SVR, 0x1ff);
	assert_true(vlapic_set_base(&l, 0xfee00000ULL | (1 << 8))); /* EN clear */
	vlapic_post(&l, 0x40);
	assert_true(vlapic_set_base(&l, 0xfee00000ULL | (1 << 8) | (1 << 11)));
	wr(SVR, 0x1ff);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_post(&l, 0x40); /* enabled again: accepted */
	assert_int_equal(vlapic_pending(&l), 0x40);
}

/*
 * The timer.  The virtual APIC timer's input clock is the TSC (CPUID leaf
 * 0x15 reports a 1/1 ratio), so one count lasts "divide value" TSC
 * cycles.  Expected values follow the SDM Vol. 3, 11.5.4 by hand.
 */
#define CCR	 0x390
#define MASKED	 0x10000
#define PERIODIC 0x20000
#define DEADLINE 0x40000

static void timer_setup(u32 lvt)
{
	vlapic_reset(&l, 0, true);
	now = 1000;
	wr(SVR, 0x1ff);
	wr(LVT_TIMER, lvt);
}

/* Poll at @t; the vector it posted (acknowledged and EOIed), or -1. */
static int fire_at(u64 t)
{
	int v;

	now = t;
	vlapic_timer_poll(&l, t);
	v = vlapic_pending(&l);
	if (v >= 0) {
		vlapic_ack(&l, (u8)v);
		wr(EOI, 0);
	}
	return v;
}

static void test_timer_divide_values(void **state)
{
	/* DCR bits 3,1,0 -> divide by (SDM figure "Divide Configuration Register") */
	static const struct {
		u32 dcr;
		u64 div;
	} t[] = { { 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },	  { 0x3, 16 },
		  { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 } };

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		timer_setup(0x40);
		wr(TIMER_DCR, t[i].dcr);
		wr(TIMER_ICR, 1000);
		assert_int_equal(rd(CCR), 1000);
		now += 300 * t[i].div;
		assert_int_equal(rd(CCR), 700);
		assert_int_equal(vlapic_timer_next(&l), 1000 + 1000 * t[i].div);
		assert_int_equal(rd(TIMER_DCR), t[i].dcr);
	}
}

static void test_timer_one_shot(void **state)
{
	(void)state;
	timer_setup(0x41);
	wr(TIMER_DCR, 0xb); /* divide by 1 */
	wr(TIMER_ICR, 500);
	assert_int_equal(fire_at(1499), -1);
	assert_int_equal(rd(CCR), 1);
	assert_int_equal(fire_at(1500), 0x41);
	assert_int_equal(rd(CCR), 0);
	assert_int_equal(vlapic_timer_next(&l), 0);
	assert_int_equal(fire_at(5000), -1); /* once only */
	assert_int_equal(rd(TIMER_ICR), 500); /* the initial count stays */
	/* Writing the initial count again restarts it; 0 stops it. */
	wr(TIMER_ICR, 10);
	assert_int_equal(vlapic_timer_next(&l), 5010);
	wr(TIMER_ICR, 0);
	assert_int_equal(vlapic_timer_next(&l), 0);
	assert_int_equal(fire_at(6000), -1);
}

static void test_timer_periodic(void **state)
{
	(void)state;
	timer_setup(PERIODIC | 0x42);
	wr(TIMER_DCR, 0); /* divide by 2: period 200 cycles */
	wr(TIMER_ICR, 100);
	assert_int_equal(fire_at(1199), -1);
	assert_int_equal(fire_at(1200), 0x42);
	assert_int_equal(vlapic_timer_next(&l), 1400);
	now = 1250; /* 125 counts since the start: 25 into the second period */
	assert_int_equal(rd(CCR), 75);
	/* Missed periods coalesce into one interrupt; the phase is kept. */
	assert_int_equal(fire_at(2050), 0x42);
	assert_int_equal(vlapic_timer_next(&l), 2200);
	assert_int_equal(fire_at(2100), -1);
	/* Switching to one-shot mid-count: this period ends it. */
	wr(LVT_TIMER, 0x42);
	assert_int_equal(fire_at(2200), 0x42);
	assert_int_equal(vlapic_timer_next(&l), 0);
	assert_int_equal(rd(CCR), 0);
}

static void test_timer_masked_counts_on(void **state)
{
	(void)state;
	timer_setup(MASKED | PERIODIC | 0x43);
	wr(TIMER_DCR, 0xb);
	wr(TIMER_ICR, 100);
	assert_int_equal(fire_at(1100), -1); /* masked: no interrupt... */
	assert_int_equal(vlapic_timer_next(&l), 1200); /* ...but it reloads */
	now = 1130;
	assert_int_equal(rd(CCR), 70);
	wr(LVT_TIMER, PERIODIC | 0x43); /* unmasked: the next period interrupts */
	assert_int_equal(fire_at(1200), 0x43);
}

static void test_timer_tsc_deadline(void **state)
{
	(void)state;
	timer_setup(DEADLINE | 0x44);
	wr(TIMER_ICR, 1234); /* ignored in TSC-deadline mode */
	assert_int_equal(rd(TIMER_ICR), 0);
	assert_int_equal(rd(CCR), 0);
	assert_int_equal(vlapic_timer_next(&l), 0);
	vlapic_set_tsc_deadline(&l, 50000, 3000); /* guest 50000 is host 3000 */
	assert_int_equal(vlapic_tsc_deadline(&l), 50000);
	assert_int_equal(fire_at(2999), -1);
	assert_int_equal(fire_at(3000), 0x44);
	assert_int_equal(vlapic_tsc_deadline(&l), 0); /* cleared when it fires */
	assert_int_equal(vlapic_timer_next(&l), 0);
	/* A deadline already past fires at the next look. */
	vlapic_set_tsc_deadline(&l, 7, 0);
	assert_int_equal(fire_at(3001), 0x44);
	/* 0 disarms. */
	vlapic_set_tsc_deadline(&l, 50000, 9000);
	vlapic_set_tsc_deadline(&l, 0, 0);
	assert_int_equal(fire_at(100000), -1);
	/* Masked: it fires (and clears) without an interrupt. */
	wr(LVT_TIMER, MASKED | DEADLINE | 0x44);
	vlapic_set_tsc_deadline(&l, 1, 200000);
	assert_int_equal(fire_at(200000), -1);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
}

static void test_timer_mode_change_disarms(void **state)
{
	(void)state;
	/* Outside TSC-deadline mode the MSR reads 0 and writes are ignored. */
	timer_setup(0x45);
	vlapic_set_tsc_deadline(&l, 99, 2000);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(vlapic_timer_next(&l), 0);
	/* One-shot counting, then TSC-deadline mode: disarmed. */
	wr(TIMER_ICR, 100);
	wr(LVT_TIMER, DEADLINE | 0x45);
	assert_int_equal(vlapic_timer_next(&l), 0);
	assert_int_equal(fire_at(10000), -1);
	/* An armed deadline, then one-shot mode and back: disarmed, reads 0. */
	vlapic_set_tsc_deadline(&l, 99, 20000);
	wr(LVT_TIMER, 0x45);
	wr(LVT_TIMER, DEADLINE | 0x45);
	assert_int_equal(vlapic_tsc_deadline(&l), 0);
	assert_int_equal(fire_at(30000), -1);
}

static void test_timer_expiry_before_a_write_is_kept(void **state)
{
	(void)state;
	timer_setup(0x46);
	wr(TIMER_DCR, 0xb);
	wr(TIMER_ICR, 100); /* due at 1100, not yet looked at */
	now = 1150;
	wr(LVT_TIMER, DEADLINE | 0x46); /* the disarm comes after the expiry */
	assert_int_equal(vlapic_pending(&l), 0x46);
}

static void test_timer_divide_change_mid_count(void **state)
{
	(void)state;
	timer_setup(0x47);
	wr(TIMER_DCR, 0); /* by 2 */
	wr(TIMER_ICR, 1000);
	now = 1600; /* 300 counts gone */
	assert_int_equal(rd(CCR), 700);
	wr(TIMER_DCR, 2); /* by 8: the 700 left now last 5600 cycles */
	assert_int_equal(rd(CCR), 700);
	now = 1600 + 8 * 100;
	assert_int_equal(rd(CCR), 600);
	assert_int_equal(vlapic_timer_next(&l), 1600 + 700 * 8);
}

static void test_software_disable_masks_lvt(void **state)
{
	(void)state;
	timer_setup(0x48);
	wr(SVR, 0xff); /* software disabled */
	for (u32 off = LVT_TIMER; off <= LVT_ERROR; off += 0x10)
		assert_true(rd(off) & MASKED);
	wr(LVT_TIMER, 0x48); /* the mask cannot be cleared while disabled */
	assert_true(rd(LVT_TIMER) & MASKED);
	wr(SVR, 0x1ff);
	wr(LVT_TIMER, 0x48);
	assert_false(rd(LVT_TIMER) & MASKED);
}

static void test_illegal_vector_not_accepted(void **state)
{
	(void)state;
	timer_setup(0x05); /* vectors 0-15 are illegal */
	wr(TIMER_DCR, 0xb);
	wr(TIMER_ICR, 1);
	assert_int_equal(fire_at(2000), -1);
	assert_int_equal(rd(ESR) & 0x40, 0x40); /* "received illegal vector" */
}

static void test_match_logical(void **state)
{
	(void)state;
	vlapic_reset(&l, 1, false);
	/* flat model: LDR bit set in the destination's bitmap */
	wr(LDR, 0x04000000);
	assert_true(vlapic_match_logical(&l, 0x04, false));
	assert_true(vlapic_match_logical(&l, 0x0c, false));
	assert_false(vlapic_match_logical(&l, 0x08, false));
	/* cluster model: cluster 2, member bit 0x1 */
	wr(DFR, 0x0fffffff);
	wr(LDR, 0x21000000);
	assert_true(vlapic_match_logical(&l, 0x21, false));
	assert_true(vlapic_match_logical(&l, 0x23, false));
	assert_false(vlapic_match_logical(&l, 0x11, false));
	assert_false(vlapic_match_logical(&l, 0x22, false));
	/* x2APIC: ID 0x23 is cluster 2, bit 3 (LDR 0x00020008) */
	vlapic_reset(&l, 0x23, false);
	assert_true(vlapic_match_logical(&l, 0x0002000c, true));
	assert_false(vlapic_match_logical(&l, 0x0001000c, true));
	assert_false(vlapic_match_logical(&l, 0x00020004, true));
}

/*
 * The TMR records the trigger mode of an accepted interrupt (set for
 * level, cleared for edge; SDM Vol. 3, 11.8.4), and only the EOI of a
 * level-triggered vector is reported, for the I/O APIC's remote IRR.
 */
static void test_tmr_and_level_eoi(void **state)
{
	struct apic_ipi ipi;

	(void)state;
	vlapic_reset(&l, 0, true);
	wr(SVR, 0x1ff);
	vlapic_post_trig(&l, 0x61, true);
	assert_true(rd(vreg(TMR0, 0x61)) & (1u << (0x61 % 32)));
	assert_int_equal(vlapic_pending(&l), 0x61);
	vlapic_ack(&l, 0x61);
	assert_true(vlapic_write(&l, EOI, 0, now, &ipi));
	assert_int_equal(ipi.level_eoi, 0x61);
	/* The same vector as an edge interrupt: TMR clear, its EOI not reported. */
	vlapic_post(&l, 0x61);
	assert_false(rd(vreg(TMR0, 0x61)) & (1u << (0x61 % 32)));
	vlapic_ack(&l, 0x61);
	assert_true(vlapic_write(&l, EOI, 0, now, &ipi));
	assert_int_equal(ipi.level_eoi, -1);
	/* Nothing in service: nothing to report; other writes report nothing. */
	assert_true(vlapic_write(&l, EOI, 0, now, &ipi));
	assert_int_equal(ipi.level_eoi, -1);
	assert_true(vlapic_write(&l, TPR, 0x10, now, &ipi));
	assert_int_equal(ipi.level_eoi, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmr_and_level_eoi),
		cmocka_unit_test(test_timer_divide_values),
		cmocka_unit_test(test_timer_one_shot),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_timer_masked_counts_on),
		cmocka_unit_test(test_timer_tsc_deadline),
		cmocka_unit_test(test_timer_mode_change_disarms),
		cmocka_unit_test(test_timer_expiry_before_a_write_is_kept),
		cmocka_unit_test(test_timer_divide_change_mid_count),
		cmocka_unit_test(test_software_disable_masks_lvt),
		cmocka_unit_test(test_illegal_vector_not_accepted),
		cmocka_unit_test(test_match_logical),
		cmocka_unit_test(test_hw_disabled_drops_posts),
		cmocka_unit_test(test_reset_bsp),
		cmocka_unit_test(test_reset_ap),
		cmocka_unit_test(test_xapic_registers),
		cmocka_unit_test(test_x2apic_registers),
		cmocka_unit_test(test_base_invalid),
		cmocka_unit_test(test_disable_keeps_id),
		cmocka_unit_test(test_disable_resets_state),
		cmocka_unit_test(test_icr_xapic),
		cmocka_unit_test(test_icr_and_self_ipi_x2apic),
		cmocka_unit_test(test_eoi),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_pending_needs_hw_enable),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
