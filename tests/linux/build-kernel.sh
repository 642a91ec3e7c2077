#!/usr/bin/env bash
# Build the Linux guest for tests/linux/run.sh: a minimal x86_64 bzImage from Debian's
# linux-source-6.1 and an initramfs holding one static /init (tests/linux/init.c).
# Everything lands in BUILD/linux/ and is built once (later calls only check it).
#
# Usage: tests/linux/build-kernel.sh [BUILD_DIR]
# Environment: LINUX_JOBS (make -j, default nproc), LINUX_REBUILD=1 rebuilds the kernel.
# Outputs: BUILD/linux/bzImage, BUILD/linux/initramfs.cpio, BUILD/linux/build-kernel.log.
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
OUT=$BUILD/linux
JOBS=${LINUX_JOBS:-$(nproc)}
say() { echo "linux: $*"; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# 1. Debian packages, installed only when missing: the kernel source and what a minimal
# config needs to build (no modules, no module signing, so no libssl-dev; lz4 compresses
# the kernel: its decompressor is the cheapest at the restricted host's ~2 MIPS).
need=""
for p in linux-source-6.1 bc bison flex libelf-dev lz4 xz-utils make gcc cpio; do
	dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
	say "installing:$need"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null ||
		{ say "apt-get install$need failed"; exit 1; }
fi

# 2. The kernel: tinyconfig plus only what the test needs (tests/linux/kernel.config).
SRC=$OUT/linux-source-6.1
FRAG=$PWD/tests/linux/kernel.config
PATCH=$PWD/tests/linux/kernel.patch
if [ ! -f "$OUT/bzImage" ] || [ "${LINUX_REBUILD:-0}" = 1 ] || [ "$FRAG" -nt "$OUT/bzImage" ] ||
	[ "$PATCH" -nt "$OUT/bzImage" ]; then
	if [ ! -f "$SRC/Makefile" ]; then
		say "unpacking /usr/src/linux-source-6.1.tar.xz"
		tar -C "$OUT" -xJf /usr/src/linux-source-6.1.tar.xz || { say "unpacking failed"; exit 1; }
	fi
	# tests/linux/kernel.patch: guest ring-0 instructions the restricted host's KVM
	# cannot emulate, removed (applied once: a clean reverse dry run means it is in).
	if ! patch -d "$SRC" -p1 -R --dry-run -s -f <tests/linux/kernel.patch >/dev/null 2>&1; then
		patch -d "$SRC" -p1 -N -s <tests/linux/kernel.patch ||
			{ say "applying tests/linux/kernel.patch failed"; exit 1; }
	fi
	t0=$(date +%s)
	say "configuring (tinyconfig + tests/linux/kernel.config)"
	{
		make -C "$SRC" ARCH=x86_64 tinyconfig &&
		"$SRC/scripts/kconfig/merge_config.sh" -m -O "$SRC" "$SRC/.config" "$FRAG" &&
		make -C "$SRC" ARCH=x86_64 olddefconfig
	} >"$OUT/build-kernel.log" 2>&1 || { say "configuring failed:"; tail -20 "$OUT/build-kernel.log"; exit 1; }
	# Every =y line of the fragment must have survived olddefconfig (a dependency the
	# fragment missed silently drops a symbol).
	bad=0
	while read -r line; do
		grep -qx "$line" "$SRC/.config" || { say "config: '$line' did not survive olddefconfig"; bad=1; }
	done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$FRAG")
	[ $bad = 0 ] || exit 1
	say "building bzImage with make -j$JOBS (log: $OUT/build-kernel.log)"
	make -C "$SRC" ARCH=x86_64 -j"$JOBS" bzImage >>"$OUT/build-kernel.log" 2>&1 ||
		{ say "kernel build failed:"; tail -30 "$OUT/build-kernel.log"; exit 1; }
	cp "$SRC/arch/x86/boot/bzImage" "$OUT/bzImage"
	cp "$SRC/.config" "$OUT/kernel.config"
	say "kernel built in $(($(date +%s) - t0))s: $(stat -c %s "$OUT/bzImage") bytes"
else
	say "kernel cached: $OUT/bzImage (LINUX_REBUILD=1 rebuilds it)"
fi

# 3. The initramfs: /init is a static C program built against the kernel's own nolibc
# (tools/include/nolibc), a few KB instead of glibc's ~800 KB. An uncompressed newc cpio:
# nothing to decompress.
INIT_SRC=$PWD/tests/linux/init.c
if [ ! -f "$OUT/initramfs.cpio" ] || [ "$INIT_SRC" -nt "$OUT/initramfs.cpio" ] ||
	[ "$0" -nt "$OUT/initramfs.cpio" ]; then
	ROOT=$OUT/initramfs
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/{dev,proc,sys}
	gcc -Os -static -nostdlib -fno-asynchronous-unwind-tables -fno-ident -s \
		-include "$SRC/tools/include/nolibc/nolibc.h" -I "$SRC/tools/include/nolibc" \
		-o "$ROOT/init" "$INIT_SRC" -lgcc ||
		{ say "building /init failed"; exit 1; }
	(cd "$ROOT" && find . | cpio -o -H newc --quiet) >"$OUT/initramfs.cpio" ||
		{ say "building the initramfs failed"; exit 1; }
	say "initramfs: $(stat -c %s "$OUT/initramfs.cpio") bytes (/init $(stat -c %s "$ROOT/init") bytes)"
fi
exit 0
