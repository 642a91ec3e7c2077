/* -m against the host's RAM + swap (vmm/hostmem.h). */
#include "vmm/hostmem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/log.h"

/* proc(5): "MemTotal:  <n> kB". True when line starts with key and holds a number. */
static bool meminfo_field(const char *line, const char *key, uint64_t *bytes)
{
	size_t klen = strlen(key);
	unsigned long long kb;
	char *end;

	if (strncmp(line, key, klen) || line[klen] != ':')
		return false;
	errno = 0;
	kb = strtoull(line + klen + 1, &end, 10);
	if (errno || end == line + klen + 1 || kb > UINT64_MAX / 1024)
		return false;
	*bytes = (uint64_t)kb * 1024;
	return true;
}

int hostmem_parse(const char *text, struct hostmem *out)
{
	bool have_total = false;

	memset(out, 0, sizeof(*out));
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');

		if (meminfo_field(line, "MemTotal", &out->mem_total))
			have_total = true;
		else
			meminfo_field(line, "SwapTotal", &out->swap_total);
		line = nl ? nl + 1 : NULL;
	}
	return have_total ? 0 : -EINVAL;
}

int hostmem_read(const char *path, struct hostmem *out)
{
	char buf[8192];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n + 1 < sizeof(buf)) {
		ssize_t k = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	return hostmem_parse(buf, out);
}

int hostmem_check(uint64_t ram_size, const struct hostmem *h, char *err, size_t errlen)
{
	uint64_t ceiling = h->mem_total + h->swap_total;

	if (ram_size <= ceiling)
		return 0;
	snprintf(err, errlen,
		 "-m %" PRIu64 "M: the host has %" PRIu64 " MiB of RAM and %" PRIu64 " MiB of swap "
		 "(MemTotal + SwapTotal in /proc/meminfo), so the guest could never have all of "
		 "it; use -m %" PRIu64 "M or less, or add swap",
		 ram_size >> 20, h->mem_total >> 20, h->swap_total >> 20, ceiling >> 20);
	return -ENOMEM;
}
