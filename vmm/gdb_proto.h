/* The GDB remote serial protocol without sockets or KVM (GDB manual, "Remote Protocol":
 * "Overview" for framing and checksums, "Packets", "Register Packet Format"): packet framing
 * with run-length-free escaping, an incremental receiver that acks, naks and spots the 0x03
 * interrupt, hex codecs, the x86-64 'g' register block in the order of GDB's
 * i386:x86-64 core (64bit-core.xml) and the guest-virtual to guest-physical walk the m/M
 * packets need. The glue (vmm/gdbstub.c) owns the socket and the vCPUs. */
#ifndef ENLIGHT_GDB_PROTO_H
#define ENLIGHT_GDB_PROTO_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_mem;

#define GDB_MAX_PACKET 4096 /* what qSupported advertises as PacketSize */

/* Incremental receiver: feed it bytes, it returns events one at a time. */
enum gdb_rx_event {
	GDB_RX_NONE,      /* need more bytes */
	GDB_RX_PACKET,    /* a packet with a good checksum: payload in rx->buf; send '+' */
	GDB_RX_BAD,       /* a bad checksum or an overlong packet: send '-' */
	GDB_RX_INTERRUPT, /* 0x03 outside a packet (Ctrl-C) */
	GDB_RX_ACK,       /* '+' from GDB */
	GDB_RX_NAK,       /* '-' from GDB: resend the last packet */
};

struct gdb_rx {
	enum { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_ESC, GDB_RX_CSUM1, GDB_RX_CSUM2 } st;
	uint8_t sum, want;
	bool overflow;
	size_t len;
	char buf[GDB_MAX_PACKET + 1]; /* NUL-terminated payload, escapes undone */
};

void gdb_rx_init(struct gdb_rx *rx);
/* Consumes one byte; returns what it completed. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

/* "$payload#cs" with '#', '$', '}' and '*' escaped ('}' then c ^ 0x20). Returns the
 * length written (NUL-terminated), or -E2BIG. */
int gdb_frame(const char *payload, size_t len, char *out, size_t cap);
uint8_t gdb_checksum(const char *s, size_t len);

/* Hex: encode n bytes (2n characters + NUL); decode exactly 2n characters, -EINVAL on a
 * non-hex digit. gdb_hex_u64 parses a big-endian number up to a delimiter (0..16 digits);
 * returns characters used or -EINVAL. */
void gdb_hex_encode(const void *src, size_t n, char *out);
int gdb_hex_decode(const char *s, void *dst, size_t n);
int gdb_hex_u64(const char *s, uint64_t *out);

/* Registers in the numbering of GDB's default amd64 description (no target.xml needed,
 * the same as QEMU's x86-64 'g' block): 0-15 rax rbx rcx rdx rsi rdi rbp rsp r8..r15,
 * 16 rip, 17 eflags, 18-23 cs ss ds es fs gs (eflags and selectors 32-bit), 24-31 st0-st7
 * (10 bytes), 32-39 fctrl..fop (4), 40-55 xmm0-15 (16), 56 mxcsr (4). The 'g' block holds
 * 0-23; the x87/SSE registers read as zero (enlight's guests run -mgeneral-regs-only). */
#define GDB_X86_NREGS   57
#define GDB_X86_G_NREGS 24
unsigned gdb_reg_size(unsigned regno); /* bytes, 0 for an unknown number */
/* Register regno as little-endian bytes into out (gdb_reg_size bytes); -EINVAL for an
 * unknown number. */
int gdb_reg_get(const struct kvm_regs *r, const struct kvm_sregs *s, unsigned regno,
		uint8_t *out);
/* Sets regno: general registers, rip, eflags; a selector write changes only the selector
 * (not the cached descriptor); x87/SSE writes are ignored. -EINVAL for an unknown number. */
int gdb_reg_set(struct kvm_regs *r, struct kvm_sregs *s, unsigned regno, const uint8_t *in);
/* The 'g' block: hex of registers 0..GDB_X86_G_NREGS-1 (2 * gdb_regs_bytes() + 1 chars). */
size_t gdb_regs_bytes(void);
void gdb_regs_encode(const struct kvm_regs *r, const struct kvm_sregs *s, char *out);
/* 'G': the inverse; a shorter block sets only the registers it covers. 0 or -EINVAL. */
int gdb_regs_decode(struct kvm_regs *r, struct kvm_sregs *s, const char *hex);

/* Guest-virtual to guest-physical through the guest's paging (SDM Vol. 3A §4.5, 4-level
 * with 1 GiB and 2 MiB pages; 32-bit paging §4.3 and PAE §4.4 as well; paging off is the
 * identity). Every table read is bounds-checked through guest_mem. 0, -EFAULT (a table
 * outside RAM) or -ENOENT (not present). *page_left: bytes left in the page. */
int gdb_gva_to_gpa(const struct guest_mem *gm, const struct kvm_sregs *s, uint64_t gva,
		   uint64_t *gpa, uint64_t *page_left);

#endif
