// SPDX-License-Identifier: MIT
/*
 * The legacy platform's wiring (see platform.h).  Interrupt lines:
 *
 *   PIT channel 0 --> ISA IRQ 0 --> PIC IR0, I/O APIC pin 2 (MADT override)
 *   ISA IRQ n (n = 1..15) -------> PIC IRn, I/O APIC pin n
 *   PIC INTR ---------------------> vCPU 0 LINT0 (ExtINT)
 *   I/O APIC messages ------------> the local APICs they name
 *
 * Which of the two paths a guest uses is its choice, as on a PC: it masks
 * the one it does not want.
 */
#include "arch/x86/timer.h"
#include "lib/printf.h"
#include "vmm/exit.h"
#include "vmm/platform.h"
#include "vmm/vcpu.h"

#define LVT_LINT0	  3 /* index in vlapic.lvt[] */
#define LVT_DM(x)	  (((x) >> 8) & 7)
#define LVT_DM_EXTINT	  7
#define PIC_MASTER_VECTOR 0x08 /* where a PC BIOS leaves the PICs */
#define PIC_SLAVE_VECTOR  0x70

enum { DEV_PIC = 1, DEV_PIT = 2, DEV_IOAPIC = 4 };

/*
 * A device model met a mode it does not emulate: say so loudly, the first
 * time per device per VM (a guest may repeat it in a loop).
 */
static void report_unsupported(struct vm *vm, unsigned dev, const char **what)
{
	static const char *const names[] = {
		[DEV_PIC] = "8259 PIC", [DEV_PIT] = "8254 PIT", [DEV_IOAPIC] = "I/O APIC"
	};

	if (!*what)
		return;
	if (!(vm->logged_devices & dev))
		pr_warn("[%s] %s: %s is not emulated (logged once per device)\n", vm->def.name,
			names[dev], *what);
	vm->logged_devices |= dev;
	*what = NULL;
}

/*
 * Channel 0's next edge moved: vCPU 0's exit loop, which keeps the time
 * it next looks, must read it again (the store before the raise, so it
 * never reads the old time after clearing the flag).
 */
static void pit_rearm(struct vm *vm)
{
	__atomic_store_n(&vm->pit_armed, vpit_next_irq(&vm->pit), __ATOMIC_SEQ_CST);
	vcpu_attn_set(vm->vcpus[0], ATTN_PIT, true);
}

/* The PIC's INTR may have changed: vCPU 0 sees it at its next injection point. */
static void pic_update(struct vm *vm)
{
	bool intr = vpic_intr(&vm->pic);

	report_unsupported(vm, DEV_PIC, &vm->pic.unsupported);
	if (intr == vcpu_attn(vm->vcpus[0], ATTN_EXTINT))
		return;
	vcpu_attn_set(vm->vcpus[0], ATTN_EXTINT, intr);
	if (intr)
		apic_kick(vm->vcpus[0]);
}

/* An I/O APIC redirection entry fired: deliver it as the local APIC bus would. */
static void ioapic_send(void *ctx, const struct ioapic_msg *m)
{
	struct vm *vm = ctx;

	switch (m->delivery) {
	case 0: /* fixed */
	case 1: /* lowest priority: the first match, as for IPIs */
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *t = vm->vcpus[i];

			if (!(m->logical ? vlapic_match_logical(&t->lapic, m->dest, false) :
					   vlapic_match(&t->lapic, m->dest, false)))
				continue;
			vlapic_post_trig(&t->lapic, m->vector, m->level);
			apic_kick(t);
			if (m->delivery == 1)
				break;
		}
		return;
	case 4: /* NMI */
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *t = vm->vcpus[i];

			if (m->logical ? vlapic_match_logical(&t->lapic, m->dest, false) :
					 vlapic_match(&t->lapic, m->dest, false)) {
				vcpu_attn_set(t, ATTN_NMI, true);
				apic_kick(t);
			}
		}
		return;
	default:
		/* INIT and ExtINT through the I/O APIC: no PC guest routes them so. */
		if (vm_first_time(vm, vm->logged_ipis, ARRAY_SIZE(vm->logged_ipis),
				  0x100 | m->delivery))
			pr_warn("[%s] I/O APIC: delivery mode %u is not emulated; dropped (logged once)\n",
				vm->def.name, m->delivery);
	}
}

void platform_reset(struct vm *vm)
{
	static const u8 bios_init[][2] = {
		{ 0x20, 0x11 }, { 0x21, PIC_MASTER_VECTOR },
		{ 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, PIC_SLAVE_VECTOR },
		{ 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0xfb }, { 0xa1, 0xff }, /* everything masked but the cascade */
	};

	vpic_reset(&vm->pic);
	/* klvisor boots guests without a BIOS; it does what SeaBIOS would have. */
	for (unsigned i = 0; i < ARRAY_SIZE(bios_init); i++)
		vpic_write(&vm->pic, bios_init[i][0], bios_init[i][1]);
	vcpu_attn_set(vm->vcpus[0], ATTN_EXTINT, false);
	vuart_reset(&vm->uart.regs);
	vm->uart.irq_line = false;
	vpit_reset(&vm->pit, tsc_khz * 1000);
	vioapic_reset(&vm->ioapic, vm->nr_vcpus);
	vm->ioapic.send = ioapic_send;
	vm->ioapic.ctx = vm;
	/* And it programs the boot CPU's LINT0 for the PIC, as the BIOS (and KVM) do. */
	vm->vcpus[0]->lapic.lvt[LVT_LINT0] = LVT_DM_EXTINT << 8;
}

static bool pic_port(u16 port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || port == 0x4d0 ||
	       port == 0x4d1;
}

static bool pit_port(u16 port)
{
	return (port >= 0x40 && port <= 0x43) || port == 0x61;
}

/*
 * The devices are byte-wide, on the ISA bus: a wider access is one byte
 * access per port (a 16-bit OUT to 0x20 also writes 0x21), and the bytes
 * at ports with no platform device read all ones.
 */
bool platform_port_io(struct vcpu *v, u16 port, unsigned size, bool in, u32 *val)
{
	struct vm *vm = v->vm;
	u64 now;
	u32 out = 0;

	if (!pic_port(port) && !pit_port(port))
		return false;
	now = rdtsc();
	for (unsigned i = 0; i < size; i++) {
		u16 p = (u16)(port + i);
		u8 b = (u8)(*val >> (8 * i)), r = 0xff;

		if (pic_port(p)) {
			if (in)
				r = vpic_read(&vm->pic, p);
			else
				vpic_write(&vm->pic, p, b);
			pic_update(vm);
		} else if (pit_port(p)) {
			if (in) {
				r = vpit_read(&vm->pit, p, now);
			} else {
				vpit_write(&vm->pit, p, b, now);
				/* A new channel 0 count: its first edge is due at a new time. */
				pit_rearm(vm);
			}
			report_unsupported(vm, DEV_PIT, &vm->pit.unsupported);
		}
		out |= (u32)r << (8 * i);
	}
	if (in)
		*val = out;
	return true;
}

void platform_isa_irq(struct vm *vm, unsigned irq, bool level)
{
	vpic_set_irq(&vm->pic, irq, level);
	pic_update(vm);
	vioapic_set_irq(&vm->ioapic, irq == 0 ? 2 : irq, level);
	report_unsupported(vm, DEV_IOAPIC, &vm->ioapic.unsupported);
}

void platform_poll(struct vcpu *v, u64 now)
{
	struct vm *vm = v->vm;
	u64 next = platform_next(v);

	if (!next || now < next)
		return;
	spin_lock(&vm->lock);
	/* Any number of edges since the last look coalesce into one, as a late IRQ 0 does. */
	if (vpit_poll(&vm->pit, now)) {
		platform_isa_irq(vm, 0, true);
		platform_isa_irq(vm, 0, false);
	}
	pit_rearm(vm);
	spin_unlock(&vm->lock);
}

bool platform_lint0_accepts(const struct vcpu *v)
{
	u64 base = v->lapic.base_msr;
	u32 lint0 = v->lapic.lvt[LVT_LINT0];

	return !(base & APIC_BASE_EN) || (!(lint0 & LVT_MASKED) && LVT_DM(lint0) == LVT_DM_EXTINT);
}

u8 platform_extint_ack(struct vcpu *v)
{
	struct vm *vm = v->vm;
	u8 vec;

	/* A request gone since platform_extint_pending() gets the spurious vector, as on a PC. */
	spin_lock(&vm->lock);
	vec = vpic_ack(&vm->pic);
	pic_update(vm);
	spin_unlock(&vm->lock);
	return vec;
}

void platform_level_eoi(struct vm *vm, u8 vector)
{
	spin_lock(&vm->lock);
	vioapic_eoi(&vm->ioapic, vector);
	report_unsupported(vm, DEV_IOAPIC, &vm->ioapic.unsupported);
	spin_unlock(&vm->lock);
}

bool platform_ioapic_read(struct vcpu *v, u32 off, u32 *val)
{
	spin_lock(&v->vm->lock);
	*val = vioapic_read(&v->vm->ioapic, off);
	spin_unlock(&v->vm->lock);
	return true;
}

void platform_ioapic_write(struct vcpu *v, u32 off, u32 val)
{
	spin_lock(&v->vm->lock);
	vioapic_write(&v->vm->ioapic, off, val);
	report_unsupported(v->vm, DEV_IOAPIC, &v->vm->ioapic.unsupported);
	spin_unlock(&v->vm->lock);
}
