/* QMP command handling over json-c (docs/interop/qmp-spec.rst; error texts and classes as
 * QEMU 7.2's monitor/qmp.c, qapi/qmp-dispatch.c). Pure: no sockets, no threads. */
#include "vmm/qmp_cmd.h"

#include <errno.h>
#include <json-c/json.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_cpuid.h"
#include "vmm/log.h"
#include "vmm/vm.h"

/* A client may not keep one unfinished JSON text growing without bound. */
#define QMP_MAX_PENDING (1u << 20)
#define QMP_MAX_DEPTH   32
#define HV_MAX_LEAVES   16

struct qmp_ctx {
	const struct qmp_backend *be;
	struct json_object *args; /* may be NULL */
	const char *err_class;    /* set by a command that fails */
	char err[160];
};

typedef struct json_object *(*qmp_cmd_fn)(struct qmp_ctx *c);

static struct json_object *jint(int64_t v)
{
	return json_object_new_int64(v);
}

static void jadd(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static struct json_object *cmd_qmp_capabilities(struct qmp_ctx *c)
{
	(void)c;
	return NULL; /* handled before dispatch */
}

static struct json_object *version_obj(const struct qmp_backend *be)
{
	struct json_object *v = json_object_new_object(), *q = json_object_new_object();

	jadd(q, "major", jint(be->version[0]));
	jadd(q, "minor", jint(be->version[1]));
	jadd(q, "micro", jint(be->version[2]));
	jadd(v, "qemu", q);
	jadd(v, "package", json_object_new_string(be->package ? be->package : ""));
	return v;
}

static struct json_object *cmd_query_version(struct qmp_ctx *c)
{
	return version_obj(c->be);
}

static struct json_object *cmd_query_status(struct qmp_ctx *c)
{
	const char *st = c->be->run_state(c->be->opaque);
	struct json_object *o = json_object_new_object();

	jadd(o, "running", json_object_new_boolean(!strcmp(st, "running")));
	jadd(o, "singlestep", json_object_new_boolean(0));
	jadd(o, "status", json_object_new_string(st));
	return o;
}

static struct json_object *cmd_query_cpus_fast(struct qmp_ctx *c)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < c->be->ncpus; i++) {
		struct json_object *o, *props;
		struct qmp_cpu cpu;
		char qom[64];

		if (c->be->cpu(c->be->opaque, i, &cpu))
			continue;
		o = json_object_new_object();
		props = json_object_new_object();
		/* QEMU names vCPUs created at start-up without an id like this. */
		snprintf(qom, sizeof(qom), "/machine/unattached/device[%u]", i);
		jadd(o, "cpu-index", jint(i));
		jadd(o, "qom-path", json_object_new_string(qom));
		jadd(o, "thread-id", jint(cpu.thread_id));
		jadd(props, "core-id", jint(cpu.core));
		jadd(props, "thread-id", jint(cpu.thread));
		if (c->be->has_dies)
			jadd(props, "die-id", jint(cpu.die));
		jadd(props, "socket-id", jint(cpu.socket));
		jadd(o, "props", props);
		jadd(o, "target", json_object_new_string("x86_64"));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *cmd_query_kvm(struct qmp_ctx *c)
{
	struct json_object *o = json_object_new_object();

	(void)c;
	jadd(o, "enabled", json_object_new_boolean(1));
	jadd(o, "present", json_object_new_boolean(1));
	return o;
}

/* No QEMU precedent (QEMU shows hv-* only as CPU properties): the finalized options, the
 * backend that implements them and the CPUID leaves the guest sees. */
static struct json_object *cmd_query_hyperv(struct qmp_ctx *c)
{
	const struct hv_config *hv = c->be->hv;
	struct json_object *o = json_object_new_object();
	struct json_object *feats = json_object_new_array(), *leaves = json_object_new_array();
	struct kvm_cpuid_entry2 e[HV_MAX_LEAVES];
	bool on = hv && hv_enabled(hv);
	int n;

	jadd(o, "enabled", json_object_new_boolean(on));
	jadd(o, "backend", json_object_new_string(on ? hv_backend_name(c->be->hv_backend) :
						  "none"));
	if (on) {
		jadd(o, "vendor-id", json_object_new_string(hv->vendor_id));
		jadd(o, "spinlocks", jint(hv->spinlocks));
		for (unsigned f = 0; f < HV_FEAT_COUNT; f++)
			if (hv->features & HV_FEAT_BIT(f))
				json_object_array_add(feats,
						      json_object_new_string(hv_feature_get(f)->name));
		n = hv_cpuid_build(hv, c->be->hv_backend == HV_BACKEND_USER, e, HV_MAX_LEAVES);
		for (int i = 0; i < n; i++) {
			struct json_object *l = json_object_new_object();

			jadd(l, "function", jint(e[i].function));
			jadd(l, "eax", jint(e[i].eax));
			jadd(l, "ebx", jint(e[i].ebx));
			jadd(l, "ecx", jint(e[i].ecx));
			jadd(l, "edx", jint(e[i].edx));
			json_object_array_add(leaves, l);
		}
	}
	jadd(o, "features", feats);
	jadd(o, "cpuid", leaves);
	return o;
}

#define ACTION(name, cb)                                        \
	static struct json_object *cmd_##name(struct qmp_ctx *c) \
	{                                                       \
		c->be->cb(c->be->opaque);                       \
		return NULL;                                    \
	}
ACTION(stop, stop)
ACTION(cont, cont)
ACTION(system_reset, system_reset)
ACTION(system_powerdown, system_powerdown)
ACTION(quit, quit)
#undef ACTION

static const struct {
	const char *name;
	qmp_cmd_fn fn;
} qmp_commands[] = {
	{ "qmp_capabilities", cmd_qmp_capabilities },
	{ "query-version", cmd_query_version },
	{ "query-status", cmd_query_status },
	{ "query-cpus-fast", cmd_query_cpus_fast },
	{ "query-kvm", cmd_query_kvm },
	{ "query-hyperv", cmd_query_hyperv },
	{ "stop", cmd_stop },
	{ "cont", cmd_cont },
	{ "system_reset", cmd_system_reset },
	{ "system_powerdown", cmd_system_powerdown },
	{ "quit", cmd_quit },
};

static void send_obj(struct json_object *o, qmp_out_fn out, void *opaque)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *line = malloc(len + 3);

	if (line) {
		memcpy(line, s, len);
		memcpy(line + len, "\r\n", 3);
		out(opaque, line, len + 2);
		free(line);
	}
	json_object_put(o);
}

static void send_error(const char *cls, const char *desc, struct json_object *id,
		       qmp_out_fn out, void *opaque)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	jadd(e, "class", json_object_new_string(cls));
	jadd(e, "desc", json_object_new_string(desc));
	jadd(o, "error", e);
	if (id)
		jadd(o, "id", json_object_get(id));
	send_obj(o, out, opaque);
}

static void handle(struct qmp_session *s, const struct qmp_backend *be, struct json_object *req,
		   qmp_out_fn out, void *opaque)
{
	struct json_object *exec = NULL, *args = NULL, *id = NULL, *ret, *o;
	struct qmp_ctx c = { .be = be };
	const char *name;
	char desc[160];

	if (!json_object_is_type(req, json_type_object)) {
		send_error("GenericError", "QMP input must be a JSON object", NULL, out, opaque);
		return;
	}
	json_object_object_get_ex(req, "id", &id);
	json_object_object_foreach(req, key, val) {
		(void)val;
		if (strcmp(key, "execute") && strcmp(key, "arguments") && strcmp(key, "id")) {
			snprintf(desc, sizeof(desc), "QMP input member '%s' is unexpected", key);
			send_error("GenericError", desc, id, out, opaque);
			return;
		}
	}
	if (!json_object_object_get_ex(req, "execute", &exec)) {
		send_error("GenericError", "QMP input lacks member 'execute'", id, out, opaque);
		return;
	}
	if (!json_object_is_type(exec, json_type_string)) {
		send_error("GenericError", "QMP input member 'execute' must be a string", id, out,
			   opaque);
		return;
	}
	if (json_object_object_get_ex(req, "arguments", &args) &&
	    !json_object_is_type(args, json_type_object)) {
		send_error("GenericError", "QMP input member 'arguments' must be an object", id, out,
			   opaque);
		return;
	}
	name = json_object_get_string(exec);
	if (!s->negotiated && strcmp(name, "qmp_capabilities")) {
		send_error("CommandNotFound",
			   "Expecting capabilities negotiation with 'qmp_capabilities'", id, out,
			   opaque);
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(qmp_commands); i++) {
		if (strcmp(name, qmp_commands[i].name))
			continue;
		if (args) {
			/* None of these commands takes arguments. */
			json_object_object_foreach(args, akey, aval) {
				(void)aval;
				snprintf(desc, sizeof(desc), "Parameter '%s' is unexpected", akey);
				send_error("GenericError", desc, id, out, opaque);
				return;
			}
		}
		if (i == 0) {
			if (s->negotiated) {
				send_error("CommandNotFound",
					   "Capabilities negotiation is already complete, command "
					   "ignored", id, out, opaque);
				return;
			}
			s->negotiated = true;
		}
		c.args = args;
		ret = qmp_commands[i].fn(&c);
		if (c.err_class) {
			json_object_put(ret);
			send_error(c.err_class, c.err, id, out, opaque);
			return;
		}
		o = json_object_new_object();
		jadd(o, "return", ret ? ret : json_object_new_object());
		if (id)
			jadd(o, "id", json_object_get(id));
		send_obj(o, out, opaque);
		return;
	}
	snprintf(desc, sizeof(desc), "The command %.100s has not been found", name);
	send_error("CommandNotFound", desc, id, out, opaque);
}

int qmp_session_init(struct qmp_session *s)
{
	memset(s, 0, sizeof(*s));
	s->tok = json_tokener_new_ex(QMP_MAX_DEPTH);
	return s->tok ? 0 : -ENOMEM;
}

void qmp_session_free(struct qmp_session *s)
{
	if (s->tok)
		json_tokener_free(s->tok);
	s->tok = NULL;
}

void qmp_greeting(const struct qmp_backend *be, qmp_out_fn out, void *opaque)
{
	struct json_object *o = json_object_new_object(), *q = json_object_new_object();

	jadd(q, "version", version_obj(be));
	jadd(q, "capabilities", json_object_new_array());
	jadd(o, "QMP", q);
	send_obj(o, out, opaque);
}

void qmp_feed(struct qmp_session *s, const struct qmp_backend *be, const char *buf, size_t len,
	      qmp_out_fn out, void *opaque)
{
	while (len) {
		size_t chunk = len > QMP_MAX_PENDING ? QMP_MAX_PENDING : len;
		struct json_object *o = json_tokener_parse_ex(s->tok, buf, (int)chunk);
		enum json_tokener_error err = json_tokener_get_error(s->tok);
		size_t used = json_tokener_get_parse_end(s->tok);

		if (err == json_tokener_continue) {
			/* json-c keeps the partial text: bound what one client may leave pending. */
			s->pending += chunk;
			if (s->pending > QMP_MAX_PENDING) {
				json_tokener_reset(s->tok);
				s->pending = 0;
				send_error("GenericError", "JSON parse error, input too long", NULL, out,
					   opaque);
			}
			buf += chunk;
			len -= chunk;
			continue;
		}
		s->pending = 0;
		if (err != json_tokener_success) {
			char desc[160];
			const char *nl = memchr(buf + used, '\n', len - used);

			snprintf(desc, sizeof(desc), "JSON parse error, %s",
				 json_tokener_error_desc(err));
			json_tokener_reset(s->tok);
			send_error("GenericError", desc, NULL, out, opaque);
			/* Resynchronise at the next line. */
			if (!nl)
				return;
			used = (size_t)(nl + 1 - buf);
		} else {
			handle(s, be, o, out, opaque);
			json_object_put(o);
			if (!used)
				used = chunk;
		}
		buf += used;
		len -= used;
	}
}

static const char *const event_names[] = {
	[VM_EV_SHUTDOWN] = "SHUTDOWN",
	[VM_EV_RESET] = "RESET",
	[VM_EV_STOP] = "STOP",
	[VM_EV_RESUME] = "RESUME",
	[VM_EV_PANIC] = "GUEST_PANICKED",
};

char *qmp_event_text(const struct vm_event *ev, uint64_t ns)
{
	struct json_object *o, *ts, *data = NULL;
	const char *s;
	char *text;

	if ((unsigned)ev->type >= ARRAY_SIZE(event_names) || !event_names[ev->type])
		return NULL;
	o = json_object_new_object();
	ts = json_object_new_object();
	jadd(ts, "seconds", jint((int64_t)(ns / 1000000000u)));
	jadd(ts, "microseconds", jint((int64_t)(ns % 1000000000u / 1000u)));
	jadd(o, "timestamp", ts);
	jadd(o, "event", json_object_new_string(event_names[ev->type]));
	switch (ev->type) {
	case VM_EV_SHUTDOWN:
	case VM_EV_RESET:
		data = json_object_new_object();
		jadd(data, "guest", json_object_new_boolean(ev->guest));
		jadd(data, "reason", json_object_new_string(ev->reason ? ev->reason : "none"));
		break;
	case VM_EV_PANIC:
		/* QEMU's GuestPanicInformationHyperV: arg1..arg5 are the crash MSRs P0..P4. */
		data = json_object_new_object();
		jadd(data, "action", json_object_new_string("poweroff"));
		if (ev->has_hv_crash) {
			struct json_object *info = json_object_new_object();

			jadd(info, "type", json_object_new_string("hyper-v"));
			for (unsigned i = 0; i < 5; i++) {
				char k[8];

				snprintf(k, sizeof(k), "arg%u", i + 1);
				jadd(info, k, json_object_new_uint64(ev->hv_crash[i]));
			}
			jadd(data, "info", info);
		}
		break;
	default:
		break;
	}
	if (data)
		jadd(o, "data", data);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	text = malloc(strlen(s) + 3);
	if (text)
		sprintf(text, "%s\r\n", s);
	json_object_put(o);
	return text;
}
