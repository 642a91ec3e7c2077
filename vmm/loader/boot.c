/* Helpers shared by the kernel loaders: error text, segment checks and copies, high
 * placement of initrds, and the flat GDT / identity map / register state every format
 * starts the BSP with. */
#include "vmm/loader/boot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int boot_fail(const struct boot_ctx *ctx, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ctx->err || ctx->errlen == 0)
		return rc;
	n = snprintf(ctx->err, ctx->errlen, "kernel '%s': ",
		     ctx->req->kernel_name ? ctx->req->kernel_name : "(unnamed)");
	if (n >= 0 && (size_t)n < ctx->errlen) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

uint64_t boot_image_end(const struct boot_image *img)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < img->nseg; i++)
		if (img->seg[i].memsz && img->seg[i].paddr + img->seg[i].memsz > end)
			end = img->seg[i].paddr + img->seg[i].memsz;
	return end;
}

bool boot_e820_is_ram(const struct load_request *req, uint64_t gpa, uint64_t len)
{
	uint64_t cur = gpa, end = gpa + len;
	bool grew = true;

	if (req->ne820 == 0)
		return true;
	if (len == 0 || end < gpa)
		return false;
	/* Walk forward through RAM entries until the range is covered (entries may be
	 * unsorted or adjacent). */
	while (cur < end && grew) {
		grew = false;
		for (unsigned i = 0; i < req->ne820; i++) {
			const struct e820_entry *e = &req->e820[i];

			if (e->type == E820_RAM && e->addr <= cur && cur - e->addr < e->size) {
				cur = e->size > UINT64_MAX - e->addr ? UINT64_MAX : e->addr + e->size;
				grew = true;
			}
		}
	}
	return cur >= end;
}

int boot_segs_check(const struct boot_ctx *ctx, const struct boot_image *img, uint64_t limit,
		    const char *what)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct boot_seg *s = &img->seg[i];
		unsigned long long pa = s->paddr, sz = s->memsz;

		if (s->memsz == 0)
			continue;
		if (s->filesz > s->memsz)
			return boot_fail(ctx, -ENOEXEC, "%s %u: file size 0x%llx exceeds memory size 0x%llx",
					 what, s->index, (unsigned long long)s->filesz, sz);
		if (s->paddr + s->memsz < s->paddr || s->paddr + s->memsz > limit)
			return boot_fail(ctx, -ERANGE, "%s %u (0x%llx+0x%llx) ends above 0x%llx, out of reach of the entry mode",
					 what, s->index, pa, sz, (unsigned long long)limit);
		if (s->paddr < BOOT_AREA_END && s->paddr + s->memsz > BOOT_AREA_START)
			return boot_fail(ctx, -ERANGE,
					 "%s %u (0x%llx+0x%llx) overlaps the loader's boot data at 0x%llx-0x%llx; link the kernel at 1 MiB or above",
					 what, s->index, pa, sz, BOOT_AREA_START, BOOT_AREA_END - 1);
		if (!gm_ptr_rw(ctx->gm, s->paddr, s->memsz))
			return boot_fail(ctx, -ERANGE,
					 "%s %u (0x%llx+0x%llx) lies outside guest RAM (%llu MiB) or crosses an MMIO hole",
					 what, s->index, pa, sz,
					 (unsigned long long)(ctx->gm->ram_size >> 20));
		if (!boot_e820_is_ram(ctx->req, s->paddr, s->memsz))
			return boot_fail(ctx, -ERANGE,
					 "%s %u (0x%llx+0x%llx) is not usable RAM in the e820 map (reserved for firmware, ACPI or the EBDA)",
					 what, s->index, pa, sz);
	}
	return 0;
}

int boot_segs_write(const struct boot_ctx *ctx, const struct boot_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct boot_seg *s = &img->seg[i];
		uint8_t *p;

		if (s->memsz == 0)
			continue;
		p = gm_ptr_rw(ctx->gm, s->paddr, s->memsz);
		if (!p)
			return boot_fail(ctx, -EFAULT, "segment %u vanished from guest RAM", s->index);
		if (s->filesz)
			memcpy(p, s->data, s->filesz);
		memset(p + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

int boot_place_high(const struct boot_ctx *ctx, uint64_t size, uint64_t low, uint64_t high,
		    uint64_t *out)
{
	const struct load_request *req = ctx->req;
	bool found = false;
	uint64_t best = 0;

	if (size == 0)
		return -EINVAL;
	for (unsigned i = 0; i < req->ne820; i++) {
		const struct e820_entry *e = &req->e820[i];
		uint64_t s = e->addr > low ? e->addr : low;
		uint64_t end = e->addr + e->size < e->addr ? UINT64_MAX : e->addr + e->size;
		uint64_t cand;

		if (e->type != E820_RAM)
			continue;
		if (end > high)
			end = high;
		if (end <= s || end - s < size)
			continue;
		cand = (end - size) & ~(BOOT_PAGE_SIZE - 1);
		if (cand < s || !gm_ptr_rw(ctx->gm, cand, size))
			continue;
		if (!found || cand > best)
			best = cand;
		found = true;
	}
	if (!found)
		return -E2BIG;
	*out = best;
	return 0;
}

/* Descriptor from the same kvm_segment the vCPU gets, so GDT and hidden state agree
 * (Intel SDM Vol. 3A §3.4.5, Figure 3-8). */
static uint64_t boot_gdt_desc(const struct kvm_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;

	return (limit & 0xFFFF) | (s->base & 0xFFFFFF) << 16 | (uint64_t)(s->type & 0xF) << 40 |
	       (uint64_t)s->s << 44 | (uint64_t)(s->dpl & 3) << 45 | (uint64_t)s->present << 47 |
	       (limit >> 16 & 0xF) << 48 | (uint64_t)s->avl << 52 | (uint64_t)s->l << 53 |
	       (uint64_t)s->db << 54 | (uint64_t)s->g << 55 | (s->base >> 24 & 0xFF) << 56;
}

/* SDM Vol. 3A §3.4.5.1: code execute/read accessed, data read/write accessed; the
 * accessed bit is preset so the CPU never has to write the GDT. */
enum { SEG_TYPE_DATA_RWA = 0x3, SEG_TYPE_CODE_XRA = 0xB, SEG_TYPE_LDT = 0x2,
       SEG_TYPE_TSS_BUSY = 0xB };

static struct kvm_segment boot_flat_seg(uint16_t sel, uint8_t type, bool code64)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xFFFFFFFF, .selector = sel, .type = type, .present = 1,
		.dpl = 0, .db = !code64, .s = 1, .l = code64, .g = 1,
	};
}

/* CR0/CR4/EFER bits (SDM Vol. 3A §2.5, §2.2.1). */
#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define RFLAGS_RESERVED1 (1ull << 1)

static int boot_cpu_flat(struct guest_mem *gm, bool long_mode, uint64_t entry,
			 struct boot_cpu *out)
{
	struct kvm_sregs *sr = &out->sregs;
	uint8_t gdt[BOOT_GDT_ENTRIES * 8] = { 0 };
	struct kvm_segment data = boot_flat_seg(BOOT_SEL_DS, SEG_TYPE_DATA_RWA, false);

	memset(out, 0, sizeof(*out));
	sr->cs = boot_flat_seg(BOOT_SEL_CS, SEG_TYPE_CODE_XRA, long_mode);
	sr->ds = sr->es = sr->fs = sr->gs = sr->ss = data;
	boot_put64(gdt + BOOT_SEL_CS, boot_gdt_desc(&sr->cs));
	boot_put64(gdt + BOOT_SEL_DS, boot_gdt_desc(&data));
	if (gm_write(gm, BOOT_GDT_ADDR, gdt, sizeof(gdt)))
		return -EFAULT;
	/* TR and LDTR as after RESET (SDM Vol. 3A §9.1.1, Table 9-1): VM entry needs a busy
	 * TSS in TR even though the guest never switches tasks before loading its own. */
	sr->tr = (struct kvm_segment){ .limit = 0xFFFF, .type = SEG_TYPE_TSS_BUSY, .present = 1 };
	sr->ldt = (struct kvm_segment){ .limit = 0xFFFF, .type = SEG_TYPE_LDT, .present = 1 };
	sr->gdt.base = BOOT_GDT_ADDR;
	sr->gdt.limit = sizeof(gdt) - 1;
	sr->idt.base = 0;
	sr->idt.limit = 0;
	sr->cr0 = CR0_PE | CR0_ET;
	if (long_mode) {
		uint8_t *pt = gm_ptr_rw(gm, BOOT_PML4, 6 * BOOT_PAGE_SIZE);

		if (!pt)
			return -EFAULT;
		memset(pt, 0, 6 * BOOT_PAGE_SIZE);
		/* SDM Vol. 3A §4.5: P|RW in PML4E/PDPTE, P|RW|PS (bit 7) for 2 MiB PDEs. */
		boot_put64(pt, BOOT_PDPT | 0x3);
		for (uint64_t g = 0; g < 4; g++) {
			boot_put64(pt + BOOT_PAGE_SIZE + g * 8, (BOOT_PD + g * BOOT_PAGE_SIZE) | 0x3);
			for (uint64_t j = 0; j < 512; j++)
				boot_put64(pt + (2 + g) * BOOT_PAGE_SIZE + j * 8,
					   (g << 30 | j << 21) | 0x83);
		}
		sr->cr0 |= CR0_PG;
		sr->cr3 = BOOT_PML4;
		sr->cr4 = CR4_PAE;
		sr->efer = EFER_LME | EFER_LMA;
	}
	out->regs.rflags = RFLAGS_RESERVED1;
	out->regs.rsp = BOOT_STACK_TOP;
	out->regs.rip = entry;
	return 0;
}

int boot_cpu_prot32(struct guest_mem *gm, uint64_t entry, struct boot_cpu *out)
{
	return boot_cpu_flat(gm, false, entry, out);
}

int boot_cpu_long64(struct guest_mem *gm, uint64_t entry, struct boot_cpu *out)
{
	return boot_cpu_flat(gm, true, entry, out);
}
