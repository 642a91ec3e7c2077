# ACPI and SMBIOS (issue 7): --dump-acpi tables through iasl -d and their checksums, a guest
# that walks the tables the way an OS does and leaves through them, -bios/-debugcon basics,
# and a SeaBIOS boot (ENLIGHT_E2E_SEABIOS=0 skips it).

# tally NAME OK WHY: one TAP line for checks that are not a single enlight run (run.sh).
tally() { verdict "$@"; }

# Byte sum of a file modulo 256 (an ACPI table sums to 0).
bytesum() {
	od -An -v -tu1 "$1" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }'
}

# --dump-acpi needs no /dev/kvm; every table must disassemble cleanly and sum to zero.
for smp in 1 4 255 "300,maxcpus=300"; do
	dir=$OUT/acpi-$smp
	mkdir -p "$dir"
	"$ENLIGHT" --dump-acpi "$dir" -smp "$smp" -m 256 >"$dir.log" 2>&1
	st=$?
	ok=1 why=""
	[ $st = 0 ] || { ok=0; why="status $st: $(head -1 "$dir.log")"; }
	for sig in RSDP XSDT RSDT FACP DSDT SSDT FACS APIC MCFG WAET; do
		f=$dir/$sig
		[ -s "$f" ] || { ok=0; why="$why; no $sig"; continue; }
		if [ "$sig" = RSDP ]; then
			# iasl 20200925 rejects a bare RSDP (its signature has a space): check the
			# signature, revision 2 and both checksums here.
			head -c 8 "$f" | grep -q '^RSD PTR ' || { ok=0; why="$why; RSDP signature"; }
			[ "$(head -c 20 "$f" | od -An -tu1 | awk '{for(i=1;i<=NF;i++)s+=$i} END{print s%256}')" = 0 ] ||
				{ ok=0; why="$why; RSDP checksum"; }
			[ "$(bytesum "$f")" = 0 ] || { ok=0; why="$why; RSDP extended checksum"; }
			continue
		fi
		[ "$sig" = FACS ] || [ "$(bytesum "$f")" = 0 ] || { ok=0; why="$why; $sig checksum"; }
		if ! (cd "$dir" && iasl -d "$sig" >"$sig.iasl" 2>&1); then
			ok=0; why="$why; iasl -d $sig failed: $(grep -m1 -iE 'error' "$dir/$sig.iasl")"
		elif grep -qiE '^(Error|Warning)|Invalid|checksum is incorrect' "$dir/$sig.iasl" "$dir/$sig.dsl"; then
			ok=0; why="$why; iasl -d $sig: $(grep -m1 -iE 'Error|Warning|Invalid|incorrect' "$dir/$sig.iasl" "$dir/$sig.dsl")"
		fi
	done
	# The MADT names every vCPU: x2APIC structures (type 9) above APIC ID 254.
	n=${smp%%,*}
	if [ $ok = 1 ]; then
		lapic=$(grep -c 'Subtable Type : 00 \[Processor Local APIC\]' "$dir/APIC.dsl")
		x2=$(grep -c 'Subtable Type : 09 \[Processor Local x2APIC\]' "$dir/APIC.dsl")
		[ $((lapic + x2)) = "$n" ] || { ok=0; why="MADT has $lapic + $x2 CPUs, want $n"; }
		[ "$(grep -c 'ACPI0007' "$dir/SSDT.dsl")" = "$n" ] || { ok=0; why="$why; SSDT CPU count"; }
	fi
	tally "dump-acpi -smp $smp: iasl -d clean, checksums, $n CPUs" $ok "${why#; }"
done

# -numa: the SRAT disassembles cleanly, has one processor entry per vCPU (x2APIC above APIC ID
# 254) and the expected memory ranges (node 0 of the 4G case is cut at 640 KiB and at the
# 2 GiB below 4 GiB, so 3 ranges + node 1's one).
numa_dump() { # NAME ARGS CPU_ENTRIES X2APIC_ENTRIES MEM_ENTRIES
	local dir=$OUT/numa-$1 ok=1 why="" lapic x2 mem
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	"$ENLIGHT" --dump-acpi "$dir" $2 >"$dir.log" 2>&1 || { ok=0; why="status $?: $(head -1 "$dir.log")"; }
	if [ $ok = 1 ]; then
		[ "$(bytesum "$dir/SRAT")" = 0 ] || { ok=0; why="SRAT checksum"; }
		if ! (cd "$dir" && iasl -d SRAT >SRAT.iasl 2>&1) ||
			grep -qiE '^(Error|Warning)|Invalid|checksum is incorrect' "$dir/SRAT.iasl" "$dir/SRAT.dsl"; then
			ok=0; why="$why; iasl -d SRAT: $(grep -m1 -iE 'Error|Warning|Invalid|incorrect' "$dir/SRAT.iasl" "$dir/SRAT.dsl")"
		fi
		lapic=$(grep -c 'Subtable Type : 00 \[Processor Local APIC/SAPIC Affinity\]' "$dir/SRAT.dsl")
		x2=$(grep -c 'Subtable Type : 02 \[Processor Local x2APIC Affinity\]' "$dir/SRAT.dsl")
		mem=$(grep -c 'Subtable Type : 01 \[Memory Affinity\]' "$dir/SRAT.dsl")
		[ "$lapic $x2 $mem" = "$3 $4 $5" ] || { ok=0; why="$why; SRAT has $lapic+$x2 CPUs, $mem ranges, want $3+$4, $5"; }
	fi
	tally "dump-acpi $1: SRAT iasl -d clean, $3+$4 CPU and $5 memory entries" $ok "${why#; }"
}
numa_dump 2nodes-4g "-smp 4 -m 4G -numa node,cpus=0-1,mem=3G -numa node,cpus=2-3,mem=1G" 4 0 4
numa_dump 3nodes-auto "-smp 6,sockets=3 -m 384 -numa node -numa node -numa node" 6 0 4
numa_dump x2apic "-smp 300,maxcpus=300 -m 256 -numa node,cpus=0-149 -numa node,cpus=150-299" 255 45 3
if [ -e "$OUT/acpi-1/SRAT" ]; then tally "dump-acpi without -numa: no SRAT" 0 "SRAT written"; else tally "dump-acpi without -numa: no SRAT" 1; fi

check dump-acpi-bad-dir 1 "--dump-acpi $OUT/no/such/dir" "--dump-acpi $OUT/no/such/dir: writing"

# The guest finds the RSDP by scanning, checks every table, counts MADT CPUs against fw_cfg,
# then powers off through FADT PM1a_CNT with \_S5 -- or resets through the FADT reset register.
check acpi-guest-s5-smp1 0 "$BASE $DBG -smp 1 -kernel $FW/acpi.elf" \
	'^ok 6 - MADT lists 1 CPUs, fw_cfg NB_CPUS 1' '^ok 9 - SMBIOS' 'S5: writing' "$NOTOK"
check acpi-guest-s5-smp4 0 "$BASE $DBG -smp 4 -kernel $FW/acpi.elf" \
	'^ok 6 - MADT lists 4 CPUs, fw_cfg NB_CPUS 4' '^ok 4 - 5 tables' "$NOTOK"
# -numa: the guest matches the SRAT with the MADT's APIC IDs, FW_CFG_NUMA and RAM_SIZE.
# enlight refuses -m beyond the host's RAM + swap (README "Bad inputs"): the nested full KVM's
# Linux has 2 GiB (tests/nested/run.sh), so there the 4 GiB guest cannot be asked for.
host_mib=$(awk '/^(MemTotal|SwapTotal):/ { kb += $2 } END { print int(kb / 1024) }' /proc/meminfo)
if [ "$host_mib" -ge 4096 ]; then
	check acpi-guest-numa-4g 0 "$BASE $DBG -smp 4 -m 4G -numa node,cpus=0-1,mem=3G -numa node,cpus=2-3,mem=1G -kernel $FW/acpi.elf" \
		'^ok 10 - SRAT: 4 CPUs on the MADT.s APIC IDs in fw_cfg.s nodes, 2 nodes, RAM ranges \+ hole 4096 MiB of 4096 MiB' \
		'SRAT memory 0x100000000-0x13fffffff node 0' "$NOTOK"
else
	echo "ok - acpi-guest-numa-4g # SKIP the host has ${host_mib} MiB of RAM + swap, enlight refuses -m 4G"
fi
check acpi-guest-numa-interleaved 0 "$BASE $DBG -smp 4 -m 128 -numa node,cpus=0,cpus=2,mem=32M -numa node,cpus=1,cpus=3,mem=96M -kernel $FW/acpi.elf" \
	'^ok 10 - SRAT: 4 CPUs .* 2 nodes' "$NOTOK"
check acpi-guest-no-numa 0 "$BASE $DBG -smp 2 -kernel $FW/acpi.elf" '^ok 10 - no SRAT, fw_cfg NUMA node count 0' "$NOTOK"
check numa-mem-sum 1 "$BASE -m 128 -numa node,mem=64M -numa node,mem=32M -kernel $FW/hello.elf" \
	'-numa: total memory for NUMA nodes \(0x6000000\) should equal RAM size \(0x8000000\)'
check numa-cpus-uncovered 1 "$BASE -smp 4 -numa node,cpus=0-1 -numa node,cpus=3 -kernel $FW/hello.elf" \
	'-numa: CPU\(s\) not present in any NUMA nodes: CPU 2'
check numa-memdev 1 "$BASE -numa node,memdev=ram0 -kernel $FW/hello.elf" '-numa: memdev=ram0 is not supported'

check acpi-guest-reset 0 "$BASE $DBG -no-reboot -kernel $FW/acpi.elf -append reset" \
	'writing 0x6 to reset register 0xcf9' "$NOTOK"

# Option errors: one line naming the option.
# (any image of a 64 KiB multiple will do: the -kernel check comes first; no SeaBIOS needed)
head -c 65536 /dev/zero >"$OUT/zero-bios.bin"
check bios-with-multiboot-kernel 1 "$BASE -bios $OUT/zero-bios.bin -kernel $FW/hello.elf" \
	'-kernel .*hello.elf: with -bios only a Linux bzImage can be handed to the firmware'
check bios-bad-size 1 "$BASE -bios $FW/hello.elf" "-bios '.*': not a firmware image"
check smbios-bad-type 1 "$BASE -smbios type=2,product=x -kernel $FW/hello.elf" 'only type=1'
check smbios-bad-field 1 "$BASE -smbios type=1,colour=red -kernel $FW/hello.elf" "no field 'colour'"

# SeaBIOS from Debian's seabios package (installed by make deps): it reaches "No bootable
# device" in about 30 s on this host's emulated KVM, once PMBASE+0x30 (SMI_EN) reads with
# APMC_EN set as QEMU's ICH9 does without SMM (before that it spun forever on APM status port
# 0xB3 after "PCI: No VGA devices found"). The run is stopped as soon as that line appears.
SEABIOS=/usr/share/seabios/bios-256k.bin
if [ "${ENLIGHT_E2E_SEABIOS:-1}" = 1 ] && [ -r $SEABIOS ]; then
	log=$OUT/seabios.log
	: >"$log"
	"$ENLIGHT" -m 128 -smp 2 -nographic -serial none --timeout "${ENLIGHT_SEABIOS_TIMEOUT:-150}" \
		-bios $SEABIOS -debugcon "file:$log" \
		-smbios type=1,manufacturer=enlight-test,product=e2e </dev/null >"$OUT/seabios.out" 2>&1 &
	bios_pid=$!
	for _ in $(seq 1 "${ENLIGHT_SEABIOS_TIMEOUT:-150}"); do
		grep -q 'No bootable device' "$log" && break
		kill -0 $bios_pid 2>/dev/null || break
		sleep 1
	done
	kill $bios_pid 2>/dev/null
	wait $bios_pid 2>/dev/null
	ok=1 why=""
	for pat in 'SeaBIOS \(version' 'Found [0-9]+ PCI devices' 'Found 2 cpu' 'via xsdt' \
		'Copying SMBIOS 3.0' 'ACPI: no PS/2 keyboard' 'No bootable device'; do
		grep -qE "$pat" "$log" || { ok=0; why="$why; missing '$pat'"; }
	done
	tally "seabios boots, scans PCI, installs ACPI and SMBIOS" $ok "${why#; }"
	[ $ok = 1 ] || sed 's/^/    | /' "$log" | tail -25
	# -kernel with -bios: SeaBIOS runs QEMU's linuxboot_dma.bin (Debian qemu-system-data) from
	# fw_cfg, which DMA-reads the setup, kernel and command line and enters the setup code
	# in real mode; the stub prints its command line and exits with type_of_loader (0xB0,
	# QEMU's id): isa-debug-exit status (0xB0 << 1 | 1) & 0xff = 97.
	IMG=${IMG:-$BUILD/e2e-images}
	if [ -r /usr/share/qemu/linuxboot_dma.bin ] && [ -r "$IMG/bzimage_stub.bin" ]; then
		check seabios-linuxboot-bzimage 97 "-m 128 -nographic --timeout 30 $DBG -bios $SEABIOS \
-kernel $IMG/bzimage_stub.bin -append console=ttyS0,hello=seabios -numa node,mem=64M -numa node,mem=64M" \
			'Booting from ROM' 'bzImage real-mode entry, cmdline: console=ttyS0,hello=seabios'
	else
		echo "ok - seabios-linuxboot-bzimage # SKIP /usr/share/qemu/linuxboot_dma.bin (qemu-system-data) or $IMG/bzimage_stub.bin (make e2e) is absent"
	fi
else
	echo "ok - seabios # SKIP $SEABIOS is not installed (make deps installs seabios)"
fi
