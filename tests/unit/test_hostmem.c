/* -m against the host's RAM + swap (vmm/hostmem.c): /proc/meminfo parsing and the one-line
 * refusal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/hostmem.h"

static const char meminfo[] =
	"MemTotal:        8052892 kB\n"
	"MemFree:         1234567 kB\n"
	"MemAvailable:    4000000 kB\n"
	"SwapCached:            0 kB\n"
	"SwapTotal:       2097148 kB\n"
	"SwapFree:        2097148 kB\n";

static void test_parse(void **state)
{
	struct hostmem h;

	(void)state;
	assert_int_equal(hostmem_parse(meminfo, &h), 0);
	assert_int_equal(h.mem_total, 8052892ull * 1024);
	/* SwapCached and SwapFree must not be taken for SwapTotal */
	assert_int_equal(h.swap_total, 2097148ull * 1024);
}

static void test_parse_missing(void **state)
{
	struct hostmem h;

	(void)state;
	assert_int_equal(hostmem_parse("MemTotal: 1024 kB", &h), 0); /* no newline, no swap */
	assert_int_equal(h.mem_total, 1024ull * 1024);
	assert_int_equal(h.swap_total, 0);
	assert_int_equal(hostmem_parse("SwapTotal: 5 kB\n", &h), -EINVAL);
	assert_int_equal(hostmem_parse("MemTotal: lots kB\n", &h), -EINVAL);
	assert_int_equal(hostmem_parse("MemTotalX: 5 kB\n", &h), -EINVAL);
	assert_int_equal(hostmem_parse("", &h), -EINVAL);
	/* kB count whose byte value overflows 64 bits */
	assert_int_equal(hostmem_parse("MemTotal: 18446744073709551615 kB\n", &h), -EINVAL);
}

static void test_check(void **state)
{
	struct hostmem h = { 8ull << 30, 2ull << 30 };
	char err[512] = "";

	(void)state;
	/* RAM + swap is the ceiling, not the RAM alone (MAP_NORESERVE) */
	assert_int_equal(hostmem_check(10ull << 30, &h, err, sizeof(err)), 0);
	assert_int_equal(hostmem_check(9ull << 30, &h, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(hostmem_check((10ull << 30) + 4096, &h, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "-m 10240M: the host has 8192 MiB of RAM and 2048 MiB of swap"));
	assert_non_null(strstr(err, "use -m 10240M or less"));
	assert_null(strchr(err, '\n'));
}

static void test_read(void **state)
{
	struct hostmem h;

	(void)state;
	assert_int_equal(hostmem_read("/nonexistent/meminfo", &h), -ENOENT);
	/* the real file, where there is one */
	if (hostmem_read("/proc/meminfo", &h) == 0)
		assert_true(h.mem_total > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_missing),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests_name("hostmem", tests, NULL, NULL);
}
