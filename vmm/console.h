/* SPDX-License-Identifier: MIT */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

/*
 * The serial console prompt (console=keep): a few commands to look at the
 * machine before powering it off.  Returns when the user asks to stop.
 */
void console_run(void);

#endif
