// SPDX-License-Identifier: MIT
/*
 * Guest test: a misbehaving guest that klvisor must survive, next to
 * well-behaved neighbours.
 *
 *   chaos        (2 vCPUs) garbage hypercalls, random APIC register
 *                writes, odd IPI delivery modes, an IPI storm between the
 *                two vCPUs, random ports and MSRs, fw_cfg reads past the
 *                end, a broken "Shutdown" sequence, CR0/CR4 toggling;
 *                it must still pass, and so must everyone else
 *   chaos mmio-cross  a 32-bit read of the local APIC that straddles two
 *                register slots (offset 0x2e): klvisor stops this VM
 *   chaos mmio-inc    an INC of a local APIC register, an instruction klvisor
 *                does not emulate there: it stops this VM and prints its bytes
 *   chaos mmio-idt    the IDT on the local APIC page, then a #PF: the gate is
 *                read by event delivery, not by the faulting MOV, which
 *                klvisor must not emulate as an APIC read; it stops this VM
 *   chaos mmio-walk   a page table on the local APIC page, then a load through
 *                it: the walk reads the APIC page, not the load; klvisor must
 *                not emulate the load as an APIC read; it stops this VM
 */
#include "guest.h"

#define VEC_STORM  0x50
#define STORM_IPIS 5000

static u64 rng = 0x2545f4914f6cdd1dULL;

static u64 next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static volatile u32 storm_hits[2];

static void storm_handler(struct exc_frame *f)
{
	(void)f;
	storm_hits[smp_id()]++;
	apic_eoi();
}

static void garbage_hypercalls(void)
{
	report(hypercall(~0UL, 1, 2, 3) == HC_ENOSYS, "hc-unknown-number", "not -ENOSYS");
	report(hypercall(HC_PRINT, 0xffff800000000000UL, 8, 0) == HC_EFAULT,
	       "hc-print-noncanonical", "not -EFAULT");
	report(hypercall(HC_PRINT, 0x1000, 1UL << 63, 0) == HC_EINVAL, "hc-print-huge-length",
	       "not -EINVAL");
	report(hypercall(HC_PRINT, 0xfffffff000UL, 16, 0) == HC_EFAULT, "hc-print-unmapped",
	       "not -EFAULT");
}

static void random_apic_writes(void)
{
	u32 spiv = apic_read(APIC_SPIV);

	/* Every register but the ICR (IPIs come below, on purpose). */
	for (int i = 0; i < 400; i++) {
		u32 reg = (u32)(next_rand() % 0x40) << 4;

		if (reg == APIC_ICR_LO || reg == APIC_ICR_HI || reg == APIC_ID)
			continue;
		apic_write(reg, (u32)next_rand());
	}
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SPIV, spiv | 0x100);
	for (int i = 0; i < 8; i++)
		apic_eoi(); /* whatever is in service now */
	report(apic_read(APIC_VERSION) == 0x50014, "apic-after-random-writes",
	       "version register changed");
}

static void nmi_handler(struct exc_frame *f)
{
	(void)f;
}

static void eoi_handler(struct exc_frame *f)
{
	(void)f;
	apic_eoi();
}

static void odd_ipis(void)
{
	/* NMI, SMI, lowest priority, logical destination: dropped or delivered, never fatal. */
	set_irq_handler(NMI_VECTOR, nmi_handler); /* NMIs are delivered */
	set_irq_handler(0x60, eoi_handler); /* and lowest-priority interrupts, to one vCPU */
	apic_send_ipi(1, 0x400 | 0x4000); /* NMI */
	apic_send_ipi(1, 0x200 | 0x4000); /* SMI */
	apic_send_ipi(0xff, 0x100 | 0x800 | 0x60); /* lowest priority, logical, vector 0x60 */
	apic_send_ipi(0, 0x4000 | 0x8000 | 0x500); /* INIT level de-assert to self: ignored */
	pass("odd-ipis-survived");
}

static void storm_sender(void *arg)
{
	(void)arg;
	for (int i = 0; i < STORM_IPIS; i++)
		apic_send_ipi(0, 0x4000 | VEC_STORM);
}

static void ipi_storm(void)
{
	u64 t0;

	set_irq_handler(VEC_STORM, storm_handler);
	irq_enable();
	on_cpu_async(1, storm_sender, NULL);
	on_cpu_wait(1);
	t0 = rdtsc();
	while (storm_hits[0] == 0 && rdtsc() - t0 < 100000000ULL)
		cpu_relax();
	irq_disable();
	/* Fixed IPIs coalesce in the IRR, so fewer than sent may arrive; at least one must. */
	report(storm_hits[0] > 0 && storm_hits[0] <= STORM_IPIS, "ipi-storm",
	       "%u interrupts for %d IPIs", storm_hits[0], STORM_IPIS);
}

static void ports_and_msrs(void)
{
	u64 v;

	for (int i = 0; i < 500; i++)
		(void)inb((u16)next_rand());
	for (int i = 0; i < 500; i++)
		rdmsr_safe((u32)next_rand(), &v);
	outw(0x510, 0x7fff); /* fw_cfg: an unknown key, read far past any end */
	for (int i = 0; i < 100; i++)
		(void)inb(0x511);
	for (const char *p = "ShutxShutdowShutdoww"; *p; p++)
		outb(0x8900, (u8)*p); /* never the whole word */
	pass("ports-msrs-fwcfg-survived");
}

static void control_registers(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	write_cr0(cr0 | (1UL << 30)); /* CD */
	write_cr0(cr0 & ~(1UL << 16)); /* WP off */
	write_cr0(cr0);
	write_cr4(cr4 ^ (1UL << 7)); /* PGE */
	write_cr4(cr4);
	asm volatile("wbinvd; invd" ::: "memory");
	report(read_cr0() == cr0 && read_cr4() == cr4, "control-registers-restored",
	       "CR0 %#lx CR4 %#lx", read_cr0(), read_cr4());
}

/* An address the boot map covers (2 MiB pages) beyond this VM's RAM: its tables can be changed freely. */
#define SPARE_VA 0x80000000UL

/* The IDT moved onto the local APIC page; then a load that faults (#PF). */
static void idt_on_apic_page(void)
{
	struct __attribute__((packed)) {
		u16 limit;
		u64 base;
	} idtr = { 0xfff, APIC_BASE_PA };
	u64 *pte = pt_split_4k((void *)SPARE_VA);
	u32 v = 0;

	*pte &= ~PTE_P;
	invlpg((void *)SPARE_VA);
	pass("before-idt-on-apic-page");
	asm volatile("lidt %0" : : "m"(idtr));
	/* Gate 14 is at APIC offset 0xe0 (DFR): a read klvisor would otherwise emulate for the MOV. */
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(SPARE_VA) : "memory");
	fail("idt-on-apic-page", "klvisor did not stop the VM (read %#x)", v);
}

/* A page table on the local APIC page; then a load through it. */
static void page_table_on_apic_page(void)
{
	int level;
	u64 *pde = pt_lookup(SPARE_VA, &level);
	u32 v = 0;

	if (level != 2) {
		fail("page-table-on-apic-page", "%#lx is mapped at level %d, not by a PDE",
		     SPARE_VA, level);
		return;
	}
	pt_split_4k((void *)SPARE_VA); /* the PDE now points to a page table */
	*pde = (*pde & ~PTE_ADDR) | APIC_BASE_PA;
	invlpg((void *)(SPARE_VA + 4 * PAGE_SIZE));
	pass("before-page-table-on-apic-page");
	/* Its PTE is at APIC offset 0x20 (the APIC ID): a read klvisor would otherwise emulate for the load. */
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(SPARE_VA + 4 * PAGE_SIZE) : "memory");
	fail("page-table-on-apic-page", "klvisor did not stop the VM (read %#x)", v);
}

int main(int argc, char **argv)
{
	if (has_arg(argc, argv, "mmio-idt")) {
		idt_on_apic_page();
		return 1;
	}
	if (has_arg(argc, argv, "mmio-walk")) {
		page_table_on_apic_page();
		return 1;
	}
	if (has_arg(argc, argv, "mmio-cross")) {
		pass("before-straddling-apic-read");
		(void)*(volatile u32 *)(APIC_BASE_PA + APIC_ID + 0xe);
		fail("straddling-apic-read", "klvisor did not stop the VM");
		return 1;
	}
	if (has_arg(argc, argv, "mmio-inc")) {
		pass("before-apic-inc");
		asm volatile("incl (%0)" ::"r"(APIC_BASE_PA + 0x380) : "memory");
		fail("apic-inc", "klvisor did not stop the VM");
		return 1;
	}
	if (smp_start(2) != 2)
		fail("smp", "vCPU 1 did not start");
	garbage_hypercalls();
	random_apic_writes();
	odd_ipis();
	ipi_storm();
	ports_and_msrs();
	control_registers();
	return 0;
}
