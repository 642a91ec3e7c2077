/* -numa: parsing and checks (QEMU's wording), the RAM ranges over the q35 map (the 640 KiB
 * hole and the hole below 4 GiB), the SRAT that fwtables_build makes from a command line
 * (decoded here and compared with the layout), and QEMU's FW_CFG_NUMA item, which must agree
 * with the SRAT. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/fwtables.h"
#include "vmm/config.h"
#include "vmm/cpuid.h"
#include "vmm/dev/fw_cfg.h"
#include "vmm/log.h"
#include "vmm/memmap.h"
#include "vmm/numa.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* cli_parse over a space-separated command line (after "enlight"). */
static int parse_line(const char *line, struct vm_config *cfg, char *err, unsigned errlen)
{
	char *copy = strdup(line), *save = NULL;
	char *argv[64] = { (char *)"enlight" };
	int argc = 1, r;

	assert_non_null(copy);
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		assert_true(argc < 63);
		argv[argc++] = t;
	}
	r = cli_parse(argc, argv, cfg, err, errlen);
	free(copy);
	return r;
}

struct srat_cpu {
	uint8_t type;
	uint32_t apic_id, node;
};

struct srat_mem {
	uint64_t base, len;
	uint32_t node;
};

struct srat {
	unsigned ncpu, nmem;
	struct srat_cpu cpu[512];
	struct srat_mem mem[16];
};

/* Decodes the SRAT of the direct-boot tables; checks the header and that entries tile it. */
static void srat_decode(const struct fwtables *t, struct srat *s)
{
	const struct acpi_table_loc *l = acpi_tables_find(&t->direct, "SRAT");
	const uint8_t *p;
	uint32_t off = SRAT_ENTRIES;

	assert_non_null(l);
	p = acpi_tables_data(&t->direct, l);
	memset(s, 0, sizeof(*s));
	assert_int_equal(le32_get(p + ACPI_HDR_LENGTH), l->length);
	assert_int_equal(acpi_sum(p, l->length), 0);
	assert_int_equal(p[ACPI_HDR_REVISION], ACPI_SRAT_REV);
	assert_int_equal(le32_get(p + ACPI_HDR_SIZE), 1);
	while (off < l->length) {
		const uint8_t *e = p + off;

		assert_true(off + 2 <= l->length && e[1] >= 2 && off + e[1] <= l->length);
		switch (e[0]) {
		case SRAT_TYPE_LAPIC:
			assert_int_equal(e[1], SRAT_LAPIC_LEN);
			assert_int_equal(le32_get(e + SRAT_LAPIC_FLAGS), SRAT_F_ENABLED);
			assert_true(s->ncpu < ARRAY_SIZE(s->cpu));
			s->cpu[s->ncpu++] = (struct srat_cpu){
				e[0], e[SRAT_LAPIC_APIC_ID],
				e[SRAT_LAPIC_DOMAIN_LO] | (uint32_t)e[SRAT_LAPIC_DOMAIN_HI] << 8 |
					(uint32_t)le16_get(e + SRAT_LAPIC_DOMAIN_HI + 1) << 16 };
			break;
		case SRAT_TYPE_X2APIC:
			assert_int_equal(e[1], SRAT_X2APIC_LEN);
			assert_int_equal(le32_get(e + SRAT_X2APIC_FLAGS), SRAT_F_ENABLED);
			assert_true(s->ncpu < ARRAY_SIZE(s->cpu));
			s->cpu[s->ncpu++] = (struct srat_cpu){ e[0], le32_get(e + SRAT_X2APIC_ID),
							       le32_get(e + SRAT_X2APIC_DOMAIN) };
			break;
		case SRAT_TYPE_MEMORY:
			assert_int_equal(e[1], SRAT_MEMORY_LEN);
			assert_int_equal(le32_get(e + SRAT_MEM_FLAGS), SRAT_F_ENABLED);
			assert_true(s->nmem < ARRAY_SIZE(s->mem));
			s->mem[s->nmem++] = (struct srat_mem){ le64_get(e + SRAT_MEM_BASE),
							       le64_get(e + SRAT_MEM_LENGTH),
							       le32_get(e + SRAT_MEM_DOMAIN) };
			break;
		default:
			fail_msg("unexpected SRAT entry type %u", e[0]);
		}
		off += e[1];
	}
	assert_int_equal(off, l->length);
}

/* FW_CFG_NUMA through fwtables_export, as the guest reads it. */
static void fwcfg_numa(const struct fwtables *t, uint64_t *out, size_t cap, size_t *n)
{
	struct fw_cfg fc;
	const uint8_t *p;
	size_t len;

	assert_int_equal(fw_cfg_init(&fc, &(struct fw_cfg_config){ 0 }), 0);
	assert_int_equal(fwtables_export(t, &fc), 0);
	p = fw_cfg_get(&fc, FW_CFG_NUMA, &len);
	assert_non_null(p);
	assert_int_equal(len % 8, 0);
	assert_true(len / 8 <= cap);
	*n = len / 8;
	for (size_t i = 0; i < *n; i++)
		out[i] = le64_get(p + 8 * i);
	fw_cfg_destroy(&fc);
}

struct want_mem {
	uint64_t base, len;
	uint32_t node;
};

/* Builds the tables for line; the SRAT must list want_mem and put vCPU i (APIC ID from the
 * topology) in want_node[i]; FW_CFG_NUMA must say the same. */
static void check_layout(const char *line, const uint32_t *want_node,
			 const struct want_mem *want_mem, unsigned nmem, unsigned nnodes)
{
	struct vm_config *cfg = calloc(1, sizeof(*cfg));
	struct fwtables *t = calloc(1, sizeof(*t));
	struct srat *s = calloc(1, sizeof(*s));
	uint64_t *blob = calloc(8192, sizeof(*blob));
	uint64_t ram_seen = 0, node_mem[NUMA_MAX_NODES] = { 0 };
	struct cpu_topo topo;
	struct q35_layout q;
	size_t nblob;
	char err[256];

	assert_int_equal(parse_line(line, cfg, err, sizeof(err)), 0);
	assert_int_equal(fwtables_build(cfg, t), 0);
	srat_decode(t, s);
	topo_from_smp(&cfg->smp, &topo);
	assert_int_equal(s->ncpu, cfg->smp.cpus);
	for (unsigned i = 0; i < s->ncpu; i++) {
		uint32_t id = topo_apic_id(&topo, i);

		assert_int_equal(s->cpu[i].apic_id, id);
		assert_int_equal(s->cpu[i].type, id <= 254 ? SRAT_TYPE_LAPIC : SRAT_TYPE_X2APIC);
		assert_int_equal(s->cpu[i].node, want_node[i]);
	}
	assert_int_equal(s->nmem, nmem);
	q35_layout_compute(cfg->ram_size, &q);
	for (unsigned i = 0; i < nmem; i++) {
		assert_int_equal(s->mem[i].base, want_mem[i].base);
		assert_int_equal(s->mem[i].len, want_mem[i].len);
		assert_int_equal(s->mem[i].node, want_mem[i].node);
		/* Never in the 640 KiB hole or the hole below 4 GiB. */
		assert_false(s->mem[i].base < 0x100000 && s->mem[i].base + s->mem[i].len > 0xA0000);
		assert_true(s->mem[i].base + s->mem[i].len <= q.below_4g ||
			    s->mem[i].base >= Q35_HIGHMEM_BASE);
		ram_seen += s->mem[i].len;
		node_mem[s->mem[i].node] += s->mem[i].len;
	}
	/* Every byte of RAM but the 384 KiB under the legacy hole. */
	assert_int_equal(ram_seen, cfg->ram_size - (0x100000 - 0xA0000));

	fwcfg_numa(t, blob, 8192, &nblob);
	{
		uint32_t limit = topo_apic_id(&topo, cfg->smp.maxcpus - 1) + 1;

		assert_int_equal(blob[0], nnodes);
		assert_int_equal(nblob, 1 + limit + nnodes);
		for (unsigned i = 0; i < cfg->smp.cpus; i++)
			assert_int_equal(blob[1 + topo_apic_id(&topo, i)], want_node[i]);
		for (unsigned n = 0; n < nnodes; n++)
			assert_int_equal(blob[1 + limit + n],
					 node_mem[n] + (n == 0 ? 0x100000 - 0xA0000 : 0));
	}
	fwtables_free(t);
	cli_free(cfg);
	free(blob);
	free(s);
	free(t);
	free(cfg);
}

static void test_two_nodes_split_cpus(void **state)
{
	/* Auto RAM (equal 8 MiB-aligned shares), vCPUs by socket. */
	static const uint32_t node[] = { 0, 0, 1, 1 };
	static const struct want_mem mem[] = {
		{ 0, 0xA0000, 0 },
		{ 0x100000, 128 * MiB - 0x100000, 0 },
		{ 128 * MiB, 128 * MiB, 1 },
	};

	(void)state;
	check_layout("-smp 4,sockets=2 -m 256 -numa node -numa node -kernel k", node, mem,
		     ARRAY_SIZE(mem), 2);
}

static void test_cpus_interleaved(void **state)
{
	static const uint32_t node[] = { 1, 0, 1, 0 };
	static const struct want_mem mem[] = {
		{ 0, 0xA0000, 0 },
		{ 0x100000, 32 * MiB - 0x100000, 0 },
		{ 32 * MiB, 96 * MiB, 1 },
	};

	(void)state;
	check_layout("-smp 4 -m 128 -numa node,nodeid=0,cpus=1,cpus=3,mem=32M "
		     "-numa node,nodeid=1,cpus=0,cpus=2,mem=96M -kernel k", node, mem,
		     ARRAY_SIZE(mem), 2);
}

static void test_memory_across_4g_hole(void **state)
{
	/* -m 4G: 2 GiB below 4 GiB (QEMU's q35 split), 2 GiB from 4 GiB. Node 0's 3 GiB runs
	 * into the hole and continues at 4 GiB. */
	static const uint32_t node[] = { 0, 0, 1, 1 };
	static const struct want_mem mem[] = {
		{ 0, 0xA0000, 0 },
		{ 0x100000, 2 * GiB - 0x100000, 0 },
		{ 4 * GiB, 1 * GiB, 0 },
		{ 5 * GiB, 1 * GiB, 1 },
	};

	(void)state;
	check_layout("-smp 4 -m 4G -numa node,cpus=0-1,mem=3G -numa node,cpus=2-3,mem=1G "
		     "-kernel k", node, mem, ARRAY_SIZE(mem), 2);
}

static void test_node_starts_at_hole(void **state)
{
	/* The third node begins exactly at below_4g: all of it is above 4 GiB. A node with
	 * mem=0 has CPUs and no memory range. */
	static const uint32_t node[] = { 0, 1, 2, 3 };
	static const struct want_mem mem[] = {
		{ 0, 0xA0000, 0 },
		{ 0x100000, 1 * GiB - 0x100000, 0 },
		{ 1 * GiB, 1 * GiB, 1 },
		{ 4 * GiB, 1 * GiB, 2 },
	};

	(void)state;
	check_layout("-smp 4 -m 3G -numa node,cpus=0,mem=1G -numa node,cpus=1,mem=1G "
		     "-numa node,cpus=2,mem=1G -numa node,cpus=3,mem=0 -kernel k", node, mem,
		     ARRAY_SIZE(mem), 4);
}

static void test_x2apic_cpus(void **state)
{
	static uint32_t node[300];
	static const struct want_mem mem[] = {
		{ 0, 0xA0000, 0 },
		{ 0x100000, 64 * MiB - 0x100000, 0 },
		{ 64 * MiB, 192 * MiB, 1 },
	};

	(void)state;
	for (unsigned i = 0; i < 300; i++)
		node[i] = i >= 150;
	check_layout("-smp 300 -m 256 -numa node,cpus=0-149,mem=64M -numa node,cpus=150-299,mem=192M "
		     "-kernel k", node, mem, ARRAY_SIZE(mem), 2);
}

static void test_no_numa(void **state)
{
	struct vm_config cfg;
	struct fwtables *t = calloc(1, sizeof(*t));
	uint64_t blob[8];
	size_t n;
	char err[256];

	(void)state;
	assert_int_equal(parse_line("-smp 2 -kernel k", &cfg, err, sizeof(err)), 0);
	assert_int_equal(fwtables_build(&cfg, t), 0);
	assert_null(acpi_tables_find(&t->direct, "SRAT"));
	assert_null(acpi_tables_find(&t->linked, "SRAT"));
	/* QEMU's FW_CFG_NUMA is there anyway: no nodes, a zero per APIC ID. */
	fwcfg_numa(t, blob, ARRAY_SIZE(blob), &n);
	assert_int_equal(n, 3);
	assert_int_equal(blob[0], 0);
	fwtables_free(t);
	cli_free(&cfg);
	free(t);
}

static void test_errors(void **state)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "-numa node,nodeid=128", "-numa: Max number of NUMA nodes reached: 128" },
		{ "-numa node,nodeid=0 -numa node,nodeid=0", "-numa: Duplicate NUMA nodeid: 0" },
		{ "-numa node,nodeid=2,mem=128M -numa node,nodeid=0",
		  "-numa: numa: Node ID missing: 1" },
		{ "-m 128 -numa node,mem=64M -numa node,mem=32M",
		  "-numa: total memory for NUMA nodes (0x6000000) should equal RAM size (0x8000000)" },
		{ "-m 128 -numa node,mem=64M -numa node",
		  "-numa: total memory for NUMA nodes (0x4000000) should equal RAM size (0x8000000)" },
		{ "-smp 4 -numa node,cpus=0-4", "-numa: CPU index (4) should be smaller than maxcpus (4)" },
		{ "-smp 4 -numa node,cpus=0-1 -numa node,cpus=1-3",
		  "-numa: CPU index (1) is in node 0 and node 1: give each vCPU to one node" },
		{ "-smp 4 -numa node,cpus=0-1 -numa node,cpus=3",
		  "-numa: CPU(s) not present in any NUMA nodes: CPU 2: assign every vCPU (0-3) with cpus=" },
		{ "-numa node,memdev=ram0", "-numa: memdev=ram0 is not supported: enlight has no -object "
		  "memory backends; give the node's RAM with mem=SIZE" },
		{ "-numa dist,src=0,dst=1,val=20", "-numa: dist is not supported" },
		{ "-numa cpu,node-id=0", "-numa: 'cpu' is not supported" },
		{ "-numa node,cpus=3-1", "-numa: cpus=3-1: give a vCPU index or a range A-B" },
		{ "-numa node,cpus=x", "-numa: cpus=x: give a vCPU index" },
		{ "-numa node,mem=lots", "-numa: mem=lots is not a size" },
		{ "-numa node,mem=5k", "-numa: mem=5k is not a multiple of 4 KiB" },
		{ "-numa node,colour=red", "-numa: node has no property 'colour'" },
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vm_config cfg;
		char line[256], err[256];

		snprintf(line, sizeof(line), "%s -kernel k", bad[i].line);
		assert_int_equal(parse_line(line, &cfg, err, sizeof(err)), -EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("'%s': got '%s', want '%s'", bad[i].line, err, bad[i].msg);
		cli_free(&cfg);
	}
}

static void test_order_and_defaults(void **state)
{
	struct vm_config cfg;
	struct numa_layout *l = calloc(1, sizeof(*l));
	char err[256];

	(void)state;
	/* -numa before -smp and -m; a node without nodeid= takes the next number. */
	assert_int_equal(parse_line("-numa node,cpus=2-3 -numa node,nodeid=1,cpus=0-1 -smp 4 "
				    "-m 200 -kernel k", &cfg, err, sizeof(err)), 0);
	assert_int_equal(numa_resolve(&cfg.numa, &cfg.smp, cfg.ram_size, l, err, sizeof(err)), 0);
	assert_int_equal(l->nnodes, 2);
	assert_int_equal(l->cpu_node[0], 1);
	assert_int_equal(l->cpu_node[3], 0);
	cli_free(&cfg);
	/* QEMU's quirk kept: the default id is the count so far, which may be taken. */
	assert_int_equal(parse_line("-numa node,nodeid=1 -numa node -kernel k", &cfg, err,
				    sizeof(err)), -EINVAL);
	assert_string_equal(err, "-numa: Duplicate NUMA nodeid: 1");
	cli_free(&cfg);
	assert_int_equal(parse_line("-numa node -numa node -smp 2 -m 200 -kernel k", &cfg, err,
				    sizeof(err)), 0);
	assert_int_equal(numa_resolve(&cfg.numa, &cfg.smp, cfg.ram_size, l, err, sizeof(err)), 0);
	/* 200 MiB over two nodes: 96 MiB (8 MiB-aligned share) and the rest. */
	assert_int_equal(l->mem[0], 96 * MiB);
	assert_int_equal(l->mem[1], 104 * MiB);
	cli_free(&cfg);
	free(l);
}

static void test_mem_ranges_small(void **state)
{
	struct numa_layout *l = calloc(1, sizeof(*l));
	struct numa_mem_range r[4];

	(void)state;
	/* Node 0 ends inside the 640 KiB - 1 MiB hole: node 1 starts at 1 MiB. */
	l->nnodes = 2;
	l->mem[0] = 0xC0000;
	l->mem[1] = 8 * MiB - 0xC0000;
	assert_int_equal(numa_mem_ranges(l, 8 * MiB, r, 4), 2);
	assert_int_equal(r[0].base, 0);
	assert_int_equal(r[0].len, 0xA0000);
	assert_int_equal(r[1].base, 0x100000);
	assert_int_equal(r[1].len, 8 * MiB - 0x100000);
	assert_int_equal(r[1].node, 1);
	assert_int_equal(numa_mem_ranges(l, 8 * MiB, r, 1), -E2BIG);
	free(l);
}

static void test_fw_cfg_blob_bounds(void **state)
{
	struct numa_layout *l = calloc(1, sizeof(*l));
	const uint32_t ids[2] = { 0, 5 };
	uint8_t *b = NULL;
	size_t len;

	(void)state;
	l->nnodes = 1;
	l->mem[0] = 64 * MiB;
	assert_int_equal(numa_fw_cfg_blob(l, ids, 2, 5, &b, &len), -EINVAL);
	assert_int_equal(numa_fw_cfg_blob(l, ids, 2, 6, &b, &len), 0);
	assert_int_equal(len, 8 * (1 + 6 + 1));
	assert_int_equal(le64_get(b), 1);
	assert_int_equal(le64_get(b + 8 * 7), 64 * MiB);
	free(b);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_nodes_split_cpus),
		cmocka_unit_test(test_cpus_interleaved),
		cmocka_unit_test(test_memory_across_4g_hole),
		cmocka_unit_test(test_node_starts_at_hole),
		cmocka_unit_test(test_x2apic_cpus),
		cmocka_unit_test(test_no_numa),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_order_and_defaults),
		cmocka_unit_test(test_mem_ranges_small),
		cmocka_unit_test(test_fw_cfg_blob_bounds),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("numa", tests, NULL, NULL);
}
