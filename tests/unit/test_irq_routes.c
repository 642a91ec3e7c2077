/* vmm/irq_routes.c: the one GSI routing table, appended to and committed as a whole. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "fake_kvm.h"
#include "vmm/irq_routes.h"
#include "vmm/kvm.h"

struct seen {
	unsigned nr;
	struct kvm_irq_routing_entry e[8];
};

static int record_routing(void *opaque, int fd, unsigned long req, void *arg)
{
	struct seen *s = opaque;
	const struct kvm_irq_routing *rt = arg;

	(void)fd;
	if (req != KVM_SET_GSI_ROUTING)
		return 0;
	s->nr = rt->nr;
	memcpy(s->e, rt->entries, (rt->nr < 8 ? rt->nr : 8) * sizeof(s->e[0]));
	return 0;
}

static struct kvm_irq_routing_entry chip(uint32_t gsi, uint32_t pin)
{
	return (struct kvm_irq_routing_entry){ .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
					       .u.irqchip = { KVM_IRQCHIP_IOAPIC, pin } };
}

static void test_append_and_commit_whole_table(void **state)
{
	struct irq_routes t = { 0 };
	struct kvm_irq_routing_entry sint = { .type = KVM_IRQ_ROUTING_HV_SINT,
					      .u.hv_sint = { .vcpu = 1, .sint = 2 } };
	struct seen s = { 0 };
	struct kvm_irq_routing_entry a = chip(1, 1), b = chip(24, 3);
	int gsi;

	(void)state;
	irq_routes_reset(&t, 24);
	assert_int_equal(irq_routes_add(&t, &a), 0);
	assert_int_equal(irq_routes_add(&t, &b), 0);
	gsi = irq_routes_alloc_gsi(&t);
	assert_int_equal(gsi, 25); /* 24 is taken */
	sint.gsi = (uint32_t)gsi;
	assert_int_equal(irq_routes_add(&t, &sint), 0);

	fake_kvm_reset(record_routing, &s);
	assert_int_equal(irq_routes_commit(&t, 7), 0);
	assert_int_equal(fake_kvm.ncalls, 1);
	assert_int_equal(fake_kvm.calls[0].fd, 7);
	assert_int_equal(s.nr, 3);
	assert_int_equal(s.e[0].gsi, 1);
	assert_int_equal(s.e[2].type, KVM_IRQ_ROUTING_HV_SINT);
	assert_int_equal(s.e[2].u.hv_sint.vcpu, 1);
	assert_int_equal(s.e[2].u.hv_sint.sint, 2);

	assert_int_equal(irq_routes_remove_gsi(&t, 25), 1);
	assert_int_equal(irq_routes_remove_gsi(&t, 25), 0);
	assert_int_equal(irq_routes_alloc_gsi(&t), 25);
	assert_int_equal(irq_routes_commit(&t, 7), 0);
	assert_int_equal(s.nr, 2);

	irq_routes_reset(&t, 24); /* a VM rebuild starts from scratch */
	assert_int_equal(t.n, 0);
	irq_routes_free(&t);
}

static void test_grows_and_caps(void **state)
{
	struct irq_routes t = { 0 };
	struct kvm_irq_routing_entry e = chip(0, 0);

	(void)state;
	irq_routes_reset(&t, 0);
	for (unsigned i = 0; i < IRQ_ROUTES_MAX; i++) {
		e.gsi = i;
		assert_int_equal(irq_routes_add(&t, &e), 0);
	}
	assert_int_equal(irq_routes_add(&t, &e), -ENOSPC);
	assert_int_equal(irq_routes_alloc_gsi(&t), -ENOSPC);
	irq_routes_free(&t);
}

static int fail_routing(void *opaque, int fd, unsigned long req, void *arg)
{
	(void)opaque, (void)fd, (void)req, (void)arg;
	return -EINVAL;
}

static void test_commit_error(void **state)
{
	struct irq_routes t = { 0 };

	(void)state;
	irq_routes_reset(&t, 24);
	fake_kvm_reset(fail_routing, NULL);
	assert_int_equal(irq_routes_commit(&t, 3), -EINVAL);
	irq_routes_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_commit_whole_table),
		cmocka_unit_test(test_grows_and_caps),
		cmocka_unit_test(test_commit_error),
	};

	return cmocka_run_group_tests_name("irq_routes", tests, NULL, NULL);
}
