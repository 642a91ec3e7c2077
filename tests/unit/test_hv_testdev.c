/* hyperv/hv_testdev: QEMU's hyperv-testdev control word, routes and connections. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_testdev.h"

struct fix {
	struct hv_testdev dev;
	struct hv_synic_conns conns;
	unsigned nraise, npost, nevt, nroute_add;
	uint32_t vp, sint, flag;
	int post_ret, route_ret;
	struct hv_message posted;
};

static int op_raise(void *o, uint32_t vp, unsigned sint)
{
	struct fix *f = o;

	f->nraise++;
	f->vp = vp;
	f->sint = sint;
	return 0;
}

static int op_post(void *o, uint32_t vp, unsigned sint, const struct hv_message *m)
{
	struct fix *f = o;

	f->npost++;
	f->vp = vp;
	f->sint = sint;
	f->posted = *m;
	return f->post_ret;
}

static int op_evt(void *o, uint32_t vp, unsigned sint, unsigned flag)
{
	struct fix *f = o;

	f->nevt++;
	f->vp = vp;
	f->sint = sint;
	f->flag = flag;
	return 0;
}

static int op_route_add(void *o, uint32_t vp, unsigned sint)
{
	struct fix *f = o;

	f->nroute_add++;
	f->vp = vp;
	f->sint = sint;
	return f->route_ret;
}

static int op_conn_add(void *o, uint32_t id, hv_msg_conn_fn msg, hv_evt_conn_fn evt, void *conn)
{
	struct fix *f = o;

	return hv_testdev_synic_conn_add(&f->conns, id, msg, evt, conn);
}

static int op_conn_del(void *o, uint32_t id, bool is_msg)
{
	struct fix *f = o;

	return hv_testdev_synic_conn_del(&f->conns, id, is_msg);
}

static const struct hv_testdev_ops ops = {
	.route_add = op_route_add,
	.raise = op_raise,
	.post = op_post,
	.set_event = op_evt,
	.conn_add = op_conn_add,
	.conn_del = op_conn_del,
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hv_testdev_init(&f->dev, &ops, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint32_t cmd(uint8_t conn, uint8_t ctl, uint8_t vp, uint8_t sint)
{
	return (uint32_t)conn << 24 | (uint32_t)ctl << 16 | (uint32_t)vp << 8 | sint;
}

static void test_decode(void **state)
{
	struct hv_testdev_cmd c;

	(void)state;
	hv_testdev_decode(0x12345678, &c);
	assert_int_equal(c.conn_id, 0x12);
	assert_int_equal(c.ctl, 0x34);
	assert_int_equal(c.vp, 0x56);
	assert_int_equal(c.sint, 0x78);
}

static void test_routes(void **state)
{
	struct fix *f = *state;

	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_SET_SINT, 1, 3)),
			 -ENOENT);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_CREATE, 1, 3)), 0);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_SET_SINT, 1, 3)), 0);
	assert_int_equal(f->nraise, 1);
	assert_int_equal(f->vp, 1);
	assert_int_equal(f->sint, 3);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_SET_SINT, 2, 3)),
			 -ENOENT); /* other VP */
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_DESTROY, 1, 3)), 0);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_DESTROY, 1, 3)),
			 -ENOENT);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_SET_SINT, 1, 3)),
			 -ENOENT);
	assert_int_equal(f->nraise, 1);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_CREATE, 1, 16)),
			 -EINVAL);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, 8, 1, 1)), -EINVAL);
	for (unsigned i = 0; i < HV_TESTDEV_MAX; i++)
		assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_CREATE, i, 1)),
				 0);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_CREATE, 0, 2)),
			 -ENOSPC);
}

/* The backend's route_add is asked first; its refusal leaves no route behind. */
static void test_route_add_backend(void **state)
{
	struct fix *f = *state;

	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_CREATE, 1, 5)), 0);
	assert_int_equal(f->nroute_add, 1);
	assert_int_equal(f->vp, 1);
	assert_int_equal(f->sint, 5);
	f->route_ret = -ENOSPC;
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_CREATE, 0, 6)),
			 -ENOSPC);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_SINT_ROUTE_SET_SINT, 0, 6)),
			 -ENOENT);
	assert_int_equal(f->nraise, 0);
}

static void test_msg_conn_echo(void **state)
{
	struct fix *f = *state;
	struct hv_message m;

	memset(&m, 0, sizeof(m));
	m.type = 0x1234;
	m.payload_size = 2;
	m.payload[1] = 0x99;
	assert_int_equal(hv_testdev_write(&f->dev, cmd(7, HV_TESTDEV_MSG_CONN_CREATE, 2, 5)), 0);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(7, HV_TESTDEV_MSG_CONN_CREATE, 2, 5)),
			 -EEXIST);
	assert_int_equal(hv_synic_conn_post(&f->conns, 7, &m), HV_STATUS_SUCCESS);
	assert_int_equal(f->npost, 1);
	assert_int_equal(f->vp, 2);
	assert_int_equal(f->sint, 5);
	assert_int_equal(f->posted.type, 0x1234);
	assert_int_equal(f->posted.payload[1], 0x99);
	f->post_ret = HV_SYNIC_QUEUED;
	assert_int_equal(hv_synic_conn_post(&f->conns, 7, &m), HV_STATUS_SUCCESS);
	f->post_ret = -EAGAIN;
	assert_int_equal(hv_synic_conn_post(&f->conns, 7, &m), HV_STATUS_INSUFFICIENT_BUFFERS);
	f->post_ret = -ENXIO;
	assert_int_equal(hv_synic_conn_post(&f->conns, 7, &m), HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(7, HV_TESTDEV_MSG_CONN_DESTROY, 0, 0)), 0);
	assert_int_equal(hv_synic_conn_post(&f->conns, 7, &m), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(7, HV_TESTDEV_MSG_CONN_DESTROY, 0, 0)),
			 -ENOENT);
	/* connection id 0 is refused by the connection table */
	assert_int_equal(hv_testdev_write(&f->dev, cmd(0, HV_TESTDEV_MSG_CONN_CREATE, 2, 5)),
			 -EINVAL);
}

static void test_evt_conn(void **state)
{
	struct fix *f = *state;

	assert_int_equal(hv_testdev_write(&f->dev, cmd(9, HV_TESTDEV_EVT_CONN_CREATE, 1, 4)), 0);
	assert_int_equal(hv_synic_conn_signal(&f->conns, 9), HV_STATUS_SUCCESS);
	assert_int_equal(f->nevt, 1);
	assert_int_equal(f->vp, 1);
	assert_int_equal(f->sint, 4);
	assert_int_equal(f->flag, 9); /* flag number = connection id (QEMU) */
	assert_int_equal(hv_synic_conn_signal(&f->conns, 8), HV_STATUS_INVALID_CONNECTION_ID);
	hv_testdev_reset(&f->dev);
	assert_int_equal(hv_synic_conn_signal(&f->conns, 9), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(hv_testdev_write(&f->dev, cmd(9, HV_TESTDEV_EVT_CONN_DESTROY, 0, 0)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_add_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msg_conn_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evt_conn, setup, teardown),
	};

	return cmocka_run_group_tests_name("hv_testdev", tests, NULL, NULL);
}
