/* enlight tsc: the host TSC frequency, the KVM capabilities that decide whether a requested
 * guest frequency can be honoured, and how (vmm/tsc_plan.c). --measure boots the pmtimer
 * payload and reports the TSC frequency the guest measures against the ACPI PM timer. Glue. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hyperv/hv_tsc.h"
#include "vmm/cpu_setup.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define PM_TIMER_HZ 3579545ull /* ACPI 6.4 §4.8.3.3 */

static const char tsc_usage[] =
	"usage: enlight tsc [-cpu MODEL,tsc-frequency=HZ,...] [--measure]\n"
	"Reports the host TSC frequency, the KVM capabilities involved and whether the requested\n"
	"frequency can be honoured; --measure boots the pmtimer payload and reports the TSC\n"
	"frequency the guest measures, with its error in ppm.\n";

/* "pmtimer: T ticks in C tsc cycles = F Hz" -> the guest TSC rate: C cycles took T PM ticks. */
static int measured_hz(const char *serial, uint64_t *hz)
{
	const char *p = serial ? strstr(serial, "pmtimer: ") : NULL;

	for (; p; p = strstr(p + 1, "pmtimer: ")) {
		unsigned long long ticks, cycles, f;

		if (sscanf(p, "pmtimer: %llu ticks in %llu tsc cycles = %llu Hz", &ticks, &cycles,
			   &f) == 3 && ticks) {
			*hz = (uint64_t)((unsigned __int128)cycles * PM_TIMER_HZ / ticks);
			return 0;
		}
	}
	return -ENOENT;
}

static int measure(char **args, int nargs, uint32_t khz)
{
	char append[64], *serial = NULL;
	uint64_t hz;
	int st;

	snprintf(append, sizeof(append), "tsc_khz=%u", khz);
	st = tool_run_guest(args, nargs, "pmtimer.elf", append, &serial);
	if (st < 0 || measured_hz(serial, &hz)) {
		fprintf(stderr, "enlight tsc --measure: the pmtimer guest gave no measurement (exit "
			"status %d)\n", st);
		free(serial);
		return EXIT_USAGE;
	}
	printf("guest-measured TSC frequency: %" PRIu64 " Hz (against the ACPI PM timer, 50 ms)\n",
	       hz);
	printf("error against the configured %u kHz: %+" PRId64 " ppm\n", khz,
	       tsc_error_ppm(hz, (uint64_t)khz * 1000));
	free(serial);
	return 0;
}

int tsc_tool_main(int argc, char **argv)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct vm_config cfg;
	char *args[64], *pargv[70], err[512];
	int nargs = 0, pargc = 0, r, status = 0;
	bool do_measure = false, invtsc;

	if (!vm)
		return EXIT_INTERNAL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--measure")) {
			do_measure = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(tsc_usage, stdout);
			free(vm);
			return 0;
		} else if (nargs < 60) {
			args[nargs++] = argv[i];
		}
	}
	pargv[pargc++] = ARG("enlight");
	for (int i = 0; i < nargs; i++)
		pargv[pargc++] = args[i];
	pargv[pargc++] = ARG("-kernel");
	pargv[pargc++] = ARG("/dev/null");
	if (cli_parse(pargc, pargv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "enlight: %s\n", err);
		free(vm);
		return EXIT_USAGE;
	}
	vm->cfg = &cfg;
	vm->vm_fd = -1;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		fprintf(stderr, "enlight tsc: cannot open /dev/kvm: %s. The TSC frequency and the "
			"scaling capabilities come from KVM: run on a host with /dev/kvm\n",
			strerror(errno));
		cli_free(&cfg);
		free(vm);
		return EXIT_USAGE;
	}
	r = kvm_caps_probe(vm->kvm_fd, &vm->caps);
	vm->host_cpuid = calloc(1, sizeof(*vm->host_cpuid));
	if (!r)
		r = vm->host_cpuid ? cpu_host_cpuid(vm->kvm_fd, vm->host_cpuid) : -ENOMEM;
	if (r) {
		fprintf(stderr, "enlight tsc: probing KVM: %s\n", strerror(-r));
		status = EXIT_INTERNAL;
		goto out;
	}
	invtsc = cpuid_reg(vm->host_cpuid, 0x80000007, 0, CPU_EDX) & (1u << 8);
	printf("host TSC frequency (KVM_GET_TSC_KHZ of a new vCPU): %u kHz\n",
	       cpu_host_tsc_khz(vm->kvm_fd));
	printf("KVM_CAP_GET_TSC_KHZ:    %s\n", kvm_has(&vm->caps, KC_GET_TSC_KHZ) ? "yes" : "no");
	printf("KVM_CAP_TSC_CONTROL:    %s (per-vCPU TSC scaling)\n",
	       kvm_has(&vm->caps, KC_TSC_CONTROL) ? "yes" : "no");
	printf("KVM_CAP_VM_TSC_CONTROL: %s (VM-wide TSC scaling)\n",
	       kvm_has(&vm->caps, KC_VM_TSC_CONTROL) ? "yes" : "no");
	printf("invtsc (CPUID.80000007H:EDX[8] in KVM_GET_SUPPORTED_CPUID): %s\n",
	       invtsc ? "yes" : "no: -cpu ...,+invtsc is dropped (refused with enforce)");
	r = cpu_setup_vm(vm, true);
	if (!r)
		r = cpu_setup_tsc(vm, cpu_host_tsc_khz(vm->kvm_fd));
	if (vm->cpu)
		printf("without scaling KVM accepts %u..%u kHz (host +-%d ppm)\n", vm->cpu->tsc.lo,
		       vm->cpu->tsc.hi, KVM_TSC_TOLERANCE_PPM);
	if (vm->cpu && vm->cpu->cfg.tsc_hz)
		printf("requested: tsc-frequency=%" PRIu64 " Hz\n", vm->cpu->cfg.tsc_hz);
	else if (vm->cpu)
		printf("requested: nothing (the guest runs at the host rate)\n");
	if (r) {
		printf("result: refused (see the error above); nothing would start\n");
		status = EXIT_USAGE;
		goto out;
	}
	printf("result: honoured: %u kHz, %s\n", vm->cpu->tsc.khz,
	       tsc_method_text(vm->cpu->tsc.method));
	printf("exposed as: HV_X64_MSR_TSC_FREQUENCY %" PRIu64 " Hz (hv-frequencies), reference TSC "
	       "page scale 0x%016" PRIx64 ", leaf 0x40000010 EAX %s\n",
	       (uint64_t)vm->cpu->tsc.khz * 1000, hv_tsc_scale((uint64_t)vm->cpu->tsc.khz * 1000),
	       cpuid_find(&vm->cpu->base, 0x40000010, 0) ? "shown" :
	       "not shown (needs invtsc or tsc-frequency, kvm=on, no Hyper-V)");
	if (do_measure)
		status = measure(args, nargs, vm->cpu->tsc.khz);
out:
	cpu_setup_destroy(vm);
	free(vm->host_cpuid);
	close(vm->kvm_fd);
	cli_free(&cfg);
	free(vm);
	return status;
}
