/* initproc.h — the steps of pbox-initproc (the box's PID 1 before INIT),
 * shared by its exec mode and its --init mode. Runs inside the box, after
 * pivot_root, as root with the bounding set the mounter left. The steps
 * are libipc/boxproc.h, shared with the processes enterd starts.
 * Return convention: 0 or -errno; errmsg gets the reason. */
#ifndef PBOX_INITPROC_H
#define PBOX_INITPROC_H

#include <stddef.h>
#include <sys/types.h>

#include "ipc.h"

/* Any failure is -EINVAL (a set-up failure, exit 125) with errmsg set.
 * New session; terminal from the box's devpts when m->tty (its master is
 * sent to the broker over sock as INIT_TTY); user resolved in the box's
 * /etc/passwd and /etc/group; SELinux exec label; capabilities and uid
 * dropped to the box's; no_new_privs when asked. */
int initproc_prepare(int sock, const struct ipc_init_exec *m, char *errmsg,
                     size_t errlen);
/* Exec INIT (searching PATH of m->env for a bare name). Returns -errno
 * only on failure, never -EINVAL (see proc_exec_status()). */
int initproc_exec(const struct ipc_init_exec *m, char *errmsg, size_t errlen);
/* --init: reap orphans, forward signals to child, return the exit status
 * to use (INIT's code, or 128+N when INIT was killed by N). */
int initproc_supervise(pid_t child);

#endif
