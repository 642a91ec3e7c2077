/* Hypercall execution for the userspace backend (TLFS "Hypercall Interface" and the call
 * pages): decode RCX, gate by the partition's features, fetch the input block (slow: from
 * the input GPA, bounds-checked; fast: RDX, R8 and, with hv-xmm-input, XMM0-5), validate it
 * and run the call through struct hv_hcall_ops. Pure: returns the RAX value.
 *
 * Calls: HvFlushVirtualAddressSpace/List 0x2/0x3 and Ex 0x13/0x14, HvNotifyLongSpinWait 0x8,
 * HvSendSyntheticClusterIpi 0xb and Ex 0x15, HvPostMessage 0x5c, HvSignalEvent 0x5d,
 * HvExtCallQueryCapabilities 0x8001 (no extended capabilities); anything else
 * INVALID_HYPERCALL_CODE. Statuses follow KVM (kvm_hv_flush_tlb, kvm_hv_send_ipi) and QEMU
 * (hyperv_hcall_post_message, hyperv_hcall_signal_event):
 * - a slow input block that is misaligned, crosses a page or is not in RAM:
 *   INVALID_ALIGNMENT (PostMessage outside RAM: INSUFFICIENT_MEMORY, as QEMU);
 * - a fast call whose input needs more than RDX/R8 without XMM input:
 *   INVALID_HYPERCALL_INPUT;
 * - Ex calls: the variable header size must equal the number of banks in the VP set
 *   (INVALID_HYPERCALL_INPUT); IPI vectors outside 16-255: INVALID_HYPERCALL_INPUT (KVM);
 * - PostMessage: payload > 240 INVALID_HYPERCALL_INPUT, type 0 or >= 0x80000000
 *   INVALID_PARAMETER (TLFS), unknown connection INVALID_CONNECTION_ID;
 * - SignalEvent: flag number != 0 INVALID_PORT_ID, other reserved bits
 *   INVALID_HYPERCALL_INPUT, unknown connection INVALID_CONNECTION_ID.
 * Flush calls flush the whole TLB of every targeted VP (as KVM) and report all reps done.
 */
#ifndef ENLIGHT_HV_HCALL_EXEC_H
#define ENLIGHT_HV_HCALL_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "hyperv/hv_synic.h"

struct guest_mem;

/* HV_VP_SET formats (TLFS "Virtual Processor Set"). */
#define HV_GENERIC_SET_SPARSE_4K	0
#define HV_GENERIC_SET_ALL		1
/* Flush flags (TLFS HvFlushVirtualAddressSpace). */
#define HV_FLUSH_ALL_PROCESSORS		HV_BIT64(0)
/* Highest VP index a VP set can name: 64 banks of 64. */
#define HV_HCALL_MAX_VPS		4096u
/* XMM fast input: XMM0-5 (TLFS "XMM Fast Hypercalls"). */
#define HV_HCALL_XMM_REGS		6

struct hv_hcall_ops {
	/* Fixed interrupt `vector` to VP vp (vp < nvps). */
	int (*ipi)(void *opaque, uint32_t vp, uint8_t vector);
	/* VP vp's guest TLB must be flushed before it runs guest code again. */
	void (*flush)(void *opaque, uint32_t vp);
	/* HvPostMessage / HvSignalEvent on a connection (hv_synic_conn_post/_signal). */
	uint16_t (*post_message)(void *opaque, uint32_t conn_id, const struct hv_message *m);
	uint16_t (*signal_event)(void *opaque, uint32_t conn_id);
	/* HvNotifyLongSpinWait: let other vCPUs run. */
	void (*spin_wait)(void *opaque);
};

struct hv_hcall_ctx {
	const struct guest_mem *gm;
	uint64_t features;	/* HV_FEAT_BIT()s: which calls exist */
	uint32_t nvps;		/* VP indexes 0..nvps-1 exist */
	/* XMM0-5 of the calling VP for XMM fast input, or NULL (no hv-xmm-input). */
	const uint8_t (*xmm)[16];
	const struct hv_hcall_ops *ops;
	void *opaque;
};

/* Execute the hypercall with control word rcx and parameters rdx, r8; returns RAX. */
uint64_t hv_hcall_exec(const struct hv_hcall_ctx *c, uint64_t rcx, uint64_t rdx, uint64_t r8);

#endif
