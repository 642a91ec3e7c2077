/* Exit dispatch from a const table (bhyve's vmexit_handlers, STYLE.md point 6). Takes the
 * kvm_run by pointer so tests can hand-build exits. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/irqchip.h"
#include "vmm/log.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

typedef enum exit_action (*exit_fn)(struct vcpu *v, struct kvm_run *run);

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_OSI] = "OSI",
	[KVM_EXIT_PAPR_HCALL] = "PAPR_HCALL",
	[KVM_EXIT_WATCHDOG] = "WATCHDOG",
	[KVM_EXIT_EPR] = "EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "HYPERV",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
};

const char *kvm_exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

static uint64_t guest_rip(struct vcpu *v)
{
	struct kvm_regs *r = vcpu_regs(v);

	return r ? r->rip : 0;
}

static enum exit_action unclaimed(struct vcpu *v, const char *space, uint64_t addr,
				  unsigned len, bool is_write)
{
	if (!v->vm->cfg->strict_io)
		return EXIT_ACT_CONTINUE;
	pr_err("--strict-io: unclaimed %u-byte %s %s 0x%" PRIx64 " at RIP 0x%" PRIx64
	       "; drop --strict-io to ignore it", len, space, is_write ? "write to" : "read from",
	       addr, guest_rip(v));
	vm_stop(v->vm, EXIT_INTERNAL);
	return EXIT_ACT_STOP;
}

static enum exit_action exit_io(struct vcpu *v, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned size = run->io.size;

	if (v->stats.pio)
		v->stats.pio[run->io.port]++;
	if (size != 1 && size != 2 && size != 4)
		return EXIT_ACT_CONTINUE;
	for (uint32_t i = 0; i < run->io.count; i++, data += size)
		if (!bus_access(&v->vm->pio, v, run->io.port, data, size, out))
			if (unclaimed(v, "port", run->io.port, size, out) == EXIT_ACT_STOP)
				return EXIT_ACT_STOP;
	return EXIT_ACT_CONTINUE;
}

static enum exit_action exit_mmio(struct vcpu *v, struct kvm_run *run)
{
	unsigned len = run->mmio.len;

	v->stats.mmio++;
	if (len == 0 || len > sizeof(run->mmio.data))
		return EXIT_ACT_CONTINUE;
	if (!bus_access(&v->vm->mmio, v, run->mmio.phys_addr, run->mmio.data, len,
			run->mmio.is_write))
		return unclaimed(v, "MMIO", run->mmio.phys_addr, len, run->mmio.is_write);
	return EXIT_ACT_CONTINUE;
}

static enum exit_action exit_continue(struct vcpu *v, struct kvm_run *run)
{
	(void)v;
	(void)run;
	return EXIT_ACT_CONTINUE;
}

/* Triple fault (SDM Vol. 3A §6.15 "double fault" → shutdown): a PC resets. */
static enum exit_action exit_shutdown(struct vcpu *v, struct kvm_run *run)
{
	(void)run;
	if (v->vm->cfg->no_reboot) {
		vcpu_dump(v, "triple fault (KVM_EXIT_SHUTDOWN); -no-reboot given, stopping");
		vm_stop(v->vm, EXIT_TRIPLE_FAULT);
		return EXIT_ACT_STOP;
	}
	pr_info("vCPU %u: triple fault at RIP 0x%" PRIx64 ": resetting the machine", v->index,
		guest_rip(v));
	vm_request(v->vm, VM_REQ_RESET, 0);
	return EXIT_ACT_STOP;
}

static enum exit_action exit_fail_entry(struct vcpu *v, struct kvm_run *run)
{
	char why[128];

	snprintf(why, sizeof(why), "KVM_EXIT_FAIL_ENTRY: hardware entry failure reason 0x%llx",
		 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	vcpu_dump(v, why);
	vm_stop(v->vm, EXIT_INTERNAL);
	return EXIT_ACT_STOP;
}

static enum exit_action exit_internal_error(struct vcpu *v, struct kvm_run *run)
{
	static const char *const sub[] = { "?", "emulation failure", "simultaneous exceptions",
					   "delivery event", "unexpected exit reason" };
	char why[128];
	uint32_t s = run->internal.suberror;

	snprintf(why, sizeof(why), "KVM_EXIT_INTERNAL_ERROR: suberror %u (%s)", s,
		 s < ARRAY_SIZE(sub) ? sub[s] : "?");
	vcpu_dump(v, why);
	vm_stop(v->vm, EXIT_INTERNAL);
	return EXIT_ACT_STOP;
}

static enum exit_action exit_system_event(struct vcpu *v, struct kvm_run *run)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request(v->vm, VM_REQ_POWEROFF, 0);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request(v->vm, VM_REQ_RESET, 0);
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		if (v->vm->hooks.crash)
			v->vm->hooks.crash(v);
		else
			vm_request(v->vm, VM_REQ_PANIC, EXIT_GUEST_CRASH);
		break;
	default:
		pr_warn("vCPU %u: unknown system event %u ignored", v->index,
			run->system_event.type);
		return EXIT_ACT_CONTINUE;
	}
	return EXIT_ACT_STOP;
}

/* Hyper-V MSRs are the only ones filtered to userspace; with no backend they #GP (SDM:
 * RDMSR/WRMSR of an unimplemented MSR raises #GP(0)). */
static enum exit_action exit_msr(struct vcpu *v, struct kvm_run *run)
{
	if (v->vm->hooks.msr)
		return v->vm->hooks.msr(v, run);
	run->msr.error = 1;
	return EXIT_ACT_CONTINUE;
}

static enum exit_action exit_hyperv(struct vcpu *v, struct kvm_run *run)
{
	if (v->vm->hooks.hyperv)
		return v->vm->hooks.hyperv(v, run);
	vcpu_dump(v, "KVM_EXIT_HYPERV without a Hyper-V backend");
	vm_stop(v->vm, EXIT_INTERNAL);
	return EXIT_ACT_STOP;
}

static enum exit_action exit_debug(struct vcpu *v, struct kvm_run *run)
{
	if (v->vm->hooks.debug)
		return v->vm->hooks.debug(v, run);
	return EXIT_ACT_CONTINUE;
}

/* kernel-irqchip=split: the EOI of a level-triggered IOAPIC vector (vmm/irqchip.h). */
static enum exit_action exit_ioapic_eoi(struct vcpu *v, struct kvm_run *run)
{
	if (v->vm->irqchip)
		irqchip_eoi(v->vm->irqchip, run->eoi.vector);
	return EXIT_ACT_CONTINUE;
}

/* The vCPU's dirty ring is full (--dirty-pages): drain it and go on. */
static enum exit_action exit_dirty_ring_full(struct vcpu *v, struct kvm_run *run)
{
	(void)run;
	if (vcpu_dirty_collect(v)) {
		pr_err("vCPU %u: --dirty-pages: KVM_RESET_DIRTY_RINGS failed", v->index);
		vm_stop(v->vm, EXIT_INTERNAL);
		return EXIT_ACT_STOP;
	}
	return EXIT_ACT_CONTINUE;
}

static const exit_fn exit_handlers[] = {
	[KVM_EXIT_IO] = exit_io,
	[KVM_EXIT_MMIO] = exit_mmio,
	[KVM_EXIT_HLT] = exit_continue, /* with the in-kernel LAPIC KVM halts; a stray one resumes */
	[KVM_EXIT_INTR] = exit_continue, /* a kick: the run loop looks at the VM state */
	[KVM_EXIT_SHUTDOWN] = exit_shutdown,
	[KVM_EXIT_FAIL_ENTRY] = exit_fail_entry,
	[KVM_EXIT_INTERNAL_ERROR] = exit_internal_error,
	[KVM_EXIT_SYSTEM_EVENT] = exit_system_event,
	[KVM_EXIT_X86_RDMSR] = exit_msr,
	[KVM_EXIT_X86_WRMSR] = exit_msr,
	[KVM_EXIT_HYPERV] = exit_hyperv,
	[KVM_EXIT_DEBUG] = exit_debug,
	[KVM_EXIT_DIRTY_RING_FULL] = exit_dirty_ring_full,
	/* kernel-irqchip=split: the guest can take the 8259's interrupt now; the run loop's
	 * irqchip_pre_run() injects it before the next entry. */
	[KVM_EXIT_IRQ_WINDOW_OPEN] = exit_continue,
	[KVM_EXIT_IOAPIC_EOI] = exit_ioapic_eoi,
};

enum exit_action vcpu_handle_exit(struct vcpu *v, struct kvm_run *run)
{
	uint32_t reason = run->exit_reason;
	exit_fn fn = reason < ARRAY_SIZE(exit_handlers) ? exit_handlers[reason] : NULL;

	if (reason < ARRAY_SIZE(v->stats.exits))
		v->stats.exits[reason]++;
	if (log_verbose)
		pr_debug("vCPU %u: exit %s (%u)", v->index, kvm_exit_name(reason), reason);
	if (!fn) {
		char why[96];

		snprintf(why, sizeof(why), "unhandled exit %s (%u)", kvm_exit_name(reason), reason);
		vcpu_dump(v, why);
		vm_stop(v->vm, EXIT_INTERNAL);
		return EXIT_ACT_STOP;
	}
	return fn(v, run);
}
