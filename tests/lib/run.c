/* run.c — running commands for the tests (see harness.h): fork/exec with
 * stdin fed, stdout and stderr captured and a hard timeout on the whole
 * process group, in the foreground or started in the background and
 * finished later; the same for the pbox binary of $PBOX_BUILD. Runs in the
 * forked check test process and in the box janitor. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "harness_internal.h"
#include "testutil.h"

double now_secs(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *pbox_build_dir(void)
{
        static char buf[PATH_MAX];
        const char *e = getenv("PBOX_BUILD");

        if (e && *e)
                return e;
        snprintf(buf, sizeof(buf), "%s/build", test_src_dir());
        return buf;
}

char *pbox_build_path(const char *name)
{
        char *p = NULL;

        if (asprintf(&p, "%s/%s", pbox_build_dir(), name) < 0)
                return NULL;
        return p;
}

/* ---- Running commands ------------------------------------------------ */

/* Read what fd has now; returns 1 at EOF, 0 otherwise. */
static int drain(int fd, struct buf *b)
{
        char tmp[8192];

        for (;;) {
                ssize_t k = read(fd, tmp, sizeof(tmp));

                if (k > 0) {
                        if (buf_append(b, tmp, (size_t)k) < 0)
                                return 1;
                        continue;
                }
                if (k == 0)
                        return 1;
                if (errno == EINTR)
                        continue;
                return errno == EAGAIN ? 0 : 1;
        }
}

static int spawn(struct run_proc *p, int *ret_in, const char *const argv[])
{
        int out[2], err[2], in[2] = {-EBADF, -EBADF}, ep[2];
        int e = 0;
        pid_t pid;

        if (pipe2(out, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(err, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
                return -errno;
        if (ret_in && pipe2(in, O_CLOEXEC) < 0)
                return -errno;
        p->t0 = now_secs();
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                sigset_t all;
                int nul;

                setpgid(0, 0);
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                for (int s = 1; s < NSIG; s++)
                        signal(s, SIG_DFL);
                if (ret_in)
                        nul = in[0];
                else
                        nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (nul < 0 || dup2(nul, 0) < 0 || dup2(out[1], 1) < 0 ||
                    dup2(err[1], 2) < 0)
                        goto fail;
                execvp(argv[0], (char *const *)argv);
        fail:
                e = errno;
                if (write(ep[1], &e, sizeof(e)) < 0)
                        _exit(127);
                _exit(127);
        }
        setpgid(pid, pid);
        close(out[1]);
        close(err[1]);
        close(ep[1]);
        if (ret_in)
                close(in[0]);
        while (read(ep[0], &e, sizeof(e)) < 0 && errno == EINTR)
                ;
        close(ep[0]);
        p->pid = pid;
        p->out_fd = out[0];
        p->err_fd = err[0];
        fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
        fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
        if (ret_in)
                *ret_in = in[1];
        return e ? -e : 0;
}

static int collect(struct run_proc *p, int in_fd, const char *in_data,
                   struct run_result *r, int timeout_s)
{
        struct buf o = {0}, e = {0};
        size_t in_len = in_data ? strlen(in_data) : 0, in_off = 0;
        double deadline = p->t0 + timeout_s;
        bool out_eof = false, err_eof = false, exited = false;
        int ws = 0;

        if (in_fd >= 0)
                fcntl(in_fd, F_SETFL, O_NONBLOCK);
        while (!exited) {
                struct pollfd pf[3];
                int n = 0, w;

                if (!out_eof)
                        pf[n++] = (struct pollfd){p->out_fd, POLLIN, 0};
                if (!err_eof)
                        pf[n++] = (struct pollfd){p->err_fd, POLLIN, 0};
                if (in_fd >= 0)
                        pf[n++] = (struct pollfd){in_fd, POLLOUT, 0};
                poll(pf, (nfds_t)n, 20);
                if (!out_eof)
                        out_eof = drain(p->out_fd, &o);
                if (!err_eof)
                        err_eof = drain(p->err_fd, &e);
                if (in_fd >= 0) {
                        ssize_t k = in_off < in_len
                                        ? write(in_fd, in_data + in_off,
                                                in_len - in_off)
                                        : 0;
                        if (k > 0)
                                in_off += (size_t)k;
                        if (in_off >= in_len ||
                            (k < 0 && errno != EAGAIN && errno != EINTR)) {
                                close(in_fd);
                                in_fd = -EBADF;
                        }
                }
                w = waitpid(p->pid, &ws, WNOHANG);
                if (w == p->pid) {
                        exited = true;
                } else if (now_secs() > deadline) {
                        kill(-p->pid, SIGKILL);
                        kill(p->pid, SIGKILL);
                        waitpid(p->pid, &ws, 0);
                        ws = -1;
                        exited = true;
                }
        }
        /* A daemon it left may still hold the pipes: take what is there. */
        drain(p->out_fd, &o);
        drain(p->err_fd, &e);
        if (in_fd >= 0)
                close(in_fd);
        close(p->out_fd);
        close(p->err_fd);
        r->secs = now_secs() - p->t0;
        if (ws == -1)
                r->status = RUN_TIMEOUT;
        else if (WIFEXITED(ws))
                r->status = WEXITSTATUS(ws);
        else
                r->status = 128 + WTERMSIG(ws);
        if (!o.p)
                buf_append(&o, "", 0);
        if (!e.p)
                buf_append(&e, "", 0);
        r->out = o.p;
        r->out_len = o.n;
        r->err = e.p;
        r->err_len = e.n;
        return r->status;
}

static void noexec_result(struct run_result *r, int err)
{
        *r = (struct run_result){.status = RUN_NOEXEC};
        if (asprintf(&r->err, "harness: cannot run: %s\n", strerror(-err)) < 0)
                r->err = NULL;
        r->err_len = r->err ? strlen(r->err) : 0;
        r->out = strdup("");
}

int run_cmd(struct run_result *r, const char *stdin_data, int timeout_s,
            const char *const argv[])
{
        struct run_proc p = {0};
        int in = -EBADF;
        int k;

        k = spawn(&p, stdin_data ? &in : NULL, argv);
        if (k < 0) {
                if (p.pid > 0) {
                        waitpid(p.pid, NULL, 0);
                        close(p.out_fd);
                        close(p.err_fd);
                        if (in >= 0)
                                close(in);
                }
                noexec_result(r, k);
                return k;
        }
        return collect(&p, in, stdin_data, r, timeout_s);
}

int run_start(struct run_proc *p, const char *const argv[])
{
        int k = spawn(p, NULL, argv);

        if (k < 0 && p->pid > 0) {
                waitpid(p->pid, NULL, 0);
                close(p->out_fd);
                close(p->err_fd);
                p->pid = 0;
        }
        return k;
}

int run_finish(struct run_proc *p, struct run_result *r, int timeout_s)
{
        if (p->pid <= 0) {
                noexec_result(r, -ECHILD);
                return -ECHILD;
        }
        /* the deadline counts from now, not from the start */
        p->t0 = now_secs();
        return collect(p, -EBADF, NULL, r, timeout_s);
}

/* argv for pbox: [$PBOX_BUILD/pbox, args..., NULL], malloc'd vector. */
static const char **pbox_argv(const char *const args[], char **ret_bin)
{
        size_t n = 0;
        const char **v;

        while (args[n])
                n++;
        v = calloc(n + 2, sizeof(*v));
        *ret_bin = pbox_build_path("pbox");
        if (!v || !*ret_bin) {
                free(v);
                free(*ret_bin);
                return NULL;
        }
        v[0] = *ret_bin;
        memcpy(v + 1, args, n * sizeof(*v));
        return v;
}

int run_pbox(struct run_result *r, const char *stdin_data, int timeout_s,
             const char *const argv[])
{
        _cleanup_free_ char *bin = NULL;
        _cleanup_free_ const char **v = pbox_argv(argv, &bin);

        if (!v) {
                noexec_result(r, -ENOMEM);
                return -ENOMEM;
        }
        return run_cmd(r, stdin_data, timeout_s, v);
}

int run_pbox_start(struct run_proc *p, const char *const argv[])
{
        _cleanup_free_ char *bin = NULL;
        _cleanup_free_ const char **v = pbox_argv(argv, &bin);

        if (!v)
                return -ENOMEM;
        return run_start(p, v);
}

int run_pboxv(struct run_result *r, const char *stdin_data, int timeout_s, ...)
{
        const char *args[64];
        size_t n = 0;
        va_list ap;

        va_start(ap, timeout_s);
        while (n < ELEMENTSOF(args) - 1 && (args[n] = va_arg(ap, const char *)))
                n++;
        va_end(ap);
        args[n] = NULL;
        return run_pbox(r, stdin_data, timeout_s, args);
}

void run_result_free(struct run_result *r)
{
        if (!r)
                return;
        free(r->out);
        free(r->err);
        *r = (struct run_result){0};
}
