/* CPUID tables as KVM takes them (struct kvm_cpuid_entry2), and the topology arithmetic.
 * Pure: the host table comes in as data. */
#ifndef ENLIGHT_CPUID_H
#define ENLIGHT_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/config.h"

#define CPUID_MAX_ENTRIES 256

struct cpuid_table {
	unsigned n;
	struct kvm_cpuid_entry2 e[CPUID_MAX_ENTRIES];
};

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t fn, uint32_t idx);
/* Insert or replace; -E2BIG when full. */
int cpuid_set(struct cpuid_table *t, const struct kvm_cpuid_entry2 *e);
void cpuid_remove(struct cpuid_table *t, uint32_t fn);

/* Checked field setter (SDM field notation CPUID.01H:EBX[31:24]): -ERANGE if val does not
 * fit in bits hi..lo. */
int cpuid_set_field(uint32_t *reg, unsigned lo, unsigned hi, uint32_t val);

/* Topology: bit widths and the x2APIC ID of vCPU index i (QEMU's apicid_from_topo_ids). */
struct cpu_topo {
	unsigned thread_bits, core_bits, die_bits;
	unsigned threads, cores, dies, sockets;
};
void topo_from_smp(const struct smp_config *smp, struct cpu_topo *t);
uint32_t topo_apic_id(const struct cpu_topo *t, unsigned index);

/* Fill the per-vCPU topology fields (leaves 1, 4, 0xB, 0x1F; with an AMD vendor also
 * 0x80000008 ECX and 0x8000001E) for vCPU index in a table copied
 * from the host's supported CPUID. */
int cpuid_apply_topology(struct cpuid_table *t, const struct cpu_topo *topo, unsigned index);

#endif
