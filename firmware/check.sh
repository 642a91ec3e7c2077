#!/bin/bash
# Development check: boots every payload and compares the exit status and key serial
# lines with what firmware/README.md promises.
#
#   firmware/check.sh qemu    [build/firmware]   QEMU software emulation (TCG), never KVM
#   firmware/check.sh enlight [build/firmware]   build/enlight on the host KVM
#
# The QEMU mode is a development aid only: the project's tests must not depend on QEMU.
set -u
vmm=${1:-qemu}
fw=${2:-$(dirname "$0")/../build/firmware}
case $vmm in
qemu)	cmd=(timeout 60 qemu-system-x86_64 -accel tcg -machine q35) ;;
enlight) cmd=(timeout 30 "$fw/../enlight" --timeout 10) ;;
*)	echo "usage: $0 qemu|enlight [firmware-dir]" >&2; exit 2 ;;
esac
tsc_khz=$(awk '/tsc: Detected/ {print int($(NF-1) * 1000); exit}' <(dmesg 2>/dev/null))
[ -n "$tsc_khz" ] || tsc_khz=$(awk '/cpu MHz/ {print int($4 * 1000); exit}' /proc/cpuinfo)
fail=0

# run <name> <want status> <want regex (one per line, each must match)> <qemu args...>
run() {
	local name=$1 want=$2 pattern=$3 out st
	shift 3
	out=$("${cmd[@]}" -m 64 -nographic -device isa-debug-exit,iobase=0xf4,iosize=0x4 \
		"$@" 2>&1)
	st=$?
	if [ "$st" != "$want" ]; then
		echo "FAIL $name: status $st, want $want"; echo "$out" | tail -20; fail=1; return
	fi
	while IFS= read -r re; do
		[ -z "$re" ] && continue
		if ! grep -Eq -- "$re" <<<"$out"; then
			echo "FAIL $name: no line matching '$re'"; echo "$out" | tail -20; fail=1; return
		fi
	done <<<"$pattern"
	if grep -q '^not ok' <<<"$out"; then
		echo "FAIL $name: not ok lines"; grep '^not ok' <<<"$out"; fail=1; return
	fi
	echo "ok   $name (status $st)"
}

echo "# $vmm: ${cmd[*]}"

run hello 1 $'^hello from enlight guest$\n^ok 1 - serial works$' -no-reboot -kernel "$fw/hello.elf"
for n in 1 2 4 8; do
	run "smp -smp $n" 1 "^ok $((n + 1)) - every AP ran work" -smp "$n" -no-reboot \
		-kernel "$fw/smp.elf"
done
run poweroff 0 '^poweroff: writing' -no-reboot -kernel "$fw/poweroff.elf"
run "reset -no-reboot" 0 '^reset-test boot$' -no-reboot -kernel "$fw/reset.elf"
out_re=$'^ok 1 - came back after the 0xCF9 reset$\n# boot count in CMOS 0x50: 1'
run "reset (reboot)" 67 "$out_re" -kernel "$fw/reset.elf"
run debugexit 99 '^ok 1 - exiting with code 0x31' -no-reboot -kernel "$fw/debugexit.elf"
run "debugexit code=0x12" 37 '' -no-reboot -kernel "$fw/debugexit.elf" -append "code=0x12"
run pmtimer 1 '^ok 4 - frequency' -no-reboot -kernel "$fw/pmtimer.elf" \
	-append "tsc_khz=$tsc_khz"
run demo 1 '^ok 1 - all CPUs online # 2 of 2' -smp 2 -no-reboot -kernel "$fw/demo.elf"
run selftest 1 $'^ok 10 - command-line parser # cmdline\n^ok 11 - fw_cfg file lookup' -no-reboot \
	-kernel "$fw/selftest.elf" -append "selftest num=0x2a word=abc flag"
run "selftest crash" 5 '^unexpected exception 6 at rip 0x[0-9a-f]+ err 0x0 \(#UD\)' -no-reboot \
	-kernel "$fw/selftest.elf" -append "crash"
exit $fail
