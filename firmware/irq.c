/* irq: legacy interrupt sources through the IOAPIC (default) or the 8259 PIC with the
 * LAPIC's LINT0 in ExtINT mode (cmdline "pic"). Counts, over a 200 ms PM-timer window,
 * the PIT's IRQ0 (channel 0, mode 2, 100 Hz), the RTC's periodic IRQ8 (64 Hz) and COM1's
 * THRE IRQ4. In IOAPIC mode the RTC pin is level-triggered and its first interrupt is
 * EOIed with the line still asserted: it must come again at once (Remote IRR cleared by
 * the EOI, redelivery), and keep coming only if every EOI reaches the IOAPIC. Runs the
 * same against the in-kernel chips (kernel-irqchip=on) and enlight's (split). */
#include "fw.h"

#define IOAPIC_BASE	0xFEC00000ul	/* ICH9 §13.5: IOREGSEL +0, IOWIN +0x10 */
#define IOAPIC_VER	0x01
#define IOAPIC_REDTBL	0x10
#define RTE_LEVEL	(1u << 15)	/* 82093AA §3.2.4 */
#define RTE_MASKED	(1u << 16)
#define RTE_REMOTE_IRR	(1u << 14)

#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_HZ		1193182u
#define RTC_INDEX	0x70
#define RTC_DATA	0x71
#define COM1		0x3F8
#define PIC1		0x20
#define PIC2		0xA0
#define OCW2_EOI	0x20

/* Vectors: IOAPIC mode */
#define VEC_PIT		0x40
#define VEC_COM1	0x44
#define VEC_RTC		0x48
/* PIC mode: ICW2 bases */
#define PIC1_BASE	0x50
#define PIC2_BASE	0x58

#define WINDOW_US	200000

struct irq_counts {
	volatile unsigned pit, rtc, com1, rtc_redelivered;
	bool pic;
};

static struct irq_counts cnt;

static void ioapic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = val;
}

static uint32_t ioapic_read(uint32_t reg)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

static void ioapic_route(unsigned pin, uint32_t low)
{
	ioapic_write(IOAPIC_REDTBL + 2 * pin + 1, apic_id() << 24);
	ioapic_write(IOAPIC_REDTBL + 2 * pin, low);
}

static uint8_t rtc_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static void rtc_write(uint8_t reg, uint8_t val)
{
	outb(RTC_INDEX, reg);
	outb(RTC_DATA, val);
}

static void irq_eoi(unsigned isa_irq)
{
	if (!cnt.pic) {
		apic_eoi();
		return;
	}
	if (isa_irq >= 8)
		outb(PIC2, OCW2_EOI);
	outb(PIC1, OCW2_EOI); /* ExtINT: no LAPIC EOI */
}

static void pit_irq(struct trap_frame *f)
{
	(void)f;
	cnt.pit++;
	irq_eoi(0);
}

static void rtc_irq(struct trap_frame *f)
{
	(void)f;
	/* IOAPIC mode, first time: EOI with IRQ8 still up (register C unread). */
	if (!cnt.pic && cnt.rtc++ == 0) {
		irq_eoi(8);
		return;
	}
	if (!cnt.pic && cnt.rtc == 2)
		cnt.rtc_redelivered = 1;
	if (cnt.pic)
		cnt.rtc++;
	rtc_read(0x0C); /* reading register C lowers IRQ8 */
	irq_eoi(8);
}

static void com1_irq(struct trap_frame *f)
{
	(void)f;
	cnt.com1++;
	(void)inb(COM1 + 2); /* IIR read clears the THRE interrupt */
	irq_eoi(4);
}

static void pic_init(void)
{
	/* ICW1 edge + ICW4, ICW2 base, ICW3 cascade on IR2, ICW4 8086 mode (8259A datasheet). */
	outb(PIC1, 0x11);
	outb(PIC1 + 1, PIC1_BASE);
	outb(PIC1 + 1, 0x04);
	outb(PIC1 + 1, 0x01);
	outb(PIC2, 0x11);
	outb(PIC2 + 1, PIC2_BASE);
	outb(PIC2 + 1, 0x02);
	outb(PIC2 + 1, 0x01);
	outb(PIC1 + 1, (uint8_t)~((1u << 0) | (1u << 2) | (1u << 4)));
	outb(PIC2 + 1, (uint8_t)~(1u << 0)); /* IRQ8 */
	/* The BSP's LINT0 takes the PIC's INTR as ExtINT (SDM Vol. 3A §10.5.1). */
	apic_write(APIC_LVT_LINT0, 0x700);
}

static uint16_t pit_latch(void)
{
	uint8_t lo, hi;

	outb(PIT_CMD, 0x00); /* counter latch, channel 0 */
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (uint16_t)(hi << 8 | lo);
}

int main(const struct multiboot_info *mbi)
{
	unsigned pit_vec, rtc_vec, com1_vec;
	uint16_t c1, c2;

	(void)mbi;
	cnt.pic = cmdline_has("pic");
	apic_setup(true);
	tap_plan(6);
	diag("irq: %s mode, IOAPIC version register 0x%x", cnt.pic ? "8259 ExtINT" : "IOAPIC",
	     ioapic_read(IOAPIC_VER));

	pit_vec = cnt.pic ? PIC1_BASE + 0 : VEC_PIT;
	com1_vec = cnt.pic ? PIC1_BASE + 4 : VEC_COM1;
	rtc_vec = cnt.pic ? PIC2_BASE + 0 : VEC_RTC;
	irq_set_handler(pit_vec, pit_irq);
	irq_set_handler(rtc_vec, rtc_irq);
	irq_set_handler(com1_vec, com1_irq);
	if (cnt.pic) {
		pic_init();
	} else {
		/* MADT wiring: ISA IRQ0 -> pin 2, others identity; the RTC pin level, active high. */
		ioapic_route(2, VEC_PIT);
		ioapic_route(4, VEC_COM1);
		ioapic_route(8, VEC_RTC | RTE_LEVEL);
	}

	/* PIT channel 0: mode 2, 100 Hz. */
	outb(PIT_CMD, 0x34);
	outb(PIT_CH0, (PIT_HZ / 100) & 0xff);
	outb(PIT_CH0, (PIT_HZ / 100) >> 8);
	c1 = pit_latch();
	pm_delay_us(1000);
	c2 = pit_latch();
	ok(c1 != c2 && c1 <= PIT_HZ / 100 && c2 <= PIT_HZ / 100,
	   "PIT channel 0 counts down # latched %u then %u", c1, c2);

	/* RTC: 64 Hz periodic (register A RS = 0xA), PIE on. */
	rtc_write(0x0A, (rtc_read(0x0A) & 0xF0) | 0x0A);
	rtc_read(0x0C);
	rtc_write(0x0B, rtc_read(0x0B) | 0x40);

	sti();
	pm_delay_us(WINDOW_US);
	/* Stop the sources, then let an interrupt already in flight finish (its EOI clears
	 * Remote IRR) before looking at the entries. */
	rtc_write(0x0B, rtc_read(0x0B) & (uint8_t)~0x40);
	rtc_read(0x0C);
	outb(PIT_CMD, 0x30); /* mode 0 without a count: OUT stays low */
	pm_delay_us(5000);
	cli();

	/* Lower bounds at a quarter of the rate: on a loaded host missed periods coalesce
	 * (enlight's PIT and RTC raise one edge for several lost ones); the upper bounds catch
	 * a source that runs too fast or an interrupt that never stops. */
	ok(cnt.pit >= 5 && cnt.pit <= 40, "PIT IRQ0 at 100 Hz # %u in %u ms", cnt.pit,
	   WINDOW_US / 1000);
	ok(cnt.rtc >= 3 && cnt.rtc <= 30, "RTC periodic IRQ8 at 64 Hz # %u in %u ms", cnt.rtc,
	   WINDOW_US / 1000);
	if (cnt.pic)
		skip("IOAPIC mode only", "level-triggered RTC pin redelivered after an early EOI");
	else
		ok(cnt.rtc_redelivered && !(ioapic_read(IOAPIC_REDTBL + 16) & RTE_REMOTE_IRR),
		   "level-triggered RTC pin redelivered after an early EOI, Remote IRR clear");

	/* COM1 THRE: enabling the interrupt with the transmitter empty raises IRQ4; each
	 * character sent raises it again. */
	outb(COM1 + 1, 0x02);
	sti();
	pm_delay_us(20000);
	diag("irq: %u THRE interrupt(s) so far", cnt.com1);
	pm_delay_us(20000);
	cli();
	outb(COM1 + 1, 0x00);
	ok(cnt.com1 >= 2, "COM1 THRE IRQ4 # %u", cnt.com1);

	if (cnt.pic) {
		outb(PIC1 + 1, 0xff);
		outb(PIC2 + 1, 0xff);
		ok(inb(PIC1 + 1) == 0xff, "PIC masks read back");
	} else {
		ioapic_route(2, RTE_MASKED);
		ioapic_route(4, RTE_MASKED);
		ioapic_route(8, RTE_MASKED);
		ok(ioapic_read(IOAPIC_REDTBL + 4) & RTE_MASKED, "IOAPIC entries read back masked");
	}
	tap_done();
}
