/* spawner.h — pbox-enterd's spawner: the privileged half of enterd
 * (docs/enter.md). enterd forks it as root before the front drops
 * privilege; it keeps a small capability set (spawner.c: spawner_caps),
 * never sets no_new_privs and installs no seccomp filter, because every
 * entered process descends from it. It takes only validated requests from
 * the front (role IPC_ROLE_ENTERD) and starts processes inside the box.
 *
 * Files: spawner.c (its set-up, the dispatch table, the table of
 * processes, the poll loop), spawner_config.c (SPAWN_CONFIG: the box's
 * init and cgroups, the socket's mode, the audit log, the capability
 * drop for the box), launcher.c (the *launcher*: a child of the
 * spawner that moved itself once into the box's `enter` cgroups and
 * starts every entered process from there, so that none has to migrate),
 * spawn_child.c (what the launcher forks: setns, clone into the box's PID
 * namespace, prepare and exec with libipc/boxproc.c). Runs in the spawner
 * process and its children only.
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

#define SPAWN_HANGUP_GRACE_S    5    /* SIGHUP, then SIGKILL after this */
#define SPAWN_CHAN_WAIT_MS      1000 /* a channel's last word after the exit */
#define SPAWN_MAX_PROCS         1024
#define SPAWN_LAUNCHER_DELAY_MS 100 /* SPAWN_CONFIG → the launcher starts */

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

/* The spawner's launcher (launcher.c), pid 0 when there is none. */
struct spawn_launcher {
        pid_t pid;
        int pidfd; /* readable once it died */
        int sock;  /* our end of its socketpair (LAUNCH_REQ) */
};

/* A process started by launcher_spawn(): the spawner's own child. */
struct spawn_launch {
        pid_t pid;   /* host pid */
        int chan_fd; /* its channel: with tty the pty master (one byte and
                        SCM_RIGHTS), then a struct spawn_fail if it never
                        ran; EOF once exec succeeded (CLOEXEC) */
};

/* Fork a launcher for b unless l holds a live one (it joins the enter
 * cgroups itself while the spawner goes on, and keeps no fd of the
 * spawner but its socket and b's init pidfd). */
int launcher_start(struct spawn_launcher *l, const struct spawn_box *b);
/* SIGKILL it (if any) and reap it; l is empty afterwards. */
void launcher_stop(struct spawn_launcher *l);
/* Its pidfd was readable: reap it if it has exited. */
void launcher_check(struct spawn_launcher *l);

/* Start req's process in box b through l (started or restarted here if
 * needed). On success the process exists (it may still fail before exec:
 * see chan_fd). On failure nothing was started and errmsg holds the
 * reason; -EINVAL is a set-up failure (exit 125). */
int launcher_spawn(struct spawn_launcher *l, const struct spawn_box *b,
                   const struct ipc_spawn_req *req, struct spawn_launch *ret,
                   char *errmsg, size_t errlen);

/* ---- Internal to the spawner (spawner.c ↔ spawner_config.c) ---------- */

struct pollfd;
struct sproc; /* a process it started (spawner.c) */

/* The spawner's state, owned by spawner_main(). */
struct spawner {
        int sock;
        const char *sock_path, *box_dir;
        struct spawn_box box;
        struct spawn_launcher launcher;
        int launch_timer; /* after SPAWN_CONFIG: start the launcher */
        bool configured;
        struct sproc *procs;
        size_t n;
        struct pollfd *pfd; /* spawner_poll's, grown as needed */
        uint64_t *pconn;
        size_t pcap;
};

/* Effective = spawner_caps, permitted = those plus extra, inheritable and
 * ambient empty (spawner.c). -EPERM if it did not stick. */
int spawner_caps_set(uint64_t extra);
/* What this process may still hold now. */
uint64_t spawner_caps_permitted(void);
/* Whether the pidfd's process has exited (true for pidfd < 0). */
bool spawner_pidfd_exited(int pidfd);

/* SPAWN_CONFIG (spawner_config.c): check it and apply it, then send
 * SPAWN_READY with the audit log's fd. On failure errmsg holds the
 * reason; the spawner answers it and ends. */
int spawner_handle_config(struct spawner *s, void *msg, char *errmsg,
                          size_t errlen);

/* ---- Internal to launcher.c ↔ spawn_child.c ---------------------------- */

/* What the intermediate (or the launcher, when it cannot create one)
 * writes first on a process's channel. */
struct spawn_hello {
        int32_t pid; /* > 0: the box process; else 0 and err set */
        int32_t mid; /* the intermediate, to reap; 0 if none */
        int32_t err;
        char msg[IPC_ERRMSG_MAX];
};

/* What the process that never ran writes on its channel. */
struct spawn_fail {
        int32_t err; /* -errno; -EINVAL: set-up failure */
        char msg[IPC_ERRMSG_MAX];
};

/* In the launcher: clone3(CLONE_PARENT) the intermediate for req (a
 * LAUNCH_REQ: stdio on fds 0-2, the channel on fd 3), which joins the box
 * and creates the box process. Returns the intermediate's pid or -errno;
 * the launcher keeps none of req's fds afterwards. */
pid_t spawn_child_clone(const struct spawn_box *b,
                        const struct ipc_spawn_req *req);

#endif
