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
	# KVM 6.1's own hypercall answers where they differ from the userspace backend's (the
	# xfails of 05-expect.sh): exactly those rows fail, every other row passes.
	HVK="-cpu host,hv-relaxed,hv-vapic,hv-time,hv-vpindex,hv-synic,hv-stimer,hv-tlbflush,hv-ipi"
	check hv-kernel-hypercall 3 "$BASE $DBG $KB -smp 2 $HVK -kernel $FW/hv_hypercall.elf" \
		'# 15/19 passed' \
		'^not ok 13 - HvFlushVirtualAddressSpace fast \(no XMM input\): status 3, 0 reps # RAX 0x0' \
		'^not ok 15 - HvFlushVirtualAddressList rep start 1 of 3: status 0, 3 reps # RAX 0x3' \
		'^not ok 18 - misaligned input GPA: status 4, 0 reps # RAX 0x0' \
		'^not ok 19 - input GPA beyond RAM: status 4, 0 reps # RAX 0x3'
	check hv-kernel-tlbflush 3 "$BASE $DBG $KB -smp 4 $HVK -kernel $FW/hv_tlbflush.elf" \
		'# 3/4 passed' '^not ok 2 - HvFlushVirtualAddressSpace fast: status 3 # RAX 0x0'
	# The testdev on this backend and KVM's crash parameters, explicitly.
	check hv-kernel-testdev 1 "$BASE $DBG $KB -smp 2 $HVK -device hyperv-testdev -kernel $FW/hv_synic.elf" \
		'# 8/8 passed' "$NOTOK"
	check hv-kernel-crash 5 "$BASE $DBG $KB -cpu host,hv-crash -kernel $FW/hv_crash.elf" \
		'P0 0xc0ffee00 P1 0xc0ffee01 P2 0xc0ffee02 P3 0xc0ffee03 P4 0xc0ffee04' "$NOTOK"
	# The full-KVM answer to the empty-IDT image of 10-core.sh: a triple fault, status 2 under
	# -no-reboot.
	check fault-without-idt-full-kvm 2 "-m 16 -nographic --timeout 5 -no-reboot -kernel $OUT/triple.bin"
fi
