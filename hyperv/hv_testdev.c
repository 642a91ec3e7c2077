/* hyperv-testdev control port (QEMU hw/misc/hyperv_testdev.c); see hv_testdev.h. */
#include "hyperv/hv_testdev.h"

#include <errno.h>
#include <string.h>

void hv_testdev_init(struct hv_testdev *d, const struct hv_testdev_ops *ops, void *opaque)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->opaque = opaque;
}

int hv_testdev_synic_conn_add(void *conns, uint32_t conn_id, hv_msg_conn_fn msg,
			      hv_evt_conn_fn evt, void *conn)
{
	return msg ? hv_synic_add_msg_conn(conns, conn_id, msg, conn) :
		     hv_synic_add_evt_conn(conns, conn_id, evt, conn);
}

int hv_testdev_synic_conn_del(void *conns, uint32_t conn_id, bool is_msg)
{
	return is_msg ? hv_synic_del_msg_conn(conns, conn_id) :
			hv_synic_del_evt_conn(conns, conn_id);
}

void hv_testdev_reset(struct hv_testdev *d)
{
	for (unsigned i = 0; i < HV_TESTDEV_MAX; i++) {
		if (d->msg[i].used)
			d->ops->conn_del(d->opaque, d->msg[i].conn_id, true);
		if (d->evt[i].used)
			d->ops->conn_del(d->opaque, d->evt[i].conn_id, false);
	}
	memset(d->routes, 0, sizeof(d->routes));
	memset(d->msg, 0, sizeof(d->msg));
	memset(d->evt, 0, sizeof(d->evt));
}

void hv_testdev_decode(uint32_t val, struct hv_testdev_cmd *c)
{
	c->sint = val & 0xFF;
	c->vp = (val >> 8) & 0xFF;
	c->ctl = (val >> 16) & 0xFF;
	c->conn_id = (val >> 24) & 0xFF;
}

static struct hv_testdev_route *route_find(struct hv_testdev *d, uint8_t vp, uint8_t sint)
{
	for (unsigned i = 0; i < HV_TESTDEV_MAX; i++)
		if (d->routes[i].used && d->routes[i].vp == vp && d->routes[i].sint == sint)
			return &d->routes[i];
	return NULL;
}

static int route_create(struct hv_testdev *d, const struct hv_testdev_cmd *c)
{
	for (unsigned i = 0; i < HV_TESTDEV_MAX; i++) {
		if (!d->routes[i].used) {
			int r = d->ops->route_add ? d->ops->route_add(d->opaque, c->vp, c->sint) : 0;

			if (r < 0)
				return r;
			d->routes[i] = (struct hv_testdev_route){ c->vp, c->sint, true };
			return 0;
		}
	}
	return -ENOSPC;
}

/* Echo the guest's message back into the connection's slot (QEMU msg_handler). */
static uint16_t testdev_msg(void *opaque, const struct hv_message *m)
{
	struct hv_testdev_conn *conn = opaque;
	struct hv_testdev *d = conn->dev;
	int r = d->ops->post(d->opaque, conn->vp, conn->sint, m);

	if (r >= 0)
		return HV_STATUS_SUCCESS;
	return r == -EAGAIN ? HV_STATUS_INSUFFICIENT_BUFFERS : HV_STATUS_INVALID_HYPERCALL_INPUT;
}

/* Signal the same event flag number as the connection id (QEMU evt_conn_handler). */
static uint16_t testdev_evt(void *opaque, uint32_t conn_id)
{
	struct hv_testdev_conn *conn = opaque;
	struct hv_testdev *d = conn->dev;

	d->ops->set_event(d->opaque, conn->vp, conn->sint, conn_id);
	return HV_STATUS_SUCCESS;
}

static struct hv_testdev_conn *conn_slot(struct hv_testdev_conn *tab, bool used, uint8_t id)
{
	for (unsigned i = 0; i < HV_TESTDEV_MAX; i++)
		if (tab[i].used == used && (!used || tab[i].conn_id == id))
			return &tab[i];
	return NULL;
}

static int conn_create(struct hv_testdev *d, struct hv_testdev_conn *tab, bool is_msg,
		       const struct hv_testdev_cmd *c)
{
	struct hv_testdev_conn *conn = conn_slot(tab, false, 0);
	int r;

	if (!conn)
		return -ENOSPC;
	*conn = (struct hv_testdev_conn){ d, c->conn_id, c->vp, c->sint, true };
	r = d->ops->conn_add(d->opaque, c->conn_id, is_msg ? testdev_msg : NULL,
			     is_msg ? NULL : testdev_evt, conn);
	if (r)
		conn->used = false;
	return r;
}

static int conn_destroy(struct hv_testdev *d, struct hv_testdev_conn *tab, bool is_msg,
			uint8_t id)
{
	struct hv_testdev_conn *conn = conn_slot(tab, true, id);

	if (!conn)
		return -ENOENT;
	d->ops->conn_del(d->opaque, id, is_msg);
	conn->used = false;
	return 0;
}

int hv_testdev_write(struct hv_testdev *d, uint32_t val)
{
	struct hv_testdev_cmd c;
	struct hv_testdev_route *rt;

	hv_testdev_decode(val, &c);
	if (c.sint >= HV_SINT_COUNT)
		return -EINVAL;
	switch (c.ctl) {
	case HV_TESTDEV_SINT_ROUTE_CREATE:
		return route_create(d, &c);
	case HV_TESTDEV_SINT_ROUTE_DESTROY:
		rt = route_find(d, c.vp, c.sint);
		if (!rt)
			return -ENOENT;
		rt->used = false;
		return 0;
	case HV_TESTDEV_SINT_ROUTE_SET_SINT:
		if (!route_find(d, c.vp, c.sint))
			return -ENOENT;
		d->ops->raise(d->opaque, c.vp, c.sint);
		return 0;
	case HV_TESTDEV_MSG_CONN_CREATE:
		return conn_create(d, d->msg, true, &c);
	case HV_TESTDEV_MSG_CONN_DESTROY:
		return conn_destroy(d, d->msg, true, c.conn_id);
	case HV_TESTDEV_EVT_CONN_CREATE:
		return conn_create(d, d->evt, false, &c);
	case HV_TESTDEV_EVT_CONN_DESTROY:
		return conn_destroy(d, d->evt, false, c.conn_id);
	default:
		return -EINVAL;
	}
}
