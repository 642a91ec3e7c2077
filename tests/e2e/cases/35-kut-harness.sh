# The machine kvm-unit-tests' x86/run asks QEMU for (README "kvm-unit-tests Hyper-V tests"):
# its fixed options, pc-testdev included, with the hyperv_* tests' -cpu host,hv_passthrough and
# -device hyperv-testdev. The Hyper-V payloads must still pass on it: pc-testdev's ports
# 0xe0-0xeb once overlapped the hypercall stub's port (then 0xE8) and enlight refused to start.
KUT="--no-reboot -nodefaults -global kvm-pit.lost_tick_policy=discard -device pc-testdev"
KUT="$KUT $DBG -display none -serial stdio -machine accel=kvm --timeout 20"
check "kut-harness[hv-hypercall]" 1 "$KUT -smp 2 -cpu host,hv_passthrough -kernel $FW/hv_hypercall.elf" \
	'# 19/19 passed' "$NOTOK"
# Known open problem: on the kernel backend (nested full KVM, hv_passthrough) one CI run saw
# vCPU 0 restart at the reset vector during AP bring-up (an INIT reached the BSP) and triple
# fault; the same payload with explicit hv-* flags (30-hv-matrix.sh, hv-synic) passes there.
# Skipped on that backend, with this reason printed, until it is understood.
if [ "$HV_BACKEND" = kernel ]; then
	skip=$((skip + 1))
	echo "ok - kut-harness[hv-synic] # SKIP kernel backend: intermittent INIT of vCPU 0 under hv_passthrough (open problem, tests/e2e/cases/35-kut-harness.sh)"
else
	check "kut-harness[hv-synic]" 1 \
		"$KUT -smp 2 -cpu host,hv_passthrough -device hyperv-testdev -kernel $FW/hv_synic.elf" \
		'# 8/8 passed' "$NOTOK"
fi
check "kut-harness[pit-delay]" 1 "$KUT -global kvm-pit.lost_tick_policy=delay -kernel $FW/hello.elf" \
	'^ok 1 - serial works' "$NOTOK"
check "kut-harness[bad-global]" 1 "$KUT -global kvm-pit.lost_tick_policy=slew -kernel $FW/hello.elf" \
	'kvm-pit.lost_tick_policy=slew: use discard or delay' '!serial works'
