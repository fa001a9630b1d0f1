/* SPDX-License-Identifier: MIT */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

/*
 * The serial monitor.  console_poll() handles whatever arrived on COM1
 * without waiting (the boot CPU calls it between scheduling decisions);
 * console_run() is the blocking prompt of console=keep, after every VM
 * has ended, and returns when the user asks to power off.
 */
void console_poll(void);
void console_run(void);

#endif
