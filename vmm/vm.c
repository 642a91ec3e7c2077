/* Building and running the VM: /dev/kvm, the q35 memory map, the in-kernel irqchip and PIT,
 * the vCPUs, the watchdog and system reset. Devices are wired in vmm/machine_q35.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "acpi/fwtables.h"
#include "hyperv/hyperv.h"
#include "vmm/cpu_setup.h"
#include "vmm/hostmem.h"
#include "vmm/irqchip.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/loader/loader.h"
#include "vmm/bios.h"
#include "vmm/machine_q35.h"
#include "vmm/vm.h"

#define IOAPIC_PINS 24

uint64_t vm_clock_ns(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void vm_ctl_cb(void *opaque, enum vm_request req, int status)
{
	vm_request(opaque, req, status);
}

static void kick_handler(int sig)
{
	(void)sig; /* only interrupts KVM_RUN */
}

static int open_kvm(struct vm *vm)
{
	int r;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		r = -errno;
		pr_err("cannot open /dev/kvm: %s (is KVM enabled and accessible to this user?)",
		       strerror(errno));
		return r;
	}
	r = kvm_caps_probe(vm->kvm_fd, &vm->caps);
	if (r == -EPROTONOSUPPORT)
		pr_err("/dev/kvm: KVM API version %d, enlight needs %d", vm->caps.api_version,
		       KVM_API_VERSION_REQUIRED);
	else if (r)
		pr_err("/dev/kvm: probing capabilities: %s", strerror(-r));
	return r;
}

static int check_smp(struct vm *vm)
{
	const struct smp_config *smp = &vm->cfg->smp;
	unsigned max = (unsigned)vm->caps.val[KC_MAX_VCPUS];
	uint32_t top_id;

	if (smp->cpus > max || smp->maxcpus > max) {
		pr_err("-smp %u: this KVM allows at most %u vCPUs (KVM_CAP_MAX_VCPUS); use -smp %u or "
		       "fewer", smp->maxcpus, max, max);
		return -EINVAL;
	}
	top_id = topo_apic_id(&vm->topo, smp->maxcpus - 1);
	if (vm->caps.val[KC_MAX_VCPU_ID] && top_id >= (uint32_t)vm->caps.val[KC_MAX_VCPU_ID]) {
		pr_err("-smp %u: the topology gives APIC ID %u, above KVM's limit %d "
		       "(KVM_CAP_MAX_VCPU_ID); use a power-of-two cores/threads layout",
		       smp->maxcpus, top_id, vm->caps.val[KC_MAX_VCPU_ID]);
		return -EINVAL;
	}
	return 0;
}

/* -m beyond the host's RAM + swap can never run (vmm/hostmem.h); MAP_NORESERVE otherwise. */
static int check_host_mem(uint64_t ram_size)
{
	struct hostmem h;
	char err[512];
	int r = hostmem_read("/proc/meminfo", &h);

	if (r) {
		pr_warn("/proc/meminfo: %s; not checking -m against the host", strerror(-r));
		return 0;
	}
	r = hostmem_check(ram_size, &h, err, sizeof(err));
	if (r)
		pr_err("%s", err);
	return r;
}

static int get_host_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *c2 = calloc(1, sizeof(*c2) + CPUID_MAX_ENTRIES * sizeof(c2->entries[0]));
	int r;

	if (!c2)
		return -ENOMEM;
	c2->nent = CPUID_MAX_ENTRIES;
	r = kvm_get_supported_cpuid(vm->kvm_fd, c2);
	if (r < 0) {
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
		free(c2);
		return r;
	}
	vm->host_cpuid = calloc(1, sizeof(*vm->host_cpuid));
	if (!vm->host_cpuid) {
		free(c2);
		return -ENOMEM;
	}
	vm->host_cpuid->n = c2->nent;
	memcpy(vm->host_cpuid->e, c2->entries, c2->nent * sizeof(c2->entries[0]));
	free(c2);
	return 0;
}

static int alloc_ram(struct vm *vm)
{
	const struct q35_layout *l = &vm->layout;
	int r;

	vm->ram_map_size = (size_t)l->ram_size;
	vm->ram = mmap(NULL, vm->ram_map_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		r = -errno;
		vm->ram = NULL;
		pr_err("-m %" PRIu64 "M: cannot reserve guest RAM: %s; use a smaller -m",
		       l->ram_size >> 20, strerror(-r));
		return r;
	}
	madvise(vm->ram, vm->ram_map_size, MADV_MERGEABLE);
	r = gm_add_slot(&vm->mem, 0, l->below_4g, vm->ram, false);
	if (!r && l->above_4g)
		r = gm_add_slot(&vm->mem, Q35_HIGHMEM_BASE, l->above_4g, vm->ram + l->below_4g, false);
	return r;
}

/* QEMU's kvm_pc_setup_irq_routing: ISA IRQs to both PICs, GSI n to IOAPIC pin n, except that
 * the PIT's IRQ0 goes to IOAPIC pin 2 (the MADT's interrupt source override, ACPI 6.4 §5.2.12.5). */
static int setup_gsi_routing(struct vm *vm)
{
	struct kvm_irq_routing_entry e = { .type = KVM_IRQ_ROUTING_IRQCHIP };
	int r = 0;

	/* Rebuilt with the VM: later users (Hyper-V SINT routes) append to it and commit. */
	irq_routes_reset(&vm->routes, IOAPIC_PINS);
	for (unsigned i = 0; i < 16 && !r; i++) {
		if (i == 2)
			continue; /* the slave PIC's cascade */
		e.gsi = i;
		e.u.irqchip.irqchip = i < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		e.u.irqchip.pin = i % 8;
		r = irq_routes_add(&vm->routes, &e);
	}
	for (unsigned i = 0; i < IOAPIC_PINS && !r; i++) {
		if (i == 2)
			continue;
		e.gsi = i;
		e.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e.u.irqchip.pin = i == 0 ? 2 : i;
		r = irq_routes_add(&vm->routes, &e);
	}
	if (!r)
		r = irq_routes_commit(&vm->routes, vm->vm_fd);
	if (r < 0)
		pr_err("KVM_SET_GSI_ROUTING: %s", strerror(-r));
	return r;
}

/* KVM (6.18 on this project's host) frees a replaced I/O-bus array with call_srcu, and
 * kvm_destroy_vm waits for those callbacks (srcu_barrier): a VM destroyed within one normal
 * SRCU grace period of its last device registration (in-kernel irqchip, coalesced zones)
 * waits out the rest of it, 5-15 ms here (/proc/PID/stack during close: srcu_barrier in
 * kvm_destroy_vm). An expedited grace period finishes them sooner, and the one VM ioctl
 * that runs one on kvm->srcu without changing anything the guest sees is
 * KVM_SET_PMU_EVENT_FILTER with an empty deny list. So a helper thread issues it right
 * after the VM is built, while the guest runs, and teardown joins it before the VM fd
 * closes. A kernel without the ioctl (or with synchronous frees) just gains nothing. */
static void *vm_srcu_settle(void *arg)
{
	const struct vm *vm = arg;

	(void)kvm_set_pmu_event_filter_none(vm->vm_fd);
	return NULL;
}

static void vm_srcu_settle_start(struct vm *vm)
{
	vm->settle_running = !pthread_create(&vm->settle_thread, NULL, vm_srcu_settle, vm);
}

static void vm_srcu_settle_join(struct vm *vm)
{
	if (vm->settle_running)
		pthread_join(vm->settle_thread, NULL);
	vm->settle_running = false;
}

/* Everything that lives in KVM: rebuilt from scratch on a system reset, which gives every
 * vCPU KVM's exact power-on state. */
static int vm_kvm_build(struct vm *vm)
{
	int r;

	r = kvm_create_vm(vm->kvm_fd);
	if (r < 0) {
		pr_err("KVM_CREATE_VM: %s", strerror(-r));
		return r;
	}
	vm->vm_fd = r;
	if (vm->cfg->dirty_pages) {
		r = vm_dirty_enable(vm);
		if (r) {
			pr_err("--dirty-pages: enabling dirty logging: %s", strerror(-r));
			return r;
		}
	}
	r = kvm_set_identity_map_addr(vm->vm_fd, Q35_KVM_IDENTITY_MAP);
	if (!r)
		r = kvm_set_tss_addr(vm->vm_fd, Q35_KVM_TSS_ADDR);
	if (r) {
		pr_err("KVM_SET_TSS_ADDR/IDENTITY_MAP_ADDR: %s", strerror(-r));
		return r;
	}
	for (unsigned i = 0; i < vm->mem.count; i++) {
		const struct gm_slot *s = &vm->mem.slots[i];

		uint32_t flags = s->readonly ? KVM_MEM_READONLY
					     : (vm->dirty.enabled ? KVM_MEM_LOG_DIRTY_PAGES : 0);

		r = kvm_set_user_memory_region(vm->vm_fd, i, flags, s->gpa, s->size, s->hva);
		if (r) {
			pr_err("KVM_SET_USER_MEMORY_REGION slot %u (0x%" PRIx64 "+0x%" PRIx64 "): %s", i,
			       s->gpa, s->size, strerror(-r));
			return r;
		}
	}
	if (vm->irqchip) {
		/* kernel-irqchip=split: only the LAPICs in KVM (vmm/irqchip.h). */
		r = irqchip_kvm_setup(vm->irqchip);
		if (r)
			return r;
	} else {
		r = kvm_create_irqchip(vm->vm_fd);
		if (r) {
			pr_err("-machine kernel-irqchip=on: KVM_CREATE_IRQCHIP: %s", strerror(-r));
			return r;
		}
		r = setup_gsi_routing(vm);
		if (r)
			return r;
	}
	r = q35_kvm_setup(vm);
	if (!r && vm->hooks.vm_setup)
		r = vm->hooks.vm_setup(vm);
	if (r)
		return r;
	/* The array outlives resets (other threads may hold a pointer into it); its contents do
	 * not. */
	if (!vm->vcpus)
		vm->vcpus = calloc(vm->cfg->smp.cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	pthread_mutex_lock(&vm->vcpus_lock);
	for (unsigned i = 0; i < vm->cfg->smp.cpus && !r; i++) {
		r = vcpu_create(vm, &vm->vcpus[i], i);
		vm->nvcpus = i + 1;
	}
	pthread_mutex_unlock(&vm->vcpus_lock);
	if (!r)
		vm_srcu_settle_start(vm);
	return r;
}

static void vm_kvm_teardown(struct vm *vm)
{
	if (vm->irqchip)
		irqchip_kvm_teardown(vm->irqchip);
	if (vm->hooks.vm_teardown)
		vm->hooks.vm_teardown(vm);
	pthread_mutex_lock(&vm->vcpus_lock);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	vm->nvcpus = 0;
	pthread_mutex_unlock(&vm->vcpus_lock);
	vm->coalesced_ring = NULL;
	vm_srcu_settle_join(vm);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vm_fd = -1;
}

/* The ACPI/SMBIOS tables for this configuration and, with -bios, the firmware ROM slot. */
static int vm_firmware_setup(struct vm *vm)
{
	int r;

	vm->fwtables = calloc(1, sizeof(*vm->fwtables));
	if (!vm->fwtables)
		return -ENOMEM;
	r = fwtables_build(vm->cfg, vm->fwtables);
	if (r || !vm->cfg->bios)
		return r;
	vm->bios = calloc(1, sizeof(*vm->bios));
	if (!vm->bios)
		return -ENOMEM;
	r = bios_load(vm->cfg->bios, vm->bios);
	if (r)
		return r;
	r = bios_map(&vm->mem, vm->bios);
	if (r)
		pr_err("-bios %s: mapping %zu bytes below 4 GiB: %s", vm->cfg->bios, vm->bios->size,
		       strerror(-r));
	return r;
}

static int vm_load(struct vm *vm)
{
	char err[512];
	int r;

	vm->load.e820 = vm->e820;
	vm->load.ne820 = vm->ne820;
	/* -bios: the firmware installs the tables from fw_cfg and the BSP starts at the reset
	 * vector. Direct boot: the tables go to the BIOS window, the RSDP to boot_params. */
	if (vm->bios)
		return bios_shadow(&vm->mem, vm->bios);
	r = fwtables_write_low(vm->fwtables, &vm->mem, &vm->load.acpi_rsdp);
	if (r)
		return r;
	r = loader_load(&vm->mem, &vm->load, &vm->boot, err, sizeof(err));
	if (r)
		pr_err("%s", err);
	return r;
}

int vm_create(struct vm *vm, const struct vm_config *cfg, const struct load_request *load)
{
	struct sigaction sa;
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->load = *load;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	pthread_mutex_init(&vm->coalesced_lock, NULL);
	{
		pthread_mutexattr_t a;

		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&vm->vcpus_lock, &a);
		pthread_mutexattr_destroy(&a);
	}
	vm->ctl = (struct vm_ctl){ vm_ctl_cb, vm };
	vm->clock = (struct clock_src){ vm_clock_ns, NULL };
	vm->start_ns = vm_clock_ns(NULL);
	bus_init(&vm->pio, "port");
	bus_init(&vm->mmio, "MMIO");
	topo_from_smp(&cfg->smp, &vm->topo);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR */

	r = check_host_mem(cfg->ram_size);
	if (r)
		return r;
	q35_layout_compute(cfg->ram_size, &vm->layout);
	r = q35_e820(&vm->layout, vm->e820, ARRAY_SIZE(vm->e820));
	if (r < 0)
		return r;
	vm->ne820 = (unsigned)r;

	r = open_kvm(vm);
	if (!r)
		r = check_smp(vm);
	if (!r)
		r = get_host_cpuid(vm);
	if (!r)
		r = cpu_setup_vm(vm, true);
	if (!r)
		r = hyperv_handle_properties(vm);
	if (!r)
		r = alloc_ram(vm);
	if (!r)
		r = vm_firmware_setup(vm);
	if (!r)
		r = vm_load(vm);
	if (!r)
		r = q35_devices_create(vm);
	if (!r)
		r = vm_kvm_build(vm);
	if (r)
		return r;
	bus_freeze(&vm->pio);
	bus_freeze(&vm->mmio);
	return 0;
}

static int vm_reset(struct vm *vm)
{
	int r;

	pr_debug("system reset");
	vm_dirty_sync_before_teardown(vm);
	vm_kvm_teardown(vm);
	q35_devices_reset(vm);
	if (vm->hooks.reset)
		vm->hooks.reset(vm);
	r = vm_load(vm);
	if (!r)
		r = vm_kvm_build(vm);
	return r;
}

static void print_stats(struct vm *vm)
{
	uint64_t total[64] = { 0 };

	for (unsigned i = 0; i < vm->nvcpus; i++)
		for (unsigned k = 0; k < 64; k++)
			total[k] += vm->vcpus[i].stats.exits[k];
	fprintf(stderr, "enlight: exit statistics (all vCPUs)\n");
	for (unsigned k = 0; k < 64; k++)
		if (total[k])
			fprintf(stderr, "  %-16s %10" PRIu64 "\n", kvm_exit_name(k), total[k]);
	for (unsigned port = 0; port < 65536; port++) {
		uint64_t n = 0;

		for (unsigned i = 0; i < vm->nvcpus; i++)
			if (vm->vcpus[i].stats.pio)
				n += vm->vcpus[i].stats.pio[port];
		if (n)
			fprintf(stderr, "  port 0x%04x      %10" PRIu64 "\n", port, n);
	}
}

int vm_run(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct timespec deadline;
	int status;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += cfg->timeout_sec;
	for (;;) {
		for (unsigned i = 0; i < vm->nvcpus; i++) {
			if (vcpu_start(&vm->vcpus[i])) {
				vm_stop(vm, EXIT_INTERNAL);
				break;
			}
		}
		pthread_mutex_lock(&vm->lock);
		while (vm->state == VM_STATE_RUNNING) {
			if (!cfg->timeout_sec) {
				pthread_cond_wait(&vm->cond, &vm->lock);
			} else if (pthread_cond_timedwait(&vm->cond, &vm->lock, &deadline) == ETIMEDOUT) {
				pr_err("--timeout %u: the guest was still running; stopping it (status %d)",
				       cfg->timeout_sec, EXIT_WATCHDOG);
				vm->exit_status = EXIT_WATCHDOG;
				__atomic_store_n(&vm->state, VM_STATE_STOPPING, __ATOMIC_RELEASE);
				pthread_cond_broadcast(&vm->cond); /* wakes vCPUs parked by a pause */
			}
		}
		pthread_mutex_unlock(&vm->lock);
		vm_kick_all(vm);
		for (unsigned i = 0; i < vm->nvcpus; i++)
			vcpu_join(&vm->vcpus[i]);
		if (vm_state_get(vm) != VM_STATE_RESET)
			break;
		if (vm_reset(vm)) {
			vm->exit_status = EXIT_INTERNAL;
			break;
		}
		__atomic_store_n(&vm->state, VM_STATE_RUNNING, __ATOMIC_RELEASE);
	}
	status = vm->exit_status;
	if (cfg->stats)
		print_stats(vm);
	if (cfg->dirty_pages) {
		int64_t n = vm_dirty_harvest(vm, NULL, NULL);

		if (n >= 0)
			fprintf(stderr, "enlight: dirty pages: %" PRId64 " (%s)\n", n,
				vm->dirty.use_ring ? "dirty ring" : "dirty bitmap");
		else
			pr_err("--dirty-pages: harvesting: %s", strerror((int)-n));
	}
	return status;
}

void vm_destroy(struct vm *vm)
{
	vm_kvm_teardown(vm);
	q35_devices_destroy(vm);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	if (vm->ram)
		munmap(vm->ram, vm->ram_map_size);
	vm->ram = NULL;
	free(vm->host_cpuid);
	vm->host_cpuid = NULL;
	if (vm->fwtables)
		fwtables_free(vm->fwtables);
	free(vm->fwtables);
	vm->fwtables = NULL;
	if (vm->bios)
		bios_free(vm->bios);
	free(vm->bios);
	vm->bios = NULL;
	cpu_setup_destroy(vm);
	irq_routes_free(&vm->routes);
	vm_dirty_destroy(&vm->dirty);
	hyperv_destroy(vm);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->kvm_fd = -1;
	pthread_mutex_destroy(&vm->coalesced_lock);
	free(vm->vcpus);
	vm->vcpus = NULL;
	pthread_mutex_destroy(&vm->vcpus_lock);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
}
