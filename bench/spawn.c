/* spawn: run one command and time it from the host (make bench's start-up and memory
 * figures). The clock starts just before fork(), so "start" includes fork and exec, as a
 * user launching enlight sees it.
 *
 *   spawn [--out FILE] [--ram-mib M] [--marker TEXT] -- COMMAND [ARGS...]
 *
 * Prints on stdout:
 *   SPAWN first_byte_us T   first byte on the child's stdout (the guest's first serial byte)
 *   SPAWN total_us T        until the child exited
 *   SPAWN status S          its exit status (or 128 + signal)
 *   SPAWN rss_kb K          with --marker: the child's whole resident set when a stdout line
 *   SPAWN guest_rss_kb K    containing TEXT appeared, and the resident part of the guest RAM
 *   SPAWN other_rss_kb K    mapping (the one anonymous mapping of exactly M MiB); other = the rest
 * The child's stdout and stderr go to FILE (default /dev/null). Exit status 0, or 2 if the
 * command could not be run. A 60 s alarm is the watchdog.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct rss {
	unsigned long total_kb, guest_kb;
	int found;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* /proc/PID/smaps: a header line "start-end perms offset dev inode [path]" per mapping,
 * then "Key: value kB" lines (proc(5)). */
static int read_rss(pid_t pid, unsigned long ram_bytes, struct rss *out)
{
	char path[64], line[512];
	FILE *f;
	int in_guest = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	memset(out, 0, sizeof(*out));
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, inode, kb;
		char perms[8], dev[16], name[256] = "";

		if (sscanf(line, "%lx-%lx %7s %*x %15s %lu %255s", &start, &end, perms, dev,
			   &inode, name) >= 5) {
			in_guest = !out->found && inode == 0 && name[0] == '\0' &&
				   end - start == ram_bytes;
			if (in_guest)
				out->found = 1;
			continue;
		}
		if (sscanf(line, "Rss: %lu kB", &kb) == 1) {
			out->total_kb += kb;
			if (in_guest)
				out->guest_kb += kb;
		}
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out_path = "/dev/null", *marker = NULL;
	unsigned long ram_mib = 0;
	uint64_t t0, first = 0;
	char buf[4096], line[1024];
	size_t line_len = 0;
	struct rss rss = { 0 };
	int have_rss = 0, p[2], out_fd, st, i;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_path = argv[++i];
		else if (!strcmp(argv[i], "--ram-mib") && i + 1 < argc)
			ram_mib = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--marker") && i + 1 < argc)
			marker = argv[++i];
		else
			break;
	}
	if (i >= argc - 1 || strcmp(argv[i], "--")) {
		fprintf(stderr, "usage: spawn [--out FILE] [--ram-mib M] [--marker TEXT] -- CMD...\n");
		return 2;
	}
	out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd < 0 || pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "spawn: %s: %s\n", out_path, strerror(errno));
		return 2;
	}
	alarm(60);
	t0 = now_ns();
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(out_fd, 2);
		execvp(argv[i + 1], &argv[i + 1]);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0)
		return 2;
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!first)
			first = now_ns();
		if (write(out_fd, buf, (size_t)n) != n)
			break;
		for (ssize_t k = 0; k < n && marker && !have_rss; k++) {
			if (buf[k] != '\n' && line_len < sizeof(line) - 1) {
				line[line_len++] = buf[k];
				continue;
			}
			line[line_len] = '\0';
			line_len = 0;
			if (strstr(line, marker) && !read_rss(pid, ram_mib << 20, &rss))
				have_rss = 1;
		}
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	printf("SPAWN first_byte_us %.1f\n", first ? (double)(first - t0) / 1e3 : -1.0);
	printf("SPAWN total_us %.1f\n", (double)(now_ns() - t0) / 1e3);
	printf("SPAWN status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	if (have_rss) {
		printf("SPAWN rss_kb %lu\n", rss.total_kb);
		if (rss.found) {
			printf("SPAWN guest_rss_kb %lu\n", rss.guest_kb);
			printf("SPAWN other_rss_kb %lu\n", rss.total_kb - rss.guest_kb);
		}
	}
	return 0;
}
