/* Hyper-V Top Level Functional Specification (TLFS) numbers.
 *
 * Only constants from the TLFS (MicrosoftDocs/Virtualization-Documentation,
 * the tlfs/ pages, TLFS 6.0b): CPUID leaves and bits, synthetic MSR indexes and
 * fields, hypercall codes and encodings, HV_STATUS values, SynIC message types.
 * No enlight types, no logic. Section names refer to the TLFS pages:
 * "Feature Discovery", "Hypercall Interface", "Timers", "Inter-Partition
 * Communication" (SynIC), "Virtual Processor" (VP index/runtime), "Virtual
 * Interrupt Controller" (APIC MSRs, VP assist page), "Nested Virtualization".
 */
#ifndef ENLIGHT_HV_PROTO_H
#define ENLIGHT_HV_PROTO_H

#define HV_BIT(n)		(1u << (n))
#define HV_BIT64(n)		(1ull << (n))

#define HV_PAGE_SHIFT		12
#define HV_PAGE_SIZE		4096u
#define HV_GPFN_SHIFT		HV_PAGE_SHIFT	/* MSR b63:12 hold a guest page frame number */

/* ---- CPUID leaves (TLFS "Feature Discovery") ---- */
#define HV_CPUID_VENDOR_AND_MAX_FUNCTIONS	0x40000000u
#define HV_CPUID_INTERFACE			0x40000001u
#define HV_CPUID_VERSION			0x40000002u
#define HV_CPUID_FEATURES			0x40000003u
#define HV_CPUID_ENLIGHTMENT_INFO		0x40000004u
#define HV_CPUID_IMPLEMENT_LIMITS		0x40000005u
#define HV_CPUID_HARDWARE_FEATURES		0x40000006u
#define HV_CPUID_NESTED_FEATURES		0x4000000Au
/* Synthetic debugger leaves (TLFS "Feature Discovery", debugger interface) */
#define HV_CPUID_SYNDBG_VENDOR_AND_MAX_FUNCTIONS 0x40000080u
#define HV_CPUID_SYNDBG_INTERFACE		0x40000081u
#define HV_CPUID_SYNDBG_PLATFORM_CAPABILITIES	0x40000082u
/* The guest checks max leaf >= 0x40000005 before trusting "Hv#1" (TLFS
 * "Hypercall Interface", establishing the interface, step 2). */
#define HV_CPUID_MIN_MAX_LEAF			HV_CPUID_IMPLEMENT_LIMITS
/* 0x40000001 EAX: interface signature "Hv#1" (little-endian) */
#define HV_INTERFACE_SIGNATURE			0x31237648u
/* 0x40000081 EAX: syndbg interface signature "VS#1" */
#define HV_SYNDBG_INTERFACE_SIGNATURE		0x31235356u
/* 0x40000004 EBX: spinlock retry count meaning "never notify" */
#define HV_SPINLOCK_NEVER_NOTIFY		0xFFFFFFFFu

/* 0x40000003 EAX: partition privilege mask, low half (TLFS "Feature Discovery",
 * HV_PARTITION_PRIVILEGE_MASK) */
#define HV_VP_RUNTIME_AVAILABLE			HV_BIT(0)	/* AccessVpRunTimeReg */
#define HV_TIME_REF_COUNT_AVAILABLE		HV_BIT(1)	/* AccessPartitionReferenceCounter */
#define HV_SYNIC_AVAILABLE			HV_BIT(2)	/* AccessSynicRegs */
#define HV_SYNTIMERS_AVAILABLE			HV_BIT(3)	/* AccessSyntheticTimerRegs */
#define HV_APIC_ACCESS_AVAILABLE		HV_BIT(4)	/* AccessIntrCtrlRegs */
#define HV_HYPERCALL_AVAILABLE			HV_BIT(5)	/* AccessHypercallMsrs */
#define HV_VP_INDEX_AVAILABLE			HV_BIT(6)	/* AccessVpIndex */
#define HV_RESET_AVAILABLE			HV_BIT(7)	/* AccessResetReg */
#define HV_REFERENCE_TSC_AVAILABLE		HV_BIT(9)	/* AccessPartitionReferenceTsc */
#define HV_ACCESS_FREQUENCY_MSRS		HV_BIT(11)	/* AccessFrequencyRegs */
#define HV_ACCESS_REENLIGHTENMENTS_CONTROL	HV_BIT(13)	/* AccessReenlightenmentControls */
#define HV_ACCESS_TSC_INVARIANT_CONTROL		HV_BIT(15)	/* AccessTscInvariantControls */

/* 0x40000003 EBX: partition privilege mask, high half */
#define HV_POST_MESSAGES			HV_BIT(4)
#define HV_SIGNAL_EVENTS			HV_BIT(5)
#define HV_PARTITION_DEBUGGING_ALLOWED		HV_BIT(12)	/* Debugging */
#define HV_ENABLE_EXTENDED_HYPERCALLS		HV_BIT(20)

/* 0x40000003 EDX: hypervisor feature identification */
#define HV_MWAIT_AVAILABLE			HV_BIT(0)
#define HV_GUEST_DEBUGGING_AVAILABLE		HV_BIT(1)
#define HV_PERF_MONITOR_AVAILABLE		HV_BIT(2)
#define HV_CPU_DYNAMIC_PARTITIONING_AVAILABLE	HV_BIT(3)
#define HV_HYPERCALL_XMM_INPUT_AVAILABLE	HV_BIT(4)
#define HV_GUEST_IDLE_STATE_AVAILABLE		HV_BIT(5)
#define HV_FREQUENCY_MSRS_AVAILABLE		HV_BIT(8)
#define HV_GUEST_CRASH_MSR_AVAILABLE		HV_BIT(10)
#define HV_FEATURE_DEBUG_MSRS_AVAILABLE		HV_BIT(11)
#define HV_EXT_GVA_RANGES_FLUSH_AVAILABLE	HV_BIT(14)
#define HV_HYPERCALL_XMM_OUTPUT_AVAILABLE	HV_BIT(15)
#define HV_STIMER_DIRECT_MODE_AVAILABLE		HV_BIT(19)

/* 0x40000004 EAX: implementation recommendations */
#define HV_AS_SWITCH_RECOMMENDED		HV_BIT(0)
#define HV_LOCAL_TLB_FLUSH_RECOMMENDED		HV_BIT(1)
#define HV_REMOTE_TLB_FLUSH_RECOMMENDED		HV_BIT(2)
#define HV_APIC_ACCESS_RECOMMENDED		HV_BIT(3)	/* use the APIC MSRs */
#define HV_SYSTEM_RESET_RECOMMENDED		HV_BIT(4)
#define HV_RELAXED_TIMING_RECOMMENDED		HV_BIT(5)
#define HV_DEPRECATING_AEOI_RECOMMENDED		HV_BIT(9)
#define HV_CLUSTER_IPI_RECOMMENDED		HV_BIT(10)
#define HV_EX_PROCESSOR_MASKS_RECOMMENDED	HV_BIT(11)
#define HV_NESTED_HYPERVISOR			HV_BIT(12)
#define HV_ENLIGHTENED_VMCS_RECOMMENDED		HV_BIT(14)
#define HV_NO_NONARCH_CORESHARING		HV_BIT(18)

/* 0x40000005: implementation limits (EAX max VPs, EBX max LPs, ECX max
 * interrupt vectors for remapping) */

/* 0x4000000A EAX: nested features (TLFS "Nested Virtualization") */
#define HV_NESTED_EVMCS_VERSION_LOW_SHIFT	0	/* b7:0 lowest eVMCS version */
#define HV_NESTED_EVMCS_VERSION_HIGH_SHIFT	8	/* b15:8 highest eVMCS version */
#define HV_NESTED_DIRECT_FLUSH			HV_BIT(17)
#define HV_NESTED_MSR_BITMAP			HV_BIT(19)

/* 0x40000082 EAX: syndbg platform capabilities */
#define HV_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING	HV_BIT(1)

/* ---- Synthetic MSRs ---- */
/* TLFS "Hypercall Interface": guest OS identity and hypercall page */
#define HV_X64_MSR_GUEST_OS_ID			0x40000000u
#define HV_X64_MSR_HYPERCALL			0x40000001u
/* TLFS "Virtual Processor": VP index, reset, runtime */
#define HV_X64_MSR_VP_INDEX			0x40000002u
#define HV_X64_MSR_RESET			0x40000003u
#define HV_X64_MSR_VP_RUNTIME			0x40000010u
/* TLFS "Timers": partition reference counter and reference TSC page */
#define HV_X64_MSR_TIME_REF_COUNT		0x40000020u
#define HV_X64_MSR_REFERENCE_TSC		0x40000021u
#define HV_X64_MSR_TSC_FREQUENCY		0x40000022u
#define HV_X64_MSR_APIC_FREQUENCY		0x40000023u
/* TLFS "Virtual Interrupt Controller": APIC MSRs and VP assist page */
#define HV_X64_MSR_EOI				0x40000070u
#define HV_X64_MSR_ICR				0x40000071u
#define HV_X64_MSR_TPR				0x40000072u
#define HV_X64_MSR_VP_ASSIST_PAGE		0x40000073u
/* TLFS "Inter-Partition Communication": SynIC */
#define HV_X64_MSR_SCONTROL			0x40000080u
#define HV_X64_MSR_SVERSION			0x40000081u
#define HV_X64_MSR_SIEFP			0x40000082u
#define HV_X64_MSR_SIMP				0x40000083u
#define HV_X64_MSR_EOM				0x40000084u
#define HV_X64_MSR_SINT0			0x40000090u
#define HV_X64_MSR_SINT15			0x4000009Fu
/* TLFS "Timers": synthetic timers, CONFIG/COUNT pairs */
#define HV_X64_MSR_STIMER0_CONFIG		0x400000B0u
#define HV_X64_MSR_STIMER0_COUNT		0x400000B1u
#define HV_X64_MSR_STIMER3_COUNT		0x400000B7u
#define HV_X64_MSR_STIMER_CONFIG(n)		(HV_X64_MSR_STIMER0_CONFIG + 2u * (n))
#define HV_X64_MSR_STIMER_COUNT(n)		(HV_X64_MSR_STIMER0_COUNT + 2u * (n))
/* Synthetic debugger MSRs */
#define HV_X64_MSR_SYNDBG_CONTROL		0x400000F1u
#define HV_X64_MSR_SYNDBG_STATUS		0x400000F2u
#define HV_X64_MSR_SYNDBG_SEND_BUFFER		0x400000F3u
#define HV_X64_MSR_SYNDBG_RECV_BUFFER		0x400000F4u
#define HV_X64_MSR_SYNDBG_PENDING_BUFFER	0x400000F5u
#define HV_X64_MSR_SYNDBG_OPTIONS		0x400000FFu
/* Guest crash MSRs (TLFS "Feature Discovery", GuestCrashMsrsAvailable) */
#define HV_X64_MSR_CRASH_P0			0x40000100u
#define HV_X64_MSR_CRASH_P4			0x40000104u
#define HV_X64_MSR_CRASH_CTL			0x40000105u
/* TLFS "Nested Virtualization": reenlightenment and TSC emulation */
#define HV_X64_MSR_REENLIGHTENMENT_CONTROL	0x40000106u
#define HV_X64_MSR_TSC_EMULATION_CONTROL	0x40000107u
#define HV_X64_MSR_TSC_EMULATION_STATUS		0x40000108u
#define HV_X64_MSR_TSC_INVARIANT_CONTROL	0x40000118u

/* HV_X64_MSR_HYPERCALL fields (TLFS "Hypercall Interface") */
#define HV_HYPERCALL_ENABLE			HV_BIT64(0)
#define HV_HYPERCALL_LOCKED			HV_BIT64(1)
/* HV_X64_MSR_REFERENCE_TSC fields (TLFS "Timers") */
#define HV_REFERENCE_TSC_ENABLE			HV_BIT64(0)
/* TscSequence value telling the guest the page is unusable (TLFS "Timers") */
#define HV_TSC_SEQUENCE_INVALID			0u
/* TIME_REF_COUNT and the TSC page count in 100 ns units (TLFS "Timers") */
#define HV_REF_TIME_HZ				10000000ull
/* HV_X64_MSR_VP_ASSIST_PAGE */
#define HV_VP_ASSIST_PAGE_ENABLE		HV_BIT64(0)
/* HV_X64_MSR_CRASH_CTL */
#define HV_CRASH_CTL_CRASH_NOTIFY		HV_BIT64(63)
/* HV_X64_MSR_REENLIGHTENMENT_CONTROL: b7:0 vector, b16 enable, b31:24 target VP */
#define HV_REENLIGHTENMENT_VECTOR_MASK		0xFFull
#define HV_REENLIGHTENMENT_ENABLE		HV_BIT64(16)
#define HV_REENLIGHTENMENT_TARGET_VP_SHIFT	24
#define HV_REENLIGHTENMENT_TARGET_VP_MASK	(0xFFull << 24)

/* SynIC MSR fields (TLFS "Inter-Partition Communication") */
#define HV_SCONTROL_ENABLE			HV_BIT64(0)
#define HV_SYNIC_VERSION			1u	/* SVERSION read value */
#define HV_SIMP_ENABLE				HV_BIT64(0)
#define HV_SIEFP_ENABLE				HV_BIT64(0)
#define HV_SINT_VECTOR_MASK			0xFFull
#define HV_SINT_MASKED				HV_BIT64(16)	/* reset value */
#define HV_SINT_AUTO_EOI			HV_BIT64(17)
#define HV_SINT_POLLING				HV_BIT64(18)
#define HV_SINT_COUNT				16
#define HV_SINT_MIN_VECTOR			16	/* vectors below 16 are exceptions */

/* Synthetic timer CONFIG fields (TLFS "Timers") */
#define HV_STIMER_COUNT				4
#define HV_STIMER_ENABLE			HV_BIT64(0)
#define HV_STIMER_PERIODIC			HV_BIT64(1)
#define HV_STIMER_LAZY				HV_BIT64(2)
#define HV_STIMER_AUTOENABLE			HV_BIT64(3)
#define HV_STIMER_APIC_VECTOR_SHIFT		4	/* b11:4, direct mode */
#define HV_STIMER_APIC_VECTOR_MASK		(0xFFull << 4)
#define HV_STIMER_DIRECT_MODE			HV_BIT64(12)
#define HV_STIMER_SINTX_SHIFT			16	/* b19:16 */
#define HV_STIMER_SINTX_MASK			(0xFull << 16)

/* SynIC message and event-flag pages (TLFS "Inter-Partition Communication") */
#define HV_MESSAGE_SIZE				256u	/* one slot per SINT */
#define HV_MESSAGE_HEADER_SIZE			16u
#define HV_MESSAGE_PAYLOAD_SIZE			240u	/* HV_MESSAGE_SIZE - header */
#define HV_MESSAGE_FLAG_PENDING			HV_BIT(0)	/* header flags b0 */
#define HV_EVENT_FLAGS_BYTES			256u	/* per SINT */
#define HV_EVENT_FLAGS_COUNT			2048u	/* 256 * 8 bits */
#define HV_CONNECTION_ID_MASK			0x00FFFFFFu

/* HvPostMessage input (TLFS "Inter-Partition Communication", HV_INPUT_POST_MESSAGE):
 * connection id, reserved, then the message type, payload size and payload. */
struct hv_post_message_input {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;
	uint32_t payload_size;
	uint8_t payload[HV_MESSAGE_PAYLOAD_SIZE];
};
_Static_assert(sizeof(struct hv_post_message_input) == 256, "HvPostMessage input is 256 bytes");

/* Message types (TLFS "Inter-Partition Communication", HV_MESSAGE_TYPE) */
#define HVMSG_NONE				0x00000000u
#define HVMSG_UNMAPPED_GPA			0x80000000u
#define HVMSG_GPA_INTERCEPT			0x80000001u
#define HVMSG_TIMER_EXPIRED			0x80000010u
#define HVMSG_INVALID_VP_REGISTER_VALUE		0x80000020u
#define HVMSG_UNRECOVERABLE_EXCEPTION		0x80000021u
#define HVMSG_UNSUPPORTED_FEATURE		0x80000022u
#define HVMSG_EVENTLOG_BUFFERCOMPLETE		0x80000040u
/* Message types with the high bit set are reserved for the hypervisor;
 * guest-posted messages must have it clear. */
#define HVMSG_HYPERVISOR_RESERVED		0x80000000u

/* ---- Hypercall input value (RCX), TLFS "Hypercall Interface" ---- */
#define HV_HCALL_CODE_MASK			0xFFFFull	/* b15:0 */
#define HV_HCALL_FAST				HV_BIT64(16)
#define HV_HCALL_VARHDR_SHIFT			17		/* b26:17, qwords */
#define HV_HCALL_VARHDR_MASK			(0x3FFull << 17)
#define HV_HCALL_REP_COUNT_SHIFT		32		/* b43:32 */
#define HV_HCALL_REP_COUNT_MASK			(0xFFFull << 32)
#define HV_HCALL_REP_START_SHIFT		48		/* b59:48 */
#define HV_HCALL_REP_START_MASK			(0xFFFull << 48)
/* RsvdZ: b31:27, b47:44, b63:60 */
#define HV_HCALL_RSVD_MASK			0xF000F000F8000000ull
/* Hypercall result value (RAX): b15:0 status, b43:32 reps completed */
#define HV_HCALL_RESULT_STATUS_MASK		0xFFFFull
#define HV_HCALL_RESULT_REPS_SHIFT		32
#define HV_HCALL_RESULT_REPS_MASK		(0xFFFull << 32)
#define HV_HCALL_REP_MAX			0xFFFu
/* Slow-call parameter blocks: 8-byte aligned GPAs, no page crossing */
#define HV_HCALL_GPA_ALIGN			8u
/* Call codes >= 0x8001 are extended hypercalls */
#define HV_EXT_CALL_FIRST			0x8001u

/* Hypercall codes (TLFS appendix "Hypercall Code Reference") */
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE	0x0002u
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST	0x0003u
#define HVCALL_NOTIFY_LONG_SPIN_WAIT		0x0008u
#define HVCALL_SEND_IPI				0x000Bu
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX	0x0013u
#define HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX	0x0014u
#define HVCALL_SEND_IPI_EX			0x0015u
#define HVCALL_POST_MESSAGE			0x005Cu
#define HVCALL_SIGNAL_EVENT			0x005Du
#define HVCALL_POST_DEBUG_DATA			0x0069u
#define HVCALL_RETRIEVE_DEBUG_DATA		0x006Au
#define HVCALL_RESET_DEBUG_SESSION		0x006Bu
#define HVCALL_EXT_QUERY_CAPABILITIES		0x8001u

/* HvSignalEvent input (TLFS "Inter-Partition Communication"):
 * b23:0 connection id, b47:32 flag number */
#define HV_SIGNAL_EVENT_FLAG_SHIFT		32
#define HV_SIGNAL_EVENT_FLAG_MASK		(0xFFFFull << 32)

/* HV_STATUS values (TLFS "Hypercall Interface", status codes appendix) */
#define HV_STATUS_SUCCESS			0x0000u
#define HV_STATUS_INVALID_HYPERCALL_CODE	0x0002u
#define HV_STATUS_INVALID_HYPERCALL_INPUT	0x0003u
#define HV_STATUS_INVALID_ALIGNMENT		0x0004u
#define HV_STATUS_INVALID_PARAMETER		0x0005u
#define HV_STATUS_ACCESS_DENIED			0x0006u
#define HV_STATUS_INVALID_PARTITION_STATE	0x0007u
#define HV_STATUS_OPERATION_DENIED		0x0008u
#define HV_STATUS_INSUFFICIENT_MEMORY		0x000Bu
#define HV_STATUS_INVALID_VP_INDEX		0x000Eu
#define HV_STATUS_INVALID_PORT_ID		0x0011u
#define HV_STATUS_INVALID_CONNECTION_ID		0x0012u
#define HV_STATUS_INSUFFICIENT_BUFFERS		0x0013u
#define HV_STATUS_NOT_ACKNOWLEDGED		0x0014u
#define HV_STATUS_INVALID_VP_STATE		0x0015u
#define HV_STATUS_NO_DATA			0x001Bu

#endif
