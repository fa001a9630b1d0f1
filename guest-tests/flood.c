// SPDX-License-Identifier: MIT
/*
 * Guest test: console flooding.  Writes far more than a VM's console
 * budget, then exits normally.  klvisor must cut the output with a note,
 * count what it dropped, and keep running this VM and its neighbours; the
 * runner checks the note, the count and that the VM still ends with its
 * own status.  Modes (no argument: uart):
 *
 *	uart	2000 lines of 60 bytes to COM1 (about twice the budget)
 *	hc	the same through the print hypercall, which shares the budget
 *	ipi	2000 ICR writes with a delivery mode klvisor does not emulate
 *		(SMI): one log line for the VM, not one per write (e6e6724
 *		printed every one)
 */
#include "guest.h"

#define FLOOD_LINES 2000

static void flood_uart(void)
{
	for (int i = 0; i < FLOOD_LINES; i++)
		printf("flood %04d: the quick brown fox jumps over the lazy dog\n", i);
}

static void flood_hc(void)
{
	char line[80];
	long short_ret = 0;

	for (int i = 0; i < FLOOD_LINES; i++) {
		int n = snprintf(line, sizeof(line), "hc-flood %04d: the quick brown fox jumps", i);

		/* Dropped text is still "printed" as far as the guest knows. */
		if (hc_print(line, (size_t)n) != n)
			short_ret++;
	}
	report(short_ret == 0, "hc-print-returns-length", "%ld prints returned less", short_ret);
}

static void flood_ipi(void)
{
	for (int i = 0; i < FLOOD_LINES; i++) {
		apic_write(APIC_ICR_HI, 0);
		apic_write(APIC_ICR_LO, 0x200 | ICR_DEST_SELF); /* delivery mode 2: SMI */
	}
	pass("ipi-flood-survived");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "uart";

	if (!strcmp(mode, "hc"))
		flood_hc();
	else if (!strcmp(mode, "ipi"))
		flood_ipi();
	else
		flood_uart();
	pass("flood-finished");
	return 0;
}
