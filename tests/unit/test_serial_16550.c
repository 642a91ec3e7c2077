/* 16550A UART register-level tests, through the port-I/O bus as a guest would reach it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/bus.h"
#include "vmm/dev/serial_16550.h"

#define BASE SERIAL_16550_COM1_BASE
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

struct fake_irq {
	unsigned gsi;
	int level;
	unsigned sets;
};

struct fx {
	struct bus pio;
	struct serial_16550 uart;
	struct fake_irq irq;
	int pipe[2];
	uint8_t cb_bytes[64];
	unsigned cb_count;
};

static void fake_irq_set(void *opaque, unsigned gsi, int level)
{
	struct fake_irq *f = opaque;

	f->gsi = gsi;
	f->level = level;
	f->sets++;
}

static void record_cb(void *opaque, uint8_t byte)
{
	struct fx *fx = opaque;

	if (fx->cb_count < sizeof(fx->cb_bytes))
		fx->cb_bytes[fx->cb_count++] = byte;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct serial_16550_config cfg = {
		.base = BASE,
		.irq = { .set = fake_irq_set, .gsi = SERIAL_16550_COM1_IRQ },
		.out_cb = record_cb,
	};

	assert_non_null(fx);
	assert_int_equal(pipe2(fx->pipe, O_NONBLOCK), 0);
	cfg.irq.opaque = &fx->irq;
	cfg.out_fd = fx->pipe[1];
	cfg.out_opaque = fx;
	bus_init(&fx->pio, "pio");
	assert_int_equal(serial_16550_init(&fx->uart, &cfg), 0);
	assert_int_equal(serial_16550_register(&fx->uart, &fx->pio), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	serial_16550_destroy(&fx->uart);
	bus_destroy(&fx->pio);
	close(fx->pipe[0]);
	close(fx->pipe[1]);
	free(fx);
	return 0;
}

static void out8(struct fx *fx, unsigned reg, uint8_t v)
{
	assert_true(bus_access(&fx->pio, NULL, BASE + reg, &v, 1, true));
}

static uint8_t in8(struct fx *fx, unsigned reg)
{
	uint8_t v = 0;

	assert_true(bus_access(&fx->pio, NULL, BASE + reg, &v, 1, false));
	return v;
}

static void input_str(struct fx *fx, const char *s)
{
	serial_16550_input(&fx->uart, (const uint8_t *)s, strlen(s));
}

static void test_reset_values(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(in8(fx, IER), 0);
	assert_int_equal(in8(fx, IIR), 0x01);
	assert_int_equal(in8(fx, LCR), 0);
	assert_int_equal(in8(fx, MCR), 0);
	assert_int_equal(in8(fx, LSR), 0x60);
	assert_int_equal(in8(fx, MSR), 0xb0); /* DCD, DSR, CTS: a ready terminal */
	assert_int_equal(fx->irq.sets, 0);    /* init drives nothing */
}

static void test_dlab_divisor_latch(void **state)
{
	struct fx *fx = *state;

	out8(fx, IER, 0x05);
	out8(fx, LCR, 0x83);
	out8(fx, DLL, 0x01); /* 115200 baud */
	out8(fx, DLM, 0x02);
	assert_int_equal(in8(fx, DLL), 0x01);
	assert_int_equal(in8(fx, DLM), 0x02);
	assert_int_equal(fx->uart.divisor, 0x0201);
	assert_int_equal(fx->uart.tx_bytes, 0); /* DLL write is not a transmit */
	out8(fx, LCR, 0x03);
	assert_int_equal(in8(fx, LCR), 0x03);
	assert_int_equal(in8(fx, IER), 0x05); /* IER untouched by the DLM write */
	out8(fx, IER, 0xff);
	assert_int_equal(in8(fx, IER), 0x0f); /* bits 7:4 are always 0 */
	out8(fx, LCR, 0x80);
	assert_int_equal(in8(fx, DLM), 0x02);
}

static void test_lsr_after_write(void **state)
{
	struct fx *fx = *state;
	uint8_t lsr;

	out8(fx, THR, 'A');
	lsr = in8(fx, LSR);
	assert_int_equal(lsr & 0x60, 0x60); /* THRE and TEMT: transmission is immediate */
	assert_int_equal(lsr & 0x01, 0);    /* nothing received */
	assert_int_equal(fx->uart.tx_bytes, 1);
}

static void test_output_to_fd(void **state)
{
	struct fx *fx = *state;
	const char *msg = "hello, 16550\n";
	char buf[64];
	ssize_t n;

	for (size_t i = 0; i < strlen(msg); i++)
		out8(fx, THR, (uint8_t)msg[i]);
	n = read(fx->pipe[0], buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)strlen(msg));
	assert_memory_equal(buf, msg, strlen(msg));
	assert_int_equal(fx->cb_count, strlen(msg));
	assert_memory_equal(fx->cb_bytes, msg, strlen(msg));
}

static void test_output_full_fd_drops_without_blocking(void **state)
{
	struct fx *fx = *state;
	char fill[4096];

	memset(fill, 'x', sizeof(fill));
	while (write(fx->pipe[1], fill, sizeof(fill)) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	out8(fx, THR, 'a');
	out8(fx, THR, 'b');
	assert_int_equal(fx->uart.tx_dropped, 2);
	assert_true(fx->uart.out_stalled);
	assert_int_equal(in8(fx, LSR) & 0x60, 0x60);
	/* Once the consumer drains, output flows again. */
	while (read(fx->pipe[0], fill, sizeof(fill)) > 0)
		;
	out8(fx, THR, 'c');
	assert_false(fx->uart.out_stalled);
	assert_int_equal(read(fx->pipe[0], fill, sizeof(fill)), 1);
	assert_int_equal(fill[0], 'c');
}

static void test_discard_output(void **state)
{
	struct serial_16550 u;
	struct serial_16550_config cfg = { .base = 0x2f8, .out_fd = -1 };
	struct bus pio;
	uint8_t v = 'z';

	(void)state;
	bus_init(&pio, "pio");
	assert_int_equal(serial_16550_init(&u, &cfg), 0);
	assert_int_equal(serial_16550_register(&u, &pio), 0);
	assert_true(bus_access(&pio, NULL, 0x2f8, &v, 1, true));
	assert_int_equal(u.tx_bytes, 1);
	assert_int_equal(u.tx_dropped, 0);
	assert_int_equal(serial_16550_init(NULL, &cfg), -EINVAL);
	serial_16550_destroy(&u);
	bus_destroy(&pio);
}

static void test_register_conflict(void **state)
{
	struct fx *fx = *state;
	struct serial_16550 other;
	struct serial_16550_config cfg = { .base = BASE + 4, .out_fd = -1 };

	assert_int_equal(serial_16550_init(&other, &cfg), 0);
	assert_int_equal(serial_16550_register(&other, &fx->pio), -EEXIST);
	serial_16550_destroy(&other);
}

static void test_rx_non_fifo_irq(void **state)
{
	struct fx *fx = *state;

	out8(fx, IER, 0x01);
	assert_int_equal(fx->irq.level, 0);
	input_str(fx, "k");
	assert_int_equal(fx->irq.level, 1);
	assert_int_equal(fx->irq.gsi, 4);
	assert_int_equal(in8(fx, IIR), 0x04); /* RDA, FIFOs off: bits 7:6 clear */
	assert_int_equal(in8(fx, LSR) & 0x01, 0x01);
	assert_int_equal(in8(fx, RBR), 'k');
	assert_int_equal(fx->irq.level, 0);
	assert_int_equal(in8(fx, IIR), 0x01);
	assert_int_equal(in8(fx, LSR) & 0x01, 0);
	/* Data without ERBFI: DR set, no interrupt. */
	out8(fx, IER, 0x00);
	input_str(fx, "q");
	assert_int_equal(fx->irq.level, 0);
	assert_int_equal(in8(fx, LSR) & 0x01, 0x01);
	/* Enabling ERBFI with data waiting raises the line at once. */
	out8(fx, IER, 0x01);
	assert_int_equal(fx->irq.level, 1);
}

static void test_rx_fifo_trigger_and_timeout(void **state)
{
	struct fx *fx = *state;

	out8(fx, FCR, 0xc1); /* FIFOs on, trigger 14 */
	out8(fx, IER, 0x01);
	assert_int_equal(in8(fx, IIR), 0xc1);
	input_str(fx, "abc");
	assert_int_equal(fx->irq.level, 1);
	assert_int_equal(in8(fx, IIR), 0xcc); /* below trigger: character timeout */
	input_str(fx, "defghijklmn");         /* 14 bytes now */
	assert_int_equal(in8(fx, IIR), 0xc4); /* at trigger: RDA */
	assert_int_equal(serial_16550_rx_room(&fx->uart), 2);
	assert_int_equal(in8(fx, RBR), 'a');
	assert_int_equal(in8(fx, IIR), 0xcc);
	for (char c = 'b'; c <= 'n'; c++)
		assert_int_equal(in8(fx, RBR), c);
	assert_int_equal(in8(fx, LSR) & 0x01, 0);
	assert_int_equal(in8(fx, IIR), 0xc1);
	assert_int_equal(fx->irq.level, 0);
	assert_int_equal(in8(fx, RBR), 'n'); /* empty RBR reads the stale character */

	/* Trigger level 4 (FCR 7:6 = 01), and an RX clear through FCR bit 1. */
	out8(fx, FCR, 0x41);
	input_str(fx, "wxyz");
	assert_int_equal(in8(fx, IIR), 0xc4);
	out8(fx, FCR, 0x43);
	assert_int_equal(in8(fx, LSR) & 0x01, 0);
	assert_int_equal(fx->irq.level, 0);
	/* Turning FIFOs off clears them too, and IIR 7:6 follow FCR0. */
	input_str(fx, "1");
	out8(fx, FCR, 0x00);
	assert_int_equal(in8(fx, LSR) & 0x01, 0);
	assert_int_equal(in8(fx, IIR), 0x01);
}

static void test_fifo_overrun(void **state)
{
	struct fx *fx = *state;
	uint8_t in[20];

	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	out8(fx, FCR, 0x01);
	serial_16550_input(&fx->uart, in, sizeof(in));
	assert_int_equal(serial_16550_rx_room(&fx->uart), 0);
	assert_int_equal(fx->uart.rx_overruns, 4);
	assert_int_equal(in8(fx, LSR) & 0x03, 0x03); /* OE | DR */
	assert_int_equal(in8(fx, LSR) & 0x03, 0x01); /* OE clears on read */
	for (unsigned i = 0; i < SERIAL_16550_FIFO_LEN; i++)
		assert_int_equal(in8(fx, RBR), i); /* the late bytes were lost, not the early */
	assert_int_equal(in8(fx, LSR) & 0x03, 0);
}

static void test_non_fifo_overrun_replaces_rbr(void **state)
{
	struct fx *fx = *state;

	input_str(fx, "ab");
	assert_int_equal(in8(fx, LSR) & 0x03, 0x03);
	assert_int_equal(in8(fx, RBR), 'b');
	assert_int_equal(in8(fx, LSR) & 0x03, 0);
}

static void test_loopback(void **state)
{
	struct fx *fx = *state;
	char buf[8];

	out8(fx, MCR, 0x13); /* LOOP | RTS | DTR */
	/* CTS <- RTS, DSR <- DTR; DCD fell (OUT2 = 0), so DDCD is latched. */
	assert_int_equal(in8(fx, MSR), 0x38);
	assert_int_equal(in8(fx, MSR), 0x30);
	out8(fx, MCR, 0x1c); /* LOOP | OUT2 | OUT1 */
	assert_int_equal(in8(fx, MSR), 0xcb); /* DCD, RI; DDCD, DCTS, DDSR */
	out8(fx, MCR, 0x18);                  /* OUT1 falls: RI trailing edge */
	assert_int_equal(in8(fx, MSR), 0x84);

	out8(fx, IER, 0x01);
	out8(fx, THR, 'x');
	assert_int_equal(read(fx->pipe[0], buf, sizeof(buf)), -1); /* nothing left the UART */
	assert_int_equal(fx->cb_count, 0);
	assert_int_equal(fx->irq.level, 1);
	assert_int_equal(in8(fx, RBR), 'x');
	/* The receiver is disconnected from the outside in loopback. */
	assert_int_equal(serial_16550_rx_room(&fx->uart), 0);
	input_str(fx, "y");
	assert_int_equal(in8(fx, LSR) & 0x01, 0);
	out8(fx, MCR, 0x00);
	assert_int_equal(in8(fx, MSR), 0xb3); /* back to DCD|DSR|CTS; DCTS, DDSR */
	out8(fx, THR, 'o');
	assert_int_equal(read(fx->pipe[0], buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'o');
}

static void test_thre_interrupt(void **state)
{
	struct fx *fx = *state;

	out8(fx, IER, 0x02);
	assert_int_equal(fx->irq.level, 1);  /* ETBEI rising edge with THR empty */
	assert_int_equal(in8(fx, IIR), 0x02);
	assert_int_equal(fx->irq.level, 0);  /* the IIR read acknowledged THRE */
	assert_int_equal(in8(fx, IIR), 0x01);
	out8(fx, IER, 0x02);                 /* no edge: stays acknowledged */
	assert_int_equal(fx->irq.level, 0);
	out8(fx, THR, '.');                  /* THR empties again: re-armed */
	assert_int_equal(fx->irq.level, 1);
	out8(fx, IER, 0x00);
	assert_int_equal(fx->irq.level, 0);
	out8(fx, IER, 0x02);                 /* Windows' toggle re-arms it */
	assert_int_equal(fx->irq.level, 1);
	out8(fx, THR, '.');                  /* the write itself keeps it pending */
	assert_int_equal(fx->irq.level, 1);
	assert_int_equal(in8(fx, IIR), 0x02);
}

static void test_iir_priority(void **state)
{
	struct fx *fx = *state;

	out8(fx, FCR, 0x07); /* FIFOs on, trigger 1, both cleared */
	out8(fx, IER, 0x0f);
	assert_int_equal(in8(fx, IIR), 0xc2); /* THRE (read acks it) */
	out8(fx, THR, '!');                   /* re-arm THRE */
	out8(fx, MCR, 0x10);                  /* loopback: modem lines drop, MSR deltas */
	/* THRE (priority 3) beats MSR (4). */
	assert_int_equal(fx->irq.level, 1);
	assert_int_equal(in8(fx, IIR) & 0x0f, 0x02);
	/* Loopback TX fills the receiver: RDA (2) beats MSR; 17 bytes overrun: RLS (1). */
	for (int i = 0; i < 17; i++)
		out8(fx, THR, (uint8_t)('A' + i));
	assert_int_equal(in8(fx, IIR), 0xc6);
	in8(fx, LSR);
	assert_int_equal(in8(fx, IIR), 0xc4);
	for (int i = 0; i < 16; i++)
		in8(fx, RBR);
	/* Every loopback write re-armed THRE. */
	assert_int_equal(in8(fx, IIR), 0xc2);
	assert_int_equal(in8(fx, IIR), 0xc0); /* MSR */
	assert_int_equal(fx->irq.level, 1);
	in8(fx, MSR);
	assert_int_equal(in8(fx, IIR), 0xc1);
	assert_int_equal(fx->irq.level, 0);
}

static void test_scr_and_reset(void **state)
{
	struct fx *fx = *state;

	out8(fx, SCR, 0x5a);
	assert_int_equal(in8(fx, SCR), 0x5a);
	out8(fx, SCR, 0xa5);
	assert_int_equal(in8(fx, SCR), 0xa5);
	out8(fx, IER, 0x01);
	out8(fx, FCR, 0x01);
	out8(fx, LCR, 0x1b);
	input_str(fx, "r");
	assert_int_equal(fx->irq.level, 1);
	serial_16550_reset(&fx->uart);
	assert_int_equal(fx->irq.level, 0);
	assert_int_equal(in8(fx, IER), 0);
	assert_int_equal(in8(fx, LCR), 0);
	assert_int_equal(in8(fx, IIR), 0x01);
	assert_int_equal(in8(fx, LSR), 0x60);
	assert_int_equal(in8(fx, SCR), 0xa5); /* scratch survives master reset */
}

static void test_wide_access_splits(void **state)
{
	struct fx *fx = *state;
	uint8_t v[2] = { 0x42, 0x01 }; /* outw 0x3f8: THR = 0x42, IER = 0x01 */
	char c;

	assert_true(bus_access(&fx->pio, NULL, BASE + THR, v, 2, true));
	assert_int_equal(read(fx->pipe[0], &c, 1), 1);
	assert_int_equal(c, 0x42);
	assert_int_equal(in8(fx, IER), 0x01);
	/* A range that sticks out of the UART is not ours. */
	assert_false(bus_access(&fx->pio, NULL, BASE + 7, v, 2, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_reset_values),
		T(test_dlab_divisor_latch),
		T(test_lsr_after_write),
		T(test_output_to_fd),
		T(test_output_full_fd_drops_without_blocking),
		cmocka_unit_test(test_discard_output),
		T(test_register_conflict),
		T(test_rx_non_fifo_irq),
		T(test_rx_fifo_trigger_and_timeout),
		T(test_fifo_overrun),
		T(test_non_fifo_overrun_replaces_rbr),
		T(test_loopback),
		T(test_thre_interrupt),
		T(test_iir_priority),
		T(test_scr_and_reset),
		T(test_wide_access_splits),
#undef T
	};

	return cmocka_run_group_tests_name("serial_16550", tests, NULL, NULL);
}
