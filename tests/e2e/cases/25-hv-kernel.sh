# The in-kernel Hyper-V backend (hyperv/hv_kernel.c): only on a KVM with KVM_CAP_HYPERV
# (the nested full KVM, tests/nested/run.sh); elsewhere hv-kernel-backend-absent covers it.
if [ "$KVM_HYPER" = yes ]; then
	KB="-accel kvm,hv-backend=kernel"
	check hv-kernel-hello 1 "$BASE $DBG $KB -cpu host,hv-relaxed -kernel $FW/hello.elf" \
		'^ok 1 - serial works' "$NOTOK"
	# SynIC2 on every vCPU, VP_INDEX written, SINTs masked: the demo sees distinct VP indexes.
	check hv-kernel-smp2 1 "$BASE $DBG $KB -smp 2 -cpu host,hv-windows -kernel $FW/demo.elf" \
		'^ok 3 - every CPU has a distinct VP index' "$NOTOK" '!failed to turn on'
	check hv-kernel-enforce-cpuid 1 "$BASE $DBG $KB -cpu host,hv-windows,hv-enforce-cpuid -kernel $FW/hello.elf" \
		'^ok 1 - serial works' '!KVM_CAP_HYPERV_ENFORCE_CPUID'
	# shared/TEST-ENVIRONMENTS.md section 2: AMD, so no eVMCS (QEMU's message).
	check hv-kernel-evmcs-refused 1 "$BASE $DBG $KB -cpu host,hv-vapic,hv-evmcs -kernel $FW/hello.elf" \
		'Hyper-V enlightened VMCS \(hv-evmcs\) is not supported by kernel' '!serial works'
	# The full-KVM answer to the empty-IDT image of 10-core.sh: a triple fault, status 2 under
	# -no-reboot.
	check fault-without-idt-full-kvm 2 "-m 16 -nographic --timeout 5 -no-reboot -kernel $OUT/triple.bin"
fi
