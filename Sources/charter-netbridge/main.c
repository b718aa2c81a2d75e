// charter-netbridge: the sandboxed step's side of Charter's egress proxy.
//
// A step granted network runs in its own network namespace with only loopback; the way out is the
// controller's proxy, reached through a unix socket bind-mounted into the sandbox. Programs expect
// an HTTP proxy on TCP, so this bridge listens on 127.0.0.1:PORT and joins each connection to that
// socket (`charter-netbridge [--socket PATH] [--port N] -- COMMAND...`), or, as a git/ssh proxy
// command, speaks CONNECT on its stdin/stdout (`charter-netbridge connect HOST PORT`).
//
// Plain C with no Swift runtime: the sandbox has only /usr. Single-threaded, poll() driven, every
// buffer bounded and every wait bounded, because a misbehaving step must not wedge it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/charter/egress.sock"
#define DEFAULT_PORT 3128
#define BUFFER_SIZE 65536 // per direction: a slow side stops its peer being read, not memory growth
#define MAX_PAIRS 128
#define HEAD_MAX 8192
#define HEAD_TIMEOUT_SECONDS 60 // the proxy answers within its own resolve and connect timeouts

// One direction of a relay: bytes read from `from`, queued, written to `to`.
struct flow {
    int from, to;
    int from_socket, to_socket;
    char *data;
    size_t start, length;
    int eof;  // `from` ended (EOF or error): nothing more will be queued
    int done; // EOF passed on to `to` after the queue drained
};

// A relayed connection: flows[0] towards the proxy, flows[1] back. In connect mode the local side
// is stdin/stdout, two descriptors; in supervisor mode it is one TCP socket.
struct pair {
    struct flow flows[2];
    int in_use;
};

static int signal_pipe[2] = {-1, -1};

static void on_signal(int number) {
    int saved = errno;
    unsigned char byte = (unsigned char)number;
    if (write(signal_pipe[1], &byte, 1) < 0) {
        // The pipe is full: the loop's waitpid and pending bytes still see what matters.
    }
    errno = saved;
}

static int is_socket(int fd) {
    struct stat info;
    return fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

// Reads and writes never block, without setting O_NONBLOCK on descriptors shared with other
// processes (stdin/stdout): MSG_DONTWAIT on sockets; on pipes poll() said there is data, or room
// for at least PIPE_BUF bytes, which is all that is written at once.
static ssize_t read_some(struct flow *flow, char *buffer, size_t size) {
    if (flow->from_socket) return recv(flow->from, buffer, size, MSG_DONTWAIT);
    return read(flow->from, buffer, size);
}

static ssize_t write_some(struct flow *flow, const char *buffer, size_t size) {
    if (flow->to_socket) return send(flow->to, buffer, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    return write(flow->to, buffer, size < PIPE_BUF ? size : PIPE_BUF);
}

// Passes EOF on: a socket is half-closed so the reverse direction keeps working; anything else
// (a pipe to stdout) is closed.
static void end_output(struct flow *flow) {
    if (shutdown(flow->to, SHUT_WR) != 0 && errno == ENOTSOCK) close(flow->to);
    flow->done = 1;
}

// Supervisor pairs only: one local connection (both ways) and one to the proxy.
static void pair_close(struct pair *pair) {
    close(pair->flows[0].from);
    close(pair->flows[0].to);
    free(pair->flows[0].data);
    free(pair->flows[1].data);
    memset(pair, 0, sizeof *pair);
}

static int pair_open(struct pair *pair, int local_in, int local_out, int remote) {
    char *up = malloc(BUFFER_SIZE), *down = malloc(BUFFER_SIZE);
    if (!up || !down) {
        free(up);
        free(down);
        return -1;
    }
    pair->flows[0] = (struct flow){
        .from = local_in, .to = remote, .from_socket = is_socket(local_in), .to_socket = 1, .data = up};
    pair->flows[1] = (struct flow){
        .from = remote, .to = local_out, .from_socket = 1, .to_socket = is_socket(local_out), .data = down};
    pair->in_use = 1;
    return 0;
}

// What to poll for: a flow's source while its queue has room, its destination while it has bytes.
static void flow_events(struct flow *flow, struct pollfd *read_slot, struct pollfd *write_slot) {
    read_slot->fd = -1;
    write_slot->fd = -1;
    if (flow->done) return;
    if (!flow->eof && flow->start + flow->length < BUFFER_SIZE) *read_slot = (struct pollfd){flow->from, POLLIN, 0};
    if (flow->length > 0) *write_slot = (struct pollfd){flow->to, POLLOUT, 0};
}

// Moves bytes for one flow after poll(); returns -1 when the pair must be torn down.
static int flow_step(struct flow *flow, short read_events, short write_events) {
    if (read_events) {
        ssize_t n = read_some(flow, flow->data + flow->start + flow->length,
                              BUFFER_SIZE - flow->start - flow->length);
        if (n > 0) flow->length += (size_t)n;
        // An error reads as EOF: what was queued (a refusal's reason, say) is still delivered.
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) flow->eof = 1;
    }
    if (write_events && flow->length > 0) {
        ssize_t n = write_some(flow, flow->data + flow->start, flow->length);
        if (n < 0 && errno != EAGAIN && errno != EINTR) return -1; // the reader is gone
        if (n > 0) {
            flow->start += (size_t)n;
            flow->length -= (size_t)n;
        }
    }
    if (flow->length == 0) flow->start = 0;
    else if (flow->start + flow->length == BUFFER_SIZE) {
        memmove(flow->data, flow->data + flow->start, flow->length);
        flow->start = 0;
    }
    if (flow->eof && flow->length == 0 && !flow->done) end_output(flow);
    return 0;
}

static int connect_proxy(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    // Non-blocking: a unix connect to a full backlog fails with EAGAIN instead of waiting.
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    fcntl(fd, F_SETFL, flags);
    return fd;
}

static int parse_port(const char *text) {
    if (!*text || strlen(text) > 5) return -1;
    long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        value = value * 10 + (*p - '0');
    }
    return value >= 1 && value <= 65535 ? (int)value : -1;
}

// ---- connect mode: a CONNECT tunnel on stdin/stdout ----

static int run_connect(const char *socket_path, const char *host, const char *port_text) {
    int port = parse_port(port_text);
    size_t host_length = strlen(host);
    int host_ok = host_length > 0 && host_length <= 255;
    for (const char *p = host; *p; p++) host_ok &= *p > ' ' && *p != 0x7f;
    if (!host_ok || port < 0) {
        fprintf(stderr, "charter-netbridge connect: `%s %s` is not a host and a port from 1 to 65535\n", host,
                port_text);
        return 2;
    }
    // IPv6 literals need brackets in an authority; a bracketed one is taken as it is.
    int bracket = strchr(host, ':') != NULL && host[0] != '[';
    char request[700];
    int length = snprintf(request, sizeof request, "CONNECT %s%s%s:%d HTTP/1.1\r\nHost: %s%s%s:%d\r\n\r\n",
                          bracket ? "[" : "", host, bracket ? "]" : "", port, bracket ? "[" : "", host,
                          bracket ? "]" : "", port);
    int fd = connect_proxy(socket_path);
    if (fd < 0) {
        fprintf(stderr, "charter-netbridge connect: cannot reach the egress proxy at %s: %s\n", socket_path,
                strerror(errno));
        return 1;
    }
    struct timeval timeout = {.tv_sec = HEAD_TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (send(fd, request, (size_t)length, MSG_NOSIGNAL) != length) {
        fprintf(stderr, "charter-netbridge connect: cannot send the request: %s\n", strerror(errno));
        return 1;
    }
    // The head is read in one buffer; whatever follows it is already tunnel data (or the body).
    char head[HEAD_MAX + 1];
    size_t have = 0;
    char *end = NULL;
    while (!end && have < HEAD_MAX) {
        ssize_t n = recv(fd, head + have, HEAD_MAX - have, 0);
        if (n <= 0) break;
        have += (size_t)n;
        head[have] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    if (!end) {
        fprintf(stderr, "charter-netbridge connect: no answer from the egress proxy\n");
        return 1;
    }
    *end = 0;
    char *body = end + 4;
    char *line_end = strstr(head, "\r\n");
    if (line_end) *line_end = 0;
    if (strncmp(head, "HTTP/1.", 7) != 0 || strncmp(head + 8, " 200", 4) != 0 || (head[12] && head[12] != ' ')) {
        // Refused: the body is one line of plain text saying why; it may come after the head.
        while (!strchr(body, '\n') && have < HEAD_MAX) {
            ssize_t n = recv(fd, head + have, HEAD_MAX - have, 0);
            if (n <= 0) break;
            have += (size_t)n;
            head[have] = 0;
        }
        char *newline = strchr(body, '\n');
        if (newline) *newline = 0;
        fprintf(stderr, "charter-netbridge connect: %s:%d: %s%s%s\n", host, port, head, *body ? ": " : "", body);
        return 1;
    }
    timeout.tv_sec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);

    size_t body_length = have - (size_t)(body - head);
    struct pair pair = {0};
    if (pair_open(&pair, STDIN_FILENO, STDOUT_FILENO, fd) != 0) return 1;
    memcpy(pair.flows[1].data, body, body_length);
    pair.flows[1].length = body_length;
    while (!(pair.flows[0].done && pair.flows[1].done)) {
        struct pollfd slots[4];
        flow_events(&pair.flows[0], &slots[0], &slots[1]);
        flow_events(&pair.flows[1], &slots[2], &slots[3]);
        if (poll(slots, 4, -1) < 0 && errno != EINTR) return 1;
        if (flow_step(&pair.flows[0], slots[0].revents, slots[1].revents) != 0) return 1;
        if (flow_step(&pair.flows[1], slots[2].revents, slots[3].revents) != 0) return 1;
    }
    return 0;
}

// ---- supervisor mode: a TCP listener for the command's lifetime ----

static int listen_local(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 128) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static void accept_one(int listener, struct pair *pairs, const char *socket_path) {
    static int reported = 0;
    int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) return;
    struct pair *free_pair = NULL;
    for (int i = 0; i < MAX_PAIRS && !free_pair; i++)
        if (!pairs[i].in_use) free_pair = &pairs[i];
    int remote = free_pair ? connect_proxy(socket_path) : -1;
    if (remote < 0 || pair_open(free_pair, client, client, remote) != 0) {
        // Refused by closing; the program sees a dropped connection, the step's log the reason.
        if (free_pair && remote < 0 && !reported++)
            fprintf(stderr, "charter-netbridge: cannot reach the egress proxy at %s: %s\n", socket_path,
                    strerror(errno));
        if (remote >= 0) close(remote);
        close(client);
    }
}

static int exit_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

static int run_supervisor(const char *socket_path, int port, char **command) {
    // The listener exists before the command starts, so it can connect at once.
    int listener = listen_local(port);
    if (listener < 0) {
        fprintf(stderr, "charter-netbridge: cannot listen on 127.0.0.1:%d: %s; the command was not run\n", port,
                strerror(errno));
        return 125;
    }
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "charter-netbridge: cannot create a pipe: %s; the command was not run\n", strerror(errno));
        return 125;
    }
    // Signals stay blocked across fork, so none is lost before the handlers are in place.
    sigset_t handled;
    sigemptyset(&handled);
    int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
    struct sigaction action = {.sa_handler = on_signal};
    for (int i = 0; i < 4; i++) {
        sigaddset(&handled, forwarded[i]);
        sigaction(forwarded[i], &action, NULL);
    }
    sigprocmask(SIG_BLOCK, &handled, NULL);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "charter-netbridge: cannot fork: %s; the command was not run\n", strerror(errno));
        return 125;
    }
    if (child == 0) {
        // The command starts as a fresh program would: default signal handling, nothing blocked
        // (whatever the process that started the bridge had blocked or ignored).
        close(listener);
        for (int i = 0; i < 4; i++) signal(forwarded[i], SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(command[0], command);
        fprintf(stderr, "charter-netbridge: cannot run %s: %s\n", command[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    signal(SIGPIPE, SIG_IGN);
    sigprocmask(SIG_UNBLOCK, &handled, NULL);

    static struct pair pairs[MAX_PAIRS];
    static struct pollfd slots[2 + MAX_PAIRS * 4];
    for (;;) {
        // Reap every child (orphans may land here if this is the sandbox's init); ours decides.
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            if (pid == child) return exit_status(status);
        slots[0] = (struct pollfd){signal_pipe[0], POLLIN, 0};
        slots[1] = (struct pollfd){listener, POLLIN, 0};
        for (int i = 0; i < MAX_PAIRS; i++) {
            struct pollfd *own = &slots[2 + i * 4];
            if (!pairs[i].in_use) {
                for (int j = 0; j < 4; j++) own[j] = (struct pollfd){-1, 0, 0};
                continue;
            }
            flow_events(&pairs[i].flows[0], &own[0], &own[1]);
            flow_events(&pairs[i].flows[1], &own[2], &own[3]);
        }
        // Bounded, so a lost SIGCHLD costs at most a second.
        if (poll(slots, 2 + MAX_PAIRS * 4, 1000) < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "charter-netbridge: poll failed: %s\n", strerror(errno));
            kill(child, SIGTERM);
            return 125;
        }
        if (slots[0].revents) {
            unsigned char number;
            while (read(signal_pipe[0], &number, 1) == 1)
                if (number != SIGCHLD) kill(child, number);
        }
        for (int i = 0; i < MAX_PAIRS; i++) {
            if (!pairs[i].in_use) continue;
            struct pollfd *own = &slots[2 + i * 4];
            if (flow_step(&pairs[i].flows[0], own[0].revents, own[1].revents) != 0 ||
                flow_step(&pairs[i].flows[1], own[2].revents, own[3].revents) != 0 ||
                (pairs[i].flows[0].done && pairs[i].flows[1].done))
                pair_close(&pairs[i]);
        }
        if (slots[1].revents & POLLIN) accept_one(listener, pairs, socket_path);
    }
}

static int usage(void) {
    fprintf(stderr, "usage: charter-netbridge [--socket PATH] [--port N] -- COMMAND [ARGS...]\n"
                    "       charter-netbridge connect [--socket PATH] HOST PORT\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *socket_path = getenv("CHARTER_EGRESS_SOCKET");
    if (!socket_path || !*socket_path) socket_path = DEFAULT_SOCKET;
    int port = DEFAULT_PORT, separator = 0, index = 1;
    const char *name = strrchr(argv[0], '/');
    int connect_mode = strcmp(name ? name + 1 : argv[0], "connect") == 0;
    // Options, then `--` and the command, or `connect` and HOST PORT, in any order before those.
    while (index < argc && !separator) {
        const char *arg = argv[index];
        if (strcmp(arg, "--socket") == 0 && index + 1 < argc) {
            socket_path = argv[index + 1];
            index += 2;
        } else if (strcmp(arg, "--port") == 0 && index + 1 < argc) {
            if ((port = parse_port(argv[index + 1])) < 0) return usage();
            index += 2;
        } else if (strcmp(arg, "--") == 0) {
            separator = 1;
            index++;
        } else if (!connect_mode && strcmp(arg, "connect") == 0) {
            connect_mode = 1;
            index++;
        } else {
            break;
        }
    }
    if (connect_mode) {
        if (argc - index != 2) return usage();
        signal(SIGPIPE, SIG_IGN);
        return run_connect(socket_path, argv[index], argv[index + 1]);
    }
    // The separator is required, so a mistyped option is never run as the command.
    if (!separator || index >= argc) return usage();
    return run_supervisor(socket_path, port, argv + index);
}

// swiftc links every executable with swiftrt.o, whose constructor registers the image with the
// Swift runtime. These weak no-ops satisfy it, so the static runtime (and its C++ dependencies'
// weight) is not pulled in for a program with no Swift code; a runtime that is linked anyway wins.
__attribute__((weak)) void swift_addNewDSOImage(const void *image) { (void)image; }
__attribute__((weak)) int _swift_backtrace_isThunkFunction(const char *name) { return name == NULL; }
