/* SMBIOS builder: the 3.0 entry point (anchor, checksum, size, address), every structure's
 * header and string set, type 1 overrides and UUID byte order, one type 4 per socket, the
 * memory structures for RAM split around the PCI hole. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "acpi/acpi_build.h"
#include "acpi/smbios.h"

static const uint8_t test_uuid[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
				       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

/* Returns the offset of the n-th structure of this type, or -1; counts all in *count. */
static long find_type(const struct smbios_tables *t, uint8_t type, unsigned nth, unsigned *count)
{
	const uint8_t *p = t->table.p;
	size_t len = t->table.len, off = 0;
	long found = -1;
	unsigned seen = 0, n = 0;

	while (off < len) {
		long next = smbios_next(p, len, off);

		assert_true(next > 0);
		if (p[off] == type && seen++ == nth)
			found = (long)off;
		n++;
		if (p[off] == SMBIOS_TYPE_END) {
			assert_int_equal((size_t)next, len); /* type 127 is last */
			break;
		}
		off = (size_t)next;
	}
	if (count)
		*count = n;
	return found;
}

/* String number idx (1-based) of the structure at off. */
static const char *str_of(const struct smbios_tables *t, long off, uint8_t idx)
{
	const char *s = (const char *)t->table.p + off + t->table.p[off + 1];

	assert_true(idx > 0);
	while (--idx)
		s += strlen(s) + 1;
	return s;
}

static void test_entry_point(void **state)
{
	struct smbios_config cfg = { .sockets = 1, .cores = 2, .threads = 1, .ncpus = 2,
				     .ram_below_4g = 64 << 20 };
	struct smbios_tables t;
	unsigned n;

	(void)state;
	memcpy(cfg.uuid, test_uuid, 16);
	assert_int_equal(smbios_build(&cfg, 0xF0100, &t), 0);
	assert_memory_equal(t.anchor, "_SM3_", 5);
	assert_int_equal(t.anchor[6], 24);
	assert_int_equal(t.anchor[7], 3);
	assert_int_equal(acpi_sum(t.anchor, 24), 0);
	assert_int_equal(le32_get(t.anchor + SMBIOS3_EP_MAX_SIZE), t.table.len);
	assert_int_equal(le64_get(t.anchor + SMBIOS3_EP_TABLE_ADDR), 0xF0100);
	find_type(&t, SMBIOS_TYPE_END, 0, &n);
	assert_int_equal(n, t.count);
	/* 0, 1, 3, 4, 16, 17, 19, 32, 127 */
	assert_int_equal(n, 9);
	static const uint8_t types[] = { 0, 1, 3, 4, 16, 17, 19, 32, 127 };
	for (unsigned i = 0; i < sizeof(types); i++)
		assert_true(find_type(&t, types[i], 0, NULL) >= 0);
	smbios_free(&t);
}

static void test_type1(void **state)
{
	struct smbios_config cfg = { .sockets = 1, .cores = 1, .threads = 1, .ncpus = 1,
				     .ram_below_4g = 64 << 20, .manufacturer = "ACME",
				     .product = "Box", .serial = "42" };
	static const uint8_t wire[16] = { 0x67, 0x45, 0x23, 0x01, 0xab, 0x89, 0xef, 0xcd,
					  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	struct smbios_tables t;
	long o;

	(void)state;
	memcpy(cfg.uuid, test_uuid, 16);
	assert_int_equal(smbios_build(&cfg, 0, &t), 0);
	o = find_type(&t, SMBIOS_TYPE_SYSTEM, 0, NULL);
	assert_true(o >= 0);
	assert_int_equal(t.table.p[o + 1], 0x1B);
	assert_string_equal(str_of(&t, o, t.table.p[o + 4]), "ACME");
	assert_string_equal(str_of(&t, o, t.table.p[o + 5]), "Box");
	assert_string_equal(str_of(&t, o, t.table.p[o + 7]), "42");
	assert_memory_equal(t.table.p + o + 8, wire, 16);
	assert_int_equal(le64_get(t.anchor + SMBIOS3_EP_TABLE_ADDR), 0);
	smbios_free(&t);

	cfg.serial = "0123456789012345678901234567890123456789012345678901234567890123456789";
	assert_int_equal(smbios_build(&cfg, 0, &t), -EINVAL);
	smbios_free(&t);
}

static void test_sockets_and_memory(void **state)
{
	/* 2 sockets x 2 cores x 2 threads, 6 vCPUs present; 3 GiB of RAM: 2 GiB below 4 GiB. */
	struct smbios_config cfg = { .sockets = 2, .cores = 2, .threads = 2, .ncpus = 6,
				     .ram_below_4g = 2ull << 30, .ram_above_4g = 1ull << 30 };
	struct smbios_tables t;
	long s0, s1, m0, m1, d;

	(void)state;
	assert_int_equal(smbios_build(&cfg, 0, &t), 0);
	s0 = find_type(&t, SMBIOS_TYPE_PROCESSOR, 0, NULL);
	s1 = find_type(&t, SMBIOS_TYPE_PROCESSOR, 1, NULL);
	assert_true(s0 >= 0 && s1 >= 0);
	assert_int_equal(find_type(&t, SMBIOS_TYPE_PROCESSOR, 2, NULL), -1);
	assert_int_equal(t.table.p[s0 + 0x23], 2); /* cores */
	assert_int_equal(t.table.p[s0 + 0x25], 4); /* threads */
	assert_int_equal(t.table.p[s0 + 0x24], 2); /* enabled cores */
	assert_int_equal(t.table.p[s1 + 0x24], 1); /* 2 of 4 threads present */
	assert_string_equal(str_of(&t, s1, t.table.p[s1 + 4]), "CPU 1");
	m0 = find_type(&t, SMBIOS_TYPE_MEM_ARRAY_MAPPED, 0, NULL);
	m1 = find_type(&t, SMBIOS_TYPE_MEM_ARRAY_MAPPED, 1, NULL);
	assert_int_equal(le32_get(t.table.p + m0 + 4), 0);
	assert_int_equal(le32_get(t.table.p + m0 + 8), (2u << 20) - 1); /* KiB */
	assert_int_equal(le32_get(t.table.p + m1 + 4), 4u << 20);
	assert_int_equal(le32_get(t.table.p + m1 + 8), (5u << 20) - 1);
	d = find_type(&t, SMBIOS_TYPE_MEM_DEVICE, 0, NULL);
	assert_int_equal(le16_get(t.table.p + d + 0x0C), 3072); /* MiB */
	assert_int_equal(t.count, 11);
	smbios_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_point),
		cmocka_unit_test(test_type1),
		cmocka_unit_test(test_sockets_and_memory),
	};

	return cmocka_run_group_tests_name("smbios", tests, NULL, NULL);
}
