// SPDX-License-Identifier: MIT
/*
 * Exceptions taken in klvisor itself.  The VMM never takes interrupts (it
 * runs with IF clear), so every vector here is either an NMI sent by a
 * panicking CPU or a bug: dump everything and stop the machine.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "lib/printf.h"
#include "vmm/shutdown.h"

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
	"reserved 22",
	"reserved 23",
	"reserved 24",
	"reserved 25",
	"reserved 26",
	"reserved 27",
	"#HV hypervisor injection",
	"#VC VMM communication",
	"#SX security",
	"reserved 31",
};

static void dump_frame(const struct trap_frame *f)
{
	printk("  RIP %016lx  CS %04lx  RFLAGS %016lx\n", f->rip, f->cs, f->rflags);
	printk("  RSP %016lx  SS %04lx  CR2 %016lx\n", f->rsp, f->ss, read_cr2());
	printk("  CR0 %016lx  CR3 %016lx  CR4 %016lx\n", read_cr0(), read_cr3(), read_cr4());
	printk("  RAX %016lx  RBX %016lx  RCX %016lx\n", f->rax, f->rbx, f->rcx);
	printk("  RDX %016lx  RSI %016lx  RDI %016lx\n", f->rdx, f->rsi, f->rdi);
	printk("  RBP %016lx  R8  %016lx  R9  %016lx\n", f->rbp, f->r8, f->r9);
	printk("  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r10, f->r11, f->r12);
	printk("  R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
}

void trap_handler(struct trap_frame *f)
{
	struct percpu *pc = this_cpu();

	if (f->vector == 2 && stop_requested())
		stop_this_cpu(); /* another CPU panicked and asked us to stop */

	if (pc && pc->in_panic) {
		/* A fault while reporting a fault: say so minimally, never loop. */
		printk_go_lockless();
		printk("klvisor: nested exception %lu during panic; halting\n", f->vector);
		halt_forever();
	}
	if (pc)
		pc->in_panic = true;
	panic_begin();
	printk("klvisor: PANIC: CPU %u: exception %lu (%s), error code 0x%lx\n", pc ? pc->id : 0,
	       f->vector, f->vector < 32 ? exc_names[f->vector] : "unexpected interrupt", f->error);
	dump_frame(f);
	system_stop(STOP_PANIC);
}
