/* SPDX-License-Identifier: MIT */
/* Guest library: the few C string and memory functions the guests use. */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include "types.h"

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Decimal, or hex with 0x; an optional K/M/G suffix.  False if malformed. */
bool parse_ulong(const char *s, unsigned long *out);

#endif
