/* The machine configuration, as parsed from the command line (vmm/cli.c). Pure data. */
#ifndef ENLIGHT_CONFIG_H
#define ENLIGHT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "hyperv/hv_features.h"
#include "vmm/numa.h"

#define CFG_MAX_CPU_PROPS 64

enum irqchip_mode { IRQCHIP_ON, IRQCHIP_SPLIT };
enum serial_mode { SERIAL_STDIO, SERIAL_FILE, SERIAL_NONE };

struct smp_config {
	unsigned cpus, sockets, dies, cores, threads, maxcpus;
};

/* One -cpu property that is not a Hyper-V option: "+invtsc", "tsc-frequency=...". */
struct cpu_prop {
	char *key;
	char *val; /* NULL for a bare flag */
};

struct vm_config {
	uint64_t ram_size;
	struct smp_config smp;
	char *cpu_model; /* default "host" */
	struct cpu_prop cpu_props[CFG_MAX_CPU_PROPS];
	unsigned ncpu_props;

	char *kernel, *append, *initrd;

	enum irqchip_mode irqchip;
	/* -cpu hv-* options and -accel kvm,hv-backend= (hyperv/hv_features.h) */
	struct hv_config hv;

	enum serial_mode serial;
	char *serial_path;

	bool debug_exit;
	uint16_t debug_exit_base, debug_exit_size;
	bool hyperv_testdev; /* -device hyperv-testdev: port 0x3000 (hyperv/hv_testdev.h) */
	bool pc_testdev;     /* -device pc-testdev: QEMU's ISA test device (vmm/dev/pc_testdev.h) */
	bool pit_discard;    /* -global kvm-pit.lost_tick_policy=discard: no PIT tick reinjection */

	bool no_reboot, no_shutdown, nodefaults, nographic;
	bool has_uuid;
	uint8_t uuid[16];
	char *name;

	unsigned timeout_sec; /* 0 = no watchdog */
	bool trace_exits;
	bool stats;
	bool strict_io;
	bool sandbox_off; /* --sandbox=off: no seccomp filter (vmm/sandbox.h) */
	char *runas;      /* -runas USER */
	bool dirty_pages; /* --dirty-pages: track and count guest-dirtied pages */

	/* Control: -qmp unix:PATH,server[,wait=off], -gdb tcp:[HOST]:PORT / -s, -S. */
	char *qmp_path;
	bool qmp_wait;    /* wait for a QMP client before starting (QEMU's wait=on) */
	char *gdb_host;   /* NULL: every address */
	uint16_t gdb_port; /* 0: no gdbstub */
	bool start_paused;

	/* -smbios type=1,manufacturer=,product=,version=,serial= (acpi/smbios.c) */
	struct {
		char *manufacturer, *product, *version, *serial;
	} smbios1;
	struct numa_config numa; /* -numa node,... (vmm/numa.h) */
	char *bios;          /* -bios FILE: firmware boot instead of -kernel */
	enum serial_mode debugcon; /* -debugcon: port 0x402 (vmm/dev/debugcon.c) */
	char *debugcon_path;
	bool has_debugcon;

	/* Actions that do not start a guest. */
	bool probe, help, version, cpu_help;
	char *dump_acpi; /* --dump-acpi DIR */
};

/* Parse argv into cfg (allocations owned by cfg). Returns 0, or -EINVAL after writing one line
 * to err naming the option, the value and why (with a suggestion where one exists). */
int cli_parse(int argc, char **argv, struct vm_config *cfg, char *err, unsigned errlen);
void cli_free(struct vm_config *cfg);
const char *cli_usage_text(void);

/* Parses a QEMU size ("64", "64M", "2G", "512k"; no suffix means MiB). 0 or -EINVAL/-ERANGE. */
int parse_size_mib_default(const char *s, uint64_t *out);
/* Parses an unsigned number in decimal or 0x hex that fits max. */
int parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
