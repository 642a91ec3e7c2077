#!/usr/bin/env bash
# End-to-end runs: boot each firmware payload under enlight on this machine's /dev/kvm and check
# the exit status and the guest's TAP output. Ends with the plain line "N passed, N failed".
# Usage: tests/e2e/run.sh BUILD_DIR
# ENLIGHT_EXTRA_ARGS is put before every case's arguments (a case's own options win; not for
# the tool subcommands), e.g. "-accel kvm,hv-backend=kernel" in the nested run (tests/nested/run.sh).
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

# Where we run: KVM_HYPER=yes on a full KVM with in-kernel Hyper-V (the nested environment of
# shared/TEST-ENVIRONMENTS.md), and the Hyper-V backend the cases get (hv-backend=auto picks
# kernel exactly when KVM has KVM_CAP_HYPERV).
KVM_HYPER=$("$ENLIGHT" --probe 2>/dev/null | grep -qE '^ +HYPERV +yes' && echo yes || echo no)
HV_BACKEND=$(printf '%s' "${ENLIGHT_EXTRA_ARGS:-}" | sed -n 's/.*hv-backend=\([a-z]*\).*/\1/p')
[ -n "$HV_BACKEND" ] && [ "$HV_BACKEND" != auto ] || HV_BACKEND=$([ $KVM_HYPER = yes ] && echo kernel || echo user)
# Per-environment expectations (cases/05-expect.sh): "xfail WHEN NAME REASON" with WHEN one of
# kernel, user (the backend) or full-kvm: NAME is expected to fail there; it is reported as
# "ok ... # XFAIL REASON", and passing it anyway is a failure (the expectation is stale).
declare -A XFAIL=()
xfail() {
	case $1 in
	kernel | user) [ "$HV_BACKEND" = "$1" ] || return 0 ;;
	full-kvm) [ "$KVM_HYPER" = yes ] || return 0 ;;
	esac
	XFAIL[$2]="$1: $3"
}
# The reason NAME is expected to fail here (NAME matched against each glob), or nothing.
xfail_reason() {
	local g
	for g in "${!XFAIL[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $g ]] && { printf '%s' "${XFAIL[$g]}"; return; }
	done
}

# ENLIGHT_WRAPPER is a command put before enlight (make valgrind). Cases that measure time or
# that the tool makes too slow are listed as "wrapper_skip NAME-GLOB REASON" (cases/06-wrapper.sh)
# and reported as skipped, with the reason, when it is set.
declare -A WRAPPER_SKIP=()
wrapper_skip() { WRAPPER_SKIP[$1]=$2; }
wrapper_skip_reason() {
	local g
	for g in "${!WRAPPER_SKIP[@]}"; do
		# shellcheck disable=SC2053
		[[ $1 == $g ]] && { printf '%s' "${WRAPPER_SKIP[$g]}"; return; }
	done
}

# check_log LOG PATTERN...: appends to $why and clears $ok (the caller's locals) for every
# pattern missing from LOG, and every '!pattern' present in it.
check_log() {
	local log=$1 pat
	shift
	for pat in "$@"; do
		if [ "${pat:0:1}" = "!" ]; then
			if grep -qE -- "${pat:1}" "$log"; then ok=0; why="$why; unexpected '${pat:1}'"; fi
		elif ! grep -qE -- "$pat" "$log"; then
			ok=0
			why="$why; missing '$pat'"
		fi
	done
}

# verdict NAME OK WHY [LOG]: one TAP line, counted; an expected failure (cases/05-expect.sh)
# is reported as XFAIL, and passing one is a failure. On failure the end of LOG is shown.
verdict() {
	local name=$1 ok=$2 why=${3:-} log=${4:-} xf
	why=${why#; }
	xf=$(xfail_reason "$name")
	if [ -n "$xf" ]; then
		if [ "$ok" = 1 ]; then
			ok=0 why="passed, but expected to fail ($xf)"
		else
			pass=$((pass + 1))
			echo "ok - $name # XFAIL $xf ($why)"
			return
		fi
	fi
	if [ "$ok" = 1 ]; then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		fail=$((fail + 1))
		echo "not ok - $name # $why"
		[ -n "$log" ] && sed 's/^/    | /' "$log" | tail -25
	fi
}

# check NAME WANT_STATUS(- = any) "enlight args" [grep patterns that must appear]... [!pattern that must not]
check() {
	local name=$1 want=$2 args=$3
	shift 3
	local log=$OUT/$name.log st ok=1 why="" attempt
	local extra=${ENLIGHT_EXTRA_ARGS:-}
	[ "${args:0:1}" = "-" ] || extra="" # a tool (enlight cpuid|tsc ...) takes no VM options first
	# shellcheck disable=SC2086
	if [ -n "${ENLIGHT_WRAPPER:-}" ] && [ -n "$(wrapper_skip_reason "$name")" ]; then
		skip=$((skip + 1))
		echo "ok - $name # SKIP under ENLIGHT_WRAPPER: $(wrapper_skip_reason "$name")"
		return
	fi
	for attempt in 1 2; do
		ok=1 why=""
		timeout 60 ${ENLIGHT_WRAPPER:-} "$ENLIGHT" $extra $args </dev/null >"$log" 2>&1
		st=$?
		if [ "$want" != "-" ] && [ "$st" != "$want" ]; then
			ok=0
			why="exit status $st, want $want"
		fi
		check_log "$log" "$@"
		# Only where the environment itself stalls (tests/nested sets it) and only for a case
		# not expected to fail: one more run, and the verdict says it needed it.
		[ $ok = 1 ] || [ "${E2E_RETRY_FAILED:-0}" != 1 ] || [ -n "$(xfail_reason "$name")" ] && break
		[ $attempt = 1 ] && echo "# $name failed (${why#; }): running it once more (E2E_RETRY_FAILED)"
	done
	verdict "$name" "$ok" "$why" "$log"
}

# TAP from the guest: every line "not ok" fails the case.
NOTOK='!^not ok'

for t in tests/e2e/cases/*.sh; do
	# shellcheck disable=SC1090
	. "$t"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
