/* ipc.h — pbox's one message schema, its codec and its transport.
 *
 * Every process of pbox talks to its peers through msgpack frames over
 * SOCK_SEQPACKET socketpairs; one datagram is one frame, at most
 * IPC_FRAME_MAX bytes, fds ride along with SCM_RIGHTS. A frame is the
 * msgpack array [type, id, field1, field2, ...] with the fields in the
 * order the schema (schema.c) declares them, each encoded by itself.
 *
 * Decoded messages are plain C structs (one per type, below). The schema
 * table names, for each type, the roles that may send it, how many fds it
 * carries, and for each field its C offset, wire type and limits; the
 * encoder and the decoder are both driven by it. The decoder refuses,
 * with -EBADMSG (or -EMSGSIZE / -EPROTO) and never a crash or a leak:
 * unknown type, wrong field type, missing or extra fields, trailing
 * bytes, nesting deeper than the schema, strings with NUL bytes or over
 * their limit, numbers out of range, frames over IPC_FRAME_MAX, and fds on
 * a type that carries none (or the wrong count).
 *
 * Ownership: a decoded message is heap-allocated; ipc_msg_free() releases
 * its strings and closes any fds still >= 0 in it. Return convention: 0
 * or a count on success, -errno on failure; library code never logs above
 * debug and never exits.
 */
#ifndef PBOX_IPC_H
#define PBOX_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPC_FRAME_MAX  (64 * 1024)
#define IPC_MAX_FDS    4
#define IPC_MAX_FIELDS 16
#define IPC_ERRMSG_MAX 512
#define IPC_PATH_MAX   4096
#define IPC_STATE_MAX  8192  /* broker_format_state() output */
#define IPC_ARGS_MAX   4096  /* argv / envp entries */
#define IPC_ARG_MAX    65536 /* one argv / envp string (bounded by the frame) */

/* Who is on the other end of a socket. A schema entry lists the roles
 * allowed to send it; a receiver states which role its peer has. */
enum ipc_role {
        IPC_ROLE_BROKER = 1u << 0,
        IPC_ROLE_MOUNTER = 1u << 1,
        IPC_ROLE_INITPROC = 1u << 2,
        IPC_ROLE_ENTERD = 1u << 3,  /* enterd front */
        IPC_ROLE_SPAWNER = 1u << 4, /* enterd spawner */
        IPC_ROLE_CLIENT = 1u << 5,  /* operator on the enter socket */
};

enum ipc_ftype {
        IPC_T_U64,  /* uint64_t, in [min, max] */
        IPC_T_I64,  /* int64_t, in [(int64_t)min, (int64_t)max] */
        IPC_T_BOOL, /* bool */
        IPC_T_STR,  /* char *, NUL-terminated, no NUL inside, len <= max */
        IPC_T_BIN,  /* struct ipc_bin, len <= max */
        IPC_T_STRV, /* char ** NULL-terminated, count in [min, max],
                       each element a STR of len <= elem_max */
};

struct ipc_bin {
        uint8_t *data;
        size_t len;
};

struct ipc_field {
        const char *name;
        enum ipc_ftype type;
        size_t offset;
        uint64_t min, max;
        uint32_t elem_max; /* IPC_T_STRV only */
};

/* The message types. Values are the wire numbers: append, never renumber. */
enum ipc_type {
        IPC_REPLY = 1,  /* any → requester: {err, msg} */
        IPC_MNT_CONFIG, /* broker → mounter: the box */
        IPC_MNT_VOLUME, /* broker → mounter: one --volume */
        IPC_MNT_DEVICE, /* broker → mounter: one --device (also hot-plug) */
        IPC_MNT_FILE_COPY,     /* broker → mounter: one --file */
        IPC_MNT_FILE_WRITE,    /* broker → mounter: env files, hosts, ... */
        IPC_MNT_CREATE,        /* broker → mounter: build it; fds: initproc
                                  socket, stdin, stdout, stderr */
        IPC_MNT_CREATED,       /* mounter → broker: init's host pid, cgroup */
        IPC_MNT_SIGNAL,        /* broker → mounter: signal init */
        IPC_MNT_KILL,          /* broker → mounter: kill the whole box
                                  (before create: the start is given up) */
        IPC_MNT_INIT_EXIT,     /* mounter → broker: init's wait status */
        IPC_MNT_DEVICE_REMOVE, /* broker → mounter: hot-unplug a node */
        IPC_INIT_EXEC,         /* broker → initproc: what INIT is and how */
        IPC_INIT_TTY,          /* initproc → broker: pty master; fds: 1 */
        IPC_INIT_STARTED,      /* initproc → broker: INIT is running */
        /* The enter protocol (docs/enter.md). */
        IPC_ENTERD_CONFIG, /* broker → enterd front: the running box */
        IPC_ENTER_REQ,     /* client → front: run a process; fds: 0, 1, 2 */
        IPC_ENTER_STARTED, /* front → client: it runs (pid in the box) */
        IPC_ENTER_TTY,     /* front → client: its pty master; fds: 1 */
        IPC_ENTER_SIGNAL,  /* client → front: deliver a signal */
        IPC_ENTER_EXIT,    /* front → client: its exit status */
        IPC_OP_STOP,       /* client → front, front → broker: stop */
        IPC_OP_DEVICE_ADD, /* client → front: `pbox device add SPEC` */
        IPC_OP_DEVICE_REMOVE, /* client → front: `pbox device remove` */
        IPC_SPAWN_CONFIG,     /* front → spawner: the box to enter */
        IPC_SPAWN_READY,      /* spawner → front: audit log; fds: 1 */
        IPC_SPAWN_REQ,        /* front → spawner: validated; fds: 0, 1, 2 */
        IPC_SPAWN_STARTED,    /* spawner → front */
        IPC_SPAWN_TTY,        /* spawner → front: pty master; fds: 1 */
        IPC_SPAWN_EXIT,     /* spawner → front: status, or why it never ran */
        IPC_SPAWN_SIGNAL,   /* front → spawner */
        IPC_SPAWN_HANGUP,   /* front → spawner: the client went away */
        IPC_LAUNCH_REQ,     /* spawner → its launcher: a SPAWN_REQ passed on
                               (struct ipc_spawn_req); fds: 0, 1, 2 and the
                               process's channel (enterd/launcher.c) */
        IPC_MNT_STATE_HELD, /* broker (root) → mounter: DATA_DIR/NAME exists
                               and the broker holds its lock: the mounter
                               (and its janitor) remove it from now on */
        IPC_OP_STATUS, /* client → front, front → broker: `pbox status` */
        IPC_OP_STATE,  /* broker → front, front → client: the state lines */
        IPC_TYPE_MAX,
};

struct ipc_msgdef {
        enum ipc_type type;
        const char *name;
        unsigned senders; /* enum ipc_role bits */
        unsigned nfds;    /* exact number of fds the type carries */
        size_t size;      /* sizeof the C struct */
        const struct ipc_field *fields;
        unsigned nfields;
};

/* Every message struct starts with this header. */
struct ipc_hdr {
        enum ipc_type type;
        uint32_t id;          /* request id; a reply echoes it */
        int fds[IPC_MAX_FDS]; /* received fds, -EBADF when unused */
        unsigned nfds;
};

/* ---- The messages ------------------------------------------------------ */

struct ipc_reply {
        struct ipc_hdr hdr;
        int64_t err; /* 0 or -errno */
        char *msg;   /* "" on success; the real reason otherwise */
};

struct ipc_mnt_config {
        struct ipc_hdr hdr;
        char *name;
        char *rootfs;   /* absolute host path */
        char *data_dir; /* absolute host path */
        char *hostname;
        bool net_none;
        bool selinux;
        char *mount_label;   /* "" = none */
        uint64_t cpu_shares; /* 0 = unset, else 2..262144 */
        uint64_t memory;     /* 0 = unset, bytes */
        uint64_t pids_limit; /* 0 = unset */
};

struct ipc_mnt_volume {
        struct ipc_hdr hdr;
        char *src; /* host glob */
        char *dst; /* absolute, inside the box */
        bool readonly;
        bool skip_if_missing;
        bool recursive;
};

struct ipc_mnt_device {
        struct ipc_hdr hdr;
        char *path;        /* host glob; created at the same path in the box */
        char *permissions; /* subset of rwm */
        int64_t file_mode; /* -1 = the host node's, else 0..07777 */
        uint64_t uid;
        uint64_t gid;
};

struct ipc_mnt_device_remove {
        struct ipc_hdr hdr;
        char *path; /* absolute, inside the box */
};

struct ipc_mnt_file_copy {
        struct ipc_hdr hdr;
        char *src;    /* host path */
        char *dst;    /* absolute, inside the box */
        int64_t mode; /* -1 = the source's */
        int64_t uid;  /* -1 = 0 */
        int64_t gid;  /* -1 = 0 */
};

struct ipc_mnt_file_write {
        struct ipc_hdr hdr;
        char *dst; /* absolute, inside the box */
        struct ipc_bin data;
        uint64_t mode; /* 0..07777 */
        bool append;   /* append to an existing file (e.g. /etc/hosts) */
};

struct ipc_mnt_create {
        struct ipc_hdr hdr; /* fds: initproc socket, stdin, stdout, stderr */
        char *uuid;         /* container_uuid, for logs */
};

struct ipc_mnt_created {
        struct ipc_hdr hdr;
        uint64_t init_pid; /* host pid of the box's PID 1 */
        char *cgroup;      /* the box's cgroup path (as in /proc/PID/cgroup) */
};

struct ipc_mnt_signal {
        struct ipc_hdr hdr;
        uint64_t sig; /* 1..64 */
};

struct ipc_mnt_kill {
        struct ipc_hdr hdr;
};

struct ipc_mnt_state_held {
        struct ipc_hdr hdr;
};

struct ipc_mnt_init_exit {
        struct ipc_hdr hdr;
        uint64_t status; /* raw wait status */
};

struct ipc_init_exec {
        struct ipc_hdr hdr;
        char **args;   /* INIT and its arguments */
        char **env;    /* NAME=VALUE */
        char *user;    /* --user spec, resolved in the box */
        uint64_t caps; /* bounding set; permitted+effective for root */
        bool no_new_privs;
        bool minimal_init; /* --init: initproc stays PID 1 */
        bool tty;
        char *label; /* SELinux process label, "" = none */
};

struct ipc_init_tty {
        struct ipc_hdr hdr; /* fds: pty master */
};

struct ipc_init_started {
        struct ipc_hdr hdr;
        uint64_t pid; /* INIT's pid in the box */
};

/* ---- The enter protocol --------------------------------------------------
 * Operator socket (client ↔ enterd front), enterd's two halves (front ↔
 * spawner), and broker ↔ front. Device requests from the front to the
 * broker reuse IPC_MNT_DEVICE / IPC_MNT_DEVICE_REMOVE. */

struct ipc_enterd_config {
        struct ipc_hdr hdr;
        char *name;
        uint64_t init_pid;    /* host pid of the box's PID 1 */
        uint64_t caps;        /* the box's bounding set */
        bool no_new_privs;    /* the box was started with --no-new-privs */
        int64_t operator_gid; /* -1: root only */
        char *audit_log;      /* absolute host path */
};

struct ipc_enter_req {
        struct ipc_hdr
            hdr; /* fds: stdin, stdout, stderr (/dev/null with tty) */
        char **args;
        char **env;    /* -e NAME=VALUE pairs, in order */
        char *user;    /* "" = root */
        char *workdir; /* "" = / */
        char *label;   /* "" = computed */
        bool tty;
        bool interactive;
        uint64_t rows, cols; /* initial window size with tty, 0 = unknown */
};

struct ipc_enter_started {
        struct ipc_hdr hdr;
        uint64_t pid; /* host pid of the entered process */
};

struct ipc_enter_tty {
        struct ipc_hdr hdr; /* fds: pty master */
};

struct ipc_enter_signal {
        struct ipc_hdr hdr;
        uint64_t sig; /* 1..64 */
};

struct ipc_enter_exit {
        struct ipc_hdr hdr;
        uint64_t status; /* exit code, 128+N for signal N, 126/127 */
};

struct ipc_op_stop {
        struct ipc_hdr hdr;
        int64_t timeout; /* seconds, -1 = the box's --stop-timeout */
};

struct ipc_op_device_add {
        struct ipc_hdr hdr;
        char *spec; /* §4.3, parsed by the front */
};

struct ipc_op_device_remove {
        struct ipc_hdr hdr;
        char *path;
};

struct ipc_op_status {
        struct ipc_hdr hdr;
};

/* The broker's state file (broker_format_state): key=value lines. */
struct ipc_op_state {
        struct ipc_hdr hdr;
        char *text;
};

struct ipc_spawn_config {
        struct ipc_hdr hdr;
        char *name;
        uint64_t init_pid;
        uint64_t caps;
        bool no_new_privs;
        int64_t operator_gid;
        char *audit_log;
};

struct ipc_spawn_ready {
        struct ipc_hdr hdr; /* fds: the audit log, opened O_APPEND */
};

struct ipc_spawn_req {
        struct ipc_hdr hdr; /* fds: stdin, stdout, stderr */
        uint64_t conn;      /* the front's connection id */
        char **args;
        char **env; /* NAME=VALUE, validated names */
        char *user;
        char *workdir;
        char *label;
        bool tty;
        uint64_t rows, cols;
};

struct ipc_spawn_started {
        struct ipc_hdr hdr;
        uint64_t conn;
        uint64_t pid;
};

struct ipc_spawn_tty {
        struct ipc_hdr hdr; /* fds: pty master */
        uint64_t conn;
};

struct ipc_spawn_exit {
        struct ipc_hdr hdr;
        uint64_t conn;
        uint64_t status; /* as ipc_enter_exit */
        int64_t err;     /* 0, or why it never ran (-ENOENT → 127, ...) */
        char *msg;
};

struct ipc_spawn_signal {
        struct ipc_hdr hdr;
        uint64_t conn;
        uint64_t sig;
};

struct ipc_spawn_hangup {
        struct ipc_hdr hdr;
        uint64_t conn;
};

/* ---- Schema ------------------------------------------------------------ */

/* The definition of type t, or NULL if t is not a known type. */
const struct ipc_msgdef *ipc_schema_lookup(unsigned type);

/* ---- Codec (codec.c) --------------------------------------------------- */

/* Encode msg (whose hdr.type selects the schema entry) into buf; returns
 * the frame length. -EMSGSIZE if it would exceed IPC_FRAME_MAX or bufsz,
 * -EINVAL if a field breaks its own schema limits (the sender checks too).
 * hdr.fds are not encoded; the transport sends them. */
ssize_t ipc_encode(const void *msg, uint8_t *buf, size_t bufsz);

/* Decode one frame received from a peer of role `from`. fds/nfds are the
 * descriptors that came with the frame: on success they move into the
 * message (hdr.fds), on failure they are closed. *ret is a heap message of
 * the struct for its type. */
int ipc_decode(const uint8_t *buf, size_t len, unsigned from, int *fds,
               unsigned nfds, void **ret);

/* Allocate a zeroed message of type t, hdr.fds set to -EBADF. */
void *ipc_msg_new(enum ipc_type t);
/* Free strings/arrays/bins, close fds >= 0. NULL is fine. */
void ipc_msg_free(void *msg);
static inline void ipc_msg_freep(void *p)
{
        ipc_msg_free(*(void **)p);
}
#define _cleanup_msg_ __attribute__((cleanup(ipc_msg_freep)))

/* ---- Transport (frame.c) ----------------------------------------------- */

/* A CLOEXEC SOCK_SEQPACKET socketpair. */
int ipc_socketpair(int sv[2]);
/* Encode and send msg with its hdr.fds[0..hdr.nfds) (which must match the
 * schema's count). Fds stay owned by the caller. Retries EINTR. */
int ipc_send(int sock, const void *msg);
/* Receive one frame (MSG_CMSG_CLOEXEC), reject truncation (MSG_TRUNC /
 * MSG_CTRUNC), decode it for a peer of role `from`. 0 with *ret set on
 * success; -ECONNRESET on EOF; -errno otherwise. */
int ipc_recv(int sock, unsigned from, void **ret);
/* Convenience: send a REPLY {err, msg} with id. msg may be NULL. */
int ipc_send_reply(int sock, uint32_t id, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Send req and wait for the REPLY with the same id (any other message is a
 * protocol error: -EPROTO). Returns the reply's err (0 or -errno) and, if
 * errmsg is non-NULL, copies its msg there (IPC_ERRMSG_MAX bytes). */
int ipc_call(int sock, unsigned from, const void *req, char *errmsg);

#endif
