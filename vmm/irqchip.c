/* kernel-irqchip=split glue: userspace IOAPIC, 8259s and PIT joined to KVM's LAPICs.
 * See irqchip.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/irqchip.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

/* ISA IRQ -> IOAPIC pin: IRQ0 (the PIT) is wired to pin 2 (ACPI 6.4 §5.2.12.5 interrupt
 * source override, as QEMU's and vm.c's routes). */
static unsigned isa_to_pin(unsigned gsi)
{
	return gsi == 0 ? 2 : gsi;
}

/* Pin's route entry: its MSI while unmasked, a null message while masked (QEMU's
 * kvm_irqchip_add_msi_route with no device). Caller holds lock. */
static struct kvm_irq_routing_entry pin_route(const struct irqchip *c, unsigned pin)
{
	struct kvm_irq_routing_entry e = { .gsi = pin, .type = KVM_IRQ_ROUTING_MSI };
	uint64_t address;
	uint32_t data;

	if (!ioapic_entry_masked(&c->ioapic, pin)) {
		ioapic_entry_msi(c->ioapic.redtbl[pin], &address, &data);
		e.u.msi.address_lo = (uint32_t)address;
		e.u.msi.address_hi = (uint32_t)(address >> 32);
		e.u.msi.data = data;
	}
	return e;
}

static int pin_route_update(struct irqchip *c, unsigned pin)
{
	struct kvm_irq_routing_entry e = pin_route(c, pin);

	irq_routes_remove_gsi(&c->vm->routes, pin);
	return irq_routes_add(&c->vm->routes, &e);
}

/* ioapic route_changed, under lock. */
static void irqchip_route_changed(void *opaque, unsigned pin)
{
	struct irqchip *c = opaque;
	int r;

	if (!c->kvm_ready)
		return; /* irqchip_kvm_setup installs every pin */
	r = pin_route_update(c, pin);
	if (!r)
		r = irq_routes_commit(&c->vm->routes, c->vm->vm_fd);
	if (r)
		pr_warn("kernel-irqchip=split: IOAPIC pin %u: updating its MSI route: %s", pin,
			strerror(-r));
}

/* ioapic deliver, under lock. */
static int irqchip_msi(void *opaque, uint64_t address, uint32_t data)
{
	struct irqchip *c = opaque;
	int r;

	if (!c->kvm_ready)
		return -ENODEV; /* the VM is being rebuilt */
	r = kvm_signal_msi(c->vm->vm_fd, address, data);
	if (r < 0 && c->msi_errors++ == 0)
		pr_warn("kernel-irqchip=split: KVM_SIGNAL_MSI 0x%llx/0x%x: %s",
			(unsigned long long)address, data, strerror(-r));
	return r < 0 ? r : 0;
}

/* ioapic extint_vector, under lock: an ExtINT entry takes the 8259's vector. */
static int irqchip_extint(void *opaque)
{
	struct irqchip *c = opaque;

	return i8259_intr(&c->pic) ? i8259_inta(&c->pic) : -1;
}

/* PIC INTR changed, under lock: vCPU 0 must look at it before its next entry. */
static void irqchip_pic_intr(void *opaque, int level)
{
	struct irqchip *c = opaque;
	struct vcpu *v = c->bsp;

	if (!level || !v || !v->run)
		return;
	if (v->thread_started && !pthread_equal(v->thread, pthread_self())) {
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
}

void irqchip_set_irq(void *opaque, unsigned gsi, int level)
{
	struct irqchip *c = opaque;

	pthread_mutex_lock(&c->lock);
	if (gsi < 16)
		i8259_set_irq(&c->pic, gsi, level);
	if (gsi < IOAPIC_PINS)
		ioapic_set_irq(&c->ioapic, gsi < 16 ? isa_to_pin(gsi) : gsi, level);
	pthread_mutex_unlock(&c->lock);
}

/* PIT timer: raise IRQ0 for the edges due, then sleep until the next one. */
static void irqchip_pit_timer(void *opaque, uint64_t now_ns)
{
	struct irqchip *c = opaque;
	uint64_t next;

	(void)now_ns;
	pthread_mutex_lock(&c->pit_lock);
	i8254_tick(&c->pit);
	next = i8254_next_deadline(&c->pit);
	pthread_mutex_unlock(&c->pit_lock);
	vtimer_arm(&c->pit_timer, next);
}

/* i8254 rearm, under pit_lock (the guest reprogrammed channel 0). */
static void irqchip_pit_rearm(void *opaque)
{
	struct irqchip *c = opaque;

	vtimer_arm(&c->pit_timer, i8254_next_deadline(&c->pit));
}

int irqchip_create(struct vm *vm, struct timer_service *timers, struct irqchip **out)
{
	struct irqchip *c = calloc(1, sizeof(*c));
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->vm = vm;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->pit_lock, NULL);
	i8259_init(&c->pic, &(struct i8259_config){ .intr = irqchip_pic_intr, .opaque = c,
						    .lock = &c->lock });
	ioapic_init(&c->ioapic, &(struct ioapic_config){ .deliver = irqchip_msi,
							 .route_changed = irqchip_route_changed,
							 .extint_vector = irqchip_extint,
							 .opaque = c,
							 .lock = &c->lock });
	vtimer_init(&c->pit_timer, timers, irqchip_pit_timer, c);
	i8254_init(&c->pit, &(struct i8254_config){ .clock = vm->clock,
						    .irq = { irqchip_set_irq, c, I8254_IRQ },
						    .rearm = irqchip_pit_rearm,
						    .rearm_opaque = c,
						    .lock = &c->pit_lock });
	r = i8259_register(&c->pic, &vm->pio);
	if (!r)
		r = i8254_register(&c->pit, &vm->pio);
	if (!r)
		r = ioapic_register(&c->ioapic, &vm->mmio);
	if (r) {
		pr_err("-machine kernel-irqchip=split: claiming the PIC/PIT ports or the IOAPIC "
		       "page: %s", strerror(-r));
		irqchip_destroy(c);
		return r;
	}
	*out = c;
	return 0;
}

void irqchip_destroy(struct irqchip *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->pit_lock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void irqchip_reset(struct irqchip *c)
{
	vtimer_cancel(&c->pit_timer);
	pthread_mutex_lock(&c->pit_lock);
	i8254_reset(&c->pit);
	pthread_mutex_unlock(&c->pit_lock);
	pthread_mutex_lock(&c->lock);
	i8259_reset(&c->pic);
	ioapic_reset(&c->ioapic);
	pthread_mutex_unlock(&c->lock);
}

int irqchip_kvm_setup(struct irqchip *c)
{
	struct vm *vm = c->vm;
	int r;

	r = kvm_enable_cap(vm->vm_fd, KVM_CAP_SPLIT_IRQCHIP, IRQCHIP_IOAPIC_ROUTES, 0);
	if (r) {
		pr_err("-machine kernel-irqchip=split: KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, %u): %s; "
		       "use kernel-irqchip=on", IRQCHIP_IOAPIC_ROUTES, strerror(-r));
		return r;
	}
	pthread_mutex_lock(&c->lock);
	/* GSIs 0-23 are the pins' MSI routes; later users (Hyper-V SINTs) get GSIs above. */
	irq_routes_reset(&vm->routes, IRQCHIP_IOAPIC_ROUTES);
	for (unsigned pin = 0; pin < IOAPIC_PINS && !r; pin++)
		r = pin_route_update(c, pin);
	if (!r)
		r = irq_routes_commit(&vm->routes, vm->vm_fd);
	c->kvm_ready = !r;
	c->bsp = NULL;
	pthread_mutex_unlock(&c->lock);
	if (r)
		pr_err("-machine kernel-irqchip=split: KVM_SET_GSI_ROUTING (IOAPIC MSI routes): %s",
		       strerror(-r));
	return r;
}

void irqchip_kvm_teardown(struct irqchip *c)
{
	pthread_mutex_lock(&c->lock);
	c->kvm_ready = false;
	c->bsp = NULL;
	pthread_mutex_unlock(&c->lock);
}

void irqchip_pre_run(struct irqchip *c, struct vcpu *v)
{
	struct kvm_run *run = v->run;
	int r;

	if (v->index != 0)
		return; /* the PIC's INTR is wired to the BSP's LINT0 */
	pthread_mutex_lock(&c->lock);
	c->bsp = v;
	if (i8259_intr(&c->pic) && run->ready_for_interrupt_injection && run->if_flag) {
		uint8_t vec = i8259_inta(&c->pic);

		r = kvm_interrupt(v->fd, vec);
		if (r)
			pr_warn("vCPU 0: KVM_INTERRUPT vector 0x%x: %s", vec, strerror(-r));
		else
			c->injected++;
	}
	/* Another request waits: exit as soon as the guest can take it. */
	run->request_interrupt_window = i8259_intr(&c->pic);
	pthread_mutex_unlock(&c->lock);
}

void irqchip_eoi(struct irqchip *c, uint8_t vector)
{
	pthread_mutex_lock(&c->lock);
	ioapic_eoi(&c->ioapic, vector);
	pthread_mutex_unlock(&c->lock);
}
