/* Hypercall execution for the userspace backend; see hv_hcall_exec.h. */
#include "hyperv/hv_hcall_exec.h"

#include <string.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_hypercall.h"
#include "vmm/guest_mem.h"
#include "vmm/log.h"

/* Fast input: RDX, R8, then XMM0-5 (TLFS "XMM Fast Hypercalls"). */
#define HCALL_FAST_MAX	(16 + HV_HCALL_XMM_REGS * 16)

/* The input block of one call, from memory or registers, read at byte offsets. */
struct hcall {
	const struct hv_hcall_ctx *c;
	struct hv_hcall_input in;
	uint64_t rdx, r8;
	uint8_t fast[HCALL_FAST_MAX];
	unsigned fast_len;
};

/* Bytes [off, off+len) of the input block; an HV_STATUS. */
static uint16_t in_read(const struct hcall *h, uint64_t off, void *dst, uint64_t len)
{
	uint16_t st;

	if (h->in.fast) {
		if (off + len > h->fast_len)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		memcpy(dst, h->fast + off, len);
		return HV_STATUS_SUCCESS;
	}
	/* The whole block up to here is one aligned, page-contained range of RAM. */
	st = hv_hcall_check_gpa(h->rdx, off + len);
	if (st)
		return st;
	if (gm_read(h->c->gm, h->rdx + off, dst, len))
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}

/* A set of VPs: every VP, or sparse banks of 64 (TLFS "HV_VP_SET"). */
struct vp_set {
	bool all;
	uint64_t valid_banks;
	uint64_t banks[64];
};

static bool vp_set_has(const struct vp_set *s, uint32_t vp)
{
	unsigned bank = vp / 64, pos;

	if (s->all)
		return true;
	if (bank >= 64 || !(s->valid_banks & (1ull << bank)))
		return false;
	/* Banks are packed in ascending order: this one's position is the count below. */
	pos = __builtin_popcountll(s->valid_banks & ((1ull << bank) - 1));
	return s->banks[pos] & (1ull << (vp % 64));
}

/* Read a sparse VP set: format and valid-bank mask at off, banks right after. KVM: the
 * variable header holds exactly one qword per valid bank. */
static uint16_t read_vp_set(const struct hcall *h, uint64_t off, bool all_if_not_sparse,
			    struct vp_set *s)
{
	uint64_t hdr[2];
	unsigned nbanks;
	uint16_t st = in_read(h, off, hdr, sizeof(hdr));

	if (st)
		return st;
	s->valid_banks = hdr[1];
	nbanks = __builtin_popcountll(hdr[1]);
	if (h->in.var_hdr_qwords != nbanks)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* KVM: the flush calls treat every format but SPARSE_4K as "all", the IPI call only
	 * HV_GENERIC_SET_ALL. */
	s->all = all_if_not_sparse ? hdr[0] != HV_GENERIC_SET_SPARSE_4K :
				     hdr[0] == HV_GENERIC_SET_ALL;
	if (s->all || !nbanks)
		return HV_STATUS_SUCCESS;
	return in_read(h, off + sizeof(hdr), s->banks, nbanks * sizeof(uint64_t));
}

static void for_each_vp(const struct hcall *h, const struct vp_set *s,
			void (*fn)(const struct hcall *h, uint32_t vp, uint8_t vector),
			uint8_t vector)
{
	uint32_t n = h->c->nvps < HV_HCALL_MAX_VPS ? h->c->nvps : HV_HCALL_MAX_VPS;

	for (uint32_t vp = 0; vp < n; vp++)
		if (vp_set_has(s, vp))
			fn(h, vp, vector);
}

static void flush_one(const struct hcall *h, uint32_t vp, uint8_t vector)
{
	(void)vector;
	h->c->ops->flush(h->c->opaque, vp);
}

static void ipi_one(const struct hcall *h, uint32_t vp, uint8_t vector)
{
	h->c->ops->ipi(h->c->opaque, vp, vector);
}

/* HvFlushVirtualAddressSpace/List(Ex): input address space, flags, then the processor mask
 * or VP set; the list calls' GVA ranges follow and need not be read (full flush). */
static uint16_t hcall_flush(const struct hcall *h, uint16_t *reps)
{
	struct vp_set s = { 0 };
	uint64_t hdr[3];
	uint16_t st;

	if (h->in.code == HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE ||
	    h->in.code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST) {
		st = in_read(h, 0, hdr, sizeof(hdr));
		if (st)
			return st;
		/* KVM: an empty mask means all processors (WS2012 sends it so). */
		s.all = (hdr[1] & HV_FLUSH_ALL_PROCESSORS) || !hdr[2];
		s.valid_banks = 1;
		s.banks[0] = hdr[2];
	} else {
		st = read_vp_set(h, 16, true, &s);
		if (st)
			return st;
	}
	for_each_vp(h, &s, flush_one, 0);
	*reps = h->in.rep_count; /* the whole TLB went: every rep is done */
	return HV_STATUS_SUCCESS;
}

/* HvSendSyntheticClusterIpi(Ex): u32 vector, u8 target VTL, padding, then the mask/set. */
static uint16_t hcall_ipi(const struct hcall *h, uint16_t *reps)
{
	struct vp_set s = { 0 };
	uint64_t w[2];
	uint32_t vector;
	uint16_t st;

	(void)reps;
	st = in_read(h, 0, w, h->in.code == HVCALL_SEND_IPI ? 16 : 8);
	if (st)
		return st;
	vector = (uint32_t)w[0];
	if (h->in.code == HVCALL_SEND_IPI) {
		/* KVM checks the reserved half (VTL, padding) only in the fast form. */
		if (h->in.fast && (w[0] >> 32))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		s.valid_banks = 1;
		s.banks[0] = w[1];
	} else {
		st = read_vp_set(h, 8, false, &s);
		if (st)
			return st;
		if (!s.all && !s.valid_banks)
			return HV_STATUS_SUCCESS; /* nobody to interrupt (KVM) */
	}
	if (vector < HV_SINT_MIN_VECTOR || vector > 0xFF)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	for_each_vp(h, &s, ipi_one, (uint8_t)vector);
	return HV_STATUS_SUCCESS;
}

static uint16_t hcall_post_message(const struct hcall *h, uint16_t *reps)
{
	struct hv_post_message_input in;
	struct hv_message m;
	uint16_t st;

	(void)reps;
	st = hv_hcall_check_gpa(h->rdx, sizeof(in));
	if (st)
		return st;
	if (gm_read(h->c->gm, h->rdx, &in, sizeof(in)))
		return HV_STATUS_INSUFFICIENT_MEMORY; /* QEMU: the block does not map */
	if (in.payload_size > HV_MESSAGE_PAYLOAD_SIZE)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* TLFS HvPostMessage: types with the high bit are the hypervisor's; 0 is "none". */
	if (in.message_type == HVMSG_NONE || (in.message_type & HVMSG_HYPERVISOR_RESERVED))
		return HV_STATUS_INVALID_PARAMETER;
	memset(&m, 0, sizeof(m));
	m.type = in.message_type;
	m.payload_size = (uint8_t)in.payload_size;
	memcpy(m.payload, in.payload, in.payload_size);
	return h->c->ops->post_message(h->c->opaque, in.connection_id & HV_CONNECTION_ID_MASK,
				       &m);
}

static uint16_t hcall_signal_event(const struct hcall *h, uint16_t *reps)
{
	uint64_t param = h->rdx;
	uint16_t st;

	(void)reps;
	if (!h->in.fast) {
		st = hv_hcall_check_gpa(h->rdx, sizeof(param));
		if (st)
			return st;
		if (gm_read(h->c->gm, h->rdx, &param, sizeof(param)))
			return HV_STATUS_INVALID_ALIGNMENT;
	}
	/* QEMU/KVM: only flag number 0 is served; the rest of the word is reserved. */
	if (param & HV_SIGNAL_EVENT_FLAG_MASK)
		return HV_STATUS_INVALID_PORT_ID;
	if (param & ~(uint64_t)HV_CONNECTION_ID_MASK)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	return h->c->ops->signal_event(h->c->opaque, (uint32_t)param);
}

static uint16_t hcall_spin_wait(const struct hcall *h, uint16_t *reps)
{
	(void)reps;
	h->c->ops->spin_wait(h->c->opaque);
	return HV_STATUS_SUCCESS;
}

/* HvExtCallQueryCapabilities: output u64 capability bits; enlight implements none. */
static uint16_t hcall_ext_query(const struct hcall *h, uint16_t *reps)
{
	uint64_t caps = 0;
	uint16_t st = hv_hcall_check_gpa(h->r8, sizeof(caps));

	(void)reps;
	if (st)
		return st;
	if (gm_write(h->c->gm, h->r8, &caps, sizeof(caps)))
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}

static const struct {
	uint16_t code;
	uint16_t (*fn)(const struct hcall *h, uint16_t *reps);
} hcall_handlers[] = {
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, hcall_flush },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, hcall_flush },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, hcall_flush },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, hcall_flush },
	{ HVCALL_NOTIFY_LONG_SPIN_WAIT, hcall_spin_wait },
	{ HVCALL_SEND_IPI, hcall_ipi },
	{ HVCALL_SEND_IPI_EX, hcall_ipi },
	{ HVCALL_POST_MESSAGE, hcall_post_message },
	{ HVCALL_SIGNAL_EVENT, hcall_signal_event },
	{ HVCALL_EXT_QUERY_CAPABILITIES, hcall_ext_query },
};

uint64_t hv_hcall_exec(const struct hv_hcall_ctx *c, uint64_t rcx, uint64_t rdx, uint64_t r8)
{
	struct hcall h = { .c = c, .rdx = rdx, .r8 = r8 };
	const struct hv_hcall_desc *d;
	uint16_t st, reps = 0;

	hv_hcall_decode(rcx, &h.in);
	d = hv_hcall_find(h.in.code, c->features);
	st = hv_hcall_check(&h.in, d);
	if (st)
		return hv_hcall_result(st, 0);
	if (h.in.fast) {
		memcpy(h.fast, &rdx, 8);
		memcpy(h.fast + 8, &r8, 8);
		h.fast_len = 16;
		if (c->xmm) {
			memcpy(h.fast + 16, c->xmm, HV_HCALL_XMM_REGS * 16);
			h.fast_len = HCALL_FAST_MAX;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(hcall_handlers); i++) {
		if (hcall_handlers[i].code == h.in.code) {
			st = hcall_handlers[i].fn(&h, &reps);
			return hv_hcall_result(st, st ? 0 : reps);
		}
	}
	return hv_hcall_result(HV_STATUS_INVALID_HYPERCALL_CODE, 0);
}
