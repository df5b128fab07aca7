/*
 * The CNI executable for own6-ipam and own6-cni when own6-cnid runs: it forwards the call (the
 * CNI_* variables, OWN6_LOG_LEVEL and stdin) to the daemon's socket and leaves with the daemon's
 * stdout, stderr and exit status. It is C because a runtime starts one process per CNI call, and
 * Node's start-up alone (~50 ms) is ten times what Debian's host-local takes for a whole ADD; this
 * starts in about a millisecond, and the plugin code is already loaded in the daemon.
 *
 * One source, compiled once per plugin with its name built in (-DOWN6_PLUGIN="\"own6-ipam\""),
 * so a binary serves its plugin whatever name a symlink gives it. The wire format is documented
 * in src/daemon/protocol.ts.
 *
 * When the daemon cannot serve the call, the client runs the Node plugin in its place (execv,
 * same arguments and environment, stdin replayed), so a runtime never notices: no socket or no
 * daemon behind it, a request over the daemon's bounds, a daemon in other namespaces than the
 * caller (it answers -1), or a connection closed without a byte of answer (a daemon stopping
 * with the call still in its listen queue, or one that died: either way nothing serves the call
 * any more, and running it again is what the runtime's retry would do). A partial answer is
 * code 11, try again. The Node plugin is bin/<plugin> beside bin/native/, found from
 * this binary's real path (/proc/self/exe), so symlinks in /opt/cni/bin work.
 *
 * There is no timeout: DAD takes seconds, and the runtime has its own deadline for the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef OWN6_PLUGIN
#error "compile with -DOWN6_PLUGIN='\"own6-ipam\"' or '\"own6-cni\"'"
#endif

#define DEFAULT_SOCKET "/run/own6/cni.sock"
/* REQUEST_LIMITS in protocol.ts: what is larger goes to the Node plugin, which has no bound. */
#define MAX_ENV (64 << 10)
#define MAX_STDIN (4 << 20)
#define RUN_LOCALLY (-1)

extern char **environ;

struct buffer {
	char *data;
	size_t length;
	size_t capacity;
};

/* A CNI error object on stdout and exit 1, as the Node plugin fails. */
static void fail(int code, const char *format, ...)
{
	char message[1024];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof message, format, args);
	va_end(args);
	printf("{\"cniVersion\":\"1.0.0\",\"code\":%d,\"msg\":\"" OWN6_PLUGIN ": ", code);
	for (const unsigned char *c = (const unsigned char *)message; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			printf("\\%c", *c);
		else if (*c < 0x20)
			printf("\\u%04x", *c);
		else
			putchar(*c);
	}
	printf("\"}\n");
	exit(1);
}

static void append(struct buffer *b, const void *bytes, size_t n)
{
	if (b->length + n > b->capacity) {
		size_t capacity = b->capacity ? b->capacity : 4096;
		while (capacity < b->length + n)
			capacity *= 2;
		char *data = realloc(b->data, capacity);
		if (data == NULL)
			fail(5, "out of memory");
		b->data = data;
		b->capacity = capacity;
	}
	memcpy(b->data + b->length, bytes, n);
	b->length += n;
}

/* All of fd until end of file; a closed fd reads as empty and a non-blocking one is waited on. */
static void read_all(int fd, struct buffer *b)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n > 0) {
			append(b, chunk, (size_t)n);
			continue;
		}
		if (n == 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, -1);
			continue;
		}
		/* The daemon closes a connection whose request it refused with the answer unread by
		 * it; Linux then reports ECONNRESET after the answer, which is its end here. */
		if (errno == EBADF || errno == ECONNRESET)
			return;
		fail(5, "cannot read: %s", strerror(errno));
	}
}

static void write_all(int fd, const char *bytes, size_t n)
{
	while (n > 0) {
		ssize_t written = write(fd, bytes, n);
		if (written < 0 && errno == EINTR)
			continue;
		if (written <= 0)
			return; /* a closed stdout or stderr: nothing else to do, as for the Node plugin */
		bytes += written;
		n -= (size_t)written;
	}
}

/* Runs the Node plugin in this process, with the stdin already read (if any) back on fd 0. */
static void run_node_plugin(char **argv, const struct buffer *stdin_read, int have_stdin)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n < 0)
		fail(50, "cannot find its own path: %s", strerror(errno));
	path[n] = '\0';
	/* .../bin/native/own6-ipam -> .../bin/own6-ipam */
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(path, '/');
		if (slash == NULL)
			fail(50, "cannot find the Node plugin beside %s", path);
		*slash = '\0';
	}
	if (strlen(path) + sizeof "/" OWN6_PLUGIN > sizeof path)
		fail(50, "its path is too long");
	strcat(path, "/" OWN6_PLUGIN);
	if (have_stdin) {
		int replay = memfd_create("own6-cni-stdin", 0);
		if (replay < 0)
			fail(5, "cannot keep stdin for the Node plugin: %s", strerror(errno));
		write_all(replay, stdin_read->data, stdin_read->length);
		if (lseek(replay, 0, SEEK_SET) != 0 || dup2(replay, 0) != 0)
			fail(5, "cannot replay stdin to the Node plugin: %s", strerror(errno));
		close(replay);
	}
	execv(path, argv);
	fail(50, "the daemon cannot serve this call and the Node plugin %s cannot run: %s", path, strerror(errno));
}

/* A connected socket, or -1 when no daemon listens there (any failure: the Node plugin can still serve). */
static int connect_daemon(const char *socket_path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	if (strlen(socket_path) >= sizeof address.sun_path)
		return -1;
	strcpy(address.sun_path, socket_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends everything; a daemon that refused the request early closes its end, and its answer
 * still waits to be read, so a failed send is not an error here. */
static void send_all(int fd, const char *bytes, size_t n)
{
	while (n > 0) {
		ssize_t sent = send(fd, bytes, n, MSG_NOSIGNAL);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0)
			return;
		bytes += sent;
		n -= (size_t)sent;
	}
}

/* readlink of /proc/self/ns/<kind>, or "-": the daemon only serves callers in its namespaces. */
static void namespace_of(const char *kind, char *out, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/ns/%s", kind);
	ssize_t n = readlink(path, out, size - 1);
	if (n <= 0 || memchr(out, ' ', (size_t)n) != NULL || memchr(out, '\n', (size_t)n) != NULL)
		n = snprintf(out, size, "-");
	out[n] = '\0';
}

int main(int argc, char **argv)
{
	(void)argc;
	struct buffer input = { 0 }, env = { 0 }, answer = { 0 };

	/* The Node plugin reads stdin only when CNI_COMMAND is set, and never from a terminal. */
	int have_stdin = getenv("CNI_COMMAND") != NULL && !isatty(0);
	if (have_stdin)
		read_all(0, &input);
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "CNI_", 4) == 0 || strncmp(*e, "OWN6_LOG_LEVEL=", 15) == 0)
			append(&env, *e, strlen(*e) + 1);
	if (input.length > MAX_STDIN || env.length > MAX_ENV)
		run_node_plugin(argv, &input, have_stdin);

	const char *socket_path = getenv("OWN6_CNI_SOCKET");
	int fd = connect_daemon(socket_path != NULL && *socket_path != '\0' ? socket_path : DEFAULT_SOCKET);
	if (fd < 0)
		run_node_plugin(argv, &input, have_stdin);

	char net[64], mnt[64], header[256];
	namespace_of("net", net, sizeof net);
	namespace_of("mnt", mnt, sizeof mnt);
	int header_length = snprintf(header, sizeof header, "own6-cni/1 %s %s %s %zu %zu\n", OWN6_PLUGIN, net, mnt,
				     env.length, input.length);
	send_all(fd, header, (size_t)header_length);
	send_all(fd, env.data, env.length);
	send_all(fd, input.data, input.length);
	read_all(fd, &answer);
	close(fd);

	if (answer.length == 0)
		run_node_plugin(argv, &input, have_stdin);
	/* "<status> <stdout length> <stderr length>\n" <stdout> <stderr> */
	char *newline = memchr(answer.data, '\n', answer.length < 64 ? answer.length : 64);
	int status;
	size_t out_length, err_length;
	char rest;
	if (newline == NULL)
		fail(11, "the own6 daemon closed the connection in the middle of its answer; try again");
	*newline = '\0';
	size_t body = (size_t)(newline + 1 - answer.data);
	if (sscanf(answer.data, "%d %zu %zu%c", &status, &out_length, &err_length, &rest) != 3 || status < RUN_LOCALLY ||
	    status > 255 || out_length > answer.length || err_length > answer.length ||
	    body + out_length + err_length != answer.length)
		fail(11, "the own6 daemon sent a broken answer; try again");
	if (status == RUN_LOCALLY)
		run_node_plugin(argv, &input, have_stdin);
	write_all(1, answer.data + body, out_length);
	write_all(2, answer.data + body + out_length, err_length);
	return status;
}
