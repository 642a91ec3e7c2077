/* Spinlock and a few atomic helpers (GCC __atomic builtins, all sequentially consistent
 * unless said otherwise). */
#ifndef FW_ATOMIC_H
#define FW_ATOMIC_H

#include <stdbool.h>

#include "x86.h"

struct spinlock {
	volatile int locked;
};

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline int atomic_read(const volatile int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void atomic_set(volatile int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Returns the new value. */
static inline int atomic_add(volatile int *p, int v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}

static inline int atomic_inc(volatile int *p)
{
	return atomic_add(p, 1);
}

/* Returns true and stores new if *p was old. */
static inline bool atomic_cmpxchg(volatile int *p, int old, int new_val)
{
	return __atomic_compare_exchange_n(p, &old, new_val, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

#endif
