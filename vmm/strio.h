/* SPDX-License-Identifier: MIT */
/*
 * String port I/O (INS/OUTS, with and without REP): the iterations of
 * one VM exit.  Pure: guest memory and the ports come in as callbacks,
 * so host tests can run every form against a fake memory and device.
 * vmm/strio_exit.c connects it to the VMCS, the guest's page tables and
 * port_io().
 */
#ifndef VMM_STRIO_H
#define VMM_STRIO_H

#include "vmm/segment.h"

/*
 * At most this many bytes of elements per VM exit (4096 bytes, 2048
 * words, 1024 doublewords).  A REP with more left resumes the guest
 * without advancing RIP, so the CPU executes the instruction again with
 * the count that remains and exits again: interrupts are delivered in
 * between (as the CPU delivers them between iterations), the slice
 * deadline is checked, and root-mode time per exit stays bounded even for
 * rCX = 2^64 - 1.  4096 port accesses keep an exit well under the
 * time-slice granularity while the exit-and-decode cost is spread over a
 * page of data.
 */
#define STRIO_MAX_BYTES 4096

struct strio_op {
	u16 port;
	u8 size; /* element size: 1, 2 or 4 */
	u8 addr_size; /* 2, 4 or 8: rSI, rDI and rCX are SI/DI/CX, ESI/EDI/ECX or RSI/RDI/RCX */
	bool in; /* INS: port -> ES:rDI; OUTS: seg:rSI -> port */
	bool rep;
	bool df; /* RFLAGS.DF: rSI/rDI count down */
	bool single; /* one element at most (RFLAGS.TF: a single-step trap after each iteration) */
	unsigned mode_bits; /* 16, 32 or 64 */
	bool pe; /* CR0.PE */
	struct seg_state seg; /* ES for INS; DS or the override for OUTS */
};

struct strio_regs {
	u64 rcx, rsi, rdi;
};

enum strio_result {
	STRIO_DONE, /* the instruction is complete: RIP moves past it */
	STRIO_MORE, /* a REP with elements left: resume at the instruction */
	STRIO_SEG_FAULT, /* segment, limit or canonical check failed: #GP(0) (#SS(0) for SS) */
	STRIO_FAULT, /* map() refused a byte (it recorded the #PF to inject) */
	STRIO_STOP, /* map() or the device ended the VM */
};

struct strio_env {
	void *ctx;
	/*
	 * The host address of the guest byte at linear @la for a read or
	 * (@write) a write, or NULL with *@why STRIO_FAULT or STRIO_STOP.
	 */
	u8 *(*map)(void *ctx, u64 la, bool write, enum strio_result *why);
	/* One port access of @size bytes; returns what an IN reads. */
	u32 (*port)(void *ctx, u16 port, unsigned size, bool in, u32 val);
	/* Has the VM ended (a write to the exit or shutdown port)? */
	bool (*ended)(void *ctx);
};

/*
 * Carry out the next iterations of @op on @r, at most STRIO_MAX_BYTES of
 * them (one if op->single).  Every element is checked (segment, then
 * each byte mapped) before its port access, so an element that faults
 * has done no I/O: the iterations before it stay done (@r updated, *@done
 * counts them) and the instruction restarts there once the guest has
 * handled the fault, as on the CPU.  A REP with a zero count does nothing
 * and is STRIO_DONE.
 */
enum strio_result strio_run(const struct strio_op *op, struct strio_regs *r,
			    const struct strio_env *env, u64 *done);

/* Writing @val to a register of @addr_size bytes: 2 keeps bits 63:16, 4 zero-extends. */
static inline u64 strio_reg_write(u64 old, u64 val, unsigned addr_size)
{
	if (addr_size == 2)
		return (old & ~0xffffULL) | (val & 0xffff);
	if (addr_size == 4)
		return val & 0xffffffff;
	return val;
}

#endif
