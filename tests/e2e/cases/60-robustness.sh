# Issue 8: an untrusted guest. firmware/hostile.c throws random and bad values at every
# Hyper-V MSR, the hypercall page, the SynIC and stimers, unassigned ports, ECAM, fw_cfg
# (DMA) and the UART; the VMM must answer architecturally, stay up and exit cleanly with
# the payload's own status (1 = every answer was architectural).
check hostile-hv-windows 1 "$BASE $DBG -cpu host,hv-windows -kernel $FW/hostile.elf" \
	'^hostile: survived' '^# 9/9 passed' "$NOTOK" '!unexpected exception'
check hostile-other-seed 1 "$BASE $DBG -smp 2 -cpu host,hv-windows -kernel $FW/hostile.elf -append seed=0x1234" \
	'^hostile: seed 0x1234' '^hostile: survived' "$NOTOK"
check hostile-no-enlightenments 1 "$BASE $DBG -cpu host -kernel $FW/hostile.elf" \
	'^hostile: survived' '^ok 1 - hypercall page enabled # SKIP' "$NOTOK"
# The seccomp sandbox (on by default) and -runas: the guest runs the same under them.
check sandbox-off 1 "$BASE $DBG --sandbox=off -cpu host,hv-windows -kernel $FW/hostile.elf" '^hostile: survived' "$NOTOK"
check runas-nobody 1 "$BASE $DBG -runas nobody -kernel $FW/hello.elf" '^ok 1 - serial works'
# Bad inputs: tests/e2e/bad_inputs.sh and cases/61-bad-inputs.sh.

# SIGTERM and SIGINT stop a guest that would run for ever: status 6 (EXIT_SIGNAL), one line
# naming the signal, and the QMP socket file removed. The guest is a 64 KiB -bios ROM whose
# reset vector writes 'R' to COM1 and halts with interrupts off (16-bit code:
# mov al,'R'; mov dx,0x3f8; out dx,al; cli; hlt; jmp $-2), so the test knows the vCPU runs.
SIG_ROM=$OUT/halt-forever.rom
{
	head -c 65520 /dev/zero | tr '\0' '\364'
	printf '\xb0\x52\xba\xf8\x03\xee\xfa\xf4\xeb\xfd'
	head -c 6 /dev/zero
} >"$SIG_ROM"
# stop_with_signal PID LOG PATTERN SIG: wait (60 s at most) for PATTERN in LOG, send SIG,
# wait (60 s) for PID to end, else kill it; sets why to what was wrong (status 6 expected).
stop_with_signal() {
	local pid=$1 log=$2 pattern=$3 sig=$4 st i
	why=""
	for ((i = 0; i < 600; i++)); do
		grep -q "$pattern" "$log" && break
		sleep 0.1
	done
	kill -"$sig" "$pid"
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null && why="; still running 60 s after SIG$sig"
	wait "$pid"
	st=$?
	[ "$st" = 6 ] || why="$why; exit status $st, want 6"
}
# check_signal NAME SIGNAL "extra args": start, wait for the 'R', send SIGNAL, check.
check_signal() {
	local name=$1 sig=$2 extra=$3 log=$OUT/$1.log sock=$OUT/$1.qmp why
	# shellcheck disable=SC2086
	${ENLIGHT_WRAPPER:-} "$ENLIGHT" ${ENLIGHT_EXTRA_ARGS:-} -m 64 -nographic -bios "$SIG_ROM" \
		-qmp "unix:$sock,server,wait=off" $extra </dev/null >"$log" 2>&1 &
	stop_with_signal $! "$log" R "$sig"
	grep -q "enlight: SIG$sig received: stopping the guest (status 6)" "$log" ||
		why="$why; missing 'SIG$sig received'"
	[ -e "$sock" ] && why="$why; socket file $sock left behind"
	case $extra in *-gdb*) ss -ltn 2>/dev/null | grep -q ":${extra##*:} " &&
		why="$why; the gdb port ${extra##*:} is still listening" ;;
	esac
	verdict "$name" "$([ -z "$why" ] && echo 1 || echo 0)" "$why" "$log"
}
check_signal signal-term TERM ""
check_signal signal-int INT "-smp 2"
GDB_PORT=$((20000 + RANDOM % 20000))
check_signal signal-int-gdb INT "-smp 2 -gdb tcp:127.0.0.1:$GDB_PORT"
# A signal while -qmp ...,wait=on still waits for its client: nothing runs yet, so enlight
# exits at once (status 6) and removes the socket file.
check_signal_early() {
	local name=signal-before-start log=$OUT/signal-before-start.log sock=$OUT/early.qmp why
	# shellcheck disable=SC2086
	${ENLIGHT_WRAPPER:-} "$ENLIGHT" ${ENLIGHT_EXTRA_ARGS:-} -m 64 -nographic -bios "$SIG_ROM" \
		-qmp "unix:$sock,server" </dev/null >"$log" 2>&1 &
	stop_with_signal $! "$log" 'waiting for a client' TERM
	grep -q "enlight: SIGTERM before the guest started: exiting at once (status 6)" "$log" ||
		why="$why; missing 'SIGTERM before the guest started'"
	[ -e "$sock" ] && why="$why; socket file $sock left behind"
	verdict "$name" "$([ -z "$why" ] && echo 1 || echo 0)" "$why" "$log"
}
check_signal_early
