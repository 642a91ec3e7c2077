/* hyperv/hv_synic: message slots, queue and EOM redelivery, event flags, SINT delivery,
 * timer expiry messages and connections. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_synic.h"
#include "vmm/guest_mem.h"

#define RAM_SIZE	0x10000u
#define SIMP_GPA	0x1000u
#define SIEFP_GPA	0x2000u
#define VEC		0x40u

struct fix {
	uint8_t ram[RAM_SIZE];
	struct guest_mem gm;
	struct hv_msr_vp vp;
	struct hv_synic_queue q;
	struct hv_irq_ops irq;
	unsigned nirq, naeoi;
	uint8_t last_vec;
	uint32_t last_vp;
};

static int rec_deliver(void *opaque, uint32_t vp, uint8_t vector, bool auto_eoi)
{
	struct fix *f = opaque;

	__atomic_fetch_add(&f->nirq, 1, __ATOMIC_SEQ_CST);
	f->naeoi += auto_eoi;
	f->last_vec = vector;
	f->last_vp = vp;
	return 0;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || gm_add_slot(&f->gm, 0, RAM_SIZE, f->ram, false))
		return -1;
	hv_msr_vp_init(&f->vp, 1);
	hv_synic_queue_init(&f->q);
	f->vp.scontrol = HV_SCONTROL_ENABLE;
	f->vp.simp = SIMP_GPA | 1;
	f->vp.siefp = SIEFP_GPA | 1;
	f->vp.sint[2] = VEC;
	f->irq = (struct hv_irq_ops){ rec_deliver, f };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static struct hv_message *slot(struct fix *f, unsigned sint)
{
	return (struct hv_message *)(f->ram + SIMP_GPA + sint * HV_MESSAGE_SIZE);
}

static struct hv_message msg(uint32_t type, uint8_t tag)
{
	struct hv_message m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.payload_size = 3;
	m.payload[0] = tag;
	m.payload[2] = 0xEE;
	return m;
}

static int post(struct fix *f, unsigned sint, uint32_t type, uint8_t tag)
{
	struct hv_message m = msg(type, tag);

	return hv_synic_post(&f->vp, &f->q, &f->gm, sint, &m, &f->irq);
}

static void test_post_free_slot(void **state)
{
	struct fix *f = *state;

	assert_int_equal(post(f, 2, 0x100, 7), 0);
	assert_int_equal(slot(f, 2)->type, 0x100);
	assert_int_equal(slot(f, 2)->payload_size, 3);
	assert_int_equal(slot(f, 2)->payload[0], 7);
	assert_int_equal(slot(f, 2)->payload[2], 0xEE);
	assert_int_equal(slot(f, 2)->flags, 0);
	assert_int_equal(f->nirq, 1);
	assert_int_equal(f->last_vec, VEC);
	assert_int_equal(f->last_vp, 1);
	/* other slots untouched */
	assert_int_equal(slot(f, 1)->type, 0);
	assert_int_equal(slot(f, 3)->type, 0);
}

static void test_busy_queue_and_eom(void **state)
{
	struct fix *f = *state;

	assert_int_equal(post(f, 2, 0x100, 1), 0);
	for (uint8_t i = 2; i < 2 + HV_SYNIC_QUEUE_LEN; i++)
		assert_int_equal(post(f, 2, 0x100, i), HV_SYNIC_QUEUED);
	assert_int_equal(post(f, 2, 0x100, 99), -EAGAIN); /* queue full */
	assert_true(slot(f, 2)->flags & HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(slot(f, 2)->payload[0], 1);
	assert_int_equal(f->nirq, 1);
	/* EOM without freeing the slot: nothing moves */
	assert_int_equal(hv_synic_redeliver(&f->vp, &f->q, &f->gm, 0, &f->irq), 0);
	assert_int_equal(slot(f, 2)->payload[0], 1);
	/* the guest frees the slot and writes EOM: the next one, in order */
	for (uint8_t i = 2; i < 2 + HV_SYNIC_QUEUE_LEN; i++) {
		slot(f, 2)->type = 0;
		assert_int_equal(hv_synic_redeliver(&f->vp, &f->q, &f->gm, 0, &f->irq), 1);
		assert_int_equal(slot(f, 2)->payload[0], i);
		/* MessagePending tells the guest more are waiting */
		assert_int_equal(!!(slot(f, 2)->flags & HV_MESSAGE_FLAG_PENDING),
				 i < 1 + HV_SYNIC_QUEUE_LEN);
	}
	assert_int_equal(f->nirq, 1 + HV_SYNIC_QUEUE_LEN);
	slot(f, 2)->type = 0;
	assert_int_equal(hv_synic_redeliver(&f->vp, &f->q, &f->gm, 0, &f->irq), 0);
	assert_int_equal(post(f, 2, 0x101, 50), 0);
}

static void test_masked_and_disabled(void **state)
{
	struct fix *f = *state;

	f->vp.sint[2] = VEC | HV_SINT_MASKED;
	assert_int_equal(post(f, 2, 0x100, 1), 0); /* written for a polling guest */
	assert_int_equal(slot(f, 2)->type, 0x100);
	assert_int_equal(f->nirq, 0);
	assert_int_equal(hv_synic_raise(&f->vp, 2, &f->irq), -ENOENT);
	f->vp.sint[3] = 5; /* vector < 16 */
	assert_int_equal(hv_synic_raise(&f->vp, 3, &f->irq), -ENOENT);
	assert_int_equal(hv_synic_raise(&f->vp, 16, &f->irq), -EINVAL);
	f->vp.sint[4] = 0x50 | HV_SINT_AUTO_EOI;
	assert_int_equal(hv_synic_raise(&f->vp, 4, &f->irq), 0);
	assert_int_equal(f->naeoi, 1);
	assert_int_equal(post(f, 16, 0x100, 1), -EINVAL);
	assert_int_equal(post(f, 2, 0, 1), -EINVAL);
	f->vp.simp = SIMP_GPA; /* disabled */
	assert_int_equal(post(f, 5, 0x100, 1), -ENXIO);
	f->vp.simp = 0x7fff0000ull | 1; /* not RAM */
	assert_int_equal(post(f, 5, 0x100, 1), -ENXIO);
}

static void test_event_flags(void **state)
{
	struct fix *f = *state;
	uint8_t *flags = f->ram + SIEFP_GPA + 2 * HV_EVENT_FLAGS_BYTES;

	assert_int_equal(hv_synic_set_event(&f->vp, &f->gm, 2, 77, &f->irq), 0);
	assert_int_equal(flags[77 / 8], 1u << (77 % 8));
	assert_int_equal(f->nirq, 1);
	/* already set: no second interrupt */
	assert_int_equal(hv_synic_set_event(&f->vp, &f->gm, 2, 77, &f->irq), 1);
	assert_int_equal(f->nirq, 1);
	assert_int_equal(hv_synic_set_event(&f->vp, &f->gm, 2, 2047, &f->irq), 0);
	assert_int_equal(flags[255], 0x80);
	assert_int_equal(hv_synic_set_event(&f->vp, &f->gm, 2, 2048, &f->irq), -EINVAL);
	assert_int_equal(hv_synic_set_event(&f->vp, &f->gm, 16, 0, &f->irq), -EINVAL);
	/* neighbouring SINT slots are untouched */
	assert_int_equal(flags[-1], 0);
	assert_int_equal(flags[HV_EVENT_FLAGS_BYTES], 0);
	f->vp.scontrol = 0;
	assert_int_equal(hv_synic_set_event(&f->vp, &f->gm, 2, 1, &f->irq), -ENXIO);
	f->vp.scontrol = 1;
	f->vp.siefp = SIEFP_GPA;
	assert_int_equal(hv_synic_set_event(&f->vp, &f->gm, 2, 1, &f->irq), -ENXIO);
}

struct flag_thread {
	struct fix *f;
	unsigned first;
};

static void *set_flags(void *arg)
{
	struct flag_thread *t = arg;

	/* interleaved bits: both threads hit every 64-bit word */
	for (unsigned i = t->first; i < HV_EVENT_FLAGS_COUNT; i += 2)
		hv_synic_set_event(&t->f->vp, &t->f->gm, 2, i, &t->f->irq);
	return NULL;
}

static void test_event_flags_atomic(void **state)
{
	struct fix *f = *state;
	struct flag_thread a = { f, 0 }, b = { f, 1 };
	pthread_t ta, tb;
	uint8_t *flags = f->ram + SIEFP_GPA + 2 * HV_EVENT_FLAGS_BYTES;

	assert_int_equal(pthread_create(&ta, NULL, set_flags, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, set_flags, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	for (unsigned i = 0; i < HV_EVENT_FLAGS_BYTES; i++)
		assert_int_equal(flags[i], 0xFF);
	assert_int_equal(f->nirq, HV_EVENT_FLAGS_COUNT); /* one interrupt per flag */
}

static void test_stimer_message(void **state)
{
	struct fix *f = *state;
	struct hv_timer_msg_payload pl;
	struct hv_stimer *t = &f->vp.stimer[3];

	hv_stimer_write_config(t, HV_STIMER_ENABLE | (2ull << HV_STIMER_SINTX_SHIFT), false, 0);
	hv_stimer_write_count(t, 1000, 0);
	assert_int_equal(hv_synic_run_stimers(&f->vp, &f->gm, 999, &f->irq), 1000);
	assert_int_equal(f->nirq, 0);
	assert_int_equal(hv_synic_run_stimers(&f->vp, &f->gm, 1004, &f->irq), HV_STIMER_NEVER);
	assert_int_equal(slot(f, 2)->type, HVMSG_TIMER_EXPIRED);
	assert_int_equal(slot(f, 2)->payload_size, sizeof(pl));
	memcpy(&pl, slot(f, 2)->payload, sizeof(pl));
	assert_int_equal(pl.timer_index, 3);
	assert_int_equal(pl.expiration_time, 1000);
	assert_int_equal(pl.delivery_time, 1004);
	assert_int_equal(f->nirq, 1);
	assert_false(t->config & HV_STIMER_ENABLE);

	/* a one-shot finding the slot busy waits for EOM */
	hv_stimer_write_config(t, HV_STIMER_ENABLE | (2ull << HV_STIMER_SINTX_SHIFT), false, 0);
	hv_stimer_write_count(t, 2000, 1500);
	hv_synic_run_stimers(&f->vp, &f->gm, 2001, &f->irq);
	assert_true(t->msg_pending);
	assert_true(slot(f, 2)->flags & HV_MESSAGE_FLAG_PENDING);
	slot(f, 2)->type = 0;
	hv_synic_redeliver(&f->vp, &f->q, &f->gm, 2500, &f->irq);
	assert_false(t->msg_pending);
	memcpy(&pl, slot(f, 2)->payload, sizeof(pl));
	assert_int_equal(pl.expiration_time, 2000);
	assert_int_equal(pl.delivery_time, 2500);
	assert_int_equal(f->nirq, 2);
}

static void test_stimer_periodic_busy_and_direct(void **state)
{
	struct fix *f = *state;
	struct hv_stimer *p = &f->vp.stimer[0], *d = &f->vp.stimer[1];

	slot(f, 2)->type = 0x77; /* busy */
	hv_stimer_write_count(p, 100, 0);
	hv_stimer_write_config(p, HV_STIMER_ENABLE | HV_STIMER_PERIODIC |
			       (2ull << HV_STIMER_SINTX_SHIFT), false, 0);
	/* the tick is dropped (not piled up), the grid goes on */
	assert_int_equal(hv_synic_run_stimers(&f->vp, &f->gm, 130, &f->irq), 200);
	assert_false(p->msg_pending);
	assert_int_equal(slot(f, 2)->type, 0x77);
	assert_int_equal(f->nirq, 0);
	hv_stimer_write_count(p, 0, 130);

	hv_stimer_write_config(d, HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE |
			       (0x90ull << HV_STIMER_APIC_VECTOR_SHIFT), true, 0);
	hv_stimer_write_count(d, 300, 0);
	hv_synic_run_stimers(&f->vp, &f->gm, 300, &f->irq);
	assert_int_equal(f->nirq, 1);
	assert_int_equal(f->last_vec, 0x90);
	assert_int_equal(slot(f, 2)->type, 0x77); /* no message in direct mode */
	assert_int_equal(slot(f, 0)->type, 0);
}

static uint16_t conn_msg(void *opaque, const struct hv_message *m)
{
	*(uint32_t *)opaque = m->type;
	return HV_STATUS_INSUFFICIENT_BUFFERS;
}

static uint16_t conn_evt(void *opaque, uint32_t id)
{
	*(uint32_t *)opaque = id;
	return HV_STATUS_SUCCESS;
}

static void test_connections(void **state)
{
	struct hv_synic_conns *c = calloc(1, sizeof(*c));
	struct hv_message m = msg(0x55, 0);
	uint32_t seen = 0;

	(void)state;
	assert_int_equal(hv_synic_add_msg_conn(c, 0, conn_msg, &seen), -EINVAL);
	assert_int_equal(hv_synic_add_msg_conn(c, 0x1000000, conn_msg, &seen), -EINVAL);
	assert_int_equal(hv_synic_add_msg_conn(c, 5, NULL, &seen), -EINVAL);
	assert_int_equal(hv_synic_add_msg_conn(c, 5, conn_msg, &seen), 0);
	assert_int_equal(hv_synic_add_msg_conn(c, 5, conn_msg, &seen), -EEXIST);
	assert_int_equal(hv_synic_add_evt_conn(c, 5, conn_evt, &seen), 0); /* separate table */
	assert_int_equal(hv_synic_conn_post(c, 5, &m), HV_STATUS_INSUFFICIENT_BUFFERS);
	assert_int_equal(seen, 0x55);
	assert_int_equal(hv_synic_conn_post(c, 6, &m), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(hv_synic_conn_post(c, 0, &m), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(hv_synic_conn_signal(c, 5), HV_STATUS_SUCCESS);
	assert_int_equal(seen, 5);
	assert_int_equal(hv_synic_conn_signal(c, 7), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(hv_synic_del_msg_conn(c, 5), 0);
	assert_int_equal(hv_synic_del_msg_conn(c, 5), -ENOENT);
	assert_int_equal(hv_synic_conn_post(c, 5, &m), HV_STATUS_INVALID_CONNECTION_ID);
	for (uint32_t id = 1; id <= HV_SYNIC_MAX_CONNS; id++)
		assert_int_equal(hv_synic_add_msg_conn(c, id, conn_msg, &seen), 0);
	assert_int_equal(hv_synic_add_msg_conn(c, 1000, conn_msg, &seen), -ENOSPC);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_post_free_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_queue_and_eom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked_and_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_flags_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stimer_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stimer_periodic_busy_and_direct, setup,
						teardown),
		cmocka_unit_test(test_connections),
	};

	return cmocka_run_group_tests_name("hv_synic", tests, NULL, NULL);
}
