# Hyper-V matrix: guest payloads check from inside what enlight promises (firmware/hv_*.c,
# firmware/tsc_freq.c), with the userspace backend (the only one this host's KVM allows).
# Every case asserts the exit status and that no TAP line says "not ok".
#
# hv-detect gets the same flag list on its command line (-append hv=<flags>) and computes the
# CPUID leaves QEMU would show for it; hv-msr derives from CPUID which MSRs must exist and
# checks that the others raise #GP. One row per feature the userspace backend accepts, with
# the dependencies QEMU requires, plus the hv-windows preset, spinlocks alone and no flags.
HV_SETS="hv-relaxed hv-vapic hv-time hv-crash hv-reset hv-vpindex hv-runtime
hv-vpindex,hv-synic hv-vpindex,hv-synic,hv-time,hv-stimer
hv-vpindex,hv-synic,hv-time,hv-stimer,hv-stimer-direct hv-frequencies hv-reenlightenment
hv-vpindex,hv-tlbflush hv-vpindex,hv-tlbflush,hv-tlbflush-ext hv-vpindex,hv-ipi hv-avic
hv-vapic,hv-avic hv-apicv hv-xmm-input hv-spinlocks=0x1fff hv-relaxed,hv-spinlocks=0xfff
hv-windows hv-windows,hv-spinlocks=0x2000"
for flags in $HV_SETS; do
	check "hv-detect[$flags]" 1 "$BASE $DBG -cpu host,$flags -kernel $FW/hv_detect.elf -append hv=$flags" \
		'^ok 11 - KVM signature moved' '# 11/11 passed' "$NOTOK"
	check "hv-msr[$flags]" 1 "$BASE $DBG -cpu host,$flags -kernel $FW/hv_msr.elf" \
		'^1\.\.45' '# 45/45 passed' "$NOTOK"
done
check "hv-detect[none]" 1 "$BASE $DBG -cpu host -kernel $FW/hv_detect.elf" \
	"^ok 2 - 0x40000000 is KVM's signature" '# 4/4 passed' "$NOTOK"
check "hv-msr[none]" 1 "$BASE $DBG -cpu host -kernel $FW/hv_msr.elf" \
	'^ok 1 - no Hyper-V: GUEST_OS_ID raises #GP' "$NOTOK"
# Vendor/version options alone do not turn Hyper-V on (QEMU hyperv_enabled()).
check "hv-detect[vendor-only]" 1 "$BASE $DBG -cpu host,hv-vendor-id=abc -kernel $FW/hv_detect.elf" \
	'# 4/4 passed' "$NOTOK"

# Reference TSC page: 1, 2 and 4 vCPUs; absent without hv-time.
for smp in 1 2 4; do
	check "hv-tsc-page[smp$smp]" 1 "$BASE $DBG -smp $smp -cpu host,hv-time,hv-frequencies -kernel $FW/hv_tsc_page.elf" \
		'# 8/8 passed' "$NOTOK" "$([ $smp = 1 ] && echo '^ok 6 .*SKIP one vCPU' || echo '!SKIP')"
done
check "hv-tsc-page[windows]" 1 "$BASE $DBG -smp 2 -cpu host,hv-windows -kernel $FW/hv_tsc_page.elf" \
	'# 8/8 passed' '!SKIP' "$NOTOK"
check "hv-tsc-page[off]" 1 "$BASE $DBG -cpu host,hv-relaxed -kernel $FW/hv_tsc_page.elf" \
	'SKIP no AccessPartitionReferenceTsc' "$NOTOK"

# VP index on every vCPU.
for smp in 1 2 4; do
	check "hv-vpindex[smp$smp]" 1 "$BASE $DBG -smp $smp -cpu host,hv-vpindex -kernel $FW/hv_vpindex.elf" \
		"hv-vpindex: cpu $((smp - 1)) apic-id" '# 6/6 passed' "$NOTOK"
done
check "hv-vpindex[off]" 1 "$BASE $DBG -cpu host,hv-relaxed -kernel $FW/hv_vpindex.elf" 'SKIP no AccessVpIndex' "$NOTOK"

# Crash MSRs: CRASH_CTL stops the VM with status 5 and enlight prints P0-P4.
check "hv-crash" 5 "$BASE $DBG -cpu host,hv-crash -kernel $FW/hv_crash.elf" \
	'^ok 2 - CRASH_CTL offers CrashNotify' \
	'P0 0xc0ffee00 P1 0xc0ffee01 P2 0xc0ffee02 P3 0xc0ffee03 P4 0xc0ffee04' "$NOTOK"
check "hv-crash[off]" 1 "$BASE $DBG -cpu host,hv-relaxed -kernel $FW/hv_crash.elf" 'SKIP no crash MSRs' "$NOTOK"

# Reset MSR: two boots, then code 0x21 (status 67); -no-reboot stops at the reset (0).
check "hv-reset" 67 "$BASE $DBG -cpu host,hv-reset -kernel $FW/hv_reset.elf" \
	'^ok 2 - RESET reserved bit 1' 'hv-reset boot 2' '^ok 1 - came back after the RESET MSR' "$NOTOK"
check "hv-reset[no-reboot]" 0 "$BASE $DBG -no-reboot -cpu host,hv-windows -kernel $FW/hv_reset.elf" \
	'hv-reset: writing 1' '!hv-reset boot 2' "$NOTOK"
check "hv-reset[off]" 1 "$BASE $DBG -cpu host,hv-relaxed -kernel $FW/hv_reset.elf" 'SKIP no AccessResetReg' "$NOTOK"

# TSC frequency against the PM timer, the reference counter, TSC_FREQUENCY and the host's rate.
HV_TSC_KHZ=$("$ENLIGHT" --probe | sed -n 's/^guest TSC frequency (KVM_GET_TSC_KHZ): \([0-9]*\) kHz$/\1/p')
check "tsc-freq[windows]" 1 "$BASE $DBG -cpu host,hv-windows -kernel $FW/tsc_freq.elf -append tsc_khz=${HV_TSC_KHZ:-0}" \
	'# 4/4 passed' '!SKIP' "$NOTOK"
check "tsc-freq[no-hv]" 1 "$BASE $DBG -cpu host -kernel $FW/tsc_freq.elf -append tsc_khz=${HV_TSC_KHZ:-0}" \
	'^ok 1 - TSC vs PM timer matches tsc_khz' "$NOTOK"

# Hypercalls, SynIC, synthetic timers, PV IPIs and TLB flushes (userspace backend here),
# each with and without the enlightenment it needs.
HVALL="-cpu host,hv-relaxed,hv-vapic,hv-time,hv-vpindex,hv-synic,hv-stimer,hv-tlbflush,hv-ipi,hv-stimer-direct"
check "hv-hypercall" 1 "$BASE $DBG -smp 2 $HVALL -kernel $FW/hv_hypercall.elf" '# 19/19 passed' "$NOTOK"
check "hv-hypercall[windows]" 1 "$BASE $DBG -cpu host,hv-windows -kernel $FW/hv_hypercall.elf" '^ok' "$NOTOK"
check "hv-synic" 1 "$BASE $DBG -smp 2 $HVALL -device hyperv-testdev -kernel $FW/hv_synic.elf" \
	'# 8/8 passed' "$NOTOK"
check "hv-synic[off]" 1 "$BASE $DBG -cpu host,hv-relaxed -kernel $FW/hv_synic.elf" 'SKIP' "$NOTOK"
check "hv-stimer" 1 "$BASE $DBG -smp 2 $HVALL -kernel $FW/hv_stimer.elf" '# 11/11 passed' "$NOTOK"
check "hv-stimer[off]" 1 "$BASE $DBG -cpu host,hv-relaxed -kernel $FW/hv_stimer.elf" 'SKIP' "$NOTOK"
check "hv-ipi[smp4]" 1 "$BASE $DBG -smp 4 $HVALL -kernel $FW/hv_ipi.elf" '# 6/6 passed' "$NOTOK"
check "hv-tlbflush[smp4]" 1 "$BASE $DBG -smp 4 $HVALL -kernel $FW/hv_tlbflush.elf" '# 4/4 passed' "$NOTOK"
