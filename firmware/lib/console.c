/* COM1 console (16550 UART: 115200 8N1, polled) and the formatter behind printf. */
#include "console.h"
#include "atomic.h"
#include "x86.h"

/* 16550 registers (offsets from the base) and bits (PC16550D datasheet). */
#define UART_THR	0	/* write; DLL when LCR.DLAB */
#define UART_IER	1	/* DLM when LCR.DLAB */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_LCR_8N1	0x03
#define UART_LCR_DLAB	0x80
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS_OUT2 0x0B
#define UART_LSR_THRE	0x20
#define UART_DIVISOR_115200 1	/* 1.8432 MHz / 16 / 115200 */

/* Bound on the THRE poll: a missing UART may read 0 forever. */
#define UART_POLL_LIMIT	100000
/* Bound on waiting for the console lock in the panic path. */
#define PANIC_LOCK_SPINS 10000000

struct console {
	struct spinlock lock;
};

static struct console con;

void serial_init(void)
{
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, UART_LCR_DLAB);
	outb(COM1_BASE + UART_THR, UART_DIVISOR_115200 & 0xff);
	outb(COM1_BASE + UART_IER, UART_DIVISOR_115200 >> 8);
	outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
	outb(COM1_BASE + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(COM1_BASE + UART_MCR, UART_MCR_DTR_RTS_OUT2);
}

void serial_putc(char c)
{
	unsigned i;

	for (i = 0; i < UART_POLL_LIMIT; i++)
		if (inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)
			break;
	outb(COM1_BASE + UART_THR, c);
}

void serial_write(const char *s, size_t len)
{
	while (len--)
		serial_putc(*s++);
}

/* Where formatted characters go: the UART, or a buffer (always NUL-terminated). */
struct sink {
	bool uart;
	char *buf;
	size_t size;
	size_t len;	/* characters produced, even those that did not fit */
};

static void sink_put(struct sink *s, char c)
{
	if (s->uart)
		serial_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void sink_pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		sink_put(s, c);
}

struct spec {
	bool left, zero;
	int width;
};

static void emit_str(struct sink *s, const struct spec *sp, const char *str)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while (str[n])
		n++;
	if (!sp->left)
		sink_pad(s, ' ', sp->width - n);
	while (*str)
		sink_put(s, *str++);
	if (sp->left)
		sink_pad(s, ' ', sp->width - n);
}

static void emit_num(struct sink *s, const struct spec *sp, unsigned long long v,
		     unsigned base, bool upper, bool neg, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		plen = 1;
	else if (prefix)
		while (prefix[plen])
			plen++;
	len = n + plen;
	if (!sp->left && !sp->zero)
		sink_pad(s, ' ', sp->width - len);
	if (neg)
		sink_put(s, '-');
	else if (prefix)
		for (int i = 0; prefix[i]; i++)
			sink_put(s, prefix[i]);
	if (!sp->left && sp->zero)
		sink_pad(s, '0', sp->width - len);
	while (n)
		sink_put(s, tmp[--n]);
	if (sp->left)
		sink_pad(s, ' ', sp->width - len);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		struct spec sp = { 0 };
		int lng = 0;
		unsigned long long u;
		long long d;

		if (*fmt != '%') {
			sink_put(s, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp.width = sp.width * 10 + *fmt++ - '0';
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z')
				lng = 1;
			else if (*fmt != 'h')
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			d = lng > 1 ? va_arg(ap, long long) :
			    lng ? va_arg(ap, long) : va_arg(ap, int);
			u = d < 0 ? 0 - (unsigned long long)d : (unsigned long long)d;
			emit_num(s, &sp, u, 10, false, d < 0, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = lng > 1 ? va_arg(ap, unsigned long long) :
			    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			emit_num(s, &sp, u, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				 *fmt == 'X', false, NULL);
			break;
		case 'p':
			u = (unsigned long)va_arg(ap, void *);
			emit_num(s, &sp, u, 16, false, false, "0x");
			break;
		case 's':
			emit_str(s, &sp, va_arg(ap, const char *));
			break;
		case 'c':
			sink_pad(s, ' ', sp.left ? 0 : sp.width - 1);
			sink_put(s, (char)va_arg(ap, int));
			sink_pad(s, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case '%':
			sink_put(s, '%');
			break;
		case '\0':
			return;
		default:	/* unknown conversion: show it as written */
			sink_put(s, '%');
			sink_put(s, *fmt);
			break;
		}
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { .uart = true };

	spin_lock(&con.lock);
	format(&s, fmt, ap);
	spin_unlock(&con.lock);
	return (int)s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}

int printf_panic(const char *fmt, ...)
{
	struct sink s = { .uart = true };
	bool locked = false;
	va_list ap;
	long i;

	for (i = 0; i < PANIC_LOCK_SPINS && !locked; i++) {
		locked = spin_trylock(&con.lock);
		if (!locked)
			cpu_relax();
	}
	va_start(ap, fmt);
	format(&s, fmt, ap);
	va_end(ap);
	if (locked)
		spin_unlock(&con.lock);
	return (int)s.len;
}
