/* The machine's host-timer service: one thread serves a deadline-sorted list of timers
 * (CLOCK_MONOTONIC nanoseconds, the clock of vm_clock_ns), so that device models without
 * threads (the PIT, the CMOS RTC) get called back when their next event is due.
 *
 * A callback runs on the service thread with no service lock held: it may re-arm or
 * cancel any timer, itself included. timer_cancel() from another thread waits until a
 * running callback of that timer has returned, so the caller may then free what the
 * callback uses. The thread starts in timer_service_init() (the sandbox lets no vCPU thread
 * create one) and enters the sandbox itself. */
#ifndef ENLIGHT_TIMER_H
#define ENLIGHT_TIMER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct timer_service;

struct vtimer {
	struct timer_service *ts;
	void (*fn)(void *opaque, uint64_t now_ns);
	void *opaque;
	uint64_t deadline;      /* CLOCK_MONOTONIC ns */
	bool armed;
	struct vtimer *next;    /* in the armed list */
};

struct timer_service {
	pthread_mutex_t lock;
	pthread_cond_t cond;    /* CLOCK_MONOTONIC: deadlines and list changes */
	pthread_cond_t idle;    /* a callback returned */
	struct vtimer *head;    /* armed timers, earliest first */
	struct vtimer *running; /* the timer whose callback runs now */
	pthread_t thread;
	bool started, stopping;
	uint64_t fired;
};

/* Starts the thread: 0 or -errno. */
int timer_service_init(struct timer_service *ts);
/* Stops and joins the thread; every timer is disarmed. */
void timer_service_destroy(struct timer_service *ts);

void vtimer_init(struct vtimer *t, struct timer_service *ts,
		 void (*fn)(void *opaque, uint64_t now_ns), void *opaque);
/* (Re)arm for deadline_ns (a past one fires at once); UINT64_MAX disarms. */
void vtimer_arm(struct vtimer *t, uint64_t deadline_ns);
void vtimer_cancel(struct vtimer *t);

/* CLOCK_MONOTONIC now, in ns. */
uint64_t timer_now_ns(void);

#endif
