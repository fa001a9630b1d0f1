/* SPDX-License-Identifier: MIT */
/* Guest library: basic types and compiler helpers (freestanding). */
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define BIT(n)		 ((u64)1 << (n))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define __packed	 __attribute__((packed))
#define __aligned(n)	 __attribute__((aligned(n)))
#define __noreturn	 __attribute__((noreturn))
#define __printf(a, b)	 __attribute__((format(printf, a, b)))
#define barrier()	 asm volatile("" ::: "memory")
#define READ_ONCE(x)	 (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

#endif
