/* SPDX-License-Identifier: MIT */
/*
 * Basic types for freestanding code.  Also compiled into the host unit
 * tests, so it only uses what a hosted compiler provides too.
 */
#ifndef KLV_TYPES_H
#define KLV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define BIT(n)		 (1ULL << (n))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12

#define __packed       __attribute__((packed))
#define __aligned(n)   __attribute__((aligned(n)))
#define __noreturn     __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
/* Hot paths under Bochs, where every call, push and pop is an instruction counted. */
#ifndef __always_inline /* the host C library's is the same (unit tests) */
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))

#endif
