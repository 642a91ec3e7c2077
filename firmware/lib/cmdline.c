/* Kernel command line from the multiboot info (Multiboot Specification §3.3, "cmdline"). */
#include "boot.h"
#include "libc.h"

struct cmdline {
	char buf[CMDLINE_MAX];
	const char *params;	/* into buf, after the kernel name */
};

static struct cmdline cl;

void cmdline_init(const struct multiboot_info *mbi)
{
	const char *src, *p;
	size_t n;

	cl.buf[0] = '\0';
	cl.params = cl.buf;
	if (!mbi || !(mbi->flags & MB_INFO_CMDLINE) || !mbi->cmdline)
		return;
	src = (const char *)(uintptr_t)mbi->cmdline;
	n = strnlen(src, sizeof(cl.buf) - 1);
	memcpy(cl.buf, src, n);
	cl.buf[n] = '\0';

	/* Skip the first word if it is the kernel name (has no '='). */
	for (p = cl.buf; *p == ' '; p++)
		;
	cl.params = p;
	while (*p && *p != ' ' && *p != '=')
		p++;
	if (*p == '=')
		return;
	while (*p == ' ')
		p++;
	cl.params = p;
}

const char *cmdline(void)
{
	return cl.params ? cl.params : "";
}

/* Finds key in the parameters; returns a pointer to its value (after '=', or to the end
 * of a bare key) and its length in *vlen, or NULL. */
static const char *cmdline_find(const char *key, size_t *vlen)
{
	size_t klen = strlen(key);
	const char *p = cmdline(), *v;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && (p[klen] == '=' || p[klen] == ' ' || !p[klen])) {
			v = p + klen + (p[klen] == '=');
			for (*vlen = 0; v[*vlen] && v[*vlen] != ' '; (*vlen)++)
				;
			return v;
		}
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

int cmdline_get(const char *key, char *buf, size_t size)
{
	size_t vlen, n;
	const char *v = cmdline_find(key, &vlen);

	if (!v)
		return -1;
	if (size) {
		n = vlen < size - 1 ? vlen : size - 1;
		memcpy(buf, v, n);
		buf[n] = '\0';
	}
	return (int)vlen;
}

bool cmdline_has(const char *key)
{
	size_t vlen;

	return cmdline_find(key, &vlen) != NULL;
}

bool cmdline_u64(const char *key, uint64_t *val)
{
	unsigned long long v;
	size_t vlen;
	const char *s = cmdline_find(key, &vlen);

	if (!s || !vlen || parse_u64(s, &v) != (int)vlen)
		return false;
	*val = v;
	return true;
}
