/* GDB remote protocol codec (vmm/gdb_proto.c): framing and escapes, the receiver's
 * ack/nak/interrupt handling, hex, the amd64 register block, and the guest page walk over
 * hand-built page tables (4-level with 4 KiB/2 MiB/1 GiB pages, PAE, 32-bit, paging off). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/gdb_proto.h"
#include "vmm/guest_mem.h"

static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s)
{
	enum gdb_rx_event ev = GDB_RX_NONE;

	for (; *s; s++) {
		ev = gdb_rx_byte(rx, (uint8_t)*s);
		if (ev != GDB_RX_NONE && s[1])
			fail_msg("event %d before the end of '%s'", ev, s);
	}
	return ev;
}

static void test_frame_and_checksum(void **state)
{
	char out[64];

	(void)state;
	/* the manual's example: $OK#9a */
	assert_int_equal(gdb_frame("OK", 2, out, sizeof(out)), 6);
	assert_string_equal(out, "$OK#9a");
	assert_int_equal(gdb_frame("", 0, out, sizeof(out)), 4);
	assert_string_equal(out, "$#00");
	/* '#', '$', '}' and '*' are escaped as '}' + (c ^ 0x20) */
	assert_int_equal(gdb_frame("a#$}*", 5, out, sizeof(out)), 1 + 9 + 3);
	assert_memory_equal(out, "$a}\x03}\x04}]}\x0a#", 11);
	assert_int_equal(gdb_frame("OK", 2, out, 6), -E2BIG);
}

static void test_rx_roundtrip(void **state)
{
	struct gdb_rx rx;
	char out[64];

	(void)state;
	gdb_rx_init(&rx);
	gdb_frame("m1000,4#}", 9, out, sizeof(out));
	assert_int_equal(feed(&rx, out), GDB_RX_PACKET);
	assert_string_equal(rx.buf, "m1000,4#}");
	assert_int_equal(feed(&rx, "$qSupported:multiprocess+#c6"), GDB_RX_PACKET);
	assert_string_equal(rx.buf, "qSupported:multiprocess+");
}

static void test_rx_events(void **state)
{
	struct gdb_rx rx;

	(void)state;
	gdb_rx_init(&rx);
	assert_int_equal(gdb_rx_byte(&rx, '+'), GDB_RX_ACK);
	assert_int_equal(gdb_rx_byte(&rx, '-'), GDB_RX_NAK);
	assert_int_equal(gdb_rx_byte(&rx, 0x03), GDB_RX_INTERRUPT);
	assert_int_equal(gdb_rx_byte(&rx, 'x'), GDB_RX_NONE); /* noise */
	assert_int_equal(feed(&rx, "$OK#9b"), GDB_RX_BAD);    /* wrong checksum */
	assert_int_equal(feed(&rx, "$OK#z"), GDB_RX_BAD);     /* not hex: at once */
	/* inside a packet 0x03 is data, not an interrupt */
	assert_int_equal(feed(&rx, "$\x03#03"), GDB_RX_PACKET);
	assert_int_equal(rx.len, 1);
}

static void test_rx_overflow(void **state)
{
	struct gdb_rx rx;
	uint8_t sum = 0;
	char tail[4];

	(void)state;
	gdb_rx_init(&rx);
	gdb_rx_byte(&rx, '$');
	for (unsigned i = 0; i < GDB_MAX_PACKET + 10; i++) {
		assert_int_equal(gdb_rx_byte(&rx, 'a'), GDB_RX_NONE);
		sum += 'a';
	}
	snprintf(tail, sizeof(tail), "#%02x", sum);
	assert_int_equal(feed(&rx, tail), GDB_RX_BAD); /* too long: nak, never truncated */
	assert_true(rx.len <= GDB_MAX_PACKET);
}

static void test_hex(void **state)
{
	uint8_t b[4];
	char out[9];
	uint64_t v;

	(void)state;
	gdb_hex_encode("\x12\xab\x00\xff", 4, out);
	assert_string_equal(out, "12ab00ff");
	assert_int_equal(gdb_hex_decode("DEADbeef", b, 4), 0);
	assert_memory_equal(b, "\xde\xad\xbe\xef", 4);
	assert_int_equal(gdb_hex_decode("12g4", b, 2), -EINVAL);
	assert_int_equal(gdb_hex_u64("ffffffff81000000,4", &v), 16);
	assert_true(v == 0xffffffff81000000ull);
	assert_int_equal(gdb_hex_u64("10000000000000000", &v), -EINVAL); /* 17 digits */
	assert_int_equal(gdb_hex_u64(",4", &v), -EINVAL);
}

static void test_registers(void **state)
{
	struct kvm_regs r = { .rax = 0x1122334455667788ull, .r15 = 15, .rip = 0x100020,
			      .rflags = 0x246 };
	struct kvm_sregs s = { .cs = { .selector = 0x10 }, .gs = { .selector = 0x2b } };
	struct kvm_regs r2 = { 0 };
	struct kvm_sregs s2 = { 0 };
	char hex[2 * 164 + 1];
	uint8_t b[16];

	(void)state;
	assert_int_equal(gdb_regs_bytes(), 164); /* QEMU's x86-64 core block */
	gdb_regs_encode(&r, &s, hex);
	assert_int_equal(strlen(hex), 328);
	assert_memory_equal(hex, "8877665544332211", 16);        /* rax, little-endian */
	assert_memory_equal(hex + 16 * 16, "2000100000000000", 16); /* rip */
	assert_memory_equal(hex + 17 * 16, "46020000", 8);        /* eflags */
	assert_memory_equal(hex + 17 * 16 + 8, "10000000", 8);    /* cs */
	assert_memory_equal(hex + 17 * 16 + 6 * 8, "2b000000", 8); /* gs */
	assert_int_equal(gdb_regs_decode(&r2, &s2, hex), 0);
	assert_memory_equal(&r2, &r, sizeof(r));
	assert_int_equal(s2.gs.selector, 0x2b);
	assert_int_equal(gdb_regs_decode(&r2, &s2, "123"), -EINVAL);

	assert_int_equal(gdb_reg_size(24), 10);
	assert_int_equal(gdb_reg_size(40), 16);
	assert_int_equal(gdb_reg_size(57), 0);
	assert_int_equal(gdb_reg_get(&r, &s, 57, b), -EINVAL);
	assert_int_equal(gdb_reg_get(&r, &s, 30, b), 0); /* st6 reads as zero */
	assert_memory_equal(b, "\0\0\0\0\0\0\0\0\0\0", 10);
	/* P on rbx and eflags: eflags bit 1 stays set */
	memcpy(b, "\x01\0\0\0\0\0\0\0", 8);
	assert_int_equal(gdb_reg_set(&r, &s, 1, b), 0);
	assert_true(r.rbx == 1);
	memcpy(b, "\x00\x01\0\0", 4);
	assert_int_equal(gdb_reg_set(&r, &s, 17, b), 0);
	assert_true(r.rflags == 0x102);
}

/* 4 MiB of guest RAM at 0 with page tables built by hand. */
struct pt_fixture {
	struct guest_mem gm;
	uint8_t *ram;
};

static void put64(struct pt_fixture *f, uint64_t gpa, uint64_t v)
{
	memcpy(f->ram + gpa, &v, 8);
}

static void put32(struct pt_fixture *f, uint64_t gpa, uint32_t v)
{
	memcpy(f->ram + gpa, &v, 4);
}

static int pt_setup(void **state)
{
	struct pt_fixture *f = calloc(1, sizeof(*f));

	f->ram = calloc(1, 4 << 20);
	assert_int_equal(gm_add_slot(&f->gm, 0, 4 << 20, f->ram, false), 0);
	*state = f;
	return 0;
}

static int pt_teardown(void **state)
{
	struct pt_fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

static void test_walk_long_mode(void **state)
{
	struct pt_fixture *f = *state;
	struct kvm_sregs s = { .cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500 };
	uint64_t gpa, left;

	/* gva 0xffff800000201234: PML4[256] -> PDPT 0x2000, [0] -> PD 0x3000, [1] -> PT 0x4000,
	 * [1] -> page 0x7000 */
	put64(f, 0x1000 + 256 * 8, 0x2003);
	put64(f, 0x2000, 0x3003);
	put64(f, 0x3000 + 8, 0x4003);
	put64(f, 0x4000 + 8, 0x7003);
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0xffff800000201234ull, &gpa, &left), 0);
	assert_true(gpa == 0x7234 && left == 0x1000 - 0x234);
	/* PT[2] not present */
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0xffff800000202000ull, &gpa, &left),
			 -ENOENT);
	/* PD[2]: a 2 MiB page at 0x200000 */
	put64(f, 0x3000 + 16, 0x200083);
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0xffff800000456789ull, &gpa, &left), 0);
	assert_true(gpa == 0x256789 && left == 0x200000 - 0x56789);
	/* PDPT[1]: a 1 GiB page at 0 (RAM is smaller, but the walk only translates) */
	put64(f, 0x2000 + 8, 0x83);
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0xffff800040001000ull, &gpa, &left), 0);
	assert_true(gpa == 0x1000);
	/* a table outside RAM: -EFAULT, never a read past the slot */
	put64(f, 0x2000 + 16, 0x80000003ull);
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0xffff800080000000ull, &gpa, &left),
			 -EFAULT);
	/* CR3 itself outside RAM */
	s.cr3 = 0xfffff000;
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0, &gpa, &left), -EFAULT);
}

static void test_walk_other_modes(void **state)
{
	struct pt_fixture *f = *state;
	struct kvm_sregs s = { .cr0 = 0x11 };
	uint64_t gpa, left;

	/* paging off: identity */
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0x123456, &gpa, &left), 0);
	assert_true(gpa == 0x123456 && left == 0x1000 - 0x456);
	/* 32-bit paging: PDE[1] -> PT 0x5000, PTE[2] -> 0x9000; PDE[2]: a 4 MiB page */
	s.cr0 = 0x80000011;
	s.cr3 = 0x1000;
	put32(f, 0x1000 + 4, 0x5003);
	put32(f, 0x5000 + 8, 0x9003);
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0x402abc, &gpa, &left), 0);
	assert_true(gpa == 0x9abc);
	put32(f, 0x1000 + 8, 0x00c00083);
	s.cr4 = 0x10; /* PSE */
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0x812345, &gpa, &left), 0);
	assert_true(gpa == 0xc12345);
	/* PAE: PDPTE[0] -> PD 0x6000, PDE[0] 2 MiB page at 0x200000 */
	memset(f->ram + 0x1000, 0, 0x1000);
	s.cr4 = 0x20;
	put64(f, 0x1000, 0x6001);
	put64(f, 0x6000, 0x200083);
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0x1234, &gpa, &left), 0);
	assert_true(gpa == 0x201234);
	assert_int_equal(gdb_gva_to_gpa(&f->gm, &s, 0x40000000, &gpa, &left), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_and_checksum),
		cmocka_unit_test(test_rx_roundtrip),
		cmocka_unit_test(test_rx_events),
		cmocka_unit_test(test_rx_overflow),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_registers),
		cmocka_unit_test_setup_teardown(test_walk_long_mode, pt_setup, pt_teardown),
		cmocka_unit_test_setup_teardown(test_walk_other_modes, pt_setup, pt_teardown),
	};

	return cmocka_run_group_tests_name("gdb_proto", tests, NULL, NULL);
}
