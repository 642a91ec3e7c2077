/* Local APIC in xAPIC (MMIO at 0xFEE00000) or x2APIC (MSRs 0x800+) mode (Intel SDM
 * Vol. 3A chapter 10). Register numbers are the xAPIC MMIO offsets; in x2APIC mode
 * offset r maps to MSR 0x800 + (r >> 4) (§10.12.1.2). */
#ifndef FW_APIC_H
#define FW_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_DEFAULT_BASE	0xFEE00000u
#define APIC_BASE_BSP		(1u << 8)
#define APIC_BASE_EXTD		(1u << 10)
#define APIC_BASE_EN		(1u << 11)

#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_EOI	0x0B0
#define APIC_LDR	0x0D0
#define APIC_SVR	0x0F0
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310	/* xAPIC only: destination in bits 31:24 */
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3E0

#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)

/* ICR fields (§10.6.1). */
#define APIC_DM_FIXED		0x000
#define APIC_DM_NMI		0x400
#define APIC_DM_INIT		0x500
#define APIC_DM_STARTUP		0x600
#define APIC_ICR_BUSY		(1u << 12)
#define APIC_ICR_ASSERT		(1u << 14)
#define APIC_DEST_SELF		(1u << 18)
#define APIC_DEST_ALL		(2u << 18)
#define APIC_DEST_ALL_BUT_SELF	(3u << 18)

/* BSP, once: picks the mode (x2APIC when CPUID.1:ECX[21] says so and allow_x2apic),
 * then does apic_enable(). */
void apic_setup(bool allow_x2apic);
/* Every CPU: enables its local APIC in the chosen mode, SVR = enable | FW_VEC_SPURIOUS,
 * TPR = 0. */
void apic_enable(void);
bool apic_is_x2apic(void);
bool apic_is_setup(void);

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t val);
uint32_t apic_id(void);
void apic_eoi(void);

/* Sends an IPI: icr is the low ICR word (vector | delivery mode | level | shorthand);
 * dest the APIC ID (ignored with a shorthand). Waits for delivery in xAPIC mode. */
void apic_send_ipi(uint32_t dest, uint32_t icr);
static inline void apic_send_fixed(uint32_t dest, uint8_t vector)
{
	apic_send_ipi(dest, APIC_DM_FIXED | APIC_ICR_ASSERT | vector);
}

#endif
