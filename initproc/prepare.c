/* prepare.c — pbox-initproc: turn the box's PID 1 (or, with --init, its
 * child) into INIT: session and terminal, the user from the box's own
 * files, the capability sets of SPEC §2, then exec. Runs inside the box.
 * The steps themselves are libipc/boxproc.c, shared with the processes
 * pbox-enterd starts in the box. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "boxproc.h"
#include "cleanup.h"
#include "initproc.h"
#include "pbox.h"
#include "proc.h"

/* /dev/console is INIT's terminal, as systemd and runc expect: the pty
 * peer bound over an empty file in the box's own /dev (a tmpfs pbox made,
 * so nothing there is the box's yet). */
static int bind_console(int peer, char *errmsg, size_t errlen)
{
        char src[64];
        int fd;

        fd = open("/dev/console",
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                snprintf(errmsg, errlen, "create /dev/console: %s",
                         strerror(errno));
                return -errno;
        }
        close(fd);
        snprintf(src, sizeof(src), "/proc/self/fd/%d", peer);
        if (mount(src, "/dev/console", NULL, MS_BIND, NULL) < 0) {
                snprintf(errmsg, errlen, "bind /dev/console: %s",
                         strerror(errno));
                return -errno;
        }
        return 0;
}

/* A terminal from the box's own devpts; its master goes to the broker. */
static int setup_tty(int sock, char *errmsg, size_t errlen)
{
        struct ipc_init_tty msg = {.hdr.type = IPC_INIT_TTY, .hdr.nfds = 1};
        _cleanup_close_ int master = -EBADF, peer = -EBADF;
        int r;

        r = boxproc_open_pty(&master, &peer, errmsg, errlen);
        if (r < 0)
                return r;
        r = boxproc_take_tty(peer, 0, 0, errmsg, errlen);
        if (r < 0)
                return r;
        r = bind_console(peer, errmsg, errlen);
        if (r < 0)
                return r;
        msg.hdr.fds[0] = master;
        r = ipc_send(sock, &msg);
        if (r < 0) {
                snprintf(errmsg, errlen, "send terminal: %s", strerror(-r));
                return r;
        }
        return 0;
}

int initproc_prepare(int sock, const struct ipc_init_exec *m, char *errmsg,
                     size_t errlen)
{
        struct pbox_user u = {0};
        int r;

        /* The box is its own session, never in the host's. */
        (void)setsid();
        if (m->tty) {
                r = setup_tty(sock, errmsg, errlen);
                if (r < 0)
                        return -EINVAL;
        }
        r = boxproc_resolve_user("/etc", m->user, &u, errmsg, errlen);
        if (r < 0)
                return -EINVAL;
        r = boxproc_set_label(m->label, errmsg, errlen);
        if (r >= 0)
                r = boxproc_drop_to_user(&u, m->caps, m->no_new_privs, errmsg,
                                         errlen);
        pbox_user_free(&u);
        if (r < 0)
                return -EINVAL;
        if (chdir("/") < 0)
                return -errno;
        /* Changing uid cleared the parent-death signal: if the mounter
         * dies, the box must die with it. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        return 0;
}

int initproc_exec(const struct ipc_init_exec *m, char *errmsg, size_t errlen)
{
        return boxproc_exec(m->args, m->env, errmsg, errlen);
}
