// SPDX-License-Identifier: MIT
/* Freestanding string and memory helpers. */
#include "lib/string.h"

#ifndef KLV_HOST_TEST
/*
 * REP STOS/MOVS: one instruction for the whole range, which matters most
 * under Bochs, where every executed instruction costs time (zeroing guest
 * RAM is the big user).
 */
void *memset(void *d, int c, size_t n)
{
	void *p = d;
	size_t q = n / 8, r = n % 8;

	/* Eight bytes per iteration for the bulk, then the tail. */
	__asm__ volatile("rep stosq"
			 : "+D"(p), "+c"(q)
			 : "a"((u8)c * 0x0101010101010101ULL)
			 : "memory");
	__asm__ volatile("rep stosb" : "+D"(p), "+c"(r) : "a"(c) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *dp = d;
	size_t q = n / 8, r = n % 8;

	/* Eight bytes per iteration for the bulk, then the tail, as memset. */
	__asm__ volatile("rep movsq" : "+D"(dp), "+S"(s), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dp), "+S"(s), "+c"(r) : : "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const u8 *p = s;

	for (; n; n--, p++)
		if (*p == (u8)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}
#endif

void memzero_explicit(void *d, size_t n)
{
	memset(d, 0, n);
	/* The empty asm with a memory clobber makes the stores observable. */
	__asm__ volatile("" : : "r"(d) : "memory");
}

bool mem_is_zero(const void *p, size_t n)
{
	const u8 *b = p;
	size_t i = 0;

	/* Eight bytes at a time where aligned: guest RAM is megabytes. */
	for (; i < n && ((uintptr_t)(b + i) & 7); i++)
		if (b[i])
			return false;
	for (; i + 8 <= n; i += 8)
		if (*(const u64 *)(b + i))
			return false;
	for (; i < n; i++)
		if (b[i])
			return false;
	return true;
}

bool parse_u64(const char *s, size_t len, bool suffixes, u64 *out)
{
	unsigned base = 10, shift = 0;
	u64 v = 0;
	size_t i = 0;

	if (len == 0)
		return false;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (suffixes && base == 10) {
		switch (s[len - 1]) {
		case 'K':
		case 'k':
			shift = 10;
			len--;
			break;
		case 'M':
		case 'm':
			shift = 20;
			len--;
			break;
		case 'G':
		case 'g':
			shift = 30;
			len--;
			break;
		}
	}
	if (i >= len)
		return false;
	for (; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}
