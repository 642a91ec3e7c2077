/* Command line: QEMU spelling for what QEMU users type, plus enlight's own long options.
 * One table of options; each handler parses its value into struct vm_config. */
#include "vmm/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "vmm/cpu_config.h"
#include "vmm/log.h"
#include "vmm/strutil.h"

#define RAM_MIN (2ull << 20)
#define RAM_MAX (1ull << 40) /* 1 TiB: far above what the 2 GiB/above-4G split needs */

struct cli_ctx {
	struct vm_config *cfg;
	char *err;
	unsigned errlen;
	const char *opt; /* option being parsed, for messages */
};

PRINTF_LIKE(2, 3) static int fail(struct cli_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s: ", c->opt);

	if (n < 0 || (unsigned)n >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (unsigned)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* QEMU's size suffixes (binary units); a bare number means MiB, as for -m. */
static const struct num_unit size_units[] = {
	{ "b", 1 },	   { "B", 1 },	      { "k", 1ull << 10 }, { "K", 1ull << 10 },
	{ "m", 1ull << 20 }, { "M", 1ull << 20 }, { "g", 1ull << 30 }, { "G", 1ull << 30 },
	{ "t", 1ull << 40 }, { "T", 1ull << 40 }, { NULL, 0 },
};

int parse_size_mib_default(const char *s, uint64_t *out)
{
	return parse_scaled(s, size_units, 1ull << 20, UINT64_MAX, out);
}

/* Splits "a,b=c,d" in place; calls fn for each item. The first item may be positional. */
typedef int (*kv_fn)(struct cli_ctx *c, char *key, char *val, unsigned idx);

static int split_kv(struct cli_ctx *c, char *s, kv_fn fn)
{
	unsigned idx = 0;
	char *save = NULL;

	for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int r;

		if (eq)
			*eq++ = '\0';
		r = fn(c, tok, eq, idx++);
		if (r)
			return r;
	}
	return 0;
}

static int opt_m(struct cli_ctx *c, char *v)
{
	uint64_t sz;
	int r;

	if (!strncmp(v, "size=", 5))
		v += 5;
	r = parse_size_mib_default(v, &sz);
	if (r)
		return fail(c, "'%s' is not a size: use a number of MiB or a suffix, e.g. -m 64 or -m 2G",
			    v);
	if (sz < RAM_MIN || sz > RAM_MAX)
		return fail(c, "'%s' is out of range: guest RAM must be between 2 MiB and 1 TiB", v);
	if (sz & 0xfff)
		return fail(c, "'%s' is not a multiple of 4 KiB", v);
	c->cfg->ram_size = sz;
	return 0;
}

static const char *const smp_keys[] = { "cpus", "sockets", "dies", "cores", "threads", "maxcpus" };

static int smp_item(struct cli_ctx *c, char *key, char *val, unsigned idx)
{
	struct smp_config *s = &c->cfg->smp;
	unsigned *slot[] = { &s->cpus, &s->sockets, &s->dies, &s->cores, &s->threads, &s->maxcpus };
	const char *k = key;
	uint64_t n;

	if (!val && idx == 0) {
		val = key;
		k = "cpus";
	}
	for (unsigned i = 0; i < ARRAY_SIZE(smp_keys); i++) {
		if (strcmp(k, smp_keys[i]))
			continue;
		if (!val || parse_u64(val, 4096, &n) || n == 0)
			return fail(c, "%s='%s' is not a CPU count between 1 and 4096", k,
				    val ? val : "");
		*slot[i] = (unsigned)n;
		return 0;
	}
	const char *s2 = str_suggest(key, smp_keys, ARRAY_SIZE(smp_keys), 0);
	return fail(c, "unknown property '%s'%s%s%s", key, s2 ? " (did you mean '" : "",
		    s2 ? s2 : "", s2 ? "'?)" : "; use cpus, sockets, dies, cores, threads, maxcpus");
}

/* QEMU's smp_parse: fill in what was not given so that sockets*dies*cores*threads == maxcpus. */
static int smp_complete(struct cli_ctx *c)
{
	struct smp_config *s = &c->cfg->smp;
	unsigned dies = s->dies ? s->dies : 1;
	uint64_t per;

	if (!s->cpus && !s->maxcpus && !s->sockets && !s->cores && !s->threads)
		s->cpus = 1;
	if (!s->threads)
		s->threads = 1;
	if (!s->cores && !s->sockets) {
		s->sockets = 1;
		s->cores = (s->maxcpus ? s->maxcpus : (s->cpus ? s->cpus : 1)) / (dies * s->threads);
		if (!s->cores)
			s->cores = 1;
	} else if (!s->cores) {
		s->cores = (s->maxcpus ? s->maxcpus : (s->cpus ? s->cpus : 1)) /
			   (s->sockets * dies * s->threads);
		if (!s->cores)
			s->cores = 1;
	} else if (!s->sockets) {
		s->sockets = (s->maxcpus ? s->maxcpus : (s->cpus ? s->cpus : 1)) /
			     (s->cores * dies * s->threads);
		if (!s->sockets)
			s->sockets = 1;
	}
	s->dies = dies;
	per = (uint64_t)s->sockets * dies * s->cores * s->threads;
	if (!s->maxcpus)
		s->maxcpus = (unsigned)(per > 4096 ? 4096 : per);
	if (!s->cpus)
		s->cpus = s->maxcpus;
	c->opt = "-smp";
	if (per != s->maxcpus)
		return fail(c, "sockets (%u) * dies (%u) * cores (%u) * threads (%u) = %llu does not "
			    "match maxcpus (%u)", s->sockets, dies, s->cores, s->threads,
			    (unsigned long long)per, s->maxcpus);
	if (s->cpus > s->maxcpus)
		return fail(c, "cpus (%u) exceeds maxcpus (%u)", s->cpus, s->maxcpus);
	return 0;
}

static int opt_smp(struct cli_ctx *c, char *v)
{
	return split_kv(c, v, smp_item);
}

static int cpu_item(struct cli_ctx *c, char *key, char *val, unsigned idx)
{
	struct vm_config *cfg = c->cfg;

	if (idx == 0) {
		if (val || !*key)
			return fail(c, "'%s' is not a CPU model: the model comes first, e.g. -cpu host,hv-relaxed",
				    key);
		free(cfg->cpu_model);
		cfg->cpu_model = strdup(key);
		if (!strcmp(key, "help") || !strcmp(key, "?"))
			cfg->cpu_help = true;
		return 0;
	}
	if (!*key)
		return fail(c, "empty property");
	{
		/* Hyper-V options are parsed by the feature table's own parser. */
		char hverr[256];
		int r = hv_config_set(&cfg->hv, key, val, hverr, sizeof(hverr));

		if (r == 0)
			return 0;
		if (r != -ENOENT)
			return fail(c, "%s", hverr);
	}
	if (cfg->ncpu_props == CFG_MAX_CPU_PROPS)
		return fail(c, "more than %d properties", CFG_MAX_CPU_PROPS);
	cfg->cpu_props[cfg->ncpu_props].key = strdup(key);
	cfg->cpu_props[cfg->ncpu_props].val = val ? strdup(val) : NULL;
	cfg->ncpu_props++;
	return 0;
}

static int opt_cpu(struct cli_ctx *c, char *v)
{
	return split_kv(c, v, cpu_item);
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int opt_kernel(struct cli_ctx *c, char *v) { return set_str(&c->cfg->kernel, v); }
static int opt_append(struct cli_ctx *c, char *v) { return set_str(&c->cfg->append, v); }
static int opt_initrd(struct cli_ctx *c, char *v) { return set_str(&c->cfg->initrd, v); }
static int opt_name(struct cli_ctx *c, char *v) { return set_str(&c->cfg->name, v); }

static int onoff(const char *v, bool *out)
{
	static const char *const on[] = { "on", "true", "yes", "y" };
	static const char *const off[] = { "off", "false", "no", "n" };

	for (unsigned i = 0; i < ARRAY_SIZE(on); i++) {
		if (!strcmp(v, on[i]))
			return *out = true, 0;
		if (!strcmp(v, off[i]))
			return *out = false, 0;
	}
	return -EINVAL;
}

static int machine_item(struct cli_ctx *c, char *key, char *val, unsigned idx)
{
	if ((idx == 0 && !val) || !strcmp(key, "type")) {
		const char *t = val ? val : key;

		if (strcmp(t, "q35") && strcmp(t, "pc-q35"))
			return fail(c, "machine type '%s' is not supported: enlight emulates q35 only",
				    t);
		return 0;
	}
	if (!strcmp(key, "kernel-irqchip") || !strcmp(key, "kernel_irqchip")) {
		bool b;

		if (val && !strcmp(val, "split"))
			c->cfg->irqchip = IRQCHIP_SPLIT;
		else if (!val || (!onoff(val, &b) && b))
			c->cfg->irqchip = IRQCHIP_ON;
		else
			return fail(c, "kernel-irqchip=%s: enlight needs the in-kernel LAPIC; use on or split",
				    val);
		return 0;
	}
	if (!strcmp(key, "accel"))
		return strcmp(val ? val : "", "kvm") ? fail(c, "accel=%s: only kvm is supported", val ? val : "") : 0;
	return fail(c, "unknown property '%s': use q35[,kernel-irqchip=on|split]", key);
}

static int opt_machine(struct cli_ctx *c, char *v)
{
	return split_kv(c, v, machine_item);
}

static int accel_item(struct cli_ctx *c, char *key, char *val, unsigned idx)
{
	if (idx == 0 && !val) {
		if (!strcmp(key, "help")) {
			c->cfg->probe = true;
			return 0;
		}
		if (strcmp(key, "kvm"))
			return fail(c, "accelerator '%s' is not supported: enlight runs on kvm only", key);
		return 0;
	}
	if (!strcmp(key, "hv-backend")) {
		static const char *const names[] = { "auto", "kernel", "user" };

		static const enum hv_backend be[] = { HV_BACKEND_AUTO, HV_BACKEND_KERNEL,
						      HV_BACKEND_USER };

		for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
			if (val && !strcmp(val, names[i])) {
				c->cfg->hv.backend = be[i];
				return 0;
			}
		return fail(c, "hv-backend=%s: use auto, kernel or user", val ? val : "");
	}
	return fail(c, "unknown property '%s': use kvm[,hv-backend=auto|kernel|user]", key);
}

static int opt_accel(struct cli_ctx *c, char *v)
{
	return split_kv(c, v, accel_item);
}

static int opt_serial(struct cli_ctx *c, char *v)
{
	if (!strcmp(v, "stdio") || !strcmp(v, "mon:stdio")) {
		c->cfg->serial = SERIAL_STDIO;
	} else if (!strcmp(v, "none") || !strcmp(v, "null")) {
		c->cfg->serial = SERIAL_NONE;
	} else if (!strncmp(v, "file:", 5) && v[5]) {
		c->cfg->serial = SERIAL_FILE;
		return set_str(&c->cfg->serial_path, v + 5);
	} else {
		return fail(c, "'%s' is not supported: use stdio, file:PATH or none", v);
	}
	return 0;
}

static int opt_display(struct cli_ctx *c, char *v)
{
	return strcmp(v, "none") ? fail(c, "'%s': enlight has no display; use -display none", v) : 0;
}

static int debug_exit_item(struct cli_ctx *c, char *key, char *val, unsigned idx)
{
	uint64_t n;

	(void)idx;
	if (!strcmp(key, "iobase")) {
		if (!val || parse_u64(val, 0xffff, &n))
			return fail(c, "iobase=%s is not a port number (0 to 0xffff)", val ? val : "");
		c->cfg->debug_exit_base = (uint16_t)n;
	} else if (!strcmp(key, "iosize")) {
		if (!val || parse_u64(val, 4, &n) || (n != 1 && n != 2 && n != 4))
			return fail(c, "iosize=%s: use 1, 2 or 4", val ? val : "");
		c->cfg->debug_exit_size = (uint16_t)n;
	} else {
		return fail(c, "isa-debug-exit has no property '%s': use iobase= and iosize=", key);
	}
	if ((uint32_t)c->cfg->debug_exit_base + c->cfg->debug_exit_size > 0x10000)
		return fail(c, "iobase+iosize runs past port 0xffff");
	return 0;
}

static const char *const known_devices[] = { "isa-debug-exit", "hyperv-testdev", "pc-testdev" };

static int opt_device(struct cli_ctx *c, char *v)
{
	char *comma = strchr(v, ',');

	if (comma)
		*comma++ = '\0';
	if (!strcmp(v, "isa-debug-exit")) {
		c->cfg->debug_exit = true;
		c->cfg->debug_exit_base = 0x501; /* QEMU's defaults */
		c->cfg->debug_exit_size = 2;
		return comma ? split_kv(c, comma, debug_exit_item) : 0;
	}
	if (!strcmp(v, "hyperv-testdev")) {
		c->cfg->hyperv_testdev = true;
		return comma ? fail(c, "hyperv-testdev has no properties (got '%s')", comma) : 0;
	}
	if (!strcmp(v, "pc-testdev")) {
		c->cfg->pc_testdev = true;
		return comma ? fail(c, "pc-testdev has no properties (got '%s')", comma) : 0;
	}
	const char *s = str_suggest(v, known_devices, ARRAY_SIZE(known_devices), 0);
	return fail(c, "device '%s' is not supported%s%s%s", v, s ? " (did you mean '" : "",
		    s ? s : "", s ? "'?)" : "; enlight offers isa-debug-exit, hyperv-testdev, pc-testdev");
}

/* -global DRIVER.PROP=VALUE: only what kvm-unit-tests' x86/run passes is known. QEMU's kvm-pit
 * lost_tick_policy: delay (the default) re-injects lost PIT ticks, discard drops them. */
static int opt_global(struct cli_ctx *c, char *v)
{
	const char *prop = "kvm-pit.lost_tick_policy=";

	if (strncmp(v, prop, strlen(prop)))
		return fail(c, "'%s' is not supported: enlight knows only "
			    "kvm-pit.lost_tick_policy=discard|delay", v);
	v += strlen(prop);
	if (strcmp(v, "discard") && strcmp(v, "delay"))
		return fail(c, "kvm-pit.lost_tick_policy=%s: use discard or delay", v);
	c->cfg->pit_discard = !strcmp(v, "discard");
	return 0;
}

static int opt_uuid(struct cli_ctx *c, char *v)
{
	if (uuid_parse(v, c->cfg->uuid))
		return fail(c, "'%s' is not a UUID: use the form 01234567-89ab-cdef-0123-456789abcdef",
			    v);
	c->cfg->has_uuid = true;
	return 0;
}

static int opt_timeout(struct cli_ctx *c, char *v)
{
	uint64_t n;

	if (parse_u64(v, 86400, &n) || n == 0)
		return fail(c, "'%s' is not a number of seconds between 1 and 86400", v);
	c->cfg->timeout_sec = (unsigned)n;
	return 0;
}

static const char *const smbios1_keys[] = { "manufacturer", "product", "version", "serial" };

/* -smbios type=1,KEY=VALUE...: SMBIOS System Information overrides (acpi/smbios.c). */
static int smbios_item(struct cli_ctx *c, char *key, char *val, unsigned idx)
{
	char **slot[] = { &c->cfg->smbios1.manufacturer, &c->cfg->smbios1.product,
			  &c->cfg->smbios1.version, &c->cfg->smbios1.serial };

	if (idx == 0) {
		if (strcmp(key, "type") || !val || strcmp(val, "1"))
			return fail(c, "'%s%s%s': only type=1 is supported, e.g. -smbios "
				    "type=1,manufacturer=ACME,product=Box,serial=42",
				    key, val ? "=" : "", val ? val : "");
		return 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(smbios1_keys); i++) {
		if (strcmp(key, smbios1_keys[i]))
			continue;
		if (!val || strlen(val) > 64)
			return fail(c, "%s='%s': give a string of 1 to 64 characters", key,
				    val ? val : "");
		return set_str(slot[i], val);
	}
	return fail(c, "type=1 has no field '%s': use manufacturer, product, version or serial",
		    key);
}

static int opt_smbios(struct cli_ctx *c, char *v)
{
	return split_kv(c, v, smbios_item);
}

/* -numa node,...: vmm/numa.c parses; cli_parse checks it once -smp and -m are known. */
static int opt_numa(struct cli_ctx *c, char *v)
{
	char e[256];

	return numa_parse(&c->cfg->numa, v, e, sizeof(e)) ? fail(c, "%s", e) : 0;
}

static int opt_bios(struct cli_ctx *c, char *v) { return set_str(&c->cfg->bios, v); }
static int opt_dump_acpi(struct cli_ctx *c, char *v) { return set_str(&c->cfg->dump_acpi, v); }

static int opt_debugcon(struct cli_ctx *c, char *v)
{
	c->cfg->has_debugcon = true;
	if (!strcmp(v, "stdio")) {
		c->cfg->debugcon = SERIAL_STDIO;
	} else if (!strncmp(v, "file:", 5) && v[5]) {
		c->cfg->debugcon = SERIAL_FILE;
		return set_str(&c->cfg->debugcon_path, v + 5);
	} else {
		return fail(c, "'%s' is not supported: use stdio or file:PATH", v);
	}
	return 0;
}

static int opt_sandbox(struct cli_ctx *c, char *v)
{
	bool on;

	if (onoff(v, &on))
		return fail(c, "'%s': use --sandbox=on or --sandbox=off", v);
	c->cfg->sandbox_off = !on;
	return 0;
}

static int opt_runas(struct cli_ctx *c, char *v)
{
	if (!*v)
		return fail(c, "empty user name: give a user from /etc/passwd");
	return set_str(&c->cfg->runas, v);
}

static int opt_trace(struct cli_ctx *c, char *v)
{
	if (strcmp(v, "exits"))
		return fail(c, "'%s' is not a trace class: use --trace exits", v);
	c->cfg->trace_exits = true;
	return 0;
}

#define FLAG(name, field) \
	static int opt_##name(struct cli_ctx *c, char *v) { (void)v; c->cfg->field = true; return 0; }
FLAG(nographic, nographic)
FLAG(nodefaults, nodefaults)
FLAG(no_reboot, no_reboot)
FLAG(no_shutdown, no_shutdown)
FLAG(stats, stats)
FLAG(strict_io, strict_io)
FLAG(dirty_pages, dirty_pages)
FLAG(probe, probe)
FLAG(help, help)
FLAG(version, version)
#undef FLAG

/* -qmp unix:PATH,server[=on][,wait=on|off] (QEMU's socket chardev spelling). */
static int qmp_item(struct cli_ctx *c, char *key, char *val, unsigned idx)
{
	bool b = true;

	if (idx == 0) {
		if (strncmp(key, "unix:", 5) || !key[5] || val)
			return fail(c, "'%s': use unix:PATH,server,wait=off", key);
		return set_str(&c->cfg->qmp_path, key + 5);
	}
	if (val && onoff(val, &b))
		return fail(c, "%s=%s: use on or off", key, val);
	if (!strcmp(key, "server") || !strcmp(key, "nowait")) {
		if (!b)
			return fail(c, "server=off: enlight listens, it does not connect; use server=on");
		if (key[0] == 'n')
			c->cfg->qmp_wait = false;
		return 0;
	}
	if (!strcmp(key, "wait")) {
		c->cfg->qmp_wait = b;
		return 0;
	}
	return fail(c, "unknown property '%s': use unix:PATH,server,wait=off", key);
}

static int opt_qmp(struct cli_ctx *c, char *v)
{
	c->cfg->qmp_wait = true; /* QEMU's default for a server socket */
	return split_kv(c, v, qmp_item);
}

/* -gdb tcp:[HOST]:PORT; -s is -gdb tcp::1234. */
static int opt_gdb(struct cli_ctx *c, char *v)
{
	char *colon = strrchr(v, ':');
	uint64_t port;

	if (strncmp(v, "tcp:", 4) || !colon || colon < v + 3 ||
	    parse_u64(colon + 1, 65535, &port) || !port)
		return fail(c, "'%s': use tcp:[HOST]:PORT, e.g. -gdb tcp::1234", v);
	*colon = '\0';
	free(c->cfg->gdb_host);
	c->cfg->gdb_host = v[4] && colon > v + 4 ? strdup(v + 4) : NULL;
	c->cfg->gdb_port = (uint16_t)port;
	return 0;
}

static int opt_s(struct cli_ctx *c, char *v)
{
	(void)v;
	free(c->cfg->gdb_host);
	c->cfg->gdb_host = NULL;
	c->cfg->gdb_port = 1234;
	return 0;
}

static int opt_S(struct cli_ctx *c, char *v)
{
	(void)v;
	c->cfg->start_paused = true;
	return 0;
}

static int opt_enable_kvm(struct cli_ctx *c, char *v)
{
	(void)c;
	(void)v;
	return 0;
}

struct cli_option {
	const char *name; /* without leading dashes */
	bool has_arg;
	int (*fn)(struct cli_ctx *c, char *v);
	const char *help;
	bool own; /* enlight's own option: printed with "--" */
};

static const struct cli_option options[] = {
	{ "m", true, opt_m, "SIZE          guest RAM (MiB, or with k/M/G suffix)" },
	{ "smp", true, opt_smp, "N[,sockets=,dies=,cores=,threads=,maxcpus=]" },
	{ "cpu", true, opt_cpu, "MODEL[,feat...] CPU model and features, hv-* enlightenments (-cpu help)" },
	{ "kernel", true, opt_kernel, "FILE     multiboot, bzImage or ELF64 kernel" },
	{ "append", true, opt_append, "TEXT     kernel command line" },
	{ "initrd", true, opt_initrd, "FILE[,FILE] initrd / multiboot modules" },
	{ "machine", true, opt_machine, "q35[,kernel-irqchip=on|split]" },
	{ "M", true, opt_machine, NULL },
	{ "accel", true, opt_accel, "kvm[,hv-backend=auto|kernel|user] (-accel help: KVM capabilities)" },
	{ "enable-kvm", false, opt_enable_kvm, NULL },
	{ "serial", true, opt_serial, "stdio|file:PATH|none" },
	{ "display", true, opt_display, "none" },
	{ "nographic", false, opt_nographic, "        serial on stdio, no display" },
	{ "nodefaults", false, opt_nodefaults, "       no default serial port" },
	{ "no-reboot", false, opt_no_reboot, "        exit instead of rebooting (status 2 on triple fault)" },
	{ "no-shutdown", false, opt_no_shutdown, "      accepted for QEMU compatibility; poweroff still exits" },
	{ "device", true, opt_device, "isa-debug-exit[,iobase=0xf4,iosize=4] | hyperv-testdev | pc-testdev" },
	{ "global", true, opt_global, "kvm-pit.lost_tick_policy=discard|delay" },
	{ "qmp", true, opt_qmp, "unix:PATH,server,wait=off  QMP control socket" },
	{ "gdb", true, opt_gdb, "tcp:[HOST]:PORT  GDB remote stub" },
	{ "s", false, opt_s, "                -gdb tcp::1234" },
	{ "S", false, opt_S, "                start with the vCPUs stopped (QMP cont / gdb continue)" },
	{ "uuid", true, opt_uuid, "UUID       system UUID (fw_cfg, SMBIOS)" },
	{ "name", true, opt_name, "NAME       guest name" },
	{ "timeout", true, opt_timeout, "SECONDS watchdog: stop a hung guest (status 4)", true },
	{ "trace", true, opt_trace, "exits     log every VM exit", true },
	{ "stats", false, opt_stats, "           print exit counts at exit", true },
	{ "strict-io", false, opt_strict_io, "       stop on unclaimed port/MMIO access", true },
	{ "sandbox", true, opt_sandbox, "on|off   seccomp allow-list on vCPU/device threads (default on)", true },
	{ "runas", true, opt_runas, "USER      drop root for USER once /dev/kvm and the files are open" },
	{ "dirty-pages", false, opt_dirty_pages, "     track guest-dirtied pages (dirty ring or bitmap); print the count at exit", true },
	{ "probe", false, opt_probe, "           print KVM capabilities and the Hyper-V backend, then exit", true },
	{ "help", false, opt_help, "            this text", true },
	{ "h", false, opt_help, NULL },
	{ "version", false, opt_version, "         print the version", true },
	{ "bios", true, opt_bios, "FILE       firmware image at the top of 4 GiB (e.g. SeaBIOS); with -kernel a bzImage via fw_cfg" },
	{ "debugcon", true, opt_debugcon, "stdio|file:PATH debug console on port 0x402" },
	{ "smbios", true, opt_smbios, "type=1[,manufacturer=,product=,version=,serial=]" },
	{ "numa", true, opt_numa, "node[,nodeid=N][,cpus=A[-B]][,mem=SIZE] NUMA node (ACPI SRAT)" },
	{ "dump-acpi", true, opt_dump_acpi, "DIR   write the ACPI tables (one file per signature) and exit", true },
};

const char *cli_usage_text(void)
{
	static char buf[4096];
	size_t n = 0;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "usage: enlight [options] -kernel FILE\n"
			      "       enlight --probe | -accel help | -cpu help\n");
	for (unsigned i = 0; i < ARRAY_SIZE(options) && n < sizeof(buf); i++) {
		if (!options[i].help)
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "  %s%s %s\n",
				      options[i].own ? "--" : "-", options[i].name, options[i].help);
	}
	return buf;
}

static void cfg_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_size = 128ull << 20; /* QEMU's default */
	cfg->irqchip = IRQCHIP_ON;
	hv_config_init(&cfg->hv);
	cfg->serial = SERIAL_STDIO;
}

int cli_parse(int argc, char **argv, struct vm_config *cfg, char *err, unsigned errlen)
{
	struct cli_ctx c = { .cfg = cfg, .err = err, .errlen = errlen };
	bool serial_given = false;

	cfg_defaults(cfg);
	err[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *name = a;
		const struct cli_option *o = NULL;
		char *val = NULL;
		const char *inline_val;
		int r;

		c.opt = a;
		if (a[0] != '-' || !a[1])
			return fail(&c, "unexpected argument: options start with '-' (see enlight -h)");
		name += (a[1] == '-') ? 2 : 1;
		/* GNU style --option=value for the long options. */
		inline_val = a[1] == '-' ? strchr(name, '=') : NULL;
		for (unsigned k = 0; k < ARRAY_SIZE(options); k++) {
			size_t n = inline_val ? (size_t)(inline_val - name) : strlen(name);

			if (strlen(options[k].name) == n && !strncmp(name, options[k].name, n))
				o = &options[k];
		}
		if (!o) {
			const char *s = str_suggest(name, options, ARRAY_SIZE(options),
						    sizeof(options[0]));
			c.opt = a;
			return fail(&c, "unknown option%s%s%s", s ? " (did you mean -" : "",
				    s ? s : "", s ? "?)" : "; see enlight -h");
		}
		if (inline_val && !o->has_arg)
			return fail(&c, "takes no value (see enlight -h)");
		if (inline_val) {
			val = strdup(inline_val + 1);
			if (!val)
				return -ENOMEM;
		} else if (o->has_arg) {
			if (i + 1 >= argc)
				return fail(&c, "missing value (see enlight -h)");
			val = strdup(argv[++i]);
			if (!val)
				return -ENOMEM;
		}
		if (o->fn == opt_serial)
			serial_given = true;
		r = o->fn(&c, val);
		free(val);
		if (r)
			return r;
	}
	if (cfg->help || cfg->version || cfg->probe || cfg->cpu_help)
		return 0;
	if (cfg->nodefaults && !serial_given)
		cfg->serial = SERIAL_NONE;
	if (!cfg->cpu_model)
		cfg->cpu_model = strdup("host");
	{
		/* Model, CPUID flags and TSC properties (vmm/cpu_config.c); checked against KVM
		 * when the VM is built. */
		struct cpu_config cc;

		if (cpu_config_parse(&cc, cfg->cpu_model, cfg->cpu_props, cfg->ncpu_props, err,
				     errlen))
			return -EINVAL;
	}
	if (smp_complete(&c))
		return -EINVAL;
	if (cfg->numa.nnodes) {
		char e[256];

		c.opt = "-numa";
		if (numa_check(&cfg->numa, &cfg->smp, cfg->ram_size, e, sizeof(e)))
			return fail(&c, "%s", e);
	}
	if (!cfg->kernel && !cfg->bios && !cfg->dump_acpi) {
		c.opt = "-kernel";
		return fail(&c, "no guest given: enlight boots a kernel, e.g. -kernel build/firmware/hello.elf");
	}
	return 0;
}

void cli_free(struct vm_config *cfg)
{
	free(cfg->cpu_model);
	free(cfg->kernel);
	free(cfg->append);
	free(cfg->initrd);
	free(cfg->serial_path);
	free(cfg->qmp_path);
	free(cfg->gdb_host);
	free(cfg->name);
	free(cfg->runas);
	free(cfg->smbios1.manufacturer);
	free(cfg->smbios1.product);
	free(cfg->smbios1.version);
	free(cfg->smbios1.serial);
	free(cfg->bios);
	free(cfg->debugcon_path);
	free(cfg->dump_acpi);
	for (unsigned i = 0; i < cfg->ncpu_props; i++) {
		free(cfg->cpu_props[i].key);
		free(cfg->cpu_props[i].val);
	}
	memset(cfg, 0, sizeof(*cfg));
}
