// SPDX-License-Identifier: MIT
/*
 * Guest test: console flooding.  Writes far more than a VM's console
 * budget to COM1, then exits normally.  klvisor must cut the output with a
 * note and keep running this VM and its neighbours; the runner checks the
 * note and that the VM still ends with its own status.
 */
#include "guest.h"

#define FLOOD_LINES 2000 /* 2000 lines of 60 bytes: about twice the budget */

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < FLOOD_LINES; i++)
		printf("flood %04d: the quick brown fox jumps over the lazy dog\n", i);
	pass("flood-finished");
	return 0;
}
