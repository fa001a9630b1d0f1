/* SPDX-License-Identifier: MIT */
/*
 * Guest library: the multiboot (version 1) information block and the
 * command line as argc/argv.
 *
 * argv[0] is the guest's own name: klvisor passes "NAME args...".  QEMU's
 * -kernel passes "PATH args..." (the kernel file first); a first word
 * with a '/' or ending in ".elf" is taken as such a path and reduced to
 * its base name without ".elf", and if the next word repeats that name
 * (-append "NAME args...") it is dropped.
 */
#ifndef GUEST_MBINFO_H
#define GUEST_MBINFO_H

#include "types.h"

#define MB_BOOT_MAGIC 0x2badb002

#define MB_INFO_MEM	BIT(0)
#define MB_INFO_CMDLINE BIT(2)
#define MB_INFO_MODS	BIT(3)
#define MB_INFO_MMAP	BIT(6)

#define MB_MMAP_AVAILABLE 1

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper; /* KiB below 1 MiB, KiB above 1 MiB */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __packed;

struct mb_module {
	u32 start, end; /* end is exclusive */
	u32 string;
	u32 reserved;
} __packed;

/* Entries are 'size' bytes long, not counting the size field itself. */
struct mb_mmap_entry {
	u32 size;
	u64 addr, len;
	u32 type;
} __packed;

#define MAX_ARGS 32

extern u32 mb_magic; /* EAX at entry */
extern const struct mb_info *mbi; /* NULL if the magic was wrong */

/* Parse the block; fills argv (argv[argc] = NULL) and returns argc. */
int mb_parse(u32 magic, u32 info_pa, char **argv, int max);
const char *mb_cmdline(void); /* raw command line, or NULL */
int mb_mmap_count(void);
const struct mb_mmap_entry *mb_mmap_entry(int i);
int mb_module_count(void);
const struct mb_module *mb_module(int i);
/* End of the available range that starts at 1 MiB (0 if unknown). */
u64 mb_ram_end(void);

/* argv helpers: "key=value" lookup and plain-word presence. */
const char *arg_value(int argc, char **argv, const char *key);
bool has_arg(int argc, char **argv, const char *word);

#endif
