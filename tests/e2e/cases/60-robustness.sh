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
