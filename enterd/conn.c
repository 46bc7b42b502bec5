/* conn.c — pbox-enterd front: the operator connections on enter.sock.
 * Runs in the front (broker user, no capabilities). A peer is checked
 * with SO_PEERCRED / SO_PEERGROUPS before a byte is read; its first
 * request must come within FRONT_FIRST_REQ_MS; every frame is decoded
 * for the client role (schema limits), then checked here beyond the
 * schema, and only then relayed: to the spawner as SPAWN_*, to the
 * broker as OP_STOP / OP_STATUS / MNT_DEVICE / MNT_DEVICE_REMOVE.
 * Anything else, or anything out of turn, ends that connection only
 * (audited). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "front.h"
#include "pbox.h"
#include "proc.h"

struct client_handler {
        enum ipc_type type;
        unsigned states; /* enum conn_state bits in which it is accepted */
        int (*fn)(struct front *f, struct conn *c, void *msg);
};

bool front_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups,
                        size_t ngroups, int64_t operator_gid)
{
        if (uid == 0)
                return true;
        if (operator_gid < 0)
                return false;
        if ((int64_t)gid == operator_gid)
                return true;
        for (size_t i = 0; groups && i < ngroups; i++)
                if ((int64_t)groups[i] == operator_gid)
                        return true;
        return false;
}

static bool env_name_ok(const char *s, size_t n)
{
        if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
                      ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
                        return false;
        return true;
}

static bool printable(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        return false;
        return true;
}

/* user: "" (root), or name / uid, optionally ":group" — printable ASCII,
 * no '/', no more than one ':' and no empty part. */
static bool user_ok(const char *u)
{
        const char *colon = strchr(u, ':');

        if (!*u)
                return true;
        for (const char *s = u; *s; s++)
                if (*s <= ' ' || *s >= 0x7f || *s == '/')
                        return false;
        if (!colon)
                return true;
        return colon != u && colon[1] && !strchr(colon + 1, ':');
}

int front_enter_validate(const struct ipc_enter_req *r, char *err,
                         size_t errlen)
{
        if (!r->args || !r->args[0] || !r->args[0][0]) {
                snprintf(err, errlen, "empty command");
                return -EINVAL;
        }
        for (size_t i = 0; r->env && r->env[i]; i++) {
                const char *eq = strchr(r->env[i], '=');

                if (!eq || !env_name_ok(r->env[i], (size_t)(eq - r->env[i]))) {
                        snprintf(err, errlen,
                                 "bad environment item %.64s: want NAME=VALUE",
                                 r->env[i]);
                        return -EINVAL;
                }
        }
        if (r->workdir[0] && r->workdir[0] != '/') {
                snprintf(err, errlen, "workdir %.64s: not absolute",
                         r->workdir);
                return -EINVAL;
        }
        if (!user_ok(r->user)) {
                snprintf(err, errlen, "bad user %.64s", r->user);
                return -EINVAL;
        }
        if (!printable(r->label)) {
                snprintf(err, errlen, "bad label");
                return -EINVAL;
        }
        /* -t implies -i (SPEC §2); a window size means nothing without a
         * terminal: both are normalised, not refused. */
        return 0;
}

/* ---- the table of connections -------------------------------------------- */

struct conn *front_conn_find(struct front *f, uint32_t id)
{
        for (unsigned i = 0; i < FRONT_MAX_CONNS; i++)
                if (f->conns[i] && f->conns[i]->id == id)
                        return f->conns[i];
        return NULL;
}

static void audit_peer(struct front *f, pid_t pid, uid_t uid, gid_t gid,
                       const char *outcome)
{
        struct front_audit a = {.when = time(NULL),
                                .box = f->name,
                                .uid = uid,
                                .gid = gid,
                                .pid = pid,
                                .outcome = outcome,
                                .status = -1};

        front_audit_write(f, &a);
}

struct conn *front_conn_add(struct front *f, int fd, pid_t pid, uid_t uid,
                            gid_t gid, uint64_t now_ms)
{
        struct conn *c;
        unsigned slot;

        for (slot = 0; slot < FRONT_MAX_CONNS && f->conns[slot]; slot++)
                ;
        c = slot < FRONT_MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
        if (!c) {
                audit_peer(f, pid, uid, gid, "busy");
                close(fd);
                return NULL;
        }
        /* Ids are unique among live connections; 0 is never used. */
        do {
                c->id = f->next_conn++;
                if (f->next_conn == 0)
                        f->next_conn = 1;
        } while (front_conn_find(f, c->id));
        c->fd = fd;
        c->state = CONN_NEW;
        c->peer_pid = pid;
        c->peer_uid = uid;
        c->peer_gid = gid;
        c->deadline_ms = now_ms + FRONT_FIRST_REQ_MS;
        f->conns[slot] = c;
        f->nconns++;
        return c;
}

void front_conn_end(struct front *f, struct conn *c, const char *outcome,
                    int status)
{
        struct front_audit a = {.when = time(NULL),
                                .box = f->name,
                                .uid = c->peer_uid,
                                .gid = c->peer_gid,
                                .pid = c->peer_pid,
                                .request = c->request,
                                .user = c->request ? c->user : NULL,
                                .command = c->command,
                                .outcome = outcome,
                                .status = status};

        front_audit_write(f, &a);
        for (unsigned i = 0; i < FRONT_MAX_CONNS; i++)
                if (f->conns[i] == c) {
                        f->conns[i] = NULL;
                        f->nconns--;
                }
        if (c->fd >= 0)
                close(c->fd);
        free(c->user);
        free(c->command);
        free(c);
}

/* The peer's supplementary groups (SO_PEERGROUPS), heap; *ret_n. */
static int peer_groups(int fd, gid_t **ret, size_t *ret_n)
{
        socklen_t len = 64 * sizeof(gid_t);

        for (int tries = 0; tries < 3; tries++) {
                _cleanup_free_ gid_t *g = malloc(len ? len : 1);

                if (!g)
                        return -ENOMEM;
                if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
                        *ret_n = len / sizeof(gid_t);
                        *ret = TAKE_PTR(g);
                        return 0;
                }
                /* ERANGE: len now holds the size needed. */
                if (errno != ERANGE || len > 65536 * sizeof(gid_t))
                        return -errno;
        }
        return -ERANGE;
}

int front_accept(struct front *f, uint64_t now_ms)
{
        int added = 0;

        if (f->state != FRONT_READY || f->listen < 0)
                return 0;
        /* A bounded batch per round, so clients cannot starve the rest. */
        for (int i = 0; i < 16; i++) {
                _cleanup_free_ gid_t *groups = NULL;
                struct ucred cred;
                socklen_t len = sizeof(cred);
                size_t ngroups = 0;
                int fd;

                fd = accept4(f->listen, NULL, NULL,
                             SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0)
                        break;
                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
                        close(fd);
                        continue;
                }
                if (cred.uid != 0 && f->operator_gid >= 0)
                        (void)peer_groups(fd, &groups, &ngroups);
                if (!front_peer_allowed(cred.uid, cred.gid, groups, ngroups,
                                        f->operator_gid)) {
                        audit_peer(f, cred.pid, cred.uid, cred.gid, "refused");
                        close(fd);
                        continue;
                }
                if (front_conn_add(f, fd, cred.pid, cred.uid, cred.gid, now_ms))
                        added++;
        }
        return added;
}

uint64_t front_expire(struct front *f, uint64_t now_ms)
{
        uint64_t next = 0;

        for (unsigned i = 0; i < FRONT_MAX_CONNS; i++) {
                struct conn *c = f->conns[i];

                if (!c || !c->deadline_ms)
                        continue;
                if (c->deadline_ms <= now_ms)
                        front_conn_end(f, c, "timeout", -1);
                else if (!next || c->deadline_ms < next)
                        next = c->deadline_ms;
        }
        return next;
}

/* ---- sending to the client ----------------------------------------------- */

/* The client is gone or does not read (its socket is non-blocking: a full
 * buffer is its problem, never ours): a running enter is hung up, any
 * other connection just ends. */
static int conn_lost(struct front *f, struct conn *c)
{
        struct ipc_spawn_hangup h = {.hdr.type = IPC_SPAWN_HANGUP};

        if (!(c->state & (CONN_SPAWNING | CONN_RUNNING))) {
                front_conn_end(f, c, "hangup", -1);
                return 0;
        }
        close(c->fd);
        c->fd = -EBADF;
        c->state = CONN_HANGUP;
        h.conn = c->id;
        return ipc_send(f->spawner, &h);
}

static int conn_send(struct front *f, struct conn *c, void *msg)
{
        int r;

        if (c->fd < 0)
                return 0;
        ((struct ipc_hdr *)msg)->id = c->req_id;
        r = ipc_send(c->fd, msg);
        return r < 0 ? conn_lost(f, c) : 0;
}

/* The request is refused: REPLY {err, msg}, audit, close. A process
 * already handed to the spawner is hung up instead, and audited when the
 * spawner reports its end. Returns -errno only if the spawner is gone. */
static int conn_refuse(struct front *f, struct conn *c, int err,
                       const char *outcome, const char *msg)
{
        if (c->fd >= 0)
                (void)ipc_send_reply(c->fd, c->req_id, err, "%s", msg);
        if (c->state & (CONN_SPAWNING | CONN_RUNNING)) {
                c->outcome = outcome;
                return conn_lost(f, c);
        }
        front_conn_end(f, c, outcome, c->request ? 125 : -1);
        return 0;
}

/* ---- the client's requests ------------------------------------------------
 */

static int conn_set_audit(struct conn *c, const char *request, const char *user,
                          char *command)
{
        c->request = request;
        if (user)
                c->user = strdup(*user ? user : "root");
        c->command = command;
        return (!user || c->user) && c->command ? 0 : -ENOMEM;
}

/* Validated, then handed to the spawner with the client's three fds; the
 * spawner is what runs it, as root, in the box. */
static int client_enter(struct front *f, struct conn *c, void *msg)
{
        struct ipc_enter_req *m = msg;
        struct ipc_spawn_req s = {.hdr.type = IPC_SPAWN_REQ, .hdr.nfds = 3};
        char err[IPC_ERRMSG_MAX];
        int r;

        if (conn_set_audit(c, "enter", m->user, front_command_join(m->args)) <
            0) {
                return conn_refuse(f, c, -ENOMEM, "failed", "out of memory");
        }
        r = front_enter_validate(m, err, sizeof(err));
        if (r < 0) {
                return conn_refuse(f, c, r, "bad-request", err);
        }
        for (unsigned i = 0; i < 3; i++)
                s.hdr.fds[i] = m->hdr.fds[i];
        for (unsigned i = 3; i < IPC_MAX_FDS; i++)
                s.hdr.fds[i] = -EBADF;
        s.conn = c->id;
        s.args = m->args;
        s.env = m->env;
        s.user = m->user;
        s.workdir = m->workdir;
        s.label = m->label;
        s.tty = m->tty;
        s.rows = m->tty ? m->rows : 0;
        s.cols = m->tty ? m->cols : 0;
        r = ipc_send(f->spawner, &s);
        if (r < 0)
                return r; /* the fds are closed with m by the caller */
        c->state = CONN_SPAWNING;
        return 0;
}

static int client_signal(struct front *f, struct conn *c, void *msg)
{
        struct ipc_enter_signal *m = msg;
        struct ipc_spawn_signal s = {.hdr.type = IPC_SPAWN_SIGNAL};

        /* Not started yet: the last one waits for SPAWN_STARTED. */
        if (c->state == CONN_SPAWNING) {
                c->pending_sig = (int)m->sig;
                return 0;
        }
        s.conn = c->id;
        s.sig = m->sig;
        return ipc_send(f->spawner, &s);
}

/* Stopping is the broker's to do; the client's connection stays open
 * until the box (and so enterd) is gone, which the client sees as EOF. */
static int client_stop(struct front *f, struct conn *c, void *msg)
{
        struct ipc_op_stop *m = msg;
        struct ipc_op_stop s = {.hdr.type = IPC_OP_STOP, .timeout = m->timeout};
        char t[24];

        snprintf(t, sizeof(t), "timeout=%lld", (long long)m->timeout);
        if (conn_set_audit(c, "stop", NULL, strdup(t)) < 0) {
                return conn_refuse(f, c, -ENOMEM, "failed", "out of memory");
        }
        c->state = CONN_STOPPING;
        return front_broker_send(f, &s, &c->broker_id);
}

/* What the broker knows of the box, for an operator who may not read its
 * state directory (`pbox status`). */
static int client_status(struct front *f, struct conn *c, void *msg)
{
        struct ipc_op_status s = {.hdr.type = IPC_OP_STATUS};

        (void)msg;
        if (conn_set_audit(c, "status", NULL, strdup("")) < 0)
                return conn_refuse(f, c, -ENOMEM, "failed", "out of memory");
        c->state = CONN_OP_WAIT;
        return front_broker_send(f, &s, &c->broker_id);
}

static bool dev_path_ok(const char *p)
{
        if (strncmp(p, "/dev/", 5) != 0 || !p[5])
                return false;
        for (const char *s = p; (s = strstr(s, "..")); s += 2)
                if (s[-1] == '/' && (s[2] == '/' || !s[2]))
                        return false;
        return true;
}

/* Parsed here (§4.3) so the broker and the mounter only ever see one
 * well-formed device; the mounter checks it again and acts on it. */
static int client_device_add(struct front *f, struct conn *c, void *msg)
{
        struct ipc_op_device_add *m = msg;
        struct ipc_mnt_device d = {.hdr.type = IPC_MNT_DEVICE};
        struct pbox_devices devs = {0};
        char err[PBOX_ERR_LEN];
        int r;

        if (conn_set_audit(c, "device-add", NULL, strdup(m->spec)) < 0) {
                return conn_refuse(f, c, -ENOMEM, "failed", "out of memory");
        }
        r = pbox_devices_set(&devs, m->spec, err);
        if (r == 0 && (devs.n != 1 || !dev_path_ok(devs.v[0].path))) {
                snprintf(err, sizeof(err),
                         "device %.64s: must be one path "
                         "under /dev/",
                         m->spec);
                r = -EINVAL;
        }
        if (r < 0) {
                pbox_devices_free(&devs);
                return conn_refuse(f, c, r, "bad-request", err);
        }
        d.path = devs.v[0].path;
        d.permissions = devs.v[0].permissions;
        d.file_mode =
            devs.v[0].has_file_mode ? (int64_t)devs.v[0].file_mode : -1;
        d.uid = devs.v[0].uid;
        d.gid = devs.v[0].gid;
        c->state = CONN_OP_WAIT;
        r = front_broker_send(f, &d, &c->broker_id);
        pbox_devices_free(&devs);
        return r;
}

static int client_device_remove(struct front *f, struct conn *c, void *msg)
{
        struct ipc_op_device_remove *m = msg;
        struct ipc_mnt_device_remove d = {.hdr.type = IPC_MNT_DEVICE_REMOVE};

        if (conn_set_audit(c, "device-remove", NULL, strdup(m->path)) < 0) {
                return conn_refuse(f, c, -ENOMEM, "failed", "out of memory");
        }
        if (!dev_path_ok(m->path)) {
                return conn_refuse(f, c, -EINVAL, "bad-request",
                                   "device path must be absolute, under /dev/");
        }
        d.path = m->path;
        c->state = CONN_OP_WAIT;
        return front_broker_send(f, &d, &c->broker_id);
}

static const struct client_handler client_table[IPC_TYPE_MAX] = {
    [IPC_ENTER_REQ] = {IPC_ENTER_REQ, CONN_NEW, client_enter},
    [IPC_ENTER_SIGNAL] = {IPC_ENTER_SIGNAL, CONN_SPAWNING | CONN_RUNNING,
                          client_signal},
    [IPC_OP_STOP] = {IPC_OP_STOP, CONN_NEW, client_stop},
    [IPC_OP_STATUS] = {IPC_OP_STATUS, CONN_NEW, client_status},
    [IPC_OP_DEVICE_ADD] = {IPC_OP_DEVICE_ADD, CONN_NEW, client_device_add},
    [IPC_OP_DEVICE_REMOVE] = {IPC_OP_DEVICE_REMOVE, CONN_NEW,
                              client_device_remove},
};

/* One decoded frame (or the error receiving it) from c's client. */
static int client_dispatch(struct front *f, struct conn *c, int r,
                           struct ipc_hdr *msg)
{
        const struct client_handler *h;

        if (r == -EAGAIN || r == -EINTR)
                return 0;
        if (r == -ECONNRESET)
                return conn_lost(f, c);
        if (r < 0) {
                return conn_refuse(f, c, -EBADMSG, "bad-request",
                                   "bad request");
        }
        h = &client_table[msg->type];
        if (!h->fn || h->type != msg->type || !(h->states & c->state)) {
                return conn_refuse(f, c, -EPROTO, "bad-request",
                                   "request not permitted now");
        }
        if (c->state == CONN_NEW) {
                c->deadline_ms = 0;
                c->req_id = msg->id;
        }
        return h->fn(f, c, msg);
}

int front_conn_readable(struct front *f, struct conn *c)
{
        _cleanup_msg_ struct ipc_hdr *msg = NULL;
        int r;

        r = ipc_recv(c->fd, IPC_ROLE_CLIENT, (void **)&msg);
        return client_dispatch(f, c, r, msg);
}

int front_handle_client_frame(struct front *f, struct conn *c,
                              const uint8_t *buf, size_t len, int *fds,
                              unsigned nfds)
{
        _cleanup_msg_ struct ipc_hdr *msg = NULL;
        int r;

        if (len == 0) {
                for (unsigned i = 0; i < nfds; i++)
                        close(fds[i]);
                r = -ECONNRESET;
        } else if (len > IPC_FRAME_MAX) {
                for (unsigned i = 0; i < nfds; i++)
                        close(fds[i]);
                r = -EMSGSIZE;
        } else {
                r = ipc_decode(buf, len, IPC_ROLE_CLIENT, fds, nfds,
                               (void **)&msg);
        }
        return client_dispatch(f, c, r, msg);
}

/* ---- what the spawner and the broker report ----------------------------- */

int front_conn_spawn_tty(struct front *f, struct conn *c,
                         struct ipc_spawn_tty *m)
{
        struct ipc_enter_tty t = {.hdr.type = IPC_ENTER_TTY, .hdr.nfds = 1};

        t.hdr.fds[0] = m->hdr.fds[0];
        for (unsigned i = 1; i < IPC_MAX_FDS; i++)
                t.hdr.fds[i] = -EBADF;
        /* The master is closed with m; the client has its own copy. */
        return conn_send(f, c, &t);
}

int front_conn_spawn_started(struct front *f, struct conn *c,
                             const struct ipc_spawn_started *m)
{
        struct ipc_enter_started s = {.hdr.type = IPC_ENTER_STARTED,
                                      .pid = m->pid};
        struct ipc_spawn_signal sig = {.hdr.type = IPC_SPAWN_SIGNAL};
        int r;

        if (c->state == CONN_HANGUP)
                return 0;
        c->state = CONN_RUNNING;
        if (c->pending_sig) {
                sig.conn = c->id;
                sig.sig = (uint64_t)c->pending_sig;
                c->pending_sig = 0;
                r = ipc_send(f->spawner, &sig);
                if (r < 0)
                        return r;
        }
        return conn_send(f, c, &s);
}

int front_conn_spawn_exit(struct front *f, struct conn *c,
                          const struct ipc_spawn_exit *m)
{
        struct ipc_enter_exit e = {.hdr.type = IPC_ENTER_EXIT,
                                   .status = m->status};
        bool hung = c->state == CONN_HANGUP;

        if (m->err < 0) {
                int st = proc_exec_status((int)m->err);

                if (!hung)
                        (void)ipc_send_reply(c->fd, c->req_id, (int)m->err,
                                             "%s", m->msg);
                front_conn_end(f, c,
                               c->outcome ? c->outcome
                               : hung     ? "hangup"
                                          : "failed",
                               st);
                return 0;
        }
        /* The process is gone: a client that does not take the news is
         * not hung up (the spawner no longer knows this conn). */
        if (!hung) {
                e.hdr.id = c->req_id;
                (void)ipc_send(c->fd, &e);
        }
        front_conn_end(f, c,
                       c->outcome ? c->outcome
                       : hung     ? "hangup"
                                  : "exited",
                       (int)m->status);
        return 0;
}

int front_conn_broker_state(struct front *f, struct conn *c,
                            struct ipc_op_state *m)
{
        c->broker_id = 0;
        (void)conn_send(f, c, m);
        front_conn_end(f, c, "ok", 0);
        return 0;
}

int front_conn_broker_reply(struct front *f, struct conn *c,
                            const struct ipc_reply *m)
{
        c->broker_id = 0;
        if (c->state == CONN_STOPPING && m->err == 0)
                return 0; /* stays open until we exit */
        if (c->fd >= 0)
                (void)ipc_send_reply(c->fd, c->req_id, (int)m->err, "%s",
                                     m->msg);
        front_conn_end(f, c, m->err == 0 ? "ok" : "failed",
                       m->err == 0 ? 0 : 125);
        return 0;
}
