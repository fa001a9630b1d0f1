/* SPDX-License-Identifier: MIT */
/*
 * VMs and vCPUs.  A VM owns its RAM (one contiguous allocation mapped at
 * guest-physical 0 through its own EPT) and its devices; a vCPU owns its
 * VMCS, its registers and its virtual local APIC, and lives on one
 * physical CPU for its whole life, so only that CPU ever touches its VMCS.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include "arch/x86/ept.h"
#include "arch/x86/vmx.h"
#include "lib/spinlock.h"
#include "vmm/guest_boot.h"
#include "vmm/kl/keylocker.h"
#include "vmm/vioapic.h"
#include "vmm/vlapic.h"
#include "vmm/vpic.h"
#include "vmm/vpit.h"
#include "vmm/vuart.h"
#include "vmm/vmdef.h"

#define MAX_VMS		128
#define NR_EXIT_REASONS 80
#define VUART_LINE_MAX	120
#define CONSOLE_BUDGET	(64 * 1024) /* console bytes a VM may print per run */

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED, /* HLT: waits for an interrupt */
	VCPU_WAIT_SIPI, /* application vCPU before its SIPI */
	VCPU_DONE, /* its VM has ended */
};

/* How a VM ended, in isa-debug-exit terms: status = v << 1 | 1. */
enum vm_result { VM_PASSED, VM_FAILED, VM_SKIPPED, VM_STOPPED };

struct vuart {
	struct vuart_regs regs;
	char line[VUART_LINE_MAX + 1]; /* what it sent, printed a line at a time */
	unsigned len;
	bool irq_line; /* the level last driven onto IRQ 4 */
};

struct vm;

/*
 * Everything that sends the exit loop off its fast path, one byte per
 * source: whoever raises one, on any CPU, does it with a plain byte store,
 * and the loop tests them all with one 8-byte load (the layout Linux's
 * qspinlock uses for the byte-wide fields of its lock word).  The local
 * APIC's IRR hint and its timer are the loop's other two checks.
 */
enum vcpu_attn {
	ATTN_NMI, /* an NMI is pending: raised by any CPU, injected by the owner */
	ATTN_INIT, /* an INIT is pending: the owning CPU resets the vCPU */
	ATTN_ENDED, /* its VM has ended (vm_end() raises it on every vCPU) */
	ATTN_EXTINT, /* vCPU 0 only: the PIC asserts INTR */
	ATTN_PIT, /* vCPU 0 only: the PIT's next edge moved (platform_next()) */
};

union vcpu_attention {
	u8 flag[8]; /* by enum vcpu_attn */
	u64 any;
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	unsigned pcpu; /* the physical CPU that runs it, always */
	u64 vmcs_pa;
	bool launched;
	volatile enum vcpu_state state;
	volatile int sipi_vector; /* -1: none pending */
	union vcpu_attention attn; /* through vcpu_attn() and vcpu_attn_set() */
	bool nmi_in_service; /* an NMI was injected and not yet seen returned from */
	bool halt_if; /* RFLAGS.IF when it halted: whether an interrupt wakes it */
	struct guest_regs regs;
	struct vlapic lapic;
	struct kl_vcpu kl;
	u64 tsc_aux, tsc_adjust;
	u64 xcr0;
	void *fpu; /* XSAVE/FXSAVE area while the vCPU is not on the CPU */
	u64 star, lstar, cstar, fmask, kernel_gs_base; /* MSRs VMX does not switch */
	u64 dr[4], dr6; /* debug registers VMX does not switch (DR7 is in the VMCS) */
	u64 exit_count[NR_EXIT_REASONS]; /* exits by basic reason; vcpu_exits(): all */
	struct vcpu *next_on_cpu; /* run-queue link */
};

static inline bool vcpu_attn(const struct vcpu *v, enum vcpu_attn a)
{
	return __atomic_load_n(&v->attn.flag[a], __ATOMIC_ACQUIRE);
}

static inline void vcpu_attn_set(struct vcpu *v, enum vcpu_attn a, bool on)
{
	__atomic_store_n(&v->attn.flag[a], on, __ATOMIC_SEQ_CST);
}

/* Is anything raised?  The exit loop's one test for all of them. */
static inline bool vcpu_attn_any(const struct vcpu *v)
{
	return __atomic_load_n(&v->attn.any, __ATOMIC_ACQUIRE);
}

/* Its exits so far, all reasons (the loop counts each reason only). */
static inline u64 vcpu_exits(const struct vcpu *v)
{
	u64 n = 0;

	for (unsigned r = 0; r < NR_EXIT_REASONS; r++)
		n += v->exit_count[r];
	return n;
}

struct vm {
	unsigned id;
	struct vm_def def;
	u64 ram_pa, ram_size;
	u8 *ram; /* host view of guest-physical 0 */
	struct ept ept;
	unsigned nr_vcpus;
	struct vcpu *vcpus[VM_MAX_VCPUS];

	struct guest_boot boot; /* entry point and information block */
	struct cpuid_regs cpuid_table[32]; /* leaves worked out once (cpuid.c) */
	struct kl_vm_backup kl_backup;
	u64 deadline_tsc; /* 0: none */
	bool end_claimed; /* vm_end: the first caller wins */
	volatile bool ended;
	unsigned vcpus_retired;
	/* test.wipecheck: each wipe read back; a dirty one names what it found. */
	bool wipe_checked;
	const char *wipe_dirty;
	enum vm_result result;
	u32 exit_value; /* the v of an isa-debug-exit style exit */
	char end_reason[192]; /* room for a reason with an instruction's 15 bytes in hex */
	spinlock_t lock;
	spinlock_t lock_log; /* the logged_* sets, which the I/O path fills under lock */

	/* Devices, under lock. */
	struct vuart uart;
	struct vpic pic;
	struct vpit pit;
	struct vioapic ioapic;
	volatile u64 pit_armed; /* host TSC of the PIT's next IRQ 0 edge, 0: none */
	u8 logged_devices; /* devices whose unemulated modes were reported (platform.c) */
	u16 fwcfg_key;
	u32 fwcfg_off;
	u8 shutdown_match; /* progress through "Shutdown" on port 0x8900 */
	u32 logged_ports[8]; /* ports already reported, tiny open hash */
	u32 logged_msrs[8];
	u32 logged_ipis[8]; /* IPI delivery modes already reported */
	/* Every guest-triggered console line is charged here (vm_console_charge). */
	u32 console_budget; /* bytes left before its output is dropped */
	u64 console_dropped; /* bytes dropped since */
};

extern struct vm *vms[MAX_VMS];
extern unsigned nr_vms;
extern volatile unsigned vms_running; /* VMs not yet ended */

static inline void *gpa_to_hva(struct vm *vm, u64 gpa, u64 len)
{
	if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

/*
 * Should this VM's first access to @key (a port or an MSR, in @set) be
 * logged?  Only the first time; once @set is full, nothing more is
 * logged, so a guest probing thousands of ports cannot flood the console.
 */
/*
 * Charge @len bytes of guest-triggered console output to @vm; false (and
 * counted, with one note when the limit is first hit) if over budget.
 */
bool vm_console_charge(struct vm *vm, size_t len);
bool vm_first_time(struct vm *vm, u32 *set, unsigned n, u32 key);

/* Fill @vm's CPUID table (cpuid.c), once its vCPUs exist. */
void cpuid_vm_init(struct vm *vm);

/* Create every VM defined by the boot modules; returns how many run. */
unsigned vms_create(void);

/*
 * End @vm with @result; the first caller wins.  Safe from any CPU; the
 * VM's vCPUs stop at their next scheduling point.
 */
void vm_end(struct vm *vm, enum vm_result result, u32 value, const char *fmt, ...) __printf(4, 5);

const char *vm_result_name(enum vm_result r);

/* Print the VM's buffered console line as one "[name] line" (io.c). */
void vuart_flush(struct vm *vm);
/* Bytes from the monitor to the VM's UART; returns how many fit in its FIFO (io.c). */
unsigned vuart_input(struct vm *vm, const char *s, size_t len);

/* Print one line per VM and the totals; returns true if all passed or skipped. */
bool vms_report(void);

#endif
