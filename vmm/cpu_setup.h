/* The -cpu configuration in the machine (glue): parse, check against KVM, decide the TSC
 * frequency, build the vCPU CPUID base table. Used by vm_create and the cpuid/tsc tools. */
#ifndef ENLIGHT_CPU_SETUP_H
#define ENLIGHT_CPU_SETUP_H

#include <stdint.h>

#include "vmm/cpu_config.h"
#include "vmm/cpuid.h"
#include "vmm/tsc_plan.h"

struct vm;

/* argv strings are char * by convention; the tools build them from literals. */
#define ARG(s) ((char *)(uintptr_t)(s))

struct cpu_setup {
	struct cpu_config cfg;
	struct tsc_host tsc_host;
	struct tsc_plan tsc;
	struct cpu_dropped dropped;
	struct cpuid_table base; /* model table, before topology and Hyper-V */
	bool warn;     /* print the dropped-feature warnings (once) */
	bool tsc_done; /* cpu_setup_tsc ran */
};

/* KVM_GET_SUPPORTED_CPUID into t. */
int cpu_host_cpuid(int kvm_fd, struct cpuid_table *t);
/* The host TSC rate as KVM reports it to a fresh vCPU of a throw-away VM; 0 if unknown. */
uint32_t cpu_host_tsc_khz(int kvm_fd);

/* After vm->caps and vm->host_cpuid exist, before hyperv_handle_properties: parses -cpu into
 * vm->cpu. Prints one error line and returns -errno when the configuration is bad. warn:
 * print the dropped-feature warnings (when cpu_setup_tsc builds the table). */
int cpu_setup_vm(struct vm *vm, bool warn);
/* The TSC plan (tsc-frequency against the host's rate) and the model's CPUID table, given the
 * host TSC rate: vcpu_create calls it for vCPU 0 with what KVM_GET_TSC_KHZ says of that
 * vCPU before any KVM_SET_TSC_KHZ (so no throw-away VM is needed to learn the rate), the
 * tools with cpu_host_tsc_khz(). Sets vm->tsc_khz. -errno after one error line (enforce,
 * tsc-frequency out of range) — still before any guest code runs. */
int cpu_setup_tsc(struct vm *vm, uint32_t host_khz);
void cpu_setup_destroy(struct vm *vm);

/* vCPU init step "TSC kHz" (QEMU kvm_arch_set_tsc_khz): KVM_SET_TSC_KHZ as planned, then
 * KVM_GET_TSC_KHZ into v->tsc_khz (and vm->tsc_khz for vCPU 0, which the Hyper-V frequency MSR
 * and reference page use). */
struct vcpu;
int cpu_vcpu_tsc(struct vcpu *v);

/* The table KVM_SET_CPUID2 gets for vCPU index: base + topology + the vcpu_cpuid hook. */
int cpu_vcpu_table(struct vm *vm, unsigned index, struct cpuid_table *out);

/* Subcommands (vmm/tool_cpuid.c, vmm/tool_tsc.c); return the process exit status. */
int cpuid_tool_main(int argc, char **argv);
int tsc_tool_main(int argc, char **argv);
/* Boot payload (a name under build/firmware/ next to the binary, or an absolute path) in a
 * child enlight with args, serial to a file; *serial gets the output (malloc'd). Returns the
 * child's exit status or -errno. */
int tool_run_guest(char *const *args, int nargs, const char *payload, const char *append,
		   char **serial);

#endif
