/* check_it_enter.c — integration tests of `pbox enter`, `pbox device` and
 * the enter socket (SPEC §2, §3, §5; docs/enter.md): each test starts a
 * real detached box on a fresh busybox rootfs with a private --data-dir
 * and enters it with the real client — exit statuses, stdio, users,
 * environment, terminals (through a real pseudo-terminal), signals,
 * peers the socket must refuse, hostile frames on the raw socket,
 * concurrency, device hot-plug and the audit log. Root only; run by
 * tests/run-tests.sh with PBOX_BUILD set. Non-root clients are run with
 * setpriv(1). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "ipc.h"
#include "testutil.h"

#define REPORT_LEN    8192
#define ENTER_TIMEOUT 20
#define DEFAULT_PATH                                                           \
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Failure text: what, then pbox's status and output. */
#define ck_run(cond, r, what)                                                  \
        ck_assert_msg(cond,                                                    \
                      "%s: status %d\n--- stdout:\n%.3000s\n--- stderr:\n"     \
                      "%.3000s",                                               \
                      what, (r)->status, (r)->out ? (r)->out : "",             \
                      (r)->err ? (r)->err : "")

/* ---- Helpers ----------------------------------------------------------- */

static struct test_box *box_new(void)
{
        struct test_box *b = test_box_new();

        ck_assert_msg(b, "cannot set up a test box (rootfs, temp dir)");
        return b;
}

/* Checks the status of test_box_start_detached(b, ...). */
static void assert_started(struct test_box *b, int status)
{
        ck_run(status == 0, &b->last, "pbox start --detach");
}

static void assert_no_leftovers(const struct test_box *b, double wait_s)
{
        char rep[REPORT_LEN];
        int n = leftovers_wait(b->name, b->data_dir, rep, sizeof(rep), wait_s);

        ck_assert_msg(n == 0, "%d leftovers of box %s:\n%s", n, b->name, rep);
}

/* SPEC §3: status 125 and one line `pbox: ...` on stderr. */
static void assert_pbox_error(const struct run_result *r, const char *what)
{
        ck_run(r->status == 125, r, what);
        ck_run(strncmp(r->err, "pbox: ", 6) == 0 && count_lines(r->err) == 1, r,
               "error is not one line starting 'pbox: '");
}

/* Fill argv with `enter --name N --data-dir D` and the NULL-terminated
 * list ap; returns the count (argv NULL-terminated). */
static size_t enter_argv(const struct test_box *b, const char **argv,
                         size_t max, va_list ap)
{
        size_t n = 0;
        const char *a;

        argv[n++] = "enter";
        argv[n++] = "--name";
        argv[n++] = b->name;
        argv[n++] = "--data-dir";
        argv[n++] = b->data_dir;
        while (n < max - 1 && (a = va_arg(ap, const char *)))
                argv[n++] = a;
        argv[n] = NULL;
        return n;
}

/* `pbox enter --name --data-dir ARGS...` (options, "--", CMD...), stdin
 * from in (NULL: /dev/null); returns the status. */
static int __attribute__((sentinel))
enter(const struct test_box *b, struct run_result *r, const char *in, ...)
{
        const char *argv[64];
        va_list ap;

        va_start(ap, in);
        enter_argv(b, argv, ELEMENTSOF(argv), ap);
        va_end(ap);
        return run_pbox(r, in, ENTER_TIMEOUT, argv);
}

/* The same as `setpriv PRIV... $PBOX_BUILD/pbox enter ...`: priv is a
 * NULL-terminated list of setpriv options. */
static int __attribute__((sentinel))
enter_as(const struct test_box *b, struct run_result *r,
         const char *const priv[], ...)
{
        _cleanup_free_ char *pbox = pbox_build_path("pbox");
        const char *argv[80] = {"setpriv"};
        const char *tail[64];
        size_t n = 1;
        va_list ap;

        for (size_t i = 0; priv[i]; i++)
                argv[n++] = priv[i];
        argv[n++] = pbox;
        va_start(ap, priv);
        enter_argv(b, tail, ELEMENTSOF(tail), ap);
        va_end(ap);
        for (size_t i = 0; tail[i] && n < ELEMENTSOF(argv) - 1; i++)
                argv[n++] = tail[i];
        argv[n] = NULL;
        return run_cmd(r, NULL, ENTER_TIMEOUT, argv);
}

static void write_file(const char *path, const char *data, mode_t mode)
{
        _cleanup_close_ int fd =
            open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        ck_assert_msg(fd >= 0, "open %s: %m", path);
        ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
        ck_assert_int_eq(fchmod(fd, mode), 0);
}

static char *read_file(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *s = NULL;
        size_t n = 0;

        if (!f)
                return NULL;
        if (getdelim(&s, &n, '\0', f) < 0) {
                free(s);
                return strdup("");
        }
        return s;
}

/* Does text hold exactly this line? */
static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);

                if (l == n && !memcmp(p, line, n))
                        return true;
                p = e ? e + 1 : NULL;
        }
        return false;
}

/* Occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
        int n = 0;

        for (const char *p = hay; p && (p = strstr(p, needle)); p++)
                n++;
        return n;
}

/* Value after "Key:\t" in /proc/PID/status text, malloc'd. */
static char *status_field(const char *text, const char *key)
{
        size_t kl = strlen(key);

        for (const char *p = text; p && *p;) {
                if (!strncmp(p, key, kl) && p[kl] == ':') {
                        const char *v = p + kl + 1;

                        v += strspn(v, " \t");
                        return strndup(v, strcspn(v, "\n"));
                }
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
        return NULL;
}

/* Host pid of a component in `pbox status --json`, or -1. */
static long long component_pid(struct test_box *b, const char *name)
{
        _cleanup_free_ char *json = test_box_status_json(b);
        _cleanup_free_ char *c = json_component(json, name);

        return json_get_int(c, "pid");
}

static int count_fds(long long pid)
{
        char path[64];
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int n = 0;

        snprintf(path, sizeof(path), "/proc/%lld/fd", pid);
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return n;
}

/* A live (not zombie) process whose argv is exactly {a0, a1}, or 0. */
static pid_t find_argv(const char *a0, const char *a1)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        struct dirent *de;
        size_t l0 = strlen(a0) + 1, l1 = strlen(a1) + 1;

        while (d && (de = readdir(d))) {
                char path[300], buf[256], st[512];
                _cleanup_close_ int fd = -EBADF;
                ssize_t k;
                const char *paren;
                int sfd;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                k = read(fd, buf, sizeof(buf));
                if (k != (ssize_t)(l0 + l1) || memcmp(buf, a0, l0) ||
                    memcmp(buf + l0, a1, l1))
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                sfd = open(path, O_RDONLY | O_CLOEXEC);
                if (sfd < 0)
                        continue;
                k = read(sfd, st, sizeof(st) - 1);
                close(sfd);
                if (k <= 0)
                        continue;
                st[k] = '\0';
                paren = strrchr(st, ')');
                if (paren && paren[1] == ' ' && paren[2] != 'Z' &&
                    paren[2] != 'X')
                        return (pid_t)atoi(de->d_name);
        }
        return 0;
}

/* Wait for rootfs/REL to exist (a file the box's process creates). */
static bool wait_file(const struct test_box *b, const char *rel, double secs)
{
        _cleanup_free_ char *p = NULL;
        double end = now_secs() + secs;

        ck_assert_int_ge(asprintf(&p, "%s/%s", b->rootfs, rel), 0);
        while (access(p, F_OK) < 0) {
                if (now_secs() > end)
                        return false;
                usleep(20 * 1000);
        }
        return true;
}

/* Let a uid other than root reach DATA_DIR: the test's temp dir is 0700
 * (the box's own state dir keeps whatever mode enterd gives it). */
static void open_tmp_for_others(const struct test_box *b)
{
        ck_assert_int_eq(chmod(b->tmp, 0711), 0);
}

/* ---- Audit log --------------------------------------------------------- */

static char *audit_path(const struct test_box *b)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/_log/audit", b->data_dir), 0);
        return p;
}

/* Value of key in one audit line (key=value fields, values with spaces
 * or quotes in Go-style double quotes, kept quoted), malloc'd or NULL. */
static char *audit_field(const char *line, const char *key)
{
        size_t kl = strlen(key);
        const char *p = line;

        while (p && *p && *p != '\n') {
                const char *v, *e;

                p += strspn(p, " ");
                v = strchr(p, '=');
                if (!v)
                        return NULL;
                v++;
                e = v;
                if (*e == '"') {
                        for (e++; *e && *e != '"' && *e != '\n'; e++)
                                if (*e == '\\' && e[1])
                                        e++;
                        if (*e == '"')
                                e++;
                } else {
                        e += strcspn(e, " \n");
                }
                if ((size_t)(v - 1 - p) == kl && !strncmp(p, key, kl))
                        return strndup(v, (size_t)(e - v));
                p = e;
        }
        return NULL;
}

/* The lines of text holding needle, up to max, as pointers into text. */
static int lines_with(const char *text, const char *needle, const char **ret,
                      int max)
{
        int n = 0;

        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                _cleanup_free_ char *line = strndup(p, l);

                if (line && strstr(line, needle) && n < max)
                        ret[n++] = p;
                p = e ? e + 1 : NULL;
        }
        return n;
}

static void assert_field(const char *line, const char *key, const char *want)
{
        _cleanup_free_ char *v = audit_field(line, key);
        int l = (int)strcspn(line, "\n");

        ck_assert_msg(v && !strcmp(v, want),
                      "audit %s: want %s, got %s in: %.*s", key, want,
                      v ? v : "(absent)", l, line);
}

/* time=YYYY-MM-DDTHH:MM:SSZ, box, peer_pid > 0 (common to every line). */
static void assert_common_fields(const char *line, const struct test_box *b)
{
        _cleanup_free_ char *t = audit_field(line, "time");
        _cleanup_free_ char *pid = audit_field(line, "peer_pid");
        int y, mo, d, h, mi, s;
        char z = 0;
        int l = (int)strcspn(line, "\n");

        ck_assert_msg(t && strlen(t) == 20 &&
                          sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d,
                                 &h, &mi, &s, &z) == 7 &&
                          z == 'Z',
                      "audit time not RFC 3339 UTC: %.*s", l, line);
        assert_field(line, "box", b->name);
        ck_assert_msg(pid && atoi(pid) > 0, "audit peer_pid: %.*s", l, line);
}

/* ---- A real pseudo-terminal ---------------------------------------------- */

/* One interaction: once expect has appeared in the output (after the
 * previous step's match), optionally resize the terminal, then send. */
struct pty_step {
        const char *expect;
        const struct winsize *resize;
        const char *send;
};

struct pty_result {
        int status; /* as run_result */
        char out[65536];
        size_t len;
        struct termios before, during, after;
        bool saw_during; /* termios sampled at the first step */
};

static bool termios_eq(const struct termios *a, const struct termios *b)
{
        return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
               a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
               !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

static void pty_drain(int master, struct pty_result *res)
{
        for (;;) {
                ssize_t k;

                if (res->len >= sizeof(res->out) - 1)
                        return;
                k = read(master, res->out + res->len,
                         sizeof(res->out) - 1 - res->len);
                if (k > 0) {
                        res->len += (size_t)k;
                        res->out[res->len] = '\0';
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                return;
        }
}

/* Run $PBOX_BUILD/pbox with args (after "pbox") as the session leader of
 * a new pseudo-terminal of size ws, its controlling terminal on 0, 1, 2;
 * play steps; wait up to timeout_s. */
static void pty_run(const char *const args[], const struct winsize *ws,
                    const struct pty_step *steps, size_t nsteps, int timeout_s,
                    struct pty_result *res)
{
        _cleanup_free_ char *pbox = pbox_build_path("pbox");
        const char *argv[64] = {pbox};
        int master = -EBADF, slave = -EBADF, ws_status = 0;
        size_t step = 0, mark = 0, n = 1;
        double end;
        pid_t pid;

        for (size_t i = 0; args[i] && n < ELEMENTSOF(argv) - 1; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        memset(res, 0, sizeof(*res));
        ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, ws), 0);
        fcntl(master, F_SETFD, FD_CLOEXEC);
        fcntl(slave, F_SETFD, FD_CLOEXEC);
        ck_assert_int_eq(tcgetattr(slave, &res->before), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                sigset_t none;

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                for (int s = 1; s < NSIG; s++)
                        signal(s, SIG_DFL);
                if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 ||
                    dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
                    dup2(slave, 2) < 0)
                        _exit(127);
                execv(pbox, (char *const *)argv);
                _exit(127);
        }
        fcntl(master, F_SETFL, O_NONBLOCK);
        end = now_secs() + timeout_s;
        for (;;) {
                struct pollfd pf = {master, POLLIN, 0};
                pid_t w;

                poll(&pf, 1, 20);
                pty_drain(master, res);
                if (step < nsteps &&
                    strstr(res->out + mark, steps[step].expect)) {
                        mark = (size_t)(strstr(res->out + mark,
                                               steps[step].expect) -
                                        res->out) +
                               strlen(steps[step].expect);
                        if (step == 0)
                                res->saw_during =
                                    tcgetattr(slave, &res->during) == 0;
                        if (steps[step].resize) {
                                ioctl(master, TIOCSWINSZ, steps[step].resize);
                                usleep(300 * 1000);
                        }
                        if (steps[step].send &&
                            write(master, steps[step].send,
                                  strlen(steps[step].send)) < 0)
                                break;
                        step++;
                }
                w = waitpid(pid, &ws_status, WNOHANG);
                if (w == pid) {
                        res->status = WIFEXITED(ws_status)
                                          ? WEXITSTATUS(ws_status)
                                          : 128 + WTERMSIG(ws_status);
                        break;
                }
                if (now_secs() > end) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        res->status = RUN_TIMEOUT;
                        break;
                }
        }
        usleep(50 * 1000);
        pty_drain(master, res);
        tcgetattr(slave, &res->after);
        close(master);
        close(slave);
}

#define ck_pty(cond, res, what)                                                \
        ck_assert_msg(cond, "%s: status %d\n--- terminal:\n%.3000s", what,     \
                      (res)->status, (res)->out)

/* ---- Raw connections to the enter socket -------------------------------- */

static int raw_connect(const struct test_box *b)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/enter.sock",
                 b->data_dir, b->name);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
                      "connect %s: %m", sa.sun_path);
        return fd;
}

/* One datagram with nfds copies of /dev/null attached; returns send's. */
static ssize_t raw_send(int sock, const void *buf, size_t len, unsigned nfds)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } ctl;
        struct iovec iov = {(void *)buf, len};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        int fds[4];
        ssize_t k;

        ck_assert_uint_le(nfds, 4);
        for (unsigned i = 0; i < nfds; i++)
                fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (nfds) {
                struct cmsghdr *c;

                memset(&ctl, 0, sizeof(ctl));
                mh.msg_control = ctl.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
        }
        k = sendmsg(sock, &mh, MSG_NOSIGNAL);
        for (unsigned i = 0; i < nfds; i++)
                close(fds[i]);
        return k;
}

/* Does the peer end the conversation within secs? Anything it sends
 * first (an error REPLY) is read and dropped. */
static bool raw_wait_eof(int sock, double secs)
{
        double end = now_secs() + secs;
        char buf[IPC_FRAME_MAX];

        while (now_secs() < end) {
                struct pollfd pf = {sock, POLLIN, 0};
                ssize_t k;

                if (poll(&pf, 1, 50) <= 0)
                        continue;
                k = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
                if (k == 0 || (k < 0 && errno == ECONNRESET))
                        return true;
                if (k < 0 && errno != EAGAIN && errno != EINTR)
                        return true;
        }
        return false;
}

/* A valid ENTER_REQ frame for `/bin/sh -c script`; returns its length. */
static size_t enter_req_frame(const char *script, uint8_t *buf, size_t bufsz)
{
        char *args[] = {(char *)"/bin/sh", (char *)"-c", (char *)script, NULL};
        char *env[] = {NULL};
        struct ipc_enter_req req = {
            .hdr = {.type = IPC_ENTER_REQ,
                    .id = 1,
                    .fds = {-EBADF, -EBADF, -EBADF, -EBADF}},
            .args = args,
            .env = env,
            .user = (char *)"",
            .workdir = (char *)"",
            .label = (char *)"",
        };
        ssize_t n = ipc_encode(&req, buf, bufsz);

        ck_assert_int_gt(n, 0);
        return (size_t)n;
}

/* ---- Exit status ------------------------------------------------------- */

/* _i = 1: a box with --init. */
START_TEST(test_exit_codes)
{
        static const struct {
                const char *cmd;
                int want;
        } cases[] = {
            {"exit 0", 0},       {"exit 3", 3},          {"exit 255", 255},
            {"kill -9 $$", 137}, {"kill -TERM $$", 143},
        };
        struct test_box *b = box_new();
        _cleanup_free_ char *ne = NULL;
        struct run_result r = {0};

        ck_assert_int_ge(asprintf(&ne, "%s/notexec", b->rootfs), 0);
        write_file(ne, "#!/bin/sh\necho ran\n", 0644);
        assert_started(b, _i ? test_box_start_detached(b, "--init", NULL)
                             : test_box_start_detached(b, NULL));
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                enter(b, &r, NULL, "--", "/bin/sh", "-c", cases[i].cmd, NULL);
                ck_assert_msg(r.status == cases[i].want,
                              "sh -c '%s': want %d, got %d; stderr: %s",
                              cases[i].cmd, cases[i].want, r.status, r.err);
                run_result_free(&r);
        }
        enter(b, &r, NULL, "--", "/notexec", NULL);
        ck_run(r.status == 126 && !strstr(r.out, "ran"), &r,
               "a non-executable file must give 126");
        run_result_free(&r);
        enter(b, &r, NULL, "--", "/tmp", NULL);
        ck_run(r.status == 126, &r, "a directory must give 126");
        run_result_free(&r);
        enter(b, &r, NULL, "--", "/no/such/cmd", NULL);
        ck_run(r.status == 127, &r, "a missing path must give 127");
        run_result_free(&r);
        enter(b, &r, NULL, "--", "nosuchcmd", NULL);
        ck_run(r.status == 127, &r, "a name not in PATH must give 127");
        run_result_free(&r);
        /* the alias */
        run_pboxv(&r, NULL, ENTER_TIMEOUT, "exec", "--name", b->name,
                  "--data-dir", b->data_dir, "--", "/bin/sh", "-c", "exit 4",
                  NULL);
        ck_run(r.status == 4, &r, "pbox exec is enter");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_not_running)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        _cleanup_free_ char *sock = NULL;

        enter(b, &r, NULL, "--", "/bin/true", NULL);
        assert_pbox_error(&r, "enter into a box that does not run");
        ck_assert_int_ge(
            asprintf(&sock, "%s/%s/enter.sock", b->data_dir, b->name), 0);
        ck_run(strstr(r.err, b->name) && strstr(r.err, sock), &r,
               "the error must name the box and its socket");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Stdio ------------------------------------------------------------- */

START_TEST(test_stdout_stderr)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        assert_started(b, test_box_start_detached(b, NULL));
        enter(b, &r, NULL, "--", "/bin/sh", "-c",
              "echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 2",
              NULL);
        ck_run(r.status == 2, &r, "status");
        ck_run(!strcmp(r.out, "out1\nout2\n"), &r, "stdout alone");
        ck_run(!strcmp(r.err, "err1\nerr2\n"), &r, "stderr alone");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_stdin_interactive)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        size_t big = 1 << 20;
        _cleanup_free_ char *in = malloc(big + 1);

        ck_assert_ptr_nonnull(in);
        assert_started(b, test_box_start_detached(b, "--init", NULL));
        enter(b, &r, "line one\nline two\n", "-i", "--", "cat", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "line one\nline two\n"), &r,
               "-i: cat echoes stdin");
        run_result_free(&r);
        /* 1 MiB through stdin, to its end */
        for (size_t i = 0; i < big; i++)
                in[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
        in[big] = '\0';
        enter(b, &r, in, "--interactive", "--", "wc", "-c", NULL);
        ck_run(r.status == 0 && atol(r.out) == (long)big, &r,
               "-i: 1 MiB of stdin arrives whole");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_stdin_closed)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        assert_started(b, test_box_start_detached(b, NULL));
        enter(b, &r, "must not arrive\n", "--", "cat", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, ""), &r,
               "without -i stdin is /dev/null");
        ck_run(r.secs < 5, &r, "cat without -i must see EOF at once");
        run_result_free(&r);
        enter(b, &r, "x\n", "--", "readlink", "/proc/self/fd/0", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "/dev/null\n"), &r,
               "without -i fd 0 is /dev/null");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* 64 MiB of random bytes, byte for byte (md5 inside vs outside). */
START_TEST(test_output_64m)
{
        static const size_t size = 64u << 20;
        struct test_box *b = box_new();
        _cleanup_free_ char *host = test_box_path(b, "received");
        const char *md5[] = {"md5sum", host, NULL};
        struct run_result r = {0}, m = {0};
        _cleanup_close_ int fd = -EBADF;
        char inner[40] = "", outer[40] = "";

        assert_started(b, test_box_start_detached(b, NULL));
        enter(b, &r, NULL, "--", "/bin/sh", "-c",
              "head -c 67108864 /dev/urandom >/tmp/x && md5sum /tmp/x >&2 && "
              "cat /tmp/x; rm -f /tmp/x",
              NULL);
        ck_assert_msg(r.status == 0, "status %d, stderr %s", r.status, r.err);
        ck_assert_msg(r.out_len == size, "received %zu bytes, want %zu",
                      r.out_len, size);
        fd = open(host, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, r.out, r.out_len), (ssize_t)r.out_len);
        ck_assert_int_eq(run_cmd(&m, NULL, 20, md5), 0);
        sscanf(r.err, "%32s", inner);
        sscanf(m.out, "%32s", outer);
        ck_assert_msg(strlen(inner) == 32 && !strcmp(inner, outer),
                      "md5 inside %s, of what arrived %s", inner, outer);
        run_result_free(&r);
        run_result_free(&m);
        unlink(host);
        /* and zeroes through dd, counted */
        enter(b, &r, NULL, "--", "dd", "if=/dev/zero", "bs=1M", "count=64",
              NULL);
        ck_run(r.status == 0 && r.out_len == size, &r, "dd 64 MiB");
        for (size_t i = 0; i < r.out_len; i++)
                if (r.out[i]) {
                        ck_assert_msg(0, "byte %zu is %d, not 0", i, r.out[i]);
                        break;
                }
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Identity, environment, directory ---------------------------------- */

START_TEST(test_user)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        assert_started(b, test_box_start_detached(b, NULL));
        enter(b, &r, NULL, "-u", "user", "--", "id", NULL);
        ck_run(r.status == 0, &r, "-u user");
        ck_run(strstr(r.out, "uid=1000(") && strstr(r.out, "gid=1000("), &r,
               "uid and gid 1000");
        ck_run(strstr(r.out, "10(wheel)") && strstr(r.out, "29(audio)"), &r,
               "supplementary groups wheel and audio from the box's group");
        run_result_free(&r);
        enter(b, &r, NULL, "--user", "4242", "--", "id", NULL);
        ck_run(r.status == 0 && strstr(r.out, "uid=4242") &&
                   strstr(r.out, "gid=4242"),
               &r, "-u 4242 (absent from passwd)");
        run_result_free(&r);
        enter(b, &r, NULL, "-u", "1001:29", "--", "id", NULL);
        ck_run(r.status == 0 && strstr(r.out, "uid=1001(") &&
                   strstr(r.out, "gid=29("),
               &r, "-u uid:gid");
        run_result_free(&r);
        enter(b, &r, NULL, "--", "id", "-u", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "0\n"), &r, "default root");
        run_result_free(&r);
        enter(b, &r, NULL, "-u", "nosuchuser", "--", "/bin/sh", "-c",
              "echo ran", NULL);
        assert_pbox_error(&r, "unknown user");
        ck_run(!strstr(r.out, "ran") && strstr(r.err, "nosuchuser"), &r,
               "unknown user: nothing runs, the error names it");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* Precedence, lowest first: defaults < /etc/pbox/enter.env < -e. */
START_TEST(test_env_precedence)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *envf = NULL;
        struct run_result r = {0};

        setenv("PBOXTEST_HOSTLEAK", "leak", 1);
        assert_started(b, test_box_start_detached(b, "--enter-env",
                                                  "A=start,B=start,TERM=vt100",
                                                  NULL));
        enter(b, &r, NULL, "--", "env", NULL);
        ck_run(r.status == 0, &r, "env");
        ck_run(has_line(r.out, "PATH=" DEFAULT_PATH), &r, "default PATH");
        ck_run(has_line(r.out, "LC_ALL=C.UTF-8"), &r, "default LC_ALL");
        ck_run(has_line(r.out, "HOME=/root"), &r, "HOME of root from passwd");
        ck_run(has_line(r.out, "TERM=vt100"), &r,
               "--enter-env must override the default TERM");
        ck_run(has_line(r.out, "A=start") && has_line(r.out, "B=start"), &r,
               "--enter-env variables");
        ck_run(!strstr(r.out, "PBOXTEST_HOSTLEAK") && !strstr(r.out, "leak"),
               &r, "the client's environment must not leak into the box");
        ck_run(!strstr(r.out, "container_uuid"), &r,
               "init's environment is not the entered process's");
        run_result_free(&r);

        enter(b, &r, NULL, "-u", "user", "-e", "B=cli", "--env", "C=x=y z",
              "-e", "TERM=dumb", "--", "env", NULL);
        ck_run(r.status == 0, &r, "env with -e");
        ck_run(has_line(r.out, "HOME=/home/user"), &r, "HOME of user");
        ck_run(has_line(r.out, "A=start"), &r, "enter.env kept");
        ck_run(has_line(r.out, "B=cli") && !has_line(r.out, "B=start"), &r,
               "-e must override --enter-env");
        ck_run(has_line(r.out, "C=x=y z"), &r, "-e value taken as it is");
        ck_run(has_line(r.out, "TERM=dumb"), &r, "-e overrides TERM");
        run_result_free(&r);

        enter(b, &r, NULL, "-e", "HOME=/h", "-e", "PATH=/bin", "--", "env",
              NULL);
        ck_run(has_line(r.out, "HOME=/h") && has_line(r.out, "PATH=/bin"), &r,
               "-e overrides HOME and PATH");
        run_result_free(&r);

        enter(b, &r, NULL, "-e", "1BAD=x", "--", "env", NULL);
        assert_pbox_error(&r, "-e with a bad name");
        run_result_free(&r);

        /* enter.env is read again at every enter */
        ck_assert_int_ge(asprintf(&envf, "%s/etc/pbox/enter.env", b->rootfs),
                         0);
        write_file(envf, "A=\"changed\"\n", 0644);
        enter(b, &r, NULL, "--", "env", NULL);
        ck_run(has_line(r.out, "A=changed") && !has_line(r.out, "B=start"), &r,
               "/etc/pbox/enter.env must be read at every enter");
        run_result_free(&r);
        unsetenv("PBOXTEST_HOSTLEAK");
        test_box_free(b);
}
END_TEST

START_TEST(test_workdir)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        assert_started(b, test_box_start_detached(b, NULL));
        enter(b, &r, NULL, "--", "pwd", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "/\n"), &r, "default /");
        run_result_free(&r);
        enter(b, &r, NULL, "-w", "/tmp", "--", "pwd", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "/tmp\n"), &r, "-w /tmp");
        run_result_free(&r);
        enter(b, &r, NULL, "-u", "user", "--workdir", "/home/user", "--", "pwd",
              NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "/home/user\n"), &r,
               "--workdir as user");
        run_result_free(&r);
        enter(b, &r, NULL, "-w", "tmp", "--", "/bin/sh", "-c", "echo ran",
              NULL);
        assert_pbox_error(&r, "a relative workdir");
        run_result_free(&r);
        enter(b, &r, NULL, "-w", "/no/such/dir", "--", "/bin/sh", "-c",
              "echo ran", NULL);
        ck_run(r.status != 0 && !strstr(r.out, "ran") && r.err_len > 0, &r,
               "a missing workdir must fail, with a reason");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* CVE-2024-21626 (runc "Leaky Vessels"): a workdir through a leaked host
 * fd must not put the process outside the box. */
START_TEST(test_cve_2024_21626)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        assert_started(b, test_box_start_detached(b, NULL));
        for (int fd = 3; fd <= 20; fd++) {
                char wd[64], msg[128];

                snprintf(wd, sizeof(wd), "/proc/self/fd/%d", fd);
                snprintf(msg, sizeof(msg), "-w %s must fail", wd);
                enter(b, &r, NULL, "-w", wd, "--", "/bin/sh", "-c",
                      "echo ran; pwd; ls ..", NULL);
                ck_run(r.status != 0 && !strstr(r.out, "ran"), &r, msg);
                run_result_free(&r);
        }
        test_box_free(b);
}
END_TEST

/* ---- Terminals --------------------------------------------------------- */

/* _i = 1: box with --init. */
START_TEST(test_tty)
{
        static const struct winsize ws0 = {.ws_row = 37, .ws_col = 101};
        static const struct winsize ws1 = {.ws_row = 50, .ws_col = 120};
        static const struct pty_step steps[] = {
            {"READY", &ws1, "abc\r"},
        };
        struct test_box *b = box_new();
        const char *args[] = {
            "enter",
            "--name",
            b->name,
            "--data-dir",
            b->data_dir,
            "-t",
            "--",
            "/bin/sh",
            "-c",
            "stty size; tty; echo \"fds:$(ls /proc/self/fd | tr '\\n' ,)\"; "
            "echo READY; read x; echo \"got:$x\"; stty size; exit 5",
            NULL};
        static struct pty_result res;

        assert_started(b, _i ? test_box_start_detached(b, "--init", NULL)
                             : test_box_start_detached(b, NULL));
        pty_run(args, &ws0, steps, ELEMENTSOF(steps), 20, &res);
        ck_pty(res.status == 5, &res, "-t: the command's status");
        ck_pty(strstr(res.out, "37 101"), &res,
               "the window size must be seen inside");
        ck_pty(strstr(res.out, "/dev/pts/"), &res,
               "tty inside must be a terminal");
        ck_pty(strstr(res.out, "fds:0,1,2,3,\r\n"), &res,
               "-t: only the terminal's 0, 1, 2 (and ls's 3) may be open");
        ck_pty(strstr(res.out, "got:abc"), &res,
               "input must reach the process through the terminal");
        ck_pty(strstr(res.out, "50 120"), &res,
               "a resize (SIGWINCH) must reach the terminal inside");
        ck_pty(res.saw_during && !(res.during.c_lflag & (ICANON | ECHO)), &res,
               "the caller's terminal must be in raw mode while it runs");
        ck_pty(termios_eq(&res.before, &res.after), &res,
               "the caller's terminal mode must be restored after exit");
        test_box_free(b);
}
END_TEST

/* Without -t a host terminal never reaches the box. _i = 1: with -i. */
START_TEST(test_no_host_tty)
{
        static const struct winsize ws0 = {.ws_row = 24, .ws_col = 80};
        struct test_box *b = box_new();
        const char *args[16] = {"enter", "--name", b->name, "--data-dir",
                                b->data_dir};
        size_t n = 5;
        static struct pty_result res;

        if (_i)
                args[n++] = "-i";
        args[n++] = "--";
        args[n++] = "/bin/sh";
        args[n++] = "-c";
        args[n++] = "ls -l /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; "
                    "tty; echo DONE";
        args[n] = NULL;
        assert_started(b, test_box_start_detached(b, NULL));
        pty_run(args, &ws0, NULL, 0, 15, &res);
        ck_pty(strstr(res.out, "DONE"), &res, "the command ran");
        ck_pty(!strstr(res.out, "/dev/pts") && !strstr(res.out, "/dev/tty"),
               &res, "no host terminal may be handed into the box");
        ck_pty(strstr(res.out, "not a tty"), &res, "tty must say not a tty");
        ck_pty(count_of(res.out, "pipe:[") == (_i ? 3 : 2), &res,
               "stdout and stderr (and stdin with -i) must be pipes");
        if (!_i)
                ck_pty(strstr(res.out, "/dev/null"), &res,
                       "stdin without -i is /dev/null");
        ck_pty(termios_eq(&res.before, &res.after), &res,
               "without -t the terminal mode must not change");
        ck_pty(res.status == 0, &res, "status");
        test_box_free(b);
}
END_TEST

/* ---- Signals and hang-ups ---------------------------------------------- */

START_TEST(test_signal_forward)
{
        static const struct {
                int sig;
                const char *name;
        } sigs[] = {{SIGUSR1, "USR1"}, {SIGUSR2, "USR2"}, {SIGTERM, "TERM"},
                    {SIGINT, "INT"},   {SIGHUP, "HUP"},   {SIGQUIT, "QUIT"}};
        struct test_box *b = box_new();

        assert_started(b, test_box_start_detached(b, "--init", NULL));
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++) {
                char script[256], ready[64], msg[96];
                _cleanup_free_ char *pbox = pbox_build_path("pbox");
                const char *argv[] = {pbox,    "enter",      "--name",
                                      b->name, "--data-dir", b->data_dir,
                                      "--",    "/bin/sh",    "-c",
                                      script,  NULL};
                struct run_proc p = {0};
                struct run_result r = {0};

                snprintf(ready, sizeof(ready), "tmp/ready-%s", sigs[i].name);
                snprintf(script, sizeof(script),
                         "trap 'exit 42' %s; touch /%s; "
                         "while :; do sleep 0.1; done",
                         sigs[i].name, ready);
                ck_assert_int_eq(run_start(&p, argv), 0);
                if (!wait_file(b, ready, 10)) {
                        kill(-p.pid, SIGKILL);
                        run_finish(&p, &r, 5);
                        ck_run(0, &r, "the entered process never started");
                }
                ck_assert_int_eq(kill(p.pid, sigs[i].sig), 0);
                run_finish(&p, &r, 10);
                snprintf(msg, sizeof(msg),
                         "SIG%s to the client must reach "
                         "the process (trap: exit 42)",
                         sigs[i].name);
                ck_run(r.status == 42, &r, msg);
                run_result_free(&r);
        }
        ck_assert_int_eq(test_box_stop(b), 0);
        assert_no_leftovers(b, 5);
        test_box_free(b);
}
END_TEST

/* SIGKILL of the client: the process inside goes. _i = 1: it ignores
 * SIGHUP (then only the kill after the grace period ends it). */
START_TEST(test_client_killed)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *pbox = pbox_build_path("pbox");
        char marker[32], script[128];
        const char *argv[] = {pbox,         "enter",     "--name", b->name,
                              "--data-dir", b->data_dir, "--",     "/bin/sh",
                              "-c",         script,      NULL};
        struct run_proc p = {0};
        struct run_result r = {0};
        pid_t inner = 0;
        double t;

        snprintf(marker, sizeof(marker), "%d", 900000 + getpid() % 90000);
        snprintf(script, sizeof(script), "%sexec sleep %s",
                 _i ? "trap '' HUP; " : "", marker);
        assert_started(b, _i ? test_box_start_detached(b, NULL)
                             : test_box_start_detached(b, "--init", NULL));
        ck_assert_int_eq(run_start(&p, argv), 0);
        for (int k = 0; k < 500 && !(inner = find_argv("sleep", marker)); k++)
                usleep(20 * 1000);
        if (!inner) {
                kill(-p.pid, SIGKILL);
                run_finish(&p, &r, 5);
                ck_run(0, &r, "the entered sleep never appeared");
        }
        kill(p.pid, SIGKILL);
        run_finish(&p, &r, 5);
        run_result_free(&r);
        t = now_secs();
        while (find_argv("sleep", marker) && now_secs() - t < 15)
                usleep(50 * 1000);
        ck_assert_msg(!find_argv("sleep", marker),
                      "process %d inside still runs %.1f s after its client "
                      "was killed",
                      (int)inner, now_secs() - t);
        /* enterd serves on */
        enter(b, &r, NULL, "--", "/bin/true", NULL);
        ck_run(r.status == 0, &r, "enter after a killed client");
        run_result_free(&r);
        ck_assert_int_eq(test_box_stop(b), 0);
        assert_no_leftovers(b, 5);
        test_box_free(b);
}
END_TEST

/* ---- Who may enter ----------------------------------------------------- */

START_TEST(test_refused_peer)
{
        static const char *const plain[] = {"--reuid=65534", "--regid=65534",
                                            "--clear-groups", NULL};
        /* DAC_OVERRIDE gets it past the socket's file mode, so that only
         * enterd's own SO_PEERCRED check stands in the way. */
        static const char *const dac[] = {"--reuid=65534",
                                          "--regid=65534",
                                          "--clear-groups",
                                          "--inh-caps=+dac_override",
                                          "--ambient-caps=+dac_override",
                                          NULL};
        struct test_box *b = box_new();
        _cleanup_free_ char *audit = audit_path(b), *log = NULL;
        _cleanup_free_ char *ran = NULL;
        const char *lines[8];
        struct run_result r = {0};
        int n;

        open_tmp_for_others(b);
        ck_assert_int_ge(asprintf(&ran, "%s/tmp/ran", b->rootfs), 0);
        assert_started(b, test_box_start_detached(b, NULL));
        enter_as(b, &r, plain, "--", "/bin/sh", "-c", "touch /tmp/ran", NULL);
        assert_pbox_error(&r, "uid 65534 without the operator group");
        run_result_free(&r);
        enter_as(b, &r, dac, "--", "/bin/sh", "-c", "touch /tmp/ran", NULL);
        assert_pbox_error(&r, "uid 65534 past the file mode");
        run_result_free(&r);
        ck_assert_msg(access(ran, F_OK) < 0, "a refused peer's command ran");
        log = read_file(audit);
        ck_assert_msg(log, "no audit log at %s", audit);
        n = lines_with(log, "outcome=refused", lines, 8);
        ck_assert_msg(n == 1, "want one refused line, got %d:\n%s", n, log);
        assert_common_fields(lines[0], b);
        assert_field(lines[0], "peer_uid", "65534");
        assert_field(lines[0], "peer_gid", "65534");
        test_box_free(b);
}
END_TEST

/* --operator-group: primary or supplementary members may enter; _i = 1:
 * the group given by number. */
START_TEST(test_operator_group)
{
        static const char *const primary[] = {"--reuid=65534", "--regid=1",
                                              "--clear-groups", NULL};
        static const char *const supp[] = {"--reuid=65534", "--regid=65534",
                                           "--groups=1", NULL};
        static const char *const other[] = {"--reuid=65534", "--regid=65534",
                                            "--groups=2", NULL};
        struct test_box *b = box_new();
        _cleanup_free_ char *audit = audit_path(b), *log = NULL;
        _cleanup_free_ char *sock = NULL, *dir = NULL;
        const char *lines[8];
        struct run_result r = {0};
        struct stat st;

        open_tmp_for_others(b);
        assert_started(b, test_box_start_detached(b, "--operator-group",
                                                  _i ? "1" : "daemon", NULL));
        ck_assert_int_ge(asprintf(&dir, "%s/%s", b->data_dir, b->name), 0);
        ck_assert_int_ge(asprintf(&sock, "%s/enter.sock", dir), 0);
        ck_assert_int_eq(stat(sock, &st), 0);
        ck_assert_msg(st.st_uid == 0 && st.st_gid == 1 &&
                          (st.st_mode & 07777) == 0660,
                      "socket %u:%u %o, want 0:1 660", st.st_uid, st.st_gid,
                      st.st_mode & 07777);
        ck_assert_int_eq(stat(dir, &st), 0);
        ck_assert_msg(st.st_uid == 0 && st.st_gid == 1 &&
                          (st.st_mode & 07777) == 0710,
                      "state dir %u:%u %o, want 0:1 710", st.st_uid, st.st_gid,
                      st.st_mode & 07777);

        enter_as(b, &r, primary, "--", "/bin/sh", "-c", "id -u; exit 6", NULL);
        ck_run(r.status == 6 && !strcmp(r.out, "0\n"), &r,
               "a member by primary gid enters (as root inside)");
        run_result_free(&r);
        enter_as(b, &r, supp, "--", "/bin/sh", "-c", "exit 7", NULL);
        ck_run(r.status == 7, &r, "a member by supplementary group enters");
        run_result_free(&r);
        enter_as(b, &r, other, "--", "/bin/sh", "-c", "exit 8", NULL);
        assert_pbox_error(&r, "not a member");
        run_result_free(&r);

        log = read_file(audit);
        ck_assert_msg(log, "no audit log");
        ck_assert_msg(lines_with(log, "peer_uid=65534", lines, 8) == 2,
                      "two lines of uid 65534 expected (the refused one "
                      "never reached the socket):\n%s",
                      log);
        assert_field(lines[0], "peer_gid", "1");
        assert_field(lines[0], "status", "6");
        assert_field(lines[1], "status", "7");
        test_box_free(b);
}
END_TEST

/* `pbox stop` by a non-root operator goes through the socket. */
START_TEST(test_stop_operator)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *pbox = pbox_build_path("pbox");
        const char *argv[] = {
            "setpriv",    "--reuid=65534", "--regid=1", "--clear-groups",
            pbox,         "stop",          "--name",    b->name,
            "--data-dir", b->data_dir,     NULL};
        struct run_result r = {0};

        open_tmp_for_others(b);
        assert_started(
            b, test_box_start_detached(b, "--operator-group", "daemon", NULL));
        run_cmd(&r, NULL, 30, argv);
        ck_run(r.status == 0, &r, "pbox stop as an operator");
        assert_no_leftovers(b, 5);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* `pbox status` by a non-root operator, who may not read the state
 * directory, asks enterd (OP_STATUS) and shows what root sees; a
 * non-member is refused; the request is audited. */
START_TEST(test_status_operator)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *pbox = pbox_build_path("pbox");
        _cleanup_free_ char *root_json = NULL, *st = NULL, *name = NULL;
        _cleanup_free_ char *c = NULL, *audit = NULL, *log = NULL;
        _cleanup_free_ char *state_path = NULL;
        const char *argv[] = {
            "setpriv", "--reuid=65534", "--regid=1", "--clear-groups",
            pbox,      "status",        "--json",    "--name",
            b->name,   "--data-dir",    b->data_dir, NULL};
        struct run_result r = {0};
        struct stat sb;

        open_tmp_for_others(b);
        assert_started(
            b, test_box_start_detached(b, "--operator-group", "daemon", NULL));
        ck_assert_int_ge(
            asprintf(&state_path, "%s/%s/state", b->data_dir, b->name), 0);
        ck_assert_int_eq(stat(state_path, &sb), 0);
        ck_assert_msg((sb.st_mode & 077) == 0, "state file mode %o",
                      sb.st_mode & 07777);
        root_json = test_box_status_json(b);
        ck_assert_msg(root_json, "root's pbox status failed");

        run_cmd(&r, NULL, 30, argv);
        ck_run(r.status == 0, &r, "pbox status as an operator");
        st = json_get_str(r.out, "state");
        name = json_get_str(r.out, "name");
        ck_run(st && !strcmp(st, "running") && name && !strcmp(name, b->name),
               &r, "operator's status names the running box");
        ck_run(json_get_int(r.out, "init_pid") ==
                   json_get_int(root_json, "init_pid"),
               &r, "same init pid as root sees");
        c = json_component(r.out, "enterd");
        ck_run(c && json_get_int(c, "seccomp") == 2, &r,
               "components with their live privileges");
        run_result_free(&r);

        argv[2] = "--regid=2"; /* not in the operator group */
        run_cmd(&r, NULL, 30, argv);
        ck_run(r.status == 125 && count_lines(r.err) == 1 &&
                   strstr(r.err, "Permission denied"),
               &r, "a non-member cannot even reach the socket: one line");
        run_result_free(&r);

        ck_assert_int_ge(asprintf(&audit, "%s/_log/audit", b->data_dir), 0);
        log = read_file(audit);
        ck_assert_msg(log && strstr(log, "request=status"),
                      "status not audited:\n%s", log ? log : "");
        test_box_free(b);
}
END_TEST

/* ---- Inside ------------------------------------------------------------ */

START_TEST(test_only_stdio_fds)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        _cleanup_close_ int leak = open("/dev/null", O_RDONLY); /* no CLOEXEC */

        ck_assert_int_ge(leak, 0);
        assert_started(b, test_box_start_detached(b, "--init", NULL));
        enter(b, &r, NULL, "--", "ls", "/proc/self/fd", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "0\n1\n2\n3\n"), &r,
               "only 0, 1, 2 (and ls's own 3) may be open");
        run_result_free(&r);
        enter(b, &r, "", "-i", "-u", "user", "--", "ls", "/proc/self/fd", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "0\n1\n2\n3\n"), &r,
               "only 0, 1, 2 with -i -u user");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* The box's namespaces and its enter cgroup. _i = 1: box with --init. */
START_TEST(test_namespaces_cgroup)
{
        static const char *const ns[] = {"mnt", "pid",    "uts",
                                         "ipc", "cgroup", "net"};
        struct test_box *b = box_new();
        struct run_result r = {0};
        _cleanup_free_ char *json = NULL;
        long long init;
        const char *cg;
        int lines = 0;

        assert_started(b, _i ? test_box_start_detached(b, "--init", NULL)
                             : test_box_start_detached(b, NULL));
        json = test_box_status_json(b);
        init = json_get_int(json, "init_pid");
        ck_assert_msg(init > 1, "no init_pid: %s", json ? json : "");
        enter(b, &r, NULL, "--", "/bin/sh", "-c",
              "for n in mnt pid uts ipc cgroup net; do "
              "echo \"$n $(readlink /proc/self/ns/$n)\"; done; "
              "echo ---; cat /proc/self/cgroup",
              NULL);
        ck_run(r.status == 0, &r, "enter");
        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char path[64], link[128] = "", want[200];

                snprintf(path, sizeof(path), "/proc/%lld/ns/%s", init, ns[i]);
                ck_assert_int_gt(readlink(path, link, sizeof(link) - 1), 0);
                snprintf(want, sizeof(want), "%s %s", ns[i], link);
                ck_assert_msg(has_line(r.out, want),
                              "not in init's %s namespace (%s):\n%s", ns[i],
                              link, r.out);
        }
        cg = strstr(r.out, "---\n");
        ck_run(cg != NULL, &r, "output");
        for (const char *l = cg + 4; *l;) {
                const char *e = strchr(l, '\n');
                size_t n = e ? (size_t)(e - l) : strlen(l);

                lines++;
                ck_assert_msg(n >= 6 && !memcmp(l + n - 6, "/enter", 6),
                              "not in the enter cgroup: %.*s\n%s", (int)n, l,
                              cg);
                l = e ? e + 1 : l + n;
        }
        ck_assert_int_gt(lines, 0);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

#define CAPS_SCRIPT "grep -E '^(Cap|NoNewPrivs)' /proc/self/status"

/* _i = 1: box with --no-new-privs. */
START_TEST(test_caps)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        const char *nnp = _i ? "1" : "0";

        assert_started(b,
                       _i ? test_box_start_detached(b, "--no-new-privs", NULL)
                          : test_box_start_detached(b, NULL));
        for (int user = 0; user < 2; user++) {
                _cleanup_free_ char *bnd = NULL, *eff = NULL, *prm = NULL;
                _cleanup_free_ char *inh = NULL, *amb = NULL, *nn = NULL;
                const char *want =
                    user ? "0000000000000000" : "00000000a80425fb";

                if (user)
                        enter(b, &r, NULL, "-u", "user", "--", "/bin/sh", "-c",
                              CAPS_SCRIPT, NULL);
                else
                        enter(b, &r, NULL, "--", "/bin/sh", "-c", CAPS_SCRIPT,
                              NULL);
                ck_run(r.status == 0, &r, "enter");
                bnd = status_field(r.out, "CapBnd");
                eff = status_field(r.out, "CapEff");
                prm = status_field(r.out, "CapPrm");
                inh = status_field(r.out, "CapInh");
                amb = status_field(r.out, "CapAmb");
                nn = status_field(r.out, "NoNewPrivs");
                ck_run(bnd && !strcmp(bnd, "00000000a80425fb"), &r,
                       "the box's bounding set");
                ck_run(eff && !strcmp(eff, want), &r, "CapEff");
                ck_run(prm && !strcmp(prm, want), &r, "CapPrm");
                ck_run(inh && !strcmp(inh, "0000000000000000"), &r,
                       "CapInh must be 0");
                ck_run(amb && !strcmp(amb, "0000000000000000"), &r,
                       "CapAmb must be 0");
                ck_run(nn && !strcmp(nn, nnp), &r, "NoNewPrivs as the box's");
                run_result_free(&r);
        }
        test_box_free(b);
}
END_TEST

/* Both halves of enterd in status, with the privileges of docs/enter.md. */
START_TEST(test_enterd_status)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *json = NULL, *front = NULL, *spawner = NULL;
        _cleanup_free_ char *feff = NULL;

        assert_started(b, test_box_start_detached(b, NULL));
        json = test_box_status_json(b);
        ck_assert_msg(json, "status: %s", b->last.err);
        front = json_component(json, "enterd");
        spawner = json_component(json, "enterd-spawner");
        ck_assert_msg(front && spawner, "enterd and enterd-spawner in: %s",
                      json);
        feff = json_get_str(front, "cap_eff");
        ck_assert_msg(json_get_int(front, "uid") > 0, "front runs as root: %s",
                      front);
        ck_assert_msg(feff && !strcmp(feff, "0000000000000000"),
                      "front has capabilities: %s", front);
        ck_assert_msg(json_get_int(front, "no_new_privs") == 1,
                      "front without no_new_privs: %s", front);
        ck_assert_msg(json_get_int(front, "seccomp") == 2,
                      "front without a seccomp filter: %s", front);
        ck_assert_msg(json_get_int(spawner, "uid") == 0 &&
                          json_get_int(spawner, "no_new_privs") == 0,
                      "spawner: %s", spawner);
        test_box_free(b);
}
END_TEST

/* ---- Load and abuse ---------------------------------------------------- */

#define CONC_CLIENTS 8
#define CONC_EACH    25

static int conc_client(const struct test_box *b, int c, int report)
{
        int bad = 0;

        for (int j = 0; j < CONC_EACH; j++) {
                int n = c * 100 + j;
                char script[64], want[32];
                struct run_result r = {0};

                snprintf(script, sizeof(script), "echo $((%d*%d))", n, n);
                snprintf(want, sizeof(want), "%d\n", n * n);
                enter(b, &r, NULL, "--", "/bin/sh", "-c", script, NULL);
                if (r.status != 0 || strcmp(r.out, want)) {
                        char msg[512];
                        int l = snprintf(msg, sizeof(msg),
                                         "client %d enter %d: status %d, "
                                         "out %.40s, err %.300s\n",
                                         c, j, r.status, r.out ? r.out : "",
                                         r.err ? r.err : "");

                        if (bad++ == 0 && write(report, msg, (size_t)l) < 0)
                                bad++;
                }
                run_result_free(&r);
        }
        return bad;
}

START_TEST(test_concurrent)
{
        struct test_box *b = box_new();
        pid_t kids[CONC_CLIENTS];
        int rep[2], failed = 0;
        double end;
        char msgs[4096] = "";
        ssize_t k;

        assert_started(b, test_box_start_detached(b, NULL));
        ck_assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
        for (int c = 0; c < CONC_CLIENTS; c++) {
                kids[c] = fork();
                ck_assert_int_ge(kids[c], 0);
                if (kids[c] == 0) {
                        close(rep[0]);
                        _exit(conc_client(b, c, rep[1]) ? 1 : 0);
                }
        }
        close(rep[1]);
        end = now_secs() + 27;
        for (int c = 0; c < CONC_CLIENTS; c++) {
                int ws = 0;
                pid_t w;

                while ((w = waitpid(kids[c], &ws, WNOHANG)) == 0 &&
                       now_secs() < end)
                        usleep(20 * 1000);
                if (w == 0) {
                        kill(kids[c], SIGKILL);
                        waitpid(kids[c], &ws, 0);
                }
                if (!WIFEXITED(ws) || WEXITSTATUS(ws))
                        failed++;
        }
        k = read(rep[0], msgs, sizeof(msgs) - 1);
        msgs[k > 0 ? k : 0] = '\0';
        close(rep[0]);
        ck_assert_msg(failed == 0, "%d of %d clients saw failures:\n%s", failed,
                      CONC_CLIENTS, msgs);
        ck_assert_int_eq(test_box_stop(b), 0);
        assert_no_leftovers(b, 5);
        test_box_free(b);
}
END_TEST

START_TEST(test_hostile_frames)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        uint8_t frame[1024];
        static uint8_t big[70 * 1024], junk[1024];
        int idle[3], c;
        size_t flen;
        long long front, front_after;
        int fds0, fds1 = -1;
        double t;
        ssize_t k;

        assert_started(b, test_box_start_detached(b, NULL));
        /* warm up, then the front's baseline */
        enter(b, &r, NULL, "--", "/bin/true", NULL);
        ck_run(r.status == 0, &r, "first enter");
        run_result_free(&r);
        front = component_pid(b, "enterd");
        ck_assert_msg(front > 1, "no enterd front in status");
        fds0 = count_fds(front);

        /* our own frame is right: a whole ENTER_REQ runs */
        {
                void *m = NULL;
                uint64_t status = 999;
                struct timeval tv = {.tv_sec = 10};

                c = raw_connect(b);
                setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                flen = enter_req_frame("exit 7", frame, sizeof(frame));
                ck_assert_int_eq(raw_send(c, frame, flen, 3), (ssize_t)flen);
                for (int i = 0; i < 4 && ipc_recv(c, IPC_ROLE_ENTERD, &m) == 0;
                     i++) {
                        struct ipc_hdr *h = m;

                        if (h->type == IPC_ENTER_EXIT) {
                                status = ((struct ipc_enter_exit *)m)->status;
                                ipc_msg_free(m);
                                break;
                        }
                        ipc_msg_free(m);
                        m = NULL;
                }
                close(c);
                ck_assert_msg(status == 7,
                              "a raw ENTER_REQ: exit status %llu, want 7",
                              (unsigned long long)status);
        }

        for (size_t i = 0; i < ELEMENTSOF(idle); i++)
                idle[i] = raw_connect(b);

        /* random bytes, as an array header's contents; with fds */
        for (int round = 0; round < 4; round++) {
                ck_assert_int_eq(getrandom(junk, sizeof(junk), 0),
                                 (ssize_t)sizeof(junk));
                junk[0] = 0x9f;
                c = raw_connect(b);
                ck_assert_int_eq(raw_send(c, junk, 64 + 300 * (size_t)round,
                                          (unsigned)round),
                                 (ssize_t)(64 + 300 * round));
                ck_assert_msg(raw_wait_eof(c, 3),
                              "garbage (round %d) did not end the "
                              "conversation",
                              round);
                close(c);
        }
        /* 70 KiB, over IPC_FRAME_MAX, starting like a real request */
        flen = enter_req_frame("exit 0", frame, sizeof(frame));
        memcpy(big, frame, flen);
        c = raw_connect(b);
        k = raw_send(c, big, sizeof(big), 3);
        /* a small send buffer may refuse it here already */
        ck_assert_msg(k == (ssize_t)sizeof(big) || (k < 0 && errno == EMSGSIZE),
                      "send 70 KiB: %m");
        ck_assert_msg(k < 0 || raw_wait_eof(c, 3),
                      "a 70 KiB datagram was not refused");
        close(c);
        /* a valid frame cut short */
        c = raw_connect(b);
        ck_assert_int_eq(raw_send(c, frame, flen / 2, 3), (ssize_t)(flen / 2));
        ck_assert_msg(raw_wait_eof(c, 3), "a truncated frame was not refused");
        close(c);
        /* a valid frame without its three fds, then with too many */
        c = raw_connect(b);
        ck_assert_int_eq(raw_send(c, frame, flen, 0), (ssize_t)flen);
        ck_assert_msg(raw_wait_eof(c, 3), "ENTER_REQ without fds accepted");
        close(c);
        c = raw_connect(b);
        ck_assert_int_eq(raw_send(c, frame, flen, 4), (ssize_t)flen);
        ck_assert_msg(raw_wait_eof(c, 3), "ENTER_REQ with 4 fds accepted");
        close(c);
        /* an empty datagram */
        c = raw_connect(b);
        ck_assert_int_eq(raw_send(c, "", 0, 0), 0);
        ck_assert_msg(raw_wait_eof(c, 3), "an empty datagram was kept");
        close(c);
        /* connect and go away at once */
        for (int i = 0; i < 20; i++)
                close(raw_connect(b));

        /* with the idle connections still open, a normal enter works */
        t = now_secs();
        enter(b, &r, NULL, "--", "/bin/sh", "-c", "echo fine", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "fine\n"), &r,
               "enter after hostile frames, idle connections open");
        ck_assert_msg(now_secs() - t < 2, "enter took %.2f s (idle peers?)",
                      now_secs() - t);
        run_result_free(&r);
        front_after = component_pid(b, "enterd");
        ck_assert_msg(front_after == front, "enterd front changed: %lld → %lld",
                      front, front_after);
        for (size_t i = 0; i < ELEMENTSOF(idle); i++)
                close(idle[i]);
        /* no fd left behind by any of it */
        for (int i = 0; i < 100; i++) {
                fds1 = count_fds(front);
                if (fds1 <= fds0)
                        break;
                usleep(30 * 1000);
        }
        ck_assert_msg(fds1 <= fds0, "enterd front fds %d → %d", fds0, fds1);
        ck_assert_int_eq(test_box_stop(b), 0);
        assert_no_leftovers(b, 5);
        test_box_free(b);
}
END_TEST

/* ---- Devices ----------------------------------------------------------- */

START_TEST(test_device_hotplug)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        assert_started(b, test_box_start_detached(b, NULL));
        run_pboxv(&r, NULL, ENTER_TIMEOUT, "device", "add", "--name", b->name,
                  "--data-dir", b->data_dir,
                  "path=/dev/zero;fileMode=0600;uid=1000", NULL);
        ck_run(r.status == 0, &r, "device add");
        run_result_free(&r);
        enter(b, &r, NULL, "--", "/bin/sh", "-c",
              "stat -c '%a %u %F %t:%T' /dev/zero; head -c 5 /dev/zero | wc -c",
              NULL);
        ck_run(r.status == 0 &&
                   !strcmp(r.out, "600 1000 character special file 1:5\n5\n"),
               &r, "/dev/zero 1:5, mode 0600, owner 1000, readable");
        run_result_free(&r);
        run_pboxv(&r, NULL, ENTER_TIMEOUT, "device", "remove", "--name",
                  b->name, "--data-dir", b->data_dir, "/dev/zero", NULL);
        ck_run(r.status == 0, &r, "device remove");
        run_result_free(&r);
        enter(b, &r, NULL, "--", "/bin/sh", "-c",
              "test -e /dev/zero && echo present || echo absent", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "absent\n"), &r,
               "/dev/zero removed");
        run_result_free(&r);
        /* refused: not a device; unknown field */
        run_pboxv(&r, NULL, ENTER_TIMEOUT, "device", "add", "--name", b->name,
                  "--data-dir", b->data_dir, "path=/etc/passwd", NULL);
        assert_pbox_error(&r, "device add of a regular file");
        run_result_free(&r);
        run_pboxv(&r, NULL, ENTER_TIMEOUT, "device", "add", "--name", b->name,
                  "--data-dir", b->data_dir, "path=/dev/null;bogus=1", NULL);
        assert_pbox_error(&r, "device add with an unknown field");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Audit log --------------------------------------------------------- */

START_TEST(test_audit_log)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *audit = audit_path(b), *log = NULL;
        const char *lines[8];
        struct run_result r = {0};
        struct stat st;
        int n;

        assert_started(b, test_box_start_detached(b, NULL));
        enter(b, &r, NULL, "--", "/bin/sh", "-c", "exit 3", NULL);
        ck_run(r.status == 3, &r, "enter 1");
        run_result_free(&r);
        enter(b, &r, NULL, "-u", "user", "--", "/bin/true", NULL);
        ck_run(r.status == 0, &r, "enter 2");
        run_result_free(&r);
        enter(b, &r, NULL, "--", "/no/such", NULL);
        ck_run(r.status == 127, &r, "enter 3");
        run_result_free(&r);

        log = read_file(audit);
        ck_assert_msg(log, "no audit log at %s", audit);
        n = lines_with(log, "box=", lines, 8);
        ck_assert_msg(n == 3, "want 3 lines, one per enter:\n%s", log);
        ck_assert_int_eq(count_lines(log), 3);
        for (int i = 0; i < n; i++) {
                assert_common_fields(lines[i], b);
                assert_field(lines[i], "peer_uid", "0");
                assert_field(lines[i], "peer_gid", "0");
                assert_field(lines[i], "request", "enter");
        }
        assert_field(lines[0], "user", "root");
        assert_field(lines[0], "command", "\"/bin/sh -c 'exit 3'\"");
        assert_field(lines[0], "outcome", "exited");
        assert_field(lines[0], "status", "3");
        assert_field(lines[1], "user", "user");
        assert_field(lines[1], "command", "/bin/true");
        assert_field(lines[1], "status", "0");
        assert_field(lines[2], "status", "127");

        ck_assert_int_eq(stat(audit, &st), 0);
        ck_assert_msg((st.st_mode & 0777) == 0640, "audit log mode %o",
                      st.st_mode & 0777);
        ck_assert_int_eq(test_box_stop(b), 0);
        ck_assert_msg(access(audit, F_OK) == 0,
                      "the audit log must be kept after the box stops");
        test_box_free(b);
}
END_TEST

START_TEST(test_audit_log_option)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *custom = test_box_path(b, "my-audit.log");
        _cleanup_free_ char *dflt = audit_path(b), *log = NULL;
        const char *lines[4];
        struct run_result r = {0};

        assert_started(b,
                       test_box_start_detached(b, "--audit-log", custom, NULL));
        enter(b, &r, NULL, "--", "/bin/true", NULL);
        ck_run(r.status == 0, &r, "enter");
        run_result_free(&r);
        log = read_file(custom);
        ck_assert_msg(log && lines_with(log, "outcome=", lines, 4) == 1,
                      "--audit-log %s: %s", custom, log ? log : "(none)");
        ck_assert_msg(access(dflt, F_OK) < 0,
                      "with --audit-log nothing goes to %s", dflt);
        test_box_free(b);
}
END_TEST

static Suite *enter_suite(void)
{
        Suite *s = suite_create("it_enter");
        TCase *t = tcase_create("enter");
        TCase *p = tcase_create("peers");
        TCase *l = tcase_create("load");

        tcase_add_loop_test(t, test_exit_codes, 0, 2);
        tcase_add_test(t, test_not_running);
        tcase_add_test(t, test_stdout_stderr);
        tcase_add_test(t, test_stdin_interactive);
        tcase_add_test(t, test_stdin_closed);
        tcase_add_test(t, test_output_64m);
        tcase_add_test(t, test_user);
        tcase_add_test(t, test_env_precedence);
        tcase_add_test(t, test_workdir);
        tcase_add_test(t, test_cve_2024_21626);
        tcase_add_loop_test(t, test_tty, 0, 2);
        tcase_add_loop_test(t, test_no_host_tty, 0, 2);
        tcase_add_test(t, test_signal_forward);
        tcase_add_loop_test(t, test_client_killed, 0, 2);
        tcase_add_test(t, test_only_stdio_fds);
        tcase_add_loop_test(t, test_namespaces_cgroup, 0, 2);
        tcase_add_loop_test(t, test_caps, 0, 2);
        tcase_add_test(t, test_enterd_status);
        tcase_add_test(t, test_device_hotplug);
        suite_add_tcase(s, t);

        tcase_add_test(p, test_refused_peer);
        tcase_add_loop_test(p, test_operator_group, 0, 2);
        tcase_add_test(p, test_stop_operator);
        tcase_add_test(p, test_status_operator);
        tcase_add_test(p, test_audit_log);
        tcase_add_test(p, test_audit_log_option);
        suite_add_tcase(s, p);

        tcase_add_test(l, test_concurrent);
        tcase_add_test(l, test_hostile_frames);
        suite_add_tcase(s, l);
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        /* each test stays under 30 s; check's kill is the last resort */
        setenv("CK_DEFAULT_TIMEOUT", "60", 0);
        sr = srunner_create(enter_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
