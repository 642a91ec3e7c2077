/* gdbstub debug state (vmm/gdb_debug.c): Z packet parsing, the four debug-register slots and
 * their DR7 encoding (checked against SDM Vol. 3B §17.2.4 bit by bit), int3 patching through
 * guest_mem (hidden from reads, kept across debugger writes and a reload), the
 * KVM_SET_GUEST_DEBUG control word, and the thread and vCont parsers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/gdb_debug.h"
#include "vmm/guest_mem.h"

static void test_parse_z(void **state)
{
	unsigned type;
	uint64_t addr, kind;

	(void)state;
	assert_int_equal(gdb_parse_z("0,100170,1", &type, &addr, &kind), 0);
	assert_int_equal(type, GDB_BP_SW);
	assert_int_equal(addr, 0x100170);
	assert_int_equal(kind, 1);
	assert_int_equal(gdb_parse_z("2,ffffffff8000beef,8", &type, &addr, &kind), 0);
	assert_int_equal(type, GDB_WP_WRITE);
	assert_int_equal(addr, 0xffffffff8000beefull);
	assert_int_equal(kind, 8);
	assert_int_equal(gdb_parse_z("5,1000,1", &type, &addr, &kind), -EINVAL);
	assert_int_equal(gdb_parse_z("0,1000", &type, &addr, &kind), -EINVAL);
	assert_int_equal(gdb_parse_z("0,,1", &type, &addr, &kind), -EINVAL);
	assert_int_equal(gdb_parse_z("0,1000,1;X1,0", &type, &addr, &kind), -EINVAL);
	assert_int_equal(gdb_parse_z("0,1000,1x", &type, &addr, &kind), -EINVAL);
}

static void test_dr_slots(void **state)
{
	struct gdb_debug d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_true(gdb_debug_empty(&d));
	assert_int_equal(gdb_dr_insert(&d, GDB_BP_HW, 0x1000, 1), 0);
	assert_int_equal(gdb_dr_insert(&d, GDB_BP_HW, 0x1000, 1), 0); /* idempotent */
	assert_false(gdb_debug_empty(&d));
	assert_int_equal(gdb_dr_insert(&d, GDB_BP_SW, 0x2000, 1), 0);
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_WRITE, 0x3000, 4), 0);
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_ACCESS, 0x4000, 8), 0);
	assert_int_equal(gdb_dr_insert(&d, GDB_BP_HW, 0x5000, 1), -ENOSPC);
	/* Removing frees a slot for the next one; absent ones are -ENOENT. */
	assert_int_equal(gdb_dr_remove(&d, GDB_BP_SW, 0x2000, 1), 0);
	assert_int_equal(gdb_dr_remove(&d, GDB_BP_SW, 0x2000, 1), -ENOENT);
	assert_int_equal(gdb_dr_remove(&d, GDB_BP_HW, 0x3000, 4), -ENOENT); /* wrong type */
	assert_int_equal(gdb_dr_insert(&d, GDB_BP_HW, 0x5000, 1), 0);
	assert_int_equal(d.dr[1].addr, 0x5000);
	/* Data lengths 1/2/4/8, aligned; no read-only watchpoints on x86. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_WRITE, 0x1002, 4), -EINVAL);
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_WRITE, 0x1000, 3), -EINVAL);
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_WRITE, 0x1000, 16), -EINVAL);
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_READ, 0x1000, 4), -EINVAL);
	assert_int_equal(gdb_dr_insert(&d, 7, 0x1000, 1), -EINVAL);
	/* An execution breakpoint ignores GDB's kind (instruction length) and needs no
	 * alignment. */
	assert_int_equal(gdb_dr_insert(&d, GDB_BP_HW, 0x1003, 2), 0);
	assert_int_equal(d.dr[0].len, 1);
	assert_int_equal(gdb_dr_remove(&d, GDB_BP_HW, 0x1003, 2), 0);
	assert_true(gdb_debug_empty(&d));
}

static void test_build_dr7(void **state)
{
	struct gdb_debug d;
	struct kvm_guest_debug g;

	(void)state;
	memset(&d, 0, sizeof(d));
	gdb_debug_build(&d, false, true, &g);
	assert_int_equal(g.control, 0); /* nothing set: debugging off */

	gdb_debug_build(&d, true, false, &g);
	assert_int_equal(g.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	gdb_debug_build(&d, true, true, &g);
	assert_int_equal(g.control,
			 KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ);

	assert_int_equal(gdb_dr_insert(&d, GDB_BP_HW, 0x100170, 1), 0);     /* slot 0 */
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_WRITE, 0x10b62c, 4), 0);  /* slot 1 */
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_ACCESS, 0x10b630, 2), 0); /* slot 2 */
	assert_int_equal(gdb_dr_insert(&d, GDB_WP_WRITE, 0x10b638, 8), 0);  /* slot 3 */
	gdb_debug_build(&d, false, true, &g);
	assert_int_equal(g.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP);
	assert_int_equal(g.arch.debugreg[0], 0x100170);
	assert_int_equal(g.arch.debugreg[1], 0x10b62c);
	assert_int_equal(g.arch.debugreg[2], 0x10b630);
	assert_int_equal(g.arch.debugreg[3], 0x10b638);
	/* G0-G3 = 0xaa, GE + bit 10 = 0x600; R/W,LEN per slot from bit 16:
	 * 0: exec 00,00; 1: write 01, 4 bytes 11; 2: rw 11, 2 bytes 01; 3: write 01, 8 bytes 10 */
	assert_int_equal(g.arch.debugreg[7],
			 0x6aaull | (0x0ull << 16) | (0xdull << 20) | (0x7ull << 24) |
				 (0x9ull << 28));

	/* Removing slot 1 clears its enable and its condition bits. */
	assert_int_equal(gdb_dr_remove(&d, GDB_WP_WRITE, 0x10b62c, 4), 0);
	gdb_debug_build(&d, false, false, &g);
	assert_int_equal(g.arch.debugreg[7], 0x6a2ull | (0x7ull << 24) | (0x9ull << 28));
	assert_int_equal(g.arch.debugreg[1], 0);

	/* DR6 B0-B3 name the slot; a free slot's bit is ignored. */
	assert_int_equal(gdb_dr_hit(&d, 0xffff0ff4), 2);
	assert_int_equal(gdb_dr_hit(&d, 0xffff0ff2), -1);
	assert_int_equal(gdb_dr_hit(&d, 0xffff4ff0), -1); /* BS: a single-step */
}

static void test_sw_breakpoints(void **state)
{
	static uint8_t ram[0x2000];
	struct guest_mem gm;
	struct gdb_debug d;
	struct kvm_guest_debug g;
	uint8_t buf[8];

	(void)state;
	memset(&gm, 0, sizeof(gm));
	memset(&d, 0, sizeof(d));
	for (unsigned i = 0; i < sizeof(ram); i++)
		ram[i] = (uint8_t)i;
	assert_int_equal(gm_add_slot(&gm, 0x100000, sizeof(ram), ram, false), 0);

	assert_int_equal(gdb_sw_insert(&d, &gm, 0xffff800000100010ull, 0x100010), 0);
	assert_int_equal(ram[0x10], GDB_INT3);
	assert_int_equal(gdb_sw_insert(&d, &gm, 0xffff800000100010ull, 0x100010), 0);
	assert_int_equal(d.nsw, 1);
	assert_int_equal(gdb_sw_insert(&d, &gm, 0x200000, 0x200000), -EFAULT);
	assert_int_equal(d.nsw, 1);
	gdb_debug_build(&d, false, false, &g);
	assert_int_equal(g.control, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);

	/* A read sees the original byte. */
	assert_int_equal(gm_read(&gm, 0x10000e, buf, 4), 0);
	gdb_sw_hide(&d, 0x10000e, buf, 4);
	assert_memory_equal(buf, "\x0e\x0f\x10\x11", 4);
	gdb_sw_hide(&d, 0x100011, buf, 4); /* range past the int3: untouched */
	assert_memory_equal(buf, "\x0e\x0f\x10\x11", 4);

	/* A debugger write over it becomes the saved byte; the int3 stays. */
	assert_int_equal(gm_write(&gm, 0x100010, "\x90", 1), 0);
	gdb_sw_rewrite(&d, &gm, 0x10000f, 2);
	assert_int_equal(ram[0x10], GDB_INT3);
	assert_int_equal(d.sw[0].orig, 0x90);

	/* A reload rewrote the byte: saved again, int3 back. */
	ram[0x10] = 0x55;
	gdb_sw_repatch(&d, &gm);
	assert_int_equal(ram[0x10], GDB_INT3);
	assert_int_equal(d.sw[0].orig, 0x55);
	gdb_sw_repatch(&d, &gm); /* still patched: the saved byte must not become 0xcc */
	assert_int_equal(d.sw[0].orig, 0x55);

	assert_int_equal(gdb_sw_remove(&d, &gm, 0xffff800000100010ull), 0);
	assert_int_equal(ram[0x10], 0x55);
	assert_int_equal(gdb_sw_remove(&d, &gm, 0xffff800000100010ull), -ENOENT);

	/* clear puts every byte back and empties the table. */
	assert_int_equal(gdb_sw_insert(&d, &gm, 0x100020, 0x100020), 0);
	assert_int_equal(gdb_sw_insert(&d, &gm, 0x100021, 0x100021), 0);
	assert_int_equal(gdb_dr_insert(&d, GDB_BP_HW, 0x100030, 1), 0);
	gdb_debug_clear(&d, &gm);
	assert_int_equal(ram[0x20], 0x20);
	assert_int_equal(ram[0x21], 0x21);
	assert_true(gdb_debug_empty(&d));

	/* The table is bounded. */
	for (unsigned i = 0; i < GDB_MAX_SW; i++)
		assert_int_equal(gdb_sw_insert(&d, &gm, 0x100100 + i, 0x100100 + i), 0);
	assert_int_equal(gdb_sw_insert(&d, &gm, 0x100400, 0x100400), -ENOSPC);
	gdb_debug_clear(&d, &gm);
	assert_int_equal(ram[0x100], 0x00);
	assert_int_equal(ram[0x13f], 0x3f);
}

static void test_parse_thread(void **state)
{
	int id;

	(void)state;
	assert_int_equal(gdb_parse_thread("1", 2, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(gdb_parse_thread("2", 2, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(gdb_parse_thread("0", 2, &id), 0);
	assert_int_equal(id, GDB_THREAD_ANY);
	assert_int_equal(gdb_parse_thread("-1", 2, &id), 0);
	assert_int_equal(id, GDB_THREAD_ALL);
	assert_int_equal(gdb_parse_thread("3", 2, &id), -EINVAL);
	assert_int_equal(gdb_parse_thread("", 2, &id), -EINVAL);
	assert_int_equal(gdb_parse_thread("1x", 2, &id), -EINVAL);
	assert_int_equal(gdb_parse_thread("p1.1", 2, &id), -EINVAL);
}

static void test_parse_vcont(void **state)
{
	int step;

	(void)state;
	assert_int_equal(gdb_parse_vcont(";c", 2, 1, &step), 0);
	assert_int_equal(step, 0);
	assert_int_equal(gdb_parse_vcont(";s:2;c", 2, 1, &step), 0);
	assert_int_equal(step, 2);
	assert_int_equal(gdb_parse_vcont(";s", 2, 2, &step), 0);
	assert_int_equal(step, 2); /* no thread: the current one */
	assert_int_equal(gdb_parse_vcont(";c:1;s:2", 2, 1, &step), 0);
	assert_int_equal(step, 2);
	assert_int_equal(gdb_parse_vcont(";S05:1;c", 2, 2, &step), 0);
	assert_int_equal(step, 1);
	assert_int_equal(gdb_parse_vcont(";C02", 2, 1, &step), 0);
	assert_int_equal(step, 0);
	assert_int_equal(gdb_parse_vcont(";s:1;s:2", 2, 1, &step), 0);
	assert_int_equal(step, 1); /* the first applicable action wins */
	assert_int_equal(gdb_parse_vcont("", 2, 1, &step), -EINVAL);
	assert_int_equal(gdb_parse_vcont(";", 2, 1, &step), -EINVAL);
	assert_int_equal(gdb_parse_vcont(";t", 2, 1, &step), -EINVAL);
	assert_int_equal(gdb_parse_vcont(";s:3", 2, 1, &step), -EINVAL);
	assert_int_equal(gdb_parse_vcont(";cx", 2, 1, &step), -EINVAL);
	assert_int_equal(gdb_parse_vcont(";C5", 2, 1, &step), -EINVAL);
	assert_int_equal(gdb_parse_vcont(";c;;c", 2, 1, &step), -EINVAL);
	assert_int_equal(gdb_parse_vcont(";c:1111111111111111111111111111111111", 2, 1, &step),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_z),
		cmocka_unit_test(test_dr_slots),
		cmocka_unit_test(test_build_dr7),
		cmocka_unit_test(test_sw_breakpoints),
		cmocka_unit_test(test_parse_thread),
		cmocka_unit_test(test_parse_vcont),
	};

	return cmocka_run_group_tests_name("gdb_debug", tests, NULL, NULL);
}
