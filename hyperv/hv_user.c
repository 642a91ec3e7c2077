/* The userspace Hyper-V backend's glue: the MSR filter that sends the synthetic MSRs to
 * user space, the MSR exit hook over hv_msr.c, per-VP state, the hypercall port over
 * hv_hcall_exec.c, the SynIC (hv_synic.c) with its interrupts, the synthetic-timer thread
 * (hv_stimer.c) and the hyperv-testdev port (hv_testdev.c).
 *
 * Locking: all Hyper-V state of the partition is under hv_vm.lock; the timer thread waits on
 * user->cond with that lock.
 *
 * Reference time: TIME_REF_COUNT is computed from the guest TSC (hv_time_ref_count). The
 * timer thread has no vCPU to read it from, so vCPU 0's init records the guest TSC and the
 * host TSC at (almost) the same moment; guest TSC = host TSC + that offset, as long as KVM
 * does not scale the TSC and the guest does not write IA32_TSC. The offset is taken after
 * the guest TSC read, so the thread's clock can only lag the guest's: timers never fire
 * early. Sleeps are in CLOCK_MONOTONIC and re-checked against the TSC on wake-up.
 *
 * What KVM's LAPIC cannot do for us, and what we do instead:
 * - Auto-EOI SINTs: an MSI-delivered vector always needs an EOI in KVM's LAPIC. When the VP
 *   next exits to a Hyper-V handler here (MSR, hypercall, testdev) we clear the in-service
 *   bit of each auto-EOI vector it has taken (KVM_GET_LAPIC/KVM_SET_LAPIC, which keeps the
 *   APIC timer's current count). Until then, lower-priority interrupts wait.
 * - Remote TLB flushes: KVM flushes a vCPU's guest TLB only on its own request; a plain
 *   exit and re-entry does not (VPID/ASID-tagged TLBs survive). KVM_SET_SREGS with a
 *   different CR4 resets the MMU context and queues KVM_REQ_TLB_FLUSH_GUEST, so the
 *   calling VP is flushed at once by setting CR4.PGE toggled and then restored. Another VP
 *   may only be touched from its own thread: the caller marks it, kicks it out of KVM_RUN
 *   and waits until it is out of the guest (vcpu.h, in_guest); the target flushes in its
 *   pre-KVM_RUN hook before it runs guest code again. So when the hypercall returns, no
 *   target can use a stale translation (TLFS "Virtual TLB", HvFlushVirtualAddressSpace).
 * - xAPIC-mode APIC MSRs: KVM's x2APIC MSRs refuse an xAPIC-mode APIC, so EOI and TPR go
 *   through the LAPIC register page (a level-triggered EOI also clears the IOAPIC's remote
 *   IRR), and ICR writes (xAPIC layout: destination in bits 63:56) become MSIs. A disabled
 *   APIC answers #GP.
 */
#include "hyperv/hyperv.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "hyperv/hv_hcall_exec.h"
#include "hyperv/hv_hypercall.h"
#include "hyperv/hv_msr.h"
#include "hyperv/hv_synic.h"
#include "hyperv/hv_testdev.h"
#include "hyperv/hv_tsc.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define MSR_IA32_TSC 0x10u /* Intel SDM Vol. 4, table 2-2 */

/* IA32_APIC_BASE (Intel SDM Vol. 3A, 11.4.4 and 11.12.1) */
#define APIC_BASE_EXTD		(1ull << 10)
#define APIC_BASE_ENABLE	(1ull << 11)
/* Local APIC register page offsets (Intel SDM Vol. 3A, table 11-1) */
#define APIC_REG_TPR		0x80
#define APIC_REG_ISR		0x100
#define APIC_REG_TMR		0x180
#define APIC_REG_IRR		0x200
/* MSI address/data (Intel SDM Vol. 3A, 11.11) */
#define MSI_ADDR_BASE		0xFEE00000u
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_LOGICAL	(1u << 2)
/* ICR fields (Intel SDM Vol. 3A, 11.6.1) */
#define ICR_DM_SHIFT		8
#define ICR_LOGICAL		(1u << 11)
#define ICR_LEVEL_ASSERT	(1u << 14)
#define ICR_TRIGGER_LEVEL	(1u << 15)
#define ICR_SHORTHAND_SHIFT	18
#define ICR_XAPIC_DEST_SHIFT	56
#define CR4_PGE			(1ull << 7)

struct hv_user_vp {
	struct hv_msr_vp msr;
	struct hv_synic_queue q;
	struct vcpu *v;		/* NULL while the vCPU does not exist */
	uint32_t apic_id;
	uint64_t xapic_icr;	/* last ICR written in xAPIC mode */
	uint64_t aeoi[4];	/* auto-EOI vectors delivered, not yet retired (atomic) */
	int flush_pending;	/* atomic */
	uint64_t timer_due;	/* atomic: the expiry this VP's thread is to deliver, 0 none */
};

struct hv_user {
	struct vm *vm;
	struct hv_user_vp *vps;
	unsigned nvps;
	struct hv_synic_conns conns;
	struct hv_irq_ops irq;
	struct hv_testdev *testdev;

	/* Timer thread (only with hv-stimer). */
	pthread_cond_t cond;
	pthread_t thread;
	bool thread_running, stop;
	uint64_t lead;			/* early kick, reference time units (see the timer thread) */
	int64_t host_to_guest_tsc;	/* guest TSC - host TSC, set by vCPU 0's init */
	/* The guest TSC is the host TSC plus a constant (KVM cannot scale it on this host), so
	 * MSR reads need no KVM_GET_MSRS of IA32_TSC: one exit instead of an exit plus an ioctl. */
	bool tsc_unscaled;
	bool clock_ready;
	bool warned_apic_id;
};

static struct hv_user *hv_user_of(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	return hv ? hv->user : NULL;
}

static uint64_t ref_now(const struct hv_vm *hv, const struct hv_user *u)
{
	uint64_t guest_tsc;

	if (!u->clock_ready)
		return 0;
	guest_tsc = __builtin_ia32_rdtsc() + (uint64_t)u->host_to_guest_tsc;
	return hv_time_ref_count(guest_tsc, (uint64_t)hv->msr.tsc_khz * 1000, hv->msr.tsc_at_start);
}

/* ---- interrupts ---- */

static int msi_to_apic(struct vm *vm, uint32_t apic_id, uint32_t addr_flags, uint32_t data)
{
	if (apic_id > 0xFF)
		return -ERANGE; /* would need KVM_CAP_X2APIC_API's 32-bit destination IDs */
	return kvm_signal_msi(vm->vm_fd, MSI_ADDR_BASE | (apic_id << MSI_ADDR_DEST_SHIFT) |
				 addr_flags, data);
}

/* struct hv_irq_ops: a fixed, edge-triggered interrupt to VP vp (KVM_SIGNAL_MSI). */
static int hv_user_deliver(void *opaque, uint32_t vp, uint8_t vector, bool auto_eoi)
{
	struct hv_user *u = opaque;
	struct hv_user_vp *uvp;
	int r;

	if (vp >= u->nvps || !u->vps[vp].v)
		return -ENOENT;
	uvp = &u->vps[vp];
	if (auto_eoi)
		__atomic_fetch_or(&uvp->aeoi[vector / 64], 1ull << (vector % 64), __ATOMIC_SEQ_CST);
	r = msi_to_apic(u->vm, uvp->apic_id, 0, vector);
	if (r == -ERANGE && !u->warned_apic_id) {
		u->warned_apic_id = true;
		pr_warn("Hyper-V: VP %u has APIC ID %u, which an xAPIC MSI cannot address; its "
			"SynIC interrupts are dropped", vp, uvp->apic_id);
	}
	return r < 0 ? r : 0;
}

static uint32_t lapic_reg(const struct kvm_lapic_state *s, unsigned off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, sizeof(v));
	return v;
}

static void lapic_reg_set(struct kvm_lapic_state *s, unsigned off, uint32_t v)
{
	memcpy(s->regs + off, &v, sizeof(v));
}

static bool lapic_vec_test(const struct kvm_lapic_state *s, unsigned base, unsigned vec)
{
	return lapic_reg(s, base + (vec / 32) * 0x10) & (1u << (vec % 32));
}

static void lapic_vec_clear(struct kvm_lapic_state *s, unsigned base, unsigned vec)
{
	unsigned off = base + (vec / 32) * 0x10;

	lapic_reg_set(s, off, lapic_reg(s, off) & ~(1u << (vec % 32)));
}

/* Retire the auto-EOI vectors the VP has taken (see the top of the file). */
static void hv_user_aeoi(struct vcpu *v, struct hv_user_vp *uvp)
{
	struct kvm_lapic_state st;
	bool changed = false;

	if (!(uvp->aeoi[0] | uvp->aeoi[1] | uvp->aeoi[2] | uvp->aeoi[3]))
		return;
	if (kvm_get_lapic(v->fd, &st))
		return;
	for (unsigned vec = HV_SINT_MIN_VECTOR; vec < 256; vec++) {
		uint64_t bit = 1ull << (vec % 64);

		if (!(__atomic_load_n(&uvp->aeoi[vec / 64], __ATOMIC_ACQUIRE) & bit))
			continue;
		if (lapic_vec_test(&st, APIC_REG_ISR, vec)) {
			lapic_vec_clear(&st, APIC_REG_ISR, vec);
			changed = true;
		} else if (lapic_vec_test(&st, APIC_REG_IRR, vec)) {
			continue; /* not taken yet */
		}
		__atomic_fetch_and(&uvp->aeoi[vec / 64], ~bit, __ATOMIC_SEQ_CST);
	}
	if (changed)
		kvm_set_lapic(v->fd, &st);
}

/* Flush this vCPU's guest TLB: two KVM_SET_SREGS that differ in CR4.PGE (top of file). */
static void hv_user_flush_self(struct vcpu *v)
{
	struct kvm_sregs *s = vcpu_sregs(v);
	struct kvm_sregs tmp;

	if (!s)
		return;
	tmp = *s;
	tmp.cr4 ^= CR4_PGE;
	if (kvm_set_sregs(v->fd, &tmp) == 0)
		kvm_set_sregs(v->fd, s);
}

static void hv_user_stimer_wait(struct vcpu *v, struct hv_user_vp *uvp, uint64_t due);

/* Before every KVM_RUN of this VP (hooks.vcpu_pre_run, in_guest already set): a timer
 * expiry the timer thread kicked this vCPU for, and a flush another VP asked for. Two
 * atomic loads when there is neither. */
static void hv_user_pre_run(struct vcpu *v)
{
	struct hv_user_vp *uvp = v->hv;
	uint64_t due;

	if (!uvp)
		return;
	due = __atomic_load_n(&uvp->timer_due, __ATOMIC_ACQUIRE);
	if (due)
		hv_user_stimer_wait(v, uvp, due);
	if (__atomic_load_n(&uvp->flush_pending, __ATOMIC_SEQ_CST) &&
	    __atomic_exchange_n(&uvp->flush_pending, 0, __ATOMIC_SEQ_CST))
		hv_user_flush_self(v);
}

/* Work other threads left for this VP; runs on its own thread at each Hyper-V exit. */
static void hv_user_service(struct vcpu *v)
{
	struct hv_user_vp *uvp = v->hv;

	if (!uvp)
		return;
	/* A plain load first: the locked exchange only when a flush is pending. */
	if (__atomic_load_n(&uvp->flush_pending, __ATOMIC_SEQ_CST) &&
	    __atomic_exchange_n(&uvp->flush_pending, 0, __ATOMIC_SEQ_CST))
		hv_user_flush_self(v);
	hv_user_aeoi(v, uvp);
}

/* ---- synthetic timers ---- */

static void timespec_add_ns(struct timespec *ts, uint64_t ns)
{
	ns += (uint64_t)ts->tv_nsec;
	ts->tv_sec += (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

/* Kick a vCPU out of KVM_RUN (or make its next KVM_RUN return at once). */
static void hv_user_kick(struct vcpu *t)
{
	if (t->run)
		__atomic_store_n(&t->run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (t->thread_started)
		pthread_kill(t->thread, VCPU_KICK_SIGNAL);
}

/* Early kick (hv_stimer.h, the lead). A host thread sleeping to a deadline wakes 20-230 us
 * late here (median 43), and a halted vCPU needs ~30 us more to run after KVM_SIGNAL_MSI;
 * both would add to every expiry. So the timer thread wakes a lead before a VP's next expiry and
 * kicks that VP's vCPU, which waits on its own thread for the exact due time, delivers the
 * expiry and re-enters at once (hv_user_stimer_wait). Never early: the vCPU delivers only
 * once the reference time has reached the due time. If the vCPU cannot take it (paused),
 * the thread delivers it itself a lead after the due time. */
static void *hv_user_timer_thread(void *arg)
{
	struct vm *vm = arg;
	struct hv_vm *hv = vm->hv;
	struct hv_user *u = hv->user;

	/* The default 50 us timer slack (prctl(2)) would make every expiry that late; a
	 * failure only costs accuracy. */
	prctl(PR_SET_TIMERSLACK, 1ul, 0, 0, 0);
	pthread_mutex_lock(&hv->lock);
	while (!u->stop) {
		uint64_t now = ref_now(hv, u), wake = HV_STIMER_NEVER;
		struct timespec ts;

		for (unsigned i = 0; u->clock_ready && i < u->nvps; i++) {
			struct hv_user_vp *uvp = &u->vps[i];
			uint64_t n, due;

			if (!uvp->v)
				continue;
			n = hv_synic_run_stimers(&uvp->msr, &vm->mem, now, &u->irq);
			due = __atomic_load_n(&uvp->timer_due, __ATOMIC_ACQUIRE);
			if (due && due <= now) /* delivered above: the vCPU did not come */
				__atomic_store_n(&uvp->timer_due, 0, __ATOMIC_RELEASE);
			if (n == HV_STIMER_NEVER)
				continue;
			if (n - now <= u->lead) {
				if (due != n) {
					__atomic_store_n(&uvp->timer_due, n, __ATOMIC_RELEASE);
					hv_user_kick(uvp->v);
				}
				n += u->lead; /* the fallback */
			} else {
				n -= u->lead;
			}
			if (n < wake)
				wake = n;
		}
		if (wake == HV_STIMER_NEVER) {
			pthread_cond_wait(&u->cond, &hv->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		/* Cap a sleep at 10 s: a far deadline is re-evaluated against the TSC. */
		timespec_add_ns(&ts, wake - now > 100000000ull ? 10000000000ull : (wake - now) * 100);
		pthread_cond_timedwait(&u->cond, &hv->lock, &ts);
	}
	pthread_mutex_unlock(&hv->lock);
	return NULL;
}

/* On the VP's own thread before KVM_RUN, after an early kick: wait for the due time, deliver
 * this VP's expiries and let the timer thread plan the next one. */
static void hv_user_stimer_wait(struct vcpu *v, struct hv_user_vp *uvp, uint64_t due)
{
	struct hv_vm *hv = v->vm->hv;
	struct hv_user *u = hv->user;
	uint64_t now = ref_now(hv, u);
	int64_t early = (int64_t)(due - now);

	/* A stale due time (the thread delivered it while this vCPU was paused) is not waited
	 * for; the wait is bounded by the longest lead. */
	while (hv_stimer_lead_sane(early) && now < due &&
	       !__atomic_load_n(&u->stop, __ATOMIC_RELAXED)) {
		__builtin_ia32_pause();
		now = ref_now(hv, u);
	}
	pthread_mutex_lock(&hv->lock);
	u->lead = hv_stimer_lead_update(u->lead, early);
	__atomic_store_n(&uvp->timer_due, 0, __ATOMIC_RELEASE);
	hv_synic_run_stimers(&uvp->msr, &v->vm->mem, ref_now(hv, u), &u->irq);
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&hv->lock);
}

static int hv_user_timer_start(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	struct hv_user *u = hv->user;
	int r;

	if (!(hv->cfg.features & HV_FEAT_BIT(HV_FEAT_STIMER)) || u->thread_running)
		return 0;
	u->stop = false;
	if (!u->lead)
		u->lead = HV_STIMER_LEAD_MIN * 2;
	r = pthread_create(&u->thread, NULL, hv_user_timer_thread, vm);
	if (r) {
		pr_err("Hyper-V synthetic timers (hv-stimer): creating the timer thread: %s",
		       strerror(r));
		return -r;
	}
	u->thread_running = true;
	return 0;
}

static void hv_user_timer_stop(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	struct hv_user *u = hv->user;

	if (!u->thread_running)
		return;
	pthread_mutex_lock(&hv->lock);
	u->stop = true;
	pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&hv->lock);
	pthread_join(u->thread, NULL);
	u->thread_running = false;
}

/* ---- life cycle ---- */

/* Filtered ranges: the synthetic MSRs 0x40000000-0x400000FF, and the crash and
 * reenlightenment MSRs 0x40000100-0x40000108 (TLFS). A zero bitmap denies every MSR in the
 * range, so the accesses exit as KVM_EXIT_X86_RDMSR/WRMSR. */
static const struct {
	uint32_t base, nmsrs;
} hv_filter_ranges[] = {
	{ HV_X64_MSR_GUEST_OS_ID, 256 },
	{ HV_X64_MSR_CRASH_P0, HV_X64_MSR_TSC_EMULATION_STATUS - HV_X64_MSR_CRASH_P0 + 1 },
};

static int hv_user_vm_setup(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	static const uint8_t deny[256 / 8];
	struct kvm_msr_filter filter = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	int r;

	r = kvm_enable_cap(vm->vm_fd, KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_FILTER, 0);
	if (r) {
		pr_err("KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR): %s; the userspace Hyper-V "
		       "backend needs it (use a newer kernel or drop the hv-* options)", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(hv_filter_ranges); i++)
		filter.ranges[i] = (struct kvm_msr_filter_range){
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = hv_filter_ranges[i].nmsrs,
			.base = hv_filter_ranges[i].base,
			.bitmap = (uint8_t *)(uintptr_t)deny,
		};
	r = kvm_set_msr_filter(vm->vm_fd, &filter);
	if (r) {
		pr_err("KVM_X86_SET_MSR_FILTER (KVM_CAP_X86_MSR_FILTER) for the Hyper-V MSRs: %s",
		       strerror(-r));
		return r;
	}
	hv->start_ns = vm_clock_ns(NULL);
	return hv_user_timer_start(vm);
}

static int hv_user_vcpu_init(struct vcpu *v)
{
	struct hv_vm *hv = v->vm->hv;
	struct hv_user *u = hv->user;
	struct hv_user_vp *uvp;
	uint64_t tsc = 0, tsc_mid_host = 0;
	int r;

	if (v->index >= u->nvps)
		return -EINVAL;
	uvp = &u->vps[v->index];
	pthread_mutex_lock(&hv->lock);
	hv_msr_vp_init(&uvp->msr, v->index);
	hv_synic_queue_init(&uvp->q);
	memset(uvp->aeoi, 0, sizeof(uvp->aeoi));
	uvp->flush_pending = 0;
	uvp->timer_due = 0;
	uvp->xapic_icr = 0;
	uvp->apic_id = v->apic_id;
	uvp->v = v;
	pthread_mutex_unlock(&hv->lock);
	v->hv = uvp;
	if (v->index != 0)
		return 0;
	/* The partition reference counter starts with the first vCPU's guest TSC. */
	{
		/* Bracket the read with host TSC reads and take the midpoint: the offset is then
		 * good to half the bracket (a few hundred cycles, far below one 100 ns unit). */
		uint64_t a = __builtin_ia32_rdtsc(), b;

		r = kvm_get_msr(v->fd, MSR_IA32_TSC, &tsc);
		b = __builtin_ia32_rdtsc();
		if (!r)
			tsc_mid_host = a + (b - a) / 2;
	}
	if (r) {
		pr_err("vCPU 0: reading IA32_TSC for the Hyper-V reference counter: %s",
		       strerror(-r));
		return r;
	}
	pthread_mutex_lock(&hv->lock);
	hv->msr.tsc_khz = v->vm->tsc_khz;
	hv->msr.tsc_at_start = tsc;
	u->host_to_guest_tsc = (int64_t)(tsc - tsc_mid_host);
	u->tsc_unscaled = !kvm_has(&v->vm->caps, KC_TSC_CONTROL) &&
			  !kvm_has(&v->vm->caps, KC_VM_TSC_CONTROL);
	u->clock_ready = true;
	pthread_mutex_unlock(&hv->lock);
	return 0;
}

static void hv_user_vcpu_destroy(struct vcpu *v)
{
	struct hv_vm *hv = v->vm->hv;
	struct hv_user_vp *uvp = v->hv;

	/* The timer thread must not outlive a vCPU or the VM fd (already stopped by the
	 * vm_teardown hook, before any vCPU thread was joined: it kicks them); vm_setup starts
	 * it again for a rebuilt VM. */
	hv_user_timer_stop(v->vm);
	if (uvp) {
		pthread_mutex_lock(&hv->lock);
		uvp->v = NULL;
		pthread_mutex_unlock(&hv->lock);
	}
	v->hv = NULL;
}

static void hv_user_reset(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	pthread_mutex_lock(&hv->lock);
	hv_msr_part_init(&hv->msr, hv->cfg.features, 0, 0);
	hv->user->clock_ready = false;
	pthread_mutex_unlock(&hv->lock);
}

static void hv_report_crash(struct vcpu *v, const struct hv_msr_part *p)
{
	pr_err("guest crash (Hyper-V CRASH_CTL on vCPU %u): P0 0x%llx P1 0x%llx P2 0x%llx "
	       "P3 0x%llx P4 0x%llx", v->index,
	       (unsigned long long)p->crash_p[0], (unsigned long long)p->crash_p[1],
	       (unsigned long long)p->crash_p[2], (unsigned long long)p->crash_p[3],
	       (unsigned long long)p->crash_p[4]);
}

/* ---- APIC MSRs (TLFS "Virtual Interrupt Controller") ---- */

static void ioapic_eoi(struct vm *vm, unsigned vector)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };

	if (kvm_sys_ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip))
		return;
	for (unsigned i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		if (chip.chip.ioapic.redirtbl[i].fields.vector == vector)
			chip.chip.ioapic.redirtbl[i].fields.remote_irr = 0;
	kvm_sys_ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip);
}

/* xAPIC-mode EOI: retire the highest in-service vector. */
static int xapic_eoi(struct vcpu *v)
{
	struct kvm_lapic_state st;
	int vec;

	if (kvm_get_lapic(v->fd, &st))
		return -EIO;
	for (vec = 255; vec >= 0; vec--)
		if (lapic_vec_test(&st, APIC_REG_ISR, vec))
			break;
	if (vec < 0)
		return 0;
	lapic_vec_clear(&st, APIC_REG_ISR, vec);
	if (kvm_set_lapic(v->fd, &st))
		return -EIO;
	if (lapic_vec_test(&st, APIC_REG_TMR, vec))
		ioapic_eoi(v->vm, vec);
	return 0;
}

/* xAPIC-mode ICR write: the IPI as MSIs, shorthands expanded. */
static int xapic_icr(struct vcpu *v, uint64_t icr)
{
	struct vm *vm = v->vm;
	uint32_t lo = (uint32_t)icr, data, flags;
	unsigned shorthand = (lo >> ICR_SHORTHAND_SHIFT) & 3;
	int r = 0;

	data = (lo & 0xFF) | (((lo >> ICR_DM_SHIFT) & 7) << ICR_DM_SHIFT) |
	       (lo & (ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL));
	flags = (lo & ICR_LOGICAL) ? MSI_ADDR_LOGICAL : 0;
	switch (shorthand) {
	case 0:
		return msi_to_apic(vm, (uint32_t)(icr >> ICR_XAPIC_DEST_SHIFT), flags, data);
	case 1:
		return msi_to_apic(vm, v->apic_id, 0, data);
	default: /* 2 all including self, 3 all excluding self */
		for (unsigned i = 0; i < vm->nvcpus; i++)
			if (shorthand == 2 || &vm->vcpus[i] != v)
				r |= msi_to_apic(vm, vm->vcpus[i].apic_id, 0, data);
		return r ? -EIO : 0;
	}
}

static void hv_user_apic_msr(struct vcpu *v, struct kvm_run *run, bool is_write)
{
	struct hv_user_vp *uvp = v->hv;
	uint32_t msr = run->msr.index;
	struct kvm_sregs *s = vcpu_sregs(v);
	struct kvm_lapic_state st;
	uint64_t val;
	int r = 0;

	if (!s || !(s->apic_base & APIC_BASE_ENABLE)) {
		run->msr.error = 1; /* no APIC to forward to */
		return;
	}
	if (s->apic_base & APIC_BASE_EXTD) {
		if (is_write) {
			r = kvm_set_msr(v->fd, hv_msr_apic_index(msr), run->msr.data);
		} else {
			r = kvm_get_msr(v->fd, hv_msr_apic_index(msr), &val);
			run->msr.data = val;
		}
		run->msr.error = r != 0;
		return;
	}
	switch (msr) {
	case HV_X64_MSR_EOI:
		if (is_write)
			r = xapic_eoi(v);
		else
			run->msr.data = 0;
		break;
	case HV_X64_MSR_ICR:
		if (is_write) {
			uvp->xapic_icr = run->msr.data;
			r = xapic_icr(v, run->msr.data);
		} else {
			run->msr.data = uvp->xapic_icr & ~(1ull << 12); /* delivery status: idle */
		}
		break;
	case HV_X64_MSR_TPR:
		r = kvm_get_lapic(v->fd, &st) ? -EIO : 0;
		if (!r && is_write) {
			lapic_reg_set(&st, APIC_REG_TPR, run->msr.data & 0xFF);
			r = kvm_set_lapic(v->fd, &st) ? -EIO : 0;
		} else if (!r) {
			run->msr.data = lapic_reg(&st, APIC_REG_TPR);
		}
		break;
	}
	/* An IPI KVM refused is lost, as on hardware with no target; only a LAPIC access
	 * that failed is reported as #GP. */
	run->msr.error = r == -EIO;
}

static enum exit_action hv_user_msr(struct vcpu *v, struct kvm_run *run)
{
	struct hv_vm *hv = v->vm->hv;
	struct hv_user *u = hv->user;
	struct hv_user_vp *uvp = v->hv;
	bool is_write = run->exit_reason == KVM_EXIT_X86_WRMSR;
	uint32_t msr = run->msr.index;
	struct hv_msr_env env = { .gm = &v->vm->mem };
	bool need_tsc;
	enum hv_msr_res res;
	uint64_t val = 0;
	uint64_t crash[5];

	if (!uvp) {
		run->msr.error = 1;
		return EXIT_ACT_CONTINUE;
	}
	hv_user_service(v);
	if (!is_write && msr == HV_X64_MSR_TIME_REF_COUNT && u->tsc_unscaled && u->clock_ready &&
	    (hv->msr.features & HV_FEAT_BIT(HV_FEAT_TIME))) {
		/* The hot read (a guest clock without the TSC page): the timer thread's clock,
		 * which is what hv_msr_read would answer, without its dispatch (~200 cycles of
		 * the exit, bench/README.md) and without a lock: the feature mask and the TSC
		 * rate and origin change only while every vCPU is stopped (start, reset). */
		run->msr.data = ref_now(hv, u);
		run->msr.error = 0;
		return EXIT_ACT_CONTINUE;
	}
	need_tsc = is_write ? (msr >= HV_X64_MSR_STIMER0_CONFIG && msr <= HV_X64_MSR_STIMER3_COUNT)
			    : msr == HV_X64_MSR_TIME_REF_COUNT;
	if (need_tsc && u->tsc_unscaled && u->clock_ready) {
		env.tsc = __builtin_ia32_rdtsc() + (uint64_t)u->host_to_guest_tsc;
	} else if (need_tsc && kvm_get_msr(v->fd, MSR_IA32_TSC, &env.tsc)) {
		run->msr.error = 1;
		return EXIT_ACT_CONTINUE;
	}
	if (msr == HV_X64_MSR_VP_RUNTIME)
		env.runtime_ns = vm_clock_ns(NULL) - hv->start_ns;
	if (!is_write && msr == HV_X64_MSR_TIME_REF_COUNT) {
		/* No lock, as above (here the guest TSC came from KVM). */
		res = hv_msr_read(&hv->msr, &uvp->msr, &env, msr, &val);
		run->msr.error = res != HV_MSR_DONE;
		run->msr.data = val;
		return EXIT_ACT_CONTINUE;
	}

	pthread_mutex_lock(&hv->lock);
	if (is_write)
		res = hv_msr_write(&hv->msr, &uvp->msr, &env, msr, run->msr.data);
	else
		res = hv_msr_read(&hv->msr, &uvp->msr, &env, msr, &val);
	if (res == HV_MSR_CRASH) {
		hv_report_crash(v, &hv->msr);
		memcpy(crash, hv->msr.crash_p, sizeof(crash));
	}
	if (res == HV_MSR_SYNIC) {
		/* EOM or a SynIC register change: queued messages and pending timer expiries
		 * may fit now; a timer may have been re-armed. */
		hv_synic_redeliver(&uvp->msr, &uvp->q, &v->vm->mem, ref_now(hv, u), &u->irq);
		pthread_cond_signal(&u->cond);
	}
	if (res == HV_MSR_STIMER)
		pthread_cond_signal(&u->cond);
	pthread_mutex_unlock(&hv->lock);

	run->msr.error = 0;
	switch (res) {
	case HV_MSR_DONE:
		if (!is_write)
			run->msr.data = val;
		break;
	case HV_MSR_SYNIC:
	case HV_MSR_STIMER:
		break;
	case HV_MSR_GP:
		run->msr.error = 1;
		break;
	case HV_MSR_APIC:
		hv_user_apic_msr(v, run, is_write);
		break;
	case HV_MSR_RESET:
		vm_request(v->vm, VM_REQ_RESET, 0);
		break;
	case HV_MSR_CRASH:
		vm_report_hv_crash(v->vm, crash); /* GUEST_PANICKED with P0..P4, status 5 */
		break;
	}
	return EXIT_ACT_CONTINUE;
}

/* ---- hypercalls ---- */

struct hv_user_call {
	struct hv_user *u;
	struct vcpu *v;
};

static int hcall_ipi(void *opaque, uint32_t vp, uint8_t vector)
{
	struct hv_user_call *c = opaque;

	return hv_user_deliver(c->u, vp, vector, false);
}

static void hcall_flush(void *opaque, uint32_t vp)
{
	struct hv_user_call *c = opaque;
	struct hv_user_vp *uvp = &c->u->vps[vp];
	struct vcpu *t = uvp->v;

	if (!t)
		return;
	if (t == c->v) {
		hv_user_flush_self(t);
		return;
	}
	__atomic_store_n(&uvp->flush_pending, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST))
		return; /* it flushes in hv_user_pre_run before it runs guest code */
	hv_user_kick(t);
	/* Out of KVM_RUN (about one exit round trip), or the flush already done. */
	while (__atomic_load_n(&t->in_guest, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&uvp->flush_pending, __ATOMIC_SEQ_CST))
		sched_yield();
}

static uint16_t hcall_post(void *opaque, uint32_t conn_id, const struct hv_message *m)
{
	struct hv_user_call *c = opaque;
	struct hv_vm *hv = c->v->vm->hv;
	uint16_t st;

	pthread_mutex_lock(&hv->lock);
	st = hv_synic_conn_post(&c->u->conns, conn_id, m);
	pthread_mutex_unlock(&hv->lock);
	return st;
}

static uint16_t hcall_signal(void *opaque, uint32_t conn_id)
{
	struct hv_user_call *c = opaque;
	struct hv_vm *hv = c->v->vm->hv;
	uint16_t st;

	pthread_mutex_lock(&hv->lock);
	st = hv_synic_conn_signal(&c->u->conns, conn_id);
	pthread_mutex_unlock(&hv->lock);
	return st;
}

static void hcall_spin_wait(void *opaque)
{
	(void)opaque;
	sched_yield();
}

static const struct hv_hcall_ops hv_user_hcall_ops = {
	.ipi = hcall_ipi,
	.flush = hcall_flush,
	.post_message = hcall_post,
	.signal_event = hcall_signal,
	.spin_wait = hcall_spin_wait,
};

/* The hypercall page stub's OUT (hv_hcall_stub): RCX control, RDX/R8 parameters (and
 * XMM0-5 with hv-xmm-input), result in RAX (TLFS "Hypercall Interface"). */
static void hv_hcall_io(void *opaque, struct vcpu *v, uint64_t offset, void *data,
			unsigned len, bool is_write)
{
	struct hv_vm *hv = opaque;
	struct hv_user *u = hv->user;
	struct hv_user_call call = { u, v };
	struct hv_hcall_ctx ctx = {
		.features = hv->cfg.features,
		.ops = &hv_user_hcall_ops,
		.opaque = &call,
	};
	struct kvm_fpu fpu;
	struct kvm_regs *regs;

	if (!is_write) {
		bus_data_put(data, len, ~0ull);
		return;
	}
	if (offset != 0 || len != 4 || !v || !v->hv)
		return;
	regs = vcpu_regs(v);
	if (!regs)
		return;
	hv_user_service(v);
	ctx.gm = &v->vm->mem;
	ctx.nvps = u->nvps;
	if ((regs->rcx & HV_HCALL_FAST) && (hv->cfg.features & HV_FEAT_BIT(HV_FEAT_XMM_INPUT)) &&
	    kvm_get_fpu(v->fd, &fpu) == 0)
		ctx.xmm = (const uint8_t (*)[16])fpu.xmm;
	regs->rax = hv_hcall_exec(&ctx, regs->rcx, regs->rdx, regs->r8);
	vcpu_regs_dirty(v);
}

/* ---- hyperv-testdev ---- */

static int td_raise(void *opaque, uint32_t vp, unsigned sint)
{
	struct hv_user *u = opaque;

	if (vp >= u->nvps)
		return -ENOENT;
	return hv_synic_raise(&u->vps[vp].msr, sint, &u->irq);
}

static int td_post(void *opaque, uint32_t vp, unsigned sint, const struct hv_message *m)
{
	struct hv_user *u = opaque;

	if (vp >= u->nvps)
		return -ENOENT;
	return hv_synic_post(&u->vps[vp].msr, &u->vps[vp].q, &u->vm->mem, sint, m, &u->irq);
}

static int td_set_event(void *opaque, uint32_t vp, unsigned sint, unsigned flag)
{
	struct hv_user *u = opaque;

	if (vp >= u->nvps)
		return -ENOENT;
	return hv_synic_set_event(&u->vps[vp].msr, &u->vm->mem, sint, flag, &u->irq);
}

static int td_conn_add(void *opaque, uint32_t conn_id, hv_msg_conn_fn msg, hv_evt_conn_fn evt,
		       void *conn)
{
	struct hv_user *u = opaque;

	return hv_testdev_synic_conn_add(&u->conns, conn_id, msg, evt, conn);
}

static int td_conn_del(void *opaque, uint32_t conn_id, bool is_msg)
{
	struct hv_user *u = opaque;

	return hv_testdev_synic_conn_del(&u->conns, conn_id, is_msg);
}

static const struct hv_testdev_ops hv_user_testdev_ops = {
	.raise = td_raise,
	.post = td_post,
	.set_event = td_set_event,
	.conn_add = td_conn_add,
	.conn_del = td_conn_del,
};

static void hv_testdev_io(void *opaque, struct vcpu *v, uint64_t offset, void *data,
			  unsigned len, bool is_write)
{
	struct hv_vm *hv = opaque;
	uint32_t val;
	int r;

	if (!is_write) {
		bus_data_put(data, len, ~0ull);
		return;
	}
	if (offset != 0 || len != 4)
		return; /* QEMU: 4-byte accesses only */
	if (v)
		hv_user_service(v);
	val = (uint32_t)bus_data_get(data, len);
	pthread_mutex_lock(&hv->lock);
	r = hv_testdev_write(hv->user->testdev, val);
	pthread_mutex_unlock(&hv->lock);
	if (r)
		pr_debug("hyperv-testdev: write 0x%08x: %s", val, strerror(-r));
}

int hv_user_testdev_install(struct vm *vm)
{
	struct hv_user *u = hv_user_of(vm);
	struct hv_vm *hv = vm->hv;
	int r;

	if (!u || !(hv->cfg.features & HV_FEAT_BIT(HV_FEAT_SYNIC))) {
		pr_err("-device hyperv-testdev: needs hv-synic (add -cpu ...,hv-vpindex,hv-synic)");
		return -EINVAL;
	}
	u->testdev = calloc(1, sizeof(*u->testdev));
	if (!u->testdev)
		return -ENOMEM;
	hv_testdev_init(u->testdev, &hv_user_testdev_ops, u);
	r = bus_register(&vm->pio, HV_TESTDEV_PORT, HV_TESTDEV_PORT_LEN, hv_testdev_io, hv,
			 "hyperv-testdev");
	if (r)
		pr_err("-device hyperv-testdev: port 0x%x: %s", HV_TESTDEV_PORT, strerror(-r));
	return r;
}

int hv_user_install(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	struct hv_user *u;
	pthread_condattr_t ca;
	int r;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	hv->user = u;
	u->vm = vm;
	u->nvps = vm->cfg->smp.cpus;
	u->vps = calloc(u->nvps, sizeof(*u->vps));
	if (!u->vps)
		return -ENOMEM;
	u->irq = (struct hv_irq_ops){ hv_user_deliver, u };
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->cond, &ca);
	pthread_condattr_destroy(&ca);

	hv_msr_part_init(&hv->msr, hv->cfg.features, 0, 0);
	r = bus_register(&vm->pio, HV_HCALL_PORT, HV_HCALL_PORT_LEN, hv_hcall_io, hv,
			 "hv-hypercall");
	if (r) {
		pr_err("Hyper-V hypercall port 0x%x: %s", HV_HCALL_PORT, strerror(-r));
		return r;
	}
	vm->hooks.vm_setup = hv_user_vm_setup;
	vm->hooks.vcpu_init = hv_user_vcpu_init;
	vm->hooks.vcpu_pre_run = hv_user_pre_run;
	vm->hooks.vcpu_destroy = hv_user_vcpu_destroy;
	vm->hooks.vm_teardown = hv_user_timer_stop;
	vm->hooks.reset = hv_user_reset;
	vm->hooks.msr = hv_user_msr;
	return 0;
}

void hv_user_destroy(struct vm *vm)
{
	struct hv_user *u = hv_user_of(vm);

	if (!u)
		return;
	hv_user_timer_stop(vm);
	pthread_cond_destroy(&u->cond);
	free(u->testdev);
	free(u->vps);
	free(u);
	((struct hv_vm *)vm->hv)->user = NULL;
}
