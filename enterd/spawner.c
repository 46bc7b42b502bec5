/* spawner.c — pbox-enterd's spawner (docs/enter.md): the privileged half
 * of enterd, forked by it as root. It drops to the capabilities below,
 * takes SPAWN_* requests from the front only, starts processes inside the
 * box through its launcher (launcher.c, spawn_child.c), reports their
 * terminal, start and exit, delivers signals to them, and kills them all,
 * and the launcher, when the front goes away. SPAWN_CONFIG, its first
 * message, is handled in spawner_config.c. */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "proc.h"
#include "spawner.h"

/* What the spawner and the processes it prepares need, and nothing else
 * (docs/security.md). The bounding set stays whole: an entered root
 * process gets the box's set, which must be a subset of it. */
static const int spawner_caps[] = {
    CAP_SYS_ADMIN,    /* setns into the box's namespaces */
    CAP_SYS_CHROOT,   /* setns into its mount namespace */
    CAP_SETUID,       /* become the box user */
    CAP_SETGID,       /* its gid and groups */
    CAP_SETPCAP,      /* shrink the bounding set to the box's */
    CAP_KILL,         /* signal entered processes of any uid */
    CAP_CHOWN,        /* the socket's group; the pty to its user */
    CAP_DAC_OVERRIDE, /* the box's files and cgroups, whoever owns them */
    CAP_SYS_PTRACE,   /* setns via init's pidfd is a ptrace-read check,
                         and init holds capabilities we do not */
};

/* Effective = spawner_caps; permitted = those plus extra; inheritable
 * and ambient empty; the bounding set untouched. Read back: -EPERM if it
 * did not stick.
 *
 * Until SPAWN_CONFIG, extra is whatever is still permitted. After it,
 * extra is the box's set when the box has --no-new-privs: an exec under
 * no_new_privs cannot raise a root process's capabilities beyond what it
 * held, so the box process must hold them (in permitted only, never
 * effective here) when it drops to the box's set. Without it, extra is
 * empty and exec as root grants the box's bounding set. */
int spawner_caps_set(uint64_t extra)
{
        uint64_t eff = 0, prm;

        for (size_t i = 0; i < ELEMENTSOF(spawner_caps); i++)
                eff |= UINT64_C(1) << spawner_caps[i];
        prm = eff | extra;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
            errno != EINVAL)
                return -errno;
        if (capng_get_caps_process() < 0)
                return -EPERM;
        capng_clear(CAPNG_SELECT_CAPS);
        for (unsigned c = 0; c < 64; c++)
                if ((prm >> c) & 1 &&
                    capng_update(CAPNG_ADD,
                                 CAPNG_PERMITTED |
                                     ((eff >> c) & 1 ? CAPNG_EFFECTIVE : 0),
                                 c) < 0)
                        return -EINVAL;
        if (capng_apply(CAPNG_SELECT_CAPS) < 0 || capng_get_caps_process() < 0)
                return -EPERM;
        for (unsigned c = 0; c < 64; c++) {
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
                        break; /* past the last capability of this kernel */
                if (capng_have_capability(CAPNG_EFFECTIVE, c) !=
                        (int)((eff >> c) & 1) ||
                    capng_have_capability(CAPNG_PERMITTED, c) !=
                        (int)((prm >> c) & 1) ||
                    capng_have_capability(CAPNG_INHERITABLE, c))
                        return -EPERM;
        }
        return 0;
}

/* What this process may still hold now. */
uint64_t spawner_caps_permitted(void)
{
        uint64_t m = 0;

        if (capng_get_caps_process() < 0)
                return 0;
        for (unsigned c = 0; c < 64; c++)
                if (capng_have_capability(CAPNG_PERMITTED, c) > 0)
                        m |= UINT64_C(1) << c;
        return m;
}

struct sproc {
        uint64_t conn;
        pid_t pid;
        int pidfd;
        int chan_fd;   /* until exec or failure is known */
        int timer_fd;  /* after HANGUP: SIGKILL when it fires */
        bool reported; /* STARTED or EXIT{err} sent */
        bool failed;   /* it never ran; its EXIT was sent */
};

static void fail_log(const char *what, int r)
{
        fprintf(stderr, "pbox-enterd-sp: %s: %s\n", what, strerror(-r));
}

static int sig_send(int pidfd, int sig)
{
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return -errno;
        return 0;
}

/* A pidfd is readable once its process has exited. */
bool spawner_pidfd_exited(int pidfd)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};

        return pidfd < 0 || poll(&p, 1, 0) > 0;
}

/* ---- the processes ----------------------------------------------------- */

static struct sproc *proc_find(struct spawner *s, uint64_t conn)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->procs[i].conn == conn)
                        return &s->procs[i];
        return NULL;
}

static void proc_close(struct sproc *p)
{
        int *fds[] = {&p->pidfd, &p->chan_fd, &p->timer_fd};

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (*fds[i] >= 0)
                        close(TAKE_FD(*fds[i]));
}

static void proc_remove(struct spawner *s, struct sproc *p)
{
        proc_close(p);
        *p = s->procs[--s->n];
}

static int send_exit(struct spawner *s, uint64_t conn, int status, int err,
                     const char *msg)
{
        struct ipc_spawn_exit e = {.hdr.type = IPC_SPAWN_EXIT,
                                   .conn = conn,
                                   .status = (uint64_t)status,
                                   .err = err,
                                   .msg = (char *)(msg ? msg : "")};

        return ipc_send(s->sock, &e);
}

/* One datagram on a process's channel (spawn_child.c): the pty master
 * (one byte with SCM_RIGHTS), or why it never ran (a struct spawn_fail),
 * or EOF: exec succeeded (or it died before; its exit says so). 1 when
 * something was read, 0 when nothing was there. */
static int proc_chan(struct spawner *s, struct sproc *p)
{
        struct spawn_fail f = {0};
        struct ipc_spawn_started st = {.hdr.type = IPC_SPAWN_STARTED,
                                       .conn = p->conn,
                                       .pid = (uint64_t)p->pid};
        struct ipc_spawn_tty t = {
            .hdr.type = IPC_SPAWN_TTY, .hdr.nfds = 1, .conn = p->conn};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u;
        struct iovec iov = {.iov_base = &f, .iov_len = sizeof(f)};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = u.buf,
                            .msg_controllen = sizeof(u.buf)};
        struct cmsghdr *c;
        _cleanup_close_ int master = -EBADF;
        ssize_t n;
        int r;

        n = recvmsg(p->chan_fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&master, CMSG_DATA(c), sizeof(int));
        if (n == 1 && master >= 0 && !(mh.msg_flags & MSG_CTRUNC)) {
                t.hdr.fds[0] = master;
                r = ipc_send(s->sock, &t);
                return r < 0 ? r : 1;
        }
        if (n > 0 && n < (ssize_t)sizeof(f))
                return 1; /* nothing of ours: ignored */
        close(TAKE_FD(p->chan_fd));
        p->reported = true;
        if (n == (ssize_t)sizeof(f) && f.err < 0) {
                f.msg[sizeof(f.msg) - 1] = '\0';
                p->failed = true;
                return send_exit(s, p->conn, proc_exec_status(f.err), f.err,
                                 f.msg);
        }
        return ipc_send(s->sock, &st);
}

/* pidfd readable: reap, report. */
static int proc_exited(struct spawner *s, struct sproc *p)
{
        siginfo_t si = {0};
        int status, r;

        if (waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG) < 0)
                return errno == EINTR ? 0 : -errno;
        if (si.si_pid == 0)
                return 0;
        /* Its channel holds the last word: drain it first. A process that
         * exits at once may beat the intermediate and the launcher, whose
         * copies of the channel's other end keep it from EOF a moment
         * longer: wait for that, bounded. */
        while (!p->reported) {
                struct pollfd pc = {.fd = p->chan_fd, .events = POLLIN};

                r = proc_chan(s, p);
                if (r < 0)
                        return r;
                if (r == 0 && poll(&pc, 1, SPAWN_CHAN_WAIT_MS) <= 0)
                        break;
        }
        status =
            si.si_code == CLD_EXITED ? si.si_status & 0xff : 128 + si.si_status;
        r = p->failed ? 0 : send_exit(s, p->conn, status, 0, NULL);
        proc_remove(s, p);
        return r;
}

/* Why safe: nothing rests on the front's checks. The decoder bounded the
 * request (schema); the box process starts only inside the box's
 * namespaces and enter cgroup, and there checks again what it acts on:
 * the user must exist in the box's own /etc/passwd and /etc/group, each
 * -e name is checked by boxproc_env_build, the workdir is entered only
 * after the drop to that user and the box's capabilities, and a label is
 * only what the host's SELinux policy lets it become. */
static int spawner_handle_req(struct spawner *s, void *msg, char *errmsg,
                              size_t errlen)
{
        struct ipc_spawn_req *req = msg;
        struct spawn_launch l = {.chan_fd = -EBADF};
        struct sproc *nv, *p;
        int r;

        if (proc_find(s, req->conn)) {
                snprintf(errmsg, errlen, "connection %llu already runs",
                         (unsigned long long)req->conn);
                return -EEXIST;
        }
        if (s->n >= SPAWN_MAX_PROCS)
                return send_exit(s, req->conn, 125, -EAGAIN,
                                 "too many entered processes");
        if (spawner_pidfd_exited(s->box.init_pidfd) || !s->box.enter_procs)
                return send_exit(s, req->conn, 125, -EINVAL,
                                 "the box's init has exited");
        nv = reallocarray(s->procs, s->n + 1, sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        s->procs = nv;
        r = launcher_spawn(&s->launcher, &s->box, req, &l, errmsg, errlen);
        if (r < 0)
                return send_exit(s, req->conn, proc_exec_status(r), r, errmsg);
        p = &s->procs[s->n++];
        *p = (struct sproc){.conn = req->conn,
                            .pid = l.pid,
                            .pidfd = -EBADF,
                            .chan_fd = l.chan_fd,
                            .timer_fd = -EBADF};
        /* Our own unreaped child: its pid cannot be reused meanwhile. */
        p->pidfd = (int)syscall(SYS_pidfd_open, l.pid, 0);
        if (p->pidfd < 0)
                return -errno;
        return 0;
}

/* Why safe: the signal goes through the pidfd of a process this spawner
 * started for that connection, never by pid. A conn that already ended
 * is a race, not an error. */
static int spawner_handle_signal(struct spawner *s, void *msg, char *errmsg,
                                 size_t errlen)
{
        struct ipc_spawn_signal *m = msg;
        struct sproc *p = proc_find(s, m->conn);

        (void)errmsg;
        (void)errlen;
        if (p)
                (void)sig_send(p->pidfd, (int)m->sig);
        return 0;
}

/* Why safe: as for signals; the SIGKILL later goes through the same
 * pidfd, which cannot name another process. */
static int spawner_handle_hangup(struct spawner *s, void *msg, char *errmsg,
                                 size_t errlen)
{
        struct ipc_spawn_hangup *m = msg;
        struct sproc *p = proc_find(s, m->conn);
        struct itimerspec its = {.it_value.tv_sec = SPAWN_HANGUP_GRACE_S};

        (void)errmsg;
        (void)errlen;
        if (!p || p->timer_fd >= 0)
                return 0;
        (void)sig_send(p->pidfd, SIGHUP);
        p->timer_fd =
            timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (p->timer_fd < 0 || timerfd_settime(p->timer_fd, 0, &its, NULL) < 0)
                (void)sig_send(p->pidfd, SIGKILL);
        return 0;
}

/* ---- dispatch ---------------------------------------------------------- */

enum {
        S_FIRST = 1u << 0, /* only before configuration */
        S_AFTER = 1u << 1, /* only after it */
};

struct handler {
        enum ipc_type type;
        unsigned flags;
        int (*fn)(struct spawner *s, void *msg, char *errmsg, size_t errlen);
};

static const struct handler handlers[IPC_TYPE_MAX] = {
    [IPC_SPAWN_CONFIG] = {IPC_SPAWN_CONFIG, S_FIRST, spawner_handle_config},
    [IPC_SPAWN_REQ] = {IPC_SPAWN_REQ, S_AFTER, spawner_handle_req},
    [IPC_SPAWN_SIGNAL] = {IPC_SPAWN_SIGNAL, S_AFTER, spawner_handle_signal},
    [IPC_SPAWN_HANGUP] = {IPC_SPAWN_HANGUP, S_AFTER, spawner_handle_hangup},
};

/* One message from the front. 0, -ECONNRESET on EOF, else the end of the
 * conversation. */
static int spawner_dispatch(struct spawner *s)
{
        _cleanup_msg_ struct ipc_hdr *msg = NULL;
        char errmsg[IPC_ERRMSG_MAX] = "";
        const struct handler *h;
        int r;

        r = ipc_recv(s->sock, IPC_ROLE_ENTERD, (void **)&msg);
        if (r < 0)
                return r;
        h = &handlers[msg->type];
        if (!h->fn || h->type != msg->type ||
            !(h->flags & (s->configured ? S_AFTER : S_FIRST))) {
                fprintf(stderr, "pbox-enterd-sp: message %u not permitted\n",
                        msg->type);
                return -EPROTO;
        }
        r = h->fn(s, msg, errmsg, sizeof(errmsg));
        /* The front went away while we answered: the normal end. */
        if (r == -EPIPE || r == -ECONNRESET)
                return -ECONNRESET;
        if (r < 0) {
                fprintf(stderr, "pbox-enterd-sp: %s\n",
                        errmsg[0] ? errmsg : strerror(-r));
                if (msg->type == IPC_SPAWN_CONFIG)
                        (void)ipc_send_reply(s->sock, msg->id, r, "%s",
                                             errmsg[0] ? errmsg : strerror(-r));
        }
        return r;
}

/* ---- the loop ---------------------------------------------------------- */

enum { EV_PID, EV_CHAN, EV_TIMER, EV_N };

static int proc_event(struct spawner *s, struct sproc *p, int ev)
{
        uint64_t ticks;
        int r;

        switch (ev) {
        case EV_CHAN:
                r = proc_chan(s, p);
                return r < 0 ? r : 0;
        case EV_TIMER:
                (void)!read(p->timer_fd, &ticks, sizeof(ticks));
                (void)sig_send(p->pidfd, SIGKILL);
                close(TAKE_FD(p->timer_fd));
                return 0;
        case EV_PID:
                return proc_exited(s, p);
        default:
                return 0;
        }
}

/* Room for want poll entries. */
static int poll_reserve(struct spawner *s, size_t want)
{
        struct pollfd *pfd;
        uint64_t *pconn;

        if (want <= s->pcap)
                return 0;
        want = want < 16 ? 16 : want * 2;
        pfd = reallocarray(s->pfd, want, sizeof(*pfd));
        if (!pfd)
                return -ENOMEM;
        s->pfd = pfd;
        pconn = reallocarray(s->pconn, want, sizeof(*pconn));
        if (!pconn)
                return -ENOMEM;
        s->pconn = pconn;
        s->pcap = want;
        return 0;
}

/* The timer set at SPAWN_CONFIG fired. A failure shows at each enter. */
static void spawner_launch_timer(struct spawner *s)
{
        int r;

        close(TAKE_FD(s->launch_timer));
        if (spawner_pidfd_exited(s->box.init_pidfd))
                return;
        r = launcher_start(&s->launcher, &s->box);
        if (r < 0)
                fail_log("start the launcher", r);
}

static int spawner_poll(struct spawner *s)
{
        struct pollfd *pfd;
        uint64_t *conns;
        size_t n = 3;
        int r;

        r = poll_reserve(s, 3 + s->n * EV_N);
        if (r < 0)
                return r;
        pfd = s->pfd;
        conns = s->pconn;
        pfd[0] = (struct pollfd){.fd = s->sock, .events = POLLIN};
        /* The launcher: reaped when it dies, replaced at the next enter. */
        pfd[1] =
            (struct pollfd){.fd = s->launcher.pid > 0 ? s->launcher.pidfd : -1,
                            .events = POLLIN};
        pfd[2] = (struct pollfd){.fd = s->launch_timer, .events = POLLIN};
        for (size_t i = 0; i < s->n; i++) {
                struct sproc *p = &s->procs[i];
                int fds[EV_N] = {[EV_PID] = p->pidfd,
                                 [EV_CHAN] = p->chan_fd,
                                 [EV_TIMER] = p->timer_fd};

                for (int ev = 0; ev < EV_N; ev++) {
                        if (fds[ev] < 0)
                                continue;
                        pfd[n] = (struct pollfd){
                            .fd = fds[ev], .events = POLLIN, .revents = 0};
                        conns[n++] = p->conn * EV_N + (uint64_t)ev;
                }
        }
        if (poll(pfd, n, -1) < 0)
                return errno == EINTR ? 0 : -errno;
        if (pfd[1].revents)
                launcher_check(&s->launcher);
        if (pfd[2].revents)
                spawner_launch_timer(s);
        /* Processes first: their last words before the front's next
         * request (a signal for a process that just exited is harmless). */
        for (size_t i = 3; i < n; i++) {
                struct sproc *p;

                if (!pfd[i].revents)
                        continue;
                p = proc_find(s, conns[i] / EV_N);
                if (!p)
                        continue; /* reaped by an earlier event */
                r = proc_event(s, p, (int)(conns[i] % EV_N));
                if (r < 0)
                        return r;
        }
        if (pfd[0].revents)
                return spawner_dispatch(s);
        return 0;
}

/* SIGKILL and reap everything we started. */
static void spawner_kill_all(struct spawner *s)
{
        launcher_stop(&s->launcher);
        for (size_t i = 0; i < s->n; i++)
                (void)sig_send(s->procs[i].pidfd, SIGKILL);
        for (size_t i = 0; i < s->n; i++) {
                siginfo_t si;

                while (waitid(P_PIDFD, (id_t)s->procs[i].pidfd, &si, WEXITED) <
                           0 &&
                       errno == EINTR)
                        ;
                proc_close(&s->procs[i]);
        }
        s->n = 0;
}

static void spawner_free(struct spawner *s)
{
        spawner_kill_all(s);
        free(s->procs);
        free(s->pfd);
        free(s->pconn);
        if (s->launch_timer >= 0)
                close(s->launch_timer);
        free(s->box.name);
        strv_free(s->box.enter_procs);
        if (s->box.init_pidfd >= 0)
                close(s->box.init_pidfd);
}

/* 0, 1 and 2 must be open, or a pipe could land there and be taken for
 * stdio by a child. */
static int stdio_fill(void)
{
        for (int fd = 0; fd < 3; fd++) {
                int n;

                if (fcntl(fd, F_GETFD) >= 0)
                        continue;
                n = open("/dev/null", O_RDWR | O_NOCTTY);
                if (n < 0)
                        return -errno;
                if (n != fd)
                        return -EBADF;
        }
        return 0;
}

static int spawner_setup(int front_sock)
{
        int keep[] = {front_sock};
        int r;

        (void)prctl(PR_SET_NAME, "pbox-enterd-sp", 0, 0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return -errno;
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        /* SIGCHLD must not be ignored (no auto-reaping: we wait through
         * pidfds); a front gone away is EPIPE, not a signal. */
        signal(SIGCHLD, SIG_DFL);
        signal(SIGPIPE, SIG_IGN);
        r = stdio_fill();
        if (r >= 0)
                r = proc_close_fds_except(keep, ELEMENTSOF(keep));
        if (r >= 0)
                r = proc_fd_cloexec(front_sock, true);
        /* Only what the spawner uses is effective from here on; the rest
         * of permitted goes once the box is known (spawner_caps_set). */
        if (r >= 0)
                r = spawner_caps_set(spawner_caps_permitted());
        return r;
}

int spawner_main(int front_sock, const char *sock_path, const char *box_dir)
{
        struct spawner s = {.sock = front_sock,
                            .sock_path = sock_path,
                            .box_dir = box_dir,
                            .box.init_pidfd = -EBADF,
                            .launcher = {.pidfd = -EBADF, .sock = -EBADF},
                            .launch_timer = -EBADF};
        int r;

        r = spawner_setup(front_sock);
        if (r < 0) {
                fail_log("set up", r);
                return 1;
        }
        do
                r = spawner_poll(&s);
        while (r >= 0);
        spawner_free(&s);
        if (r == -ECONNRESET)
                return 0;
        fail_log("ending", r);
        return 1;
}
