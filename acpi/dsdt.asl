/*
 * enlight q35 DSDT: the devices vmm/machine_q35.c creates, compiled by iasl at build time
 * (Makefile: build/acpi/dsdt_aml.c). Processors are not here: acpi/acpi_build.c generates an
 * SSDT with one ACPI0007 device per vCPU, since the count is a run-time option.
 *
 * Every number below must match the machine: the PCI windows vmm/memmap.h (checked by
 * tests/unit/test_acpi.c), the ports the headers in vmm/dev.
 */
DefinitionBlock ("", "DSDT", 2, "ENLGHT", "ENLIGHTQ", 1)
{
    /* _S5 soft-off: SLP_TYP 0 in PM1a_CNT (vmm/dev/ich9_lpc.h ICH9_SLP_TYP_S5_QEMU). */
    Name (\_S5, Package (0x04) { Zero, Zero, Zero, Zero })

    Scope (\_SB)
    {
        /* PCI Express root bridge: MCH 00:00.0, config through 0xCF8/0xCFC and the ECAM
         * window of the MCFG (ACPI 6.4 §6.1.5 _HID PNP0A08, _CID PNP0A03). */
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            Name (_UID, Zero)
            Name (_SEG, Zero)
            Name (_BBN, Zero)

            Name (_CRS, ResourceTemplate ()
            {
                /* Buses 0-255: the 256 MiB ECAM at Q35_ECAM_BASE. */
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                /* The config ports belong to the bridge itself. */
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                /* I/O forwarded to PCI: everything except 0xCF8-0xCFF. */
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                /* Legacy VGA window. */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                /* 32-bit MMIO: from the end of the ECAM (0xB0000000 + 256 MiB) to below the
                 * IOAPIC at 0xFEC00000. RAM below 4 GiB never reaches 0xB0000000
                 * (q35_layout_compute), so the window is the same for every -m. */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xC0000000, 0xFEBFFFFF, 0x00000000, 0x3EC00000)
            })

            /* INTx routing in APIC mode (ACPI 6.4 §6.2.13): slot N, pin P (0 = INTA) reaches
             * PIRQ ((N + P) mod 4), which the ICH9 wires to IOAPIC GSI 16 + that (QEMU q35's
             * APIC-mode routing; vm.c routes GSI n to IOAPIC pin n for n >= 16). Entries
             * use the GSI form: source Zero, source index = GSI. */
            Method (_PRT, 0, NotSerialized)
            {
                Local0 = Package (0x80) {}
                Local1 = Zero
                While (Local1 < 0x80)
                {
                    Local2 = (Local1 >> 0x02)
                    Local3 = (Local1 & 0x03)
                    Local4 = Package (0x04) { Zero, Zero, Zero, Zero }
                    Local4 [Zero] = ((Local2 << 0x10) | 0xFFFF)
                    Local4 [One] = Local3
                    Local4 [0x03] = (0x10 + ((Local2 + Local3) & 0x03))
                    Local0 [Local1] = Local4
                    Local1++
                }
                Return (Local0)
            }

            /* ICH9 LPC bridge 00:1f.0 and the ISA devices behind it. */
            Device (LPC)
            {
                Name (_ADR, 0x001F0000)

                /* COM1: 16550A at 0x3F8, IRQ 4 (vmm/dev/serial_16550.h). With -serial none
                 * the ports are unclaimed and read all-ones, which a 16550 probe rejects. */
                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, One)
                    Name (_STA, 0x0F)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
                        IRQNoFlags () {4}
                    })
                }

                /* CMOS RTC at 0x70-0x71, IRQ 8 (vmm/dev/cmos_rtc.h). */
                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                        IRQNoFlags () {8}
                    })
                }

                /* No PS/2 controller: ports 0x60/0x64 only implement the i8042 pulse reset
                 * (vmm/dev/reset_ports.h), so no PNP0303 is described and the FADT clears
                 * the 8042 boot flag. */
            }

            /* QEMU fw_cfg: selector/data 0x510-0x511 and the DMA address 0x514-0x51B
             * (vmm/dev/fw_cfg.h); QEMU describes the same 12 ports. */
            Device (FWCF)
            {
                Name (_HID, "QEMU0002")
                Name (_STA, 0x0B)
                Name (_CRS, ResourceTemplate ()
                {
                    IO (Decode16, 0x0510, 0x0510, 0x01, 0x0C)
                })
            }
        }
    }
}
