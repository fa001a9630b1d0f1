// SPDX-License-Identifier: MIT
/*
 * Guest test: the multiboot information klvisor hands a guest
 * (docs/guest-abi.md, "The boot state").  Expectations come from the
 * guest's own arguments:
 *
 *	mbinfo [alpha beta] [name=NAME] [mem=SIZE] [modules=N]
 *
 * "alpha beta": the arguments must arrive as argv[1], argv[2];
 * name: the VM's name (default "mbinfo"); mem: the VM's RAM size, checked
 * against the memory map; modules: how many multiboot modules to expect.
 */
#include "guest.h"

extern const char __image_start[], __image_end[];

static const char *arg_name = "mbinfo";
static unsigned long arg_mem, arg_modules;
static bool have_mem, have_modules;

static void parse_args(int argc, char **argv)
{
	const char *v;

	if ((v = arg_value(argc, argv, "name")))
		arg_name = v;
	if ((v = arg_value(argc, argv, "mem")))
		have_mem = parse_ulong(v, &arg_mem);
	if ((v = arg_value(argc, argv, "modules")))
		have_modules = parse_ulong(v, &arg_modules);
}

static void test_header(void)
{
	u32 need = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MMAP;

	report(mb_magic == MB_BOOT_MAGIC, "magic", "EAX %#x at entry", mb_magic);
	if (!mbi) {
		fail("flags", "no multiboot information");
		return;
	}
	report((mbi->flags & need) == need, "flags", "flags %#x, expected bits 0, 2 and 6",
	       mbi->flags);
	report((u64)mbi >= (u64)__image_end, "info-after-image",
	       "information block at %p, the image ends at %p", mbi, __image_end);
}

static void test_cmdline(int argc, char **argv)
{
	const char *raw = mb_cmdline();
	char joined[512];
	size_t n = 0, len;
	bool args_ok;

	if (!raw) {
		fail("cmdline", "no command line");
		return;
	}
	printf("cmdline: '%s'\n", raw);
	len = strlen(arg_name);
	report(!strncmp(raw, arg_name, len) && (raw[len] == ' ' || !raw[len]), "cmdline-name",
	       "'%s' does not start with the VM name '%s'", raw, arg_name);
	report(!strcmp(argv[0], arg_name), "argv0", "argv[0] '%s', expected '%s'", argv[0],
	       arg_name);
	for (int i = 0; i < argc; i++)
		n += snprintf(joined + n, n < sizeof(joined) ? sizeof(joined) - n : 0, "%s%s",
			      i ? " " : "", argv[i]);
	report(!strcmp(joined, raw), "cmdline-words", "'%s' split and joined again is '%s'", raw,
	       joined);
	if (argc == 1) {
		skip("args", "no arguments given");
		return;
	}
	args_ok = argc >= 3 && !strcmp(argv[1], "alpha") && !strcmp(argv[2], "beta");
	for (int i = 3; i < argc; i++)
		args_ok = args_ok && strchr(argv[i], '=');
	report(args_ok, "args", "expected 'alpha beta [key=value...]', got %d words starting '%s'",
	       argc - 1, argv[1]);
}

static void test_memory(void)
{
	int n = mb_mmap_count();
	bool ok;

	if (!mbi || !(mbi->flags & MB_INFO_MMAP)) {
		fail("mmap", "no memory map (flags bit 6)");
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct mb_mmap_entry *e = mb_mmap_entry(i);

		printf("mmap: %#010lx-%#010lx type %u (entry size %u)\n", e->addr,
		       e->addr + e->len - 1, e->type, e->size);
	}
	printf("mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	ok = n == 3;
	if (ok) {
		const struct mb_mmap_entry *a = mb_mmap_entry(0), *b = mb_mmap_entry(1),
					   *c = mb_mmap_entry(2);

		ok = a->addr == 0 && a->len == 0x9fc00 && a->type == MB_MMAP_AVAILABLE &&
		     b->addr == 0x9fc00 && b->len == 0x100000 - 0x9fc00 &&
		     b->type != MB_MMAP_AVAILABLE && c->addr == 0x100000 &&
		     c->type == MB_MMAP_AVAILABLE && a->size == 20 && b->size == 20 &&
		     c->size == 20;
	}
	report(ok, "mmap-layout",
	       "expected 0-0x9fbff available, 0x9fc00-0xfffff reserved, "
	       "0x100000-end available (%d entries)",
	       n);
	if (have_mem)
		report(mb_ram_end() == arg_mem, "mmap-ram-end", "RAM ends at %#lx, mem=%#lx",
		       mb_ram_end(), arg_mem);
	report(mbi->mem_lower == 639, "mem-lower", "mem_lower %u KiB, expected 639",
	       mbi->mem_lower);
	report(0x100000 + (u64)mbi->mem_upper * 1024 == mb_ram_end(), "mem-upper",
	       "mem_upper %u KiB ends at %#lx, the memory map at %#lx", mbi->mem_upper,
	       0x100000 + (u64)mbi->mem_upper * 1024, mb_ram_end());
	report((u64)__image_start >= 0x100000 && (u64)__image_end <= mb_ram_end(), "image-in-ram",
	       "image %p-%p, RAM above 1 MiB ends at %#lx", __image_start, __image_end,
	       mb_ram_end());
}

static void test_modules(void)
{
	int n = mb_module_count();
	u64 ram_end = mb_ram_end(), prev_end = (u64)__image_end;
	bool ok = true;

	if (!have_modules) {
		report(n == 0, "modules-none", "%d modules, none expected", n);
		return;
	}
	report(n == (int)arg_modules && (mbi->flags & MB_INFO_MODS), "module-count",
	       "%d modules (flags %#x), expected %lu", n, mbi->flags, arg_modules);
	for (int i = 0; i < n; i++) {
		const struct mb_module *m = mb_module(i);
		const char *s = m->string ? (const char *)(u64)m->string : "(none)";
		bool good = !(m->start & 0xfff) && m->end > m->start && m->end <= ram_end &&
			    m->start >= prev_end;

		printf("module %d: %#x-%#x '%s'\n", i, m->start, m->end, s);
		if (!good)
			fail("module-placement",
			     "module %d at %#x-%#x: not page-aligned, empty, "
			     "overlapping or outside RAM (ends %#lx)",
			     i, m->start, m->end, ram_end);
		ok = ok && good;
		prev_end = m->end;
	}
	if (n && ok)
		pass("module-placement");
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	test_header();
	test_cmdline(argc, argv);
	test_memory();
	test_modules();
	return 0;
}
