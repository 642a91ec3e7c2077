# Interrupt controllers: kernel-irqchip=on (everything in KVM) and split (LAPICs in KVM;
# IOAPIC, 8259 pair and PIT in enlight, vmm/irqchip.c). firmware/irq.c counts the PIT's
# IRQ0, the RTC's periodic IRQ8 (level-triggered through the IOAPIC, with an early EOI that
# must redeliver) and COM1's THRE IRQ4, through the IOAPIC or through the 8259 as ExtINT.
# KVM's in-kernel PIT re-injects ticks it could not deliver (its default lost_tick_policy,
# "delay"), so on a loaded host a burst of caught-up ticks can exceed the payload's upper bound
# for a 200 ms window; "discard" (as enlight's own PIT in split mode does) keeps the count to
# real time.
for chip in on split; do
	M="-machine q35,kernel-irqchip=$chip"
	[ $chip = on ] && M="$M -global kvm-pit.lost_tick_policy=discard"
	check irq-ioapic-$chip 1 "$BASE $DBG $M -kernel $FW/irq.elf" \
		'^ok 2 - PIT IRQ0' '^ok 3 - RTC periodic' '^ok 4 - level-triggered' \
		'^ok 5 - COM1 THRE' '# 6/6 passed' "$NOTOK"
	check irq-pic-$chip 1 "$BASE $DBG $M -kernel $FW/irq.elf -append pic" \
		'8259 ExtINT mode' '^ok 2 - PIT IRQ0' '^ok 3 - RTC periodic' '^ok 5 - COM1 THRE' \
		'# 6/6 passed' "$NOTOK"
done
# The rest of the machine under split: IPIs stay in the in-kernel LAPICs; a reset rebuilds
# the VM with the split irqchip again.
M="-machine q35,kernel-irqchip=split"
check split-smp-4 1 "$BASE $DBG $M -smp 4 -kernel $FW/smp.elf" 'cpu 3 online' "$NOTOK"
check split-selftest 1 "$BASE $DBG $M -kernel $FW/selftest.elf" 'self-IPI reaches' "$NOTOK"
check split-reset-reboots 67 "$BASE $DBG $M -kernel $FW/reset.elf" 'came back after' "$NOTOK"
check split-pm-timer 1 "$BASE $DBG $M -kernel $FW/pmtimer.elf -append tsc_khz=${TSC_KHZ:-0}" \
	'^ok 4 - frequency' "$NOTOK"
