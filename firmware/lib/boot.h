/* Multiboot information and the kernel command line.
 *
 * The command line is copied at start-up (before anything can overwrite low memory).
 * Its first word is the kernel name when it has no '=' (QEMU and enlight both pass
 * "<kernel> <append>"); cmdline() returns the rest. Parameters are "key=value" or bare
 * "key", separated by spaces.
 */
#ifndef FW_BOOT_H
#define FW_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Multiboot Specification 0.6.96 §3.3. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
} __attribute__((packed));

#define MB_INFO_MEMORY	(1u << 0)
#define MB_INFO_CMDLINE	(1u << 2)
#define MB_INFO_MMAP	(1u << 6)
#define MB_INFO_LOADER	(1u << 9)

#define CMDLINE_MAX	1024

void cmdline_init(const struct multiboot_info *mbi);
const char *cmdline(void);	/* parameters only, never NULL */

/* Copies the value of key into buf (NUL-terminated, truncated to size). Returns its
 * length, or -1 if key is absent. A bare "key" has the empty value. */
int cmdline_get(const char *key, char *buf, size_t size);
bool cmdline_has(const char *key);
/* true and *val if key=<number> (decimal or 0x hex) is present and well formed. */
bool cmdline_u64(const char *key, uint64_t *val);

/* Entry of every payload: called on the BSP after the console, IDT and cmdline are set
 * up. mbi is NULL if the loader did not pass the multiboot magic. Its return value goes
 * to exit(). */
int main(const struct multiboot_info *mbi);

#endif
