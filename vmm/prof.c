// SPDX-License-Identifier: MIT
/* The phase profile's counters and report (see prof.h). */
#include "lib/printf.h"
#include "vmm/prof.h"

#if KLV_PROFILE
u64 prof_ticks[NR_PROF], prof_calls[NR_PROF], prof_last;

void prof_report(void)
{
	static const char *const names[NR_PROF] = {
		[PROF_EXIT_ENTRY] = "exit-entry",
		[PROF_EXIT_SWITCH] = "exit-switch",
		[PROF_EXIT_DISPATCH] = "exit-dispatch",
		[PROF_FETCH] = "fetch",
		[PROF_DECODE] = "decode",
		[PROF_OPERAND] = "operand",
		[PROF_XMM_SAVE] = "xmm-save",
		[PROF_UNWRAP] = "unwrap",
		[PROF_AES] = "aes",
		[PROF_XMM_RESTORE] = "xmm-restore",
		[PROF_FINISH] = "finish",
	};

	for (unsigned i = 0; i < NR_PROF; i++)
		if (prof_calls[i])
			printk("klvisor: profile %s %lu ticks/call (%lu calls)\n", names[i],
			       prof_ticks[i] / prof_calls[i], prof_calls[i]);
}
#endif
