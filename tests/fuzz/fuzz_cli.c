/* libFuzzer target: the command line (vmm/cli.c) including the -cpu hv-* parser
 * (hyperv/hv_features.c). The input is argv: arguments separated by NUL bytes. */
#include <stdio.h>

#include "fuzz.h"
#include "vmm/config.h"

#define FUZZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[FUZZ_MAX_ARGS + 2];
	struct vm_config cfg;
	char err[512];
	int argc = 1;

	if (!buf)
		return 0;
	log_quiet = true;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "enlight";
	for (size_t i = 0; i <= size && argc <= FUZZ_MAX_ARGS; ) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	cli_parse(argc, argv, &cfg, err, sizeof(err));
	/* The message is NUL-terminated inside err. */
	if (memchr(err, 0, sizeof(err)) == NULL)
		abort();
	cli_free(&cfg);
	free(buf);
	return 0;
}
