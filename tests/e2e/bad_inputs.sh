#!/usr/bin/env bash
# Bad inputs and the one line each gets (issue 8): exit status 1, nothing started. One list,
# read by two users so that the README cannot drift from what is tested:
#   tests/e2e/cases/61-bad-inputs.sh  sources this file and runs every row (enlight -nographic ARGS)
#   make bad-inputs-table             writes the README section between the markers
#                                     (bash tests/e2e/bad_inputs.sh --update README.md);
#                                     --check README.md fails when that section is stale
# Row: bad NAME 'ARGS' STATUS 'MESSAGE': MESSAGE is a fixed string the one line must hold
# (host-dependent numbers are left out). ARGS are split on blanks.
BAD_KERNEL=build/firmware/hello.elf

bad_input_rows() {
	bad m-not-a-size '-m abc -kernel '$BAD_KERNEL 1 "-m: 'abc' is not a size: use a number of MiB or a suffix"
	bad m-too-small '-m 1 -kernel '$BAD_KERNEL 1 "-m: '1' is out of range: guest RAM must be between 2 MiB and 1 TiB"
	bad m-unaligned '-m 4097K -kernel '$BAD_KERNEL 1 "-m: '4097K' is not a multiple of 4 KiB"
	bad m-beyond-host '-m 1T -kernel '$BAD_KERNEL 1 '-m 1048576M: the host has'
	bad smp-zero '-smp 0 -kernel '$BAD_KERNEL 1 "-smp: cpus='0' is not a CPU count between 1 and 4096"
	bad smp-above-maxcpus '-smp 2,maxcpus=1 -kernel '$BAD_KERNEL 1 '-smp: cpus (2) exceeds maxcpus (1)'
	bad smp-beyond-kvm '-smp 4096 -kernel '$BAD_KERNEL 1 '-smp 4096: this KVM allows at most'
	bad no-kernel '-append console=ttyS0' 1 '-kernel: no guest given'
	bad kernel-missing '-kernel /nonexistent/k.elf' 1 "-kernel '/nonexistent/k.elf': cannot open: No such file or directory"
	bad kernel-is-directory '-kernel /tmp' 1 "-kernel '/tmp': not a regular file of at most 1 GiB"
	bad kernel-not-an-image '-kernel tests/e2e/bad_inputs.sh' 1 "'tests/e2e/bad_inputs.sh': not a multiboot, bzImage or ELF64 image"
	bad initrd-missing '-kernel '$BAD_KERNEL' -initrd /nonexistent/initrd' 1 "-initrd '/nonexistent/initrd': cannot open"
	bad bad-uuid '-uuid 1234 -kernel '$BAD_KERNEL 1 "-uuid: '1234' is not a UUID: use the form"
	bad numa-bad '-numa bad -kernel '$BAD_KERNEL 1 "-numa: 'bad' is not supported: use node"
	bad smbios-type '-smbios type=2 -kernel '$BAD_KERNEL 1 "-smbios: 'type=2': only type=1 is supported"
	bad smbios-field '-smbios type=1,foo=bar -kernel '$BAD_KERNEL 1 "-smbios: type=1 has no field 'foo'"
	bad bios-missing '-bios /nonexistent/bios.bin' 1 "-bios '/nonexistent/bios.bin': cannot open"
	bad bios-bad-size '-bios tests/e2e/bad_inputs.sh' 1 "-bios 'tests/e2e/bad_inputs.sh': not a firmware image: the size must be a multiple of 64 KiB"
	bad debugcon-bad '-debugcon bad -kernel '$BAD_KERNEL 1 "-debugcon: 'bad' is not supported: use stdio or file:PATH"
	bad debugcon-unwritable '-debugcon file:/nonexistent/dbg -kernel '$BAD_KERNEL 1 '-debugcon /nonexistent/dbg: cannot open'
	bad qmp-bad '-qmp bad -kernel '$BAD_KERNEL 1 "-qmp: 'bad': use unix:PATH,server,wait=off"
	bad qmp-no-dir '-qmp unix:/nonexistent/q.sock,server,wait=off -kernel '$BAD_KERNEL 1 '-qmp unix:/nonexistent/q.sock: cannot listen'
	bad gdb-bad '-gdb bad -kernel '$BAD_KERNEL 1 "-gdb: 'bad': use tcp:[HOST]:PORT"
	bad gdb-port-zero '-gdb tcp::0 -kernel '$BAD_KERNEL 1 "-gdb: 'tcp::0': use tcp:[HOST]:PORT"
	bad gdb-bad-host '-gdb tcp:nosuchhost.invalid:1234 -kernel '$BAD_KERNEL 1 "-gdb tcp:nosuchhost.invalid:1234: cannot resolve 'nosuchhost.invalid'"
	bad cpu-model '-cpu nosuch -kernel '$BAD_KERNEL 1 "-cpu: model 'nosuch' is not known; -cpu help lists the models"
	bad cpu-hv-unknown '-cpu host,hv-foo -kernel '$BAD_KERNEL 1 '-cpu: hv-foo: unknown Hyper-V enlightenment'
	bad cpu-hv-deps '-cpu host,hv-stimer -kernel '$BAD_KERNEL 1 '(hv-stimer) requires'
	bad machine-pc '-machine pc -kernel '$BAD_KERNEL 1 "-machine: machine type 'pc' is not supported: enlight emulates q35 only"
	bad irqchip-bad '-machine q35,kernel-irqchip=bad -kernel '$BAD_KERNEL 1 '-machine: kernel-irqchip=bad: enlight needs the in-kernel LAPIC; use on or split'
	bad accel-tcg '-accel tcg -kernel '$BAD_KERNEL 1 "-accel: accelerator 'tcg' is not supported: enlight runs on kvm only"
	bad serial-bad '-serial bad -kernel '$BAD_KERNEL 1 "-serial: 'bad' is not supported: use stdio, file:PATH or none"
	bad serial-unwritable '-serial file:/nonexistent/s -kernel '$BAD_KERNEL 1 '-serial file:/nonexistent/s: cannot open'
	bad device-unknown '-device nosuch -kernel '$BAD_KERNEL 1 "-device: device 'nosuch' is not supported"
	bad device-bad-iobase '-device isa-debug-exit,iobase=zz -kernel '$BAD_KERNEL 1 '-device: iobase=zz is not a port number (0 to 0xffff)'
	bad display-gtk '-display gtk -kernel '$BAD_KERNEL 1 "-display: 'gtk': enlight has no display; use -display none"
	bad timeout-bad '--timeout abc -kernel '$BAD_KERNEL 1 "--timeout: 'abc' is not a number of seconds between 1 and 86400"
	bad trace-bad '--trace bogus -kernel '$BAD_KERNEL 1 "--trace: 'bogus' is not a trace class: use --trace exits"
	bad sandbox-bad '--sandbox=maybe -kernel '$BAD_KERNEL 1 "--sandbox=maybe: 'maybe': use --sandbox=on or --sandbox=off"
	bad runas-unknown '-runas no-such-user-enlight -kernel '$BAD_KERNEL 1 "-runas 'no-such-user-enlight': no such user"
	bad option-unknown '--frobnicate -kernel '$BAD_KERNEL 1 '--frobnicate: unknown option; see enlight -h'
	bad option-typo '-smpp 2 -kernel '$BAD_KERNEL 1 '-smpp: unknown option (did you mean -smp?)'
	bad option-no-value '-kernel '$BAD_KERNEL' -append' 1 '-append: missing value (see enlight -h)'
	bad stray-argument 'disk.img -kernel '$BAD_KERNEL 1 "disk.img: unexpected argument: options start with '-'"
}

# The README section: a markdown table, one row per bad input.
bad_input_table() {
	bad() {
		local args=${2//|/\\|} msg=${4//|/\\|}
		printf '| `enlight %s` | %s | %s |\n' "$args" "$3" "$msg"
	}
	echo '| command line | status | the one line printed (`enlight: ...`) contains |'
	echo '|---|---|---|'
	bad_input_rows
}

BAD_BEGIN='<!-- bad-inputs:begin (make bad-inputs-table writes this; edit tests/e2e/bad_inputs.sh) -->'
BAD_END='<!-- bad-inputs:end -->'

# README with the section between the markers replaced by the current table, on stdout.
bad_input_readme() {
	local readme=$1 table
	table=$(bad_input_table)
	grep -qxF "$BAD_BEGIN" "$readme" && grep -qxF "$BAD_END" "$readme" || {
		echo "bad_inputs.sh: $readme has no '$BAD_BEGIN' ... '$BAD_END' markers" >&2
		return 1
	}
	awk -v b="$BAD_BEGIN" -v e="$BAD_END" -v t="$table" '
		$0 == b { print; print t; skip = 1; next }
		$0 == e { skip = 0 }
		!skip { print }' "$readme"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	--table) bad_input_table ;;
	--update)
		new=$(bad_input_readme "$2") || exit 1
		printf '%s\n' "$new" >"$2"
		;;
	--check)
		new=$(bad_input_readme "$2") || exit 1
		if ! printf '%s\n' "$new" | cmp -s - "$2"; then
			echo "bad_inputs.sh: the bad-inputs table in $2 is stale; run make bad-inputs-table" >&2
			printf '%s\n' "$new" | diff "$2" - | head -20 >&2
			exit 1
		fi
		;;
	*)
		echo "usage: $0 --table | --update README.md | --check README.md" >&2
		exit 2
		;;
	esac
fi
