/* The QMP control socket (glue): a listening unix socket and one thread that serves one
 * client at a time with vmm/qmp_cmd.c, and forwards the VM's events to it. */
#ifndef ENLIGHT_QMP_H
#define ENLIGHT_QMP_H

struct vm;
struct qmp;

/* Listens on vm->cfg->qmp_path (an old socket file there is replaced, as QEMU does); with
 * wait=on, blocks until a client connects. 0 or -errno after one error line. Call after
 * vm_create and before vm_run. */
int qmp_start(struct vm *vm, struct qmp **out);
/* Stops the thread, closes the sockets and removes the socket file. NULL is fine. */
void qmp_stop(struct qmp *q);

#endif
