/* SPDX-License-Identifier: MIT */
/*
 * Emulation of one decoded instruction whose memory operand is a device
 * register (the xAPIC page): the instruction's effect on the guest's
 * registers and flags, with the device access itself left to callbacks.
 * Pure, so every form is unit-tested on the host against the SDM and, for
 * the flags, against the host CPU.
 */
#ifndef VMM_EMULATE_H
#define VMM_EMULATE_H

#include "vmm/decode.h"

/* The arithmetic flags an ALU instruction defines (SDM Vol. 1, 3.4.3.1) */
#define EMU_CF	      BIT(0)
#define EMU_PF	      BIT(2)
#define EMU_AF	      BIT(4)
#define EMU_ZF	      BIT(6)
#define EMU_SF	      BIT(7)
#define EMU_OF	      BIT(11)
#define EMU_ALU_FLAGS (EMU_CF | EMU_PF | EMU_AF | EMU_ZF | EMU_SF | EMU_OF)

struct emu_dev {
	/*
	 * One access of @size bytes (1, 2, 4 or 8) at the operand the CPU
	 * faulted on; NULL if done, else why not (the VM is stopped with it).
	 */
	const char *(*read)(void *ctx, unsigned size, u64 *val);
	const char *(*write)(void *ctx, unsigned size, u64 val);
	void *ctx;
};

struct emu_regs {
	u64 gpr[16]; /* RAX..R15 in encoding order, RSP included */
	u64 rflags;
};

/*
 * Carry out @in, whose memory operand is the device: reads and writes go
 * to @dev, register and flag results to @r.  Returns NULL, or why the
 * instruction cannot be emulated (then nothing was written to @dev after
 * the first failure, and @r is unchanged).
 */
const char *emu_device_insn(const struct insn *in, struct emu_regs *r, const struct emu_dev *dev);

/*
 * @op (an enum insn_alu below ALU_BT) on @size-byte operands, with the
 * carry in from @rflags; returns the result and sets the arithmetic
 * flags in *@rflags as the CPU does (AF is architecturally undefined for
 * AND/OR/XOR/TEST; it is cleared, as current Intel CPUs do).
 */
u64 emu_alu(unsigned op, unsigned size, u64 a, u64 b, u64 *rflags);

#endif
