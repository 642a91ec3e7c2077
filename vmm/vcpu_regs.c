#include <stdio.h>

#include "vmm/kvm.h"
#include "vmm/vcpu.h"

struct kvm_regs *vcpu_regs(struct vcpu *v)
{
	if (!v->regs_valid) {
		if (v->regs_in_run)
			v->regs = v->run->s.regs.regs;
		else if (kvm_get_regs(v->fd, &v->regs) < 0)
			return NULL;
		v->regs_valid = true;
	}
	return &v->regs;
}

struct kvm_sregs *vcpu_sregs(struct vcpu *v)
{
	if (!v->sregs_valid) {
		if (kvm_get_sregs(v->fd, &v->sregs) < 0)
			return NULL;
		v->sregs_valid = true;
	}
	return &v->sregs;
}

int vcpu_regs_flush(struct vcpu *v)
{
	int r;

	if (v->regs_dirty) {
		r = kvm_set_regs(v->fd, &v->regs);
		if (r < 0)
			return r;
		v->regs_dirty = false;
	}
	if (v->sregs_dirty) {
		r = kvm_set_sregs(v->fd, &v->sregs);
		if (r < 0)
			return r;
		v->sregs_dirty = false;
	}
	return 0;
}

void vcpu_regs_invalidate(struct vcpu *v)
{
	v->regs_valid = v->sregs_valid = false;
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "%-3s=%04x base=%016llx limit=%08x type=%x dpl=%u db=%u l=%u g=%u p=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl, s->db,
		s->l, s->g, s->present);
}

void vcpu_dump(struct vcpu *v, const char *why)
{
	struct kvm_regs *r = vcpu_regs(v);
	struct kvm_sregs *s = vcpu_sregs(v);

	fprintf(stderr, "enlight: vCPU %u: %s\n", v->index, why);
	if (!r || !s) {
		fprintf(stderr, "(registers unavailable)\n");
		return;
	}
	fprintf(stderr,
		"RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
		"RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
		"R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
		"R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
		"RIP=%016llx RFLAGS=%08llx\n",
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp, r->r8, r->r9,
		r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip, r->rflags);
	dump_seg("CS", &s->cs);
	dump_seg("SS", &s->ss);
	dump_seg("DS", &s->ds);
	fprintf(stderr, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx EFER=%llx\n"
			"GDT=%016llx/%04x IDT=%016llx/%04x\n",
		s->cr0, s->cr2, s->cr3, s->cr4, s->efer, s->gdt.base, s->gdt.limit, s->idt.base,
		s->idt.limit);
}
