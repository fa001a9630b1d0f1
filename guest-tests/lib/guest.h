/* SPDX-License-Identifier: MIT */
/*
 * The guest test library: include this and write
 *
 *	int main(int argc, char **argv)
 *
 * lib_main() (main.c) calls it in 64-bit mode on the boot CPU with the
 * IDT loaded and argv from the multiboot command line, then prints the
 * summary and exits through port 0xf4.  A non-zero return counts as a
 * failure.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include "apic.h"
#include "fwcfg.h"
#include "hypercall.h"
#include "idt.h"
#include "layout.h"
#include "mbinfo.h"
#include "paging.h"
#include "printf.h"
#include "report.h"
#include "smp.h"
#include "string.h"
#include "types.h"
#include "user.h"
#include "x86.h"

int main(int argc, char **argv);

#endif
