/* Synthetic timer state machine (TLFS "Timers"); see hv_stimer.h. */
#include "hyperv/hv_stimer.h"

#include <errno.h>
#include <string.h>

void hv_stimer_init(struct hv_stimer *t)
{
	memset(t, 0, sizeof(*t));
}

/* (Re)start after a CONFIG/COUNT write: KVM's stimer_cleanup + stimer_start. */
static void stimer_restart(struct hv_stimer *t, uint64_t now)
{
	t->msg_pending = false;
	t->exp_time = 0;
	if (!hv_stimer_enabled(t) || !t->count)
		return;
	if (t->config & HV_STIMER_PERIODIC)
		t->exp_time = now + t->count;
	else
		t->exp_time = t->count; /* absolute; in the past it is due at once */
	if (!t->exp_time)
		t->exp_time = 1; /* 0 means idle; reference time 0 has passed anyway */
}

int hv_stimer_write_config(struct hv_stimer *t, uint64_t val, bool direct_ok, uint64_t now)
{
	if (val & ~HV_STIMER_CONFIG_VALID)
		return -EINVAL;
	if ((val & HV_STIMER_DIRECT_MODE) && !direct_ok)
		return -EINVAL;
	/* TLFS: "SINTx ... a value of 0 ... disables the timer" for message mode. */
	if (!(val & HV_STIMER_DIRECT_MODE) && !(val & HV_STIMER_SINTX_MASK))
		val &= ~HV_STIMER_ENABLE;
	t->config = val;
	stimer_restart(t, now);
	return 0;
}

void hv_stimer_write_count(struct hv_stimer *t, uint64_t val, uint64_t now)
{
	t->count = val;
	if (!val)
		t->config &= ~HV_STIMER_ENABLE;
	else if (t->config & HV_STIMER_AUTOENABLE)
		t->config |= HV_STIMER_ENABLE;
	stimer_restart(t, now);
}

bool hv_stimer_due(const struct hv_stimer *t, uint64_t now)
{
	if (!hv_stimer_enabled(t) || !t->exp_time)
		return false;
	return t->msg_pending || now >= t->exp_time;
}

void hv_stimer_expired(struct hv_stimer *t, uint64_t now, bool delivered)
{
	uint64_t periods;

	if (!delivered) {
		t->msg_pending = true;
		return;
	}
	t->msg_pending = false;
	if (!(t->config & HV_STIMER_PERIODIC)) {
		t->config &= ~HV_STIMER_ENABLE;
		t->exp_time = 0;
		return;
	}
	/* Next grid point strictly after now: exp + k * count, never now + count, so the
	 * grid does not drift with the wake-up latency. */
	if (now < t->exp_time)
		return;
	periods = (now - t->exp_time) / t->count + 1;
	if (periods > (UINT64_MAX - t->exp_time) / t->count) {
		t->exp_time = 0; /* would pass 2^64 x 100 ns: stop rather than wrap */
		return;
	}
	t->exp_time += periods * t->count;
}

uint64_t hv_stimer_next(const struct hv_stimer *t)
{
	if (!hv_stimer_enabled(t) || !t->exp_time || t->msg_pending)
		return HV_STIMER_NEVER;
	return t->exp_time;
}

uint64_t hv_stimer_lead_update(uint64_t lead, int64_t early)
{
	int64_t l = (int64_t)lead;

	if (!hv_stimer_lead_sane(early))
		return lead < HV_STIMER_LEAD_MIN ? HV_STIMER_LEAD_MIN : lead;
	if (early < HV_STIMER_LEAD_AIM)
		l += HV_STIMER_LEAD_AIM - early;
	else
		l -= (early - HV_STIMER_LEAD_AIM) / 8;
	return (uint64_t)(l < HV_STIMER_LEAD_MIN ? HV_STIMER_LEAD_MIN
			  : l > HV_STIMER_LEAD_MAX ? HV_STIMER_LEAD_MAX : l);
}
