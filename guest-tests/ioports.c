// SPDX-License-Identifier: MIT
/*
 * Guest test: klvisor's port I/O (docs/guest-abi.md, "Devices and ports"):
 * the COM1 line status and scratch registers, unclaimed ports reading all
 * ones, the PIC mask registers and fw_cfg.
 */
#include "guest.h"

#define COM1_SCR    0x3ff
#define COM1_LSR    0x3fd
#define UNUSED_PORT 0x140 /* nothing there on a PC, nor under klvisor */
#define PIC1_DATA   0x21
#define PIC2_DATA   0xa1

static void test_com1(void)
{
	u8 lsr = inb(COM1_LSR), a, b;

	report((lsr & 0x60) == 0x60, "com1-lsr-ready",
	       "LSR %#x: THRE (bit 5) and TEMT (bit 6) expected", lsr);
	report(!(lsr & 1), "com1-lsr-no-data", "LSR %#x: data ready (bit 0) set", lsr);
	outb(COM1_SCR, 0x5a);
	a = inb(COM1_SCR);
	outb(COM1_SCR, 0xa5);
	b = inb(COM1_SCR);
	report(a == 0x5a && b == 0xa5, "com1-scratch", "wrote 0x5a, 0xa5; read %#x, %#x", a, b);
}

static void test_unknown_port(void)
{
	u8 b;
	u16 w;
	u32 l;

	outb(UNUSED_PORT, 0x12);
	outw(UNUSED_PORT, 0x1234);
	outl(UNUSED_PORT, 0x12345678);
	b = inb(UNUSED_PORT);
	w = inw(UNUSED_PORT);
	l = inl(UNUSED_PORT);
	report(b == 0xff, "unknown-port-inb", "port %#x read %#x", UNUSED_PORT, b);
	report(w == 0xffff, "unknown-port-inw", "port %#x read %#x", UNUSED_PORT, w);
	report(l == 0xffffffff, "unknown-port-inl", "port %#x read %#x", UNUSED_PORT, l);
}

static void test_pic_mask(void)
{
	u8 m1, m2;

	outb(PIC1_DATA, 0xa5);
	outb(PIC2_DATA, 0x5a);
	m1 = inb(PIC1_DATA);
	m2 = inb(PIC2_DATA);
	report(m1 == 0xa5, "pic1-mask", "port 0x21: wrote 0xa5, read %#x", m1);
	report(m2 == 0x5a, "pic2-mask", "port 0xa1: wrote 0x5a, read %#x", m2);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	m1 = inb(PIC1_DATA);
	report(m1 == 0xff, "pic1-mask-all", "port 0x21: wrote 0xff, read %#x", m1);
}

static void test_fw_cfg(void)
{
	char sig[5] = { 0 };
	u16 n = 0;
	u32 unknown = 0xdeadbeef;
	long vcpus;

	fw_cfg_read(FW_CFG_SIGNATURE, sig, 4);
	report(!strcmp(sig, "QEMU"), "fw-cfg-signature", "key 0 reads %02x %02x %02x %02x",
	       (u8)sig[0], (u8)sig[1], (u8)sig[2], (u8)sig[3]);
	fw_cfg_read(FW_CFG_NB_CPUS, &n, sizeof(n));
	vcpus = hc_vcpu_count();
	if (hypercall_faulted())
		fail("fw-cfg-cpus", "fw_cfg says %u vCPUs; the vcpu_count hypercall raised #UD", n);
	else
		report(n == vcpus, "fw-cfg-cpus", "fw_cfg says %u vCPUs, vcpu_count says %ld", n,
		       vcpus);
	fw_cfg_read(0x7ff0, &unknown, sizeof(unknown));
	report(unknown == 0, "fw-cfg-unknown-key", "key 0x7ff0 reads %#x, expected 0", unknown);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_com1();
	test_unknown_port();
	test_pic_mask();
	test_fw_cfg();
	return 0;
}
