#!/usr/bin/env bash
# Boot the tests/linux guest (a minimal Linux 6.1 bzImage + a one-binary initramfs, built by
# build-kernel.sh) under enlight as a Hyper-V guest, and check the guest's own report: it
# detects Microsoft Hyper-V, prints the privilege flags and hints, switches to the
# hyperv_clocksource_tsc_page clocksource and, where the CPU options offer them, uses the
# enlightened APIC, the direct-mode synthetic timer clockevent, PV IPIs and PV TLB flushes.
#
# Usage: tests/linux/run.sh [BUILD_DIR]           (make test-linux)
# Environment:
#   LINUX_BACKENDS  hv backends to boot with (default: "auto"; "kernel user" in the nested KVM)
#   LINUX_CPU       -cpu value (default "host,kvm=off,hv-windows": kvm=off hides KVM's own
#                   leaves at 0x40000100, which Linux would otherwise prefer to Hyper-V's)
#   LINUX_SMP       vCPUs (default 2: PV IPIs and TLB flushes have a remote CPU), LINUX_MEM MiB (default 128)
#   LINUX_APPEND    extra kernel command line
#   LINUX_WORKAROUNDS  auto (default: on where KVM has no in-kernel Hyper-V, i.e. the
#                   restricted host), on or off: the kernel parameters that keep the guest
#                   off instructions that host's KVM cannot emulate in guest ring 0
#   LINUX_TIMEOUT   enlight watchdog per boot in seconds (default 1800)
#   LINUX_NO_BUILD=1  use BUILD/linux/{bzImage,initramfs.cpio} as they are (nested run)
#   LINUX_USERSPACE auto (default: no where the workarounds are on), yes or no: whether the
#                   guest's user mode can run, i.e. /init reports and the guest exits with 0
# Exit status: 0 every check passed on every backend (or skipped: no /dev/kvm); 1 a check
# failed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
ENLIGHT=$BUILD/enlight
OUT=$BUILD/linux
BACKENDS=${LINUX_BACKENDS:-auto}
CPU=${LINUX_CPU:-host,kvm=off,hv-windows}
SMP=${LINUX_SMP:-2}
MEM=${LINUX_MEM:-128}
TIMEOUT=${LINUX_TIMEOUT:-1800}
# no_timer_check: skip the IO-APIC timer probe (busy waits); panic=-1: a panic resets at
# once, which -no-reboot turns into an exit.
APPEND="console=ttyS0 panic=-1 no_timer_check"
# The restricted host's KVM emulates guest ring-0 code and stops with "emulation failure"
# on XRSTOR, POPCNT, CLAC/STAC, RDFSBASE/WRFSBASE, RDRAND/RDSEED, INVPCID, SERIALIZE and
# VERW, and its CPUID cannot hide them (enlight cpuid --verify), so the kernel is told not
# to use them: clearcpuid takes X86_FEATURE_* numbers (arch/x86/include/asm/cpufeatures.h:
# POPCNT 4*32+23, RDRAND 4*32+30, INVPCID 9*32+10, RDSEED 9*32+18, SMAP 9*32+20,
# SERIALIZE 18*32+14); mitigations=off drops VERW on return to user.
WORKAROUND_APPEND="noxsave nofsgsbase clearcpuid=151,158,298,306,308,590 mitigations=off"
say() { echo "linux: $*"; }

if [ "${LINUX_NO_BUILD:-0}" != 1 ]; then
	bash tests/linux/build-kernel.sh "$BUILD" || { say "FAIL: building the guest failed"; exit 1; }
fi
for f in "$ENLIGHT" "$OUT/bzImage" "$OUT/initramfs.cpio"; do
	[ -e "$f" ] || { say "FAIL: $f missing (make all; tests/linux/build-kernel.sh)"; exit 1; }
done
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	say "SKIP: /dev/kvm is absent or not accessible"
	exit 0
fi
case ${LINUX_WORKAROUNDS:-auto} in
auto) "$ENLIGHT" --probe 2>/dev/null | grep -qE '^ +HYPERV +yes' ||
	APPEND="$APPEND $WORKAROUND_APPEND" ;;
on) APPEND="$APPEND $WORKAROUND_APPEND" ;;
esac
APPEND="$APPEND ${LINUX_APPEND:-}"

# has_opt NAME: the -cpu value turns NAME on (directly or through the hv-windows preset)
# and does not turn it off again.
PRESET=$("$ENLIGHT" -cpu help 2>/dev/null | sed -n 's/^Preset hv-windows: //p')
has_opt() {
	local v=",$CPU," on=0 p
	case $v in *,hv-windows,* | *,hv-windows=on,*) for p in $PRESET; do [ "$p" = "$1" ] && on=1; done ;; esac
	case $v in *,"$1",* | *,"$1"=on,*) on=1 ;; esac
	case $v in *,"$1"=off,*) on=0 ;; esac
	[ $on = 1 ]
}

# Checks: "SOURCE|NAME|pattern (grep -E on the guest log)|hv option that makes it expected, or -".
# SOURCE K: the kernel's own log; U: the /init report, which needs guest user mode.
CHECKS=(
	"K|detects Microsoft Hyper-V|Hypervisor detected: Microsoft Hyper-V|-"
	"K|privilege flags and hints|Hyper-V: privilege flags low 0x[0-9a-f]+, high 0x[0-9a-f]+, hints 0x[0-9a-f]+|-"
	"K|TSC-page clocksource (the last switch)|LAST-SWITCH hyperv_clocksource_tsc_page|hv-time"
	"K|enlightened APIC|Hyper-V: Using enlightened APIC|hv-vapic"
	"K|PV IPIs|Hyper-V: Using IPI hypercalls|hv-ipi"
	"K|PV TLB flush|Hyper-V: Using hypercall for remote TLB flush|hv-tlbflush"
	"K|handed over to /init|Run /init as init process|-"
	"U|/init runs|^LINUX-INIT |-"
	"U|current clocksource is the TSC page|^LINUX-CLOCKSOURCE hyperv_clocksource_tsc_page|hv-time"
	"U|synthetic timer clockevent|^LINUX-CLOCKEVENT Hyper-V clockevent|hv-stimer-direct"
	"U|stimer0 interrupts arrive|^LINUX-IRQ HVS: +[1-9]|hv-stimer-direct"
	"U|IPIs reach the second vCPU|^LINUX-IRQ CAL: +[0-9]+ +[1-9]|hv-ipi"
	"U|report complete|^LINUX-DONE |-"
)

# Guest user mode: the restricted host's KVM cannot run it (tests/linux/README.md), so there
# the boot ends with "Attempted to kill init", reported through the Hyper-V crash MSRs
# (enlight status 5; without hv-crash, panic=-1 resets: 0); elsewhere /init reports and
# resets the guest (status 0).
case ${LINUX_USERSPACE:-auto} in
auto) case " $APPEND " in *" $WORKAROUND_APPEND "*) USER=no ;; *) USER=yes ;; esac ;;
*) USER=$LINUX_USERSPACE ;;
esac
WANT=0
[ $USER = no ] && has_opt hv-crash && WANT=5

fail=0
for be in $BACKENDS; do
	log=$OUT/boot-$be.log
	args=(-machine q35 -cpu "$CPU" -accel "kvm,hv-backend=$be" -smp "$SMP" -m "$MEM"
		-nographic -no-reboot --timeout "$TIMEOUT"
		-kernel "$OUT/bzImage" -initrd "$OUT/initramfs.cpio" -append "$APPEND")
	say "booting (hv-backend=$be): $ENLIGHT ${args[*]}"
	t0=$(date +%s)
	"$ENLIGHT" "${args[@]}" </dev/null 2>&1 | tr -d '\r' >"$log"
	st=${PIPESTATUS[0]}
	secs=$(($(date +%s) - t0))
	say "hv-backend=$be: enlight exited with status $st after ${secs}s (log: $log)"
	grep -a -E '^LINUX-|Hypervisor detected|Hyper-V|Switched to clocksource|Run /init|Kernel panic|enlight:' \
		"$log" | sed 's/^/    | /'
	# The clocksource the kernel switched to last (a later switch would undo the TSC page).
	last=$(grep -a 'Switched to clocksource' "$log" | tail -1 | sed 's/.*Switched to clocksource //')
	n=0
	for c in "${CHECKS[@]}"; do
		IFS='|' read -r src name pat opt <<<"$c"
		n=$((n + 1))
		if [ "$opt" != - ] && ! has_opt "$opt"; then
			echo "ok $n - $be: $name # SKIP $opt not offered"
		elif [ "$src" = U ] && [ $USER = no ]; then
			echo "ok $n - $be: $name # SKIP no guest user mode on this KVM"
		elif [ "$name" = "IPIs reach the second vCPU" ] && [ "${SMP%%,*}" -lt 2 ]; then
			echo "ok $n - $be: $name # SKIP one vCPU"
		elif grep -aqE "$pat" "$log" || [ "LAST-SWITCH $last" = "$pat" ]; then
			echo "ok $n - $be: $name"
		else
			echo "not ok $n - $be: $name"
			fail=1
		fi
	done
	n=$((n + 1))
	if [ "$st" = "$WANT" ]; then
		echo "ok $n - $be: enlight exit status $st"
	else
		echo "not ok $n - $be: enlight exit status $st, want $WANT"
		tail -20 "$log" | sed 's/^/    | /'
		fail=1
	fi
done
[ $fail = 0 ] && say "PASS" || say "FAIL"
exit $fail
