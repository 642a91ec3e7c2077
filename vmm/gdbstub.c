/* GDB remote stub glue: TCP listener, the stub thread, the KVM_EXIT_DEBUG hook and
 * KVM_SET_GUEST_DEBUG on the vCPUs. The protocol and the debug state are pure
 * (vmm/gdb_proto.c, vmm/gdb_debug.c).
 *
 * Threads: the stub thread owns the socket and touches vCPU state only while every vCPU is
 * parked by VM_PAUSE_DEBUG (the register cache and KVM_SET_GUEST_DEBUG are then safe from
 * another thread). A vCPU thread that takes a debug exit records why, sets VM_PAUSE_DEBUG and
 * wakes the stub thread, which waits for all vCPUs to park and sends the stop reply.
 *
 * Software breakpoints (Z0): int3 bytes patched through guest_mem with
 * KVM_GUESTDBG_USE_SW_BP where KVM reports an int3 as a debug exit; some KVMs (nested ones
 * seen here) end a long-mode int3 under USE_SW_BP in KVM_EXIT_INTERNAL_ERROR instead, so
 * gdbstub_start probes once in a scratch long-mode VM and otherwise puts Z0 in the debug
 * registers, which Z1/Z2/Z4 share (four in all). */
#include "vmm/gdbstub.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmm/gdb_debug.h"
#include "vmm/gdb_proto.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define GDB_SIGINT  2 /* GDB's signal numbers (gdb/signals.def) */
#define GDB_SIGTRAP 5
#define DB_VECTOR   1 /* #DB, SDM Vol. 3A Table 6-1 */

/* The default amd64 register set: GDB takes the layout from the architecture (QEMU's 'g'
 * order, see vmm/gdb_proto.h), x87/SSE beyond the 'g' block are read with 'p'. */
static const char target_xml[] =
	"<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	"<target><architecture>i386:x86-64</architecture></target>";

struct gdbstub {
	struct vm *vm;
	int listen_fd, client_fd;
	int wake[2]; /* debug exits and gdbstub_stop -> stub thread */
	pthread_t thread;
	bool thread_started;
	char where[80]; /* "-gdb tcp:HOST:PORT" for messages */
	bool use_int3;  /* KVM reports int3 under USE_SW_BP (probed) */
	bool blockirq;  /* KVM_GUESTDBG_BLOCKIRQ is supported */
	int (*prev_vcpu_init)(struct vcpu *v);

	pthread_mutex_t lock; /* guards the fields up to the next comment */
	bool attached;        /* a client is connected: debug exits stop the VM */
	bool quit;
	int exit_status;
	bool stop_pending;    /* a debug exit since the last resume */
	unsigned stop_cpu;
	uint32_t stop_exc;
	uint64_t stop_dr6;
	struct gdb_debug dbg; /* also read by the vcpu_init hook on the main thread */

	/* Stub thread only. */
	bool running;          /* the debugger resumed the guest and waits for a stop reply */
	bool noack;            /* QStartNoAckMode */
	int g_thread, c_thread; /* Hg / Hc: 1..N */
	struct gdb_rx rx;
	char reply[GDB_MAX_PACKET + 1];
	char tx[2 * GDB_MAX_PACKET + 8];
	int tx_len;
};

/* ---- KVM side ---------------------------------------------------------------------------- */

static int apply_debug(struct gdbstub *g, struct vcpu *v, int step_thread)
{
	struct kvm_guest_debug dbg;
	int r;

	gdb_debug_build(&g->dbg, step_thread == (int)v->index + 1, g->blockirq, &dbg);
	r = kvm_set_guest_debug(v->fd, &dbg);
	if (r)
		pr_warn("%s: vCPU %u: KVM_SET_GUEST_DEBUG (control 0x%x): %s", g->where, v->index,
			dbg.control, strerror(-r));
	return r;
}

/* hooks.vcpu_init: a reset rebuilt the vCPUs (and reloaded the image): put the breakpoints
 * back before the guest runs again. */
static int gdb_vcpu_init(struct vcpu *v)
{
	struct gdbstub *g = v->vm->gdb;
	int r = g->prev_vcpu_init ? g->prev_vcpu_init(v) : 0;

	if (r)
		return r;
	pthread_mutex_lock(&g->lock);
	if (v->index == 0)
		gdb_sw_repatch(&g->dbg, &v->vm->mem);
	if (!gdb_debug_empty(&g->dbg))
		apply_debug(g, v, 0);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static void wake(struct gdbstub *g)
{
	if (write(g->wake[1], "x", 1) < 0 && errno != EAGAIN)
		pr_warn("%s: waking the stub thread: %s", g->where, strerror(errno));
}

/* hooks.debug (vCPU thread): a breakpoint, watchpoint or step. */
static enum exit_action gdb_debug_exit(struct vcpu *v, struct kvm_run *run)
{
	struct gdbstub *g = v->vm->gdb;
	bool stop;

	pthread_mutex_lock(&g->lock);
	stop = g->attached;
	if (stop && !g->stop_pending) {
		g->stop_pending = true;
		g->stop_cpu = v->index;
		g->stop_exc = run->debug.arch.exception;
		g->stop_dr6 = run->debug.arch.dr6;
	}
	pthread_mutex_unlock(&g->lock);
	if (stop) {
		vm_pause(v->vm, VM_PAUSE_DEBUG); /* this thread parks before its next KVM_RUN */
		wake(g);
	}
	return EXIT_ACT_CONTINUE;
}

/* Does KVM turn a long-mode int3 into KVM_EXIT_DEBUG under USE_SW_BP? A scratch VM with one
 * vCPU runs "int3" at 0 through an identity-mapped 2 MiB page (SDM Vol. 3A §4.5). */
static bool probe_int3(struct vm *vm)
{
	enum { PML4 = 0x1000, PDPT = 0x2000, PD = 0x3000, SIZE = 0x4000 };
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP };
	struct kvm_segment code = { .base = 0, .limit = 0xffffffff, .selector = 8, .type = 11,
				    .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .base = 0, .limit = 0xffffffff, .selector = 16, .type = 3,
				    .present = 1, .s = 1, .db = 1, .g = 1 };
	struct kvm_regs regs = { .rip = 0, .rflags = 2, .rsp = SIZE };
	const struct cpuid_table *t = vm->host_cpuid;
	struct kvm_cpuid2 *c2 = NULL;
	struct kvm_sregs s;
	struct kvm_run *run = MAP_FAILED;
	uint8_t *mem;
	int vm_fd = -1, fd = -1;
	bool ok = false;

	mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || !t)
		goto out;
	*(uint64_t *)(void *)(mem + PML4) = PDPT | 3;  /* present, writable */
	*(uint64_t *)(void *)(mem + PDPT) = PD | 3;
	*(uint64_t *)(void *)(mem + PD) = 0 | 0x83;    /* present, writable, 2 MiB page */
	mem[0] = GDB_INT3;
	mem[1] = 0xf4; /* hlt */
	vm_fd = kvm_create_vm(vm->kvm_fd);
	if (vm_fd < 0 || kvm_set_tss_addr(vm_fd, 0xfffbd000) ||
	    kvm_set_user_memory_region(vm_fd, 0, 0, 0, SIZE, mem))
		goto out;
	fd = kvm_create_vcpu(vm_fd, 0);
	if (fd < 0)
		goto out;
	run = mmap(NULL, (size_t)vm->caps.vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	c2 = malloc(sizeof(*c2) + t->n * sizeof(c2->entries[0]));
	if (run == MAP_FAILED || !c2)
		goto out;
	/* EFER.LME needs CPUID.80000001H:EDX.LM in the vCPU's CPUID. */
	c2->nent = t->n;
	c2->padding = 0;
	memcpy(c2->entries, t->e, t->n * sizeof(t->e[0]));
	if (kvm_set_cpuid2(fd, c2) || kvm_get_sregs(fd, &s))
		goto out;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.cr0 = 0x80000011; /* PG, ET, PE */
	s.cr3 = PML4;
	s.cr4 = 0x20;       /* PAE */
	s.efer = 0x500;     /* LME, LMA */
	if (kvm_set_sregs(fd, &s) || kvm_set_regs(fd, &regs) || kvm_set_guest_debug(fd, &dbg) ||
	    kvm_run(fd))
		goto out;
	ok = run->exit_reason == KVM_EXIT_DEBUG && run->debug.arch.exception == 3;
	pr_debug("gdbstub: int3 probe: exit %s, exception %u", kvm_exit_name(run->exit_reason),
		 run->exit_reason == KVM_EXIT_DEBUG ? run->debug.arch.exception : 0);
out:
	free(c2);
	if (run != MAP_FAILED)
		munmap(run, (size_t)vm->caps.vcpu_mmap_size);
	if (fd >= 0)
		close(fd);
	if (vm_fd >= 0)
		close(vm_fd);
	if (mem != MAP_FAILED)
		munmap(mem, SIZE);
	return ok;
}

/* ---- Socket side ------------------------------------------------------------------------ */

static void send_raw(struct gdbstub *g, const char *p, size_t len)
{
	while (g->client_fd >= 0 && len) {
		ssize_t n = send(g->client_fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the client left: the poll loop notices */
		p += n;
		len -= (size_t)n;
	}
}

static void send_packet(struct gdbstub *g, const char *payload, size_t len)
{
	g->tx_len = gdb_frame(payload, len, g->tx, sizeof(g->tx));
	if (g->tx_len < 0) {
		pr_warn("%s: reply of %zu bytes does not fit; sent empty", g->where, len);
		g->tx_len = gdb_frame("", 0, g->tx, sizeof(g->tx));
	}
	send_raw(g, g->tx, (size_t)g->tx_len);
}

static void send_str(struct gdbstub *g, const char *s)
{
	send_packet(g, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) send_fmt(struct gdbstub *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->reply, sizeof(g->reply), fmt, ap);
	va_end(ap);
	send_packet(g, g->reply, n < 0 ? 0 : (size_t)n);
}

/* errno as GDB's "Exx" (hex): E0e EFAULT, E16 EINVAL, E1c ENOSPC (QEMU sends E14 = EFAULT in
 * decimal; either is an error to GDB). */
static void send_err(struct gdbstub *g, int r)
{
	send_fmt(g, "E%02x", (-r) & 0xff);
}

/* ---- Run control ------------------------------------------------------------------------ */

/* Waits until every vCPU is parked. False when the VM is stopping (gdbstub_stop follows). */
static bool wait_parked(struct gdbstub *g)
{
	for (;;) {
		vm_pause_wait(g->vm);
		switch (vm_state_get(g->vm)) {
		case VM_STATE_RUNNING:
			return true;
		case VM_STATE_STOPPING:
			return false;
		case VM_STATE_RESET: {
			/* vm_run rebuilds the vCPUs, which then park (the pause stays set). */
			struct timespec ts = { 0, 5 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			break;
		}
		}
	}
}

static struct vcpu *thread_vcpu(struct gdbstub *g, int id)
{
	return &g->vm->vcpus[id >= 1 && id <= (int)g->vm->nvcpus ? id - 1 : 0];
}

/* The stop reply (GDB manual, "Stop Reply Packets"): T05 for a debug exit (with the
 * watchpoint that fired), else sig (SIGINT after Ctrl-C, SIGTRAP on attach). The stopped
 * vCPU becomes the current thread, as in QEMU. */
static void report_stop(struct gdbstub *g, int sig)
{
	static const char *const watch_kind[] = {
		[GDB_WP_WRITE] = "watch", [GDB_WP_READ] = "rwatch", [GDB_WP_ACCESS] = "awatch",
	};
	char watch[48] = "";
	int thread = g->c_thread;

	pthread_mutex_lock(&g->lock);
	if (g->stop_pending) {
		int slot = g->stop_exc == DB_VECTOR ? gdb_dr_hit(&g->dbg, g->stop_dr6) : -1;

		thread = (int)g->stop_cpu + 1;
		sig = GDB_SIGTRAP;
		if (slot >= 0 && g->dbg.dr[slot].type >= GDB_WP_WRITE)
			snprintf(watch, sizeof(watch), "%s:%" PRIx64 ";",
				 watch_kind[g->dbg.dr[slot].type], g->dbg.dr[slot].addr);
		g->stop_pending = false;
	}
	pthread_mutex_unlock(&g->lock);
	g->running = false;
	g->g_thread = g->c_thread = thread;
	send_fmt(g, "T%02x%sthread:%x;", sig, watch, thread);
}

/* Stops every vCPU (attach, Ctrl-C). False when the VM is stopping. */
static bool stop_all(struct gdbstub *g)
{
	vm_pause(g->vm, VM_PAUSE_DEBUG);
	return wait_parked(g);
}

/* Continue (step_thread 0) or step one vCPU while the others continue: the debug state goes
 * to every vCPU, then the debug and -S pauses are lifted (GDB's continue is QEMU's cont). */
static void resume(struct gdbstub *g, int step_thread)
{
	struct vm *vm = g->vm;

	pthread_mutex_lock(&g->lock);
	g->stop_pending = false;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		apply_debug(g, &vm->vcpus[i], step_thread);
	pthread_mutex_unlock(&g->lock);
	g->running = true;
	vm_resume(vm, VM_PAUSE_DEBUG | VM_PAUSE_USER);
}

/* Drops every breakpoint and lets the guest run (D, or the client went away). */
static void detach(struct gdbstub *g)
{
	pthread_mutex_lock(&g->lock);
	gdb_debug_clear(&g->dbg, &g->vm->mem);
	g->attached = false;
	pthread_mutex_unlock(&g->lock);
	resume(g, 0);
	g->running = false;
}

/* ---- Packets ---------------------------------------------------------------------------- */

static void pkt_regs_read(struct gdbstub *g)
{
	struct vcpu *v = thread_vcpu(g, g->g_thread);
	struct kvm_regs *r = vcpu_regs(v);
	struct kvm_sregs *s = vcpu_sregs(v);

	if (!r || !s)
		return send_err(g, -EIO);
	gdb_regs_encode(r, s, g->reply);
	send_str(g, g->reply);
}

/* Marks the caches dirty; the sregs only when a selector changed (KVM_SET_SREGS rewrites
 * more than the selectors). */
static void regs_commit(struct vcpu *v, const struct kvm_sregs *before)
{
	vcpu_regs_dirty(v);
	if (memcmp(before, &v->sregs, sizeof(*before)))
		vcpu_sregs_dirty(v);
}

static void pkt_regs_write(struct gdbstub *g, const char *hex)
{
	struct vcpu *v = thread_vcpu(g, g->g_thread);
	struct kvm_regs *r = vcpu_regs(v), rc;
	struct kvm_sregs *s = vcpu_sregs(v), sc, before;

	if (!r || !s)
		return send_err(g, -EIO);
	rc = *r;
	sc = before = *s;
	if (gdb_regs_decode(&rc, &sc, hex))
		return send_err(g, -EINVAL);
	*r = rc;
	*s = sc;
	regs_commit(v, &before);
	send_str(g, "OK");
}

static void pkt_reg_read(struct gdbstub *g, const char *args)
{
	struct vcpu *v = thread_vcpu(g, g->g_thread);
	struct kvm_regs *r = vcpu_regs(v);
	struct kvm_sregs *s = vcpu_sregs(v);
	uint8_t buf[16];
	uint64_t n;

	if (gdb_hex_u64(args, &n) < 0 || n >= GDB_X86_NREGS || !r || !s)
		return send_str(g, "E14"); /* QEMU's answer for a register it does not have */
	gdb_reg_get(r, s, (unsigned)n, buf);
	gdb_hex_encode(buf, gdb_reg_size((unsigned)n), g->reply);
	send_str(g, g->reply);
}

static void pkt_reg_write(struct gdbstub *g, const char *args)
{
	struct vcpu *v = thread_vcpu(g, g->g_thread);
	struct kvm_regs *r = vcpu_regs(v);
	struct kvm_sregs *s = vcpu_sregs(v), before;
	uint8_t buf[16];
	uint64_t n;
	int k = gdb_hex_u64(args, &n);

	if (k < 0 || args[k] != '=' || n >= GDB_X86_NREGS || !r || !s)
		return send_str(g, "E14");
	if (strlen(args + k + 1) != 2 * gdb_reg_size((unsigned)n) ||
	    gdb_hex_decode(args + k + 1, buf, gdb_reg_size((unsigned)n)))
		return send_err(g, -EINVAL);
	before = *s;
	gdb_reg_set(r, s, (unsigned)n, buf);
	regs_commit(v, &before);
	send_str(g, "OK");
}

/* "addr,len" then the separator sep; returns the characters used or -EINVAL. */
static int parse_addr_len(const char *s, char sep, uint64_t *addr, uint64_t *len)
{
	int a = gdb_hex_u64(s, addr), b;

	if (a < 0 || s[a] != ',')
		return -EINVAL;
	b = gdb_hex_u64(s + a + 1, len);
	if (b < 0 || s[a + 1 + b] != sep)
		return -EINVAL;
	return a + 1 + b;
}

/* Guest-virtual memory through the current thread's paging, page by page. Returns the bytes
 * done (fewer at an unmapped page) or -EFAULT when not even the first one is. */
static long mem_access(struct gdbstub *g, uint64_t addr, uint8_t *buf, uint64_t len, bool write)
{
	struct kvm_sregs *s = vcpu_sregs(thread_vcpu(g, g->g_thread));
	uint64_t done = 0;

	while (s && done < len) {
		uint64_t gpa, left, n;

		if (gdb_gva_to_gpa(&g->vm->mem, s, addr + done, &gpa, &left))
			break;
		n = len - done < left ? len - done : left;
		if (write) {
			if (gm_write(&g->vm->mem, gpa, buf + done, n))
				break;
			gdb_sw_rewrite(&g->dbg, &g->vm->mem, gpa, (size_t)n);
		} else {
			if (gm_read(&g->vm->mem, gpa, buf + done, n))
				break;
			gdb_sw_hide(&g->dbg, gpa, buf + done, (size_t)n);
		}
		done += n;
	}
	return done || !len ? (long)done : -EFAULT;
}

static void pkt_mem_read(struct gdbstub *g, const char *args)
{
	uint8_t buf[GDB_MAX_PACKET / 2];
	uint64_t addr, len;
	long n;

	if (parse_addr_len(args, '\0', &addr, &len) < 0)
		return send_err(g, -EINVAL);
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1; /* the manual allows a shorter answer */
	n = mem_access(g, addr, buf, len, false);
	if (n < 0)
		return send_str(g, "E14");
	gdb_hex_encode(buf, (size_t)n, g->reply);
	send_str(g, g->reply);
}

/* M addr,len:hex and X addr,len:binary (data of dlen bytes after the colon). */
static void pkt_mem_write(struct gdbstub *g, const char *args, size_t args_len, bool binary)
{
	uint8_t buf[GDB_MAX_PACKET];
	uint64_t addr, len;
	int k = parse_addr_len(args, ':', &addr, &len);
	const char *data = args + k + 1;

	if (k < 0 || len > sizeof(buf))
		return send_err(g, -EINVAL);
	if (binary) {
		if (args_len - (size_t)(k + 1) != len)
			return send_err(g, -EINVAL);
		memcpy(buf, data, len);
	} else if (strlen(data) != 2 * len || gdb_hex_decode(data, buf, len)) {
		return send_err(g, -EINVAL);
	}
	pthread_mutex_lock(&g->lock);
	k = mem_access(g, addr, buf, len, true) == (long)len ? 0 : -EFAULT;
	pthread_mutex_unlock(&g->lock);
	if (k)
		return send_str(g, "E14");
	send_str(g, "OK");
}

static int bp_change(struct gdbstub *g, bool insert, unsigned type, uint64_t addr,
		     uint64_t kind)
{
	uint64_t gpa, left;
	int r;

	if (type == GDB_BP_SW && g->use_int3) {
		if (!insert) {
			gdb_sw_remove(&g->dbg, &g->vm->mem, addr); /* absent: harmless */
			return 0;
		}
		r = gdb_gva_to_gpa(&g->vm->mem, vcpu_sregs(thread_vcpu(g, g->g_thread)), addr,
				   &gpa, &left);
		return r ? -EFAULT : gdb_sw_insert(&g->dbg, &g->vm->mem, addr, gpa);
	}
	if (insert)
		return gdb_dr_insert(&g->dbg, type, addr, kind);
	r = gdb_dr_remove(&g->dbg, type, addr, kind);
	return r == -ENOENT ? 0 : r; /* removing what is not there is harmless */
}

static void pkt_breakpoint(struct gdbstub *g, const char *args, bool insert)
{
	uint64_t addr, kind;
	unsigned type;
	int r;

	if (gdb_parse_z(args, &type, &addr, &kind))
		return send_err(g, -EINVAL);
	if (type == GDB_WP_READ)
		return send_str(g, ""); /* no read-only watchpoints on x86 (QEMU neither) */
	pthread_mutex_lock(&g->lock);
	r = bp_change(g, insert, type, addr, kind);
	pthread_mutex_unlock(&g->lock);
	if (r)
		return send_err(g, r);
	send_str(g, "OK");
}

/* c [addr] and s [addr]: resume at addr when given. */
static void pkt_resume(struct gdbstub *g, const char *args, bool step)
{
	uint64_t addr;

	if (*args) {
		struct kvm_regs *r = vcpu_regs(thread_vcpu(g, g->c_thread));

		if (gdb_hex_u64(args, &addr) < 0 || !r)
			return send_err(g, -EINVAL);
		r->rip = addr;
		vcpu_regs_dirty(thread_vcpu(g, g->c_thread));
	}
	resume(g, step ? g->c_thread : 0);
}

static void pkt_vcont(struct gdbstub *g, const char *args)
{
	int step;

	if (!strcmp(args, "?"))
		return send_str(g, "vCont;c;C;s;S");
	if (gdb_parse_vcont(args, g->vm->nvcpus, g->c_thread, &step))
		return send_err(g, -EINVAL);
	resume(g, step);
}

static void pkt_set_thread(struct gdbstub *g, const char *args)
{
	int id;

	if ((args[0] != 'g' && args[0] != 'c') || gdb_parse_thread(args + 1, g->vm->nvcpus, &id))
		return send_err(g, -EINVAL);
	if (id > 0)
		*(args[0] == 'g' ? &g->g_thread : &g->c_thread) = id; /* -1/0: keep the current */
	send_str(g, "OK");
}

static void pkt_thread_alive(struct gdbstub *g, const char *args)
{
	int id;

	if (gdb_parse_thread(args, g->vm->nvcpus, &id) || id <= 0)
		return send_err(g, -EINVAL);
	send_str(g, "OK");
}

/* qXfer:features:read:target.xml:offset,length */
static void pkt_xfer_features(struct gdbstub *g, const char *args)
{
	const char *annex = "target.xml:";
	uint64_t off, len;
	size_t total = sizeof(target_xml) - 1;

	if (strncmp(args, annex, strlen(annex)) ||
	    parse_addr_len(args + strlen(annex), '\0', &off, &len) < 0)
		return send_str(g, "E00");
	if (off >= total)
		return send_str(g, "l");
	if (len > GDB_MAX_PACKET - 1)
		len = GDB_MAX_PACKET - 1;
	if (len > total - off)
		len = total - off;
	g->reply[0] = off + len == total ? 'l' : 'm';
	memcpy(g->reply + 1, target_xml + off, len);
	send_packet(g, g->reply, len + 1);
}

static void pkt_query(struct gdbstub *g, const char *p)
{
	if (!strncmp(p, "qSupported", 10)) {
		send_fmt(g, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+", GDB_MAX_PACKET);
	} else if (!strcmp(p, "QStartNoAckMode")) {
		send_str(g, "OK");
		g->noack = true;
	} else if (!strncmp(p, "qXfer:features:read:", 20)) {
		pkt_xfer_features(g, p + 20);
	} else if (!strcmp(p, "qfThreadInfo")) {
		int n = snprintf(g->reply, sizeof(g->reply), "m");

		for (unsigned i = 0; i < g->vm->nvcpus && n < (int)sizeof(g->reply) - 10; i++)
			n += snprintf(g->reply + n, sizeof(g->reply) - (size_t)n, "%s%x",
				      i ? "," : "", i + 1);
		send_str(g, g->reply);
	} else if (!strcmp(p, "qsThreadInfo")) {
		send_str(g, "l");
	} else if (!strcmp(p, "qC")) {
		send_fmt(g, "QC%x", g->c_thread);
	} else if (!strncmp(p, "qAttached", 9)) {
		send_str(g, "1"); /* attached to an existing process: quitting GDB detaches */
	} else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		char text[32];
		int id;

		if (gdb_parse_thread(p + 17, g->vm->nvcpus, &id) || id <= 0)
			return send_err(g, -EINVAL);
		snprintf(text, sizeof(text), "vCPU %d", id - 1);
		gdb_hex_encode(text, strlen(text), g->reply);
		send_str(g, g->reply);
	} else {
		send_str(g, ""); /* unsupported */
	}
}

/* One packet (len bytes in p, NUL-terminated). */
static void handle_packet(struct gdbstub *g, const char *p, size_t len)
{
	switch (p[0]) {
	case '?':
		return send_fmt(g, "T%02xthread:%x;", GDB_SIGTRAP, g->c_thread);
	case 'g':
		return pkt_regs_read(g);
	case 'G':
		return pkt_regs_write(g, p + 1);
	case 'p':
		return pkt_reg_read(g, p + 1);
	case 'P':
		return pkt_reg_write(g, p + 1);
	case 'm':
		return pkt_mem_read(g, p + 1);
	case 'M':
		return pkt_mem_write(g, p + 1, len - 1, false);
	case 'X':
		return pkt_mem_write(g, p + 1, len - 1, true);
	case 'Z':
	case 'z':
		return pkt_breakpoint(g, p + 1, p[0] == 'Z');
	case 'c':
	case 's':
		return pkt_resume(g, p + 1, p[0] == 's');
	case 'H':
		return pkt_set_thread(g, p + 1);
	case 'T':
		return pkt_thread_alive(g, p + 1);
	case 'D':
		send_str(g, "OK");
		return detach(g);
	case 'k':
		/* QEMU: "Terminated via GDBstub", exit status 0. No reply is expected. */
		pr_info("%s: terminated by the debugger (k)", g->where);
		vm_stop(g->vm, EXIT_POWEROFF);
		return;
	case 'v':
		if (!strncmp(p, "vCont", 5))
			return pkt_vcont(g, p + 5);
		if (!strncmp(p, "vMustReplyEmpty", 15))
			return send_str(g, "");
		return send_str(g, "");
	case 'q':
	case 'Q':
		return pkt_query(g, p);
	}
	send_str(g, "");
}

/* ---- The thread ------------------------------------------------------------------------- */

static void client_close(struct gdbstub *g)
{
	if (g->client_fd >= 0)
		close(g->client_fd);
	g->client_fd = -1;
}

static void client_accept(struct gdbstub *g)
{
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC), one = 1;

	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g->client_fd = fd;
	g->noack = false;
	g->g_thread = g->c_thread = 1;
	gdb_rx_init(&g->rx);
	pr_debug("%s: debugger connected", g->where);
	pthread_mutex_lock(&g->lock);
	g->attached = true;
	g->stop_pending = false;
	pthread_mutex_unlock(&g->lock);
	/* The debugger expects a stopped target (QEMU stops the VM on connect too). */
	if (!stop_all(g))
		return;
	g->running = false;
}

static void client_bytes(struct gdbstub *g, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n && g->client_fd >= 0; i++) {
		switch (gdb_rx_byte(&g->rx, buf[i])) {
		case GDB_RX_PACKET:
			if (!g->noack)
				send_raw(g, "+", 1);
			if (g->running)
				break; /* all-stop: only Ctrl-C is meaningful while running */
			handle_packet(g, g->rx.buf, g->rx.len);
			break;
		case GDB_RX_BAD:
			send_raw(g, "-", 1);
			break;
		case GDB_RX_NAK:
			if (g->tx_len > 0)
				send_raw(g, g->tx, (size_t)g->tx_len);
			break;
		case GDB_RX_INTERRUPT:
			if (g->running && stop_all(g))
				report_stop(g, GDB_SIGINT);
			break;
		case GDB_RX_ACK:
		case GDB_RX_NONE:
			break;
		}
	}
}

static void *gdb_thread(void *arg)
{
	struct gdbstub *g = arg;
	uint8_t buf[4096];

	for (;;) {
		struct pollfd p[2] = { { g->wake[0], POLLIN, 0 }, { -1, POLLIN, 0 } };
		bool quit, pending;
		ssize_t n;

		p[1].fd = g->client_fd >= 0 ? g->client_fd : g->listen_fd;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			while (read(g->wake[0], buf, sizeof(buf)) > 0)
				;
			pthread_mutex_lock(&g->lock);
			quit = g->quit;
			pending = g->stop_pending;
			pthread_mutex_unlock(&g->lock);
			if (quit)
				break;
			if (pending && g->running && g->client_fd >= 0 && wait_parked(g))
				report_stop(g, GDB_SIGTRAP);
			continue;
		}
		if (!p[1].revents)
			continue;
		if (g->client_fd < 0) {
			client_accept(g);
			continue;
		}
		n = recv(g->client_fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_debug("%s: debugger disconnected", g->where);
			client_close(g);
			detach(g);
			continue;
		}
		client_bytes(g, buf, (size_t)n);
	}
	/* The VM stopped: tell the debugger how (W: "the process exited", GDB manual). */
	if (g->client_fd >= 0) {
		send_fmt(g, "W%02x", g->exit_status & 0xff);
		client_close(g);
	}
	return NULL;
}

static int gdb_listen(struct gdbstub *g, const char *host, uint16_t port)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char service[8];
	int r, one = 1, err = 0;

	snprintf(service, sizeof(service), "%u", port);
	r = getaddrinfo(host, service, &hints, &res);
	if (r) {
		pr_err("%s: cannot resolve '%s': %s", g->where, host ? host : "", gai_strerror(r));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1)) {
			g->listen_fd = fd;
			break;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (g->listen_fd < 0) {
		pr_err("%s: cannot listen: %s (another stub on that port? choose another with "
		       "-gdb tcp::PORT)", g->where, strerror(err));
		return -err;
	}
	return 0;
}

int gdbstub_start(struct vm *vm, struct gdbstub **out)
{
	const struct vm_config *cfg = vm->cfg;
	struct gdbstub *g;
	int r;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->vm = vm;
	g->listen_fd = g->client_fd = -1;
	g->wake[0] = g->wake[1] = -1;
	g->g_thread = g->c_thread = 1;
	pthread_mutex_init(&g->lock, NULL);
	snprintf(g->where, sizeof(g->where), "-gdb tcp:%s:%u", cfg->gdb_host ? cfg->gdb_host : "",
		 cfg->gdb_port);
	if (!kvm_has(&vm->caps, KC_SET_GUEST_DEBUG)) {
		pr_err("%s: KVM lacks KVM_CAP_SET_GUEST_DEBUG; drop -gdb/-s", g->where);
		r = -ENOTSUP;
		goto fail;
	}
	if (pipe2(g->wake, O_CLOEXEC | O_NONBLOCK)) {
		r = -errno;
		goto fail;
	}
	r = gdb_listen(g, cfg->gdb_host, cfg->gdb_port);
	if (r)
		goto fail;
	g->use_int3 = probe_int3(vm);
	r = kvm_check_extension(vm->vm_fd, KVM_CAP_SET_GUEST_DEBUG2);
	g->blockirq = r > 0 && (r & KVM_GUESTDBG_BLOCKIRQ);
	pr_debug("%s: software breakpoints as %s; BLOCKIRQ %s", g->where,
		 g->use_int3 ? "int3" : "debug registers", g->blockirq ? "yes" : "no");
	vm->gdb = g;
	vm->hooks.debug = gdb_debug_exit;
	g->prev_vcpu_init = vm->hooks.vcpu_init;
	vm->hooks.vcpu_init = gdb_vcpu_init;
	r = pthread_create(&g->thread, NULL, gdb_thread, g);
	if (r) {
		r = -r;
		pr_err("%s: creating its thread: %s", g->where, strerror(-r));
		goto fail;
	}
	g->thread_started = true;
	*out = g;
	return 0;
fail:
	gdbstub_stop(g, 0);
	return r;
}

void gdbstub_stop(struct gdbstub *g, int status)
{
	if (!g)
		return;
	if (g->thread_started) {
		pthread_mutex_lock(&g->lock);
		g->quit = true;
		g->exit_status = status;
		pthread_mutex_unlock(&g->lock);
		wake(g);
		pthread_join(g->thread, NULL);
	}
	if (g->vm->gdb == g) {
		g->vm->hooks.debug = NULL;
		g->vm->hooks.vcpu_init = g->prev_vcpu_init;
		g->vm->gdb = NULL;
	}
	client_close(g);
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	for (int i = 0; i < 2; i++)
		if (g->wake[i] >= 0)
			close(g->wake[i]);
	pthread_mutex_destroy(&g->lock);
	free(g);
}
