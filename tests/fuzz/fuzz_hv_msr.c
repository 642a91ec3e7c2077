/* libFuzzer target: the userspace backend's synthetic MSRs (hyperv/hv_msr.h). Input: 8 bytes
 * of enabled features, 4 of TSC kHz, then accesses of 11 bytes: kind (bit 0 write, bit 1 any
 * 32-bit MSR instead of the Hyper-V ranges), MSR selector (2 bytes), value (8 bytes).
 * Page MSRs land in the fake RAM (32 MiB), its ROM, or nowhere. */
#include "fuzz.h"
#include "hyperv/hv_msr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem *m = fuzz_mem();
	struct fuzz_in in = { data, size };
	struct hv_msr_part part;
	struct hv_msr_vp vp;
	struct hv_msr_env env = { .gm = &m->gm };
	uint64_t features = fuzz_take(&in, 8);
	uint32_t khz = (uint32_t)fuzz_take(&in, 4);

	hv_msr_part_init(&part, features, khz, 0);
	hv_msr_vp_init(&vp, 0);
	while (fuzz_more(&in)) {
		unsigned kind = (unsigned)fuzz_take(&in, 1);
		uint32_t sel = (uint32_t)fuzz_take(&in, 2);
		uint64_t val = fuzz_take(&in, 8), out = 0;
		uint32_t msr = (kind & 2) ? sel * 0x10001u : 0x40000000u + sel % 0x120;
		enum hv_msr_res r;

		env.tsc += val & 0xFFFFFFFF;
		env.runtime_ns += val >> 40;
		if (kind & 1)
			r = hv_msr_write(&part, &vp, &env, msr, val);
		else
			r = hv_msr_read(&part, &vp, &env, msr, &out);
		if (r == HV_MSR_APIC && !hv_msr_apic_index(msr))
			abort();
		if (kind & 4) { /* a system reset between accesses */
			hv_msr_part_init(&part, features, khz, 0);
			hv_msr_vp_init(&vp, 0);
		}
	}
	return 0;
}
