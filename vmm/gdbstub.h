/* The GDB remote stub (glue): -gdb tcp:[HOST]:PORT and -s (tcp::1234), as QEMU's gdbstub.
 * One thread serves one client at a time with vmm/gdb_proto.c and vmm/gdb_debug.c; every
 * vCPU is a thread (ids 1..N); breakpoints, watchpoints and single-step go through
 * KVM_SET_GUEST_DEBUG. A connecting debugger stops the VM (QEMU does the same); with -S the
 * guest waits for its continue. */
#ifndef ENLIGHT_GDBSTUB_H
#define ENLIGHT_GDBSTUB_H

struct vm;
struct gdbstub;

/* Listens on vm->cfg->gdb_host:gdb_port and hooks into the VM (vm->gdb, hooks.debug, and
 * hooks.vcpu_init so that breakpoints survive a system reset). 0 or -errno after one error
 * line. Call after vm_create and before vm_run. */
int gdbstub_start(struct vm *vm, struct gdbstub **out);
/* After vm_run: tells a connected debugger that the guest exited with status (W packet),
 * stops the thread and closes the sockets. NULL is fine. */
void gdbstub_stop(struct gdbstub *g, int status);

#endif
