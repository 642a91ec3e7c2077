/* hyperv/hv_hcall_exec: hypercall execution, statuses, rep counts, GPAs, fast/slow, IPI and
 * flush targets, PostMessage/SignalEvent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_hcall_exec.h"
#include "hyperv/hv_hypercall.h"
#include "vmm/guest_mem.h"

#define RAM_SIZE	0x4000u
#define IN_GPA		0x1000u
#define OUT_GPA		0x2000u
#define NVPS		70u	/* spans two banks */

struct fix {
	uint8_t ram[RAM_SIZE];
	struct guest_mem gm;
	struct hv_synic_conns conns;
	struct hv_hcall_ctx ctx;
	uint8_t xmm[HV_HCALL_XMM_REGS][16];
	uint8_t ipi_vec[NVPS];
	unsigned nipi, nflush, nspin;
	uint8_t flushed[NVPS];
	struct hv_message last_msg;
	uint32_t last_evt;
};

static int op_ipi(void *opaque, uint32_t vp, uint8_t vector)
{
	struct fix *f = opaque;

	assert_true(vp < NVPS);
	f->ipi_vec[vp] = vector;
	f->nipi++;
	return 0;
}

static void op_flush(void *opaque, uint32_t vp)
{
	struct fix *f = opaque;

	assert_true(vp < NVPS);
	f->flushed[vp] = 1;
	f->nflush++;
}

static uint16_t op_post(void *opaque, uint32_t conn, const struct hv_message *m)
{
	struct fix *f = opaque;

	return hv_synic_conn_post(&f->conns, conn, m);
}

static uint16_t op_signal(void *opaque, uint32_t conn)
{
	struct fix *f = opaque;

	return hv_synic_conn_signal(&f->conns, conn);
}

static void op_spin(void *opaque)
{
	((struct fix *)opaque)->nspin++;
}

static const struct hv_hcall_ops ops = { op_ipi, op_flush, op_post, op_signal, op_spin };

static uint16_t msg_handler(void *opaque, const struct hv_message *m)
{
	((struct fix *)opaque)->last_msg = *m;
	return HV_STATUS_SUCCESS;
}

static uint16_t evt_handler(void *opaque, uint32_t id)
{
	((struct fix *)opaque)->last_evt = id;
	return HV_STATUS_SUCCESS;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || gm_add_slot(&f->gm, 0, RAM_SIZE, f->ram, false))
		return -1;
	f->ctx = (struct hv_hcall_ctx){
		.gm = &f->gm,
		.features = HV_FEAT_BIT(HV_FEAT_VPINDEX) | HV_FEAT_BIT(HV_FEAT_SYNIC) |
			    HV_FEAT_BIT(HV_FEAT_TLBFLUSH) | HV_FEAT_BIT(HV_FEAT_IPI),
		.nvps = NVPS,
		.ops = &ops,
		.opaque = f,
	};
	hv_synic_add_msg_conn(&f->conns, 0x123, msg_handler, f);
	hv_synic_add_evt_conn(&f->conns, 0x456, evt_handler, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint64_t ctl(uint16_t code, bool fast, unsigned varhdr, unsigned reps, unsigned start)
{
	return code | (fast ? HV_HCALL_FAST : 0) | ((uint64_t)varhdr << HV_HCALL_VARHDR_SHIFT) |
	       ((uint64_t)reps << HV_HCALL_REP_COUNT_SHIFT) |
	       ((uint64_t)start << HV_HCALL_REP_START_SHIFT);
}

static uint64_t run(struct fix *f, uint64_t rcx, uint64_t rdx, uint64_t r8)
{
	return hv_hcall_exec(&f->ctx, rcx, rdx, r8);
}

static void put64(struct fix *f, uint64_t gpa, const uint64_t *v, unsigned n)
{
	memcpy(f->ram + gpa, v, n * 8);
}

static uint16_t st(uint64_t rax)
{
	return rax & HV_HCALL_RESULT_STATUS_MASK;
}

static unsigned reps(uint64_t rax)
{
	return (rax & HV_HCALL_RESULT_REPS_MASK) >> HV_HCALL_RESULT_REPS_SHIFT;
}

static void test_codes_and_gating(void **state)
{
	struct fix *f = *state;

	assert_int_equal(st(run(f, ctl(0x99, false, 0, 0, 0), 0, 0)),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(st(run(f, ctl(HVCALL_RETRIEVE_DEBUG_DATA, false, 0, 0, 0), 0, 0)),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(st(run(f, ctl(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0, 0, 0) | (1ull << 27),
				0, 0)), HV_STATUS_INVALID_HYPERCALL_INPUT); /* reserved bit */
	assert_int_equal(st(run(f, ctl(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0, 0, 0), 5, 0)),
			 HV_STATUS_SUCCESS);
	assert_int_equal(f->nspin, 1);
	assert_int_equal(st(run(f, ctl(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0, 3, 0), 5, 0)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT); /* simple call with reps */
	/* feature gating: without hv-ipi the IPI call does not exist */
	f->ctx.features &= ~HV_FEAT_BIT(HV_FEAT_IPI);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, true, 0, 0, 0), 0x40, 1)),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(f->nipi, 0);
}

static void test_ipi(void **state)
{
	struct fix *f = *state;
	uint64_t in[2] = { 0x41, 0x5 };

	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, true, 0, 0, 0), 0x40, 0x6)), 0);
	assert_int_equal(f->nipi, 2);
	assert_int_equal(f->ipi_vec[1], 0x40);
	assert_int_equal(f->ipi_vec[2], 0x40);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, true, 0, 0, 0), 0x40 | (1ull << 32), 1)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT); /* VTL/padding in the fast form */
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, true, 0, 0, 0), 15, 1)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, true, 0, 0, 0), 256, 1)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(f->nipi, 2);
	put64(f, IN_GPA, in, 2);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, false, 0, 0, 0), IN_GPA, 0)), 0);
	assert_int_equal(f->nipi, 4);
	assert_int_equal(f->ipi_vec[0], 0x41);
	assert_int_equal(f->ipi_vec[2], 0x41);
	/* slow input GPAs: misaligned, crossing a page, outside RAM */
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, false, 0, 0, 0), IN_GPA + 4, 0)),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, false, 0, 0, 0), IN_GPA + 4088, 0)),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, false, 0, 0, 0), 0x100000, 0)),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI, false, 0, 0, 0), ~7ull, 0)),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(f->nipi, 4);
}

static void test_ipi_ex(void **state)
{
	struct fix *f = *state;
	/* vector, format sparse, banks 0 and 1, bank0 = VP 3, bank1 = VP 64+5 and 64+63 */
	uint64_t in[5] = { 0x50, HV_GENERIC_SET_SPARSE_4K, 0x3, 1ull << 3,
			   (1ull << 5) | (1ull << 63) };

	put64(f, IN_GPA, in, 5);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI_EX, false, 1, 0, 0), IN_GPA, 0)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT); /* var header != bank count */
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI_EX, false, 2, 0, 0), IN_GPA, 0)), 0);
	assert_int_equal(f->nipi, 2); /* VP 127 does not exist */
	assert_int_equal(f->ipi_vec[3], 0x50);
	assert_int_equal(f->ipi_vec[69], 0x50);
	/* all VPs */
	in[1] = HV_GENERIC_SET_ALL;
	in[2] = 0;
	put64(f, IN_GPA, in, 3);
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI_EX, false, 0, 0, 0), IN_GPA, 0)), 0);
	assert_int_equal(f->nipi, 2 + NVPS);
	/* fast without XMM input: the set does not fit in RDX/R8 */
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI_EX, true, 0, 0, 0), 0x50,
				HV_GENERIC_SET_SPARSE_4K)), HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* with XMM: valid-bank mask in XMM0 low, bank 0 in XMM0 high */
	f->ctx.xmm = (const uint8_t (*)[16])f->xmm;
	{
		uint64_t x[2] = { 1, 1ull << 9 };

		memcpy(f->xmm[0], x, 16);
	}
	assert_int_equal(st(run(f, ctl(HVCALL_SEND_IPI_EX, true, 1, 0, 0), 0x60,
				HV_GENERIC_SET_SPARSE_4K)), 0);
	assert_int_equal(f->ipi_vec[9], 0x60);
	assert_int_equal(f->nipi, 3 + NVPS);
}

static void test_flush(void **state)
{
	struct fix *f = *state;
	uint64_t in[3] = { 0x1000, 0, 1ull << 4 };
	uint64_t rax;

	put64(f, IN_GPA, in, 3);
	rax = run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0), IN_GPA, 0);
	assert_int_equal(st(rax), 0);
	assert_int_equal(f->nflush, 1);
	assert_true(f->flushed[4]);
	/* list: rep count reported complete */
	rax = run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 17, 0), IN_GPA, 0);
	assert_int_equal(st(rax), 0);
	assert_int_equal(reps(rax), 17);
	rax = run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 0, 0), IN_GPA, 0);
	assert_int_equal(st(rax), HV_STATUS_INVALID_HYPERCALL_INPUT); /* rep call, 0 reps */
	assert_int_equal(reps(rax), 0);
	rax = run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 4, 4), IN_GPA, 0);
	assert_int_equal(st(rax), HV_STATUS_INVALID_HYPERCALL_INPUT); /* start >= count */
	/* empty mask = all (KVM, for WS2012), as is the flag */
	f->nflush = 0;
	in[2] = 0;
	put64(f, IN_GPA, in, 3);
	assert_int_equal(st(run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0),
				IN_GPA, 0)), 0);
	assert_int_equal(f->nflush, NVPS);
	/* fast without XMM: the mask is in XMM0, so INVALID_HYPERCALL_INPUT */
	assert_int_equal(st(run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, true, 0, 0, 0), 0,
				HV_FLUSH_ALL_PROCESSORS)), HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* the header crosses a page */
	assert_int_equal(st(run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0),
				IN_GPA + 4080, 0)), HV_STATUS_INVALID_ALIGNMENT);
}

static void test_flush_ex(void **state)
{
	struct fix *f = *state;
	uint64_t in[5] = { 0, 0, HV_GENERIC_SET_SPARSE_4K, 0x2, 1ull << 1 };
	uint64_t rax;

	put64(f, IN_GPA, in, 5);
	rax = run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, false, 1, 3, 1), IN_GPA, 0);
	assert_int_equal(st(rax), 0);
	assert_int_equal(reps(rax), 3);
	assert_int_equal(f->nflush, 1);
	assert_true(f->flushed[65]);
	assert_int_equal(st(run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, false, 2, 0, 0),
				IN_GPA, 0)), HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* a set with no banks flushes nobody */
	in[3] = 0;
	put64(f, IN_GPA, in, 5);
	assert_int_equal(st(run(f, ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, false, 0, 0, 0),
				IN_GPA, 0)), 0);
	assert_int_equal(f->nflush, 1);
}

static void test_post_message(void **state)
{
	struct fix *f = *state;
	uint32_t hdr[4] = { 0x7000123, 0, 0x42, 4 };
	const uint64_t c = ctl(HVCALL_POST_MESSAGE, false, 0, 0, 0);

	memcpy(f->ram + IN_GPA, hdr, sizeof(hdr));
	memcpy(f->ram + IN_GPA + 16, "abcd", 4);
	assert_int_equal(st(run(f, c, IN_GPA, 0)), 0); /* id & 0xFFFFFF = 0x123 */
	assert_int_equal(f->last_msg.type, 0x42);
	assert_int_equal(f->last_msg.payload_size, 4);
	assert_memory_equal(f->last_msg.payload, "abcd", 4);
	hdr[3] = 240;
	memcpy(f->ram + IN_GPA, hdr, sizeof(hdr));
	assert_int_equal(st(run(f, c, IN_GPA, 0)), 0);
	hdr[3] = 241;
	memcpy(f->ram + IN_GPA, hdr, sizeof(hdr));
	assert_int_equal(st(run(f, c, IN_GPA, 0)), HV_STATUS_INVALID_HYPERCALL_INPUT);
	hdr[3] = 4;
	hdr[2] = 0;
	memcpy(f->ram + IN_GPA, hdr, sizeof(hdr));
	assert_int_equal(st(run(f, c, IN_GPA, 0)), HV_STATUS_INVALID_PARAMETER);
	hdr[2] = 0x80000010;
	memcpy(f->ram + IN_GPA, hdr, sizeof(hdr));
	assert_int_equal(st(run(f, c, IN_GPA, 0)), HV_STATUS_INVALID_PARAMETER);
	hdr[2] = 0x42;
	hdr[0] = 0x124;
	memcpy(f->ram + IN_GPA, hdr, sizeof(hdr));
	assert_int_equal(st(run(f, c, IN_GPA, 0)), HV_STATUS_INVALID_CONNECTION_ID);
	assert_int_equal(st(run(f, c, IN_GPA + 4, 0)), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(st(run(f, c, IN_GPA + 0xF80, 0)), HV_STATUS_INVALID_ALIGNMENT); /* page */
	assert_int_equal(st(run(f, c, 0x10000, 0)), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(st(run(f, ctl(HVCALL_POST_MESSAGE, true, 0, 0, 0), IN_GPA, 0)),
			 HV_STATUS_INVALID_HYPERCALL_CODE); /* QEMU: no fast form */
}

static void test_signal_event(void **state)
{
	struct fix *f = *state;
	const uint64_t fast = ctl(HVCALL_SIGNAL_EVENT, true, 0, 0, 0);
	uint64_t param = 0x456;

	assert_int_equal(st(run(f, fast, 0x456, 0)), 0);
	assert_int_equal(f->last_evt, 0x456);
	assert_int_equal(st(run(f, fast, 0x456 | (1ull << 32), 0)), HV_STATUS_INVALID_PORT_ID);
	assert_int_equal(st(run(f, fast, 0x456 | (1ull << 24), 0)),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(st(run(f, fast, 0x457, 0)), HV_STATUS_INVALID_CONNECTION_ID);
	put64(f, IN_GPA, &param, 1);
	f->last_evt = 0;
	assert_int_equal(st(run(f, ctl(HVCALL_SIGNAL_EVENT, false, 0, 0, 0), IN_GPA, 0)), 0);
	assert_int_equal(f->last_evt, 0x456);
	assert_int_equal(st(run(f, ctl(HVCALL_SIGNAL_EVENT, false, 0, 0, 0), IN_GPA + 2, 0)),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(st(run(f, ctl(HVCALL_SIGNAL_EVENT, false, 0, 0, 0), 0x80000, 0)),
			 HV_STATUS_INVALID_ALIGNMENT);
}

static void test_ext_query(void **state)
{
	struct fix *f = *state;
	uint64_t out = ~0ull;

	put64(f, OUT_GPA, &out, 1);
	assert_int_equal(st(run(f, ctl(HVCALL_EXT_QUERY_CAPABILITIES, false, 0, 0, 0), 0,
				OUT_GPA)), 0);
	memcpy(&out, f->ram + OUT_GPA, 8);
	assert_int_equal(out, 0);
	assert_int_equal(st(run(f, ctl(HVCALL_EXT_QUERY_CAPABILITIES, false, 0, 0, 0), 0,
				OUT_GPA + 1)), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(st(run(f, ctl(HVCALL_EXT_QUERY_CAPABILITIES, false, 0, 0, 0), 0,
				0x100000)), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(st(run(f, ctl(HVCALL_EXT_QUERY_CAPABILITIES, true, 0, 0, 0), 0,
				OUT_GPA)), HV_STATUS_INVALID_PARAMETER); /* KVM: slow only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_codes_and_gating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipi_ex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_ex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_query, setup, teardown),
	};

	return cmocka_run_group_tests_name("hv_hcall_exec", tests, NULL, NULL);
}
