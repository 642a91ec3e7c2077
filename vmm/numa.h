/* -numa node[,nodeid=N][,cpus=A[-B]][,mem=SIZE]: the guest's NUMA layout, with QEMU's spelling,
 * defaults and error wording (hw/core/numa.c), and what the firmware tables need from it:
 *   - every vCPU's node (cpus=, or QEMU's default: socket id modulo the node count),
 *   - every node's RAM (mem=, or QEMU's legacy default: equal 8 MiB-aligned shares, the last
 *     node takes the rest), laid out in node order over the q35 memory map: node 0 from
 *     address 0, the next node where the previous ended; a node crossing 640 KiB loses the
 *     legacy hole up to 1 MiB and a node crossing below_4g continues at 4 GiB (QEMU's
 *     build_srat), so a node's RAM may be two or three ranges,
 *   - QEMU's FW_CFG_NUMA item (key 0x0d, hw/i386/fw_cfg.c fw_cfg_build_numa).
 * -numa node,memdev= (memory backends), -numa dist (SLIT), -numa cpu and -numa hmat-* are
 * refused. Pure: no KVM, no guest memory. */
#ifndef ENLIGHT_NUMA_H
#define ENLIGHT_NUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct smp_config;

#define NUMA_MAX_NODES      128 /* QEMU's MAX_NODES */
#define NUMA_MAX_CPU_RANGES 16  /* cpus= items per node */
#define NUMA_MAX_CPUS       4096
#define NUMA_MEM_ALIGN      (8ull << 20) /* QEMU: "each node's border has to be 8MB aligned" */
/* A node's RAM is at most three ranges, and the two holes split at most two nodes. */
#define NUMA_MAX_MEM_RANGES (NUMA_MAX_NODES + 2)
#define NUMA_HOLE_640K      0xA0000ull  /* legacy VGA/BIOS hole, 640 KiB - 1 MiB */
#define NUMA_HOLE_640K_END  0x100000ull

struct numa_cpu_range {
	uint16_t first, last;
};

struct numa_node_config {
	bool present, has_mem;
	uint64_t mem;
	unsigned nranges;
	struct numa_cpu_range cpus[NUMA_MAX_CPU_RANGES];
};

/* As parsed; numa_resolve checks it against -smp and -m. */
struct numa_config {
	unsigned nnodes; /* -numa node options given */
	struct numa_node_config node[NUMA_MAX_NODES];
};

/* The checked layout. */
struct numa_layout {
	unsigned nnodes;                   /* 0: no NUMA */
	uint64_t mem[NUMA_MAX_NODES];      /* RAM per node */
	uint8_t cpu_node[NUMA_MAX_CPUS];   /* node of vCPU index i (i < smp->cpus) */
};

struct numa_mem_range {
	uint64_t base, len;
	unsigned node;
};

/* Parses one -numa value ("node,nodeid=1,cpus=0-1,mem=1G"; opts is modified). 0, or -EINVAL
 * with one line in err (without the "-numa: " prefix). */
int numa_parse(struct numa_config *n, char *opts, char *err, unsigned errlen);

/* Checks the nodes against the vCPUs and RAM and fills out: node ids dense, the nodes' mem
 * summing to ram_size, every vCPU in exactly one node. 0, or -EINVAL with one line in err. */
int numa_resolve(const struct numa_config *n, const struct smp_config *smp, uint64_t ram_size,
		 struct numa_layout *out, char *err, unsigned errlen);
/* numa_resolve without keeping the layout (for the command line). */
int numa_check(const struct numa_config *n, const struct smp_config *smp, uint64_t ram_size,
	       char *err, unsigned errlen);

/* The nodes' RAM ranges over the q35 map with below_4g bytes of RAM under 4 GiB (see the top
 * of this file); empty ranges are left out. The count, or -E2BIG when cap is too small. */
int numa_mem_ranges(const struct numa_layout *l, uint64_t below_4g, struct numa_mem_range *out,
		    unsigned cap);

/* FW_CFG_NUMA as QEMU builds it: le64 node count, le64 node per APIC ID for APIC IDs below
 * apic_id_limit (IDs of absent vCPUs read node 0), le64 RAM per node. *out is malloc'ed. 0,
 * -EINVAL (an APIC ID at or above apic_id_limit) or -ENOMEM. */
int numa_fw_cfg_blob(const struct numa_layout *l, const uint32_t *apic_ids, unsigned ncpus,
		     uint32_t apic_id_limit, uint8_t **out, size_t *len);

#endif
