#include "vmm/numa.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/log.h"

#define NODE_UNSET 0xff
_Static_assert(NUMA_MAX_NODES < NODE_UNSET, "cpu_node holds a node id or NODE_UNSET");

PRINTF_LIKE(3, 4) static int err_out(char *err, unsigned errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "A" or "A-B" with A <= B. */
static int parse_cpus(const char *v, struct numa_cpu_range *r)
{
	char buf[32], *dash;
	uint64_t a, b;

	if (!v || strlen(v) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, v);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_u64(buf, NUMA_MAX_CPUS - 1, &a))
		return -EINVAL;
	b = a;
	if (dash && parse_u64(dash, NUMA_MAX_CPUS - 1, &b))
		return -EINVAL;
	if (b < a)
		return -EINVAL;
	r->first = (uint16_t)a;
	r->last = (uint16_t)b;
	return 0;
}

struct node_opts {
	bool has_id;
	uint64_t id;
	struct numa_node_config cfg;
};

static int node_item(struct node_opts *o, const char *key, const char *val, char *err,
		     unsigned errlen)
{
	if (!strcmp(key, "nodeid")) {
		/* QEMU parses a uint16 and then checks MAX_NODES. */
		if (!val || parse_u64(val, UINT16_MAX, &o->id))
			return err_out(err, errlen, "nodeid=%s is not a node number (0 to %d)",
				       val ? val : "", NUMA_MAX_NODES - 1);
		if (o->id >= NUMA_MAX_NODES)
			return err_out(err, errlen, "Max number of NUMA nodes reached: %llu",
				       (unsigned long long)o->id);
		o->has_id = true;
		return 0;
	}
	if (!strcmp(key, "cpus")) {
		if (o->cfg.nranges == NUMA_MAX_CPU_RANGES)
			return err_out(err, errlen, "more than %d cpus= items in one node",
				       NUMA_MAX_CPU_RANGES);
		if (parse_cpus(val, &o->cfg.cpus[o->cfg.nranges]))
			return err_out(err, errlen, "cpus=%s: give a vCPU index or a range A-B below "
				       "%d, e.g. cpus=0-3 (repeat cpus= for more ranges)",
				       val ? val : "", NUMA_MAX_CPUS);
		o->cfg.nranges++;
		return 0;
	}
	if (!strcmp(key, "mem")) {
		if (!val || parse_size_mib_default(val, &o->cfg.mem))
			return err_out(err, errlen, "mem=%s is not a size: use MiB or a suffix, e.g. "
				       "mem=512M", val ? val : "");
		if (o->cfg.mem & 0xfff)
			return err_out(err, errlen, "mem=%s is not a multiple of 4 KiB", val);
		o->cfg.has_mem = true;
		return 0;
	}
	if (!strcmp(key, "memdev"))
		return err_out(err, errlen, "memdev=%s is not supported: enlight has no -object "
			       "memory backends; give the node's RAM with mem=SIZE", val ? val : "");
	return err_out(err, errlen, "node has no property '%s': use nodeid=, cpus= and mem=", key);
}

int numa_parse(struct numa_config *n, char *opts, char *err, unsigned errlen)
{
	struct node_opts o = { 0 };
	char *save = NULL, *tok = strtok_r(opts, ",", &save);
	unsigned id;

	if (!tok || (strcmp(tok, "node") && strcmp(tok, "type=node"))) {
		const char *t = tok ? tok : "";

		if (!strncmp(t, "type=", 5))
			t += 5;
		if (!strcmp(t, "dist"))
			return err_out(err, errlen, "dist is not supported: enlight builds no SLIT, "
				       "the guest sees the same distance between all nodes");
		return err_out(err, errlen, "'%s' is not supported: use node[,nodeid=N][,cpus=A-B]"
			       "[,mem=SIZE]", t);
	}
	for (tok = strtok_r(NULL, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int r;

		if (eq)
			*eq++ = '\0';
		r = node_item(&o, tok, eq, err, errlen);
		if (r)
			return r;
	}
	/* QEMU numa_node_parse: a node without nodeid= takes the number of nodes so far. */
	id = o.has_id ? (unsigned)o.id : n->nnodes;
	if (id >= NUMA_MAX_NODES)
		return err_out(err, errlen, "Max number of NUMA nodes reached: %u", id);
	if (n->node[id].present)
		return err_out(err, errlen, "Duplicate NUMA nodeid: %u", id);
	n->node[id] = o.cfg;
	n->node[id].present = true;
	n->nnodes++;
	return 0;
}

/* QEMU numa_default_auto_assign_ram: equal 8 MiB-aligned shares, the rest to the last. */
static void auto_assign_ram(unsigned nnodes, uint64_t ram, uint64_t *mem)
{
	uint64_t used = 0;

	for (unsigned i = 0; i + 1 < nnodes; i++) {
		mem[i] = (ram / nnodes) & ~(NUMA_MEM_ALIGN - 1);
		used += mem[i];
	}
	mem[nnodes - 1] = ram - used;
}

static int assign_cpus(const struct numa_config *n, const struct smp_config *smp,
		       struct numa_layout *out, char *err, unsigned errlen)
{
	bool any = false;
	unsigned per_socket = smp->dies * smp->cores * smp->threads;

	memset(out->cpu_node, NODE_UNSET, sizeof(out->cpu_node));
	for (unsigned id = 0; id < out->nnodes; id++) {
		const struct numa_node_config *nd = &n->node[id];

		for (unsigned k = 0; k < nd->nranges; k++) {
			const struct numa_cpu_range *r = &nd->cpus[k];

			any = true;
			if (r->last >= smp->maxcpus)
				return err_out(err, errlen, "CPU index (%u) should be smaller than "
					       "maxcpus (%u)", r->last, smp->maxcpus);
			for (unsigned c = r->first; c <= r->last; c++) {
				if (out->cpu_node[c] != NODE_UNSET)
					return err_out(err, errlen, "CPU index (%u) is in node %u and "
						       "node %u: give each vCPU to one node", c,
						       out->cpu_node[c], id);
				out->cpu_node[c] = (uint8_t)id;
			}
		}
	}
	for (unsigned c = 0; c < smp->cpus; c++) {
		if (!any) {
			/* QEMU x86_get_default_cpu_node_id: package id modulo the node count. */
			out->cpu_node[c] = (uint8_t)((c / (per_socket ? per_socket : 1)) %
						     out->nnodes);
		} else if (out->cpu_node[c] == NODE_UNSET) {
			/* QEMU only warns and puts it in node 0, and says that partial mappings
			 * will be refused: enlight refuses them now. */
			return err_out(err, errlen, "CPU(s) not present in any NUMA nodes: CPU %u: "
				       "assign every vCPU (0-%u) with cpus=", c, smp->cpus - 1);
		}
	}
	for (unsigned c = smp->cpus; c < NUMA_MAX_CPUS; c++)
		out->cpu_node[c] = 0;
	return 0;
}

int numa_resolve(const struct numa_config *n, const struct smp_config *smp, uint64_t ram_size,
		 struct numa_layout *out, char *err, unsigned errlen)
{
	bool any_mem = false;
	uint64_t total = 0;
	unsigned top = 0;

	memset(out, 0, sizeof(*out));
	if (!n->nnodes)
		return 0;
	for (unsigned i = 0; i < NUMA_MAX_NODES; i++)
		if (n->node[i].present)
			top = i + 1;
	/* QEMU numa_complete_configuration: report large node ids first. */
	for (unsigned i = top; i-- > 0;)
		if (!n->node[i].present)
			return err_out(err, errlen, "numa: Node ID missing: %u", i);
	out->nnodes = top;
	for (unsigned i = 0; i < top; i++) {
		any_mem |= n->node[i].has_mem;
		out->mem[i] = n->node[i].mem;
	}
	if (!any_mem)
		auto_assign_ram(top, ram_size, out->mem);
	for (unsigned i = 0; i < top; i++)
		total += out->mem[i];
	if (total != ram_size)
		return err_out(err, errlen, "total memory for NUMA nodes (0x%llx) should equal RAM "
			       "size (0x%llx)", (unsigned long long)total,
			       (unsigned long long)ram_size);
	return assign_cpus(n, smp, out, err, errlen);
}

int numa_check(const struct numa_config *n, const struct smp_config *smp, uint64_t ram_size,
	       char *err, unsigned errlen)
{
	struct numa_layout *l = malloc(sizeof(*l));
	int r;

	if (!l)
		return err_out(err, errlen, "out of memory checking the layout"), -ENOMEM;
	r = numa_resolve(n, smp, ram_size, l, err, errlen);
	free(l);
	return r;
}

static int add_range(struct numa_mem_range *out, unsigned cap, unsigned *k, uint64_t base,
		     uint64_t len, unsigned node)
{
	if (!len)
		return 0;
	if (*k == cap)
		return -E2BIG;
	out[(*k)++] = (struct numa_mem_range){ base, len, node };
	return 0;
}

int numa_mem_ranges(const struct numa_layout *l, uint64_t below_4g, struct numa_mem_range *out,
		    unsigned cap)
{
	/* Addresses are RAM offsets until below_4g, then shifted by the hole up to 4 GiB. */
	const uint64_t hole = 0x100000000ull - below_4g;
	uint64_t next = 0;
	unsigned k = 0;

	for (unsigned i = 0; i < l->nnodes; i++) {
		uint64_t base = next, end = next + l->mem[i];
		int r = 0;

		next = end;
		if (base < NUMA_HOLE_640K && end > NUMA_HOLE_640K) {
			r = add_range(out, cap, &k, base, NUMA_HOLE_640K - base, i);
			base = NUMA_HOLE_640K_END;
			if (end <= NUMA_HOLE_640K_END)
				continue; /* 640 KiB < end <= 1 MiB: the rest is in the hole */
		} else if (base >= NUMA_HOLE_640K && base < NUMA_HOLE_640K_END) {
			base = NUMA_HOLE_640K_END;
			if (end <= base)
				continue;
		}
		if (!r && base < below_4g && end > below_4g) {
			r = add_range(out, cap, &k, base, below_4g - base, i);
			base = below_4g;
		}
		if (!r && base >= below_4g)
			r = add_range(out, cap, &k, base + hole, end - base, i);
		else if (!r)
			r = add_range(out, cap, &k, base, end - base, i);
		if (r)
			return r;
	}
	return (int)k;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int numa_fw_cfg_blob(const struct numa_layout *l, const uint32_t *apic_ids, unsigned ncpus,
		     uint32_t apic_id_limit, uint8_t **out, size_t *len)
{
	size_t n = 1 + (size_t)apic_id_limit + l->nnodes;
	uint8_t *b;

	for (unsigned i = 0; i < ncpus; i++)
		if (apic_ids[i] >= apic_id_limit)
			return -EINVAL;
	b = calloc(n, 8);
	if (!b)
		return -ENOMEM;
	put_le64(b, l->nnodes);
	if (l->nnodes)
		for (unsigned i = 0; i < ncpus && i < NUMA_MAX_CPUS; i++)
			put_le64(b + 8 * (1 + (size_t)apic_ids[i]), l->cpu_node[i]);
	for (unsigned i = 0; i < l->nnodes; i++)
		put_le64(b + 8 * (1 + (size_t)apic_id_limit + i), l->mem[i]);
	*out = b;
	*len = n * 8;
	return 0;
}
