/* Hypercall input decoding, validation and result encoding (TLFS
 * "Hypercall Interface"). Pure: the handlers that act on a call live with
 * the userspace backend / KVM_EXIT_HYPERV code.
 *
 * Use: hv_hcall_decode(rcx, &in); d = hv_hcall_find(in.code, cfg->features);
 * st = hv_hcall_check(&in, d); for a slow call also hv_hcall_check_gpa() on
 * the input/output blocks; then run the handler and return
 * hv_hcall_result(st, reps_done) in RAX.
 */
#ifndef ENLIGHT_HV_HYPERCALL_H
#define ENLIGHT_HV_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

struct hv_hcall_input {
	uint16_t code;		/* b15:0 */
	bool fast;		/* b16: parameters in registers */
	uint16_t var_hdr_qwords;	/* b26:17 */
	uint16_t rep_count;	/* b43:32 */
	uint16_t rep_start;	/* b59:48 */
	bool reserved_bits_set;	/* any of b31:27, b47:44, b63:60 */
};

/* One row per hypercall enlight implements. */
struct hv_hcall_desc {
	uint16_t code;
	const char *name;
	bool rep;		/* rep call: rep_count elements */
	bool fast_ok;		/* register (and XMM) input accepted */
	bool var_hdr_ok;	/* variable-size header accepted */
	/* Status for a fast call when !fast_ok: KVM answers extended calls with
	 * INVALID_PARAMETER, QEMU a fast PostMessage with INVALID_HYPERCALL_CODE;
	 * enlight gives the guest the same answers. */
	uint16_t fast_denied_status;
	int feature;		/* enum hv_feat unlocking it, or HV_FEAT_NONE */
};

void hv_hcall_decode(uint64_t rcx, struct hv_hcall_input *in);
/* RAX: b15:0 status, b43:32 reps completed (total, not relative to
 * rep_start); reps_done is truncated to 12 bits. */
uint64_t hv_hcall_result(uint16_t status, uint16_t reps_done);

/* The row for code, or NULL. */
const struct hv_hcall_desc *hv_hcall_lookup(uint16_t code);
/* The row for code if its feature is enabled in features (HV_FEAT_BIT
 * mask), else NULL. */
const struct hv_hcall_desc *hv_hcall_find(uint16_t code, uint64_t features);

/* HV_STATUS_SUCCESS when the control word is acceptable for d, else (in
 * this order, KVM's): INVALID_HYPERCALL_INPUT for reserved bits;
 * INVALID_HYPERCALL_CODE when d is NULL (unknown or disabled);
 * d->fast_denied_status for a fast call that must be slow;
 * INVALID_HYPERCALL_INPUT for a variable header on a call without one, a
 * rep count or start on a simple call, or on a rep call a zero rep count or
 * rep_start >= rep_count (TLFS: "The rep start index is not less than the
 * rep count"). */
uint16_t hv_hcall_check(const struct hv_hcall_input *in,
			const struct hv_hcall_desc *d);

/* Slow-call parameter block at gpa of len bytes (0 = unused, not checked):
 * HV_STATUS_INVALID_ALIGNMENT if gpa is not 8-byte aligned or the block
 * crosses a page or wraps (TLFS "Alignment Requirements" and the common
 * status table). The caller maps it with gm_ptr(); a GPA outside guest
 * memory is also INVALID_ALIGNMENT per the same table. */
uint16_t hv_hcall_check_gpa(uint64_t gpa, uint64_t len);

#endif
