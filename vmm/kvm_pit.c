/* The in-kernel 8254, created at the guest's first access (vmm/kvm_pit.h). */
#include "vmm/kvm_pit.h"

#include <string.h>

#include "vmm/bus.h"
#include "vmm/kvm.h"
#include "vmm/log.h"

/* KVM's read/write states (arch/x86/kvm/i8254.c); also the access field of a control word
 * (Intel 8254 datasheet, "Control Word Format"). */
#define RW_STATE_LSB	1
#define RW_STATE_MSB	2
#define RW_STATE_WORD0	3
#define RW_STATE_WORD1	4

/* Count and output of a counter that was just loaded (elapsed time 0): KVM's
 * pit_get_count/pit_get_out at d = 0. */
static uint32_t fresh_count(const struct kvm_pit_channel_state *c)
{
	return c->mode == 0 || c->mode == 1 || c->mode == 4 || c->mode == 5 ? c->count & 0xffff
									   : c->count;
}

static unsigned fresh_out(const struct kvm_pit_channel_state *c)
{
	return c->mode == 1 || c->mode == 3;
}

static void latch_count(struct kvm_pit_channel_state *c)
{
	if (!c->count_latched) {
		c->latched_count = (uint16_t)fresh_count(c);
		c->count_latched = c->rw_mode;
	}
}

static void latch_status(struct kvm_pit_channel_state *c)
{
	if (!c->status_latched) {
		c->status = (uint8_t)((fresh_out(c) << 7) | (c->rw_mode << 4) | (c->mode << 1) |
				      c->bcd);
		c->status_latched = 1;
	}
}

static void control_word(struct kvm_pit_state2 *st, uint8_t val)
{
	unsigned ch = val >> 6, access = (val >> 4) & 3;
	struct kvm_pit_channel_state *c;

	if (ch == 3) { /* read-back: bit 5 low latches counts, bit 4 low latches status */
		for (ch = 0; ch < 3; ch++) {
			if (!(val & (2u << ch)))
				continue;
			if (!(val & 0x20))
				latch_count(&st->channels[ch]);
			if (!(val & 0x10))
				latch_status(&st->channels[ch]);
		}
		return;
	}
	c = &st->channels[ch];
	if (access == 0) {
		latch_count(c);
		return;
	}
	c->rw_mode = c->read_state = c->write_state = (uint8_t)access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4; /* modes 6 and 7 are 2 and 3 */
	c->bcd = val & 1;
}

static void write_count(struct kvm_pit_channel_state *c, uint8_t val)
{
	switch (c->write_state) {
	case RW_STATE_MSB:
		c->count = (uint32_t)val << 8;
		break;
	case RW_STATE_WORD0:
		c->write_latch = val;
		c->write_state = RW_STATE_WORD1;
		break;
	case RW_STATE_WORD1:
		c->count = c->write_latch | (uint32_t)val << 8;
		c->write_state = RW_STATE_WORD0;
		break;
	default: /* RW_STATE_LSB, and KVM's answer to a count before any control word */
		c->count = val;
		break;
	}
}

static uint8_t read_count(struct kvm_pit_channel_state *c)
{
	uint32_t n = fresh_count(c);
	uint8_t ret;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		ret = c->count_latched == RW_STATE_MSB ? (uint8_t)(c->latched_count >> 8)
						       : (uint8_t)c->latched_count;
		c->count_latched = c->count_latched == RW_STATE_WORD0 ? RW_STATE_MSB : 0;
		return ret;
	}
	switch (c->read_state) {
	case RW_STATE_MSB:
		return (uint8_t)(n >> 8);
	case RW_STATE_WORD0:
		c->read_state = RW_STATE_WORD1;
		return (uint8_t)n;
	case RW_STATE_WORD1:
		c->read_state = RW_STATE_WORD0;
		return (uint8_t)(n >> 8);
	default:
		return (uint8_t)n;
	}
}

uint8_t kvm_pit_state_access(struct kvm_pit_state2 *st, uint16_t port, uint8_t val,
			     bool is_write, uint64_t now_ns)
{
	struct kvm_pit_channel_state *c2 = &st->channels[2];

	if (port == KVM_PIT_PORT_SPEAKER) {
		if (is_write) {
			st->flags = (st->flags & ~(uint32_t)KVM_PIT_FLAGS_SPEAKER_DATA_ON) |
				    (val & 2 ? KVM_PIT_FLAGS_SPEAKER_DATA_ON : 0);
			c2->gate = val & 1;
			return 0;
		}
		/* Bit 4: KVM's refresh clock, toggling every 2^14 ns (ICH9 §13.7.1: ~15 us). */
		return (uint8_t)((st->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON ? 2 : 0) |
				 (c2->gate & 1) | fresh_out(c2) << 5 | ((now_ns >> 14) & 1) << 4);
	}
	if (port < KVM_PIT_PORT_BASE || port >= KVM_PIT_PORT_BASE + KVM_PIT_PORT_COUNT)
		return 0xff;
	if (port == KVM_PIT_PORT_BASE + 3) {
		if (is_write)
			control_word(st, val);
		return 0; /* the control word port reads as nothing in KVM */
	}
	if (is_write) {
		write_count(&st->channels[port - KVM_PIT_PORT_BASE], val);
		return 0;
	}
	return read_count(&st->channels[port - KVM_PIT_PORT_BASE]);
}

/* ---- glue: creation at the first access ---- */

static int create(struct kvm_pit_lazy *p)
{
	int fd = *p->cfg.vm_fd;
	int r = kvm_create_pit2(fd, KVM_PIT_SPEAKER_DUMMY);

	if (r) {
		pr_err("KVM_CREATE_PIT2 at the guest's first PIT access: %s; use "
		       "-machine kernel-irqchip=split for enlight's own PIT", strerror(-r));
		return r;
	}
	/* QEMU's kvm-pit lost_tick_policy=discard: KVM stops re-injecting ticks the guest
	 * missed (KVM_REINJECT_CONTROL, Documentation/virt/kvm/api.rst). */
	r = p->cfg.discard ? kvm_reinject_control(fd, false) : 0;
	if (r)
		pr_err("-global kvm-pit.lost_tick_policy=discard: KVM_REINJECT_CONTROL: %s",
		       strerror(-r));
	return r;
}

static void pit_access(struct kvm_pit_lazy *p, uint16_t port, void *data, unsigned len,
		       bool is_write)
{
	struct kvm_pit_state2 st, old;
	uint8_t ret = 0xff;
	int r = 0;

	pthread_mutex_lock(&p->lock);
	if (!p->created) {
		r = create(p);
		p->created = r == 0;
	}
	/* Another vCPU's access may have been decoded before the PIT existed: it arrives here
	 * too and goes through the state as well. */
	if (!r)
		r = kvm_get_pit2(*p->cfg.vm_fd, &st);
	if (!r) {
		old = st;
		ret = kvm_pit_state_access(&st, port, (uint8_t)bus_data_get(data, len), is_write,
					   clock_now_ns(&p->cfg.clock));
		if (memcmp(&st, &old, sizeof(st)))
			r = kvm_set_pit2(*p->cfg.vm_fd, &st);
	}
	pthread_mutex_unlock(&p->lock);
	if (r && p->created)
		pr_err("PIT port 0x%x: KVM_GET_PIT2/KVM_SET_PIT2: %s", port, strerror(-r));
	if (r)
		vm_ctl_request(&p->cfg.ctl, VM_REQ_EXIT, EXIT_INTERNAL);
	if (!is_write)
		bus_data_put(data, len, r ? 0xff : ret);
}

static void pit_io(void *opaque, struct vcpu *v, uint64_t off, void *data, unsigned len,
		   bool is_write)
{
	(void)v;
	pit_access(opaque, (uint16_t)(KVM_PIT_PORT_BASE + off), data, len, is_write);
}

static void speaker_io(void *opaque, struct vcpu *v, uint64_t off, void *data, unsigned len,
		       bool is_write)
{
	(void)v;
	(void)off;
	pit_access(opaque, KVM_PIT_PORT_SPEAKER, data, len, is_write);
}

void kvm_pit_lazy_init(struct kvm_pit_lazy *p, const struct kvm_pit_lazy_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	pthread_mutex_init(&p->lock, NULL);
}

int kvm_pit_lazy_register(struct kvm_pit_lazy *p, struct bus *pio)
{
	int r = bus_register(pio, KVM_PIT_PORT_BASE, KVM_PIT_PORT_COUNT, pit_io, p,
			     "i8254 (in-kernel, at first use)");

	return r ? r : bus_register(pio, KVM_PIT_PORT_SPEAKER, 1, speaker_io, p,
				    "NMI_SC (in-kernel PIT, at first use)");
}

void kvm_pit_lazy_vm_rebuilt(struct kvm_pit_lazy *p)
{
	pthread_mutex_lock(&p->lock);
	p->created = false;
	pthread_mutex_unlock(&p->lock);
}

void kvm_pit_lazy_destroy(struct kvm_pit_lazy *p)
{
	pthread_mutex_destroy(&p->lock);
}
