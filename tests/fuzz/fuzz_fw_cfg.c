/* libFuzzer target: fw_cfg (vmm/dev/fw_cfg.c), port and DMA interfaces. Accesses as in
 * fuzz_ports.h on 0x510-0x51B; op 0xFF stores the next 16 bytes (a DMA descriptor) in the
 * fake RAM at one of a few places, including the last bytes of RAM and the ROM. */
#include "fuzz_ports.h"
#include "vmm/dev/fw_cfg.h"

static void hook(void *opaque, unsigned op)
{
	struct fuzz_in *in = opaque;
	static const uint64_t where[] = { 0x1000, 0x1ff8, FUZZ_RAM - 16, FUZZ_RAM - 8,
					  FUZZ_ROM_GPA, 0x2000 };
	struct fuzz_mem *m = fuzz_mem();
	uint8_t desc[16];

	if (op != 0xFF)
		return;
	for (unsigned i = 0; i < sizeof(desc); i++)
		desc[i] = (uint8_t)fuzz_take(in, 1);
	gm_write(&m->gm, where[desc[15] % ARRAY_SIZE(where)], desc, sizeof(desc));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t uuid[16] = { 1, 2, 3 };
	struct fuzz_mem *m = fuzz_mem();
	struct fuzz_in in = { data, size };
	struct fw_cfg *fc = calloc(1, sizeof(*fc));
	struct bus pio;
	static const char e820[40] = "e820 table";

	if (!fc)
		return 0;
	bus_init(&pio, "port");
	if (fw_cfg_init(fc, &(struct fw_cfg_config){ .gm = &m->gm, .uuid = uuid }) ||
	    fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, FUZZ_RAM) ||
	    fw_cfg_add_string(fc, FW_CFG_CMDLINE_DATA, "console=ttyS0") ||
	    fw_cfg_add_file(fc, "etc/e820", e820, sizeof(e820)) < 0 ||
	    fw_cfg_add_file_writable(fc, "etc/writable", e820, 16) < 0 ||
	    fw_cfg_register(fc, &pio))
		abort();
	bus_freeze(&pio);
	fuzz_bus_run(&pio, false, FW_CFG_PORT_SEL, 12, &in, hook, &in);
	fw_cfg_reset(fc);
	fw_cfg_destroy(fc);
	bus_destroy(&pio);
	free(fc);
	return 0;
}
