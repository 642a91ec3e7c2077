/* gdbstub debug state: breakpoint table, DR7 encoding, int3 patching, resume parsing. Pure. */
#include "vmm/gdb_debug.h"

#include <errno.h>
#include <string.h>

#include "vmm/gdb_proto.h"
#include "vmm/guest_mem.h"
#include "vmm/log.h"

/* DR7 (SDM Vol. 3B §17.2.4, Figure 17-2): G0..G3 at bits 1,3,5,7; R/Wn at 16+4n, LENn at
 * 18+4n. GE (bit 9) asks for exact data breakpoints; bit 10 reads as 1. QEMU writes the same
 * 0x600 base (target/i386/kvm/kvm.c, kvm_arch_update_guest_debug). */
#define DR7_BASE   0x600ull
#define DR7_G(n)   (2ull << ((n) * 2))
#define DR7_RW_SHIFT(n)  (16 + 4 * (n))
#define DR7_LEN_SHIFT(n) (18 + 4 * (n))
#define DR6_BMASK  0xfull /* B0-B3 (§17.2.3) */

/* R/W encodings: 00 execution, 01 data writes, 11 data reads or writes. */
static const uint8_t dr7_rw[] = {
	[GDB_BP_SW] = 0, [GDB_BP_HW] = 0, [GDB_WP_WRITE] = 1, [GDB_WP_READ] = 0xff,
	[GDB_WP_ACCESS] = 3,
};

/* LEN encodings by length: 1 -> 00, 2 -> 01, 8 -> 10, 4 -> 11. */
static int dr7_len(uint64_t len)
{
	switch (len) {
	case 1: return 0;
	case 2: return 1;
	case 4: return 3;
	case 8: return 2;
	}
	return -1;
}

int gdb_parse_z(const char *s, unsigned *type, uint64_t *addr, uint64_t *kind)
{
	uint64_t t;
	int n;

	n = gdb_hex_u64(s, &t);
	if (n < 0 || s[n] != ',' || t > GDB_WP_ACCESS)
		return -EINVAL;
	s += n + 1;
	n = gdb_hex_u64(s, addr);
	if (n < 0 || s[n] != ',')
		return -EINVAL;
	s += n + 1;
	n = gdb_hex_u64(s, kind);
	/* Conditions and commands (";X...") are not supported: GDB evaluates them itself. */
	if (n < 0 || s[n] != '\0')
		return -EINVAL;
	*type = (unsigned)t;
	return 0;
}

static bool dr_check(unsigned type, uint64_t addr, uint64_t *len)
{
	if (type >= ARRAY_SIZE(dr7_rw) || dr7_rw[type] == 0xff)
		return false;
	if (dr7_rw[type] == 0)
		*len = 1; /* execution breakpoints use LEN 00 (§17.2.5); kind is GDB's insn size */
	return dr7_len(*len) >= 0 && !(addr & (*len - 1));
}

static int dr_find(const struct gdb_debug *d, unsigned type, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < GDB_NUM_DR; i++)
		if (d->dr[i].used && d->dr[i].type == type && d->dr[i].addr == addr &&
		    d->dr[i].len == len)
			return i;
	return -1;
}

int gdb_dr_insert(struct gdb_debug *d, unsigned type, uint64_t addr, uint64_t len)
{
	if (!dr_check(type, addr, &len))
		return -EINVAL;
	if (dr_find(d, type, addr, len) >= 0)
		return 0;
	for (int i = 0; i < GDB_NUM_DR; i++) {
		if (!d->dr[i].used) {
			d->dr[i] = (struct gdb_dr_slot){ true, (uint8_t)type, (uint8_t)len, addr };
			return 0;
		}
	}
	return -ENOSPC;
}

int gdb_dr_remove(struct gdb_debug *d, unsigned type, uint64_t addr, uint64_t len)
{
	int i;

	if (!dr_check(type, addr, &len))
		return -EINVAL;
	i = dr_find(d, type, addr, len);
	if (i < 0)
		return -ENOENT;
	d->dr[i].used = false;
	return 0;
}

int gdb_dr_hit(const struct gdb_debug *d, uint64_t dr6)
{
	for (int i = 0; i < GDB_NUM_DR; i++)
		if ((dr6 & DR6_BMASK & (1ull << i)) && d->dr[i].used)
			return i;
	return -1;
}

static int sw_find(const struct gdb_debug *d, uint64_t addr)
{
	for (unsigned i = 0; i < d->nsw; i++)
		if (d->sw[i].addr == addr)
			return (int)i;
	return -1;
}

int gdb_sw_insert(struct gdb_debug *d, struct guest_mem *gm, uint64_t addr, uint64_t gpa)
{
	static const uint8_t int3 = GDB_INT3;
	struct gdb_sw_bp *b;

	if (sw_find(d, addr) >= 0)
		return 0;
	if (d->nsw == GDB_MAX_SW)
		return -ENOSPC;
	b = &d->sw[d->nsw];
	b->addr = addr;
	b->gpa = gpa;
	if (gm_read(gm, gpa, &b->orig, 1) || gm_write(gm, gpa, &int3, 1))
		return -EFAULT;
	d->nsw++;
	return 0;
}

int gdb_sw_remove(struct gdb_debug *d, struct guest_mem *gm, uint64_t addr)
{
	int i = sw_find(d, addr);

	if (i < 0)
		return -ENOENT;
	gm_write(gm, d->sw[i].gpa, &d->sw[i].orig, 1);
	d->sw[i] = d->sw[--d->nsw];
	return 0;
}

void gdb_sw_hide(const struct gdb_debug *d, uint64_t gpa, uint8_t *buf, size_t len)
{
	for (unsigned i = 0; i < d->nsw; i++)
		if (d->sw[i].gpa >= gpa && d->sw[i].gpa - gpa < len)
			buf[d->sw[i].gpa - gpa] = d->sw[i].orig;
}

void gdb_sw_rewrite(struct gdb_debug *d, struct guest_mem *gm, uint64_t gpa, size_t len)
{
	static const uint8_t int3 = GDB_INT3;

	for (unsigned i = 0; i < d->nsw; i++) {
		struct gdb_sw_bp *b = &d->sw[i];

		if (b->gpa >= gpa && b->gpa - gpa < len && !gm_read(gm, b->gpa, &b->orig, 1))
			gm_write(gm, b->gpa, &int3, 1);
	}
}

void gdb_sw_repatch(struct gdb_debug *d, struct guest_mem *gm)
{
	static const uint8_t int3 = GDB_INT3;

	for (unsigned i = 0; i < d->nsw; i++) {
		struct gdb_sw_bp *b = &d->sw[i];
		uint8_t cur;

		/* A reload that left the byte alone (not part of the image) keeps the int3. */
		if (!gm_read(gm, b->gpa, &cur, 1) && cur != GDB_INT3) {
			b->orig = cur;
			gm_write(gm, b->gpa, &int3, 1);
		}
	}
}

void gdb_debug_clear(struct gdb_debug *d, struct guest_mem *gm)
{
	while (d->nsw)
		gdb_sw_remove(d, gm, d->sw[d->nsw - 1].addr);
	memset(d, 0, sizeof(*d));
}

bool gdb_debug_empty(const struct gdb_debug *d)
{
	for (int i = 0; i < GDB_NUM_DR; i++)
		if (d->dr[i].used)
			return false;
	return d->nsw == 0;
}

void gdb_debug_build(const struct gdb_debug *d, bool step, bool blockirq,
		     struct kvm_guest_debug *out)
{
	uint64_t dr7 = DR7_BASE;
	bool any_dr = false;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < GDB_NUM_DR; i++) {
		const struct gdb_dr_slot *s = &d->dr[i];

		if (!s->used)
			continue;
		any_dr = true;
		out->arch.debugreg[i] = s->addr;
		dr7 |= DR7_G(i) | (uint64_t)dr7_rw[s->type] << DR7_RW_SHIFT(i) |
		       (uint64_t)dr7_len(s->len) << DR7_LEN_SHIFT(i);
	}
	if (any_dr) {
		out->control |= KVM_GUESTDBG_USE_HW_BP;
		out->arch.debugreg[7] = dr7;
	}
	if (d->nsw)
		out->control |= KVM_GUESTDBG_USE_SW_BP;
	if (step)
		out->control |= KVM_GUESTDBG_SINGLESTEP | (blockirq ? KVM_GUESTDBG_BLOCKIRQ : 0);
	if (out->control)
		out->control |= KVM_GUESTDBG_ENABLE;
}

int gdb_parse_thread(const char *s, unsigned nthreads, int *id)
{
	uint64_t v;
	int n;

	if (!strcmp(s, "-1")) {
		*id = GDB_THREAD_ALL;
		return 0;
	}
	n = gdb_hex_u64(s, &v);
	if (n < 0 || s[n] != '\0' || v > nthreads)
		return -EINVAL;
	*id = (int)v;
	return 0;
}

int gdb_parse_vcont(const char *s, unsigned nthreads, int cur, int *step)
{
	char buf[32];

	*step = 0;
	if (*s != ';')
		return -EINVAL;
	while (*s == ';') {
		const char *end = strchr(s + 1, ';');
		size_t n = end ? (size_t)(end - s - 1) : strlen(s + 1);
		char *colon;
		int id = GDB_THREAD_ALL;

		if (n == 0 || n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s + 1, n);
		buf[n] = '\0';
		s += n + 1;
		colon = strchr(buf, ':');
		if (colon && gdb_parse_thread(colon + 1, nthreads, &id))
			return -EINVAL;
		if (colon)
			*colon = '\0';
		/* C and S carry a signal number (two hex digits) that a VM cannot deliver. */
		if ((buf[0] == 'C' || buf[0] == 'S') && strlen(buf) != 3)
			return -EINVAL;
		if ((buf[0] == 'c' || buf[0] == 's') && buf[1])
			return -EINVAL;
		switch (buf[0]) {
		case 'c':
		case 'C':
			break;
		case 's':
		case 'S':
			/* The first action that applies to a thread wins (GDB manual, vCont). */
			if (!*step)
				*step = id > 0 ? id : cur;
			break;
		default:
			return -EINVAL;
		}
	}
	return *s ? -EINVAL : 0;
}
