#include "acpi/fwtables.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "acpi/acpi_linker.h"
#include "vmm/cpuid.h"
#include "vmm/dev/fw_cfg.h"
#include "vmm/guest_mem.h"
#include "vmm/log.h"
#include "vmm/memmap.h"

_Static_assert(FWTABLES_ACPI_ADDR + FWTABLES_ACPI_MAX <= FWTABLES_SMBIOS_EP,
	       "ACPI tables overlap the SMBIOS entry point");
_Static_assert(FWTABLES_ACPI_ADDR >= Q35_BIOS_AREA_BASE &&
		       FWTABLES_AREA_END == Q35_BIOS_AREA_BASE + Q35_BIOS_AREA_SIZE,
	       "the tables must stay inside the e820-reserved BIOS window");

/* -numa: the SRAT's inputs (vmm/numa.h) and QEMU's FW_CFG_NUMA item, from one layout. */
struct numa_inputs {
	struct numa_layout layout;
	uint32_t cpu_node[NUMA_MAX_CPUS];
	struct numa_mem_range ranges[NUMA_MAX_MEM_RANGES];
	struct acpi_mem_affinity mem[NUMA_MAX_MEM_RANGES];
};

static int build_numa(const struct vm_config *cfg, const uint32_t *ids, struct numa_inputs *in,
		      struct acpi_config *ac, struct fwtables *out)
{
	struct q35_layout l;
	struct cpu_topo topo;
	char err[256];
	int n, r;

	q35_layout_compute(cfg->ram_size, &l);
	r = numa_resolve(&cfg->numa, &cfg->smp, cfg->ram_size, &in->layout, err, sizeof(err));
	if (r) {
		pr_err("-numa: %s", err);
		return r;
	}
	/* QEMU sizes the per-CPU part by the APIC ID limit of all possible vCPUs. */
	topo_from_smp(&cfg->smp, &topo);
	r = numa_fw_cfg_blob(&in->layout, ids, cfg->smp.cpus,
			     topo_apic_id(&topo, cfg->smp.maxcpus - 1) + 1, &out->numa_fwcfg,
			     &out->numa_fwcfg_len);
	if (r || !in->layout.nnodes)
		goto out;
	n = numa_mem_ranges(&in->layout, l.below_4g, in->ranges, NUMA_MAX_MEM_RANGES);
	if (n < 0) {
		r = n;
		goto out;
	}
	for (int i = 0; i < n; i++)
		in->mem[i] = (struct acpi_mem_affinity){ in->ranges[i].base, in->ranges[i].len,
							 in->ranges[i].node };
	for (unsigned i = 0; i < cfg->smp.cpus; i++)
		in->cpu_node[i] = in->layout.cpu_node[i];
	ac->cpu_node = in->cpu_node;
	ac->mem = in->mem;
	ac->nmem = (unsigned)n;
out:
	if (r)
		pr_err("-numa: building the NUMA layout: %s", strerror(-r));
	return r;
}

static int build_acpi(const struct vm_config *cfg, struct fwtables *out)
{
	struct cpu_topo topo;
	uint32_t *ids = calloc(cfg->smp.cpus ? cfg->smp.cpus : 1, sizeof(*ids));
	struct numa_inputs *numa = calloc(1, sizeof(*numa));
	struct acpi_config ac = { .ncpus = cfg->smp.cpus, .apic_ids = ids };
	int r;

	if (!ids || !numa) {
		free(ids);
		free(numa);
		return -ENOMEM;
	}
	topo_from_smp(&cfg->smp, &topo);
	for (unsigned i = 0; i < cfg->smp.cpus; i++)
		ids[i] = topo_apic_id(&topo, i);
	r = build_numa(cfg, ids, numa, &ac, out);
	if (r) {
		free(ids);
		free(numa);
		return r; /* build_numa printed why */
	}
	r = acpi_tables_build(&ac, FWTABLES_ACPI_ADDR, &out->direct);
	if (!r && out->direct.blob.len > FWTABLES_ACPI_MAX)
		r = -E2BIG;
	if (!r)
		r = acpi_tables_build(&ac, 0, &out->linked);
	if (!r)
		r = acpi_linker_build(&out->linked, &out->loader);
	free(ids);
	free(numa);
	if (r)
		pr_err("-smp %u: building the ACPI tables: %s%s", cfg->smp.cpus, strerror(-r),
		       r == -E2BIG ? " (they exceed the 64 KiB below 0xF0000; use fewer vCPUs)" : "");
	return r;
}

static int build_smbios(const struct vm_config *cfg, struct fwtables *out)
{
	struct q35_layout l;
	struct smbios_config sc = {
		.manufacturer = cfg->smbios1.manufacturer,
		.product = cfg->smbios1.product,
		.version = cfg->smbios1.version,
		.serial = cfg->smbios1.serial,
		.sockets = cfg->smp.sockets ? cfg->smp.sockets : 1,
		.dies = cfg->smp.dies ? cfg->smp.dies : 1,
		.cores = cfg->smp.cores ? cfg->smp.cores : 1,
		.threads = cfg->smp.threads ? cfg->smp.threads : 1,
		.ncpus = cfg->smp.cpus,
	};
	int r;

	q35_layout_compute(cfg->ram_size, &l);
	sc.ram_below_4g = l.below_4g;
	sc.ram_above_4g = l.above_4g;
	memcpy(sc.uuid, out->uuid, 16);
	r = smbios_build(&sc, FWTABLES_SMBIOS_TABLE, &out->smbios_direct);
	if (!r && FWTABLES_SMBIOS_TABLE + out->smbios_direct.table.len > FWTABLES_AREA_END)
		r = -E2BIG;
	if (!r)
		r = smbios_build(&sc, 0, &out->smbios_fwcfg);
	if (r)
		pr_err("-smbios: building the SMBIOS tables: %s", strerror(-r));
	return r;
}

int fwtables_build(const struct vm_config *cfg, struct fwtables *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (cfg->has_uuid)
		memcpy(out->uuid, cfg->uuid, 16);
	else
		uuid_generate(out->uuid);
	r = build_acpi(cfg, out);
	return r ? r : build_smbios(cfg, out);
}

void fwtables_free(struct fwtables *t)
{
	acpi_tables_free(&t->direct);
	acpi_tables_free(&t->linked);
	tbuf_free(&t->loader);
	smbios_free(&t->smbios_direct);
	smbios_free(&t->smbios_fwcfg);
	free(t->numa_fwcfg);
	t->numa_fwcfg = NULL;
}

int fwtables_write_low(const struct fwtables *t, struct guest_mem *gm, uint64_t *rsdp)
{
	const struct tbuf *sm = &t->smbios_direct.table;
	int r = gm_write(gm, FWTABLES_ACPI_ADDR, t->direct.blob.p, t->direct.blob.len);

	r = r ? r : gm_write(gm, FWTABLES_RSDP_ADDR, t->direct.rsdp, ACPI_RSDP_SIZE);
	r = r ? r : gm_write(gm, FWTABLES_SMBIOS_EP, t->smbios_direct.anchor, SMBIOS3_EP_SIZE);
	r = r ? r : gm_write(gm, FWTABLES_SMBIOS_TABLE, sm->p, sm->len);
	if (r) {
		pr_err("ACPI/SMBIOS tables: 0x%llx-0x%llx is not guest RAM (-m too small?)",
		       FWTABLES_ACPI_ADDR, FWTABLES_AREA_END - 1);
		return r;
	}
	*rsdp = FWTABLES_RSDP_ADDR;
	return 0;
}

int fwtables_export(const struct fwtables *t, struct fw_cfg *fc)
{
	struct tbuf tables;
	uint8_t rsdp[ACPI_RSDP_SIZE];
	int r;

	tbuf_init(&tables);
	r = acpi_linker_export_blobs(&t->linked, &tables, rsdp);
	if (!r)
		r = fw_cfg_add_file(fc, ACPI_FWCFG_TABLES, tables.p, tables.len);
	if (r >= 0)
		r = fw_cfg_add_file(fc, ACPI_FWCFG_RSDP, rsdp, sizeof(rsdp));
	if (r >= 0)
		r = fw_cfg_add_file(fc, ACPI_FWCFG_LOADER, t->loader.p, t->loader.len);
	if (r >= 0)
		r = fw_cfg_add_file(fc, SMBIOS_FWCFG_TABLES, t->smbios_fwcfg.table.p,
				    t->smbios_fwcfg.table.len);
	if (r >= 0)
		r = fw_cfg_add_file(fc, SMBIOS_FWCFG_ANCHOR, t->smbios_fwcfg.anchor,
				    SMBIOS3_EP_SIZE);
	/* QEMU adds FW_CFG_NUMA even without -numa (node count 0). */
	if (r >= 0 && t->numa_fwcfg)
		r = fw_cfg_add_bytes(fc, FW_CFG_NUMA, t->numa_fwcfg, t->numa_fwcfg_len);
	tbuf_free(&tables);
	if (r < 0)
		pr_err("fw_cfg: adding the ACPI/SMBIOS files: %s", strerror(-r));
	return r < 0 ? r : 0;
}

static int write_all(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			r = n ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !r)
		r = -errno;
	return r;
}

int fwtables_dump_acpi(const struct fwtables *t, const char *dir)
{
	const struct acpi_tables *a = &t->direct;

	for (unsigned i = 0; i < a->nloc; i++) {
		char path[PATH_MAX];
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, a->loc[i].sig);
		r = write_all(path, acpi_tables_data(a, &a->loc[i]), a->loc[i].length);
		if (r) {
			pr_err("--dump-acpi %s: writing %s: %s", dir, path, strerror(-r));
			return r;
		}
	}
	return 0;
}
