/* cpuid_dump: prints every CPUID leaf and subleaf the BSP sees, one machine-readable line each:
 *     cpuid LLLLLLLL SS EAX EBX ECX EDX        (hex)
 * then "cpuid-dump: done N". `enlight cpuid --verify` compares this with the table it gave
 * KVM_SET_CPUID2. Ranges: basic 0..CPUID.0:EAX, hypervisor 0x40000000..CPUID.40000000H:EAX
 * (and the moved KVM range at 0x40000100 when present), extended 0x80000000..CPUID.80000000H:EAX.
 * Subleaves follow the SDM's enumeration rules (Vol. 2A, CPUID). */
#include "fw.h"

#define MAX_SUB 64u

static unsigned count;

static void dump(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = cpuid_count(leaf, sub);

	printf("cpuid %08x %02x %08x %08x %08x %08x\n", leaf, sub, r.eax, r.ebx, r.ecx, r.edx);
	count++;
}

/* How many subleaves leaf has (the last one printed is the terminator where there is one). */
static uint32_t subleaves(uint32_t leaf)
{
	uint32_t n;

	switch (leaf) {
	case 0x4: case 0x8000001d:	/* deterministic cache parameters: until type 0 */
		for (n = 0; n < MAX_SUB && (cpuid_count(leaf, n).eax & 0x1f); n++)
			;
		return n + 1;
	case 0xb: case 0x1f:		/* extended topology: until level type 0 */
		for (n = 0; n < MAX_SUB && (cpuid_count(leaf, n).ecx & 0xff00); n++)
			;
		return n + 1;
	case 0x7: case 0x14: case 0x17: case 0x18: case 0x1d: case 0x20:
		n = cpuid_count(leaf, 0).eax;	/* EAX = highest subleaf */
		return n < MAX_SUB ? n + 1 : MAX_SUB;
	case 0xd:			/* XSAVE: one subleaf per state component */
		return MAX_SUB;
	case 0xf: case 0x10: case 0x12:
		return 4;
	default:
		return 1;
	}
}

static void dump_range(uint32_t first, uint32_t last)
{
	if (last < first || last - first > 0xff)
		last = first;	/* a garbage maximum: print the first leaf only */
	for (uint32_t leaf = first; leaf <= last; leaf++) {
		uint32_t n = subleaves(leaf);

		for (uint32_t sub = 0; sub < n; sub++) {
			struct cpuid_regs r = cpuid_count(leaf, sub);

			/* XSAVE subleaves past 1 only for components that exist. */
			if (leaf == 0xd && sub > 1 && !r.eax && !r.ebx && !r.ecx && !r.edx)
				continue;
			dump(leaf, sub);
		}
	}
}

int main(const struct multiboot_info *mbi)
{
	uint32_t hv_max;

	(void)mbi;
	puts("cpuid-dump: start");
	dump_range(0, cpuid(0).eax);
	hv_max = cpuid(0x40000000).eax;
	if (hv_max >= 0x40000000)
		dump_range(0x40000000, hv_max);
	if (cpuid(0x40000100).eax >= 0x40000100 && cpuid(0x40000100).eax <= 0x400001ff)
		dump_range(0x40000100, cpuid(0x40000100).eax);
	dump_range(0x80000000, cpuid(0x80000000).eax);
	printf("cpuid-dump: done %u\n", count);
	tap_plan(1);
	ok(count > 0, "cpuid dumped # %u leaves/subleaves", count);
	tap_done();
}
