/* SPDX-License-Identifier: MIT */
/* A test-and-test-and-set spinlock; enough for a handful of CPUs. */
#ifndef KLV_SPINLOCK_H
#define KLV_SPINLOCK_H

#include "lib/types.h"

typedef struct {
	volatile u32 locked;
} spinlock_t;

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
	__asm__ volatile("pause" ::: "memory");
#endif
}

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
	return !l->locked && !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
