/* hyperv-testdev: QEMU's Hyper-V test device (hw/misc/hyperv_testdev.c) that the
 * kvm-unit-tests hyperv_synic/hyperv_connections tests drive. One 32-bit write to port
 * 0x3000 = conn_id << 24 | ctl << 16 | vp_index << 8 | sint:
 *   1 SINT route create   (vp, sint)
 *   2 SINT route destroy  (vp, sint)
 *   3 SINT route fire     raise SINT sint of vp
 *   4 message connection create: every HvPostMessage on conn_id is posted back, with the
 *     same type and payload, to (vp, sint)
 *   5 message connection destroy (conn_id)
 *   6 event connection create: every HvSignalEvent on conn_id sets event flag conn_id of
 *     (vp, sint)
 *   7 event connection destroy (conn_id)
 * Other widths and commands are ignored. QEMU asserts on a bad command (unknown route,
 * duplicate connection); enlight ignores it and reports -errno to the caller. Pure: the
 * backend's SynIC and connection table are reached through struct hv_testdev_ops (the
 * userspace backend: hv_user.c; the in-kernel one: hv_kernel.c); calls are serialised by the
 * caller.
 */
#ifndef ENLIGHT_HV_TESTDEV_H
#define ENLIGHT_HV_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "hyperv/hv_synic.h"

#define HV_TESTDEV_PORT		0x3000u
#define HV_TESTDEV_PORT_LEN	4u
#define HV_TESTDEV_MAX		64	/* QEMU's HV_TEST_DEV_MAX_SINT_ROUTES */

enum hv_testdev_ctl {
	HV_TESTDEV_SINT_ROUTE_CREATE = 1,
	HV_TESTDEV_SINT_ROUTE_DESTROY,
	HV_TESTDEV_SINT_ROUTE_SET_SINT,
	HV_TESTDEV_MSG_CONN_CREATE,
	HV_TESTDEV_MSG_CONN_DESTROY,
	HV_TESTDEV_EVT_CONN_CREATE,
	HV_TESTDEV_EVT_CONN_DESTROY,
};

struct hv_testdev_cmd {
	uint8_t sint, vp, ctl, conn_id;
};

/* The partition's SynIC and connection table as the device sees it (one backend each). */
struct hv_testdev_ops {
	/* A route (vp, sint) was created: optional (the userspace backend needs none). */
	int (*route_add)(void *opaque, uint32_t vp, unsigned sint);
	int (*raise)(void *opaque, uint32_t vp, unsigned sint);
	/* Post m to VP vp's slot sint: 0 delivered, > 0 queued behind a busy slot, -EAGAIN no
	 * room, else -errno */
	int (*post)(void *opaque, uint32_t vp, unsigned sint, const struct hv_message *m);
	int (*set_event)(void *opaque, uint32_t vp, unsigned sint, unsigned flag);
	/* The partition's HvPostMessage / HvSignalEvent targets: exactly one of msg, evt is
	 * set. 0, -EEXIST, -ENOSPC, -EINVAL; del: 0 or -ENOENT. */
	int (*conn_add)(void *opaque, uint32_t conn_id, hv_msg_conn_fn msg, hv_evt_conn_fn evt,
			void *conn);
	int (*conn_del)(void *opaque, uint32_t conn_id, bool is_msg);
};

/* The userspace backend's table (hv_synic.h) behind conn_add/conn_del: opaque is a
 * struct hv_synic_conns. */
int hv_testdev_synic_conn_add(void *conns, uint32_t conn_id, hv_msg_conn_fn msg,
			      hv_evt_conn_fn evt, void *conn);
int hv_testdev_synic_conn_del(void *conns, uint32_t conn_id, bool is_msg);

struct hv_testdev;

struct hv_testdev_conn {
	struct hv_testdev *dev;
	uint8_t conn_id, vp, sint;
	bool used;
};

struct hv_testdev_route {
	uint8_t vp, sint;
	bool used;
};

struct hv_testdev {
	const struct hv_testdev_ops *ops;
	void *opaque;
	struct hv_testdev_route routes[HV_TESTDEV_MAX];
	struct hv_testdev_conn msg[HV_TESTDEV_MAX], evt[HV_TESTDEV_MAX];
};

void hv_testdev_init(struct hv_testdev *d, const struct hv_testdev_ops *ops, void *opaque);
/* Drop every route and connection (system reset, teardown). */
void hv_testdev_reset(struct hv_testdev *d);
void hv_testdev_decode(uint32_t val, struct hv_testdev_cmd *c);
/* One control write: 0, or -ENOENT (no such route/connection), -EEXIST, -ENOSPC,
 * -EINVAL (unknown command, bad SINT or connection id 0). */
int hv_testdev_write(struct hv_testdev *d, uint32_t val);

#endif
