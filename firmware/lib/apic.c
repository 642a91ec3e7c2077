/* Local APIC access in xAPIC or x2APIC mode (Intel SDM Vol. 3A chapter 10). */
#include "apic.h"
#include "trap.h"
#include "x86.h"

#define X2APIC_MSR_BASE	0x800

struct apic {
	bool x2apic;
	bool setup;
	volatile uint32_t *mmio;
};

static struct apic apic;

bool apic_is_x2apic(void)
{
	return apic.x2apic;
}

bool apic_is_setup(void)
{
	return apic.setup;
}

uint32_t apic_read(uint32_t reg)
{
	if (apic.x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return apic.mmio[reg / 4];
}

void apic_write(uint32_t reg, uint32_t val)
{
	if (apic.x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), val);
	else
		apic.mmio[reg / 4] = val;
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return apic.x2apic ? id : id >> 24;	/* §10.4.6 vs §10.12.5.1 */
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_send_ipi(uint32_t dest, uint32_t icr)
{
	if (apic.x2apic) {
		/* §10.12.9: one 64-bit write, destination in bits 63:32, no busy bit. */
		wrmsr(X2APIC_MSR_BASE + (APIC_ICR >> 4), (uint64_t)dest << 32 | icr);
		return;
	}
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, icr);	/* the low word triggers the send */
	while (apic_read(APIC_ICR) & APIC_ICR_BUSY)
		cpu_relax();
}

static void apic_spurious(struct trap_frame *f)
{
	(void)f;	/* §10.9: no EOI for the spurious vector */
}

void apic_enable(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	/* §10.12.5: x2APIC can only be entered from xAPIC-enabled, so set EN first. */
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		wrmsr(MSR_IA32_APIC_BASE, base);
	}
	if (apic.x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | FW_VEC_SPURIOUS);
	apic_write(APIC_TPR, 0);
}

void apic_setup(bool allow_x2apic)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	apic.x2apic = allow_x2apic && (cpuid(1).ecx & CPUID_1_ECX_X2APIC);
	apic.mmio = (volatile uint32_t *)(base & 0xFFFFF000u);
	if (!apic.mmio)
		apic.mmio = (volatile uint32_t *)(uintptr_t)APIC_DEFAULT_BASE;
	irq_set_handler(FW_VEC_SPURIOUS, apic_spurious);
	apic.setup = true;
	apic_enable();
}
