/* SynIC message slots, event flags, SINT delivery, timer expiry messages and connections
 * (TLFS "Inter-Partition Communication", "Timers"); see hv_synic.h. */
#include "hyperv/hv_synic.h"

#include <errno.h>
#include <string.h>

#include "vmm/guest_mem.h"

#define HV_GPFN_MASK (~0xFFFull)

void hv_synic_queue_init(struct hv_synic_queue *q)
{
	memset(q, 0, sizeof(*q));
}

int hv_synic_raise(const struct hv_msr_vp *vp, unsigned sint, const struct hv_irq_ops *irq)
{
	uint64_t s;
	uint8_t vector;

	if (sint >= HV_SINT_COUNT)
		return -EINVAL;
	s = vp->sint[sint];
	vector = s & HV_SINT_VECTOR_MASK;
	if ((s & HV_SINT_MASKED) || vector < HV_SINT_MIN_VECTOR)
		return -ENOENT;
	return irq->deliver(irq->opaque, vp->index, vector, s & HV_SINT_AUTO_EOI);
}

/* The enabled page of a page MSR, or NULL. */
static uint8_t *synic_page(const struct guest_mem *gm, uint64_t msr)
{
	if (!(msr & 1))
		return NULL;
	return gm_ptr_rw(gm, msr & HV_GPFN_MASK, HV_PAGE_SIZE);
}

int hv_synic_slot_post(struct hv_message *slot, const struct hv_message *m, bool no_retry)
{
	if (m->type == HVMSG_NONE || m->payload_size > HV_MESSAGE_PAYLOAD_SIZE)
		return -EINVAL;
	if (__atomic_load_n(&slot->type, __ATOMIC_ACQUIRE) != HVMSG_NONE) {
		if (no_retry)
			return -EBUSY;
		/* Set MessagePending, then look again: the guest clears the type before it
		 * reads the flag, so either it sees the flag (and writes EOM) or we see the
		 * free slot here. */
		__atomic_fetch_or(&slot->flags, (uint8_t)HV_MESSAGE_FLAG_PENDING, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&slot->type, __ATOMIC_SEQ_CST) != HVMSG_NONE)
			return -EBUSY;
	}
	/* Everything but the type, then the type: the guest polls the type. */
	memcpy((uint8_t *)slot + sizeof(slot->type), (const uint8_t *)m + sizeof(m->type),
	       HV_MESSAGE_SIZE - sizeof(m->type));
	slot->flags = 0;
	__atomic_store_n(&slot->type, m->type, __ATOMIC_RELEASE);
	return 0;
}

int hv_synic_flag_set(uint8_t *sint_flags, unsigned flag)
{
	uint64_t *word = (uint64_t *)sint_flags + flag / 64, bit = 1ull << (flag % 64);

	if (flag >= HV_EVENT_FLAGS_COUNT)
		return -EINVAL;
	return !(__atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST) & bit);
}

int hv_synic_try_deliver(const struct hv_msr_vp *vp, const struct guest_mem *gm, unsigned sint,
			 const struct hv_message *m, bool no_retry, const struct hv_irq_ops *irq)
{
	uint8_t *page;
	int r;

	if (sint >= HV_SINT_COUNT || m->type == HVMSG_NONE)
		return -EINVAL;
	page = synic_page(gm, vp->simp);
	if (!page)
		return -ENXIO;
	r = hv_synic_slot_post((struct hv_message *)(page + sint * HV_MESSAGE_SIZE), m, no_retry);
	if (r)
		return r;
	hv_synic_raise(vp, sint, irq); /* masked: the message waits for a polling guest */
	return 0;
}

/* Deliver queued messages of one SINT while its slot is free. */
static unsigned synic_flush_one(const struct hv_msr_vp *vp, struct hv_synic_queue *q,
				const struct guest_mem *gm, unsigned sint,
				const struct hv_irq_ops *irq)
{
	unsigned done = 0;

	while (q->count[sint]) {
		struct hv_message m = q->msg[sint][q->head[sint]];

		/* More behind this one: ask the guest for an EOM when it frees the slot. */
		if (q->count[sint] > 1)
			m.flags |= HV_MESSAGE_FLAG_PENDING;
		if (hv_synic_try_deliver(vp, gm, sint, &m, false, irq))
			break;
		q->head[sint] = (q->head[sint] + 1) % HV_SYNIC_QUEUE_LEN;
		q->count[sint]--;
		done++;
	}
	return done;
}

int hv_synic_post(const struct hv_msr_vp *vp, struct hv_synic_queue *q,
		  const struct guest_mem *gm, unsigned sint, const struct hv_message *m,
		  const struct hv_irq_ops *irq)
{
	int r;

	if (sint >= HV_SINT_COUNT || m->type == HVMSG_NONE)
		return -EINVAL;
	if (!synic_page(gm, vp->simp))
		return -ENXIO;
	synic_flush_one(vp, q, gm, sint, irq);
	if (!q->count[sint]) {
		r = hv_synic_try_deliver(vp, gm, sint, m, false, irq);
		if (r != -EBUSY)
			return r;
	}
	if (q->count[sint] == HV_SYNIC_QUEUE_LEN)
		return -EAGAIN;
	q->msg[sint][(q->head[sint] + q->count[sint]) % HV_SYNIC_QUEUE_LEN] = *m;
	q->count[sint]++;
	return HV_SYNIC_QUEUED;
}

unsigned hv_synic_redeliver(struct hv_msr_vp *vp, struct hv_synic_queue *q,
			    const struct guest_mem *gm, uint64_t now,
			    const struct hv_irq_ops *irq)
{
	unsigned done = 0;

	for (unsigned sint = 0; sint < HV_SINT_COUNT; sint++)
		done += synic_flush_one(vp, q, gm, sint, irq);
	hv_synic_run_stimers(vp, gm, now, irq); /* pending expiries: KVM's notify_acked_sint */
	return done;
}

int hv_synic_set_event(const struct hv_msr_vp *vp, const struct guest_mem *gm, unsigned sint,
		       unsigned flag, const struct hv_irq_ops *irq)
{
	uint8_t *page;
	int r;

	if (sint >= HV_SINT_COUNT || flag >= HV_EVENT_FLAGS_COUNT)
		return -EINVAL;
	if (!(vp->scontrol & HV_SCONTROL_ENABLE))
		return -ENXIO;
	page = synic_page(gm, vp->siefp);
	if (!page)
		return -ENXIO;
	r = hv_synic_flag_set(page + sint * HV_EVENT_FLAGS_BYTES, flag);
	if (r <= 0)
		return 1; /* the guest has not consumed the last signal: no second interrupt */
	hv_synic_raise(vp, sint, irq);
	return 0;
}

/* Deliver one due expiry of timer n; true when it counts as delivered. */
static bool stimer_deliver(struct hv_msr_vp *vp, const struct guest_mem *gm, unsigned n,
			   uint64_t now, const struct hv_irq_ops *irq)
{
	struct hv_stimer *t = &vp->stimer[n];
	struct hv_message m;
	struct hv_timer_msg_payload pl = {
		.timer_index = n,
		.expiration_time = t->exp_time,
		.delivery_time = now,
	};
	int r;

	if (hv_stimer_direct(t)) {
		/* TLFS: direct mode asserts the APIC vector, no message, no SINT. */
		if (hv_stimer_vector(t) >= HV_SINT_MIN_VECTOR)
			irq->deliver(irq->opaque, vp->index, hv_stimer_vector(t), false);
		return true;
	}
	memset(&m, 0, sizeof(m));
	m.type = HVMSG_TIMER_EXPIRED;
	m.payload_size = sizeof(pl);
	memcpy(m.payload, &pl, sizeof(pl));
	/* KVM: a periodic tick that finds the slot busy is dropped rather than piled up;
	 * a one-shot waits (MessagePending) for the guest's EOM. */
	r = hv_synic_try_deliver(vp, gm, hv_stimer_sint(t), &m,
				 t->config & HV_STIMER_PERIODIC, irq);
	return r == 0 || (r == -EBUSY && (t->config & HV_STIMER_PERIODIC));
}

uint64_t hv_synic_run_stimers(struct hv_msr_vp *vp, const struct guest_mem *gm, uint64_t now,
			      const struct hv_irq_ops *irq)
{
	uint64_t next = HV_STIMER_NEVER;

	for (unsigned n = 0; n < HV_STIMER_COUNT; n++) {
		struct hv_stimer *t = &vp->stimer[n];
		uint64_t e;

		if (hv_stimer_due(t, now))
			hv_stimer_expired(t, now, stimer_deliver(vp, gm, n, now, irq));
		e = hv_stimer_next(t);
		if (e < next)
			next = e;
	}
	return next;
}

/* ---- connections ---- */

static struct hv_synic_conn *conn_find(struct hv_synic_conn *tab, uint32_t id)
{
	for (unsigned i = 0; i < HV_SYNIC_MAX_CONNS; i++)
		if (tab[i].id == id)
			return &tab[i];
	return NULL;
}

static int conn_add(struct hv_synic_conn *tab, uint32_t id, hv_msg_conn_fn msg,
		    hv_evt_conn_fn evt, void *opaque)
{
	struct hv_synic_conn *c;

	if (!id || id > HV_CONNECTION_ID_MASK || (!msg && !evt))
		return -EINVAL;
	if (conn_find(tab, id))
		return -EEXIST;
	c = conn_find(tab, 0);
	if (!c)
		return -ENOSPC;
	*c = (struct hv_synic_conn){ .id = id, .msg = msg, .evt = evt, .opaque = opaque };
	return 0;
}

static int conn_del(struct hv_synic_conn *tab, uint32_t id)
{
	struct hv_synic_conn *c = id ? conn_find(tab, id) : NULL;

	if (!c)
		return -ENOENT;
	memset(c, 0, sizeof(*c));
	return 0;
}

int hv_synic_add_msg_conn(struct hv_synic_conns *c, uint32_t conn_id, hv_msg_conn_fn fn,
			  void *opaque)
{
	return fn ? conn_add(c->msg, conn_id, fn, NULL, opaque) : -EINVAL;
}

int hv_synic_add_evt_conn(struct hv_synic_conns *c, uint32_t conn_id, hv_evt_conn_fn fn,
			  void *opaque)
{
	return fn ? conn_add(c->evt, conn_id, NULL, fn, opaque) : -EINVAL;
}

int hv_synic_del_msg_conn(struct hv_synic_conns *c, uint32_t conn_id)
{
	return conn_del(c->msg, conn_id);
}

int hv_synic_del_evt_conn(struct hv_synic_conns *c, uint32_t conn_id)
{
	return conn_del(c->evt, conn_id);
}

uint16_t hv_synic_conn_post(const struct hv_synic_conns *c, uint32_t conn_id,
			    const struct hv_message *m)
{
	for (unsigned i = 0; conn_id && i < HV_SYNIC_MAX_CONNS; i++)
		if (c->msg[i].id == conn_id)
			return c->msg[i].msg(c->msg[i].opaque, m);
	return HV_STATUS_INVALID_CONNECTION_ID;
}

uint16_t hv_synic_conn_signal(const struct hv_synic_conns *c, uint32_t conn_id)
{
	for (unsigned i = 0; conn_id && i < HV_SYNIC_MAX_CONNS; i++)
		if (c->evt[i].id == conn_id)
			return c->evt[i].evt(c->evt[i].opaque, conn_id);
	return HV_STATUS_INVALID_CONNECTION_ID;
}
