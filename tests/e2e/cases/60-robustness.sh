# Issue 8: an untrusted guest. firmware/hostile.c throws random and bad values at every
# Hyper-V MSR, the hypercall page, the SynIC and stimers, unassigned ports, ECAM, fw_cfg
# (DMA) and the UART; the VMM must answer architecturally, stay up and exit cleanly with
# the payload's own status (1 = every answer was architectural).
check hostile-hv-windows 1 "$BASE $DBG -cpu host,hv-windows -kernel $FW/hostile.elf" \
	'^hostile: survived' '^# 9/9 passed' "$NOTOK" '!unexpected exception'
check hostile-other-seed 1 "$BASE $DBG -smp 2 -cpu host,hv-windows -kernel $FW/hostile.elf -append seed=0x1234" \
	'^hostile: seed 0x1234' '^hostile: survived' "$NOTOK"
check hostile-no-enlightenments 1 "$BASE $DBG -cpu host -kernel $FW/hostile.elf" \
	'^hostile: survived' '^ok 1 - hypercall page enabled # SKIP' "$NOTOK"
# The seccomp sandbox (on by default) and -runas: the guest runs the same under them.
check sandbox-off 1 "$BASE $DBG --sandbox=off -cpu host,hv-windows -kernel $FW/hostile.elf" '^hostile: survived' "$NOTOK"
check sandbox-bad-value 1 "$BASE $DBG --sandbox=maybe -kernel $FW/hello.elf" \
	"^enlight: --sandbox=maybe: 'maybe': use --sandbox=on or --sandbox=off" '!serial works'
check runas-nobody 1 "$BASE $DBG -runas nobody -kernel $FW/hello.elf" '^ok 1 - serial works'
check runas-unknown 1 "$BASE $DBG -runas no-such-user-enlight -kernel $FW/hello.elf" \
	"-runas 'no-such-user-enlight': no such user" '!serial works'
# Bad input: one line, status 1, nothing started.
check bad-uuid 1 "$BASE $DBG -uuid 1234 -kernel $FW/hello.elf" "-uuid: '1234' is not a UUID" '!serial works'
check unreadable-kernel 1 "$BASE $DBG -kernel /nonexistent/k.elf" \
	"-kernel '/nonexistent/k.elf': cannot open: No such file or directory" '!serial works'
check kernel-is-directory 1 "$BASE $DBG -kernel /tmp" "-kernel '/tmp': not a regular file" '!serial works'
check smp-beyond-kvm 1 "$BASE $DBG -smp 4096 -kernel $FW/hello.elf" 'KVM_CAP_MAX_VCPUS' '!serial works'
