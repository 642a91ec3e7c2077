/* libFuzzer target: QMP input (vmm/qmp_cmd.c): the greeting, then the input as received
 * bytes, split into chunks at every byte 0x00 (so texts arrive in any split), through
 * qmp_feed with a fake machine. Checked: every reply or event is one JSON object ending in
 * "\r\n" that json-c parses back, with exactly one of "return", "error", "event" or "QMP". */
#include <json-c/json.h>

#include "fuzz.h"
#include "vmm/qmp_cmd.h"

struct fake_vm {
	bool paused;
	unsigned resets, powerdowns, quits;
};

static const char *fake_run_state(void *opaque)
{
	const struct fake_vm *f = opaque;

	return f->paused ? "paused" : "running";
}

static int fake_cpu(void *opaque, unsigned index, struct qmp_cpu *out)
{
	(void)opaque;
	*out = (struct qmp_cpu){ .thread_id = (int)(1000 + index), .socket = index / 2,
				 .core = index % 2 };
	return 0;
}

static void fake_stop(void *opaque)
{
	((struct fake_vm *)opaque)->paused = true;
}

static void fake_cont(void *opaque)
{
	((struct fake_vm *)opaque)->paused = false;
}

static void fake_reset(void *opaque)
{
	((struct fake_vm *)opaque)->resets++;
}

static void fake_powerdown(void *opaque)
{
	((struct fake_vm *)opaque)->powerdowns++;
}

static void fake_quit(void *opaque)
{
	((struct fake_vm *)opaque)->quits++;
}

static void check_out(void *opaque, const char *text, size_t len)
{
	static const char *const keys[] = { "return", "error", "event", "QMP" };
	struct json_object *o, *v;
	unsigned found = 0;
	char *copy;

	(void)opaque;
	if (len < 4 || text[len - 2] != '\r' || text[len - 1] != '\n' || memchr(text, 0, len))
		abort();
	copy = strndup(text, len);
	if (!copy)
		abort();
	o = json_tokener_parse(copy);
	free(copy);
	if (!o || !json_object_is_type(o, json_type_object))
		abort();
	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++)
		found += json_object_object_get_ex(o, keys[i], &v);
	if (found != 1)
		abort();
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_vm f = { 0 };
	struct hv_config hv;
	struct qmp_backend be = {
		.opaque = &f, .ncpus = 4, .has_dies = size & 1, .version = { 0, 1, 0 },
		.package = "enlight", .hv = (size & 2) ? &hv : NULL,
		.run_state = fake_run_state, .cpu = fake_cpu, .stop = fake_stop, .cont = fake_cont,
		.system_reset = fake_reset, .system_powerdown = fake_powerdown, .quit = fake_quit,
	};
	struct qmp_session s;
	size_t start = 0;

	memset(&hv, 0, sizeof(hv));
	hv.features = size * 0x9E3779B97F4A7C15ull; /* any feature set for query-hyperv */
	log_quiet = true;
	if (qmp_session_init(&s))
		abort();
	qmp_greeting(&be, check_out, NULL);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i])
			continue;
		qmp_feed(&s, &be, (const char *)data + start, i - start, check_out, NULL);
		start = i + 1;
	}
	qmp_session_free(&s);
	return 0;
}
