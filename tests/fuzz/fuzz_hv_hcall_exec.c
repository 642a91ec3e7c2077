/* libFuzzer target: hypercall execution (hyperv/hv_hcall_exec.h) against the fake 32 MiB RAM
 * + ROM, with a recording backend. Input: 8 bytes of features, 2 of VP count, 1 of flags
 * (bit 0: XMM fast input), 96 bytes of XMM0-5, then calls of 33 bytes: RCX, RDX, R8 (8 each),
 * an 8-byte word written to guest RAM at the input GPA's page offset (so slow calls see
 * chosen headers) and 1 selector byte (bit 0: point RDX at a page of RAM filled with the
 * input's next bytes). Checked: RAX holds only a status and the reps-completed field, and
 * every IPI/flush names an existing VP with a vector the TLFS allows. */
#include "fuzz.h"
#include "hyperv/hv_hcall_exec.h"
#include "hyperv/hv_proto.h"

struct rec {
	uint32_t nvps;
	unsigned calls;
};

static int rec_ipi(void *opaque, uint32_t vp, uint8_t vector)
{
	struct rec *r = opaque;

	if (vp >= r->nvps || vector < 16)
		abort(); /* TLFS: vectors 16-255, KVM's check; only existing VPs */
	r->calls++;
	return 0;
}

static void rec_flush(void *opaque, uint32_t vp)
{
	struct rec *r = opaque;

	if (vp >= r->nvps)
		abort();
	r->calls++;
}

static uint16_t rec_post(void *opaque, uint32_t conn_id, const struct hv_message *m)
{
	(void)opaque;
	if (m->payload_size > HV_MESSAGE_PAYLOAD_SIZE)
		abort();
	return (conn_id & 1) ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_CONNECTION_ID;
}

static uint16_t rec_signal(void *opaque, uint32_t conn_id)
{
	(void)opaque;
	return (conn_id & 1) ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_CONNECTION_ID;
}

static void rec_spin(void *opaque)
{
	(void)opaque;
}

static const struct hv_hcall_ops rec_ops = {
	.ipi = rec_ipi, .flush = rec_flush, .post_message = rec_post,
	.signal_event = rec_signal, .spin_wait = rec_spin,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem *m = fuzz_mem();
	struct fuzz_in in = { data, size };
	uint8_t xmm[HV_HCALL_XMM_REGS][16];
	struct rec rec = { 0 };
	struct hv_hcall_ctx c = { .gm = &m->gm, .ops = &rec_ops, .opaque = &rec };
	unsigned flags;

	c.features = fuzz_take(&in, 8);
	c.nvps = rec.nvps = (uint32_t)(fuzz_take(&in, 2) % (HV_HCALL_MAX_VPS + 2));
	flags = (unsigned)fuzz_take(&in, 1);
	for (unsigned i = 0; i < HV_HCALL_XMM_REGS; i++)
		for (unsigned k = 0; k < 16; k++)
			xmm[i][k] = (uint8_t)fuzz_take(&in, 1);
	c.xmm = (flags & 1) ? (const uint8_t(*)[16])xmm : NULL;
	while (fuzz_more(&in)) {
		uint64_t rcx = fuzz_take(&in, 8), rdx = fuzz_take(&in, 8), r8 = fuzz_take(&in, 8);
		uint64_t word = fuzz_take(&in, 8), rax;
		unsigned sel = (unsigned)fuzz_take(&in, 1);

		if (sel & 1) {
			/* the input block in RAM, filled from the fuzzer's next bytes */
			uint64_t gpa = (rdx % (FUZZ_RAM / 4096)) * 4096;
			uint8_t *page = gm_ptr_rw(&m->gm, gpa, 4096);

			if (!page)
				abort();
			for (unsigned k = 0; k < 4096 && fuzz_more(&in); k++)
				page[k] = (uint8_t)fuzz_take(&in, 1);
			rdx = gpa;
		} else {
			uint8_t *p = gm_ptr_rw(&m->gm, rdx & (FUZZ_RAM - 8) & ~7ull, 8);

			if (p)
				memcpy(p, &word, 8);
		}
		rax = hv_hcall_exec(&c, rcx, rdx, r8);
		/* TLFS "Hypercall Result Value": status [15:0], reps completed [43:32]; the
		 * rest is zero. */
		if (rax & ~(0xFFFFull | (0xFFFull << 32)))
			abort();
	}
	return 0;
}
