/* api_box.c — pbox_start(), pbox_wait(), pbox_close(): a box owned by the
 * calling program (Planet's Box), run in that program's process.
 *
 * pbox_start validates the options with the parser `pbox start` uses,
 * then forks `pbox-broker start ...` in the foreground mode with
 * NOTIFY_SOCKET naming a private abstract datagram socket, and waits for
 * READY=1 from the broker's pid (checked with SCM_CREDENTIALS). While it
 * waits, the broker's stderr comes through a pipe, copied to the caller's
 * stderr with its last line kept for the error message; once the box is
 * ready a small forked copier takes over that pipe (init writes to it
 * for as long as the box lives), and is reaped with the broker. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "opts.h"
#include "pbox.h"
#include "proc.h"

extern char **environ;

struct pbox_box {
        pid_t broker;
        int pidfd;
        pid_t copier; /* copies the stderr pipe after ready; 0: none */
        bool ended;
        int status;
};

/* Last non-empty line seen on the broker's stderr. */
struct last_line {
        char done[PBOX_ERR_LEN]; /* last complete line */
        char cur[PBOX_ERR_LEN];  /* the line being read */
        size_t len;
};

static void last_line_feed(struct last_line *l, const char *buf, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                        if (l->len > 0) {
                                l->cur[l->len] = '\0';
                                memcpy(l->done, l->cur, l->len + 1);
                        }
                        l->len = 0;
                } else if (l->len + 1 < sizeof(l->cur)) {
                        l->cur[l->len++] = buf[i];
                }
        }
}

static const char *last_line_get(struct last_line *l)
{
        if (l->len > 0) {
                l->cur[l->len] = '\0';
                return l->cur;
        }
        return l->done;
}

static int wait_status(int st)
{
        return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

/* {"start", options..., ["--", INIT...], NULL}, the strings borrowed. */
static char **start_argv(const struct pbox_config *c, int *ret_argc)
{
        size_t n = 8, k = 0;
        char **v;

        for (char *const *p = c->extra_args; p && *p; p++)
                n++;
        for (char *const *p = c->init_args; p && *p; p++)
                n++;
        v = calloc(n, sizeof(char *));
        if (!v)
                return NULL;
        v[k++] = (char *)"start";
        if (c->name) {
                v[k++] = (char *)"--name";
                v[k++] = (char *)c->name;
        }
        if (c->data_dir) {
                v[k++] = (char *)"--data-dir";
                v[k++] = (char *)c->data_dir;
        }
        if (c->rootfs) {
                v[k++] = (char *)"--rootfs";
                v[k++] = (char *)c->rootfs;
        }
        for (char *const *p = c->extra_args; p && *p; p++)
                v[k++] = *p;
        if (c->init_args && c->init_args[0]) {
                v[k++] = (char *)"--";
                for (char *const *p = c->init_args; *p; p++)
                        v[k++] = *p;
        }
        *ret_argc = (int)k;
        return v;
}

static int validate(int argc, char **argv, char err[PBOX_ERR_LEN])
{
        struct box_config cfg = {0};
        bool detach;
        int r;

        r = opts_parse_start(argc, argv, 0, &cfg, err);
        if (r == OPTS_HELP) {
                snprintf(err, PBOX_ERR_LEN, "--help is not a box option");
                return -EINVAL;
        }
        if (r < 0)
                return r;
        detach = cfg.detach;
        box_config_free(&cfg);
        if (detach) {
                snprintf(err, PBOX_ERR_LEN,
                         "--detach: pbox_start keeps the box in the "
                         "foreground");
                return -EINVAL;
        }
        return 0;
}

/* An abstract datagram socket with a kernel-chosen name: "@xxxxx". */
static int notify_open(int *ret_fd, char *ret_name, size_t len)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        socklen_t sl = sizeof(sa_family_t);
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&sa, sl) < 0)
                return -errno;
        sl = sizeof(sa);
        if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
                return -errno;
        if (sl <= offsetof(struct sockaddr_un, sun_path) + 1 ||
            sa.sun_path[0] != '\0')
                return -EADDRNOTAVAIL;
        snprintf(ret_name, len, "@%.*s",
                 (int)(sl - offsetof(struct sockaddr_un, sun_path) - 1),
                 sa.sun_path + 1);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* 1 if a datagram from pid said READY=1, 0 if not (yet). */
static int notify_ready(int fd, pid_t pid)
{
        for (;;) {
                char buf[4096];
                union {
                        struct cmsghdr align;
                        char buf[CMSG_SPACE(sizeof(struct ucred)) +
                                 CMSG_SPACE(sizeof(int) * 8)];
                } ctl;
                struct iovec iov = {buf, sizeof(buf) - 1};
                struct msghdr mh = {.msg_iov = &iov,
                                    .msg_iovlen = 1,
                                    .msg_control = ctl.buf,
                                    .msg_controllen = sizeof(ctl.buf)};
                bool from_broker = false;
                ssize_t n;

                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return 0;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
                     c = CMSG_NXTHDR(&mh, c)) {
                        if (c->cmsg_level != SOL_SOCKET)
                                continue;
                        if (c->cmsg_type == SCM_CREDENTIALS) {
                                struct ucred u;

                                memcpy(&u, CMSG_DATA(c), sizeof(u));
                                from_broker = u.pid == pid;
                        } else if (c->cmsg_type == SCM_RIGHTS) {
                                size_t k =
                                    (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                                for (size_t i = 0; i < k; i++) {
                                        int x;

                                        memcpy(&x,
                                               CMSG_DATA(c) + i * sizeof(int),
                                               sizeof(int));
                                        close(x);
                                }
                        }
                }
                buf[n] = '\0';
                /* Anyone may send to an abstract socket: only the broker
                 * counts. */
                if (from_broker && (strncmp(buf, "READY=1", 7) == 0 ||
                                    strstr(buf, "\nREADY=1")))
                        return 1;
        }
}

/* NOTIFY_SOCKET=name in place of any other; the strings borrowed but
 * the one we add, which is v[0]. */
static char **child_env(const char *name)
{
        size_t n = 0, k = 1;
        char **v;

        while (environ && environ[n])
                n++;
        v = calloc(n + 2, sizeof(char *));
        if (!v || asprintf(&v[0], "NOTIFY_SOCKET=%s", name) < 0) {
                free(v);
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                if (strncmp(environ[i], "NOTIFY_SOCKET=", 14) != 0)
                        v[k++] = environ[i];
        return v;
}

/* In the forked child: fd becomes target, without close-on-exec. */
static int move_fd(int fd, int target)
{
        if (fd == target)
                return fcntl(fd, F_SETFD, 0);
        return dup2(fd, target);
}

static void child_exec(const char *path, char **argv, char **env, int null,
                       int err_w)
{
        sigset_t none;

        sigemptyset(&none);
        for (int s = 1; s < NSIG; s++)
                signal(s, SIG_DFL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (move_fd(null, 0) < 0 || move_fd(err_w, 2) < 0 ||
            proc_close_fds_except(NULL, 0) < 0)
                _exit(125);
        execve(path, argv, env);
        dprintf(2, "pbox: start: cannot execute %s: %s\n", path,
                strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
}

/* After ready: a child copies the broker's (and init's) stderr to ours
 * until every writer is gone, whatever signals the terminal sends. */
static pid_t copier_start(int err_r)
{
        pid_t pid = fork();

        if (pid != 0)
                return pid < 0 ? 0 : pid;
        signal(SIGINT, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGTSTP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
        (void)proc_fd_nonblock(err_r, false);
        for (;;) {
                char buf[4096];
                ssize_t n = read(err_r, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(0);
                (void)proc_write_full(2, buf, (size_t)n);
        }
}

static void stderr_copy(int fd, struct last_line *l)
{
        char buf[4096];
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                (void)proc_write_full(2, buf, (size_t)n);
                last_line_feed(l, buf, (size_t)n);
        }
}

/* Wait for READY=1 (1) or the broker's exit (0). */
static int wait_ready(struct pbox_box *b, int nfd, int err_r,
                      struct last_line *l)
{
        for (;;) {
                struct pollfd p[3] = {
                    {.fd = nfd, .events = POLLIN},
                    {.fd = err_r, .events = POLLIN},
                    {.fd = b->pidfd, .events = POLLIN},
                };

                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[1].revents)
                        stderr_copy(err_r, l);
                if (notify_ready(nfd, b->broker))
                        return 1;
                if (p[2].revents)
                        return 0;
        }
}

int pbox_start(const struct pbox_config *c, struct pbox_box **ret,
               char err[PBOX_ERR_LEN])
{
        _cleanup_free_ char **argv = NULL, **xargv = NULL;
        _cleanup_close_ int nfd = -EBADF, null = -EBADF, err_r = -EBADF,
                            err_w = -EBADF;
        _cleanup_free_ struct pbox_box *b = NULL;
        struct last_line l = {.done = ""};
        char path[4096], notify[64];
        char **env;
        int argc = 0, r, st;

        err[0] = '\0';
        if (!c || !ret)
                return -EINVAL;
        argv = start_argv(c, &argc);
        xargv = calloc((size_t)argc + 2, sizeof(char *));
        b = calloc(1, sizeof(*b));
        if (!argv || !xargv || !b) {
                snprintf(err, PBOX_ERR_LEN, "out of memory");
                return -ENOMEM;
        }
        r = validate(argc, argv, err);
        if (r < 0)
                return r;
        r = proc_helper_path("pbox-broker", path, sizeof(path));
        if (r < 0) {
                snprintf(err, PBOX_ERR_LEN, "cannot find pbox-broker: %s",
                         strerror(-r));
                return r;
        }
        xargv[0] = (char *)"pbox-broker";
        memcpy(xargv + 1, argv, sizeof(char *) * (size_t)argc);

        r = notify_open(&nfd, notify, sizeof(notify));
        if (r < 0) {
                snprintf(err, PBOX_ERR_LEN, "notify socket: %s", strerror(-r));
                return r;
        }
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0) {
                r = -errno;
                snprintf(err, PBOX_ERR_LEN, "cannot set up stdio: %s",
                         strerror(-r));
                return r;
        }
        {
                int p[2];

                if (pipe2(p, O_CLOEXEC) < 0) {
                        r = -errno;
                        snprintf(err, PBOX_ERR_LEN, "pipe: %s", strerror(-r));
                        return r;
                }
                err_r = p[0];
                err_w = p[1];
        }
        env = child_env(notify);
        if (!env) {
                snprintf(err, PBOX_ERR_LEN, "out of memory");
                return -ENOMEM;
        }
        fflush(NULL);
        b->broker = fork();
        if (b->broker == 0)
                child_exec(path, xargv, env, null, err_w);
        r = -errno;
        free(env[0]);
        free(env);
        if (b->broker < 0) {
                snprintf(err, PBOX_ERR_LEN, "fork: %s", strerror(-r));
                return r;
        }
        close(TAKE_FD(err_w));
        (void)proc_fd_nonblock(err_r, true);
        b->pidfd = (int)syscall(SYS_pidfd_open, b->broker, 0);
        if (b->pidfd < 0) {
                r = -errno;
                kill(b->broker, SIGKILL);
                waitpid(b->broker, NULL, 0);
                snprintf(err, PBOX_ERR_LEN, "pidfd_open: %s", strerror(-r));
                return r;
        }

        r = wait_ready(b, nfd, err_r, &l);
        if (r > 0) {
                b->copier = copier_start(err_r);
                *ret = TAKE_PTR(b);
                return 0;
        }
        if (r < 0) {
                /* The event loop itself failed: do not leave a half box. */
                kill(b->broker, SIGTERM);
                snprintf(err, PBOX_ERR_LEN, "poll: %s", strerror(-r));
        }
        while (waitpid(b->broker, &st, 0) < 0 && errno == EINTR)
                ;
        close(b->pidfd);
        if (r < 0)
                return r;
        /* What it said last; writers it left behind are not waited for. */
        for (int i = 0; i < 20; i++) {
                struct pollfd p = {.fd = err_r, .events = POLLIN};

                if (poll(&p, 1, 10) <= 0)
                        break;
                stderr_copy(err_r, &l);
                if (p.revents & POLLHUP)
                        break;
        }
        st = wait_status(st);
        snprintf(err, PBOX_ERR_LEN, "pbox-broker exited with status %d: %.*s",
                 st, PBOX_ERR_LEN - 40,
                 last_line_get(&l)[0] ? last_line_get(&l) : "no message");
        return st == 127 ? -ENOENT : st == 126 ? -EACCES : -ECHILD;
}

int pbox_wait(struct pbox_box *b, int *ret_status)
{
        int st;

        if (!b)
                return -EINVAL;
        if (!b->ended) {
                while (waitpid(b->broker, &st, 0) < 0)
                        if (errno != EINTR)
                                return -errno;
                b->status = wait_status(st);
                b->ended = true;
                close(b->pidfd);
                b->pidfd = -1;
        }
        /* The copier ends once the box's last writer is gone. */
        for (int i = 0; b->copier > 0 && i < 200; i++) {
                if (waitpid(b->copier, NULL, WNOHANG) != 0)
                        b->copier = 0;
                else
                        usleep(10000);
        }
        if (b->copier > 0) {
                kill(b->copier, SIGKILL);
                waitpid(b->copier, NULL, 0);
                b->copier = 0;
        }
        if (ret_status)
                *ret_status = b->status;
        return 0;
}

int pbox_close(struct pbox_box *b)
{
        int r;

        if (!b)
                return 0;
        if (!b->ended && kill(b->broker, SIGTERM) < 0 && errno != ESRCH) {
                r = -errno;
                goto out;
        }
        r = pbox_wait(b, NULL);
out:
        if (b->pidfd >= 0 && !b->ended)
                close(b->pidfd);
        free(b);
        return r;
}
