# Loader paths end to end, with the hand-written kernels of tests/e2e/images (built by
# `make e2e`). Each exits through isa-debug-exit with a count it read from what the loader
# handed it: (count << 1) | 1.
IMG=$BUILD/e2e-images
# 64 MiB gives 6 e820 entries (vmm/memmap.c): status 13.
check elf64-direct 13 "$BASE $DBG -kernel $IMG/elf64_direct.elf -append hello-elf" \
	'^elf64 direct boot, cmdline: hello-elf$'
check bzimage-64bit-entry 13 "$BASE $DBG -kernel $IMG/bzimage_stub.bin -append console=ttyS0" \
	'^bzImage 64-bit entry, cmdline: console=ttyS0$'
printf 'abc' >"$OUT/mod1"
printf 'hello' >"$OUT/mod2"
check multiboot-modules 5 "$BASE $DBG -kernel $IMG/multiboot_mods.elf -initrd $OUT/mod1,$OUT/mod2" \
	"mod1 3" "mod2 5"
check bzimage-two-initrds 1 "$BASE $DBG -kernel $IMG/bzimage_stub.bin -initrd $OUT/mod1,$OUT/mod2" \
	"bzimage_stub.bin" '!bzImage 64-bit entry'
