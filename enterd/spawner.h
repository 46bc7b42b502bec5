/* spawner.h — pbox-enterd's spawner: the privileged half of enterd
 * (docs/enter.md). enterd forks it as root before the front drops
 * privilege; it keeps a small capability set (spawner.c: spawner_caps),
 * never sets no_new_privs and installs no seccomp filter, because every
 * entered process descends from it. It takes only validated requests from
 * the front (role IPC_ROLE_ENTERD) and starts processes inside the box.
 *
 * Files: spawner.c (its set-up, the dispatch table, the table of
 * processes, the poll loop), spawn_child.c (the fork into the box: join
 * the enter cgroup, setns, clone into the box's PID namespace, prepare and
 * exec with libipc/boxproc.c). Runs in the spawner process and its
 * children only.
 *
 * Return convention: 0 on success, -errno on failure; ret_* written only
 * on success. */
#ifndef PBOX_ENTERD_SPAWNER_H
#define PBOX_ENTERD_SPAWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc.h"

/* Run the spawner on front_sock (a SOCK_SEQPACKET socketpair end to the
 * front) until the front goes away; sock_path and box_dir (=
 * DATA_DIR/NAME) are the enter socket and its directory, given by the
 * root enterd, whose owner and mode SPAWN_CONFIG sets. Called as root in
 * a forked child; returns the exit status for it (0 after the front's
 * EOF, 1 when the front broke the protocol or set-up failed). Every
 * process it started is killed and reaped before it returns. */
int spawner_main(int front_sock, const char *sock_path, const char *box_dir);

/* ---- Internal to the spawner (spawner.c ↔ spawn_child.c) -------------- */

#define SPAWN_HANGUP_GRACE_S 5 /* SIGHUP, then SIGKILL after this */
#define SPAWN_MAX_PROCS      1024

/* The box being entered, from SPAWN_CONFIG. */
struct spawn_box {
        char *name;
        int init_pidfd;     /* pidfd of the box's PID 1 */
        int ns_flags;       /* CLONE_NEW* to setns() through init_pidfd */
        uint64_t caps;      /* the box's bounding set */
        bool no_new_privs;  /* --no-new-privs */
        char **enter_procs; /* cgroup.procs of pbox-NAME/enter, each
                               hierarchy; NULL-terminated */
};

/* A process started by spawn_child_start(): the spawner's own child. */
struct spawn_launch {
        pid_t pid;  /* host pid */
        int err_fd; /* read end: {int32 -errno, msg} if it never ran, EOF
                       once exec succeeded (CLOEXEC) */
        int tty_fd; /* with tty: socket on which the pty master arrives */
};

/* Start req's process in box b. On success the process exists (it may
 * still fail before exec: see err_fd). On failure nothing was started and
 * errmsg holds the reason; -EINVAL is a set-up failure (exit 125). The
 * intermediate child closes every fd of the spawner but b's pidfd and
 * req's fds before it joins the box. */
int spawn_child_start(const struct spawn_box *b,
                      const struct ipc_spawn_req *req, struct spawn_launch *ret,
                      char *errmsg, size_t errlen);

/* What the process that never ran writes on err_fd. */
struct spawn_fail {
        int32_t err; /* -errno; -EINVAL: set-up failure */
        char msg[IPC_ERRMSG_MAX];
};

#endif
