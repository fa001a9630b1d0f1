// SPDX-License-Identifier: MIT
/* Guest library: multiboot information parsing and the argv split. */
#include "mbinfo.h"
#include "string.h"

#define CMDLINE_MAX 1024

const struct mb_info *mbi;
static char cmdline_copy[CMDLINE_MAX];
static char name_buf[64];

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Split s in place at whitespace into at most max - 1 words. */
static int split(char *s, char **argv, int max)
{
	int argc = 0;

	while (*s && argc < max - 1) {
		while (is_space(*s))
			*s++ = '\0';
		if (!*s)
			break;
		argv[argc++] = s;
		while (*s && !is_space(*s))
			s++;
	}
	argv[argc] = NULL;
	return argc;
}

/* "path/to/NAME.elf" -> "NAME"; false if word does not look like a path. */
static bool path_to_name(const char *word, char *out, size_t size)
{
	const char *base = word, *p;
	size_t n = strlen(word);

	for (p = word; *p; p++)
		if (*p == '/')
			base = p + 1;
	if (base == word && (n < 4 || strcmp(word + n - 4, ".elf")))
		return false;
	n = strlen(base);
	if (n >= 4 && !strcmp(base + n - 4, ".elf"))
		n -= 4;
	if (n >= size)
		n = size - 1;
	memcpy(out, base, n);
	out[n] = '\0';
	return true;
}

int mb_parse(u32 magic, u32 info_pa, char **argv, int max)
{
	int argc = 0;

	mbi = magic == MB_BOOT_MAGIC ? (const struct mb_info *)(u64)info_pa : NULL;
	if (mbi && (mbi->flags & MB_INFO_CMDLINE) && mbi->cmdline) {
		const char *src = (const char *)(u64)mbi->cmdline;
		size_t n = strlen(src);

		if (n >= CMDLINE_MAX)
			n = CMDLINE_MAX - 1;
		memcpy(cmdline_copy, src, n);
		argc = split(cmdline_copy, argv, max);
	}
	if (argc && path_to_name(argv[0], name_buf, sizeof(name_buf))) {
		argv[0] = name_buf;
		if (argc > 1 && !strcmp(argv[1], name_buf)) {
			memmove(&argv[1], &argv[2], (argc - 1) * sizeof(argv[0]));
			argc--;
		}
	}
	if (!argc) {
		argv[0] = "guest";
		argv[1] = NULL;
		argc = 1;
	}
	return argc;
}

const char *mb_cmdline(void)
{
	if (!mbi || !(mbi->flags & MB_INFO_CMDLINE) || !mbi->cmdline)
		return NULL;
	return (const char *)(u64)mbi->cmdline;
}

int mb_mmap_count(void)
{
	u32 off = 0;
	int n = 0;

	if (!mbi || !(mbi->flags & MB_INFO_MMAP))
		return 0;
	while (off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length) {
		const struct mb_mmap_entry *e = (const void *)(u64)(mbi->mmap_addr + off);

		off += e->size + 4;
		n++;
	}
	return n;
}

const struct mb_mmap_entry *mb_mmap_entry(int i)
{
	u32 off = 0;

	if (i < 0 || i >= mb_mmap_count())
		return NULL;
	while (i--)
		off += ((const struct mb_mmap_entry *)(u64)(mbi->mmap_addr + off))->size + 4;
	return (const void *)(u64)(mbi->mmap_addr + off);
}

int mb_module_count(void)
{
	return mbi && (mbi->flags & MB_INFO_MODS) ? (int)mbi->mods_count : 0;
}

const struct mb_module *mb_module(int i)
{
	if (i < 0 || i >= mb_module_count())
		return NULL;
	return (const struct mb_module *)(u64)mbi->mods_addr + i;
}

u64 mb_ram_end(void)
{
	for (int i = 0; i < mb_mmap_count(); i++) {
		const struct mb_mmap_entry *e = mb_mmap_entry(i);

		if (e->type == MB_MMAP_AVAILABLE && e->addr <= 0x100000 &&
		    e->addr + e->len > 0x100000)
			return e->addr + e->len;
	}
	if (mbi && (mbi->flags & MB_INFO_MEM))
		return 0x100000 + (u64)mbi->mem_upper * 1024;
	return 0;
}

const char *arg_value(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

bool has_arg(int argc, char **argv, const char *word)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}
