/* i8042 reset commands and System Control Port A. */
#include "vmm/dev/reset_ports.h"

#include <errno.h>

#include "vmm/bus.h"
#include "vmm/log.h"

/* i8042 status register (IBM PC/AT Technical Reference, "Keyboard Controller"). */
#define KBD_STAT_OBF      0x01 /* output buffer full: never, there is no keyboard */
#define KBD_STAT_IBF      0x02 /* input buffer full: never, commands complete at once */
#define KBD_STAT_SYS      0x04 /* system flag: self-test passed */
#define KBD_STAT_CMD      0x08 /* last write was to 0x64 (command), not 0x60 (data) */
#define KBD_STAT_UNLOCKED 0x10 /* keyboard inhibit switch off */
#define KBD_STAT_INIT     (KBD_STAT_SYS | KBD_STAT_UNLOCKED)

/* Commands 0xF0-0xFF pulse the output-port bits whose command bit is 0, for about 6 us;
 * output-port bit 0 is the CPU reset line, so any even command in that range resets. */
#define KBD_CMD_PULSE_MASK 0xf0
#define KBD_CMD_WRITE_OUT  0xd1 /* next 0x60 byte becomes the output port */
#define KBD_OUT_RESET_N    0x01 /* output port bit 0: 0 = assert reset */

#define PORT92_RESET 0x01 /* 0->1 edge: fast reset */
#define PORT92_A20   0x02 /* A20 is always enabled here */

static void kbd_reset_if(struct reset_ports *p, bool cond)
{
	if (cond)
		vm_ctl_request(&p->ctl, VM_REQ_RESET, 0);
}

static void kbd_write_cmd(struct reset_ports *p, uint8_t cmd)
{
	p->kbd_status |= KBD_STAT_CMD;
	p->kbd_pending = cmd == KBD_CMD_WRITE_OUT ? cmd : 0;
	kbd_reset_if(p, (cmd & KBD_CMD_PULSE_MASK) == KBD_CMD_PULSE_MASK &&
			     !(cmd & KBD_OUT_RESET_N));
}

static void kbd_write_data(struct reset_ports *p, uint8_t v)
{
	uint8_t cmd = p->kbd_pending;

	p->kbd_status &= ~KBD_STAT_CMD;
	p->kbd_pending = 0;
	kbd_reset_if(p, cmd == KBD_CMD_WRITE_OUT && !(v & KBD_OUT_RESET_N));
}

static void kbd_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		   bool is_write, bool cmd_port)
{
	struct reset_ports *p = opaque;
	uint8_t v = (uint8_t)bus_data_get(data, len);

	(void)vcpu;
	(void)offset;
	if (!is_write)
		bus_data_put(data, len, cmd_port ? p->kbd_status : 0);
	else if (cmd_port)
		kbd_write_cmd(p, v);
	else
		kbd_write_data(p, v);
}

static void kbd_data_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			unsigned len, bool is_write)
{
	kbd_io(opaque, vcpu, offset, data, len, is_write, false);
}

static void kbd_cmd_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
		       unsigned len, bool is_write)
{
	kbd_io(opaque, vcpu, offset, data, len, is_write, true);
}

static void port92_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
		      unsigned len, bool is_write)
{
	struct reset_ports *p = opaque;
	uint8_t old = p->port92;

	(void)vcpu;
	(void)offset;
	if (!is_write) {
		bus_data_put(data, len, p->port92 | PORT92_A20);
		return;
	}
	p->port92 = (uint8_t)bus_data_get(data, len);
	if ((p->port92 & PORT92_RESET) && !(old & PORT92_RESET))
		vm_ctl_request(&p->ctl, VM_REQ_RESET, 0);
}

int reset_ports_init(struct reset_ports *p, const struct reset_ports_config *cfg)
{
	if (!p || !cfg)
		return -EINVAL;
	p->ctl = cfg->ctl;
	p->port92 = 0;
	p->kbd_status = KBD_STAT_INIT;
	p->kbd_pending = 0;
	return 0;
}

int reset_ports_register(struct reset_ports *p, struct bus *pio)
{
	static const struct {
		uint16_t port;
		bus_io_fn fn;
		const char *name;
	} ports[] = {
		{ RESET_PORTS_KBD_DATA, kbd_data_io, "i8042-data" },
		{ RESET_PORTS_KBD_CMD, kbd_cmd_io, "i8042-cmd" },
		{ RESET_PORTS_SYSCTL_A, port92_io, "port92" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++) {
		int err = bus_register(pio, ports[i].port, 1, ports[i].fn, p, ports[i].name);

		if (err)
			return err;
	}
	return 0;
}

void reset_ports_reset(struct reset_ports *p)
{
	p->port92 &= ~PORT92_RESET;
	p->kbd_status = KBD_STAT_INIT;
	p->kbd_pending = 0;
}
