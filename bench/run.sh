#!/usr/bin/env bash
# make bench: enlight against a raw KVM baseline (bench/rawkvm.c), measured in one run, side
# by side. Prints a table and writes bench/results.json. Method: bench/README.md.
# Usage: bench/run.sh BUILD_DIR        (BUILD_DIR holds enlight and firmware/)
# Environment: BENCH_ROUNDS (default 21), BENCH_REPS (default 2), BENCH_N (default 2000),
#   BENCH_STIMER_SECS (default 10), BENCH_STARTUP_RUNS (default 21),
#   BENCH_SMP_RUNS (default 9), BENCH_NESTED=0 (skip the QEMU peer in the nested KVM),
#   BENCH_NESTED_ROUNDS (default 5), BENCH_NESTED_TIMEOUT (seconds, default 300).
set -u
BUILD=${1:-build}
ENLIGHT=$BUILD/enlight
FW=$BUILD/firmware
BB=$BUILD/bench
JSON=${BENCH_JSON:-bench/results.json}
ROUNDS=${BENCH_ROUNDS:-21}
N=${BENCH_N:-2000}
REPS=${BENCH_REPS:-2}
STIMER_SECS=${BENCH_STIMER_SECS:-10}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-21}
SMP_RUNS=${BENCH_SMP_RUNS:-9}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "bench: SKIP: /dev/kvm is absent or not accessible (every figure needs KVM)"
	exit 0
fi
for f in "$ENLIGHT" "$FW/bench_exits.elf"; do
	[ -e "$f" ] || { echo "bench: $f missing: run 'make all' first" >&2; exit 1; }
done

# The two host tools are not part of enlight: built here, with the project's warnings.
mkdir -p "$BB"
CFLAGS="-D_GNU_SOURCE -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wundef -Wpointer-arith -Wvla -Wcast-qual -I."
for t in rawkvm spawn; do
	if [ ! -x "$BB/$t" ] || [ "bench/$t.c" -nt "$BB/$t" ] || [ bench/bench_loops.h -nt "$BB/$t" ]; then
		# shellcheck disable=SC2086
		gcc $CFLAGS -o "$BB/$t" "bench/$t.c" || exit 1
	fi
done

DBG="-device isa-debug-exit,iobase=0xf4,iosize=0x4"
E="$ENLIGHT -m 64 -nographic $DBG --timeout 30"
HV="-cpu host,hv-windows"

le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "yes" : "NO" }'; }
# median of the numbers on stdin (one a line)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# cycles per iteration of loop $2 in BENCH lines of file $1
per_iter() { awk -v l="$2" '$1 == "BENCH" && $2 == l && $3 > 0 { print $4 / $3 }' "$1" | median; }
field() { awk -v k="$2" '$1 == "SPAWN" && $2 == k { print $3 }' "$1"; }
note() { awk -v k="$2" '$1 == "BENCH-NOTE" && $2 == k { print $3; exit }' "$1"; }
na() { awk -v k="$2" '$1 == "BENCH-NA" && $2 == k { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$1"; }

echo "bench: $ROUNDS rounds of rawkvm and enlight, alternating, $REPS x $N iterations per loop each"
: >"$OUT/raw" && : >"$OUT/enl"
for r in $(seq "$ROUNDS"); do
	"$BB/rawkvm" "$N" "$REPS" >>"$OUT/raw" || { echo "bench: rawkvm failed" >&2; exit 1; }
	# shellcheck disable=SC2086
	$E $HV -device hyperv-testdev -kernel "$FW/bench_exits.elf" -append "n=$N reps=$REPS testdev" >>"$OUT/enl" 2>&1
done
TSC_KHZ=$(awk '$2 == "tsc_khz" { print $4; exit }' "$OUT/raw")
us() { awk -v c="$1" -v k="$TSC_KHZ" 'BEGIN { printf "%.2f", c / k * 1000 }'; }

# Rows: name|value|unit|raw|ratio|target|pass|how (value "-" = not measured, how = reason)
: >"$OUT/rows"
row() { printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$@" >>"$OUT/rows"; }
ratio_row() { # name loop target how
	local raw enl ratio pass
	raw=$(per_iter "$OUT/raw" "$2")
	enl=$(per_iter "$OUT/enl" "$2")
	if [ "$enl" = nan ]; then
		row "$1" - "" "$(us "$raw")" - "<= $3 x raw" - "not measured: $(na "$OUT/enl" "$2")"
		return
	fi
	ratio=$(awk -v a="$enl" -v b="$raw" 'BEGIN { printf "%.3f", a / b }')
	pass=$(awk -v r="$ratio" -v t="$3" 'BEGIN { print (r <= t) ? "yes" : "NO" }')
	row "$1" "$(us "$enl")" us "$(us "$raw")" "$ratio" "<= $3 x raw" "$pass" "$4"
}
ratio_row "port I/O exit (OUT to POST port 0x80)" pio_out 1.05 "guest rdtsc over $N OUTs"
ratio_row "MMIO exit (ECAM read 00:00.0)" mmio_read 1.05 "guest rdtsc over $N reads"
ratio_row "Hyper-V MSR exit (TIME_REF_COUNT read)" msr_read 1.05 "guest rdtsc over $N RDMSRs"
# TLFS "Hypercall status codes" seen here.
hv_status() {
	case $1 in
	0x0) echo "0x0 SUCCESS" ;;
	0x2) echo "0x2 INVALID_HYPERCALL_CODE: no dispatch" ;;
	0x3) echo "0x3 INVALID_HYPERCALL_INPUT" ;;
	0x5) echo "0x5 INVALID_PARAMETER" ;;
	0x11) echo "0x11 INVALID_PORT_ID" ;;
	0x12) echo "0x12 INVALID_CONNECTION_ID: dispatched, no such connection" ;;
	*) echo "${1:-?}" ;;
	esac
}
ratio_row "hypercall page, HvSignalEvent fast" hcall_signal_fast 1.10 \
	"status $(hv_status "$(note "$OUT/enl" hcall_signal_fast_status)"), testdev event connection 5 -> SINT 1 (flag set after the 1st)"
ratio_row "HvPostMessage -> SINT handler" post_to_sint 2 \
	"status $(hv_status "$(note "$OUT/enl" hcall_post_message_status)"), testdev message connection 6 -> SINT 2; raw = exit + MSI, same guest ISR"

# Reference TSC page: exits with reads=0 and reads=R under --stats, serial ports excluded
# (the printed numbers differ in length).
exits_of() {
	awk '/exit statistics/ { on = 1; next }
	     on && $1 == "port" { if ($2 !~ /^0x03f[89a-f]$/) n += $3; next }
	     on && $1 != "IO" && NF == 2 { n += $2 }
	     END { print n + 0 }' "$1"
}
R=2000
# shellcheck disable=SC2086
$E $HV --stats -kernel "$FW/bench_tscpage.elf" -append "reads=0" >"$OUT/tsc0" 2>&1
# shellcheck disable=SC2086
$E $HV --stats -kernel "$FW/bench_tscpage.elf" -append "reads=$R" >"$OUT/tscR" 2>&1
reason=$(na "$OUT/tscR" tscpage_read)
if [ -n "$reason" ]; then
	row "reference TSC page read" - "" - - "0 exits/read" - "not measured: $reason"
else
	e=$(awk -v a="$(exits_of "$OUT/tscR")" -v b="$(exits_of "$OUT/tsc0")" -v r=$R 'BEGIN { printf "%.4f", (a - b) / r }')
	row "reference TSC page read" "$e" exits/read - - "0 exits/read" \
		"$(awk -v e="$e" 'BEGIN { print e == 0 ? "yes" : "NO" }')" \
		"--stats, $R reads vs 0 (seq $(note "$OUT/tscR" tscpage_seq), $(per_iter "$OUT/tscR" tscpage_read | xargs -I{} awk -v c={} -v k="$TSC_KHZ" 'BEGIN { printf "%.1f", c / k * 1000 }') us/read)"
fi

# Synthetic timer, message then direct mode: expiry times in the guest against the
# reference TSC page (bench_stimer). The host's own limit, a plain thread sleeping to the
# same 1 ms deadlines for 2 s just before, is the raw column.
PERIOD_US=1000
for mode in message direct; do
	"$BB/rawkvm" timer $PERIOD_US 2 >"$OUT/timer_$mode" 2>&1
	# shellcheck disable=SC2086
	$E $HV --timeout $((STIMER_SECS + 20)) -kernel "$FW/bench_stimer.elf" \
		-append "secs=$STIMER_SECS period_us=$PERIOD_US tsc_khz=$TSC_KHZ $([ $mode = direct ] && echo direct)" \
		>"$OUT/stimer_$mode" 2>&1
	f=$OUT/stimer_$mode
	name="stimer ${PERIOD_US} us periodic, ${STIMER_SECS} s, $mode"
	reason=$(na "$f" "stimer_$mode")
	if [ -n "$reason" ] || ! grep -q "stimer_${mode}_err_ns" "$f"; then
		row "$name: mean error" - "" - - "<= 50 us" - "not measured: ${reason:-no result (exit status, see the payload)}"
		continue
	fi
	base=$(awk '$2 == "timer_late_ns" { printf "%.1f", $4 / 1000 }' "$OUT/timer_$mode")
	err=$(awk -v k="stimer_${mode}_err_ns" '$2 == k { printf "%.1f", $4 / 1000 }' "$f")
	drift=$(awk -v k="stimer_${mode}_drift_ns" '$2 == k { printf "%.1f", $4 / 1000 }' "$f")
	jit=$(awk -v k="stimer_${mode}_jitter_ns" '$2 == k { printf "%.1f", $4 / 1000 }' "$f")
	extra=""
	[ $mode = message ] && extra=", VMM's share $(note "$f" stimer_message_vmm_late_us) us, schedule exact $(note "$f" stimer_message_schedule_exact)"
	[ $mode = direct ] && extra=", start known to +-$(note "$f" stimer_direct_start_halfwidth_us) us"
	row "$name: mean error" "$err" us "$base" \
		"$(awk -v a="$err" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')" \
		"<= 50 us" "$(le "$err" 50)" \
		"handler TSC vs due time (TSC page); raw = host thread wake-up; $(note "$f" "stimer_${mode}_expiries") expiries, $(note "$f" "stimer_${mode}_missed") merged, jitter $jit us$extra"
	row "$name: drift" "$drift" us - - "abs <= ${PERIOD_US} us" \
		"$(awk -v d="$drift" -v p=$PERIOD_US 'BEGIN { print (d <= p && d >= -p) ? "yes" : "NO" }')" \
		"mean error of the last tenth minus the first tenth"
done

# Start-up: an a.out-kludge multiboot image (Multiboot 0.6.96 §3.1.3, flags bit 16) whose
# first instructions write '!' to COM1 THR and exit through isa-debug-exit:
#   mov $0x3f8,%dx; mov $0x21,%al; out %al,(%dx); xor %eax,%eax; out %al,$0xf4
MBHDR='\x02\xb0\xad\x1b\x00\x00\x01\x00\xfe\x4f\x51\xe4\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x20\x00\x10\x00'
printf "$MBHDR"'\x66\xba\xf8\x03\xb0\x21\xee\x31\xc0\xe6\xf4' >"$OUT/first.bin"
# Host load moves these by tens of ms: many alternating runs, medians, and the same
# process life cycle under rawkvm (set up, one OUT, write a byte, exit) as the raw column.
for i in $(seq "$STARTUP_RUNS"); do
	# shellcheck disable=SC2086
	"$BB/spawn" -- $E -kernel "$OUT/first.bin" >>"$OUT/first"
	"$BB/spawn" -- "$BB/rawkvm" first >>"$OUT/rawfirst"
	# shellcheck disable=SC2086
	"$BB/spawn" -- $E -kernel "$FW/hello.elf" >>"$OUT/hello"
done
ms() { field "$1" "$2" | median | awk '{ printf "%.2f", $1 / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
v=$(ms "$OUT/first" first_byte_us)
raw=$(ms "$OUT/rawfirst" first_byte_us)
row "process start -> first guest instruction" "$v" ms "$raw" "$(ratio "$v" "$raw")" "<= 5 ms" "$(le "$v" 5)" \
	"host: fork to the first serial byte of a 3-instruction image (upper bound: +1 exit); median of $STARTUP_RUNS; raw = rawkvm first (ms)"
v=$(ms "$OUT/hello" total_us)
raw=$(ms "$OUT/rawfirst" total_us)
row "whole run, trivial payload (hello.elf)" "$v" ms "$raw" "$(ratio "$v" "$raw")" "<= 20 ms" "$(le "$v" 20)" \
	"host: fork to exit status $(field "$OUT/hello" status | sort -u | tr '\n' ' ' | sed 's/ $//'); median of $STARTUP_RUNS; raw = rawkvm first, fork to exit (ms)"

# Resident memory: /proc/PID/smaps while bench_idle runs, less the guest RAM mapping.
for i in 1 2 3; do
	# shellcheck disable=SC2086
	"$BB/spawn" --marker BENCH-READY --ram-mib 64 -- $E -kernel "$FW/bench_idle.elf" >>"$OUT/rss"
done
v=$(field "$OUT/rss" other_rss_kb | median | awk '{ printf "%.2f", $1 / 1024 }')
g=$(field "$OUT/rss" guest_rss_kb | median | awk '{ printf "%.2f", $1 / 1024 }')
row "resident memory beyond guest RAM touched" "$v" MiB - - "<= 8 MiB" "$(le "$v" 8)" \
	"smaps Rss total - guest RAM Rss (${g} MiB touched of 64)"

# vCPU bring-up. Guest: TSC around smp_start (bench_smp), less the SDM's fixed 10 ms INIT
# and 2 x 200 us SIPI delays it measures itself (-smp 1 has none). Host: fork to exit status of
# hello.elf, which starts no AP, so the figure is enlight creating N vCPUs and their
# threads; runs alternate between the sizes so host load hits all alike; guest medians,
# host fastest runs.
for i in $(seq "$SMP_RUNS"); do
	for s in 1 8 64; do
		# shellcheck disable=SC2086
		"$BB/spawn" --out "$OUT/smp$s.$i" -- $E -smp $s -kernel "$FW/bench_smp.elf" >/dev/null
		cat "$OUT/smp$s.$i" >>"$OUT/smp$s.log"
		# shellcheck disable=SC2086
		"$BB/spawn" -- $E -smp $s -kernel "$FW/hello.elf" >>"$OUT/create$s"
	done
done
declare -A G H W
for s in 1 8 64; do
	G[$s]=$(awk '$2 == "smp_online" { o = $4 } $2 == "smp_fixed_wait" { print o - $4 }' "$OUT/smp$s.log" | median | awk -v k="$TSC_KHZ" '{ printf "%.2f", $1 / k }')
	W[$s]=$(awk '$2 == "smp_fixed_wait" { print $4 }' "$OUT/smp$s.log" | median | awk -v k="$TSC_KHZ" '{ printf "%.1f", $1 / k }')
	# The fastest run: the few ms the vCPUs add are below the spread of a whole run (host
	# scheduling, teardown), which only ever adds time.
	H[$s]=$(field "$OUT/create$s" total_us | sort -g | head -1 | awk '{ printf "%.2f", $1 / 1000 }')
	row "-smp $s: all vCPUs online" "${G[$s]}" ms - - "linear" - \
		"guest TSC around smp_start minus its fixed INIT/SIPI delays (${W[$s]} ms); host: $s vCPUs created and run to exit ${H[$s]} ms (hello.elf)"
done
slope() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { s1 = (b - a) / 7; s2 = (c - b) / 56; printf "%.2f %.2f %.2f", s1, s2, (s1 > 0 ? s2 / s1 : 0) }'; }
read -r g1 g2 gq < <(slope "${G[1]}" "${G[8]}" "${G[64]}")
read -r h1 h2 hq < <(slope "${H[1]}" "${H[8]}" "${H[64]}")
# Linear or better: the added cost per vCPU from 8 to 64 is at most twice that from 1 to 8
# (fixed costs make it smaller, a superlinear term larger).
row "-smp 1/8/64 growth" "$gq" "slope ratio" - - "<= 2 (linear)" \
	"$(awk -v g="$gq" -v h="$hq" 'BEGIN { print (g <= 2 && h <= 2) ? "yes" : "NO" }')" \
	"ms per added vCPU, 1->8 vs 8->64: guest $g1 / $g2; host $h1 / $h2 (ratio $hq); guest: median, host: fastest of $SMP_RUNS"

# The peer: the same exit loops, vCPU model and enlightenments under rawkvm, enlight (KVM's
# own Hyper-V) and QEMU, inside the nested full KVM (tests/nested, NESTED_MODE=bench), where
# its Debian packages are installed (never installed by make bench). BENCH_NESTED=0 skips it.
: >"$OUT/peer"
NB_ROUNDS=${BENCH_NESTED_ROUNDS:-5}
if [ "${BENCH_NESTED:-1}" = 0 ]; then
	PEER_HEAD="peer (QEMU in the nested full KVM): not measured (BENCH_NESTED=0)"
else
	NESTED_MODE=bench NESTED_BACKENDS=bench NESTED_NO_INSTALL=1 BENCH_NESTED_ROUNDS=$NB_ROUNDS \
		NESTED_TIMEOUT=${BENCH_NESTED_TIMEOUT:-300} NESTED_STALL=120 \
		bash tests/nested/run.sh "$BUILD" >"$OUT/nested" 2>&1
	nst=$?
	sed -n 's/^NESTED-BENCH \([a-z]*\) /\1 /p' "$OUT/nested" >"$OUT/nb"
	for v in raw enlight qemu; do
		sed -n "s/^$v //p" "$OUT/nb" >"$OUT/nb.$v"
	done
	NKHZ=$(awk '$2 == "tsc_khz" { print $4; exit }' "$OUT/nb.raw")
	if [ "$nst" != 0 ] || [ -z "$NKHZ" ]; then
		PEER_HEAD="peer (QEMU in the nested full KVM): not measured: $(grep '^nested:' "$OUT/nested" | tail -1)"
	else
		PEER_HEAD="peer: QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') next to enlight (-accel kvm,hv-backend=kernel) in the nested full KVM (Linux $(ls /lib/modules | sort -V | tail -1) under QEMU TCG), same bench_exits loops, medians of $NB_ROUNDS processes each; nested exits are slow (TCG), compare the ratio"
		for l in pio_out mmio_read msr_read hcall_signal_fast post_to_sint; do
			r=$(per_iter "$OUT/nb.raw" $l) e=$(per_iter "$OUT/nb.enlight" $l) q=$(per_iter "$OUT/nb.qemu" $l)
			awk -v l=$l -v r="$r" -v e="$e" -v q="$q" -v k="$NKHZ" 'function us(c) { return c == "nan" ? "-" : sprintf("%.2f", c / k * 1000) }
				BEGIN { printf "%s|%s|%s|%s|%s\n", l, us(r), us(e), us(q), (e == "nan" || q == "nan") ? "-" : sprintf("%.3f", e / q) }' >>"$OUT/peer"
		done
	fi
fi

# Table
RAWUS=$(us "$(per_iter "$OUT/raw" pio_out)")
# Absolute times move with host load (other VMs, tests): the ratios are the robust figures.
LOAD=$(cut -d" " -f1-3 /proc/loadavg)
echo
echo "enlight $(git describe --always --dirty 2>/dev/null || echo '?') on $(uname -r), TSC $TSC_KHZ kHz; raw KVM exit (rawkvm, OUT) $RAWUS us; load average $LOAD"
awk -F'|' '{ printf "%-52s %9s %-11s %8s %6s %-16s %-4s %s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' \
	<(echo "figure|value|unit|raw|ratio|target|pass|method / note"; cat "$OUT/rows")
echo
echo "$PEER_HEAD"
[ -s "$OUT/peer" ] && awk -F'|' '{ printf "%-40s %10s %10s %10s %9s\n", $1, $2, $3, $4, $5 }' \
	<(echo "figure (us per iteration)|rawkvm|enlight|QEMU|enl/QEMU"; cat "$OUT/peer")
# A loop without a figure says why (bench_exits counts the SINT handlers that ran in time).
for v in enlight qemu; do
	[ -s "$OUT/peer" ] || break
	awk -v v=$v '$1 == "BENCH-NA" { $1 = ""; print "  " v ": not measured:" $0 }
		$1 == "BENCH-NOTE" && $2 == "post_to_sint_arrived" { split($3, f, "/"); k = f[1] + 0
			if (!n || k < lo) lo = k; if (!n || k > hi) hi = k; of = f[2]; n++ }
		END { if (n) printf "  %s: post_to_sint not measured: in %d runs only %d..%d of %d echoed messages ran their handler inside the call (posted after it returns)\n", v, n, lo, hi, of }' \
		"$OUT/nb.$v" | sort -u
done

# JSON (bench/results.json is output: .gitignore'd)
{
	printf '{\n  "commit": "%s",\n  "kernel": "%s",\n  "load_average": "%s",\n  "tsc_khz": %s,\n  "raw_exit_us": %s,\n  "rounds": %s,\n  "iterations": %s,\n  "figures": [\n' \
		"$(git describe --always --dirty 2>/dev/null || echo unknown)" "$(uname -r)" "$LOAD" "$TSC_KHZ" "$RAWUS" "$ROUNDS" "$N"
	awk -F'|' 'function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
		function num(s) { return (s == "-" || s == "") ? "null" : s }
		{ printf "%s    {\"figure\": %s, \"value\": %s, \"unit\": %s, \"raw\": %s, \"ratio\": %s, \"target\": %s, \"pass\": %s, \"note\": %s}",
			(NR > 1 ? ",\n" : ""), q($1), num($2), q($3), num($4), num($5), q($6),
			($7 == "yes" ? "true" : ($7 == "NO" ? "false" : "null")), q($8) }
		END { print "" }' "$OUT/rows"
	printf '  ],\n  "peer_note": "%s",\n  "peer": [\n' "$(echo "$PEER_HEAD" | sed 's/"/\\"/g')"
	awk -F'|' 'function num(s) { return (s == "-" || s == "") ? "null" : s }
		{ printf "%s    {\"loop\": \"%s\", \"rawkvm_us\": %s, \"enlight_us\": %s, \"qemu_us\": %s, \"enlight_over_qemu\": %s}",
			(NR > 1 ? ",\n" : ""), $1, num($2), num($3), num($4), num($5) }
		END { print "" }' "$OUT/peer"
	printf '  ]\n}\n'
} >"$JSON"
echo "bench: wrote $JSON"
