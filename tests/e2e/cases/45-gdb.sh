# gdbstub: the real gdb (Debian package gdb) in batch mode against -gdb tcp:...:PORT (and -s when
# port 1234 is free) with the symbols of build/firmware/obj/hello.elf64: a breakpoint at main,
# registers, memory the guest wrote, stepi, hbreak, detach, the guest's own exit reported to gdb,
# Ctrl-C (SIGINT delivered to gdb while it waits in continue) and the vCPUs as threads, kill.

# A free TCP port (the kernel picks one; gdb retries its connect while enlight starts).
gdb_free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# gdb_case NAME WANT_STATUS PORT "enlight args" "gdb commands, one a line" [patterns]...
# Runs enlight in the background and gdb against it (both under timeout); the patterns are
# looked for in gdb's output followed by enlight's ('!' = must not appear).
gdb_case() {
	local name=$1 want=$2 port=$3 args=$4 cmds=$5 pid st ok=1 why="" line
	local -a ex=()
	shift 5
	while IFS= read -r line; do
		[ -n "$line" ] && ex+=(-ex "$line")
	done <<<"$cmds"
	# shellcheck disable=SC2086
	timeout 40 "$ENLIGHT" ${ENLIGHT_EXTRA_ARGS:-} $args </dev/null >"$OUT/$name.vm" 2>&1 &
	pid=$!
	timeout 30 gdb -batch -nx -ex 'set pagination off' -ex 'set confirm off' \
		-ex 'set tcp connect-timeout 10' -ex "target remote 127.0.0.1:$port" "${ex[@]}" \
		"$FW/obj/hello.elf64" </dev/null >"$OUT/$name.gdb" 2>&1
	wait "$pid"
	st=$?
	cat "$OUT/$name.gdb" "$OUT/$name.vm" >"$OUT/$name.log"
	if [ "$st" != "$want" ]; then
		ok=0
		why="enlight exit status $st, want $want"
	fi
	check_log "$OUT/$name.log" "$@"
	verdict "$name" "$ok" "$why" "$OUT/$name.log"
}

if ! command -v gdb >/dev/null || [ ! -x /usr/bin/python3 ] || [ ! -f "$FW/obj/hello.elf64" ]; then
	skip=$((skip + 1))
	echo "ok - gdb # SKIP gdb, /usr/bin/python3 or $FW/obj/hello.elf64 is absent (Debian packages gdb, python3)"
else
	# -S: the guest waits for gdb's continue. Breakpoint at main, rip there, one stepi moves
	# it; then a breakpoint at tap_done where the guest has written its TAP counters
	# (planned 1, run 1, failed 0) into "tap"; delete, continue: the guest's debug-exit
	# (status 1) reaches gdb as "exited with code 01".
	port=$(gdb_free_port)
	gdb_case gdb-break-step 1 "$port" "$BASE $DBG -S -gdb tcp::$port -kernel $FW/hello.elf" \
		'break main
continue
info registers rip
stepi
info registers rip
break tap_done
continue
x/3dw &tap
delete
continue' \
		'^Breakpoint 1, main ' 'rip +0x[0-9a-f]+ +0x[0-9a-f]+ <main>$' \
		'rip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\+[0-9]+>$' '^Breakpoint 2, tap_done ' \
		'<tap>:[[:space:]]+1[[:space:]]+1[[:space:]]+0$' \
		'exited with code 01' '^ok 1 - serial works' '!Remote failure|Cannot insert'

	# A hardware breakpoint (Z1), a register write read back after a step (so from the vCPU,
	# not gdb's cache), then detach: the guest runs
	# to its end without the debugger.
	port=$(gdb_free_port)
	gdb_case gdb-hbreak-detach 1 "$port" "$BASE $DBG -S -gdb tcp:127.0.0.1:$port -kernel $FW/hello.elf" \
		'hbreak tap_plan
continue
set var $r12 = 0x1234abcd
stepi
print/x $r12
print $rdi
detach' \
		'Hardware assisted breakpoint 1' '^Breakpoint 1, tap_plan' '^\$1 = 0x1234abcd$' \
		'^\$2 = 1$' 'Remote target\) detached' '^ok 1 - serial works' '# 1/1 passed'

	# Ctrl-C of a running guest: two vCPUs listed as threads, SIGINT reported, both
	# threads' registers readable, kill ends enlight with status 0 (QEMU's).
	printf '\x02\xb0\xad\x1b\x00\x00\x01\x00\xfe\x4f\x51\xe4\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x10\x00\xfa\xf4\xeb\xfd' >"$OUT/gdb-hang.bin"
	port=$(gdb_free_port)
	gdb_case gdb-interrupt-threads 0 "$port" "-m 16 -smp 2 -nographic --timeout 20 -gdb tcp::$port -kernel $OUT/gdb-hang.bin" \
		'info threads
python import os, signal, threading; threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
continue
info registers rip
thread 2
info registers rip
kill' \
		'Thread 1 \(vCPU 0\)' 'Thread 2 \(vCPU 1\)' 'received signal SIGINT' \
		'rip +0x1000(1[0-9a-f]|2[0-4])' '^rip +0xfff0 ' 'terminated by the debugger'

	# -s (tcp::1234, as QEMU) when that port is free here.
	if /usr/bin/python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 1234))' 2>/dev/null; then
		gdb_case gdb-s-option 1 1234 "$BASE $DBG -S -s -kernel $FW/hello.elf" \
			'break tap_done
continue
continue' \
			'^Breakpoint 1, tap_done' 'exited with code 01'
	fi
fi
# An address this host does not have: one line naming the option, status 1.
check gdb-bad-address 1 "$BASE -gdb tcp:192.0.2.1:1234 -kernel $FW/hello.elf" \
	'-gdb tcp:192.0.2.1:1234: cannot listen' '!serial works'
check gdb-bad-option 1 "$BASE -gdb unix:/tmp/x -kernel $FW/hello.elf" 'tcp:\[HOST\]:PORT'
