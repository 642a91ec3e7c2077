# QMP: a real client (tests/e2e/qmp_client.py, Python 3 standard library) on the control
# socket: negotiation, malformed JSON and unknown commands (error replies, the VM keeps
# running), queries, stop/cont, system_reset, system_powerdown, quit, and the events.

# qmp_case NAME SCENARIO WANT_STATUS "enlight args": runs enlight with a QMP socket and the
# client scenario against it; both must succeed.
qmp_case() {
	local name=$1 scenario=$2 want=$3 args=$4 sock=$OUT/$1.sock pid st cst
	# shellcheck disable=SC2086
	timeout 60 "$ENLIGHT" $args -qmp "unix:$sock,server,wait=off" </dev/null >"$OUT/$name.log" 2>&1 &
	pid=$!
	/usr/bin/python3 tests/e2e/qmp_client.py "$sock" "$scenario" >"$OUT/$name.qmp" 2>&1
	cst=$?
	wait $pid
	st=$?
	cat "$OUT/$name.qmp" "$OUT/$name.log" >"$OUT/$name.both" # the client's view, then enlight's
	verdict "$name" "$([ $cst = 0 ] && [ "$st" = "$want" ] && echo 1 || echo 0)" \
		"client status $cst, enlight status $st (want $want)" "$OUT/$name.both"
}

if [ ! -x /usr/bin/python3 ]; then
	skip=$((skip + 1))
	echo "ok - qmp # SKIP /usr/bin/python3 is absent (Debian package python3)"
else
	# A multiboot a.out-kludge image (as in 10-core.sh) running cli; hlt forever: only QMP
	# (or the watchdog) ends it.
	printf '\x02\xb0\xad\x1b\x00\x00\x01\x00\xfe\x4f\x51\xe4\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x10\x00\xfa\xf4\xeb\xfd' >"$OUT/qmp-hang.bin"
	qmp_case qmp-session session 0 \
		"-m 16 -smp 2 -nographic --timeout 20 -cpu host,hv-relaxed,hv-vpindex -kernel $OUT/qmp-hang.bin"
	qmp_case qmp-prelaunch-cont prelaunch-cont 0 "$BASE $DBG -S -kernel $FW/poweroff.elf"
	qmp_case qmp-guest-panicked panic 5 "$BASE $DBG -S -cpu host,hv-crash -kernel $FW/hv_crash.elf"
fi
check qmp-bad-option 1 "$BASE -qmp tcp:localhost:4444 -kernel $FW/hello.elf" "use unix:PATH,server,wait=off"
