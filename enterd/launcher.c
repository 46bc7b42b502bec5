/* launcher.c — pbox-enterd's launcher: the spawner's child that every
 * entered process is forked from (docs/enter.md).
 *
 * Why it exists: an entered process must be in the box's `enter` cgroup
 * on every hierarchy before it runs anything of the box's. Moving a task
 * between cgroups takes the kernel's global cgroup_threadgroup_rwsem for
 * writing, and after a quiet spell that write waits for an RCU grace
 * period (rcu_sync): 5–15 ms, measured, for the first cgroup.procs write
 * of an enter, against 20 µs for a task born in the right place. So the
 * launcher moves itself into the enter cgroups once, when the spawner
 * forks it (at SPAWN_CONFIG, or at the next enter after it died), and
 * the processes it forks inherit its cgroups without migrating.
 *
 * Processes (spawn_child.c has the rest):
 *   spawner ── fork ──► launcher (host namespaces, the box's enter cgroups)
 *   launcher ── clone3(CLONE_PARENT) ──► intermediate: a child of the
 *       spawner; setns into the box; clone3(CLONE_PARENT) ──► box process,
 *       also the spawner's child.
 * The spawner passes each validated SPAWN_REQ on as a LAUNCH_REQ (the
 * same fields; fds: the client's stdio and the process's channel) and
 * reads the result on that channel; the launcher answers nothing on its
 * socket.
 *
 * Why this is safe:
 * - It is exactly as privileged as the intermediate the spawner forked
 *   before: a fork of the spawner after its capabilities were narrowed
 *   (no seccomp filter, no no_new_privs, by the same design: both would
 *   be inherited by the box's processes), non-dumpable, parent-death
 *   SIGKILL, and it keeps no fd but its socket and the init pidfd. It
 *   holds a client's fds only between receiving a request and cloning the
 *   intermediate for it.
 * - It lives in the box's cgroup but in none of its namespaces: it is in
 *   the host's PID namespace, so no box process can see, signal or
 *   ptrace it, and its /proc entry is not in the box's /proc; nothing of
 *   the box (files, devpts) is ever opened by it. It counts against the
 *   box's pids and memory limits (one task, a few pages of its own).
 * - The box can kill it only by killing its cgroup (a v2 cgroup.kill, the
 *   OOM killer): the spawner then reaps it and forks a new one for the
 *   next enter, after checking that the box's init still lives — never
 *   at once, which would race the teardown of a box being stopped.
 * - It parses only frames from the spawner (its parent, root, same
 *   program), through the one schema. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "pbox.h"
#include "proc.h"
#include "spawner.h"

#define LAUNCHER_COMM "pbox-enterd-ln"

/* ---- the launcher process ---------------------------------------------- */

struct launcher {
        const struct spawn_box *box;
        int sock;
        int join_err; /* 0, or why it is not in the enter cgroups */
        char join_msg[IPC_ERRMSG_MAX];
};

/* The answer on a channel when no intermediate could be made. */
static void hello_error(int chan, int err, const char *msg)
{
        struct spawn_hello h = {.err = err};

        snprintf(h.msg, sizeof(h.msg), "%s", msg);
        (void)send(chan, &h, sizeof(h), MSG_NOSIGNAL);
}

/* Writing "0" to cgroup.procs moves the writer. */
static int join_cgroup(const char *procs)
{
        _cleanup_close_ int fd =
            open(procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

        if (fd < 0)
                return -errno;
        if (write(fd, "0", 1) != 1)
                return errno ? -errno : -EIO;
        return 0;
}

/* Into pbox-NAME/enter on every hierarchy: the one migration. */
static void launcher_join(struct launcher *ln)
{
        for (char **p = ln->box->enter_procs; p && *p; p++) {
                int r = join_cgroup(*p);

                if (r < 0) {
                        ln->join_err = r;
                        snprintf(ln->join_msg, sizeof(ln->join_msg),
                                 "join %.*s: %s", IPC_ERRMSG_MAX / 2, *p,
                                 strerror(-r));
                        return;
                }
        }
}

/* Why safe: the request is the spawner's, passed on from the front after
 * both validated it; the intermediate is created in the enter cgroups,
 * so nothing it or the box process does can be outside them. The fds of
 * the request are closed here when the message is freed. */
static int launcher_handle_req(struct launcher *ln, void *msg)
{
        struct ipc_spawn_req *req = msg;
        int chan = req->hdr.fds[3];
        pid_t mid;

        if (ln->join_err < 0) {
                hello_error(chan, ln->join_err, ln->join_msg);
                return 0;
        }
        mid = spawn_child_clone(ln->box, req);
        if (mid < 0) {
                char what[IPC_ERRMSG_MAX];

                snprintf(what, sizeof(what), "start: %s", strerror(-mid));
                hello_error(chan, mid, what);
        }
        return 0;
}

struct launcher_handler {
        enum ipc_type type;
        int (*fn)(struct launcher *ln, void *msg);
};

static const struct launcher_handler launcher_handlers[IPC_TYPE_MAX] = {
    [IPC_LAUNCH_REQ] = {IPC_LAUNCH_REQ, launcher_handle_req},
};

/* Serve the spawner until its EOF (the normal end) or anything it should
 * not have sent (the end too). */
static _Noreturn void launcher_main(const struct spawn_box *b, int sock,
                                    pid_t spawner)
{
        struct launcher ln = {.box = b, .sock = sock};
        int keep[] = {sock, b->init_pidfd};

        (void)prctl(PR_SET_NAME, LAUNCHER_COMM, 0, 0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
            getppid() != spawner)
                _exit(1);
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (proc_close_fds_except(keep, ELEMENTSOF(keep)) < 0)
                _exit(1);
        launcher_join(&ln);
        for (;;) {
                _cleanup_msg_ struct ipc_hdr *msg = NULL;
                const struct launcher_handler *h;
                int r;

                r = ipc_recv(sock, IPC_ROLE_SPAWNER, (void **)&msg);
                if (r == -EINTR)
                        continue;
                if (r < 0)
                        _exit(r == -ECONNRESET ? 0 : 1);
                h = &launcher_handlers[msg->type];
                if (!h->fn || h->type != msg->type || h->fn(&ln, msg) < 0)
                        _exit(1);
        }
}

/* ---- the spawner's side ------------------------------------------------ */

/* A pidfd is readable once its process has exited. */
static bool pidfd_gone(int pidfd)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};

        return pidfd < 0 || poll(&p, 1, 0) > 0;
}

static bool launcher_dead(const struct spawn_launcher *l)
{
        return l->pid <= 0 || pidfd_gone(l->pidfd);
}

int launcher_start(struct spawn_launcher *l, const struct spawn_box *b)
{
        pid_t self = getpid(), pid;
        int sv[2], r;

        if (!launcher_dead(l))
                return 0;
        launcher_stop(l);
        r = ipc_socketpair(sv);
        if (r < 0)
                return r;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(sv[0]);
                close(sv[1]);
                return r;
        }
        if (pid == 0) {
                close(sv[0]);
                launcher_main(b, sv[1], self);
        }
        close(sv[1]);
        /* Our own unreaped child: its pid cannot be reused meanwhile. */
        l->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        l->pid = pid;
        l->sock = sv[0];
        if (l->pidfd < 0) {
                r = -errno;
                launcher_stop(l);
                return r;
        }
        return 0;
}

void launcher_stop(struct spawn_launcher *l)
{
        if (l->pid > 0) {
                /* Our unreaped child: the pid is still its own. */
                (void)kill(l->pid, SIGKILL);
                while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        if (l->pidfd >= 0)
                close(l->pidfd);
        if (l->sock >= 0)
                close(l->sock);
        *l = (struct spawn_launcher){.pidfd = -EBADF, .sock = -EBADF};
}

void launcher_check(struct spawn_launcher *l)
{
        siginfo_t si = {0};

        if (l->pid <= 0 ||
            waitid(P_PIDFD, (id_t)l->pidfd, &si, WEXITED | WNOHANG) < 0 ||
            si.si_pid == 0)
                return;
        l->pid = 0; /* reaped */
        launcher_stop(l);
}

/* One attempt. *retry: the launcher died before it made anything, a new
 * one may try again. */
static int launch_once(struct spawn_launcher *l,
                       const struct ipc_spawn_req *req,
                       struct spawn_launch *ret, bool *retry, char *errmsg,
                       size_t errlen)
{
        struct ipc_spawn_req fw = *req; /* borrowed: never freed */
        struct spawn_hello h = {0};
        _cleanup_close_ int chan = -EBADF;
        int sv[2], r;
        ssize_t n;

        *retry = false;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                snprintf(errmsg, errlen, "start: %s", strerror(errno));
                return -EINVAL;
        }
        chan = sv[0];
        fw.hdr.type = IPC_LAUNCH_REQ;
        fw.hdr.nfds = 4;
        fw.hdr.fds[3] = sv[1];
        r = ipc_send(l->sock, &fw);
        close(sv[1]);
        if (r < 0) {
                *retry = r == -EPIPE || r == -ECONNRESET;
                snprintf(errmsg, errlen, "pass to the launcher: %s",
                         strerror(-r));
                return -EINVAL;
        }
        /* The first datagram is the intermediate's report (or the
         * launcher's refusal); EOF if both died first. */
        do
                n = recv(chan, &h, sizeof(h), 0);
        while (n < 0 && errno == EINTR);
        if (h.mid > 0 && n == (ssize_t)sizeof(h))
                while (waitpid(h.mid, NULL, 0) < 0 && errno == EINTR)
                        ;
        if (n != (ssize_t)sizeof(h)) {
                *retry = n == 0 && launcher_dead(l);
                snprintf(errmsg, errlen, "%s",
                         *retry ? "the launcher died"
                                : "the intermediate died");
                return -EINVAL;
        }
        if (h.pid <= 0) {
                h.msg[sizeof(h.msg) - 1] = '\0';
                snprintf(errmsg, errlen, "%s", h.msg);
                /* A launcher that could not join the cgroups: the next
                 * enter tries with a new one, as each enter tried before. */
                if (h.mid == 0)
                        launcher_stop(l);
                return -EINVAL;
        }
        ret->pid = h.pid;
        ret->chan_fd = TAKE_FD(chan);
        return 0;
}

int launcher_spawn(struct spawn_launcher *l, const struct spawn_box *b,
                   const struct ipc_spawn_req *req, struct spawn_launch *ret,
                   char *errmsg, size_t errlen)
{
        bool retry = true;
        int r = -EINVAL;

        for (int attempt = 0; attempt < 2 && retry; attempt++) {
                /* Not into the cgroup of a box being torn down. */
                if (pidfd_gone(b->init_pidfd)) {
                        snprintf(errmsg, errlen, "the box's init has exited");
                        return -EINVAL;
                }
                r = launcher_start(l, b);
                if (r < 0) {
                        snprintf(errmsg, errlen, "start the launcher: %s",
                                 strerror(-r));
                        return -EINVAL;
                }
                r = launch_once(l, req, ret, &retry, errmsg, errlen);
                if (r >= 0 || !retry)
                        return r;
                launcher_stop(l);
        }
        return r;
}
