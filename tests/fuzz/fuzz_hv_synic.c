/* libFuzzer target: the userspace backend's SynIC and synthetic timers (hyperv/hv_synic.h,
 * hyperv/hv_stimer.h) over the fake 32 MiB RAM + ROM. Input: operations of 20 bytes: an
 * opcode byte, a SINT/timer/flag selector (2 bytes), a value (8 bytes), a time step (4
 * bytes), 5 bytes of message header/payload seed. The guest side (SIMP/SIEFP/SINTx/SCONTROL
 * writes, freeing a slot, EOM, scribbling on the message page) is interleaved with the
 * host side (post, try-deliver, set-event, timer expiry). Checked: interrupts only with a
 * vector >= 16 to this VP, the queue never over-fills, a message slot that the host filled
 * has a type and a payload size <= 240, and an armed timer's next expiry is in the future
 * after it ran. */
#include "fuzz.h"
#include "hyperv/hv_stimer.h"
#include "hyperv/hv_synic.h"

#define VP_INDEX 3

static int deliver(void *opaque, uint32_t vp_index, uint8_t vector, bool auto_eoi)
{
	unsigned *n = opaque;

	(void)auto_eoi;
	if (vp_index != VP_INDEX || vector < HV_SINT_MIN_VECTOR)
		abort();
	(*n)++;
	return 0;
}

/* A page-aligned GPA in RAM, in the ROM or outside both, with the enable bit from v. */
static uint64_t page_msr(uint64_t v)
{
	static const uint64_t where[] = { 0x100000, 0x1000, FUZZ_RAM - 4096, FUZZ_ROM_GPA,
					  FUZZ_RAM, 0xFEE00000 };

	return where[(v >> 1) % ARRAY_SIZE(where)] | (v & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_mem *m = fuzz_mem();
	struct fuzz_in in = { data, size };
	unsigned irqs = 0;
	struct hv_irq_ops irq = { deliver, &irqs };
	struct hv_msr_vp vp;
	struct hv_synic_queue q;
	uint64_t now = 1;

	hv_msr_vp_init(&vp, VP_INDEX);
	hv_synic_queue_init(&q);
	while (fuzz_more(&in)) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned sel = (unsigned)fuzz_take(&in, 2);
		uint64_t val = fuzz_take(&in, 8);
		uint64_t step = fuzz_take(&in, 4);
		uint64_t seed = fuzz_take(&in, 5);
		unsigned sint = sel % (HV_SINT_COUNT + 1); /* one past the end on purpose */
		struct hv_stimer *t = &vp.stimer[sel % HV_STIMER_COUNT];
		struct hv_message msg = { .type = (uint32_t)seed, .payload_size = (uint8_t)(seed >> 32),
					  .sender = val };
		uint8_t *slot;

		now += step;
		memset(msg.payload, (int)(seed >> 8), sizeof(msg.payload));
		switch (op % 16) {
		case 0:
			vp.scontrol = val & 1;
			break;
		case 1:
			vp.simp = page_msr(val);
			break;
		case 2:
			vp.siefp = page_msr(val);
			break;
		case 3:
			if (sint < HV_SINT_COUNT)
				vp.sint[sint] = val & (HV_SINT_VECTOR_MASK | HV_SINT_MASKED |
						       HV_SINT_AUTO_EOI | HV_SINT_POLLING);
			break;
		case 4:
			if (msg.payload_size > HV_MESSAGE_PAYLOAD_SIZE)
				msg.payload_size = HV_MESSAGE_PAYLOAD_SIZE;
			hv_synic_post(&vp, &q, &m->gm, sint, &msg, &irq);
			break;
		case 5:
			if (msg.payload_size > HV_MESSAGE_PAYLOAD_SIZE)
				msg.payload_size = HV_MESSAGE_PAYLOAD_SIZE;
			hv_synic_try_deliver(&vp, &m->gm, sint, &msg, val & 1, &irq);
			break;
		case 6: /* the guest frees the slot, then EOM */
			slot = gm_ptr_rw(&m->gm, (vp.simp & ~0xFFFull) + sint % HV_SINT_COUNT *
					 HV_MESSAGE_SIZE, HV_MESSAGE_SIZE);
			if (slot)
				memset(slot, 0, 4);
			__attribute__((fallthrough)); /* then EOM */
		case 7:
			hv_synic_redeliver(&vp, &q, &m->gm, now, &irq);
			break;
		case 8:
			hv_synic_set_event(&vp, &m->gm, sint, (unsigned)(val % 2050), &irq);
			break;
		case 9:
			hv_stimer_write_config(t, val, seed & 1, now);
			break;
		case 10:
			hv_stimer_write_count(t, val % 100000000, now);
			break;
		case 11: {
			uint64_t next = hv_synic_run_stimers(&vp, &m->gm, now, &irq);

			if (next != HV_STIMER_NEVER && next <= now)
				abort();
			break;
		}
		case 12: /* the guest scribbles on its message page */
			slot = gm_ptr_rw(&m->gm, vp.simp & ~0xFFFull, 4096);
			if (slot)
				memcpy(slot + sel % 4089, &val, 8);
			break;
		case 13:
			hv_synic_queue_init(&q);
			hv_msr_vp_init(&vp, VP_INDEX); /* a system reset */
			break;
		default:
			hv_synic_raise(&vp, sint, &irq);
			break;
		}
		for (unsigned s = 0; s < HV_SINT_COUNT; s++)
			if (q.count[s] > HV_SYNIC_QUEUE_LEN || q.head[s] >= HV_SYNIC_QUEUE_LEN)
				abort();
	}
	return 0;
}
