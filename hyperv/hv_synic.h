/* The userspace backend's SynIC (TLFS "Inter-Partition Communication"): message slots, the
 * per-SINT queue behind a busy slot, event flags, SINT delivery, synthetic-timer expiry
 * delivery and the partition's connection table (HvPostMessage/HvSignalEvent targets).
 * Pure: guest memory through gm_ptr_rw, interrupts through struct hv_irq_ops; the caller
 * serialises calls for one partition (hv_vm.lock).
 *
 * Message slot protocol (TLFS "SynIC Message Flags"): a slot is free when its message type
 * is 0. The host writes the payload and header first and the type last (release store), so
 * a guest that sees the type sees the whole message. A busy slot gets MessagePending set;
 * the guest then frees the slot and writes EOM, and the host delivers the next queued
 * message (also when SIMP, SINTx or SCONTROL are written, so nothing waits forever).
 *
 * Interrupt delivery: a SINT is a fixed interrupt with the SINT's vector; masked SINTs and
 * vectors below 16 deliver nothing (the message or flag stays for a polling guest).
 * Auto-EOI is passed to the irq callback, which must make the interrupt need no EOI (the
 * userspace backend cannot do this inside KVM's LAPIC; see hv_user.c).
 */
#ifndef ENLIGHT_HV_SYNIC_H
#define ENLIGHT_HV_SYNIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_msr.h"
#include "hyperv/hv_proto.h"

struct guest_mem;

/* HV_MESSAGE (TLFS "SynIC Message Buffer"): one 256-byte slot per SINT. */
struct hv_message {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;		/* HV_MESSAGE_FLAG_PENDING */
	uint16_t reserved;
	uint64_t sender;	/* port / origination id */
	uint8_t payload[HV_MESSAGE_PAYLOAD_SIZE];
};
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SIZE, "a message slot is 256 bytes");

/* HV_TIMER_MESSAGE_PAYLOAD (TLFS "Timers", timer expiration message). */
struct hv_timer_msg_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time;
	uint64_t delivery_time;
};

/* A fixed interrupt to a VP: KVM_SIGNAL_MSI in the VMM, a recorder in tests. */
struct hv_irq_ops {
	int (*deliver)(void *opaque, uint32_t vp_index, uint8_t vector, bool auto_eoi);
	void *opaque;
};

/* Messages waiting behind a busy slot, per SINT, in posting order. */
#define HV_SYNIC_QUEUE_LEN 4
struct hv_synic_queue {
	struct hv_message msg[HV_SINT_COUNT][HV_SYNIC_QUEUE_LEN];
	uint8_t head[HV_SINT_COUNT], count[HV_SINT_COUNT];
};

void hv_synic_queue_init(struct hv_synic_queue *q);

/* Raise SINT sint of vp: 0 delivered, -ENOENT masked or vector < 16, -EINVAL bad sint,
 * else the callback's error. */
int hv_synic_raise(const struct hv_msr_vp *vp, unsigned sint, const struct hv_irq_ops *irq);

/* Post m to vp's slot sint (queued behind a busy slot): 0 delivered, HV_SYNIC_QUEUED,
 * -ENXIO SIMP disabled or not in RAM, -EAGAIN queue full, -EINVAL bad sint or type 0. */
#define HV_SYNIC_QUEUED 1
int hv_synic_post(const struct hv_msr_vp *vp, struct hv_synic_queue *q,
		  const struct guest_mem *gm, unsigned sint, const struct hv_message *m,
		  const struct hv_irq_ops *irq);

/* The slot logic both backends share (TLFS "SynIC Message Buffer" / "SynIC Event Flags"),
 * on a slot or SINT flag array the caller found in guest memory. slot_post: 0 copied (type
 * written last), -EBUSY slot busy (MessagePending set unless no_retry), -EINVAL type 0 or
 * payload over 240 bytes. flag_set: 1 newly set, 0 already set, -EINVAL bad flag. */
int hv_synic_slot_post(struct hv_message *slot, const struct hv_message *m, bool no_retry);
int hv_synic_flag_set(uint8_t *sint_flags, unsigned flag);

/* One delivery attempt without queueing: 0 delivered, -EBUSY slot busy (MessagePending set
 * unless no_retry), -ENXIO, -EINVAL. */
int hv_synic_try_deliver(const struct hv_msr_vp *vp, const struct guest_mem *gm, unsigned sint,
			 const struct hv_message *m, bool no_retry, const struct hv_irq_ops *irq);

/* EOM / SynIC register change: deliver queued messages into free slots, then retry
 * pending timer expiries. Returns the number of messages delivered. */
unsigned hv_synic_redeliver(struct hv_msr_vp *vp, struct hv_synic_queue *q,
			    const struct guest_mem *gm, uint64_t now,
			    const struct hv_irq_ops *irq);

/* Set event flag `flag` of SINT sint (TLFS "SynIC Event Flags"): atomically; the SINT is
 * raised only when the flag was clear. 0 set (raised), 1 was already set, -ENXIO SCONTROL
 * or SIEFP disabled, -EINVAL bad sint/flag. */
int hv_synic_set_event(const struct hv_msr_vp *vp, const struct guest_mem *gm, unsigned sint,
		       unsigned flag, const struct hv_irq_ops *irq);

/* Synthetic timers of vp (hv_stimer.h) at reference time now: deliver every due expiry
 * (HVMSG_TIMER_EXPIRED into the timer's SINT slot, or its APIC vector in direct mode) and
 * return the earliest next expiry (HV_STIMER_NEVER if none). */
uint64_t hv_synic_run_stimers(struct hv_msr_vp *vp, const struct guest_mem *gm, uint64_t now,
			      const struct hv_irq_ops *irq);

/* ---- Connections: the partition's HvPostMessage / HvSignalEvent targets ---- */

/* Called for HvPostMessage on the connection with the guest's message (type, size,
 * payload); returns an HV_STATUS (QEMU: INSUFFICIENT_BUFFERS when it cannot queue). */
typedef uint16_t (*hv_msg_conn_fn)(void *opaque, const struct hv_message *m);
/* Called for HvSignalEvent on the connection; returns an HV_STATUS. */
typedef uint16_t (*hv_evt_conn_fn)(void *opaque, uint32_t conn_id);

#define HV_SYNIC_MAX_CONNS 64
struct hv_synic_conn {
	uint32_t id;	/* 0 = free slot (connection id 0 is never registered) */
	hv_msg_conn_fn msg;
	hv_evt_conn_fn evt;
	void *opaque;
};
struct hv_synic_conns {
	struct hv_synic_conn msg[HV_SYNIC_MAX_CONNS], evt[HV_SYNIC_MAX_CONNS];
};

/* 0, -EINVAL (id 0 or above 24 bits, NULL fn), -EEXIST, -ENOSPC. */
int hv_synic_add_msg_conn(struct hv_synic_conns *c, uint32_t conn_id, hv_msg_conn_fn fn,
			  void *opaque);
int hv_synic_add_evt_conn(struct hv_synic_conns *c, uint32_t conn_id, hv_evt_conn_fn fn,
			  void *opaque);
/* 0 or -ENOENT. */
int hv_synic_del_msg_conn(struct hv_synic_conns *c, uint32_t conn_id);
int hv_synic_del_evt_conn(struct hv_synic_conns *c, uint32_t conn_id);
/* HV_STATUS_INVALID_CONNECTION_ID when nothing listens on conn_id, else the handler's. */
uint16_t hv_synic_conn_post(const struct hv_synic_conns *c, uint32_t conn_id,
			    const struct hv_message *m);
uint16_t hv_synic_conn_signal(const struct hv_synic_conns *c, uint32_t conn_id);

#endif
