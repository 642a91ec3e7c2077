/* QMP command handling (vmm/qmp_cmd.c): greeting, negotiation, every command against a fake
 * machine, QEMU's error replies for malformed input, split and batched input, event texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "vmm/log.h"
#include "vmm/qmp_cmd.h"
#include "vmm/vm.h"

#define MAX_OUT 16

struct fixture {
	struct qmp_session s;
	struct qmp_backend be;
	struct hv_config hv;
	char *out[MAX_OUT];
	unsigned nout;
	const char *state;
	unsigned stops, conts, resets, powerdowns, quits;
};

static void out_fn(void *opaque, const char *text, size_t len)
{
	struct fixture *f = opaque;

	assert_true(len >= 2);
	assert_memory_equal(text + len - 2, "\r\n", 2);
	assert_int_equal(strlen(text), len);
	assert_true(f->nout < MAX_OUT);
	f->out[f->nout++] = strndup(text, len);
}

static const char *run_state(void *opaque)
{
	return ((struct fixture *)opaque)->state;
}

static int cpu(void *opaque, unsigned i, struct qmp_cpu *o)
{
	(void)opaque;
	/* two sockets of two cores */
	*o = (struct qmp_cpu){ .thread_id = 1000 + (int)i, .socket = i / 2, .core = i % 2 };
	return 0;
}

#define COUNTER(name) \
	static void name(void *opaque) { ((struct fixture *)opaque)->name##s++; }
COUNTER(stop)
COUNTER(cont)
COUNTER(reset)
COUNTER(powerdown)
COUNTER(quit)
#undef COUNTER

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_int_equal(qmp_session_init(&f->s), 0);
	hv_config_init(&f->hv);
	f->state = "running";
	f->be = (struct qmp_backend){
		.opaque = f, .ncpus = 4, .version = { 0, 1, 0 }, .package = "enlight",
		.hv = &f->hv, .hv_backend = HV_BACKEND_USER, .run_state = run_state, .cpu = cpu,
		.stop = stop, .cont = cont, .system_reset = reset,
		.system_powerdown = powerdown, .quit = quit,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < f->nout; i++)
		free(f->out[i]);
	qmp_session_free(&f->s);
	free(f);
	return 0;
}

static void feed(struct fixture *f, const char *text)
{
	qmp_feed(&f->s, &f->be, text, strlen(text), out_fn, f);
}

/* The n-th output parsed; the caller puts it. */
static struct json_object *reply(struct fixture *f, unsigned n)
{
	struct json_object *o;

	assert_true(n < f->nout);
	o = json_tokener_parse(f->out[n]);
	assert_non_null(o);
	return o;
}

static const char *path_str(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x;

	assert_true(json_object_object_get_ex(o, a, &x));
	if (b)
		assert_true(json_object_object_get_ex(x, b, &x));
	return json_object_get_string(x);
}

static void assert_error(struct fixture *f, unsigned n, const char *cls, const char *desc)
{
	struct json_object *o = reply(f, n);

	assert_string_equal(path_str(o, "error", "class"), cls);
	if (desc)
		assert_string_equal(path_str(o, "error", "desc"), desc);
	json_object_put(o);
}

static void assert_empty_return(struct fixture *f, unsigned n)
{
	struct json_object *o = reply(f, n), *r;

	assert_true(json_object_object_get_ex(o, "return", &r));
	assert_true(json_object_is_type(r, json_type_object));
	assert_int_equal(json_object_object_length(r), 0);
	json_object_put(o);
}

static void negotiate(struct fixture *f)
{
	feed(f, "{\"execute\": \"qmp_capabilities\"}\r\n");
	assert_int_equal(f->nout, 1);
	assert_empty_return(f, 0);
	free(f->out[0]);
	f->nout = 0;
}

static void test_greeting(void **state)
{
	struct fixture *f = *state;
	struct json_object *o, *q, *caps;

	qmp_greeting(&f->be, out_fn, f);
	o = reply(f, 0);
	assert_true(json_object_object_get_ex(o, "QMP", &q));
	assert_true(json_object_object_get_ex(q, "capabilities", &caps));
	assert_int_equal(json_object_array_length(caps), 0);
	assert_string_equal(path_str(q, "version", "package"), "enlight");
	json_object_put(o);
}

static void test_commands_need_negotiation(void **state)
{
	struct fixture *f = *state;

	feed(f, "{\"execute\": \"query-status\"}");
	assert_error(f, 0, "CommandNotFound",
		     "Expecting capabilities negotiation with 'qmp_capabilities'");
	feed(f, "{\"execute\": \"stop\"}");
	assert_int_equal(f->stops, 0);
	feed(f, "{\"execute\": \"qmp_capabilities\", \"id\": 7}");
	{
		struct json_object *o = reply(f, 2), *id;

		assert_true(json_object_object_get_ex(o, "id", &id));
		assert_int_equal(json_object_get_int(id), 7);
		json_object_put(o);
	}
	feed(f, "{\"execute\": \"qmp_capabilities\"}");
	assert_error(f, 3, "CommandNotFound",
		     "Capabilities negotiation is already complete, command ignored");
}

static void test_query_status(void **state)
{
	struct fixture *f = *state;
	struct json_object *o, *r, *x;

	negotiate(f);
	feed(f, "{\"execute\": \"query-status\"}");
	f->state = "paused";
	feed(f, "{\"execute\": \"query-status\"}");
	o = reply(f, 0);
	assert_true(json_object_object_get_ex(o, "return", &r));
	assert_true(json_object_object_get_ex(r, "running", &x));
	assert_true(json_object_get_boolean(x));
	assert_true(json_object_object_get_ex(r, "singlestep", &x));
	assert_false(json_object_get_boolean(x));
	assert_string_equal(path_str(r, "status", NULL), "running");
	json_object_put(o);
	o = reply(f, 1);
	assert_true(json_object_object_get_ex(o, "return", &r));
	assert_true(json_object_object_get_ex(r, "running", &x));
	assert_false(json_object_get_boolean(x));
	assert_string_equal(path_str(r, "status", NULL), "paused");
	json_object_put(o);
}

static void test_query_cpus_fast(void **state)
{
	struct fixture *f = *state;
	struct json_object *o, *r, *c, *x;

	negotiate(f);
	feed(f, "{\"execute\": \"query-cpus-fast\"}");
	o = reply(f, 0);
	assert_true(json_object_object_get_ex(o, "return", &r));
	assert_int_equal(json_object_array_length(r), 4);
	c = json_object_array_get_idx(r, 3);
	assert_true(json_object_object_get_ex(c, "cpu-index", &x));
	assert_int_equal(json_object_get_int(x), 3);
	assert_true(json_object_object_get_ex(c, "thread-id", &x));
	assert_int_equal(json_object_get_int(x), 1003);
	assert_string_equal(path_str(c, "qom-path", NULL), "/machine/unattached/device[3]");
	assert_string_equal(path_str(c, "target", NULL), "x86_64");
	assert_string_equal(path_str(c, "props", "socket-id"), "1");
	assert_string_equal(path_str(c, "props", "core-id"), "1");
	assert_string_equal(path_str(c, "props", "thread-id"), "0");
	assert_true(json_object_object_get_ex(c, "props", &x));
	assert_false(json_object_object_get_ex(x, "die-id", NULL));
	json_object_put(o);
}

static void test_query_version_kvm(void **state)
{
	struct fixture *f = *state;
	struct json_object *o;

	negotiate(f);
	feed(f, "{\"execute\": \"query-version\"} {\"execute\": \"query-kvm\"}");
	assert_int_equal(f->nout, 2);
	o = reply(f, 0);
	assert_string_equal(path_str(o, "return", "package"), "enlight");
	json_object_put(o);
	o = reply(f, 1);
	assert_string_equal(path_str(o, "return", "enabled"), "true");
	assert_string_equal(path_str(o, "return", "present"), "true");
	json_object_put(o);
}

static void test_query_hyperv(void **state)
{
	struct fixture *f = *state;
	struct json_object *o, *r, *feats, *leaves, *l0, *x;
	char err[128];

	negotiate(f);
	feed(f, "{\"execute\": \"query-hyperv\"}");
	o = reply(f, 0);
	assert_string_equal(path_str(o, "return", "enabled"), "false");
	assert_string_equal(path_str(o, "return", "backend"), "none");
	json_object_put(o);

	assert_int_equal(hv_config_set(&f->hv, "hv-relaxed", NULL, err, sizeof(err)), 0);
	assert_int_equal(hv_config_set(&f->hv, "hv-vpindex", NULL, err, sizeof(err)), 0);
	assert_int_equal(hv_config_set(&f->hv, "hv-spinlocks", "0x1fff", err, sizeof(err)), 0);
	feed(f, "{\"execute\": \"query-hyperv\"}");
	o = reply(f, 1);
	assert_true(json_object_object_get_ex(o, "return", &r));
	assert_string_equal(path_str(r, "backend", NULL), "user");
	assert_string_equal(path_str(r, "vendor-id", NULL), f->hv.vendor_id);
	assert_string_equal(path_str(r, "spinlocks", NULL), "8191");
	assert_true(json_object_object_get_ex(r, "features", &feats));
	assert_int_equal(json_object_array_length(feats), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(feats, 0)),
			    "hv-relaxed");
	assert_true(json_object_object_get_ex(r, "cpuid", &leaves));
	assert_true(json_object_array_length(leaves) >= 5);
	l0 = json_object_array_get_idx(leaves, 0);
	assert_true(json_object_object_get_ex(l0, "function", &x));
	assert_int_equal(json_object_get_int64(x), 0x40000000);
	json_object_put(o);
}

static void test_actions(void **state)
{
	struct fixture *f = *state;
	static const char *const cmds[] = { "stop", "cont", "system_reset", "system_powerdown",
					    "quit" };

	negotiate(f);
	for (unsigned i = 0; i < ARRAY_SIZE(cmds); i++) {
		char buf[64];

		snprintf(buf, sizeof(buf), "{\"execute\": \"%s\"}", cmds[i]);
		feed(f, buf);
		assert_empty_return(f, i);
	}
	assert_int_equal(f->stops + f->conts + f->resets + f->powerdowns + f->quits, 5);
	assert_int_equal(f->quits, 1);
	feed(f, "{\"execute\": \"stop\", \"arguments\": {\"now\": true}}");
	assert_error(f, 5, "GenericError", "Parameter 'now' is unexpected");
	assert_int_equal(f->stops, 1);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;

	negotiate(f);
	feed(f, "{\"execute\": \"no-such-command\", \"id\": \"x\"}");
	assert_error(f, 0, "CommandNotFound", "The command no-such-command has not been found");
	feed(f, "[1, 2]\n");
	assert_error(f, 1, "GenericError", "QMP input must be a JSON object");
	feed(f, "{\"arguments\": {}}");
	assert_error(f, 2, "GenericError", "QMP input lacks member 'execute'");
	feed(f, "{\"execute\": 3}");
	assert_error(f, 3, "GenericError", "QMP input member 'execute' must be a string");
	feed(f, "{\"execute\": \"stop\", \"bogus\": 1}");
	assert_error(f, 4, "GenericError", "QMP input member 'bogus' is unexpected");
	feed(f, "{\"execute\": \"stop\", \"arguments\": []}");
	assert_error(f, 5, "GenericError", "QMP input member 'arguments' must be an object");
	/* a syntax error, then the session goes on with the next line */
	feed(f, "{\"execute\": ]\n{\"execute\": \"query-kvm\"}\n");
	assert_int_equal(f->nout, 8);
	assert_error(f, 6, "GenericError", NULL);
	assert_true(strstr(f->out[6], "JSON parse error") != NULL);
	{
		struct json_object *o = reply(f, 7);

		assert_string_equal(path_str(o, "return", "present"), "true");
		json_object_put(o);
	}
	assert_int_equal(f->stops, 0);
}

static void test_split_input(void **state)
{
	struct fixture *f = *state;
	const char *cmd = "{\"execute\": \"qmp_capabilities\"}{\"execute\": \"query-kvm\"}";

	for (size_t i = 0; cmd[i]; i++)
		qmp_feed(&f->s, &f->be, cmd + i, 1, out_fn, f);
	assert_int_equal(f->nout, 2);
	assert_empty_return(f, 0);
}

static void test_input_too_long(void **state)
{
	struct fixture *f = *state;
	size_t n = (1u << 20) + 16;
	char *big = malloc(n + 1);

	big[0] = '"';
	memset(big + 1, 'a', n - 1);
	big[n] = '\0';
	negotiate(f);
	feed(f, big);
	free(big);
	assert_int_equal(f->nout, 1);
	assert_error(f, 0, "GenericError", "JSON parse error, input too long");
	feed(f, "{\"execute\": \"query-kvm\"}");
	assert_int_equal(f->nout, 2);
}

static void check_event(const struct vm_event *ev, const char *name, const char *want_data)
{
	char *t = qmp_event_text(ev, 1700000000123456789ull);
	struct json_object *o, *d;

	assert_non_null(t);
	o = json_tokener_parse(t);
	assert_non_null(o);
	assert_string_equal(path_str(o, "event", NULL), name);
	assert_string_equal(path_str(o, "timestamp", "seconds"), "1700000000");
	assert_string_equal(path_str(o, "timestamp", "microseconds"), "123456");
	if (want_data) {
		assert_true(json_object_object_get_ex(o, "data", &d));
		assert_string_equal(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN),
				    want_data);
	} else {
		assert_false(json_object_object_get_ex(o, "data", NULL));
	}
	json_object_put(o);
	free(t);
}

static void test_events(void **state)
{
	struct vm_event ev = { .type = VM_EV_SHUTDOWN, .guest = true, .reason = "guest-shutdown" };

	(void)state;
	check_event(&ev, "SHUTDOWN", "{\"guest\":true,\"reason\":\"guest-shutdown\"}");
	ev = (struct vm_event){ .type = VM_EV_RESET, .reason = "host-qmp-system-reset" };
	check_event(&ev, "RESET", "{\"guest\":false,\"reason\":\"host-qmp-system-reset\"}");
	ev = (struct vm_event){ .type = VM_EV_STOP };
	check_event(&ev, "STOP", NULL);
	ev = (struct vm_event){ .type = VM_EV_RESUME };
	check_event(&ev, "RESUME", NULL);
	ev = (struct vm_event){ .type = VM_EV_PANIC };
	check_event(&ev, "GUEST_PANICKED", "{\"action\":\"poweroff\"}");
	ev = (struct vm_event){ .type = VM_EV_PANIC, .has_hv_crash = true,
				.hv_crash = { 1, 2, 3, 4, 0xffffffffffffffffull } };
	check_event(&ev, "GUEST_PANICKED",
		    "{\"action\":\"poweroff\",\"info\":{\"type\":\"hyper-v\",\"arg1\":1,\"arg2\":2,"
		    "\"arg3\":3,\"arg4\":4,\"arg5\":18446744073709551615}}");
	ev.type = (enum vm_event_type)99;
	assert_null(qmp_event_text(&ev, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_greeting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands_need_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_cpus_fast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_version_kvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_hyperv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_too_long, setup, teardown),
		cmocka_unit_test(test_events),
	};

	return cmocka_run_group_tests_name("qmp_cmd", tests, NULL, NULL);
}
