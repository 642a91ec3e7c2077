/* GDB remote protocol codec: framing, hex, x86-64 registers, guest page walk. Pure. */
#include "vmm/gdb_proto.h"

#include <errno.h>
#include <string.h>

#include "vmm/guest_mem.h"
#include "vmm/log.h"

uint8_t gdb_checksum(const char *s, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += (uint8_t)s[i];
	return sum;
}

void gdb_rx_init(struct gdb_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void rx_put(struct gdb_rx *rx, char c)
{
	if (rx->len < GDB_MAX_PACKET)
		rx->buf[rx->len++] = c;
	else
		rx->overflow = true;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int v;

	switch (rx->st) {
	case GDB_RX_IDLE:
		if (c == '$') {
			rx->st = GDB_RX_DATA;
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
		} else if (c == 0x03) {
			return GDB_RX_INTERRUPT;
		} else if (c == '+') {
			return GDB_RX_ACK;
		} else if (c == '-') {
			return GDB_RX_NAK;
		}
		return GDB_RX_NONE; /* noise between packets is ignored */
	case GDB_RX_DATA:
		if (c == '#') {
			rx->st = GDB_RX_CSUM1;
			return GDB_RX_NONE;
		}
		rx->sum += c;
		if (c == '}')
			rx->st = GDB_RX_ESC;
		else
			rx_put(rx, (char)c);
		return GDB_RX_NONE;
	case GDB_RX_ESC:
		rx->sum += c;
		rx_put(rx, (char)(c ^ 0x20));
		rx->st = GDB_RX_DATA;
		return GDB_RX_NONE;
	case GDB_RX_CSUM1:
		v = hexval(c);
		rx->want = (uint8_t)((v < 0 ? 0 : v) << 4);
		rx->st = v < 0 ? GDB_RX_IDLE : GDB_RX_CSUM2;
		return v < 0 ? GDB_RX_BAD : GDB_RX_NONE;
	case GDB_RX_CSUM2:
		rx->st = GDB_RX_IDLE;
		v = hexval(c);
		if (v < 0 || (uint8_t)(rx->want | v) != rx->sum || rx->overflow)
			return GDB_RX_BAD;
		rx->buf[rx->len] = '\0';
		return GDB_RX_PACKET;
	}
	return GDB_RX_NONE;
}

int gdb_frame(const char *payload, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	uint8_t sum = 0;

	if (cap < 5)
		return -E2BIG;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		char c = payload[i];
		bool esc = c == '#' || c == '$' || c == '}' || c == '*';

		if (n + 2 + 4 > cap)
			return -E2BIG;
		if (esc) {
			out[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[n++] = c;
		sum += (uint8_t)c;
	}
	out[n++] = '#';
	out[n++] = hex[sum >> 4];
	out[n++] = hex[sum & 15];
	out[n] = '\0';
	return (int)n;
}

void gdb_hex_encode(const void *src, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = src;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int gdb_hex_decode(const char *s, void *dst, size_t n)
{
	uint8_t *p = dst;

	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int gdb_hex_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int i;

	for (i = 0; hexval(s[i]) >= 0; i++) {
		if (i == 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)hexval(s[i]);
	}
	if (!i)
		return -EINVAL;
	*out = v;
	return i;
}

unsigned gdb_reg_size(unsigned regno)
{
	if (regno < 17)
		return 8;
	if (regno < 24)
		return 4;
	if (regno < 32)
		return 10;
	if (regno < 40)
		return 4;
	if (regno < 56)
		return 16;
	return regno == 56 ? 4 : 0;
}

/* GDB's order of the first 17 registers, as offsets into struct kvm_regs. */
static const size_t gpr_off[17] = {
	offsetof(struct kvm_regs, rax), offsetof(struct kvm_regs, rbx),
	offsetof(struct kvm_regs, rcx), offsetof(struct kvm_regs, rdx),
	offsetof(struct kvm_regs, rsi), offsetof(struct kvm_regs, rdi),
	offsetof(struct kvm_regs, rbp), offsetof(struct kvm_regs, rsp),
	offsetof(struct kvm_regs, r8),  offsetof(struct kvm_regs, r9),
	offsetof(struct kvm_regs, r10), offsetof(struct kvm_regs, r11),
	offsetof(struct kvm_regs, r12), offsetof(struct kvm_regs, r13),
	offsetof(struct kvm_regs, r14), offsetof(struct kvm_regs, r15),
	offsetof(struct kvm_regs, rip),
};

/* Registers 18-23: cs ss ds es fs gs. */
static const size_t seg_off[6] = {
	offsetof(struct kvm_sregs, cs), offsetof(struct kvm_sregs, ss),
	offsetof(struct kvm_sregs, ds), offsetof(struct kvm_sregs, es),
	offsetof(struct kvm_sregs, fs), offsetof(struct kvm_sregs, gs),
};

int gdb_reg_get(const struct kvm_regs *r, const struct kvm_sregs *s, unsigned regno,
		uint8_t *out)
{
	unsigned n = gdb_reg_size(regno);
	uint32_t v32;

	if (!n)
		return -EINVAL;
	memset(out, 0, n);
	if (regno < 17) {
		memcpy(out, (const uint8_t *)r + gpr_off[regno], 8); /* x86 is little-endian */
	} else if (regno == 17) {
		v32 = (uint32_t)r->rflags;
		memcpy(out, &v32, 4);
	} else if (regno < 24) {
		const struct kvm_segment *sg =
			(const void *)((const uint8_t *)s + seg_off[regno - 18]);

		v32 = sg->selector;
		memcpy(out, &v32, 4);
	}
	return 0;
}

int gdb_reg_set(struct kvm_regs *r, struct kvm_sregs *s, unsigned regno, const uint8_t *in)
{
	uint32_t v32;

	if (!gdb_reg_size(regno))
		return -EINVAL;
	if (regno < 17) {
		memcpy((uint8_t *)r + gpr_off[regno], in, 8);
	} else if (regno == 17) {
		memcpy(&v32, in, 4);
		r->rflags = v32 | 0x2; /* bit 1 is reserved as 1 (SDM Vol. 1 §3.4.3) */
	} else if (regno < 24) {
		memcpy(&v32, in, 4);
		((struct kvm_segment *)(void *)((uint8_t *)s + seg_off[regno - 18]))->selector =
			(uint16_t)v32;
	}
	return 0;
}

size_t gdb_regs_bytes(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < GDB_X86_G_NREGS; i++)
		n += gdb_reg_size(i);
	return n;
}

void gdb_regs_encode(const struct kvm_regs *r, const struct kvm_sregs *s, char *out)
{
	for (unsigned i = 0; i < GDB_X86_G_NREGS; i++) {
		uint8_t b[16];
		unsigned n = gdb_reg_size(i);

		gdb_reg_get(r, s, i, b);
		gdb_hex_encode(b, n, out);
		out += 2 * n;
	}
}

int gdb_regs_decode(struct kvm_regs *r, struct kvm_sregs *s, const char *hex)
{
	size_t len = strlen(hex);

	for (unsigned i = 0; i < GDB_X86_G_NREGS && len; i++) {
		uint8_t b[16];
		unsigned n = gdb_reg_size(i);

		if (len < 2 * n || gdb_hex_decode(hex, b, n))
			return -EINVAL;
		gdb_reg_set(r, s, i, b);
		hex += 2 * n;
		len -= 2 * n;
	}
	return len ? -EINVAL : 0;
}

#define CR0_PG    (1ull << 31)
#define CR4_PSE   (1ull << 4)
#define CR4_PAE   (1ull << 5)
#define EFER_LMA  (1ull << 10)
#define PTE_P     (1ull << 0)
#define PTE_PS    (1ull << 7)
#define PTE_ADDR  0x000ffffffffff000ull /* bits 51:12 (SDM Vol. 3A Table 4-19) */

static int read_pte(const struct guest_mem *gm, uint64_t gpa, unsigned size, uint64_t *pte)
{
	*pte = 0;
	return gm_read(gm, gpa, pte, size) ? -EFAULT : 0;
}

int gdb_gva_to_gpa(const struct guest_mem *gm, const struct kvm_sregs *s, uint64_t gva,
		   uint64_t *gpa, uint64_t *page_left)
{
	uint64_t table, pte;
	unsigned levels, shift;

	if (!(s->cr0 & CR0_PG)) {
		*gpa = gva;
		*page_left = 0x1000 - (gva & 0xfff);
		return 0;
	}
	if (!(s->cr4 & CR4_PAE)) {
		/* 32-bit paging (SDM Vol. 3A §4.3): two levels of 4-byte entries, 4 MiB pages
		 * with CR4.PSE (the PSE-36 high bits are ignored). */
		uint32_t va = (uint32_t)gva;

		if (read_pte(gm, (s->cr3 & 0xfffff000u) + (va >> 22) * 4, 4, &pte))
			return -EFAULT;
		if (!(pte & PTE_P))
			return -ENOENT;
		if ((pte & PTE_PS) && (s->cr4 & CR4_PSE)) {
			*gpa = (pte & 0xffc00000u) | (va & 0x3fffff);
			*page_left = 0x400000 - (va & 0x3fffff);
			return 0;
		}
		if (read_pte(gm, (pte & 0xfffff000u) + ((va >> 12) & 0x3ff) * 4, 4, &pte))
			return -EFAULT;
		if (!(pte & PTE_P))
			return -ENOENT;
		*gpa = (pte & 0xfffff000u) | (va & 0xfff);
		*page_left = 0x1000 - (va & 0xfff);
		return 0;
	}
	if (s->efer & EFER_LMA) {
		levels = 4; /* §4.5: PML4 -> PDPT -> PD -> PT, 9 bits each */
		table = s->cr3 & PTE_ADDR;
	} else {
		levels = 3; /* §4.4 PAE: 4 PDPTEs at CR3[31:5] */
		gva &= 0xffffffffu;
		table = s->cr3 & 0xffffffe0u;
	}
	shift = 12 + 9 * (levels - 1);
	for (unsigned l = levels; l; l--, shift -= 9) {
		unsigned bits = (levels == 3 && l == 3) ? 2 : 9;
		uint64_t idx = (gva >> shift) & ((1ull << bits) - 1);

		if (read_pte(gm, table + idx * 8, 8, &pte))
			return -EFAULT;
		if (!(pte & PTE_P))
			return -ENOENT;
		/* PS at the PDPT (1 GiB, long mode only) or PD (2 MiB) level maps a page. */
		if (l > 1 && l <= 3 && (pte & PTE_PS) && !(levels == 3 && l == 3)) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = (pte & PTE_ADDR & ~mask) | (gva & mask);
			*page_left = (mask + 1) - (gva & mask);
			return 0;
		}
		table = pte & PTE_ADDR;
	}
	*gpa = table | (gva & 0xfff);
	*page_left = 0x1000 - (gva & 0xfff);
	return 0;
}
