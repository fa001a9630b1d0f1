/* SPDX-License-Identifier: MIT */
/*
 * Whether a pending NMI can be injected at the next VM entry, as a pure
 * function of the guest's interruptibility state (SDM Vol. 3C, "Guest
 * Non-Register State") and what klvisor knows about the NMIs it gave.
 */
#ifndef VMM_NMI_H
#define VMM_NMI_H

#include "lib/types.h"

#define INTR_BLOCK_STI	  BIT(0)
#define INTR_BLOCK_MOV_SS BIT(1)
#define INTR_BLOCK_NMI	  BIT(3) /* virtual-NMI blocking: an NMI handler runs until IRET */

/*
 * Inject the NMI now (true) or wait for the NMI window (false).  @busy:
 * the entry already carries an event.  *@in_service: an NMI klvisor
 * injected may still be running; it ends when the guest state shows no
 * blocking by NMI.
 *
 * Blocking by NMI with none in service is dropped from *@intr: only NMI
 * delivery sets it (or restores it, for a fault in the IRET that ends an
 * NMI handler), and klvisor delivers every NMI a guest gets.  Bochs 2.7
 * sets it during some ordinary interrupt handlers and in some runs
 * leaves it set after their IRET; kept, it would hold this NMI, and
 * every later one, until an IRET that may never come.
 *
 * STI blocking may or may not hold off NMIs (the SDM leaves it to the
 * processor), and some processors refuse to enter with it and an NMI:
 * when the NMI goes, STI blocking is dropped, as on a processor that
 * does not block NMIs after STI.
 */
static inline bool nmi_can_inject(u32 *intr, bool *in_service, bool busy)
{
	if (!(*intr & INTR_BLOCK_NMI))
		*in_service = false;
	else if (!*in_service)
		*intr &= ~INTR_BLOCK_NMI;
	if (busy || (*intr & (INTR_BLOCK_MOV_SS | INTR_BLOCK_NMI)))
		return false;
	*intr &= ~INTR_BLOCK_STI;
	*in_service = true;
	return true;
}

#endif
