/* Hypercall control word handling (TLFS "Hypercall Interface"). */
#include "hyperv/hv_hypercall.h"

#include "hyperv/hv_features.h"
#include "hyperv/hv_proto.h"
#include "vmm/log.h"

/* Codes enlight implements. Fast/var-header/rep per the TLFS call pages;
 * the flush and IPI calls accept fast (XMM) input as in KVM. */
static const struct hv_hcall_desc hv_hcalls[] = {
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, "HvFlushVirtualAddressSpace",
	  .fast_ok = true, .feature = HV_FEAT_TLBFLUSH },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, "HvFlushVirtualAddressList",
	  .rep = true, .fast_ok = true, .feature = HV_FEAT_TLBFLUSH },
	/* KVM accepts it with any enlightenment (TLFS ties it to the spinlock
	 * recommendation, 0x40000004 EBX). */
	{ HVCALL_NOTIFY_LONG_SPIN_WAIT, "HvNotifyLongSpinWait",
	  .fast_ok = true, .feature = HV_FEAT_NONE },
	{ HVCALL_SEND_IPI, "HvSendSyntheticClusterIpi",
	  .fast_ok = true, .feature = HV_FEAT_IPI },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, "HvFlushVirtualAddressSpaceEx",
	  .fast_ok = true, .var_hdr_ok = true, .feature = HV_FEAT_TLBFLUSH },
	{ HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, "HvFlushVirtualAddressListEx",
	  .rep = true, .fast_ok = true, .var_hdr_ok = true,
	  .feature = HV_FEAT_TLBFLUSH },
	{ HVCALL_SEND_IPI_EX, "HvSendSyntheticClusterIpiEx",
	  .fast_ok = true, .var_hdr_ok = true, .feature = HV_FEAT_IPI },
	{ HVCALL_POST_MESSAGE, "HvPostMessage",
	  .fast_denied_status = HV_STATUS_INVALID_HYPERCALL_CODE,
	  .feature = HV_FEAT_SYNIC },
	{ HVCALL_SIGNAL_EVENT, "HvSignalEvent",
	  .fast_ok = true, .feature = HV_FEAT_SYNIC },
	/* Extended range; output goes to memory, so slow only (KVM). */
	{ HVCALL_EXT_QUERY_CAPABILITIES, "HvExtCallQueryCapabilities",
	  .fast_denied_status = HV_STATUS_INVALID_PARAMETER,
	  .feature = HV_FEAT_NONE },
};

void hv_hcall_decode(uint64_t rcx, struct hv_hcall_input *in)
{
	in->code = rcx & HV_HCALL_CODE_MASK;
	in->fast = !!(rcx & HV_HCALL_FAST);
	in->var_hdr_qwords = (rcx & HV_HCALL_VARHDR_MASK) >> HV_HCALL_VARHDR_SHIFT;
	in->rep_count = (rcx & HV_HCALL_REP_COUNT_MASK) >> HV_HCALL_REP_COUNT_SHIFT;
	in->rep_start = (rcx & HV_HCALL_REP_START_MASK) >> HV_HCALL_REP_START_SHIFT;
	in->reserved_bits_set = !!(rcx & HV_HCALL_RSVD_MASK);
}

uint64_t hv_hcall_result(uint16_t status, uint16_t reps_done)
{
	return (uint64_t)status |
	       (((uint64_t)reps_done << HV_HCALL_RESULT_REPS_SHIFT) &
		HV_HCALL_RESULT_REPS_MASK);
}

const struct hv_hcall_desc *hv_hcall_lookup(uint16_t code)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(hv_hcalls); i++)
		if (hv_hcalls[i].code == code)
			return &hv_hcalls[i];
	return NULL;
}

const struct hv_hcall_desc *hv_hcall_find(uint16_t code, uint64_t features)
{
	const struct hv_hcall_desc *d = hv_hcall_lookup(code);

	if (!d)
		return NULL;
	if (d->feature != HV_FEAT_NONE && !(features & HV_FEAT_BIT(d->feature)))
		return NULL;
	return d;
}

uint16_t hv_hcall_check(const struct hv_hcall_input *in,
			const struct hv_hcall_desc *d)
{
	if (in->reserved_bits_set)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!d)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	if (in->fast && !d->fast_ok)
		return d->fast_denied_status;
	if (in->var_hdr_qwords && !d->var_hdr_ok)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (d->rep) {
		if (in->rep_count == 0 || in->rep_start >= in->rep_count)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
	} else if (in->rep_count || in->rep_start) {
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	return HV_STATUS_SUCCESS;
}

uint16_t hv_hcall_check_gpa(uint64_t gpa, uint64_t len)
{
	if (!len)
		return HV_STATUS_SUCCESS;
	if (gpa & (HV_HCALL_GPA_ALIGN - 1))
		return HV_STATUS_INVALID_ALIGNMENT;
	/* last byte computed without overflow: len <= page size here */
	if (len > HV_PAGE_SIZE || gpa + (len - 1) < gpa ||
	    (gpa >> HV_PAGE_SHIFT) != ((gpa + (len - 1)) >> HV_PAGE_SHIFT))
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}
