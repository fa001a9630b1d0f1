// SPDX-License-Identifier: MIT
/* Bringing up the application processors with INIT-SIPI-SIPI. */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"
#include "boot/layout.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/mm.h"

#define AP_START_TIMEOUT_US 1000000

extern const char ap_start[], ap_start_end[], ap_params[];

struct ap_params {
	u64 cr3, stack, percpu, entry;
};

static void (*ap_main)(struct percpu *pc);

static void ap_entry(struct percpu *pc)
{
	percpu_init_local(pc, pc->id, pc->stack_top);
	apic_init();
	pc->apic_id = apic_id();
	pc->state = CPU_ONLINE;
	ap_main(pc);
	halt_forever();
}

static struct percpu *alloc_cpu(unsigned id, u32 apic)
{
	u64 pc_pa = page_alloc(sizeof(struct percpu) / PAGE_SIZE);
	u64 stack_pa = page_alloc(CPU_STACK_SIZE / PAGE_SIZE);
	struct percpu *pc = phys_to_virt(pc_pa);

	if (!pc_pa || !stack_pa)
		return NULL;
	pc->id = id;
	pc->apic_id = apic;
	pc->stack_top = stack_pa + CPU_STACK_SIZE;
	return pc;
}

static bool start_one(struct percpu *pc)
{
	u8 *blob = phys_to_virt(AP_TRAMPOLINE_ADDR);
	struct ap_params *p = (void *)(blob + (ap_params - ap_start));

	memcpy(blob, ap_start, (size_t)(ap_start_end - ap_start));
	p->cr3 = read_cr3();
	p->stack = pc->stack_top;
	p->percpu = (u64)pc;
	p->entry = (u64)ap_entry;
	mb();

	apic_send_init(pc->apic_id);
	for (int sipi = 0; sipi < 2 && pc->state == CPU_OFFLINE; sipi++)
		apic_send_sipi(pc->apic_id, AP_TRAMPOLINE_ADDR >> PAGE_SHIFT);
	for (u64 waited = 0; pc->state == CPU_OFFLINE && waited < AP_START_TIMEOUT_US;
	     waited += 100)
		udelay(100);
	return pc->state != CPU_OFFLINE;
}

unsigned smp_boot_aps(const struct madt_info *madt, void (*entry)(struct percpu *pc))
{
	u32 self = apic_id();

	ap_main = entry;
	nr_cpus = 1;
	for (unsigned i = 0; i < madt->nr_cpus; i++) {
		struct percpu *pc;

		if (madt->apic_ids[i] == self)
			continue;
		if (nr_cpus == MAX_CPUS) {
			pr_warn("smp: more than %u CPUs; the rest stay offline\n", MAX_CPUS);
			break;
		}
		pc = alloc_cpu(nr_cpus, madt->apic_ids[i]);
		if (!pc) {
			pr_err("smp: out of memory for CPU with APIC ID %u\n", madt->apic_ids[i]);
			break;
		}
		if (!start_one(pc)) {
			pr_err("smp: CPU with APIC ID %u did not start; continuing without it\n",
			       madt->apic_ids[i]);
			continue;
		}
		nr_cpus++;
	}
	return nr_cpus;
}
