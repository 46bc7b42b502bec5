/* pbox-initproc — the box's PID 1 before INIT.
 *
 * The mounter's init child execs this program (from a sealed memfd copy,
 * so nothing in the box can rewrite it) as PID 1 of the box, after the
 * root filesystem is built and pivoted into. fd 3 is its socket to the
 * broker. It receives one INIT_EXEC, resolves the user from the box's own
 * /etc/passwd and /etc/group, allocates a terminal from the box's devpts if
 * asked, drops to the box's capabilities and user, and execs INIT — or,
 * with --init, forks INIT and stays PID 1 as a minimal init (reap orphans,
 * forward signals, exit with INIT's status). Linked statically: the host's
 * loader and libraries are not in the box.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "initproc.h"
#include "ipc.h"
#include "proc.h"

#define BROKER_FD 3

static void report(int sock, int err, const char *msg)
{
        /* Best effort: the broker may already be gone. */
        (void)ipc_send_reply(sock, 0, err, "%s", msg);
}

/* Exec mode: this process becomes INIT. Only returns on failure. */
static int run_exec(int sock, const struct ipc_init_exec *m)
{
        char errmsg[IPC_ERRMSG_MAX];
        int r;

        r = initproc_prepare(sock, m, errmsg, sizeof(errmsg));
        if (r >= 0)
                r = initproc_exec(m, errmsg, sizeof(errmsg));
        report(sock, r, errmsg);
        return proc_exec_status(r);
}

/* --init mode: fork INIT, stay PID 1. */
static int run_minimal_init(int sock, const struct ipc_init_exec *m)
{
        char errmsg[IPC_ERRMSG_MAX] = "";
        struct ipc_init_started started = {.hdr.type = IPC_INIT_STARTED};
        int pfd[2] = {-EBADF, -EBADF};
        sigset_t all;
        pid_t child;
        int r;

        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                report(sock, -errno, "pipe");
                return 125;
        }
        child = fork();
        if (child < 0) {
                report(sock, -errno, "fork INIT");
                return 125;
        }
        if (child == 0) {
                int e;

                close(pfd[0]);
                sigprocmask(SIG_UNBLOCK, &all, NULL);
                r = initproc_prepare(sock, m, errmsg, sizeof(errmsg));
                if (r >= 0)
                        r = initproc_exec(m, errmsg, sizeof(errmsg));
                e = -r;
                (void)proc_write_full(pfd[1], &e, sizeof(e));
                (void)proc_write_full(pfd[1], errmsg, strlen(errmsg) + 1);
                _exit(proc_exec_status(r));
        }
        close(pfd[1]);
        {
                char buf[sizeof(int) + IPC_ERRMSG_MAX] = {0};
                ssize_t n = proc_read_full(pfd[0], buf, sizeof(buf) - 1);

                close(pfd[0]);
                if (n >= (ssize_t)sizeof(int)) {
                        int e;

                        memcpy(&e, buf, sizeof(e));
                        report(sock, -e, buf + sizeof(int));
                } else {
                        started.pid = (uint64_t)child;
                        (void)ipc_send(sock, &started);
                }
        }
        /* INIT is running; nothing more to say to the broker. */
        close(sock);
        return initproc_supervise(child);
}

int main(void)
{
        _cleanup_msg_ struct ipc_init_exec *m = NULL;
        int keep[] = {BROKER_FD};
        int r;

        (void)prctl(PR_SET_NAME, "pbox-initproc", 0, 0, 0);
        /* exec raised our capabilities, which cleared the parent-death
         * signal the mounter's child had set. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (fcntl(BROKER_FD, F_GETFD) < 0)
                return 125;
        (void)proc_close_fds_except(keep, ELEMENTSOF(keep));
        (void)proc_fd_cloexec(BROKER_FD, true);

        r = ipc_recv(BROKER_FD, IPC_ROLE_BROKER, (void **)&m);
        if (r < 0)
                return 125;
        if (m->hdr.type != IPC_INIT_EXEC) {
                report(BROKER_FD, -EPROTO, "initproc expects INIT_EXEC");
                return 125;
        }
        if (m->minimal_init)
                return run_minimal_init(BROKER_FD, m);
        return run_exec(BROKER_FD, m);
}
