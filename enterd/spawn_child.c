/* spawn_child.c — pbox-enterd's spawner: starting one process in the box.
 *
 * Four processes take part. The spawner passes the request to its
 * *launcher* (launcher.c), which already sits in the box's `enter` cgroup
 * on every hierarchy. The launcher clone3()s with CLONE_PARENT an
 * *intermediate* (spawn_child_clone), still on the host but born in the
 * enter cgroups, so nothing it creates can be outside them; it keeps only
 * the fds it needs, setns()es into the box's namespaces through the pidfd
 * of the box's PID 1, becomes non-dumpable and clone3()s, again with
 * CLONE_PARENT: both are the spawner's own children (so the spawner reaps
 * them and holds the box process's pidfd), and the box process lives in
 * the box's PID namespace. The intermediate reports both pids on the
 * process's channel and exits, then writes a byte on a pipe; the box
 * process reads it before it sends anything on the channel or execs, so
 * that report is always the channel's first datagram and a box process
 * whose pid nobody learnt never runs anything of the box's. The *box
 * process* then prepares itself with libipc/boxproc.c (session, pty from
 * the box's devpts, user from the box's files, environment,
 * capabilities, workdir, fds 0–2 only) and execs; if it never gets to
 * run, it writes {-errno, msg} on the (CLOEXEC) channel.
 *
 * Everything here happens as root with the spawner's capabilities; what
 * the box controls (its files, its devpts) is only read or opened after
 * the setns, with the box's root as our root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxproc.h"
#include "cleanup.h"
#include "pbox.h"
#include "proc.h"
#include "spawner.h"

/* The box process's end of the intermediate's pipe (box_process). */
static int box_go_fd = -EBADF;

/* Before the box process sends a datagram on its channel (whose first
 * must be the intermediate's report) or execs: wait for the
 * intermediate's byte, there long before in practice. Without it nobody
 * knows our pid: end here, silently. */
static void box_go(void)
{
        char go;
        ssize_t n;

        if (box_go_fd < 0)
                return;
        do
                n = read(box_go_fd, &go, 1);
        while (n < 0 && errno == EINTR);
        close(TAKE_FD(box_go_fd));
        if (n != 1)
                _exit(125);
}

static _Noreturn void box_fail(int chan, int err, const char *msg)
{
        struct spawn_fail f = {.err = err};

        box_go();
        snprintf(f.msg, sizeof(f.msg), "%s", msg);
        /* One datagram: the spawner reads it whole. */
        (void)send(chan, &f, sizeof(f), MSG_NOSIGNAL);
        _exit(proc_exec_status(err));
}

/* The pty master travels to the spawner with SCM_RIGHTS. */
static int send_fd(int sock, int fd)
{
        char byte = 't';
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {0};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = u.buf,
                            .msg_controllen = sizeof(u.buf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

/* The terminal: a pty of the box's own devpts (the master must really be
 * a ptmx, whatever the box put at /dev/ptmx), owned by the user, our
 * controlling terminal on 0–2; the master goes to the spawner. */
static int box_tty(const struct ipc_spawn_req *req, const struct pbox_user *u,
                   int chan, char *errmsg, size_t errlen)
{
        _cleanup_close_ int master = -EBADF, peer = -EBADF;
        struct stat st;
        int r;

        r = boxproc_open_pty(&master, &peer, errmsg, errlen);
        if (r < 0)
                return r;
        if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) ||
            major(st.st_rdev) != 5 || minor(st.st_rdev) != 2) {
                snprintf(errmsg, errlen, "/dev/ptmx is not a pty multiplexer");
                return -ENOTTY;
        }
        if (fchown(peer, u->uid, (gid_t)-1) < 0) {
                r = -errno;
                snprintf(errmsg, errlen, "terminal owner: %s", strerror(-r));
                return r;
        }
        r = boxproc_take_tty(peer, (unsigned)req->rows, (unsigned)req->cols,
                             errmsg, errlen);
        if (r < 0)
                return r;
        box_go();
        r = send_fd(chan, master);
        if (r < 0)
                snprintf(errmsg, errlen, "send terminal: %s", strerror(-r));
        return r;
}

/* The caller's descriptors on 0, 1, 2 (moved above 2 first, as they may
 * sit on each other's numbers). */
static int box_stdio(const struct ipc_spawn_req *req)
{
        int tmp[3];

        for (int i = 0; i < 3; i++) {
                tmp[i] = fcntl(req->hdr.fds[i], F_DUPFD_CLOEXEC, 3);
                if (tmp[i] < 0)
                        return -errno;
        }
        for (int i = 0; i < 3; i++)
                if (dup2(tmp[i], i) < 0)
                        return -errno;
        return 0;
}

/* The box process: runs inside the box, as root with the spawner's
 * capabilities, non-dumpable, until the exec. */
static _Noreturn void box_process(const struct spawn_box *b,
                                  const struct ipc_spawn_req *req, int chan,
                                  int go_r)
{
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *enter_env = NULL, *label = NULL;
        char errmsg[IPC_ERRMSG_MAX] = "";
        struct pbox_user u = {0};
        size_t len = 0;
        int keep[] = {chan};
        int r;

        box_go_fd = go_r;
        (void)setsid();
        r = boxproc_resolve_user("/etc", req->user, &u, errmsg, sizeof(errmsg));
        if (r < 0)
                box_fail(chan, -EINVAL, errmsg);
        r = req->tty ? box_tty(req, &u, chan, errmsg, sizeof(errmsg))
                     : box_stdio(req);
        if (r < 0)
                box_fail(chan, -EINVAL,
                         errmsg[0] ? errmsg : "set up the standard fds");
        r = boxproc_read_file(BOXPROC_ENTER_ENV, &enter_env, &len);
        if (r < 0) {
                snprintf(errmsg, sizeof(errmsg), "read %s: %s",
                         BOXPROC_ENTER_ENV, strerror(-r));
                box_fail(chan, -EINVAL, errmsg);
        }
        r = boxproc_env_build(u.home, enter_env, len, req->env, &env);
        if (r < 0)
                box_fail(chan, -EINVAL, "bad environment");
        /* --label, or else the label the policy gives the command. */
        r = req->label[0] ? 0
                          : boxproc_compute_label(req->args, env, &label,
                                                  errmsg, sizeof(errmsg));
        if (r >= 0)
                r = boxproc_set_label(label ? label : req->label, errmsg,
                                      sizeof(errmsg));
        if (r >= 0)
                r = boxproc_drop_to_user(&u, b->caps, b->no_new_privs, errmsg,
                                         sizeof(errmsg));
        if (r < 0)
                box_fail(chan, -EINVAL, errmsg);
        /* As the user, so it needs the right to enter the directory; the
         * path resolves inside the box (our root is the box's). */
        if (chdir(req->workdir[0] ? req->workdir : "/") < 0) {
                snprintf(errmsg, sizeof(errmsg), "workdir %s: %s",
                         req->workdir[0] ? req->workdir : "/", strerror(errno));
                box_fail(chan, -EINVAL, errmsg);
        }
        box_go();
        /* No host fd beyond the stdio passed (CVE-2024-21626). */
        r = proc_close_fds_except(keep, ELEMENTSOF(keep));
        if (r < 0)
                box_fail(chan, -EINVAL, "close inherited fds");
        boxproc_reset_signals();
        r = boxproc_exec(req->args, env, errmsg, sizeof(errmsg));
        box_fail(chan, r, errmsg);
}

static _Noreturn void hello_fail(int chan, int err, const char *what)
{
        struct spawn_hello h = {.pid = 0, .mid = (int32_t)getpid(), .err = err};

        snprintf(h.msg, sizeof(h.msg), "%s: %s", what, strerror(-err));
        (void)send(chan, &h, sizeof(h), MSG_NOSIGNAL);
        _exit(1);
}

static pid_t clone_parent(void)
{
        /* With CLONE_PARENT the exit signal is our parent's choice
         * (SIGCHLD, as we were forked); clone3 wants 0 here. */
        struct clone_args args = {.flags = CLONE_PARENT, .exit_signal = 0};

        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* The intermediate: born in the enter cgroups (the launcher's), joins
 * the box's namespaces and creates the box process. req->hdr.fds: stdio
 * on 0-2, the channel on 3. */
static _Noreturn void intermediate(const struct spawn_box *b,
                                   const struct ipc_spawn_req *req)
{
        int chan = req->hdr.fds[3];
        int keep[] = {b->init_pidfd, chan, req->hdr.fds[0], req->hdr.fds[1],
                      req->hdr.fds[2]};
        struct spawn_hello h = {.mid = (int32_t)getpid()};
        int go[2];
        pid_t pid;
        int r;

        /* Nothing of the launcher (its socket to the spawner) may follow
         * us into the box. */
        r = proc_close_fds_except(keep, ELEMENTSOF(keep));
        if (r < 0)
                hello_fail(chan, r, "close fds");
        if (pipe2(go, O_CLOEXEC) < 0)
                hello_fail(chan, -errno, "pipe");
        if (setns(b->init_pidfd, b->ns_flags) < 0)
                hello_fail(chan, -errno, "setns into the box");
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        pid = clone_parent();
        if (pid < 0)
                hello_fail(chan, -errno, "clone into the box");
        if (pid == 0) {
                close(go[1]);
                box_process(b, req, chan, go[0]);
        }
        close(go[0]);
        h.pid = pid;
        /* One datagram, the channel's first: then the box process may go
         * on. If the spawner is gone it never does (EOF on its pipe). */
        if (send(chan, &h, sizeof(h), MSG_NOSIGNAL) == (ssize_t)sizeof(h))
                (void)!write(go[1], "g", 1);
        _exit(0);
}

#ifndef PBOX_SAN
/* The intermediate runs on this stack, in the launcher's memory
 * (CLONE_VM: no copy of the address space to make and tear down for a
 * process that lives a few hundred microseconds), while the launcher
 * waits (CLONE_VFORK) until it has exited: one at a time. */
static uint8_t mid_stack[256 * 1024] __attribute__((aligned(64)));

struct mid_args {
        const struct spawn_box *b;
        const struct ipc_spawn_req *req;
};

static int mid_main(void *arg)
{
        const struct mid_args *a = arg;

        intermediate(a->b, a->req);
}

pid_t spawn_child_clone(const struct spawn_box *b,
                        const struct ipc_spawn_req *req)
{
        struct mid_args a = {.b = b, .req = req};
        /* CLONE_PARENT: the spawner's child (its exit signal is the
         * launcher's own, SIGCHLD). The launcher is single-threaded and
         * holds no lock while it waits, so the intermediate may use its
         * heap; it changes nothing there that outlives it. */
        pid_t pid = clone(mid_main, mid_stack + sizeof(mid_stack),
                          CLONE_PARENT | CLONE_VM | CLONE_VFORK | SIGCHLD, &a);

        return pid < 0 ? -errno : pid;
}
#else
/* ASan keeps its stack bookkeeping (shadow) in the memory a CLONE_VM
 * child would share, and an intermediate that ends in _exit() leaves
 * it poisoned: the sanitizer build copies the launcher instead. */
pid_t spawn_child_clone(const struct spawn_box *b,
                        const struct ipc_spawn_req *req)
{
        pid_t pid = clone_parent();

        if (pid < 0)
                return -errno;
        if (pid == 0)
                intermediate(b, req);
        return pid;
}
#endif
