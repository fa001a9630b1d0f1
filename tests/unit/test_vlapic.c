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

static u32 rd(u32 off)
{
	u32 v = 0xdeadbeef;

	if (!vlapic_read(&l, off, &v))
		fail_msg("read of %#x refused", off);
	return v;
}

static void wr(u32 off, u32 val)
{
	struct apic_ipi ipi = { .send = true };

	if (!vlapic_write(&l, off, val, &ipi))
		fail_msg("write of %#x refused", off);
	if (off != ICR_LO && off != SELF_IPI)
		assert_false(ipi.send);
}

static bool can_read(u32 off)
{
	u32 v;

	return vlapic_read(&l, off, &v);
}

static bool can_write(u32 off, u32 val)
{
	struct apic_ipi ipi;

	return vlapic_write(&l, off, val, &ipi);
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
	assert_true(vlapic_write(&l, ICR_LO, 0x00004031, &ipi));
	assert_true(ipi.send);
	assert_int_equal(ipi.icr & 0xff, 0x31);
	assert_int_equal((ipi.icr >> 8) & 7, 0);
	assert_int_equal((ipi.icr >> 18) & 3, 0);
	assert_int_equal(ipi.dest, 5);
	/* INIT to all excluding self */
	assert_true(vlapic_write(&l, ICR_LO, 0x000c4500, &ipi));
	assert_true(ipi.send);
	assert_int_equal((ipi.icr >> 8) & 7, 5);
	assert_int_equal((ipi.icr >> 18) & 3, 3);
	assert_int_equal(ICR_DELIVERY(ipi.icr), ICR_DM_INIT);
	assert_int_equal(ICR_SHORTHAND(ipi.icr), ICR_SH_OTHERS);
	/* SIPI with vector 0x9a to APIC 0xfe; ICR_HI bits 23:0 are not the destination */
	wr(ICR_HI, 0xfe00ffff);
	assert_true(vlapic_write(&l, ICR_LO, 0x0000469a, &ipi));
	assert_int_equal(ipi.icr & 0xff, 0x9a);
	assert_int_equal((ipi.icr >> 8) & 7, 6);
	assert_int_equal(ipi.dest, 0xfe);
	/* self and all-including-self shorthands */
	assert_true(vlapic_write(&l, ICR_LO, 0x00044041, &ipi));
	assert_int_equal((ipi.icr >> 18) & 3, 1);
	assert_true(vlapic_write(&l, ICR_LO, 0x00084041, &ipi));
	assert_int_equal((ipi.icr >> 18) & 3, 2);
	/* ICR reads back what was written, with delivery status (bit 12) idle */
	assert_true(vlapic_write(&l, ICR_LO, 0x00005041, &ipi));
	assert_int_equal(rd(ICR_LO), 0x00004041);
	/* other writes send nothing */
	ipi.send = true;
	assert_true(vlapic_write(&l, TPR, 0, &ipi));
	assert_false(ipi.send);
	ipi.send = true;
	assert_true(vlapic_write(&l, ICR_HI, 0x01000000, &ipi));
	assert_false(ipi.send);
	ipi.send = true;
	assert_false(vlapic_write(&l, 0x10, 0, &ipi));
	assert_false(ipi.send);
}

static void test_icr_and_self_ipi_x2apic(void **state)
{
	struct apic_ipi ipi;

	(void)state;
	vlapic_reset(&l, 9, false);
	to_x2apic();
	memset(&ipi, 0, sizeof(ipi));
	assert_true(vlapic_write(&l, ICR_LO, 0x00004077, &ipi));
	assert_true(ipi.send);
	assert_int_equal(ipi.icr & 0xff, 0x77);
	assert_int_equal((ipi.icr >> 8) & 7, 0);
	/* SELF IPI: a fixed interrupt with the vector in bits 7:0, to this APIC */
	memset(&ipi, 0, sizeof(ipi));
	assert_true(vlapic_write(&l, SELF_IPI, 0x45, &ipi));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
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
