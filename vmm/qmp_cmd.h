/* QMP (QEMU Machine Protocol, docs/interop/qmp-spec.rst) without sockets or threads: the
 * greeting, capabilities negotiation, command dispatch from a const table, QEMU's error
 * replies and the event texts. The glue (vmm/qmp.c) feeds received bytes in and writes the
 * replies out; what a command acts on is reached through struct qmp_backend. */
#ifndef ENLIGHT_QMP_CMD_H
#define ENLIGHT_QMP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_features.h"

struct json_tokener;
struct vm_event;

/* One vCPU as query-cpus-fast reports it. */
struct qmp_cpu {
	int thread_id; /* host thread id, 0 when the thread does not run */
	unsigned socket, die, core, thread;
};

/* The machine, as the commands see it. Every callback is required. */
struct qmp_backend {
	void *opaque;
	unsigned ncpus;
	bool has_dies; /* -smp dies > 1: props carry die-id */
	int version[3]; /* major, minor, micro (query-version) */
	const char *package;
	/* query-hyperv: the finalized configuration (NULL: no enlightenment) */
	const struct hv_config *hv;
	enum hv_backend hv_backend;

	const char *(*run_state)(void *opaque); /* QEMU RunState name: "running", "paused", ... */
	int (*cpu)(void *opaque, unsigned index, struct qmp_cpu *out);
	void (*stop)(void *opaque);
	void (*cont)(void *opaque);
	void (*system_reset)(void *opaque);
	void (*system_powerdown)(void *opaque);
	void (*quit)(void *opaque);
};

struct qmp_session {
	struct json_tokener *tok;
	bool negotiated; /* qmp_capabilities done: commands and events flow */
	size_t pending;  /* bytes of an unfinished JSON text */
};

/* Writes one reply or event (a JSON text ending in "\r\n", as QEMU's monitor). */
typedef void (*qmp_out_fn)(void *opaque, const char *text, size_t len);

int qmp_session_init(struct qmp_session *s);
void qmp_session_free(struct qmp_session *s);
/* The greeting sent on connect: {"QMP": {"version": ..., "capabilities": []}}. */
void qmp_greeting(const struct qmp_backend *be, qmp_out_fn out, void *opaque);
/* Feed received bytes (any split; several objects at once): every complete JSON text gets
 * its reply through out. Malformed input gets QEMU's GenericError and the parser restarts. */
void qmp_feed(struct qmp_session *s, const struct qmp_backend *be, const char *buf, size_t len,
	      qmp_out_fn out, void *opaque);
/* The event text for ev at time ns since the epoch, or NULL for an event QMP does not send.
 * The caller frees it. */
char *qmp_event_text(const struct vm_event *ev, uint64_t ns);

#endif
