/* Hyper-V guest interface: TLFS constants, detection, the hypercall page, the reference TSC
 * page, SynIC pages and QEMU's hyperv-testdev.
 *
 * The numbers are the guest's own reading of the Hyper-V TLFS (6.0b), written out here
 * rather than shared with the VMM's hyperv/hv_proto.h: a payload that checks the VMM must
 * not inherit a wrong constant from it. Sections: "Feature Discovery", "Hypercall
 * Interface", "Timers", "Inter-Partition Communication" (SynIC), "Virtual Processor".
 *
 * Hypercalls go through the hypercall page the VMM fills (a CALL, never a vmcall: KVM
 * without in-kernel Hyper-V never returns from vmcall). Include "hv.h" next to "fw.h".
 */
#ifndef FW_HV_H
#define FW_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "x86.h"

#define HV_PAGE_SIZE		4096u

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* CPUID leaves ("Feature Discovery"). */
#define HV_CPUID_VENDOR		0x40000000u
#define HV_CPUID_INTERFACE	0x40000001u
#define HV_CPUID_VERSION	0x40000002u
#define HV_CPUID_FEATURES	0x40000003u
#define HV_CPUID_ENLIGHTENMENT	0x40000004u
#define HV_CPUID_LIMITS		0x40000005u
#define HV_CPUID_KVM_MOVED	0x40000100u	/* KVM's signature when Hyper-V is on (QEMU) */
#define HV_INTERFACE_HV1	0x31237648u	/* "Hv#1" */

/* 0x40000003 EAX: partition privileges. */
#define HV_F_VP_RUNTIME		(1u << 0)
#define HV_F_TIME_REF_COUNT	(1u << 1)
#define HV_F_SYNIC		(1u << 2)
#define HV_F_STIMER		(1u << 3)
#define HV_F_APIC_MSRS		(1u << 4)
#define HV_F_HYPERCALL		(1u << 5)
#define HV_F_VP_INDEX		(1u << 6)
#define HV_F_RESET		(1u << 7)
#define HV_F_REF_TSC		(1u << 9)
#define HV_F_FREQUENCY_MSRS	(1u << 11)
#define HV_F_REENLIGHTENMENT	(1u << 13)
/* 0x40000003 EBX */
#define HV_F_POST_MESSAGES	(1u << 4)
#define HV_F_SIGNAL_EVENTS	(1u << 5)
/* 0x40000003 EDX */
#define HV_D_DYNAMIC_PARTITIONING (1u << 3)
#define HV_D_XMM_INPUT		(1u << 4)
#define HV_D_FREQUENCY_MSRS	(1u << 8)
#define HV_D_CRASH_MSRS		(1u << 10)
#define HV_D_EXT_GVA_FLUSH	(1u << 14)
#define HV_D_STIMER_DIRECT	(1u << 19)
/* 0x40000004 EAX: recommendations */
#define HV_R_REMOTE_FLUSH	(1u << 2)
#define HV_R_APIC_MSRS		(1u << 3)
#define HV_R_RELAXED		(1u << 5)
#define HV_R_DEPRECATE_AEOI	(1u << 9)
#define HV_R_CLUSTER_IPI	(1u << 10)
#define HV_R_EX_PROC_MASKS	(1u << 11)

/* Synthetic MSRs. */
#define HV_MSR_GUEST_OS_ID	0x40000000u
#define HV_MSR_HYPERCALL	0x40000001u
#define HV_MSR_VP_INDEX		0x40000002u
#define HV_MSR_RESET		0x40000003u
#define HV_MSR_VP_RUNTIME	0x40000010u
#define HV_MSR_TIME_REF_COUNT	0x40000020u
#define HV_MSR_REFERENCE_TSC	0x40000021u
#define HV_MSR_TSC_FREQUENCY	0x40000022u
#define HV_MSR_APIC_FREQUENCY	0x40000023u
#define HV_MSR_EOI		0x40000070u
#define HV_MSR_ICR		0x40000071u
#define HV_MSR_TPR		0x40000072u
#define HV_MSR_VP_ASSIST_PAGE	0x40000073u
#define HV_MSR_SCONTROL		0x40000080u
#define HV_MSR_SVERSION		0x40000081u
#define HV_MSR_SIEFP		0x40000082u
#define HV_MSR_SIMP		0x40000083u
#define HV_MSR_EOM		0x40000084u
#define HV_MSR_SINT(n)		(0x40000090u + (n))
#define HV_MSR_STIMER_CONFIG(n)	(0x400000B0u + 2 * (n))
#define HV_MSR_STIMER_COUNT(n)	(0x400000B1u + 2 * (n))
#define HV_MSR_CRASH_P(n)	(0x40000100u + (n))
#define HV_MSR_CRASH_CTL	0x40000105u
#define HV_MSR_REENLIGHTENMENT_CONTROL 0x40000106u

#define HV_HYPERCALL_ENABLE	(1ull << 0)
#define HV_REF_TSC_ENABLE	(1ull << 0)
#define HV_CRASH_NOTIFY		(1ull << 63)
#define HV_SCONTROL_ENABLE	(1ull << 0)
#define HV_PAGE_ENABLE		(1ull << 0)	/* SIMP, SIEFP, VP assist */
#define HV_SINT_MASKED		(1ull << 16)
#define HV_SINT_AUTO_EOI	(1ull << 17)
#define HV_STIMER_ENABLE	(1ull << 0)
#define HV_STIMER_PERIODIC	(1ull << 1)
#define HV_STIMER_AUTOENABLE	(1ull << 3)
#define HV_STIMER_VECTOR(v)	((uint64_t)(v) << 4)	/* direct mode APIC vector */
#define HV_STIMER_DIRECT	(1ull << 12)
#define HV_STIMER_SINT(s)	((uint64_t)(s) << 16)
#define HV_REF_HZ		10000000ull	/* 100 ns units ("Timers") */

/* Guest OS identity ("Hypercall Interface", open-source encoding: b63 set, OS type,
 * version); any non-zero value unlocks the hypercall page. */
#define HV_GUEST_OS_ID_FW	0x8100000000000001ull

/* Hypercall input value (RCX) and result (RAX). */
#define HV_HC_FAST		(1ull << 16)
#define HV_HC_REP_COUNT(n)	((uint64_t)(n) << 32)
#define HV_HC_REP_START(n)	((uint64_t)(n) << 48)
#define HV_HC_STATUS(rax)	((unsigned)((rax) & 0xFFFF))
#define HV_HC_REPS_DONE(rax)	((unsigned)(((rax) >> 32) & 0xFFF))

#define HVCALL_FLUSH_VA_SPACE	0x0002u
#define HVCALL_FLUSH_VA_LIST	0x0003u
#define HVCALL_NOTIFY_LONG_SPIN_WAIT 0x0008u
#define HVCALL_SEND_IPI		0x000Bu
#define HVCALL_FLUSH_VA_SPACE_EX 0x0013u
#define HVCALL_SEND_IPI_EX	0x0015u
#define HVCALL_POST_MESSAGE	0x005Cu
#define HVCALL_SIGNAL_EVENT	0x005Du

#define HV_STATUS_SUCCESS		0
#define HV_STATUS_INVALID_HYPERCALL_CODE 2
#define HV_STATUS_INVALID_HYPERCALL_INPUT 3
#define HV_STATUS_INVALID_ALIGNMENT	4
#define HV_STATUS_INVALID_PARAMETER	5
#define HV_STATUS_INVALID_PORT_ID	0x11
#define HV_STATUS_INVALID_CONNECTION_ID	0x12
#define HV_STATUS_INSUFFICIENT_BUFFERS	0x13

/* Flush flags (HvFlushVirtualAddressSpace) */
#define HV_FLUSH_ALL_PROCESSORS		(1ull << 0)
#define HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES (1ull << 1)

/* SynIC message slot ("Inter-Partition Communication"): 16 per page, one per SINT. */
#define HV_SINT_COUNT		16
#define HVMSG_NONE		0u
#define HVMSG_TIMER_EXPIRED	0x80000010u
#define HV_MSG_FLAG_PENDING	(1u << 0)

struct hv_message {
	volatile uint32_t type;
	volatile uint8_t payload_size;
	volatile uint8_t flags;
	uint16_t reserved;
	uint64_t origin;
	volatile uint64_t payload[30];
};

/* HvPostMessage input (TLFS "HvPostMessage"). */
struct hv_post_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;
	uint32_t payload_size;
	uint64_t payload[30];
};

/* Timer expiration payload ("Timers"). */
struct hv_timer_payload {
	uint32_t timer_index;
	uint32_t reserved;
	uint64_t expiration_time;
	uint64_t delivery_time;
};

/* Reference TSC page ("Timers"): time = ((tsc * scale) >> 64) + offset. */
struct hv_ref_tsc_page {
	volatile uint32_t sequence;
	uint32_t reserved;
	volatile uint64_t scale;
	volatile int64_t offset;
};

/* The Hyper-V identity is there: hypervisor bit, max leaf >= 0x40000005, "Hv#1". */
bool hv_present(void);
/* CPUID 0x40000003/4 registers, 0 without Hyper-V. */
struct cpuid_regs hv_features(void);
struct cpuid_regs hv_recommendations(void);

/* Sets a guest OS identity (if none) and enables the hypercall page at the library's
 * page. Returns 0, or the vector the MSR write raised, or -1 if the page stayed off. */
int hv_hypercall_setup(void);
void *hv_hypercall_page(void);
/* Calls the hypercall page: RCX = control, RDX = in (GPA or fast parameter), R8 = out.
 * Returns RAX (status b15:0, reps completed b43:32). */
uint64_t hv_hypercall(uint64_t control, uint64_t in, uint64_t out);
/* Page-aligned scratch pages for slow-call input and output. */
void *hv_hcall_in_page(void);
void *hv_hcall_out_page(void);

/* Reads the reference time from a TSC page (TLFS "Timers": retry while the sequence
 * changes; sequence 0 means "use HV_MSR_TIME_REF_COUNT"). *from_msr tells which. */
uint64_t hv_ref_time(const struct hv_ref_tsc_page *p, bool *from_msr);
/* (a * b) >> 64. */
uint64_t hv_mul64hi(uint64_t a, uint64_t b);

/* QEMU's hyperv-testdev (I/O port 0x3000, 4-byte writes of conn << 24 | ctl << 16 |
 * vp << 8 | sint), the device kvm-unit-tests' SynIC tests drive. */
#define HV_TESTDEV_PORT		0x3000
enum hv_testdev_ctl {
	HV_TESTDEV_SINT_ROUTE_CREATE = 1,
	HV_TESTDEV_SINT_ROUTE_DESTROY,
	HV_TESTDEV_SINT_ROUTE_SET_SINT,
	HV_TESTDEV_MSG_CONN_CREATE,
	HV_TESTDEV_MSG_CONN_DESTROY,
	HV_TESTDEV_EVT_CONN_CREATE,
	HV_TESTDEV_EVT_CONN_DESTROY,
};
void hv_testdev(enum hv_testdev_ctl ctl, unsigned vp, unsigned sint, unsigned conn);

#endif
