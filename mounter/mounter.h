/* mounter.h — the state of pbox-mounter, the privileged helper that
 * builds the box (cgroups, namespaces, root filesystem, devices), creates
 * its init and tears everything down. One instance per box, a child of the
 * broker; its only peer is the broker socket on fd 3.
 * Return convention: 0 or -errno; errmsg gets the operator's reason. */
#ifndef PBOX_MOUNTER_H
#define PBOX_MOUNTER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "cgroup_layout.h"
#include "ipc.h"

#define MOUNTER_MAX_ITEMS 256 /* volumes, devices, copies, writes: each */

struct mounter {
        int sock;
        const char *name;     /* from argv, set by the broker while root */
        const char *data_dir; /* idem: where the state directory is */
        int janitor_fd;       /* write end; see box.c spawn_janitor() */
        pid_t janitor_pid;
        bool owned;       /* IPC_MNT_STATE_HELD came: DATA_DIR/NAME is ours */
        int broker_pidfd; /* our parent's, once the hello is sent */
        bool broker_quit; /* MNT_KILL before create: it gives up, alive */
        struct ipc_mnt_config *cfg;
        struct ipc_mnt_volume *volumes[MOUNTER_MAX_ITEMS];
        size_t nvolumes;
        struct ipc_mnt_device *devices[MOUNTER_MAX_ITEMS];
        size_t ndevices;
        struct ipc_mnt_file_copy *copies[MOUNTER_MAX_ITEMS];
        size_t ncopies;
        struct ipc_mnt_file_write *writes[MOUNTER_MAX_ITEMS];
        size_t nwrites;
        struct cg_layout layout;
        struct box_cgroup *cg;
        pid_t init_pid;
        int pidfd;  /* init's pidfd, -EBADF before create and after exit */
        int rootfd; /* O_PATH /proc/INIT/root, for device hot-plug */
        bool created;
};

/* Build the box and start its init (initproc). fds of req: initproc
 * socket, stdin, stdout, stderr. */
int box_create(struct mounter *m, const struct ipc_mnt_create *req,
               char *errmsg, size_t errlen);
/* Reap init if it has exited: 1 with *ret_status set, 0 if still running. */
int box_reap(struct mounter *m, int *ret_status);
/* Fork the janitor (box.c): the cleanup that outlives a killed mounter. */
int janitor_spawn(struct mounter *m);
/* Kill whatever is left of the box, remove its cgroups and its state
 * directory DATA_DIR/NAME. Idempotent. */
void box_teardown(struct mounter *m);

/* ---- The broker's messages (handlers.c), called by main.c's table ---- */

/* Each checks msg (the decoded message of its type) again and acts on it.
 * Returns 0: done (main.c replies and frees msg); 1: msg is kept in m's
 * plan (main.c replies; mounter_free_plan frees it); 2: the handler
 * replied itself (main.c frees msg); -errno: refused, errmsg says why
 * (main.c replies with it and frees msg). */
int mounter_handle_state_held(struct mounter *m, void *msg, char *errmsg,
                              size_t errlen);
int mounter_handle_config(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen);
int mounter_handle_volume(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen);
int mounter_handle_device(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen);
int mounter_handle_device_remove(struct mounter *m, void *msg, char *errmsg,
                                 size_t errlen);
int mounter_handle_file_copy(struct mounter *m, void *msg, char *errmsg,
                             size_t errlen);
int mounter_handle_file_write(struct mounter *m, void *msg, char *errmsg,
                              size_t errlen);
int mounter_handle_create(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen);
int mounter_handle_signal(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen);
int mounter_handle_kill(struct mounter *m, void *msg, char *errmsg,
                        size_t errlen);
/* Free the messages the handlers kept (config, volumes, devices, copies,
 * writes) and the cgroup layout. */
void mounter_free_plan(struct mounter *m);

#endif
