/* spawn_child.c — pbox-enterd's spawner: starting one process in the box.
 *
 * Three processes take part. The spawner (spawn_child_start) forks an
 * *intermediate* child, still on the host, that keeps only the fds it
 * needs, joins the box's `enter` cgroup on every hierarchy before
 * anything else can run, setns()es into the box's namespaces through the
 * pidfd of the box's PID 1, becomes non-dumpable and clone3()s with
 * CLONE_PARENT: the new process is the spawner's own child (so the
 * spawner reaps it and holds its pidfd) and lives in the box's PID
 * namespace. The intermediate reports the pid and exits. The *box
 * process* then prepares itself with libipc/boxproc.c (session, pty from
 * the box's devpts, user from the box's files, environment, capabilities,
 * workdir, fds 0–2 only) and execs; if it never gets to run, it writes
 * {-errno, msg} on a CLOEXEC pipe the spawner reads.
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

/* What the intermediate writes on its pipe. */
struct spawn_hello {
        int32_t pid; /* > 0: the box process; else 0 and err set */
        int32_t err;
        char msg[IPC_ERRMSG_MAX];
};

static _Noreturn void box_fail(int err_w, int err, const char *msg)
{
        struct spawn_fail f = {.err = err};

        snprintf(f.msg, sizeof(f.msg), "%s", msg);
        /* One write below PIPE_BUF: the spawner reads it whole. */
        (void)proc_write_full(err_w, &f, sizeof(f));
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
                   int tty_w, char *errmsg, size_t errlen)
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
        r = send_fd(tty_w, master);
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
                                  const struct ipc_spawn_req *req, int err_w,
                                  int tty_w)
{
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *enter_env = NULL;
        char errmsg[IPC_ERRMSG_MAX] = "";
        struct pbox_user u = {0};
        size_t len = 0;
        int keep[] = {err_w};
        int r;

        (void)setsid();
        r = boxproc_resolve_user("/etc", req->user, &u, errmsg, sizeof(errmsg));
        if (r < 0)
                box_fail(err_w, -EINVAL, errmsg);
        r = req->tty ? box_tty(req, &u, tty_w, errmsg, sizeof(errmsg))
                     : box_stdio(req);
        if (r < 0)
                box_fail(err_w, -EINVAL,
                         errmsg[0] ? errmsg : "set up the standard fds");
        r = boxproc_read_file(BOXPROC_ENTER_ENV, &enter_env, &len);
        if (r < 0) {
                snprintf(errmsg, sizeof(errmsg), "read %s: %s",
                         BOXPROC_ENTER_ENV, strerror(-r));
                box_fail(err_w, -EINVAL, errmsg);
        }
        r = boxproc_env_build(u.home, enter_env, len, req->env, &env);
        if (r < 0)
                box_fail(err_w, -EINVAL, "bad environment");
        r = boxproc_set_label(req->label, errmsg, sizeof(errmsg));
        if (r >= 0)
                r = boxproc_drop_to_user(&u, b->caps, b->no_new_privs, errmsg,
                                         sizeof(errmsg));
        if (r < 0)
                box_fail(err_w, -EINVAL, errmsg);
        /* As the user, so it needs the right to enter the directory; the
         * path resolves inside the box (our root is the box's). */
        if (chdir(req->workdir[0] ? req->workdir : "/") < 0) {
                snprintf(errmsg, sizeof(errmsg), "workdir %s: %s",
                         req->workdir[0] ? req->workdir : "/", strerror(errno));
                box_fail(err_w, -EINVAL, errmsg);
        }
        /* No host fd beyond the stdio passed (CVE-2024-21626). */
        r = proc_close_fds_except(keep, ELEMENTSOF(keep));
        if (r < 0)
                box_fail(err_w, -EINVAL, "close inherited fds");
        boxproc_reset_signals();
        r = boxproc_exec(req->args, env, errmsg, sizeof(errmsg));
        box_fail(err_w, r, errmsg);
}

static _Noreturn void hello_fail(int pid_w, int err, const char *what)
{
        struct spawn_hello h = {.pid = 0, .err = err};

        snprintf(h.msg, sizeof(h.msg), "%s: %s", what, strerror(-err));
        (void)proc_write_full(pid_w, &h, sizeof(h));
        _exit(1);
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

static pid_t clone_parent(void)
{
        /* With CLONE_PARENT the exit signal is our parent's choice
         * (SIGCHLD, as we were forked); clone3 wants 0 here. */
        struct clone_args args = {.flags = CLONE_PARENT, .exit_signal = 0};

        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* The intermediate: joins the box and creates the box process. */
static _Noreturn void intermediate(const struct spawn_box *b,
                                   const struct ipc_spawn_req *req, int pid_w,
                                   int err_w, int tty_w)
{
        int keep[] = {b->init_pidfd,   pid_w,           err_w,          tty_w,
                      req->hdr.fds[0], req->hdr.fds[1], req->hdr.fds[2]};
        struct spawn_hello h = {0};
        pid_t pid;
        int r;

        /* Nothing of the spawner (the front's socket, other processes'
         * pidfds and pipes) may follow us into the box. */
        r = proc_close_fds_except(keep, ELEMENTSOF(keep));
        if (r < 0)
                hello_fail(pid_w, r, "close fds");
        /* Before anything runs in the box: no child escapes the cgroup. */
        for (char **p = b->enter_procs; *p; p++) {
                r = join_cgroup(*p);
                if (r < 0) {
                        char what[IPC_ERRMSG_MAX / 2];

                        snprintf(what, sizeof(what), "join %s", *p);
                        hello_fail(pid_w, r, what);
                }
        }
        if (setns(b->init_pidfd, b->ns_flags) < 0)
                hello_fail(pid_w, -errno, "setns into the box");
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        pid = clone_parent();
        if (pid < 0)
                hello_fail(pid_w, -errno, "clone into the box");
        if (pid == 0) {
                close(pid_w);
                box_process(b, req, err_w, tty_w);
        }
        h.pid = pid;
        (void)proc_write_full(pid_w, &h, sizeof(h));
        _exit(0);
}

int spawn_child_start(const struct spawn_box *b,
                      const struct ipc_spawn_req *req, struct spawn_launch *ret,
                      char *errmsg, size_t errlen)
{
        _cleanup_close_ int pid_r = -EBADF, pid_w = -EBADF, err_r = -EBADF,
                            err_w = -EBADF, tty_r = -EBADF, tty_w = -EBADF;
        struct spawn_hello h = {0};
        int p[2], status;
        ssize_t n;
        pid_t mid;

        if (pipe2(p, O_CLOEXEC) < 0)
                goto fail_errno;
        pid_r = p[0], pid_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
                goto fail_errno;
        err_r = p[0], err_w = p[1];
        if (req->tty) {
                if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) <
                    0)
                        goto fail_errno;
                tty_r = p[0], tty_w = p[1];
        }
        mid = fork();
        if (mid < 0)
                goto fail_errno;
        if (mid == 0) {
                close(pid_r);
                close(err_r);
                if (tty_r >= 0)
                        close(tty_r);
                intermediate(b, req, pid_w, err_w, tty_w);
        }
        close(TAKE_FD(pid_w));
        close(TAKE_FD(err_w));
        if (tty_w >= 0)
                close(TAKE_FD(tty_w));
        /* The intermediate does only trusted work (no box file is read
         * before the box process exists): waiting for it is short. */
        n = proc_read_full(pid_r, &h, sizeof(h));
        while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
                ;
        if (n != (ssize_t)sizeof(h) || h.pid <= 0) {
                snprintf(errmsg, errlen, "%s",
                         n == (ssize_t)sizeof(h) ? h.msg
                                                 : "the intermediate died");
                return -EINVAL;
        }
        ret->pid = h.pid;
        ret->err_fd = TAKE_FD(err_r);
        ret->tty_fd = TAKE_FD(tty_r);
        return 0;

fail_errno:
        snprintf(errmsg, errlen, "start: %s", strerror(errno));
        return -EINVAL;
}
