/* -bios FILE: a firmware image (SeaBIOS, OVMF) mapped read-only at the top of 4 GiB, where the
 * reset vector 0xFFFFFFF0 lands (SDM Vol. 3A §9.1.4: CS base 0xFFFF0000, IP 0xFFF0 -- KVM's
 * vCPU reset state, so the BSP needs no register set-up).
 *
 * The legacy window 0xE0000-0xFFFFF: on the real q35 the PAM registers (MCH config 0x90-0x96)
 * first alias it to the ROM, then SeaBIOS switches it to RAM and copies itself down
 * (make_bios_writable). enlight does not emulate PAM remapping (memory slots are fixed once
 * the VM runs), so it starts in the state after that copy: the window is RAM pre-loaded with
 * the image's last 128 KiB. That is what SeaBIOS needs (it keeps writable variables there);
 * a read-only alias would break it. Pure apart from reading the file. */
#ifndef ENLIGHT_BIOS_H
#define ENLIGHT_BIOS_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem;

#define BIOS_SIZE_MIN    0x10000ull   /* 64 KiB, and a multiple of it (as QEMU) */
#define BIOS_SIZE_MAX    0x1000000ull /* 16 MiB: stays above the LAPIC/IOAPIC */
#define BIOS_SHADOW_END  0x100000ull
#define BIOS_SHADOW_SIZE 0x20000ull   /* 0xE0000-0xFFFFF */
#define BIOS_TOP         0x100000000ull

struct bios_rom {
	uint8_t *data; /* page-aligned (a KVM memory slot) */
	size_t size;
};

/* Reads and checks the image; on failure prints one line naming -bios and returns -errno. */
int bios_load(const char *path, struct bios_rom *out);
void bios_free(struct bios_rom *rom);
/* Adds the read-only slot [4 GiB - size, 4 GiB). */
int bios_map(struct guest_mem *gm, const struct bios_rom *rom);
/* Copies the image's last 128 KiB (or all of a smaller image) to RAM below 1 MiB. */
int bios_shadow(struct guest_mem *gm, const struct bios_rom *rom);

#endif
