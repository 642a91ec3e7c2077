/* ACPI numbers only: signatures, revisions, field offsets and flag bits, each with its ACPI 6.4
 * section. No enlight types (shared/STYLE.md, "What to absorb" 3). */
#ifndef ENLIGHT_ACPI_PROTO_H
#define ENLIGHT_ACPI_PROTO_H

/* System description table header (§5.2.6, Table 5.4): 36 bytes. */
#define ACPI_HDR_SIZE        36
#define ACPI_HDR_LENGTH      4  /* u32 */
#define ACPI_HDR_REVISION    8
#define ACPI_HDR_CHECKSUM    9
#define ACPI_HDR_OEM_ID      10 /* 6 bytes */
#define ACPI_HDR_OEM_TABLE   16 /* 8 bytes */
#define ACPI_HDR_OEM_REV     24
#define ACPI_HDR_CREATOR_ID  28
#define ACPI_HDR_CREATOR_REV 32

/* Root System Description Pointer (§5.2.5.3, Table 5.3), revision 2: 36 bytes; the first
 * checksum covers bytes 0-19 (the ACPI 1.0 part), the extended one all 36. */
#define ACPI_RSDP_SIG        "RSD PTR "
#define ACPI_RSDP_SIZE       36
#define ACPI_RSDP_V1_SIZE    20
#define ACPI_RSDP_CHECKSUM   8
#define ACPI_RSDP_OEM_ID     9
#define ACPI_RSDP_REVISION   15
#define ACPI_RSDP_RSDT       16 /* u32 */
#define ACPI_RSDP_LENGTH     20 /* u32 */
#define ACPI_RSDP_XSDT       24 /* u64 */
#define ACPI_RSDP_EXT_CSUM   32
#define ACPI_RSDP_REV_2      2
/* §5.2.5.1: on a legacy BIOS system the RSDP sits on a 16-byte boundary in 0xE0000-0xFFFFF. */
#define ACPI_RSDP_ALIGN      16

/* Revisions this builder emits (ACPI 6.4 unless noted). */
#define ACPI_RSDT_REV        1 /* §5.2.7 */
#define ACPI_XSDT_REV        1 /* §5.2.8 */
#define ACPI_FADT_REV        6 /* §5.2.9, Table 5.9: major 6 */
#define ACPI_FADT_MINOR      4 /* FADT Minor Version for ACPI 6.4 */
#define ACPI_FACS_VERSION    2 /* §5.2.10, Table 5.14 */
#define ACPI_MADT_REV        5 /* §5.2.12, Table 5.19 (ACPI 6.3+) */
#define ACPI_MCFG_REV        1 /* PCI Firmware Spec 3.2 §4.1.2 */
#define ACPI_WAET_REV        1 /* Microsoft WAET spec 1.0 */
#define ACPI_DSDT_REV        2 /* 64-bit AML integers (§19.6.28 ComplianceRevision >= 2) */
#define ACPI_SSDT_REV        2

/* FADT (§5.2.9, Table 5.9), 276 bytes in ACPI 6.x. */
#define ACPI_FADT_SIZE             276
#define FADT_FIRMWARE_CTRL         36
#define FADT_DSDT                  40
#define FADT_PREFERRED_PM_PROFILE  45
#define FADT_SCI_INT               46
#define FADT_SMI_CMD               48
#define FADT_PM1A_EVT_BLK          56
#define FADT_PM1A_CNT_BLK          64
#define FADT_PM_TMR_BLK            76
#define FADT_GPE0_BLK              80
#define FADT_PM1_EVT_LEN           88
#define FADT_PM1_CNT_LEN           89
#define FADT_PM_TMR_LEN            91
#define FADT_GPE0_BLK_LEN          92
#define FADT_P_LVL2_LAT            96
#define FADT_P_LVL3_LAT            98
#define FADT_CENTURY               108
#define FADT_IAPC_BOOT_ARCH        109
#define FADT_FLAGS                 112
#define FADT_RESET_REG             116 /* GAS */
#define FADT_RESET_VALUE           128
#define FADT_MINOR_VERSION         131
#define FADT_X_FIRMWARE_CTRL       132
#define FADT_X_DSDT                140
#define FADT_X_PM1A_EVT_BLK        148
#define FADT_X_PM1A_CNT_BLK        172
#define FADT_X_PM_TMR_BLK          208
#define FADT_X_GPE0_BLK            220
#define FADT_HYPERVISOR_ID         268

/* FADT Flags (Table 5.10). */
#define FADT_F_WBINVD              (1u << 0)
#define FADT_F_PROC_C1             (1u << 2)
#define FADT_F_SLP_BUTTON          (1u << 5) /* no fixed-feature sleep button */
#define FADT_F_RTC_S4              (1u << 7)
#define FADT_F_TMR_VAL_EXT         (1u << 8) /* 32-bit PM timer (ours is 24-bit: clear) */
#define FADT_F_RESET_REG_SUP       (1u << 10)
#define FADT_F_USE_PLATFORM_CLOCK  (1u << 15)
#define FADT_F_HW_REDUCED_ACPI     (1u << 20)

/* IA-PC boot architecture flags (Table 5.11). */
#define FADT_BOOT_LEGACY_DEVICES   (1u << 0)
#define FADT_BOOT_8042             (1u << 1)
#define FADT_BOOT_NO_VGA           (1u << 2)
#define FADT_BOOT_NO_MSI           (1u << 3)
#define FADT_BOOT_NO_ASPM          (1u << 4)
#define FADT_BOOT_NO_CMOS_RTC      (1u << 5)

#define FADT_PM_PROFILE_UNSPECIFIED 0
#define FADT_CMOS_CENTURY          0x32 /* the RTC's century byte (as QEMU's mc146818rtc) */
/* P_LVL2/3_LAT above 100/1000 us say C2/C3 are not supported (Table 5.9). */
#define FADT_C2_NOT_SUPPORTED      101
#define FADT_C3_NOT_SUPPORTED      1001

/* Generic Address Structure (§5.2.3.2, Table 5.1): 12 bytes. */
#define ACPI_GAS_SIZE              12
#define ACPI_GAS_SYSTEM_MEMORY     0
#define ACPI_GAS_SYSTEM_IO         1
#define ACPI_GAS_ACCESS_UNDEF      0
#define ACPI_GAS_ACCESS_BYTE       1
#define ACPI_GAS_ACCESS_WORD       2
#define ACPI_GAS_ACCESS_DWORD      3

/* FACS (§5.2.10, Table 5.14): 64 bytes, 64-byte aligned, no checksum. */
#define ACPI_FACS_SIZE             64
#define ACPI_FACS_ALIGN            64
#define FACS_LENGTH                4
#define FACS_VERSION               32

/* MADT (§5.2.12, Table 5.19) and its structures (Table 5.20). */
#define MADT_LAPIC_ADDR            36
#define MADT_FLAGS                 40
#define MADT_ENTRIES               44
#define MADT_F_PCAT_COMPAT         (1u << 0) /* dual 8259s present */
#define MADT_TYPE_LAPIC            0  /* §5.2.12.2, 8 bytes */
#define MADT_TYPE_IOAPIC           1  /* §5.2.12.3, 12 bytes */
#define MADT_TYPE_ISO              2  /* §5.2.12.5, 10 bytes */
#define MADT_TYPE_LAPIC_NMI        4  /* §5.2.12.7, 6 bytes */
#define MADT_TYPE_X2APIC           9  /* §5.2.12.12, 16 bytes */
#define MADT_TYPE_X2APIC_NMI       10 /* §5.2.12.13, 12 bytes */
#define MADT_LAPIC_LEN             8
#define MADT_IOAPIC_LEN            12
#define MADT_ISO_LEN               10
#define MADT_LAPIC_NMI_LEN         6
#define MADT_X2APIC_LEN            16
#define MADT_X2APIC_NMI_LEN        12
#define MADT_LAPIC_ENABLED         (1u << 0)
/* MPS INTI flags (Table 5.26): polarity bits 1:0, trigger mode bits 3:2. */
#define MPS_INTI_POLARITY_HIGH     0x1
#define MPS_INTI_POLARITY_LOW      0x3
#define MPS_INTI_TRIGGER_EDGE      (0x1 << 2)
#define MPS_INTI_TRIGGER_LEVEL     (0x3 << 2)
#define MADT_ALL_PROCESSORS_UID8   0xFF
#define MADT_ALL_PROCESSORS_UID32  0xFFFFFFFFu
/* xAPIC IDs stop at 254: 255 is the broadcast ID (SDM Vol. 3A §10.6.1); above it the
 * processor needs a Local x2APIC structure (§5.2.12.12). */
#define MADT_XAPIC_MAX_ID          254

/* MCFG (PCI Firmware Spec 3.2 §4.1.2, Table 4-3): header, 8 reserved, 16-byte entries. */
#define MCFG_ENTRIES               44
#define MCFG_ENTRY_LEN             16

/* SRAT (§5.2.16): header, u32 reserved (1, for compatibility), u64 reserved,
 * then affinity structures. */
#define ACPI_SRAT_REV              3
#define SRAT_ENTRIES               48
#define SRAT_TYPE_LAPIC            0  /* §5.2.16.1, 16 bytes */
#define SRAT_TYPE_MEMORY           1  /* §5.2.16.2, 40 bytes */
#define SRAT_TYPE_X2APIC           2  /* §5.2.16.3, 24 bytes */
#define SRAT_LAPIC_LEN             16
#define SRAT_MEMORY_LEN            40
#define SRAT_X2APIC_LEN            24
#define SRAT_F_ENABLED             (1u << 0) /* every structure's Flags bit 0 */
/* Local APIC affinity: domain[7:0] at 2, APIC ID at 3, flags at 4, domain[31:8] at 9.
 * Memory affinity: domain at 2, base at 8, length at 16, flags at 28. x2APIC affinity:
 * domain at 4, x2APIC ID at 8, flags at 12. */
#define SRAT_LAPIC_DOMAIN_LO       2
#define SRAT_LAPIC_APIC_ID         3
#define SRAT_LAPIC_FLAGS           4
#define SRAT_LAPIC_DOMAIN_HI       9
#define SRAT_MEM_DOMAIN            2
#define SRAT_MEM_BASE              8
#define SRAT_MEM_LENGTH            16
#define SRAT_MEM_FLAGS             28
#define SRAT_X2APIC_DOMAIN         4
#define SRAT_X2APIC_ID             8
#define SRAT_X2APIC_FLAGS          12

/* WAET (Microsoft "Windows ACPI Emulated Devices Table" 1.0): header + u32 flags. */
#define WAET_FLAGS                 36
#define WAET_SIZE                  40
#define WAET_RTC_NO_ACK            (1u << 0) /* RTC good: no need to read register C */
#define WAET_TIMER_ONE_READ        (1u << 1) /* PM timer good: one read suffices */

#endif
