/* The gdbstub's debug state without sockets or KVM: the breakpoint and watchpoint table behind
 * the Z/z packets (GDB manual, "Packets": Z0-Z4), its encoding into the x86 debug registers
 * (SDM Vol. 3B §17.2) for KVM_SET_GUEST_DEBUG, software breakpoints as int3 bytes patched
 * through guest_mem (and hidden from memory reads), and the parsers of the resume and thread
 * packets (vCont, H, T). The glue (vmm/gdbstub.c) owns the socket and the vCPUs. */
#ifndef ENLIGHT_GDB_DEBUG_H
#define ENLIGHT_GDB_DEBUG_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_mem;

/* Z packet types (GDB manual, "Packets", z type,addr,kind). */
enum gdb_bp_type {
	GDB_BP_SW = 0,     /* software breakpoint (int3, or a debug register, see below) */
	GDB_BP_HW = 1,     /* hardware breakpoint */
	GDB_WP_WRITE = 2,  /* write watchpoint */
	GDB_WP_READ = 3,   /* read watchpoint: x86 has none (RW=10 is I/O), refused */
	GDB_WP_ACCESS = 4, /* access (read or write) watchpoint */
};

#define GDB_NUM_DR  4  /* DR0-DR3 (SDM Vol. 3B §17.2.1) */
#define GDB_MAX_SW  64 /* int3 breakpoints */
#define GDB_INT3    0xcc

struct gdb_dr_slot {
	bool used;
	uint8_t type; /* enum gdb_bp_type: SW (when int3 is not usable), HW, WP_WRITE, WP_ACCESS */
	uint8_t len;  /* 1, 2, 4 or 8; 1 for execution */
	uint64_t addr;
};

struct gdb_sw_bp {
	uint64_t addr; /* guest-virtual, as GDB gave it */
	uint64_t gpa;  /* where the int3 byte went */
	uint8_t orig;  /* the byte it replaced */
};

struct gdb_debug {
	struct gdb_dr_slot dr[GDB_NUM_DR];
	struct gdb_sw_bp sw[GDB_MAX_SW];
	unsigned nsw;
};

/* "type,addr,kind" after the Z or z: 0 or -EINVAL. */
int gdb_parse_z(const char *s, unsigned *type, uint64_t *addr, uint64_t *kind);

/* A debug-register breakpoint or watchpoint (types SW, HW, WP_WRITE, WP_ACCESS). Inserting
 * one that exists is a no-op (Z packets are idempotent). 0, -ENOSPC when the four slots are
 * taken, -EINVAL for another type, a length other than 1/2/4/8 or an address not aligned to
 * it (SDM Vol. 3B §17.2.5); -ENOENT from remove when there is no such slot. */
int gdb_dr_insert(struct gdb_debug *d, unsigned type, uint64_t addr, uint64_t len);
int gdb_dr_remove(struct gdb_debug *d, unsigned type, uint64_t addr, uint64_t len);
/* The slot whose condition DR6.B0-B3 reports (SDM Vol. 3B §17.2.3), or -1. */
int gdb_dr_hit(const struct gdb_debug *d, uint64_t dr6);

/* An int3 breakpoint at guest-virtual addr, guest-physical gpa: saves the byte and writes
 * 0xCC. 0 (also when present), -ENOSPC, -EFAULT (gpa outside RAM). */
int gdb_sw_insert(struct gdb_debug *d, struct guest_mem *gm, uint64_t addr, uint64_t gpa);
/* Puts the byte back. 0 or -ENOENT. */
int gdb_sw_remove(struct gdb_debug *d, struct guest_mem *gm, uint64_t addr);
/* Memory as the guest had it: the saved bytes over the int3s in [gpa, gpa+len). */
void gdb_sw_hide(const struct gdb_debug *d, uint64_t gpa, uint8_t *buf, size_t len);
/* After a debugger write to [gpa, gpa+len): the written bytes become the saved ones and the
 * int3s go back. */
void gdb_sw_rewrite(struct gdb_debug *d, struct guest_mem *gm, uint64_t gpa, size_t len);
/* After a reset reloaded the image: save the bytes again and patch the int3s back in. */
void gdb_sw_repatch(struct gdb_debug *d, struct guest_mem *gm);
/* Drops everything, restoring every int3 byte. */
void gdb_debug_clear(struct gdb_debug *d, struct guest_mem *gm);
bool gdb_debug_empty(const struct gdb_debug *d);

/* KVM_SET_GUEST_DEBUG for one vCPU: the debug registers in use (QEMU's DR7 encoding, global
 * enables and GE), USE_SW_BP when int3s are set, SINGLESTEP (with BLOCKIRQ when blockirq: no
 * interrupt handler is entered by a step) when step. control is 0 when nothing is set. */
void gdb_debug_build(const struct gdb_debug *d, bool step, bool blockirq,
		     struct kvm_guest_debug *out);

/* Thread ids are vCPU index + 1. "-1" (all) gives GDB_THREAD_ALL, "0" (any)
 * GDB_THREAD_ANY; 0 or -EINVAL (also for an id above nthreads). */
#define GDB_THREAD_ALL (-1)
#define GDB_THREAD_ANY 0
int gdb_parse_thread(const char *s, unsigned nthreads, int *id);

/* "vCont;ACTION[:TID];..." after "vCont": c and C continue, s and S single-step (a signal is
 * ignored, as QEMU does). *step: the thread to step (cur when s has no id), 0 for none.
 * Every other vCPU continues. 0 or -EINVAL (an unknown action or a bad thread). */
int gdb_parse_vcont(const char *s, unsigned nthreads, int cur, int *step);

#endif
