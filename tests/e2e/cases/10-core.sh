# Core machine: serial, SMP bring-up, power off, resets, debug-exit, PM timer, watchdog, CLI.
# Status convention (firmware/README.md): a payload's tap_done() writes 0 (all passed) or 1 to
# isa-debug-exit, so enlight exits with (0<<1)|1 = 1 or 3.

check hello 1 "$BASE $DBG -kernel $FW/hello.elf" '^ok 1 - serial works' "$NOTOK"
check smp-1 1 "$BASE $DBG -smp 1 -kernel $FW/smp.elf" 'cpu 0 online' "$NOTOK"
check smp-2 1 "$BASE $DBG -smp 2 -kernel $FW/smp.elf" 'cpu 1 online' "$NOTOK"
check smp-4 1 "$BASE $DBG -smp 4 -kernel $FW/smp.elf" 'cpu 3 online' "$NOTOK"
check smp-4-topology 1 "$BASE $DBG -smp 4,sockets=2,cores=2 -kernel $FW/smp.elf" 'cpu 3 online' "$NOTOK"
check acpi-s5-poweroff 0 "$BASE $DBG -kernel $FW/poweroff.elf" '!not ok'
check reset-no-reboot 0 "$BASE $DBG -no-reboot -kernel $FW/reset.elf" 'reset-test boot'
# Without -no-reboot the guest boots twice (it counts boots in CMOS NVRAM) and then exits 0x21.
check reset-reboots 67 "$BASE $DBG -kernel $FW/reset.elf" 'reset-test boot' "$NOTOK"
check debug-exit-default 99 "$BASE $DBG -kernel $FW/debugexit.elf"
check debug-exit-code 11 "$BASE $DBG -kernel $FW/debugexit.elf -append code=5"
TSC_KHZ=$("$ENLIGHT" --probe | sed -n 's/^guest TSC frequency (KVM_GET_TSC_KHZ): \([0-9]*\) kHz$/\1/p')
check pm-timer 1 "$BASE $DBG -kernel $FW/pmtimer.elf -append tsc_khz=${TSC_KHZ:-0}" \
	'^ok 4 - frequency [0-9]+ Hz within 1%' '!SKIP' "$NOTOK"
check stats 1 "$BASE $DBG --stats -kernel $FW/hello.elf" 'exit statistics' 'port 0x03f8'

# Bad input: one line, status 1, nothing started.
printf 'not a kernel image at all' >"$OUT/garbage.bin"
check bad-image 1 "$BASE -kernel $OUT/garbage.bin" "garbage.bin" '!serial works'
check missing-image 1 "$BASE -kernel $OUT/does-not-exist.elf" "cannot open"
check bad-option 1 "$BASE -kernal $FW/hello.elf" "did you mean -kernel"
check too-many-vcpus 1 "$BASE -smp 4096 -kernel $FW/hello.elf" "KVM_CAP_MAX_VCPUS"
check probe 0 "--probe" 'USER_SPACE_MSR' 'Hyper-V backend for hv-backend=auto'
