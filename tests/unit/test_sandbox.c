/* The seccomp allow-list (vmm/sandbox.c): installed in a child process, allowed calls
 * work and a forbidden one ends the child with status 3 and a line naming the call. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm/devif.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"

enum action { DO_ALLOWED, DO_OPEN, DO_IOCTL, DO_FORK };

/* Runs act in a sandboxed child; returns its wait status and its stderr in out. */
static int run_child(enum action act, char *out, size_t outlen)
{
	int pipefd[2], st = 0;
	ssize_t n, got = 0;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static struct sandbox sb;
		char err[256];
		struct timespec ts = { 0, 1000 };
		char *p;

		dup2(pipefd[1], STDERR_FILENO);
		if (sandbox_build(&sb, err, sizeof(err)) || sandbox_activate(&sb) ||
		    sandbox_thread_enter())
			_exit(100);
		switch (act) {
		case DO_ALLOWED:
			p = malloc(1 << 20); /* mmap */
			if (!p)
				_exit(101);
			memset(p, 1, 1 << 20);
			free(p);
			clock_gettime(CLOCK_MONOTONIC, &ts);
			nanosleep(&(struct timespec){ 0, 1000 }, NULL);
			if (write(STDERR_FILENO, "alive\n", 6) != 6)
				_exit(102);
			_exit(0);
		case DO_OPEN:
			open("/dev/null", O_RDONLY);
			break;
		case DO_IOCTL: {
			int one = 1;

			ioctl(STDIN_FILENO, FIONBIO, &one);
			break;
		}
		case DO_FORK:
			fork();
			break;
		}
		_exit(0); /* not reached under the filter */
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], out + got, outlen - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_allowed_calls_work(void **state)
{
	char out[1024];
	int st = run_child(DO_ALLOWED, out, sizeof(out));

	(void)state;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_string_equal(out, "alive\n");
}

static void expect_blocked(enum action act, const char *name)
{
	char out[1024], want[64];
	int st = run_child(act, out, sizeof(out));

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EXIT_INTERNAL);
	snprintf(want, sizeof(want), "forbidden system call %s (", name);
	assert_non_null(strstr(out, "enlight: sandbox: "));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "--sandbox=off"));
}

static void test_open_is_blocked(void **state)
{
	(void)state;
	expect_blocked(DO_OPEN, "openat");
}

static void test_unlisted_ioctl_is_blocked(void **state)
{
	(void)state;
	expect_blocked(DO_IOCTL, "ioctl");
}

static void test_fork_is_blocked(void **state)
{
	(void)state;
	expect_blocked(DO_FORK, "clone");
}

static void test_runas_lookup(void **state)
{
	char err[256];
	uid_t uid = 1;
	gid_t gid = 1;

	(void)state;
	assert_int_equal(sandbox_lookup_user("root", &uid, &gid, err, sizeof(err)), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
	assert_int_equal(sandbox_lookup_user("no-such-user-enlight", &uid, &gid, err,
					     sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "-runas 'no-such-user-enlight': no such user"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed_calls_work),
		cmocka_unit_test(test_open_is_blocked),
		cmocka_unit_test(test_unlisted_ioctl_is_blocked),
		cmocka_unit_test(test_fork_is_blocked),
		cmocka_unit_test(test_runas_lookup),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
