#include "vmm/bios.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/guest_mem.h"
#include "vmm/log.h"

int bios_load(const char *path, struct bios_rom *out)
{
	struct stat st;
	size_t done = 0;
	int fd, r = 0;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		pr_err("-bios '%s': cannot open: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < BIOS_SIZE_MIN ||
	    (uint64_t)st.st_size > BIOS_SIZE_MAX || st.st_size % BIOS_SIZE_MIN) {
		pr_err("-bios '%s': not a firmware image: the size must be a multiple of 64 KiB "
		       "between 64 KiB and 16 MiB (e.g. /usr/share/seabios/bios-256k.bin)", path);
		close(fd);
		return -EINVAL;
	}
	out->size = (size_t)st.st_size;
	out->data = mmap(NULL, out->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (out->data == MAP_FAILED) {
		out->data = NULL;
		close(fd);
		return -ENOMEM;
	}
	while (done < out->size) {
		ssize_t n = read(fd, out->data + done, out->size - done);

		if (n <= 0) {
			r = n ? -errno : -EIO;
			pr_err("-bios '%s': read failed: %s", path, strerror(-r));
			break;
		}
		done += (size_t)n;
	}
	close(fd);
	if (r)
		bios_free(out);
	return r;
}

void bios_free(struct bios_rom *rom)
{
	if (rom->data)
		munmap(rom->data, rom->size);
	rom->data = NULL;
	rom->size = 0;
}

int bios_map(struct guest_mem *gm, const struct bios_rom *rom)
{
	return gm_add_slot(gm, BIOS_TOP - rom->size, rom->size, rom->data, true);
}

int bios_shadow(struct guest_mem *gm, const struct bios_rom *rom)
{
	size_t n = rom->size < BIOS_SHADOW_SIZE ? rom->size : BIOS_SHADOW_SIZE;
	int r = gm_write(gm, BIOS_SHADOW_END - n, rom->data + rom->size - n, n);

	if (r)
		pr_err("-bios: 0x%llx-0x%llx is not guest RAM (-m too small?)",
		       (unsigned long long)(BIOS_SHADOW_END - n), BIOS_SHADOW_END - 1);
	return r;
}
