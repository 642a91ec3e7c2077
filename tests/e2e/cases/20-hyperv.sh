# Hyper-V options: accepted sets boot, refused sets get QEMU's message and status 1 before
# anything starts.
check hv-windows-boots 1 "$BASE $DBG -cpu host,hv-windows -kernel $FW/hello.elf" '^ok 1 - serial works'
# The demo checks the CPUID leaves, TIME_REF_COUNT against the PM timer and the VP indexes
# (userspace backend MSRs): every guest check passes.
check hv-cpuid-seen 1 "$BASE $DBG -cpu host,hv-windows -kernel $FW/demo.elf" \
	'hypervisor "Microsoft Hv" max leaf 0x40000005 interface 0x31237648' "$NOTOK"
# `make run`'s command line: two CPUs, distinct VP indexes, a SynIC message round trip
# through hyperv-testdev, direct-mode synthetic timer ticks.
check hv-make-run 1 "-machine q35 -cpu host,hv-windows -smp 2 $BASE $DBG -device hyperv-testdev -kernel $FW/demo.elf -append testdev" \
	'^ok 2 - TIME_REF_COUNT runs at 10 MHz' '^ok 3 - every CPU has a distinct VP index' \
	'^ok 4 - SynIC message round trip' '^ok 5 - synthetic timer ticks' '# 5/5 passed' "$NOTOK"
check hv-no-enlightenment 1 "$BASE $DBG -cpu host -kernel $FW/hello.elf" '!Microsoft'
check hv-stimer-needs-time 1 "$BASE $DBG -cpu host,hv-stimer -kernel $FW/hello.elf" \
	'Hyper-V synthetic timers \(hv-stimer\) requires Hyper-V clocksources \(hv-time\)' '!serial works'
check hv-synic-needs-vpindex 1 "$BASE $DBG -cpu host,hv-synic -kernel $FW/hello.elf" \
	'Hyper-V synthetic interrupt controller \(hv-synic\) requires Hyper-V VP_INDEX MSR \(hv-vpindex\)'
check hv-evmcs-user-backend 1 "$BASE $DBG -cpu host,hv-vapic,hv-evmcs -kernel $FW/hello.elf" \
	'hv-evmcs.*not supported by the userspace Hyper-V backend'
check hv-typo 1 "$BASE $DBG -cpu host,hv-stimr -kernel $FW/hello.elf" 'hv-stimer'
check hv-kernel-backend-absent 1 "$BASE $DBG -accel kvm,hv-backend=kernel -cpu host,hv-relaxed -kernel $FW/hello.elf" \
	'KVM_CAP_HYPERV'
