/* Host-timer service: a sorted deadline list and one thread. See timer.h. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/timer.h"

#define NS_PER_S 1000000000ull

uint64_t timer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void *timer_thread(void *arg);

int timer_service_init(struct timer_service *ts)
{
	pthread_condattr_t a;
	int r;

	memset(ts, 0, sizeof(*ts));
	r = pthread_condattr_init(&a);
	if (r)
		return -r;
	r = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!r)
		r = pthread_cond_init(&ts->cond, &a);
	pthread_condattr_destroy(&a);
	if (r)
		return -r;
	pthread_cond_init(&ts->idle, NULL);
	pthread_mutex_init(&ts->lock, NULL);
	/* Started here, on the main thread: the sandbox lets no vCPU thread create threads. */
	r = pthread_create(&ts->thread, NULL, timer_thread, ts);
	if (r) {
		pthread_cond_destroy(&ts->cond);
		pthread_cond_destroy(&ts->idle);
		pthread_mutex_destroy(&ts->lock);
		return -r;
	}
	ts->started = true;
	return 0;
}

static void list_remove(struct timer_service *ts, struct vtimer *t)
{
	for (struct vtimer **pp = &ts->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->armed = false;
}

static void list_insert(struct timer_service *ts, struct vtimer *t)
{
	struct vtimer **pp = &ts->head;

	while (*pp && (*pp)->deadline <= t->deadline)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

static void *timer_thread(void *arg)
{
	struct timer_service *ts = arg;

	if (sandbox_thread_enter()) {
		pr_err("timer thread: cannot enter the sandbox; device timers stop");
		return NULL; /* no timers rather than an unfiltered device thread */
	}
	pthread_mutex_lock(&ts->lock);
	while (!ts->stopping) {
		struct vtimer *t = ts->head;
		uint64_t now = timer_now_ns();

		if (!t) {
			pthread_cond_wait(&ts->cond, &ts->lock);
			continue;
		}
		if (t->deadline > now) {
			struct timespec abs = { .tv_sec = (time_t)(t->deadline / NS_PER_S),
						.tv_nsec = (long)(t->deadline % NS_PER_S) };

			/* An absolute CLOCK_MONOTONIC sleep (clock_nanosleep TIMER_ABSTIME) that
			 * an earlier arm or a stop can cut short. */
			pthread_cond_timedwait(&ts->cond, &ts->lock, &abs);
			continue;
		}
		list_remove(ts, t);
		ts->running = t;
		ts->fired++;
		pthread_mutex_unlock(&ts->lock);
		t->fn(t->opaque, now);
		pthread_mutex_lock(&ts->lock);
		ts->running = NULL;
		pthread_cond_broadcast(&ts->idle);
	}
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

void vtimer_init(struct vtimer *t, struct timer_service *ts,
		 void (*fn)(void *opaque, uint64_t now_ns), void *opaque)
{
	memset(t, 0, sizeof(*t));
	t->ts = ts;
	t->fn = fn;
	t->opaque = opaque;
}

void vtimer_arm(struct vtimer *t, uint64_t deadline_ns)
{
	struct timer_service *ts = t->ts;

	pthread_mutex_lock(&ts->lock);
	if (t->armed)
		list_remove(ts, t);
	if (deadline_ns != UINT64_MAX && !ts->stopping) {
		t->deadline = deadline_ns;
		list_insert(ts, t);
		if (ts->head == t)
			pthread_cond_signal(&ts->cond);
	}
	pthread_mutex_unlock(&ts->lock);
}

void vtimer_cancel(struct vtimer *t)
{
	struct timer_service *ts = t->ts;

	pthread_mutex_lock(&ts->lock);
	if (t->armed)
		list_remove(ts, t);
	if (!ts->started || !pthread_equal(pthread_self(), ts->thread))
		while (ts->running == t)
			pthread_cond_wait(&ts->idle, &ts->lock);
	pthread_mutex_unlock(&ts->lock);
}

void timer_service_destroy(struct timer_service *ts)
{
	pthread_mutex_lock(&ts->lock);
	ts->stopping = true;
	pthread_cond_broadcast(&ts->cond);
	pthread_mutex_unlock(&ts->lock);
	if (ts->started)
		pthread_join(ts->thread, NULL);
	ts->started = false;
	while (ts->head)
		list_remove(ts, ts->head);
	pthread_cond_destroy(&ts->cond);
	pthread_cond_destroy(&ts->idle);
	pthread_mutex_destroy(&ts->lock);
}
