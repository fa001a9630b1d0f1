// SPDX-License-Identifier: MIT
/*
 * Port I/O: every IN/OUT exits.  The devices are the per-VM 16550 on COM1
 * (vuart.c), the isa-debug-exit and Bochs shutdown ports that end a VM,
 * the PICs and the PIT (platform.c) and a minimal fw_cfg (see
 * docs/guest-abi.md).  Any other port reads all ones and drops writes,
 * logged once per port per VM.
 */
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/exit.h"
#include "vmm/platform.h"
#include "vmm/vcpu.h"
#include "vmm/vuart_access.h"

#define COM1		 0x3f8
#define DEBUG_EXIT_PORT	 0xf4
#define SHUTDOWN_PORT	 0x8900
#define FW_CFG_SEL	 0x510
#define FW_CFG_DATA	 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_NB_CPUS	 0x0005

#define IO_SIZE(q)    (((q)&7) + 1)
#define IO_IN(q)      ((q)&8)
#define IO_STRING(q)  ((q)&16)
#define IO_PORT(q)    ((u16)((q) >> 16))
#define IO_MASK(size) (0xffffffffU >> (32 - 8 * (size))) /* size 1, 2 or 4 */
/* A byte IN or OUT (not INS/OUTS) to one of the UART's eight ports. */
#define IO_UART_BYTE(q) (((q) & (0xfff80000U | 16 | 7)) == (u32)COM1 << 16)

void vuart_flush(struct vm *vm)
{
	struct vuart *u = &vm->uart;

	u->line[u->len] = '\0';
	if (vm_console_charge(vm, u->len + 1))
		printk_guest("[%s] %s\n", vm->def.name, u->line);
	u->len = 0;
}

/* A byte the guest sent: into its console line (rare next to the other accesses). */
static __noinline void uart_tx(struct vm *vm, u8 c)
{
	struct vuart *u = &vm->uart;

	if (c == '\r')
		return;
	if (c == '\n' || u->len == VUART_LINE_MAX) {
		vuart_flush(vm);
		if (c == '\n')
			return;
	}
	/* Keep the console readable: control bytes become '.'. */
	u->line[u->len++] = (c < ' ' || c > '~') && c != '\t' ? '.' : (char)c;
}

/*
 * The UART's interrupt output is a wire: the PIC and the I/O APIC see its
 * level, so they hear only of changes (most accesses change nothing, and
 * the path through both costs more than the access itself).
 */
static void uart_irq_update(struct vm *vm)
{
	bool level = vuart_irq(&vm->uart.regs);

	if (level == vm->uart.irq_line)
		return;
	vm->uart.irq_line = level;
	platform_isa_irq(vm, 4, level);
}

/* After an access to a register in VUART_IRQ_REGS: a byte sent (only THR sends), the line. */
static __always_inline void uart_after(struct vm *vm, bool in, int r)
{
	if (!in && r >= 0)
		uart_tx(vm, (u8)r);
	uart_irq_update(vm);
}

/*
 * A register access.  The interrupt line is looked at again only after an
 * access that can move it (VUART_IRQ_REGS): one to LCR, MSR or the
 * scratch register cannot, and neither can it send.  handle_io() makes
 * the same split for a byte access, with the follow-up as a tail call.
 */
static __always_inline u32 uart_io(struct vm *vm, unsigned reg, bool in, u32 val)
{
	int r = vuart_access(&vm->uart.regs, reg, in, (u8)val);

	_Static_assert(VUART_IRQ_REGS & BIT(0), "THR, the one register that sends, is in the set");
	if (BIT(reg) & VUART_IRQ_REGS)
		uart_after(vm, in, r);
	return (u32)r;
}

unsigned vuart_input(struct vm *vm, const char *s, size_t len)
{
	unsigned n = 0;

	spin_lock(&vm->lock);
	while (n < len && vuart_rx(&vm->uart.regs, (u8)s[n]))
		n++;
	uart_irq_update(vm);
	spin_unlock(&vm->lock);
	return n;
}

static void debug_exit(struct vcpu *v, u32 value)
{
	enum vm_result r = value == 0 ? VM_PASSED : value == 38 ? VM_SKIPPED : VM_FAILED;

	vm_end(v->vm, r, value, "wrote %u to the exit port 0xf4 (status %u)", value,
	       value << 1 | 1);
}

static void shutdown_port(struct vcpu *v, u8 c)
{
	static const char word[] = "Shutdown";
	struct vm *vm = v->vm;

	vm->shutdown_match = c == (u8)word[vm->shutdown_match] ? vm->shutdown_match + 1 :
			     c == 'S'			       ? 1 :
								 0;
	if (vm->shutdown_match == sizeof(word) - 1) {
		/* Matching starts again: bytes other vCPUs send before they stop stay inside word. */
		vm->shutdown_match = 0;
		vm_end(vm, VM_PASSED, 0, "wrote \"Shutdown\" to port 0x8900");
	}
}

static u32 fw_cfg_read(struct vm *vm)
{
	u32 off = vm->fwcfg_off++;

	if (vm->fwcfg_key == FW_CFG_SIGNATURE)
		return off < 4 ? (u8) "QEMU"[off] : 0;
	if (vm->fwcfg_key == FW_CFG_NB_CPUS)
		return off < 2 ? (vm->nr_vcpus >> (8 * off)) & 0xff : 0;
	return 0;
}

/* The ports other than the UART's, out of line: none of them is hot. */
static __noinline u32 other_port_io(struct vcpu *v, u16 port, unsigned size, bool in, u32 val)
{
	struct vm *vm = v->vm;
	u32 ones = IO_MASK(size);

	val &= ones;
	if (platform_port_io(v, port, size, in, &val))
		return val;
	switch (port) {
	case DEBUG_EXIT_PORT:
		if (!in)
			debug_exit(v, val);
		return ones;
	case SHUTDOWN_PORT:
		if (!in)
			shutdown_port(v, (u8)val);
		return ones;
	case FW_CFG_SEL:
		if (!in) {
			vm->fwcfg_key = (u16)val;
			vm->fwcfg_off = 0;
		}
		return ones;
	case FW_CFG_DATA:
		return in ? fw_cfg_read(vm) : ones;
	}
	if (vm_first_time(vm, vm->logged_ports, ARRAY_SIZE(vm->logged_ports), port))
		pr_info("[%s] vcpu%u: %s port 0x%x: no device (reads all ones, writes dropped; logged once)\n",
			vm->def.name, v->id, in ? "read from" : "write to", port);
	return ones;
}

/* With the lock of @v's VM (@vm) held: the UART first, it is what guests hit most. */
static __always_inline u32 dispatch_port(struct vcpu *v, struct vm *vm, u16 port, unsigned size,
					 bool in, u32 val)
{
	unsigned reg = (u16)(port - COM1);

	if (reg < 8)
		return uart_io(vm, reg, in, val);
	return other_port_io(v, port, size, in, val);
}

/* Returns the value an IN reads.  The device side of string I/O (strio_exit.c). */
u32 port_io(struct vcpu *v, u16 port, unsigned size, bool in, u32 val)
{
	return dispatch_port(v, v->vm, port, size, in, val);
}

/* What an IN of @size bytes leaves in RAX: a 32-bit one zero-extends, as any 32-bit register write does. */
static void io_in_result(struct vcpu *v, unsigned size, u32 val)
{
	u32 mask = IO_MASK(size);

	v->regs.rax = size == 4 ? val : (v->regs.rax & ~(u64)mask) | (val & mask);
}

/*
 * The end of an IN or OUT of @size bytes: the VM's lock dropped, what an
 * IN read in RAX, RIP past it.  A port that ended the VM (vm_end()) has
 * raised ATTN_ENDED on every vCPU, which the exit loop tests before the
 * next entry, so this need not look.
 */
static __always_inline enum exit_action io_done(struct vcpu *v, struct vm *vm, u32 qual,
						unsigned size, u32 val)
{
	spin_unlock(&vm->lock);
	if (IO_IN(qual))
		io_in_result(v, size, val);
	vcpu_skip_instruction(v);
	return EXIT_RESUME;
}

/* A byte access to a UART register in VUART_IRQ_REGS has been made (@r its result). */
static __noinline enum exit_action uart_irq_reg_done(struct vcpu *v, u32 qual, int r)
{
	struct vm *vm = v->vm;

	uart_after(vm, IO_IN(qual), r);
	return io_done(v, vm, qual, 1, (u32)r);
}

/* Every IN and OUT but a byte to the UART: string I/O, the other ports, wider UART accesses. */
static __noinline enum exit_action other_io(struct vcpu *v, u32 qual)
{
	struct vm *vm = v->vm;
	u32 val;

	if (IO_STRING(qual)) /* INS/OUTS: bit 5 is REP */
		return handle_string_io(v, IO_PORT(qual), IO_SIZE(qual), IO_IN(qual), qual & 32);
	spin_lock(&vm->lock);
	val = dispatch_port(v, vm, IO_PORT(qual), IO_SIZE(qual), IO_IN(qual), (u32)v->regs.rax);
	return io_done(v, vm, qual, IO_SIZE(qual), val);
}

/*
 * IN and OUT (SDM 27.2.1, table 28-5): the qualification names the port,
 * size and direction.  A device takes an OUT's value as wide as the
 * access (the UART's registers are bytes), so RAX goes to it unmasked.
 * A byte to the UART, what guests do most, is served here without a
 * call: the register access is inline, and the rare follow-up work (a
 * byte to print, the interrupt line) is a tail call.
 */
enum exit_action handle_io(struct vcpu *v)
{
	u32 qual = (u32)vmcs_read(EXIT_QUALIFICATION);
	struct vm *vm = v->vm;
	unsigned reg = IO_PORT(qual) - COM1;
	int r;

	if (!IO_UART_BYTE(qual))
		return other_io(v, qual);
	spin_lock(&vm->lock);
	r = vuart_access(&vm->uart.regs, reg, IO_IN(qual), (u8)v->regs.rax);
	if (BIT(reg) & VUART_IRQ_REGS)
		return uart_irq_reg_done(v, qual, r);
	return io_done(v, vm, qual, 1, (u32)r);
}
