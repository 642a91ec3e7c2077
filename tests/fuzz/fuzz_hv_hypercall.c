/* libFuzzer target: hypercall input decoding and validation (hyperv/hv_hypercall.h) against
 * a fake guest memory, with the invariants the TLFS result and alignment rules give. When
 * the hypercall handlers land (hyperv/hv_hcall_exec.h) they are driven from here too: the
 * input is a sequence of 25-byte calls (control, input GPA, output GPA, feature byte). */
#include "fuzz.h"
#include "hyperv/hv_features.h"
#include "hyperv/hv_hypercall.h"
#include "hyperv/hv_proto.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void one_call(struct fuzz_in *in)
{
	struct fuzz_mem *m = fuzz_mem();
	uint64_t rcx = fuzz_take(in, 8), in_gpa = fuzz_take(in, 8), out_gpa = fuzz_take(in, 8);
	uint64_t features = fuzz_take(in, 1) * 0x0101010101010101ull;
	const struct hv_hcall_desc *d;
	struct hv_hcall_input hin;
	uint16_t st;
	uint64_t rax;

	hv_hcall_decode(rcx, &hin);
	CHECK(hin.code == (rcx & 0xFFFF) && hin.fast == !!(rcx & (1ull << 16)));
	CHECK(hin.rep_count < 4096 && hin.rep_start < 4096 && hin.var_hdr_qwords < 1024);
	d = hv_hcall_find(hin.code, features);
	CHECK(!d || d->code == hin.code);
	CHECK(!d || hv_hcall_lookup(hin.code) == d);
	st = hv_hcall_check(&hin, d);
	if (hin.reserved_bits_set)
		CHECK(st == HV_STATUS_INVALID_HYPERCALL_INPUT);
	if (st == HV_STATUS_SUCCESS) {
		CHECK(d);
		CHECK(!d->rep || (hin.rep_count && hin.rep_start < hin.rep_count));
	}
	if (st == HV_STATUS_SUCCESS && !hin.fast) {
		/* Slow call: both blocks, at most a page each, checked then mapped. */
		uint64_t len = 8 + (in_gpa & 0xFF8);

		if (hv_hcall_check_gpa(in_gpa, len) == HV_STATUS_SUCCESS) {
			CHECK((in_gpa & 7) == 0);
			CHECK((in_gpa >> HV_PAGE_SHIFT) == ((in_gpa + len - 1) >> HV_PAGE_SHIFT));
			(void)gm_ptr(&m->gm, in_gpa, len);
		}
		if (hv_hcall_check_gpa(out_gpa, len) == HV_STATUS_SUCCESS) {
			uint8_t *p = gm_ptr_rw(&m->gm, out_gpa, len);

			if (p)
				memset(p, 0, len);
		}
	}
	rax = hv_hcall_result(st, hin.rep_start);
	CHECK((rax & 0xFFFF) == st);
	CHECK((rax & 0xFFFFF000FFFF0000ull) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	while (fuzz_more(&in))
		one_call(&in);
	return 0;
}
