/* QMP glue: socket, thread, and the machine behind struct qmp_backend. */
#include "vmm/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hyperv/hyperv.h"
#include "vmm/log.h"
#include "vmm/machine_q35.h"
#include "vmm/qmp_cmd.h"
#include "vmm/vm.h"

#define ENLIGHT_VERSION_MAJOR 0
#define ENLIGHT_VERSION_MINOR 1
#define ENLIGHT_VERSION_MICRO 0

struct qmp {
	struct vm *vm;
	int listen_fd, client_fd;
	int wake[2]; /* qmp_stop -> thread */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock; /* client_fd writes, events_on */
	bool events_on;       /* the client finished capabilities negotiation */
	struct qmp_session s;
	struct qmp_backend be;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void qmp_write(void *opaque, const char *text, size_t len)
{
	struct qmp *q = opaque;

	pthread_mutex_lock(&q->lock);
	while (q->client_fd >= 0 && len) {
		ssize_t n = send(q->client_fd, text, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the client left: the poll loop notices */
		text += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&q->lock);
}

/* Event sink: runs on whichever thread caused the event (vCPU, QMP, main). */
static void qmp_event(void *opaque, const struct vm_event *ev)
{
	struct qmp *q = opaque;
	struct timespec ts;
	char *text;

	clock_gettime(CLOCK_REALTIME, &ts);
	text = qmp_event_text(ev, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
	if (!text)
		return;
	pthread_mutex_lock(&q->lock);
	if (q->client_fd >= 0 && q->events_on)
		/* Never block a vCPU on a slow client: a full socket drops the event. */
		if (send(q->client_fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			pr_debug("qmp: event dropped: %s", strerror(errno));
	pthread_mutex_unlock(&q->lock);
	free(text);
}

static const char *be_run_state(void *opaque)
{
	struct vm *vm = ((struct qmp *)opaque)->vm;
	unsigned p = vm_pause_get(vm);

	if (vm_state_get(vm) == VM_STATE_STOPPING)
		return "shutdown";
	if (p & VM_PAUSE_DEBUG)
		return "debug";
	if (p & VM_PAUSE_USER)
		return "paused";
	return "running";
}

static int be_cpu(void *opaque, unsigned i, struct qmp_cpu *out)
{
	struct vm *vm = ((struct qmp *)opaque)->vm;
	const struct smp_config *smp = &vm->cfg->smp;
	unsigned per_socket = smp->dies * smp->cores * smp->threads;

	if (i >= vm->nvcpus || !per_socket)
		return -EINVAL;
	/* A vCPU thread publishes its id as it starts; a client that connects at once may ask
	 * before that (seen on a loaded host): wait for it, briefly, while the VM runs. */
	for (int tries = 0; tries < 200; tries++) {
		out->thread_id = __atomic_load_n(&vm->vcpus[i].tid, __ATOMIC_RELAXED);
		if (out->thread_id || vm_state_get(vm) != VM_STATE_RUNNING)
			break;
		usleep(1000);
	}
	/* QEMU's x86_topo_ids_from_idx. */
	out->thread = i % smp->threads;
	out->core = i / smp->threads % smp->cores;
	out->die = i / (smp->threads * smp->cores) % smp->dies;
	out->socket = i / per_socket;
	return 0;
}

static void be_stop(void *opaque)
{
	struct vm *vm = ((struct qmp *)opaque)->vm;

	vm_pause(vm, VM_PAUSE_USER);
	vm_pause_wait(vm);
}

static void be_cont(void *opaque)
{
	vm_resume(((struct qmp *)opaque)->vm, VM_PAUSE_USER);
}

static void be_reset(void *opaque)
{
	vm_host_request(((struct qmp *)opaque)->vm, VM_REQ_RESET);
}

static void be_powerdown(void *opaque)
{
	struct vm *vm = ((struct qmp *)opaque)->vm;

	/* Device state has no lock: press the button while no vCPU touches the PM block. */
	vm_pause(vm, VM_PAUSE_HOST);
	vm_pause_wait(vm);
	q35_power_button(vm);
	vm_resume(vm, VM_PAUSE_HOST);
}

static void be_quit(void *opaque)
{
	vm_host_request(((struct qmp *)opaque)->vm, VM_REQ_POWEROFF);
}

static int qmp_accept(struct qmp *q)
{
	int fd = accept4(q->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	qmp_session_free(&q->s);
	if (qmp_session_init(&q->s)) {
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_lock(&q->lock);
	q->client_fd = fd;
	q->events_on = false;
	pthread_mutex_unlock(&q->lock);
	qmp_greeting(&q->be, qmp_write, q);
	return 0;
}

static void qmp_drop_client(struct qmp *q)
{
	pthread_mutex_lock(&q->lock);
	if (q->client_fd >= 0)
		close(q->client_fd);
	q->client_fd = -1;
	q->events_on = false;
	pthread_mutex_unlock(&q->lock);
}

static void *qmp_thread(void *arg)
{
	struct qmp *q = arg;
	char buf[4096];

	for (;;) {
		struct pollfd p[2] = { { q->wake[0], POLLIN, 0 }, { -1, POLLIN, 0 } };
		ssize_t n;

		/* One client at a time, as QEMU's monitor: others wait in the backlog. */
		p[1].fd = q->client_fd >= 0 ? q->client_fd : q->listen_fd;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (!p[1].revents)
			continue;
		if (q->client_fd < 0) {
			qmp_accept(q);
			continue;
		}
		n = recv(q->client_fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			qmp_drop_client(q);
			continue;
		}
		qmp_feed(&q->s, &q->be, buf, (size_t)n, qmp_write, q);
		pthread_mutex_lock(&q->lock);
		q->events_on = q->s.negotiated;
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

int qmp_start(struct vm *vm, struct qmp **out)
{
	const char *path = vm->cfg->qmp_path;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct qmp *q;
	struct hv_vm *hv = vm->hv;
	int r;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("-qmp unix:%s: the path is longer than %zu bytes; use a shorter one", path,
		       sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->vm = vm;
	q->client_fd = q->listen_fd = -1;
	q->wake[0] = q->wake[1] = -1;
	pthread_mutex_init(&q->lock, NULL);
	snprintf(q->path, sizeof(q->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path));
	q->be = (struct qmp_backend){
		.opaque = q, .ncpus = vm->nvcpus, .has_dies = vm->cfg->smp.dies > 1,
		.version = { ENLIGHT_VERSION_MAJOR, ENLIGHT_VERSION_MINOR, ENLIGHT_VERSION_MICRO },
		.package = "enlight", .hv = hv ? &hv->cfg : NULL,
		.hv_backend = hv ? hv->backend : HV_BACKEND_AUTO,
		.run_state = be_run_state, .cpu = be_cpu, .stop = be_stop, .cont = be_cont,
		.system_reset = be_reset, .system_powerdown = be_powerdown, .quit = be_quit,
	};
	r = qmp_session_init(&q->s);
	if (r)
		goto fail;
	q->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->listen_fd < 0 || pipe2(q->wake, O_CLOEXEC)) {
		r = -errno;
		pr_err("-qmp unix:%s: socket: %s", path, strerror(errno));
		goto fail;
	}
	unlink(path); /* a stale socket from an earlier run (QEMU does the same) */
	if (bind(q->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(q->listen_fd, 1)) {
		r = -errno;
		pr_err("-qmp unix:%s: cannot listen: %s (is the directory writable?)", path,
		       strerror(errno));
		goto fail;
	}
	r = vm_event_subscribe(vm, qmp_event, q);
	if (r)
		goto fail;
	if (vm->cfg->qmp_wait) {
		pr_info("QMP: waiting for a client on %s (wait=off starts at once)", path);
		r = qmp_accept(q);
		if (r) {
			pr_err("-qmp unix:%s: accept: %s", path, strerror(-r));
			goto fail;
		}
	}
	r = pthread_create(&q->thread, NULL, qmp_thread, q);
	if (r) {
		r = -r;
		pr_err("-qmp: creating its thread: %s", strerror(-r));
		goto fail;
	}
	q->thread_started = true;
	*out = q;
	return 0;
fail:
	qmp_stop(q);
	return r;
}

void qmp_stop(struct qmp *q)
{
	if (!q)
		return;
	if (q->thread_started) {
		if (write(q->wake[1], "x", 1) < 0)
			pr_warn("qmp: waking its thread: %s", strerror(errno));
		pthread_join(q->thread, NULL);
	}
	/* The events list keeps pointing at q: only call this after vm_run returned. */
	q->vm->nevent_sinks = 0;
	qmp_drop_client(q);
	if (q->listen_fd >= 0) {
		close(q->listen_fd);
		unlink(q->path);
	}
	for (int i = 0; i < 2; i++)
		if (q->wake[i] >= 0)
			close(q->wake[i]);
	qmp_session_free(&q->s);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
