/* The q35 machine: which devices exist, where, and with which IRQ (QEMU's pc_q35_init and
 * pc_basic_device_init). Each device is one file under vmm/dev/; this file only wires them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/dev/cmos_rtc.h"
#include "acpi/fwtables.h"
#include "hyperv/hyperv.h"
#include "vmm/bios_linux.h"
#include "vmm/dev/debug_exit.h"
#include "vmm/dev/debugcon.h"
#include "vmm/dev/fw_cfg.h"
#include "vmm/dev/pc_testdev.h"
#include "vmm/dev/post_port.h"
#include "vmm/dev/q35_host.h"
#include "vmm/dev/reset_ports.h"
#include "vmm/dev/serial_16550.h"
#include "vmm/irqchip.h"
#include "vmm/kvm_pit.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/machine_q35.h"
#include "vmm/sandbox.h"
#include "vmm/timer.h"
#include "vmm/vm.h"

struct q35_devices {
	struct serial_16550 com1;
	struct cmos_rtc rtc;
	struct q35_pci pci;
	struct fw_cfg fw_cfg;
	struct reset_ports reset;
	struct post_port post;
	struct debug_exit debug_exit;
	struct debugcon debugcon;
	struct pc_testdev pc_testdev; /* -device pc-testdev (kvm-unit-tests' harness) */
	struct kvm_pit_lazy kvm_pit;  /* kernel-irqchip=on: KVM's PIT, at first use */
	bool has_kvm_pit;
	int debugcon_fd;
	bool has_com1, has_debug_exit;
	struct timer_service timers; /* device timers (vmm/timer.h): RTC, split-irqchip PIT */
	struct vtimer rtc_timer;
	bool timers_started;
	int serial_fd;
	bool serial_fd_owned;
	pthread_t input_thread;
	bool input_started;
};

static void irq_set_kvm(void *opaque, unsigned gsi, int level)
{
	struct vm *vm = opaque;

	if (vm->irqchip)
		irqchip_set_irq(vm->irqchip, gsi, level); /* kernel-irqchip=split */
	else
		kvm_irq_line(vm->vm_fd, gsi, level);
}

/* The RTC's interrupt sources need time to pass: tick it at its next deadline. */
static void rtc_timer_fn(void *opaque, uint64_t now_ns)
{
	struct q35_devices *d = opaque;

	cmos_rtc_tick(&d->rtc, now_ns);
	vtimer_arm(&d->rtc_timer, cmos_rtc_next_deadline(&d->rtc));
}

/* Called under the RTC lock: only wake the timer, which asks for the deadline. */
static void rtc_rearm(void *opaque)
{
	struct q35_devices *d = opaque;

	vtimer_arm(&d->rtc_timer, 0);
}

static struct irq_line vm_irq(struct vm *vm, unsigned gsi)
{
	return (struct irq_line){ irq_set_kvm, vm, gsi };
}

/* stdin -> COM1, paced by the receiver's room so pasted text is not lost. */
static void *serial_input_thread(void *arg)
{
	struct serial_16550 *s = arg;
	uint8_t buf[64];

	if (sandbox_thread_enter())
		return NULL; /* no input rather than an unfiltered device thread */
	for (;;) {
		size_t room = serial_16550_rx_room(s);
		ssize_t n;

		if (!room) {
			usleep(1000);
			continue;
		}
		n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n <= 0)
			return NULL;
		serial_16550_input(s, buf, (size_t)n);
	}
}

static int open_serial(struct vm *vm, struct q35_devices *d)
{
	const struct vm_config *cfg = vm->cfg;

	d->serial_fd = -1;
	switch (cfg->serial) {
	case SERIAL_STDIO:
		d->serial_fd = STDOUT_FILENO;
		return 0;
	case SERIAL_FILE:
		d->serial_fd = open(cfg->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (d->serial_fd < 0) {
			pr_err("-serial file:%s: cannot open: %s", cfg->serial_path, strerror(errno));
			return -errno;
		}
		d->serial_fd_owned = true;
		return 0;
	case SERIAL_NONE:
		return 0;
	}
	return 0;
}

static int add_fw_cfg_items(struct vm *vm, struct q35_devices *d)
{
	const struct vm_config *cfg = vm->cfg;
	struct fw_cfg *fc = &d->fw_cfg;
	/* etc/e820 carries QEMU's layout: le64 address, le64 length, le32 type. */
	int r = fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, cfg->ram_size);

	r = r ? r : fw_cfg_add_i16(fc, FW_CFG_NOGRAPHIC, 1);
	r = r ? r : fw_cfg_add_i16(fc, FW_CFG_NB_CPUS, (uint16_t)cfg->smp.cpus);
	r = r ? r : fw_cfg_add_i16(fc, FW_CFG_MAX_CPUS, (uint16_t)cfg->smp.maxcpus);
	/* -bios -kernel: kernel, command line and initrd go to the firmware's linuxboot option
	 * ROM through fw_cfg (vmm/bios_linux.h). */
	if (!r && vm->bios && vm->load.kernel) {
		r = bios_linux_setup(fc, &vm->load, vm->layout.below_4g);
	} else if (!r && cfg->append) {
		r = fw_cfg_add_i32(fc, FW_CFG_CMDLINE_SIZE, (uint32_t)strlen(cfg->append) + 1);
		r = r ? r : fw_cfg_add_string(fc, FW_CFG_CMDLINE_DATA, cfg->append);
	}
	if (!r && vm->fwtables)
		r = fwtables_export(vm->fwtables, fc);
	if (!r) {
		int sel = fw_cfg_add_file(fc, "etc/e820", vm->e820,
					  vm->ne820 * sizeof(vm->e820[0]));
		r = sel < 0 ? sel : 0;
	}
	if (r)
		pr_err("fw_cfg: adding the machine's items: %s", strerror(-r));
	return r;
}

void q35_power_button(struct vm *vm)
{
	struct q35_devices *d = vm->dev;

	if (d)
		ich9_lpc_power_button(&d->pci.lpc);
}

int q35_devices_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct q35_devices *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	vm->dev = d;
	r = timer_service_init(&d->timers);
	if (r) {
		pr_err("q35: starting the device timer thread: %s", strerror(-r));
		return r;
	}
	d->timers_started = true;
	vtimer_init(&d->rtc_timer, &d->timers, rtc_timer_fn, d);
	if (cfg->irqchip == IRQCHIP_SPLIT) {
		r = irqchip_create(vm, &d->timers, &vm->irqchip);
		if (r)
			return r;
	} else if (kvm_has(&vm->caps, KC_PIT2)) {
		kvm_pit_lazy_init(&d->kvm_pit, &(struct kvm_pit_lazy_config){
							.vm_fd = &vm->vm_fd,
							.ctl = vm->ctl,
							.clock = vm->clock,
							.discard = cfg->pit_discard,
						});
		d->has_kvm_pit = true;
		r = kvm_pit_lazy_register(&d->kvm_pit, &vm->pio);
		if (r) {
			pr_err("q35: in-kernel PIT ports: %s", strerror(-r));
			return r;
		}
	}

	r = q35_pci_init(&d->pci, &(struct q35_pci_config){
					  .pio = &vm->pio,
					  .mmio = &vm->mmio,
					  .lpc = { .clock = vm->clock, .ctl = vm->ctl,
						   .sci = vm_irq(vm, ICH9_SCI_IRQ) },
				  });
	if (r) {
		pr_err("q35: PCI host bridge and LPC: %s", strerror(-r));
		return r;
	}

	r = cmos_rtc_init(&d->rtc, &(struct cmos_rtc_config){
					   .irq = vm_irq(vm, CMOS_RTC_IRQ),
					   .clock = vm->clock,
					   .rearm = rtc_rearm,
					   .rearm_opaque = d,
					   .below_4g = vm->layout.below_4g,
					   .above_4g = vm->layout.above_4g,
					   .ncpus = cfg->smp.cpus,
				   });
	r = r ? r : cmos_rtc_register(&d->rtc, &vm->pio);

	r = r ? r : fw_cfg_init(&d->fw_cfg, &(struct fw_cfg_config){
						    .gm = &vm->mem,
						    .uuid = cfg->has_uuid ? cfg->uuid : NULL,
					    });
	r = r ? r : add_fw_cfg_items(vm, d);
	r = r ? r : fw_cfg_register(&d->fw_cfg, &vm->pio);

	r = r ? r : reset_ports_init(&d->reset, &(struct reset_ports_config){ .ctl = vm->ctl });
	r = r ? r : reset_ports_register(&d->reset, &vm->pio);
	r = r ? r : post_port_init(&d->post, &(struct post_port_config){ 0 });
	r = r ? r : post_port_register(&d->post, &vm->pio);
	if (r)
		return r;

	d->debugcon_fd = -1;
	if (cfg->has_debugcon) {
		d->debugcon_fd = cfg->debugcon == SERIAL_STDIO
			? dup(STDOUT_FILENO)
			: open(cfg->debugcon_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (d->debugcon_fd < 0) {
			pr_err("-debugcon %s: cannot open: %s", cfg->debugcon_path ? cfg->debugcon_path
						: "stdio", strerror(errno));
			return -errno;
		}
		r = debugcon_init(&d->debugcon, d->debugcon_fd);
		r = r ? r : debugcon_register(&d->debugcon, &vm->pio);
		if (r) {
			pr_err("-debugcon: port 0x%x: %s", DEBUGCON_PORT, strerror(-r));
			return r;
		}
	}

	if (cfg->debug_exit) {
		r = debug_exit_init(&d->debug_exit, &(struct debug_exit_config){
							    .iobase = cfg->debug_exit_base,
							    .iosize = cfg->debug_exit_size,
							    .ctl = vm->ctl,
						    });
		r = r ? r : debug_exit_register(&d->debug_exit, &vm->pio);
		if (r) {
			pr_err("-device isa-debug-exit,iobase=0x%x,iosize=%u: %s%s",
			       cfg->debug_exit_base, cfg->debug_exit_size, strerror(-r),
			       r == -EEXIST ? " (the ports belong to another device; pick another iobase)" : "");
			return r;
		}
		d->has_debug_exit = true;
	}

	if (cfg->hyperv_testdev) {
		r = hv_testdev_install(vm); /* QEMU's hyperv-testdev at port 0x3000 */
		if (r)
			return r;
	}

	if (cfg->pc_testdev) {
		r = pc_testdev_init(&d->pc_testdev, &(struct pc_testdev_config){
							    .gm = &vm->mem,
							    .irq = vm_irq(vm, 0),
						    });
		r = r ? r : pc_testdev_register(&d->pc_testdev, &vm->pio, &vm->mmio);
		if (r) {
			pr_err("-device pc-testdev: ports 0xe0-0xeb, 0x2000-0x2017, MMIO 0x%x: %s",
			       PC_TESTDEV_IOMEM, strerror(-r));
			return r;
		}
	}

	if (cfg->serial != SERIAL_NONE) {
		r = open_serial(vm, d);
		r = r ? r : serial_16550_init(&d->com1, &(struct serial_16550_config){
							    .base = SERIAL_16550_COM1_BASE,
							    .irq = vm_irq(vm, SERIAL_16550_COM1_IRQ),
							    .out_fd = d->serial_fd,
						    });
		r = r ? r : serial_16550_register(&d->com1, &vm->pio);
		if (r)
			return r;
		d->has_com1 = true;
		if (cfg->serial == SERIAL_STDIO &&
		    !pthread_create(&d->input_thread, NULL, serial_input_thread, &d->com1))
			d->input_started = true;
	}
	return 0;
}

int q35_kvm_setup(struct vm *vm)
{
	struct q35_devices *d = vm->dev;
	int r;

	if (d && d->has_kvm_pit)
		kvm_pit_lazy_vm_rebuilt(&d->kvm_pit); /* a new VM: no PIT until the guest asks */
	/* Like QEMU's RTC: index writes to port 0x70 are batched, the data port 0x71 still exits
	 * (the ring is replayed before the 0x71 access is handled). */
	if (!vm->ncoalesced && vm->caps.val[KC_COALESCED_PIO])
		vm->coalesced_zones[vm->ncoalesced++] =
			(struct kvm_coalesced_mmio_zone){ .addr = CMOS_RTC_BASE, .size = 1, .pio = 1 };
	r = vm_coalesced_register_all(vm);
	if (r)
		pr_err("KVM_REGISTER_COALESCED_MMIO: %s", strerror(-r));
	return r;
}

void q35_devices_reset(struct vm *vm)
{
	struct q35_devices *d = vm->dev;

	if (!d)
		return;
	q35_pci_reset(&d->pci);
	if (vm->irqchip)
		irqchip_reset(vm->irqchip);
	cmos_rtc_reset(&d->rtc);
	fw_cfg_reset(&d->fw_cfg);
	reset_ports_reset(&d->reset);
	post_port_reset(&d->post);
	if (d->has_com1)
		serial_16550_reset(&d->com1);
}

void q35_devices_destroy(struct vm *vm)
{
	struct q35_devices *d = vm->dev;

	if (!d)
		return;
	if (d->timers_started)
		timer_service_destroy(&d->timers); /* no device callback runs after this */
	irqchip_destroy(vm->irqchip);
	vm->irqchip = NULL;
	if (d->has_kvm_pit)
		kvm_pit_lazy_destroy(&d->kvm_pit);
	fw_cfg_destroy(&d->fw_cfg);
	if (d->debugcon_fd >= 0)
		close(d->debugcon_fd);
	cmos_rtc_destroy(&d->rtc);
	/* The stdin reader sits in read() or usleep(), both cancellation points, and holds no
	 * lock there. */
	if (d->input_started) {
		pthread_cancel(d->input_thread);
		pthread_join(d->input_thread, NULL);
	}
	if (d->has_com1)
		serial_16550_destroy(&d->com1);
	if (d->serial_fd_owned)
		close(d->serial_fd);
	free(d);
	vm->dev = NULL;
}
