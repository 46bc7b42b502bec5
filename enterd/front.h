/* front.h — pbox-enterd's front: the unprivileged half of enterd that owns
 * the operator socket DATA_DIR/NAME/enter.sock (docs/enter.md). It runs
 * as the broker user with no capabilities; it checks every peer, validates
 * every request and relays validated spawn requests to the spawner, device
 * and stop requests to the broker, and writes the audit log.
 *
 * Files: front.c (state, poll loop, broker and spawner sides), conn.c
 * (the client side: accept, peer check, requests, deadlines), audit.c (the
 * audit line and its quoting). Everything here runs in the front process
 * only; the pure helpers (peer check, validation, audit formatting) are
 * exported for the unit tests and the fuzz target.
 *
 * Ownership: struct front owns every fd given to front_new() and every
 * connection; front_free() closes them all. Return convention: 0 (or a
 * count) on success, -errno on failure. A negative return of a front_*
 * step means the front cannot go on (its broker or spawner is gone or
 * broke the protocol); a client's misbehaviour only ends that client's
 * connection and is never an error of the front. */
#ifndef PBOX_ENTERD_FRONT_H
#define PBOX_ENTERD_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "ipc.h"

#define FRONT_MAX_CONNS    64   /* connections, incl. hung-up enters */
#define FRONT_FIRST_REQ_MS 5000 /* a client's first request must come by */
#define FRONT_AUDIT_MAX    4096 /* one audit line, newline included */
#define FRONT_CMD_MAX      1024 /* command text kept for the audit line */

/* The front's handshake with its broker and spawner (docs/enter.md,
 * start-up), in order; FRONT_FAILED is the error sentinel. */
enum front_state {
        FRONT_WAIT_CONFIG, /* until the broker's ENTERD_CONFIG */
        FRONT_WAIT_READY,  /* SPAWN_CONFIG sent, until SPAWN_READY */
        FRONT_READY,       /* REPLY{0} sent to the broker: serving clients */
        FRONT_FAILED,
};

/* One client connection, from accept to its last audit line. */
enum conn_state {
        CONN_NEW = 1u << 0,      /* peer checked; waiting for the request */
        CONN_SPAWNING = 1u << 1, /* SPAWN_REQ sent, not started yet */
        CONN_RUNNING = 1u << 2,  /* SPAWN_STARTED relayed */
        CONN_HANGUP = 1u << 3,   /* client gone, SPAWN_HANGUP sent; fd closed */
        CONN_OP_WAIT = 1u << 4,  /* device or status request sent to the
                                    broker */
        CONN_STOPPING = 1u << 5, /* stop forwarded; open until we exit */
};

struct conn {
        int fd; /* -EBADF once the client is gone (CONN_HANGUP) */
        uint32_t id;
        enum conn_state state;
        pid_t peer_pid;
        uid_t peer_uid;
        gid_t peer_gid;
        uint64_t deadline_ms; /* CLOCK_MONOTONIC ms; 0 = none */
        uint32_t req_id;      /* the client's request id, echoed */
        uint32_t broker_id;   /* our id of a request to the broker; 0 = none */
        int pending_sig;      /* a signal that came before SPAWN_STARTED */
        const char *request;  /* "enter", "stop", "device-add", ... */
        const char *outcome;  /* set when refused after the spawn */
        char *user;           /* audit: the request's user */
        char *command;        /* audit: command line, spec or path */
};

struct front {
        enum front_state state;
        char *name; /* the box, from argv */
        int broker; /* fd 3 */
        int spawner;
        int listen; /* -EBADF: none (tests drive connections directly) */
        int timer;  /* timerfd for connection deadlines */
        int audit;  /* the audit log (O_APPEND), from SPAWN_READY */
        int64_t operator_gid;
        uint32_t config_id;   /* the broker's ENTERD_CONFIG id, for REPLY */
        uint32_t next_conn;   /* connection ids, 1..UINT32_MAX */
        uint32_t next_broker; /* our request ids towards the broker */
        bool seen_config, seen_ready;
        struct conn *conns[FRONT_MAX_CONNS];
        unsigned nconns;
};

/* ---- front.c ----------------------------------------------------------- */

/* A front for box name, owning broker, spawner, listen_fd (-EBADF for
 * none). NULL on ENOMEM or if no timerfd could be made (fds then
 * closed). */
struct front *front_new(const char *name, int broker, int spawner,
                        int listen_fd);
/* Closes every connection and fd; audits requests still open. NULL ok. */
void front_free(struct front *f);
/* One message from the broker / the spawner. -errno: the front ends. */
int front_handle_broker(struct front *f);
int front_handle_spawner(struct front *f);
/* One poll round over everything (timeout_ms as for poll()); handles
 * whatever is ready. -errno when the front must end (-ECONNRESET: a
 * peer closed, the normal end). */
int front_poll_once(struct front *f, int timeout_ms);
/* The loop: until broker or spawner are gone. Returns an exit status. */
int front_run(struct front *f);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t front_now_ms(void);
/* Send to the broker (ids assigned here); -errno: the front ends. */
int front_broker_send(struct front *f, void *msg, uint32_t *ret_id);

/* ---- conn.c ------------------------------------------------------------ */

/* Pure: may a peer with uid/gid and supplementary groups use the socket?
 * Root always; others only as members of operator_gid (>= 0). */
bool front_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups,
                        size_t ngroups, int64_t operator_gid);
/* Pure: the checks beyond the schema on an ENTER_REQ. 0 or -EINVAL with
 * the reason in err. */
int front_enter_validate(const struct ipc_enter_req *r, char *err,
                         size_t errlen);
/* Accept pending connections (only when ready); each is checked before a
 * byte is read and refused (audited, closed) unless allowed. Returns the
 * number of connections added. */
int front_accept(struct front *f, uint64_t now_ms);
/* A checked connection on fd (taken over) with the peer's credentials.
 * Returns it, or NULL (fd closed, audited "busy") when the table is
 * full or memory is short. */
struct conn *front_conn_add(struct front *f, int fd, pid_t pid, uid_t uid,
                            gid_t gid, uint64_t now_ms);
/* The connection with id, or NULL. */
struct conn *front_conn_find(struct front *f, uint32_t id);
/* Close and forget c; if it still had a request, audit it with outcome
 * (and status >= 0). */
void front_conn_end(struct front *f, struct conn *c, const char *outcome,
                    int status);
/* The client of c is readable: receive and handle one frame (or EOF).
 * c may be gone afterwards. -errno only when the front must end. */
int front_conn_readable(struct front *f, struct conn *c);
/* One raw frame from the client of c with its fds (taken over, closed on
 * every path), as if received: decoded for the client role, then
 * dispatched. c may be gone afterwards. -errno only when the front must
 * end. The entry point of fuzz_enterd. */
int front_handle_client_frame(struct front *f, struct conn *c,
                              const uint8_t *buf, size_t len, int *fds,
                              unsigned nfds);
/* Connections whose deadline passed by now_ms are closed (audited
 * "timeout"). Returns the earliest deadline still pending, 0 if none. */
uint64_t front_expire(struct front *f, uint64_t now_ms);
/* Spawner events for connection c. -errno only when the front must end. */
int front_conn_spawn_tty(struct front *f, struct conn *c,
                         struct ipc_spawn_tty *m);
int front_conn_spawn_started(struct front *f, struct conn *c,
                             const struct ipc_spawn_started *m);
int front_conn_spawn_exit(struct front *f, struct conn *c,
                          const struct ipc_spawn_exit *m);
/* The broker's reply to c's device request. */
int front_conn_broker_reply(struct front *f, struct conn *c,
                            const struct ipc_reply *m);
/* The broker's state for c's status request. */
int front_conn_broker_state(struct front *f, struct conn *c,
                            struct ipc_op_state *m);

/* ---- audit.c ----------------------------------------------------------- */

struct front_audit {
        time_t when;
        const char *box;
        uid_t uid;
        gid_t gid;
        pid_t pid;
        const char *request; /* NULL: omitted (a refused peer) */
        const char *user;    /* NULL: omitted */
        const char *command; /* NULL: omitted */
        const char *outcome;
        int status; /* < 0: omitted */
};

/* The line (with '\n') into buf: `time=... box=... peer_uid=... ...`,
 * values that need it quoted Go-style. Returns its length, -ENOBUFS if
 * it does not fit, -ENOMEM. */
int front_audit_format(char *buf, size_t len, const struct front_audit *a);
/* args joined with spaces, each argument that needs it in shell single
 * quotes, cut at FRONT_CMD_MAX bytes with "...". Heap; NULL on ENOMEM. */
char *front_command_join(char *const *args);
/* Format and write one line to f->audit with a single write(); errors
 * are reported on stderr once and otherwise ignored. */
void front_audit_write(struct front *f, const struct front_audit *a);

#endif
