# CPU models, CPUID and TSC tools (vmm/cpu_models.c, vmm/cpu_config.c, vmm/tool_cpuid.c,
# vmm/tool_tsc.c). This host's KVM lacks SSE3 and has no TSC scaling
# (shared/TEST-ENVIRONMENTS.md), which the error cases rely on.

check cpuid-text 0 "cpuid -cpu Skylake-Server -smp 2 --vcpu 1" \
	'^# CPUID for vCPU 1 \(-cpu Skylake-Server -smp 2\)' '^0x00000001  0x00   0x00050654 0x01' \
	"host doesn't support requested feature: CPUID.01H:ECX.pni \[bit 0\]"
check cpuid-json 0 "cpuid -cpu EPYC --format json" '^\{"config": "-cpu EPYC", "vcpu": 0' \
	'"function": "0x00000000", "index": 0, "flags": 0, "eax": "0x0000000d", "ebx": "0x68747541"' '"features": \[.*"lm"'
check cpuid-hyperv-leaves 0 "cpuid -cpu host,hv-relaxed,hv-vapic" \
	'^0x40000000  0x00   0x40000005 0x7263694d' '^0x40000100  0x00' '!^0x40000010'
check cpuid-diff 0 "cpuid --diff -cpu host -- -cpu host,-x2apic" \
	'0x00000001.0 ecx: .*-x2apic' '^1 difference$'
check cpuid-bad-vcpu 1 "cpuid -smp 2 --vcpu 2" 'has 2 vCPU'
check cpuid-verify 0 "cpuid --verify -cpu host" 'leaves/subleaves read by the guest' \
	'^--- configured' '[0-9]+ difference'
check cpu-model-boots 1 "$BASE $DBG -cpu Skylake-Server -smp 2 -kernel $FW/smp.elf" \
	'cpu 1 online' "$NOTOK"
check cpu-qemu64-boots 1 "$BASE $DBG -cpu qemu64,+x2apic,-svm -kernel $FW/hello.elf" '^ok 1' "$NOTOK"
check cpu-enforce 1 "$BASE $DBG -cpu qemu64,enforce -kernel $FW/hello.elf" \
	'enforce: KVM does not support requested feature\(s\): CPUID.01H:ECX.pni \[bit 0\]' \
	'!serial works'
check cpu-unknown-feature 1 "$BASE -cpu host,+avx512fx -kernel $FW/hello.elf" "did you mean 'avx512f'"
check cpu-help 0 "-cpu help" 'EPYC-Milan' 'invtsc' 'hv-relaxed'
check tsc-tool 0 "tsc" 'host TSC frequency \(KVM_GET_TSC_KHZ' 'KVM_CAP_TSC_CONTROL' 'result: honoured'
check tsc-refused 1 "tsc -cpu host,tsc-frequency=1000000000" \
	'1000000 kHz requested but the host TSC runs at [0-9]+ kHz' 'KVM_CAP_TSC_CONTROL' \
	'result: refused'
check tsc-refused-boot 1 "$BASE $DBG -cpu host,tsc-frequency=1000000000 -kernel $FW/hello.elf" \
	'within KVM.s \+-250 ppm' '!serial works'
HOST_KHZ=$("$ENLIGHT" tsc 2>/dev/null | sed -n 's/^host TSC frequency (KVM_GET_TSC_KHZ of a new vCPU): \([0-9]*\) kHz$/\1/p')
check tsc-within-tolerance 1 "$BASE $DBG -cpu host,tsc-frequency=${HOST_KHZ:-0}000 -kernel $FW/hello.elf" \
	'^ok 1 - serial works'
check tsc-measure 0 "tsc --measure" 'guest-measured TSC frequency: [0-9]+ Hz' \
	'error against the configured [0-9]+ kHz: [-+][0-9]+ ppm'
