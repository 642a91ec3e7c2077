/* /init of the tests/linux guest: reports what the kernel made of the Hyper-V it was given,
 * one "LINUX-<WHAT> ..." line per fact on the console, then restarts the machine (run.sh
 * passes -no-reboot, so enlight exits with status 0; without ACPI tables Linux has no
 * power-off method, and a reset needs none: it falls back to the i8042 pulse and a triple
 * fault).
 *
 * Built with the kernel's nolibc (tools/include/nolibc, pulled in by build-kernel.sh with
 * -include), so there is no #include here and the binary is a few KB. */

/* reboot(2) commands (include/uapi/linux/reboot.h) */
#define INIT_REBOOT_RESTART 0x01234567

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Kernel log records worth reporting (a substring match on the message text). */
static const char *const kmsg_patterns[] = {
	"Hypervisor detected",
	"Hyper-V",
	"hyperv",
	"hv_",
	"clocksource",
	"clockevent",
	"x2apic",
	"TLB flush",
	"IPI",
	"smpboot",
	"Brought up",
	"tsc:",
};

/* /proc/interrupts rows the Hyper-V code registers (arch/x86/kernel/irq.c arch_show_interrupts:
 * HYP = hypervisor callback vector, HRE = reenlightenment, HVS = stimer0 direct mode). */
static const char *const irq_patterns[] = { "HYP:", "HRE:", "HVS:", "LOC:", "CAL:", "TLB:" };

struct init_buf {
	char data[16384];
	long len;
};

static const char *find_str(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return hay;
	return NULL;
}

static int matches(const char *line, const char *const *pats, size_t npats)
{
	size_t i;

	for (i = 0; i < npats; i++)
		if (find_str(line, pats[i]))
			return 1;
	return 0;
}

/* Reads a whole (small) file; 0 or -1. The text is NUL-terminated. */
static int read_file(const char *path, struct init_buf *b)
{
	long n;
	int fd = open(path, O_RDONLY, 0);

	b->len = 0;
	b->data[0] = '\0';
	if (fd < 0)
		return -1;
	while (b->len < (long)sizeof(b->data) - 1) {
		n = read(fd, b->data + b->len, sizeof(b->data) - 1 - b->len);
		if (n <= 0)
			break;
		b->len += n;
	}
	b->data[b->len] = '\0';
	close(fd);
	return 0;
}

/* Prints "TAG <first line of path>". */
static void report_file(const char *tag, const char *path, struct init_buf *b)
{
	char *nl;

	if (read_file(path, b)) {
		printf("%s (none: cannot open %s)\n", tag, path);
		return;
	}
	nl = strchr(b->data, '\n');
	if (nl)
		*nl = '\0';
	printf("%s %s\n", tag, b->data);
}

/* Prints each line of path that matches one of pats, prefixed by tag; with first_only, only
 * the first match. */
static void report_lines(const char *tag, const char *path, const char *const *pats,
			 size_t npats, int first_only, struct init_buf *b)
{
	char *line, *nl;

	if (read_file(path, b)) {
		printf("%s (none: cannot open %s)\n", tag, path);
		return;
	}
	for (line = b->data; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		*nl = '\0';
		if (matches(line, pats, npats)) {
			while (*line == ' ')
				line++;
			printf("%s %s\n", tag, line);
			if (first_only)
				return;
		}
		if (nl == b->data + b->len)
			return;
	}
}

/* The kernel log from /dev/kmsg: one record per read(), "prio,seq,usec,flags;text\n"
 * (Documentation/ABI/testing/dev-kmsg); O_NONBLOCK ends the loop at the end of the log. */
static void report_kmsg(struct init_buf *b)
{
	char *text, *nl;
	long n;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK, 0);

	if (fd < 0) {
		printf("LINUX-KMSG (none: cannot open /dev/kmsg)\n");
		return;
	}
	for (;;) {
		n = read(fd, b->data, sizeof(b->data) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten since open: skip on */
		if (n <= 0)
			break;
		b->data[n] = '\0';
		text = strchr(b->data, ';');
		if (!text)
			continue;
		text++;
		nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		if (matches(text, kmsg_patterns, ARRAY_SIZE(kmsg_patterns)))
			printf("LINUX-KMSG %s\n", text);
	}
	close(fd);
}

static void report_uptime(const char *tag, struct init_buf *b)
{
	char *sp;

	if (read_file("/proc/uptime", b)) {
		printf("%s uptime ?\n", tag);
		return;
	}
	sp = strchr(b->data, ' ');
	if (sp)
		*sp = '\0';
	printf("%s uptime %s\n", tag, b->data);
}

int main(void)
{
	static struct init_buf buf;
	static const char *const cpu_flags[] = { "flags" };

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);

	report_uptime("LINUX-INIT", &buf);
	report_file("LINUX-CPUS online", "/sys/devices/system/cpu/online", &buf);
	report_lines("LINUX-CPUINFO", "/proc/cpuinfo", cpu_flags, 1, 1, &buf);
	report_kmsg(&buf);
	report_file("LINUX-CLOCKSOURCE",
		    "/sys/devices/system/clocksource/clocksource0/current_clocksource", &buf);
	report_file("LINUX-CLOCKSOURCES",
		    "/sys/devices/system/clocksource/clocksource0/available_clocksource", &buf);
	report_file("LINUX-CLOCKEVENT",
		    "/sys/devices/system/clockevents/clockevent0/current_device", &buf);
	report_lines("LINUX-IRQ", "/proc/interrupts", irq_patterns,
		     ARRAY_SIZE(irq_patterns), 0, &buf);
	report_uptime("LINUX-DONE", &buf);

	reboot(INIT_REBOOT_RESTART);
	printf("LINUX-ERROR reboot failed: errno %d\n", errno);
	for (;;)
		sleep(1000);
	return 0;
}
