// SPDX-License-Identifier: MIT
/*
 * String port I/O iterations (SDM Vol. 2, INS/INSB/INSW/INSD, OUTS/OUTSB/
 * OUTSW/OUTSD and REP; see strio.h).
 */
#include "vmm/strio.h"

static u64 addr_mask(unsigned addr_size)
{
	return addr_size == 8 ? ~0ULL : addr_size == 4 ? 0xffffffffULL : 0xffffULL;
}

/*
 * Map every byte of the element at @la first: the CPU raises a fault on
 * the memory operand before it touches the port (an INS whose
 * destination is not present has not read the port; after the #PF
 * handler it reads it then).  An element crossing a page is two walks.
 */
static enum strio_result map_element(const struct strio_op *op, const struct strio_env *env, u64 la,
				     u8 **p)
{
	enum strio_result why = STRIO_STOP;

	for (unsigned b = 0; b < op->size; b++) {
		/* Outside 64-bit mode linear addresses wrap at 4 GiB. */
		u64 at = op->mode_bits == 64 ? la + b : (u32)(la + b);

		p[b] = env->map(env->ctx, at, op->in, &why);
		if (!p[b])
			return why == STRIO_FAULT ? STRIO_FAULT : STRIO_STOP;
	}
	return STRIO_DONE;
}

enum strio_result strio_run(const struct strio_op *op, struct strio_regs *r,
			    const struct strio_env *env, u64 *done)
{
	u64 mask = addr_mask(op->addr_size);
	u64 count = op->rep ? r->rcx & mask : 1;
	u64 step = op->df ? -(u64)op->size : op->size;
	u64 *ptr = op->in ? &r->rdi : &r->rsi;
	u64 n;

	*done = 0;
	if (op->size != 1 && op->size != 2 && op->size != 4)
		return STRIO_STOP; /* not from a real exit: the caller checked */
	n = MIN(count, op->single ? 1 : STRIO_MAX_BYTES / op->size);
	for (u64 i = 0; i < n; i++) {
		enum strio_result res;
		u8 *p[4];
		u64 la;
		u32 val = 0;

		if (!seg_linear(&op->seg, *ptr & mask, op->size, op->mode_bits, op->pe, op->in,
				&la))
			return STRIO_SEG_FAULT;
		res = map_element(op, env, la, p);
		if (res != STRIO_DONE)
			return res;
		if (op->in) {
			val = env->port(env->ctx, op->port, op->size, true, 0);
			for (unsigned b = 0; b < op->size; b++)
				*p[b] = (u8)(val >> (8 * b));
		} else {
			for (unsigned b = 0; b < op->size; b++)
				val |= (u32)*p[b] << (8 * b);
			env->port(env->ctx, op->port, op->size, false, val);
		}
		*ptr = strio_reg_write(*ptr, *ptr + step, op->addr_size);
		if (op->rep)
			r->rcx = strio_reg_write(r->rcx, r->rcx - 1, op->addr_size);
		++*done;
		if (env->ended(env->ctx))
			return STRIO_STOP;
	}
	return *done == count ? STRIO_DONE : STRIO_MORE;
}
