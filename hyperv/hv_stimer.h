/* Synthetic timers (TLFS "Timers", synthetic timer MSRs): the per-timer state machine of
 * KVM's stimer code, as pure functions of the partition reference time `now` (100 ns units,
 * the value TIME_REF_COUNT reads). The caller owns the clock, the thread that sleeps until
 * hv_stimer_next() and the delivery (SynIC message or direct APIC vector, hv_synic.h).
 *
 * Semantics (TLFS, KVM stimer_set_config/stimer_set_count/stimer_start):
 * - COUNT is an absolute expiry for a one-shot timer and the period for a periodic one;
 *   writing COUNT 0 stops the timer (clears enable); a non-zero COUNT with auto-enable sets
 *   enable. Any CONFIG or COUNT write restarts the timer and drops an undelivered expiry.
 * - A non-direct timer enabled with SINTx 0 stays disabled.
 * - A one-shot whose time has passed fires at once. A periodic timer first expires at
 *   start + period and then on the grid start + k * period: a late wake-up skips the missed
 *   periods and never shifts the grid (KVM does this for lazy and non-lazy timers alike; the
 *   TLFS lets lazy timers drop missed expirations, and so do we for both).
 * - After a one-shot expired and was delivered, its enable bit reads back 0.
 */
#ifndef ENLIGHT_HV_STIMER_H
#define ENLIGHT_HV_STIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "hyperv/hv_proto.h"

#define HV_STIMER_NEVER UINT64_MAX

struct hv_stimer {
	uint64_t config, count;	/* the MSR values the guest reads back */
	uint64_t exp_time;	/* armed: reference time of the next expiry; 0 = idle */
	bool msg_pending;	/* expired but not delivered yet: retried on EOM / SIMP change */
};

/* Early kick (userspace backend, hyperv/hv_user.c): the timer thread wakes `lead` before
 * a VP's next expiry and kicks its vCPU, which waits on its own thread for the due time and
 * delivers. hv_stimer_lead_update() adapts the lead to how early the vCPU arrived (`early`:
 * due time minus arrival, negative when late): a miss widens it by the whole miss, an
 * arrival earlier than HV_STIMER_LEAD_AIM narrows it by an eighth of the excess, so most
 * arrivals stay ahead of the due time while the wait (CPU) stays small. Returns the lead to
 * use, in [HV_STIMER_LEAD_MIN, HV_STIMER_LEAD_MAX]; an arrival off by more than the maximum
 * (a paused vCPU, a stale request) leaves it unchanged. Units: reference time, 100 ns. */
#define HV_STIMER_LEAD_MIN	400	/* 40 us: a host thread here wakes 20-90 us late */
#define HV_STIMER_LEAD_MAX	3000	/* 300 us */
#define HV_STIMER_LEAD_AIM	200	/* 20 us */
uint64_t hv_stimer_lead_update(uint64_t lead, int64_t early);
/* Whether an arrival `early` before the due time is one the vCPU should wait out. */
static inline bool hv_stimer_lead_sane(int64_t early)
{
	return early > -HV_STIMER_LEAD_MAX && early <= HV_STIMER_LEAD_MAX;
}

/* Writable CONFIG bits. */
#define HV_STIMER_CONFIG_VALID	(HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_LAZY | \
				 HV_STIMER_AUTOENABLE | HV_STIMER_APIC_VECTOR_MASK | \
				 HV_STIMER_DIRECT_MODE | HV_STIMER_SINTX_MASK)

void hv_stimer_init(struct hv_stimer *t);
/* -EINVAL (the guest gets #GP) for reserved bits or direct mode without hv-stimer-direct. */
int hv_stimer_write_config(struct hv_stimer *t, uint64_t val, bool direct_ok, uint64_t now);
void hv_stimer_write_count(struct hv_stimer *t, uint64_t val, uint64_t now);

static inline bool hv_stimer_enabled(const struct hv_stimer *t)
{
	return t->config & HV_STIMER_ENABLE;
}
static inline bool hv_stimer_direct(const struct hv_stimer *t)
{
	return t->config & HV_STIMER_DIRECT_MODE;
}
static inline unsigned hv_stimer_sint(const struct hv_stimer *t)
{
	return (t->config & HV_STIMER_SINTX_MASK) >> HV_STIMER_SINTX_SHIFT;
}
static inline uint8_t hv_stimer_vector(const struct hv_stimer *t)
{
	return (t->config & HV_STIMER_APIC_VECTOR_MASK) >> HV_STIMER_APIC_VECTOR_SHIFT;
}

/* The timer has an expiry to deliver at `now` (due, or an earlier one still pending). */
bool hv_stimer_due(const struct hv_stimer *t, uint64_t now);
/* Account for a delivery attempt of the current expiry: delivered re-arms a periodic timer
 * on its grid after `now` or disables a one-shot; !delivered keeps it pending. */
void hv_stimer_expired(struct hv_stimer *t, uint64_t now, bool delivered);
/* Reference time of the next expiry to wait for, or HV_STIMER_NEVER (idle or pending
 * delivery, which waits for the guest instead). */
uint64_t hv_stimer_next(const struct hv_stimer *t);

#endif
