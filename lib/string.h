/* SPDX-License-Identifier: MIT */
#ifndef KLV_STRING_H
#define KLV_STRING_H

#include "lib/types.h"

#ifdef KLV_HOST_TEST
#include <string.h>
#else
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif

/* A word at any alignment, in the CPU's byte order: one load once inlined. */
static inline u64 load_u64(const void *p)
{
	u64 v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline u32 load_u32(const void *p)
{
	u32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

/* Zero memory in a way the compiler may not drop as a dead store. */
void memzero_explicit(void *d, size_t n);
/* True if all @n bytes at @p are zero (reading back a wipe). */
bool mem_is_zero(const void *p, size_t n);

/* Parse an unsigned number (decimal, or hex with 0x) with an optional
 * K/M/G suffix when @suffixes is set.  Returns false on anything else. */
bool parse_u64(const char *s, size_t len, bool suffixes, u64 *out);

#endif
