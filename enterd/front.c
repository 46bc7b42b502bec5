/* front.c — pbox-enterd's front: its state, its poll loop, and its two
 * trusted peers, the broker (fd 3) and the spawner. Runs as the broker
 * user with no capabilities, no_new_privs, not dumpable. The handshake
 * (docs/enter.md, start-up) is FRONT_WAIT_CONFIG → FRONT_WAIT_READY →
 * FRONT_READY; clients are accepted only once READY. Each peer has its
 * own dispatch table; an unknown, unpermitted or repeated message from
 * the broker or the spawner ends the front (and with it the spawner,
 * which then kills what it started). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "front.h"

/* In which front states a message is accepted. */
enum {
        IN_CONFIG = 1u << FRONT_WAIT_CONFIG,
        IN_WAIT = 1u << FRONT_WAIT_READY,
        IN_READY = 1u << FRONT_READY,
        ONCE = 1u << 8,
};

struct peer_handler {
        enum ipc_type type;
        unsigned flags;
        int (*fn)(struct front *f, void *msg);
};

uint64_t front_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct front *front_new(const char *name, int broker, int spawner,
                        int listen_fd)
{
        struct front *f = calloc(1, sizeof(*f));

        if (f)
                f->name = strdup(name);
        if (!f || !f->name) {
                if (f)
                        free(f);
                close(broker);
                close(spawner);
                if (listen_fd >= 0)
                        close(listen_fd);
                return NULL;
        }
        f->state = FRONT_WAIT_CONFIG;
        f->broker = broker;
        f->spawner = spawner;
        f->listen = listen_fd;
        f->audit = -EBADF;
        f->operator_gid = -1;
        f->next_conn = 1;
        f->next_broker = 1;
        f->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (f->timer < 0) {
                front_free(f);
                return NULL;
        }
        return f;
}

void front_free(struct front *f)
{
        if (!f)
                return;
        for (unsigned i = 0; i < FRONT_MAX_CONNS; i++)
                if (f->conns[i])
                        front_conn_end(f, f->conns[i],
                                       f->conns[i]->state == CONN_STOPPING
                                           ? "stopped"
                                           : "aborted",
                                       -1);
        if (f->broker >= 0)
                close(f->broker);
        if (f->spawner >= 0)
                close(f->spawner);
        if (f->listen >= 0)
                close(f->listen);
        if (f->timer >= 0)
                close(f->timer);
        if (f->audit >= 0)
                close(f->audit);
        free(f->name);
        free(f);
}

int front_broker_send(struct front *f, void *msg, uint32_t *ret_id)
{
        struct ipc_hdr *h = msg;
        int r;

        h->id = f->next_broker++;
        if (f->next_broker == 0)
                f->next_broker = 1;
        r = ipc_send(f->broker, msg);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = h->id;
        return 0;
}

/* ---- the broker ---------------------------------------------------------- */

/* The running box, once. Checked against what root gave us on argv, then
 * handed to the spawner, which acts on it as root. */
static int broker_config(struct front *f, void *msg)
{
        struct ipc_enterd_config *c = msg;
        struct ipc_spawn_config sc = {.hdr.type = IPC_SPAWN_CONFIG};

        f->config_id = c->hdr.id;
        if (strcmp(c->name, f->name) != 0 || c->audit_log[0] != '/') {
                (void)ipc_send_reply(f->broker, c->hdr.id, -EINVAL,
                                     "enterd: config names another box or a "
                                     "relative audit log");
                return -EINVAL;
        }
        f->operator_gid = c->operator_gid;
        sc.name = c->name;
        sc.init_pid = c->init_pid;
        sc.caps = c->caps;
        sc.no_new_privs = c->no_new_privs;
        sc.operator_gid = c->operator_gid;
        sc.audit_log = c->audit_log;
        sc.hdr.id = c->hdr.id;
        f->state = FRONT_WAIT_READY;
        return ipc_send(f->spawner, &sc);
}

/* The connection waiting for the broker's answer id; NULL if the client
 * went away meanwhile (fine if id is one we used: *ok). */
static struct conn *broker_waiter(struct front *f, uint32_t id, bool *ok)
{
        for (unsigned i = 0; i < FRONT_MAX_CONNS; i++) {
                struct conn *c = f->conns[i];

                if (c && c->broker_id == id)
                        return c;
        }
        *ok = id != 0 && id < f->next_broker;
        return NULL;
}

/* The broker's answer to a stop or device request we forwarded. */
static int broker_reply(struct front *f, void *msg)
{
        struct ipc_reply *m = msg;
        bool ok;
        struct conn *c = broker_waiter(f, m->hdr.id, &ok);

        if (c)
                return front_conn_broker_reply(f, c, m);
        return ok ? 0 : -EPROTO;
}

/* The broker's state, for a status request we forwarded. */
static int broker_state(struct front *f, void *msg)
{
        struct ipc_op_state *m = msg;
        bool ok;
        struct conn *c = broker_waiter(f, m->hdr.id, &ok);

        if (c)
                return front_conn_broker_state(f, c, m);
        return ok ? 0 : -EPROTO;
}

static const struct peer_handler broker_table[IPC_TYPE_MAX] = {
    [IPC_ENTERD_CONFIG] = {IPC_ENTERD_CONFIG, IN_CONFIG | ONCE, broker_config},
    [IPC_REPLY] = {IPC_REPLY, IN_READY, broker_reply},
    [IPC_OP_STATE] = {IPC_OP_STATE, IN_READY, broker_state},
};

/* ---- the spawner --------------------------------------------------------- */

/* The spawner is set up: keep the audit log, tell the broker we are ready
 * (the box is ready for `pbox start --detach` only then). */
static int spawner_ready(struct front *f, void *msg)
{
        struct ipc_spawn_ready *m = msg;

        f->audit = TAKE_FD(m->hdr.fds[0]);
        f->state = FRONT_READY;
        return ipc_send_reply(f->broker, f->config_id, 0, NULL);
}

/* The spawner could not set up: the broker hears why. */
static int spawner_failed(struct front *f, void *msg)
{
        struct ipc_reply *m = msg;

        (void)ipc_send_reply(f->broker, f->config_id,
                             m->err < 0 ? (int)m->err : -EPROTO, "%s",
                             m->msg[0] ? m->msg : "enterd: spawner failed");
        return m->err < 0 ? (int)m->err : -EPROTO;
}

/* The connection a spawner event names; a conn we never asked to spawn
 * (or that already ended) is a protocol error of the spawner. */
static struct conn *spawn_conn(struct front *f, uint64_t id, unsigned states)
{
        struct conn *c =
            id <= UINT32_MAX ? front_conn_find(f, (uint32_t)id) : NULL;

        return c && (c->state & states) ? c : NULL;
}

static int spawner_tty(struct front *f, void *msg)
{
        struct ipc_spawn_tty *m = msg;
        struct conn *c = spawn_conn(f, m->conn, CONN_SPAWNING | CONN_HANGUP);

        return c ? front_conn_spawn_tty(f, c, m) : -EPROTO;
}

static int spawner_started(struct front *f, void *msg)
{
        struct ipc_spawn_started *m = msg;
        struct conn *c = spawn_conn(f, m->conn, CONN_SPAWNING | CONN_HANGUP);

        return c ? front_conn_spawn_started(f, c, m) : -EPROTO;
}

static int spawner_exit(struct front *f, void *msg)
{
        struct ipc_spawn_exit *m = msg;
        struct conn *c =
            spawn_conn(f, m->conn, CONN_SPAWNING | CONN_RUNNING | CONN_HANGUP);

        return c ? front_conn_spawn_exit(f, c, m) : -EPROTO;
}

static const struct peer_handler spawner_table[IPC_TYPE_MAX] = {
    [IPC_SPAWN_READY] = {IPC_SPAWN_READY, IN_WAIT | ONCE, spawner_ready},
    [IPC_REPLY] = {IPC_REPLY, IN_WAIT, spawner_failed},
    [IPC_SPAWN_TTY] = {IPC_SPAWN_TTY, IN_READY, spawner_tty},
    [IPC_SPAWN_STARTED] = {IPC_SPAWN_STARTED, IN_READY, spawner_started},
    [IPC_SPAWN_EXIT] = {IPC_SPAWN_EXIT, IN_READY, spawner_exit},
};

/* One message from a trusted peer through its table. */
static int peer_dispatch(struct front *f, int sock, unsigned role,
                         const struct peer_handler *table, bool *once)
{
        _cleanup_msg_ struct ipc_hdr *msg = NULL;
        const struct peer_handler *h;
        int r;

        r = ipc_recv(sock, role, (void **)&msg);
        if (r < 0)
                return r;
        h = &table[msg->type];
        if (!h->fn || h->type != msg->type || !(h->flags & (1u << f->state)) ||
            ((h->flags & ONCE) && *once)) {
                fprintf(stderr,
                        "pbox-enterd: %s sent message %u, not permitted now\n",
                        role == IPC_ROLE_BROKER ? "broker" : "spawner",
                        msg->type);
                return -EPROTO;
        }
        if (h->flags & ONCE)
                *once = true;
        r = h->fn(f, msg);
        if (r < 0)
                f->state = FRONT_FAILED;
        return r;
}

int front_handle_broker(struct front *f)
{
        return peer_dispatch(f, f->broker, IPC_ROLE_BROKER, broker_table,
                             &f->seen_config);
}

int front_handle_spawner(struct front *f)
{
        return peer_dispatch(f, f->spawner, IPC_ROLE_SPAWNER, spawner_table,
                             &f->seen_ready);
}

/* ---- the loop ------------------------------------------------------------ */

static void timer_arm(struct front *f, uint64_t deadline_ms)
{
        struct itimerspec its = {0};

        if (deadline_ms) {
                its.it_value.tv_sec = (time_t)(deadline_ms / 1000);
                its.it_value.tv_nsec = (long)(deadline_ms % 1000) * 1000000;
        }
        (void)timerfd_settime(f->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

enum { P_BROKER, P_SPAWNER, P_TIMER, P_LISTEN, P_FIXED };

int front_poll_once(struct front *f, int timeout_ms)
{
        struct pollfd p[P_FIXED + FRONT_MAX_CONNS];
        uint32_t ids[FRONT_MAX_CONNS];
        unsigned n = P_FIXED, nc = 0;
        uint64_t next;
        int r;

        if (f->state == FRONT_FAILED)
                return -EPROTO;
        p[P_BROKER] = (struct pollfd){.fd = f->broker, .events = POLLIN};
        p[P_SPAWNER] = (struct pollfd){.fd = f->spawner, .events = POLLIN};
        p[P_TIMER] = (struct pollfd){.fd = f->timer, .events = POLLIN};
        p[P_LISTEN] = (struct pollfd){
            .fd = f->state == FRONT_READY ? f->listen : -1, .events = POLLIN};
        for (unsigned i = 0; i < FRONT_MAX_CONNS; i++) {
                struct conn *c = f->conns[i];

                if (!c || c->fd < 0)
                        continue;
                p[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
                ids[nc++] = c->id;
        }
        if (poll(p, n, timeout_ms) < 0)
                return errno == EINTR ? 0 : -errno;

        if (p[P_BROKER].revents) {
                r = front_handle_broker(f);
                if (r < 0)
                        return r;
        }
        if (p[P_SPAWNER].revents) {
                r = front_handle_spawner(f);
                if (r < 0)
                        return r;
        }
        for (unsigned i = 0; i < nc; i++) {
                struct conn *c;

                if (!p[P_FIXED + i].revents)
                        continue;
                /* Handling one client may have ended another. */
                c = front_conn_find(f, ids[i]);
                if (!c || c->fd != p[P_FIXED + i].fd)
                        continue;
                r = front_conn_readable(f, c);
                if (r < 0)
                        return r;
        }
        if (p[P_LISTEN].fd >= 0 && p[P_LISTEN].revents)
                (void)front_accept(f, front_now_ms());
        if (p[P_TIMER].revents) {
                uint64_t ticks;

                (void)!read(f->timer, &ticks, sizeof(ticks));
        }
        next = front_expire(f, front_now_ms());
        timer_arm(f, next);
        return 0;
}

int front_run(struct front *f)
{
        int r;

        do
                r = front_poll_once(f, -1);
        while (r >= 0);
        /* A peer hung up: the broker reports what ended the box. */
        if (r == -ECONNRESET || r == -EPIPE)
                return 0;
        fprintf(stderr, "pbox-enterd: %s\n", strerror(-r));
        return 1;
}
