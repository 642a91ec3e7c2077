#!/usr/bin/env bash
# End-to-end runs: boot each firmware payload under enlight on this machine's /dev/kvm and check
# the exit status and the guest's TAP output. Ends with the plain line "N passed, N failed".
# Usage: tests/e2e/run.sh BUILD_DIR
# ENLIGHT_EXTRA_ARGS is put before every case's arguments (a case's own options win), e.g.
# "-accel kvm,hv-backend=kernel" in the nested run (tests/nested/run.sh).
set -u
BUILD=${1:-build}
ENLIGHT=$BUILD/enlight
FW=$BUILD/firmware
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
pass=0 fail=0 skip=0

if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "e2e: SKIP all: /dev/kvm is absent or not accessible (tests need KVM)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

DBG="-device isa-debug-exit,iobase=0xf4,iosize=0x4"
BASE="-m 64 -nographic --timeout 20"

# check NAME WANT_STATUS(- = any) "enlight args" [grep patterns that must appear]... [!pattern that must not]
check() {
	local name=$1 want=$2 args=$3
	shift 3
	local log=$OUT/$name.log st ok=1 why=""
	# shellcheck disable=SC2086
	timeout 60 "$ENLIGHT" ${ENLIGHT_EXTRA_ARGS:-} $args </dev/null >"$log" 2>&1
	st=$?
	if [ "$want" != "-" ] && [ "$st" != "$want" ]; then
		ok=0
		why="exit status $st, want $want"
	fi
	for pat in "$@"; do
		if [ "${pat:0:1}" = "!" ]; then
			if grep -qE -- "${pat:1}" "$log"; then ok=0; why="$why; unexpected '${pat:1}'"; fi
		elif ! grep -qE -- "$pat" "$log"; then
			ok=0
			why="$why; missing '$pat'"
		fi
	done
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		fail=$((fail + 1))
		echo "not ok - $name # ${why#; }"
		sed 's/^/    | /' "$log" | tail -25
	fi
}

# TAP from the guest: every line "not ok" fails the case.
NOTOK='!^not ok'

for t in tests/e2e/cases/*.sh; do
	# shellcheck disable=SC1090
	. "$t"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
