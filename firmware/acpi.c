/* acpi: finds and checks the firmware tables the way an OS does, then leaves through them.
 *
 *   RSDP: EBDA first KiB, then 0xE0000-0xFFFFF on 16-byte boundaries (ACPI 6.4 §5.2.5.1)
 *   XSDT and RSDT: every table's checksum, the same tables in both
 *   FADT -> DSDT (checksum, _S5 package) and FACS; MADT CPUs == fw_cfg NB_CPUS; MCFG ECAM
 *   SMBIOS 3.0 entry point in 0xF0000-0xFFFFF (DSP0134 §5.2.2)
 *   SRAT (with -numa; ACPI 6.4 §5.2.16): one processor entry per MADT APIC ID, each in the
 *   node QEMU's FW_CFG_NUMA gives that APIC ID, memory ranges outside the 640 KiB-1 MiB and
 *   ECAM-4 GiB holes that sum to fw_cfg RAM_SIZE (less the 384 KiB under the legacy hole,
 *   which QEMU's layout leaves out) and, per node, to FW_CFG_NUMA's size. Without -numa:
 *   no SRAT and a node count of 0.
 * Then, by command line:
 *   (default)  power off: SLP_TYPa from \_S5 | SLP_EN to FADT PM1a_CNT_BLK -> status 0
 *   reset      the FADT reset register gets RESET_VALUE -> status 0 under -no-reboot
 * Reaching the line after either is a failure.
 */
#include "fw.h"

#define GRACE_US 500000

#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NUMA     0x0d
#define MAX_APIC_IDS    512
#define MAX_NODES       16
#define HOLE_640K       0xA0000ull
#define HOLE_640K_END   0x100000ull
#define ECAM_BASE       0xB0000000ull
#define FOUR_GIB        0x100000000ull

struct sdt {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));

static uint8_t sum8(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static const uint8_t *scan(uint64_t from, uint64_t to, const char *sig, size_t siglen,
			   size_t cklen)
{
	for (uint64_t a = from; a + cklen <= to; a += 16) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)a;

		if (!memcmp(p, sig, siglen) && sum8(p, cklen) == 0)
			return p;
	}
	return NULL;
}

static const uint8_t *find_rsdp(void)
{
	/* BDA word 0x40E: the EBDA segment. The asm hides the constant address from GCC's
	 * array-bounds check (address 0x40E looks like a null-page access to it). */
	const volatile uint16_t *bda;
	uint64_t ebda;

	__asm__("" : "=r"(bda) : "0"((uintptr_t)0x40E));
	ebda = (uint64_t)*bda << 4;
	const uint8_t *p = NULL;

	if (ebda >= 0x80000 && ebda < 0xA0000)
		p = scan(ebda, ebda + 1024, "RSD PTR ", 8, 20);
	return p ? p : scan(0xE0000, 0x100000, "RSD PTR ", 8, 20);
}

static const struct sdt *xsdt_find(const struct sdt *xsdt, const char *sig)
{
	unsigned n = (xsdt->length - sizeof(*xsdt)) / 8;
	const uint8_t *e = (const uint8_t *)(xsdt + 1);

	for (unsigned i = 0; i < n; i++) {
		const struct sdt *t = (const struct sdt *)(uintptr_t)get64(e + 8 * i);

		if (!memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

static unsigned madt_cpus(const struct sdt *madt)
{
	const uint8_t *p = (const uint8_t *)madt + 44, *end = (const uint8_t *)madt + madt->length;
	unsigned n = 0;

	while (p + 2 <= end && p[1] >= 2) {
		if (p[0] == 0 && (get32(p + 4) & 1))      /* Local APIC, enabled */
			n++;
		else if (p[0] == 9 && (get32(p + 8) & 1)) /* Local x2APIC, enabled */
			n++;
		p += p[1];
	}
	return n;
}

/* APIC IDs of the MADT's enabled Local APIC (type 0) and Local x2APIC (type 9) entries. */
static unsigned madt_ids(const struct sdt *madt, uint32_t *ids, unsigned cap)
{
	const uint8_t *p = (const uint8_t *)madt + 44, *end = (const uint8_t *)madt + madt->length;
	unsigned n = 0;

	while (p + 2 <= end && p[1] >= 2 && n < cap) {
		if (p[0] == 0 && (get32(p + 4) & 1))
			ids[n++] = p[3];
		else if (p[0] == 9 && (get32(p + 8) & 1))
			ids[n++] = get32(p + 4);
		p += p[1];
	}
	return n;
}

static bool overlaps(uint64_t base, uint64_t len, uint64_t lo, uint64_t hi)
{
	return base < hi && base + len > lo;
}

/* The SRAT against the MADT and fw_cfg (see the top of this file). The per-APIC-ID part of
 * FW_CFG_NUMA has QEMU's APIC ID limit entries: the highest MADT ID + 1 while -smp has no
 * maxcpus above cpus. */
static void check_srat(const struct sdt *srat, const struct sdt *madt)
{
	static uint32_t ids[MAX_APIC_IDS];
	static uint64_t fw_node[MAX_APIC_IDS];
	static uint8_t seen[MAX_APIC_IDS];
	uint64_t fw_mem[MAX_NODES] = { 0 }, srat_mem[MAX_NODES] = { 0 }, nnodes = 0, ram = 0;
	uint64_t total = 0;
	unsigned nids = madt ? madt_ids(madt, ids, MAX_APIC_IDS) : 0, limit = 0, ncpu = 0;
	unsigned bad_cpu = 0, bad_mem = 0;
	const uint8_t *p, *end;

	fwcfg_read(FW_CFG_RAM_SIZE, &ram, sizeof(ram));
	fwcfg_read(FW_CFG_NUMA, &nnodes, sizeof(nnodes));
	if (!srat) {
		ok(nnodes == 0, "no SRAT, fw_cfg NUMA node count %u", (unsigned)nnodes);
		return;
	}
	for (unsigned i = 0; i < nids; i++)
		if (ids[i] + 1 > limit)
			limit = ids[i] + 1;
	if (nnodes < 1 || nnodes > MAX_NODES || limit > MAX_APIC_IDS) {
		ok(false, "SRAT: fw_cfg NUMA has %u nodes (1-%u), APIC ID limit %u (at most %u)",
		   (unsigned)nnodes, MAX_NODES, limit, MAX_APIC_IDS);
		return;
	}
	fwcfg_read_more(fw_node, 8 * limit);
	fwcfg_read_more(fw_mem, 8 * nnodes);
	memset(seen, 0, sizeof(seen));
	p = (const uint8_t *)srat + 48;
	end = (const uint8_t *)srat + srat->length;
	for (; p + 2 <= end && p[1] >= 2; p += p[1]) {
		uint32_t id, node;
		unsigned k;

		if (p[0] == 1) { /* Memory Affinity */
			uint64_t base = get64(p + 8), len = get64(p + 16);

			node = get32(p + 2);
			diag("SRAT memory 0x%llx-0x%llx node %u", (unsigned long long)base,
			     (unsigned long long)(base + len - 1), node);
			if (node >= nnodes || !(get32(p + 28) & 1) ||
			    overlaps(base, len, HOLE_640K, HOLE_640K_END) ||
			    overlaps(base, len, ECAM_BASE, FOUR_GIB))
				bad_mem++;
			else
				srat_mem[node] += len;
			total += len;
			continue;
		}
		if (p[0] == 0) {
			id = p[3];
			node = p[2] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 |
			       (uint32_t)p[11] << 24;
		} else if (p[0] == 2) {
			id = get32(p + 8);
			node = get32(p + 4);
		} else {
			continue;
		}
		ncpu++;
		for (k = 0; k < nids && ids[k] != id; k++)
			;
		if (k == nids || id >= limit || seen[id]++ || fw_node[id] != node) {
			diag("SRAT APIC ID %u node %u: not in the MADT, twice, or fw_cfg says %u",
			     id, node, id < limit ? (unsigned)fw_node[id] : 0u);
			bad_cpu++;
		}
	}
	/* QEMU's layout counts the 384 KiB below 1 MiB in node 0 but gives it no range. */
	srat_mem[0] += HOLE_640K_END - HOLE_640K;
	for (unsigned n = 0; n < nnodes; n++)
		if (srat_mem[n] != fw_mem[n]) {
			diag("node %u: SRAT ranges (+ the 640 KiB hole for node 0) %llu bytes, "
			     "fw_cfg NUMA %llu", n, (unsigned long long)srat_mem[n],
			     (unsigned long long)fw_mem[n]);
			bad_mem++;
		}
	ok(ncpu == nids && bad_cpu == 0 && bad_mem == 0 &&
	   total + (HOLE_640K_END - HOLE_640K) == ram,
	   "SRAT: %u CPUs on the MADT's APIC IDs in fw_cfg's nodes, %u nodes, RAM ranges + hole "
	   "%llu MiB of %llu MiB # %u bad CPUs, %u bad ranges", ncpu, (unsigned)nnodes,
	   (unsigned long long)((total + HOLE_640K_END - HOLE_640K) >> 20),
	   (unsigned long long)(ram >> 20), bad_cpu, bad_mem);
}

/* \_S5: NameOp "_S5_" PackageOp PkgLength NumElements, then SLP_TYPa as Zero/One/BytePrefix. */
static int s5_slp_typ(const struct sdt *dsdt)
{
	const uint8_t *p = (const uint8_t *)dsdt, *end = p + dsdt->length;

	for (; p + 8 < end; p++) {
		const uint8_t *q;

		if (p[0] != 0x08 || memcmp(p + 1, "_S5_", 4) || p[5] != 0x12)
			continue;
		q = p + 6 + ((p[6] >> 6) + 1) + 1; /* skip PkgLength and NumElements */
		if (q[0] == 0x00 || q[0] == 0x01)
			return q[0];
		if (q[0] == 0x0A)
			return q[1];
	}
	return -1;
}

__attribute__((noreturn)) static void leave(const uint8_t *fadt, int slp_typ)
{
	if (cmdline_has("reset")) {
		const uint8_t *gas = fadt + 116;

		printf("acpi: writing 0x%x to reset register 0x%x (space %u)\n", fadt[128],
		       (unsigned)get64(gas + 4), gas[0]);
		if (gas[0] == 1)
			outb((uint16_t)get64(gas + 4), fadt[128]);
		pm_delay_us(GRACE_US);
		ok(false, "reset through the FADT reset register # still running");
	} else {
		uint16_t cnt = (uint16_t)get32(fadt + 64);

		printf("acpi: S5: writing SLP_TYP %d | SLP_EN to PM1a_CNT 0x%x\n", slp_typ, cnt);
		outw(cnt, (uint16_t)((slp_typ << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN));
		pm_delay_us(GRACE_US);
		ok(false, "power off through FADT PM1a_CNT # still running");
	}
	tap_done();
}

int main(const struct multiboot_info *mbi)
{
	const uint8_t *rsdp, *sm3;
	const struct sdt *xsdt, *rsdt, *fadt = NULL, *madt, *mcfg, *dsdt = NULL;
	unsigned n, bad = 0, cpus, want_cpus = fwcfg_nb_cpus();
	int slp_typ = -1;

	(void)mbi;
	tap_plan(11);
	rsdp = find_rsdp();
	if (!ok(rsdp != NULL, "RSDP found in the EBDA or 0xE0000-0xFFFFF"))
		tap_done();
	diag("RSDP at %p", rsdp);
	ok(rsdp[15] >= 2 && sum8(rsdp, get32(rsdp + 20)) == 0,
	   "RSDP revision %u, extended checksum", rsdp[15]);
	xsdt = (const struct sdt *)(uintptr_t)get64(rsdp + 24);
	rsdt = (const struct sdt *)(uintptr_t)get32(rsdp + 16);
	if (!ok(!memcmp(xsdt->sig, "XSDT", 4) && sum8(xsdt, xsdt->length) == 0 &&
		!memcmp(rsdt->sig, "RSDT", 4) && sum8(rsdt, rsdt->length) == 0,
		"XSDT and RSDT signatures and checksums"))
		tap_done();
	n = (xsdt->length - sizeof(*xsdt)) / 8;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *x = (const uint8_t *)(xsdt + 1) + 8 * i;
		const struct sdt *t = (const struct sdt *)(uintptr_t)get64(x);
		uint32_t r = get32((const uint8_t *)(rsdt + 1) + 4 * i);
		char sig[5] = { t->sig[0], t->sig[1], t->sig[2], t->sig[3], 0 };

		diag("%s at %p, %u bytes", sig, t, t->length);
		if (sum8(t, t->length) || r != (uint32_t)(uintptr_t)t)
			bad++;
	}
	ok(n >= 4 && bad == 0 && (rsdt->length - sizeof(*rsdt)) / 4 == n,
	   "%u tables, every checksum valid, RSDT == XSDT # %u bad", n, bad);
	fadt = xsdt_find(xsdt, "FACP");
	if (fadt) {
		const uint8_t *f = (const uint8_t *)fadt;
		const uint8_t *facs = (const uint8_t *)(uintptr_t)get64(f + 132);

		dsdt = (const struct sdt *)(uintptr_t)get64(f + 140);
		ok(!memcmp(dsdt->sig, "DSDT", 4) && sum8(dsdt, dsdt->length) == 0 &&
		   !memcmp(facs, "FACS", 4) && get32(facs + 4) == 64 &&
		   get32(f + 36) == (uint32_t)(uintptr_t)facs,
		   "FADT -> DSDT (checksum) and FACS (64 bytes)");
	} else {
		ok(false, "FADT present");
	}
	madt = xsdt_find(xsdt, "APIC");
	cpus = madt ? madt_cpus(madt) : 0;
	ok(madt && cpus == want_cpus, "MADT lists %u CPUs, fw_cfg NB_CPUS %u", cpus, want_cpus);
	mcfg = xsdt_find(xsdt, "MCFG");
	ok(mcfg && get64((const uint8_t *)mcfg + 44) == 0xB0000000ull,
	   "MCFG: ECAM at 0xB0000000");
	slp_typ = dsdt ? s5_slp_typ(dsdt) : -1;
	ok(slp_typ >= 0, "DSDT \\_S5 SLP_TYPa %d", slp_typ);
	sm3 = scan(0xF0000, 0x100000, "_SM3_", 5, 24);
	ok(sm3 && get64(sm3 + 16) >= 0xF0000 && get64(sm3 + 16) < 0x100000 &&
	   ((const uint8_t *)(uintptr_t)get64(sm3 + 16))[0] == 0,
	   "SMBIOS 3.0 entry point, type 0 first");
	check_srat(xsdt_find(xsdt, "SRAT"), madt);
	if (!fadt || slp_typ < 0)
		tap_done();
	leave((const uint8_t *)fadt, slp_typ);
}
