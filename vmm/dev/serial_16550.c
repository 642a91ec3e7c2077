/* 16550A UART register model. Register and bit names follow the PC16550D datasheet
 * (TI SNLS378, "Register Description", Tables 2-9). */
#include "vmm/dev/serial_16550.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "vmm/bus.h"
#include "vmm/log.h"

/* Register offsets (datasheet Table 2). DLL/DLM overlay RBR/THR and IER when LCR.DLAB=1. */
enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define IER_ERBFI  0x01 /* received data available */
#define IER_ETBEI  0x02 /* transmitter holding register empty */
#define IER_ELSI   0x04 /* receiver line status */
#define IER_EDSSI  0x08 /* modem status */
#define IER_MASK   0x0f

/* IIR bits 3:0 in priority order (datasheet Table 4); bits 7:6 set when FCR0=1. */
#define IIR_NO_INT 0x01
#define IIR_RLS    0x06
#define IIR_RDA    0x04
#define IIR_CTI    0x0c
#define IIR_THRI   0x02
#define IIR_MSI    0x00
#define IIR_FIFO   0xc0

#define FCR_ENABLE   0x01
#define FCR_RX_CLEAR 0x02
#define FCR_TX_CLEAR 0x04
#define FCR_KEEP     0xc9 /* trigger level, DMA mode, enable: what later reads depend on */
#define FCR_TRIG(f)  ((f) >> 6)

#define LCR_DLAB   0x80

#define MCR_DTR    0x01
#define MCR_RTS    0x02
#define MCR_OUT1   0x04
#define MCR_OUT2   0x08
#define MCR_LOOP   0x10
#define MCR_MASK   0x1f

#define LSR_DR     0x01
#define LSR_OE     0x02
#define LSR_PE     0x04
#define LSR_FE     0x08
#define LSR_BI     0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_RLS    (LSR_OE | LSR_PE | LSR_FE | LSR_BI) /* sources of the RLS interrupt */

#define MSR_DCTS   0x01
#define MSR_DDSR   0x02
#define MSR_TERI   0x04
#define MSR_DDCD   0x08
#define MSR_DELTA  0x0f
#define MSR_CTS    0x10
#define MSR_DSR    0x20
#define MSR_RI     0x40
#define MSR_DCD    0x80

/* Divisor 12 = 9600 baud from the PC's 1.8432 MHz clock; what firmware leaves behind. */
#define UART_DEFAULT_DIVISOR 12

/* Output back-pressure: wait at most this long for a full fd, then drop and stop waiting
 * until a write succeeds again, so a stuck consumer cannot stall the vCPU per byte. */
#define UART_OUT_TRIES   8
#define UART_OUT_WAIT_MS 10

/* RX FIFO trigger levels selected by FCR bits 7:6 (datasheet Table 5). */
static const uint8_t uart_rx_trigger[4] = { 1, 4, 8, 14 };

/* Loopback wiring (datasheet "MCR bit 4"): DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
static const struct {
	uint8_t mcr, msr;
} uart_loop_wiring[] = {
	{ MCR_DTR, MSR_DSR },
	{ MCR_RTS, MSR_CTS },
	{ MCR_OUT1, MSR_RI },
	{ MCR_OUT2, MSR_DCD },
};

static bool uart_fifo_on(const struct serial_16550 *s)
{
	return s->fcr & FCR_ENABLE;
}

static unsigned uart_rx_cap(const struct serial_16550 *s)
{
	return uart_fifo_on(s) ? SERIAL_16550_FIFO_LEN : 1;
}

/* The highest-priority pending, enabled interrupt (datasheet Table 4). Character timeout
 * is reported as soon as data sits below the trigger level: input arrives in host-sized
 * batches, so the 4-character idle time has in effect already passed. */
static uint8_t uart_iir_id(const struct serial_16550 *s)
{
	if ((s->ier & IER_ELSI) && (s->lsr & LSR_RLS))
		return IIR_RLS;
	if ((s->ier & IER_ERBFI) && s->rx_count) {
		if (!uart_fifo_on(s) || s->rx_count >= uart_rx_trigger[FCR_TRIG(s->fcr)])
			return IIR_RDA;
		return IIR_CTI;
	}
	if ((s->ier & IER_ETBEI) && s->thr_ipending)
		return IIR_THRI;
	if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTA))
		return IIR_MSI;
	return IIR_NO_INT;
}

/* INTR is level: high while any enabled source is pending. Only changes reach the line. */
static void uart_update_irq(struct serial_16550 *s)
{
	int level = uart_iir_id(s) != IIR_NO_INT;

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_line_set(&s->cfg.irq, level);
	}
}

static uint8_t uart_modem_lines(const struct serial_16550 *s)
{
	uint8_t m = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS; /* the host side: a ready, connected terminal */
	for (unsigned i = 0; i < ARRAY_SIZE(uart_loop_wiring); i++)
		if (s->mcr & uart_loop_wiring[i].mcr)
			m |= uart_loop_wiring[i].msr;
	return m;
}

/* Recompute MSR bits 7:4 and latch the deltas: bits 3,1,0 on any change of DCD, DSR, CTS
 * (each delta bit sits 4 below its line), TERI only on RI's trailing edge. */
static void uart_update_msr(struct serial_16550 *s)
{
	uint8_t old = s->msr & ~MSR_DELTA, now = uart_modem_lines(s);
	uint8_t delta = ((old ^ now) & (MSR_DCD | MSR_DSR | MSR_CTS)) >> 4;

	if ((old & MSR_RI) && !(now & MSR_RI))
		delta |= MSR_TERI;
	s->msr = now | (s->msr & MSR_DELTA) | delta;
}

static void uart_rx_clear(struct serial_16550 *s)
{
	s->rx_head = s->rx_count = 0;
}

/* A character reaching the receiver. Overrun (datasheet LSR bit 1): without FIFOs the new
 * character replaces RBR; with FIFOs it is lost and the FIFO kept. */
static void uart_rx_push(struct serial_16550 *s, uint8_t b)
{
	if (s->rx_count >= uart_rx_cap(s)) {
		s->lsr |= LSR_OE;
		s->rx_overruns++;
		if (!uart_fifo_on(s))
			s->rx[s->rx_head] = b;
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_16550_FIFO_LEN] = b;
	s->rx_count++;
}

static uint8_t uart_rx_pop(struct serial_16550 *s)
{
	uint8_t b;

	if (!s->rx_count)
		return s->rx[s->rx_head]; /* RBR keeps the last character */
	b = s->rx[s->rx_head];
	s->rx_count--;
	if (s->rx_count)
		s->rx_head = (s->rx_head + 1) % SERIAL_16550_FIFO_LEN;
	return b;
}

/* Best effort: EINTR retried, a full non-blocking fd waited on briefly, then dropped. */
static void uart_out_write(struct serial_16550 *s, uint8_t b)
{
	int fd = s->cfg.out_fd;

	if (fd < 0)
		return;
	for (unsigned tries = 0; tries < UART_OUT_TRIES; tries++) {
		ssize_t r = write(fd, &b, 1);

		if (r == 1) {
			s->out_stalled = false;
			return;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !s->out_stalled) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (poll(&p, 1, UART_OUT_WAIT_MS) >= 0)
				continue;
		}
		break;
	}
	s->out_stalled = true;
	s->tx_dropped++;
}

static void uart_transmit(struct serial_16550 *s, uint8_t b)
{
	if (s->mcr & MCR_LOOP) {
		uart_rx_push(s, b);
	} else {
		uart_out_write(s, b);
		if (s->cfg.out_cb)
			s->cfg.out_cb(s->cfg.out_opaque, b);
	}
	s->tx_bytes++;
	/* The shift register takes the byte at once: THR is empty again, which is the event
	 * that raises the THRE interrupt (datasheet Table 4, "THRE"). */
	s->thr_ipending = true;
}

static void uart_write_fcr(struct serial_16550 *s, uint8_t val)
{
	/* Changing FCR0 resets both FIFOs; other bits are only programmed while FCR0 is set
	 * (datasheet "FIFO Control Register"). The TX FIFO is always empty here. */
	if ((val ^ s->fcr) & FCR_ENABLE)
		uart_rx_clear(s);
	if (!(val & FCR_ENABLE)) {
		s->fcr = 0;
		return;
	}
	if (val & FCR_RX_CLEAR)
		uart_rx_clear(s);
	s->fcr = val & FCR_KEEP;
}

static void uart_write_ier(struct serial_16550 *s, uint8_t val)
{
	uint8_t changed = (s->ier ^ val) & IER_MASK;

	s->ier = val & IER_MASK;
	/* Enabling ETBEI while THR is empty raises THRE even if an IIR read had acknowledged
	 * it. Not in the datasheet, but real parts do it, Windows relies on it, and Linux's
	 * UART_BUG_THRE probe checks it (QEMU and Bochs: rising edge only). */
	if (changed & IER_ETBEI)
		s->thr_ipending = (s->ier & IER_ETBEI) && (s->lsr & LSR_THRE);
}

static void uart_write(struct serial_16550 *s, unsigned reg, uint8_t val)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			s->divisor = (s->divisor & 0xff00) | val;
		else
			uart_transmit(s, val);
		break;
	case UART_IER:
		if (dlab)
			s->divisor = (s->divisor & 0x00ff) | (uint16_t)(val << 8);
		else
			uart_write_ier(s, val);
		break;
	case UART_IIR_FCR:
		uart_write_fcr(s, val);
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		s->mcr = val & MCR_MASK;
		uart_update_msr(s);
		break;
	case UART_SCR:
		s->scr = val;
		break;
	default: /* LSR, MSR: factory test / read-only; writes are ignored */
		break;
	}
}

static uint8_t uart_read(struct serial_16550 *s, unsigned reg)
{
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR:
		return dlab ? (uint8_t)s->divisor : uart_rx_pop(s);
	case UART_IER:
		return dlab ? (uint8_t)(s->divisor >> 8) : s->ier;
	case UART_IIR_FCR:
		v = uart_iir_id(s);
		/* Reading IIR while THRE is the reported source acknowledges it (Table 4). */
		if (v == IIR_THRI)
			s->thr_ipending = false;
		return v | (uart_fifo_on(s) ? IIR_FIFO : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		v = s->lsr | (s->rx_count ? LSR_DR : 0);
		s->lsr &= ~LSR_RLS; /* error bits clear on read */
		return v;
	case UART_MSR:
		v = s->msr;
		s->msr &= ~MSR_DELTA;
		return v;
	default:
		return s->scr;
	}
}

/* Registers are bytes; a wider access touches consecutive registers, low byte first. */
static void uart_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write)
{
	struct serial_16550 *s = opaque;
	uint8_t *p = data;

	(void)vcpu;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < len && offset + i < SERIAL_16550_NR_PORTS; i++) {
		if (is_write)
			uart_write(s, (unsigned)offset + i, p[i]);
		else
			p[i] = uart_read(s, (unsigned)offset + i);
	}
	uart_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void uart_reset_locked(struct serial_16550 *s)
{
	s->ier = 0;
	s->lcr = 0;
	s->mcr = 0;
	s->fcr = 0;
	s->lsr = LSR_THRE | LSR_TEMT;
	s->msr = uart_modem_lines(s);
	s->thr_ipending = false;
	uart_rx_clear(s);
	uart_update_irq(s);
}

int serial_16550_init(struct serial_16550 *s, const struct serial_16550_config *cfg)
{
	int r;

	if (!s || !cfg)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	r = pthread_mutex_init(&s->lock, NULL);
	if (r)
		return -r;
	s->divisor = UART_DEFAULT_DIVISOR;
	uart_reset_locked(s); /* irq_level starts at 0: nothing is driven during init */
	return 0;
}

int serial_16550_register(struct serial_16550 *s, struct bus *pio)
{
	return bus_register(pio, s->cfg.base, SERIAL_16550_NR_PORTS, uart_io, s, "serial-16550");
}

void serial_16550_destroy(struct serial_16550 *s)
{
	pthread_mutex_destroy(&s->lock);
}

void serial_16550_reset(struct serial_16550 *s)
{
	pthread_mutex_lock(&s->lock);
	uart_reset_locked(s);
	pthread_mutex_unlock(&s->lock);
}

void serial_16550_input(struct serial_16550 *s, const uint8_t *buf, size_t n)
{
	pthread_mutex_lock(&s->lock);
	if (!(s->mcr & MCR_LOOP)) {
		for (size_t i = 0; i < n; i++)
			uart_rx_push(s, buf[i]);
		uart_update_irq(s);
	}
	pthread_mutex_unlock(&s->lock);
}

size_t serial_16550_rx_room(struct serial_16550 *s)
{
	size_t room;

	pthread_mutex_lock(&s->lock);
	room = (s->mcr & MCR_LOOP) ? 0 : uart_rx_cap(s) - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return room;
}
