/* check_api_enter.c — unit tests of the client side of the enter
 * protocol (libipc/api_enter.c, api_client.c) against a fake enterd: a
 * forked process listening on a temporary DATA_DIR/NAME/enter.sock that
 * speaks the protocol with ipc_recv/ipc_send and records what it got in
 * shared memory. Covers the request's fields and fds (a host terminal is
 * never passed: the client runs under a pty), exit statuses, REPLY
 * errors mapped to 126/127, ErrConnect, signal forwarding, tty mode
 * (raw mode, window size, SIGWINCH), combined output, and returning on
 * ENTER_EXIT while the output pipe is still held open. No root needed. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "ipc.h"
#include "pbox.h"

enum behaviour {
        B_EXIT,     /* write "hello\n" on fd 1, ENTER_EXIT {param} */
        B_REPLY,    /* REPLY {param, "cannot run: ..."} */
        B_SIGNAL,   /* SIGUSR1 to the client, wait for ENTER_SIGNAL */
        B_COMBINED, /* out/err interleaved, then param bytes on fd 1 */
        B_HOLD,     /* a grandchild keeps fd 1 open; exit 0 at once */
        B_ECHO,     /* read a line on fd 0, write "got:LINE" on fd 1 */
        B_TTY,      /* send a pty master, check sizes, read "q" */
        B_CLOSE,    /* close the connection without an exit */
};

/* What the fake server saw, in memory shared with the test. */
struct seen {
        int nreq;
        char args[256], env[256], user[64], workdir[256], label[64];
        bool tty, interactive;
        unsigned rows, cols;
        mode_t fd_type[3];
        bool fd_tty[3];
        dev_t fd_rdev[3];
        ino_t fd_ino[3];
        int sig;
        pid_t holder;
        char line[64];
        unsigned ws_rows[2], ws_cols[2];
        bool got_q;
        bool done;
};

static struct seen *seen;
static char tmp[] = "/tmp/pbox-api-XXXXXX";
static char sockpath[100], boxdir[64];
static pid_t server;

static void join(char *out, size_t len, char **v)
{
        out[0] = '\0';
        for (size_t i = 0; v && v[i]; i++) {
                size_t n = strlen(out);

                snprintf(out + n, len - n, "%s%s", i ? "|" : "", v[i]);
        }
}

static void msg_init(struct ipc_hdr *h, enum ipc_type t, unsigned nfds)
{
        h->type = t;
        h->id = 7;
        h->nfds = nfds;
        for (int i = 0; i < IPC_MAX_FDS; i++)
                h->fds[i] = -EBADF;
}

static void send_exit(int conn, unsigned status)
{
        struct ipc_enter_exit m = {.status = status};

        msg_init(&m.hdr, IPC_ENTER_EXIT, 0);
        (void)ipc_send(conn, &m);
}

static bool winsize_is(int fd, unsigned rows, unsigned cols, int slot)
{
        for (int i = 0; i < 500; i++) {
                struct winsize ws;

                if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows &&
                    ws.ws_col == cols) {
                        seen->ws_rows[slot] = ws.ws_row;
                        seen->ws_cols[slot] = ws.ws_col;
                        return true;
                }
                usleep(10000);
        }
        return false;
}

static void serve_tty(int conn, struct ipc_enter_req *req)
{
        struct ipc_enter_tty m;
        struct termios t;
        int master, slave;
        char c = 0;

        if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
                return;
        tcgetattr(slave, &t);
        cfmakeraw(&t);
        tcsetattr(slave, TCSANOW, &t);
        msg_init(&m.hdr, IPC_ENTER_TTY, 1);
        m.hdr.fds[0] = master;
        (void)ipc_send(conn, &m);
        close(master);
        /* The client sets the size it sent on the master. */
        if (!winsize_is(slave, (unsigned)req->rows, (unsigned)req->cols, 0))
                return;
        (void)!write(slave, "tty-out", 7);
        /* The test resizes its terminal: SIGWINCH to the client. */
        if (!winsize_is(slave, 40, 100, 1))
                return;
        seen->got_q = read(slave, &c, 1) == 1 && c == 'q';
        close(slave);
        send_exit(conn, 5);
}

static void behave(int conn, enum behaviour b, long param,
                   struct ipc_enter_req *req, pid_t peer)
{
        int *fds = req->hdr.fds;

        switch (b) {
        case B_EXIT:
                (void)!write(fds[1], "hello\n", 6);
                send_exit(conn, (unsigned)param);
                return;
        case B_REPLY:
                (void)ipc_send_reply(conn, req->hdr.id, (int)param,
                                     "cannot run: %s", req->args[0]);
                return;
        case B_SIGNAL: {
                struct ipc_enter_started st = {.pid = 42};
                _cleanup_msg_ struct ipc_enter_signal *sig = NULL;

                msg_init(&st.hdr, IPC_ENTER_STARTED, 0);
                (void)ipc_send(conn, &st);
                kill(peer, SIGUSR1);
                if (ipc_recv(conn, IPC_ROLE_CLIENT, (void **)&sig) == 0 &&
                    sig->hdr.type == IPC_ENTER_SIGNAL) {
                        seen->sig = (int)sig->sig;
                        send_exit(conn, 128 + (unsigned)sig->sig);
                }
                return;
        }
        case B_COMBINED: {
                char buf[4096];

                (void)!write(fds[1], "out1", 4);
                (void)!write(fds[2], "err1", 4);
                (void)!write(fds[1], "out2", 4);
                memset(buf, 'x', sizeof(buf));
                for (long n = 0; n < param; n += (long)sizeof(buf))
                        (void)!write(fds[1], buf,
                                     (size_t)(param - n < (long)sizeof(buf)
                                                  ? param - n
                                                  : (long)sizeof(buf)));
                send_exit(conn, 0);
                return;
        }
        case B_HOLD: {
                pid_t pid = fork();

                if (pid == 0) {
                        close(conn);
                        sleep(30);
                        _exit(0);
                }
                seen->holder = pid;
                (void)!write(fds[1], "x", 1);
                send_exit(conn, 0);
                return;
        }
        case B_ECHO: {
                char line[64] = "", out[80];
                ssize_t n = read(fds[0], line, sizeof(line) - 1);

                if (n > 0) {
                        line[strcspn(line, "\r\n")] = '\0';
                        snprintf(seen->line, sizeof(seen->line), "%s", line);
                        n = snprintf(out, sizeof(out), "got:%s\n", line);
                        (void)!write(fds[1], out, (size_t)n);
                }
                send_exit(conn, 0);
                return;
        }
        case B_TTY:
                serve_tty(conn, req);
                return;
        case B_CLOSE:
                return;
        }
}

static void record(struct ipc_enter_req *req)
{
        seen->nreq++;
        join(seen->args, sizeof(seen->args), req->args);
        join(seen->env, sizeof(seen->env), req->env);
        snprintf(seen->user, sizeof(seen->user), "%s", req->user);
        snprintf(seen->workdir, sizeof(seen->workdir), "%s", req->workdir);
        snprintf(seen->label, sizeof(seen->label), "%s", req->label);
        seen->tty = req->tty;
        seen->interactive = req->interactive;
        seen->rows = (unsigned)req->rows;
        seen->cols = (unsigned)req->cols;
        for (int i = 0; i < 3; i++) {
                struct stat st;

                if (fstat(req->hdr.fds[i], &st) == 0) {
                        seen->fd_type[i] = st.st_mode & S_IFMT;
                        seen->fd_rdev[i] = st.st_rdev;
                        seen->fd_ino[i] = st.st_ino;
                }
                seen->fd_tty[i] = isatty(req->hdr.fds[i]);
        }
}

static void server_main(int lfd, enum behaviour b, long param)
{
        _cleanup_msg_ struct ipc_enter_req *req = NULL;
        struct ucred cred;
        socklen_t cl = sizeof(cred);
        int conn;

        alarm(30);
        conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                _exit(1);
        close(lfd);
        if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 ||
            ipc_recv(conn, IPC_ROLE_CLIENT, (void **)&req) < 0 ||
            req->hdr.type != IPC_ENTER_REQ)
                _exit(2);
        record(req);
        behave(conn, b, param, req, cred.pid);
        /* Our copies of the stdio go now; then wait for the hang-up. */
        ipc_msg_free(TAKE_PTR(req));
        if (b != B_CLOSE) {
                struct pollfd p = {.fd = conn, .events = POLLIN};
                void *m = NULL;

                while (poll(&p, 1, 10000) > 0 &&
                       ipc_recv(conn, IPC_ROLE_CLIENT, &m) == 0)
                        ipc_msg_free(TAKE_PTR(m));
        }
        seen->done = true;
        _exit(0);
}

static void server_start(enum behaviour b, long param)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int lfd;

        memset(seen, 0, sizeof(*seen));
        memcpy(sa.sun_path, sockpath, sizeof(sockpath));
        unlink(sockpath);
        lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(lfd, 0);
        ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(lfd, 4), 0);
        server = fork();
        ck_assert_int_ge(server, 0);
        if (server == 0)
                server_main(lfd, b, param);
        close(lfd);
}

static void server_wait(void)
{
        int st;

        ck_assert_int_eq(waitpid(server, &st, 0), server);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "fake server status %d", st);
        if (seen->holder > 0) {
                kill(seen->holder, SIGKILL);
                seen->holder = 0;
        }
}

static void setup(void)
{
        seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        ck_assert_ptr_ne(seen, MAP_FAILED);
        strcpy(tmp, "/tmp/pbox-api-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmp));
        snprintf(boxdir, sizeof(boxdir), "%s/box", tmp);
        snprintf(sockpath, sizeof(sockpath), "%s/enter.sock", boxdir);
        ck_assert_int_eq(mkdir(boxdir, 0700), 0);
}

static void teardown(void)
{
        if (seen->holder > 0)
                kill(seen->holder, SIGKILL);
        unlink(sockpath);
        rmdir(boxdir);
        rmdir(tmp);
        munmap(seen, sizeof(*seen));
}

static char *argv_sh[] = {"/bin/sh", "-c", "exit 3", NULL};

static struct pbox_enter_config cfg(void)
{
        return (struct pbox_enter_config){
            .name = "box",
            .data_dir = tmp,
            .args = argv_sh,
            .stdin_fd = -1,
            .stdout_fd = -1,
            .stderr_fd = -1,
        };
}

START_TEST(test_request_fields)
{
        struct pbox_env_vars env = {0};
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN], buf[16] = "";
        int out[2], errp[2], status = -1;
        struct stat so, se;

        ck_assert_int_eq(pbox_env_vars_upsert(&env, "A", "1"), 0);
        ck_assert_int_eq(pbox_env_vars_upsert(&env, "B", "x=y"), 0);
        ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(errp, O_CLOEXEC), 0);
        c.env = &env;
        c.user = "daemon";
        c.workdir = "/tmp";
        c.label = "lbl";
        c.stdout_fd = out[1];
        c.stderr_fd = errp[1];
        server_start(B_EXIT, 0);
        ck_assert_int_eq(pbox_enter(&c, &status, err), 0);
        ck_assert_int_eq(status, 0);
        ck_assert_str_eq(err, "");
        server_wait();
        ck_assert_int_eq(seen->nreq, 1);
        ck_assert_str_eq(seen->args, "/bin/sh|-c|exit 3");
        ck_assert_str_eq(seen->env, "A=1|B=x=y");
        ck_assert_str_eq(seen->user, "daemon");
        ck_assert_str_eq(seen->workdir, "/tmp");
        ck_assert_str_eq(seen->label, "lbl");
        ck_assert(!seen->tty && !seen->interactive);
        /* stdin is /dev/null without -i; stdout/stderr passed as given. */
        ck_assert_uint_eq(seen->fd_type[0], S_IFCHR);
        ck_assert_uint_eq(seen->fd_rdev[0], makedev(1, 3));
        fstat(out[1], &so);
        fstat(errp[1], &se);
        ck_assert_uint_eq(seen->fd_ino[1], so.st_ino);
        ck_assert_uint_eq(seen->fd_ino[2], se.st_ino);
        ck_assert_int_eq(read(out[0], buf, sizeof(buf) - 1), 6);
        ck_assert_str_eq(buf, "hello\n");
        close(out[0]);
        close(out[1]);
        close(errp[0]);
        close(errp[1]);
        pbox_env_vars_free(&env);
}
END_TEST

START_TEST(test_defaults)
{
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN];
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC), status = -1;

        c.stdout_fd = c.stderr_fd = null;
        c.interactive = true;
        c.stdin_fd = null;
        server_start(B_EXIT, 0);
        ck_assert_int_eq(pbox_enter(&c, &status, err), 0);
        server_wait();
        ck_assert_str_eq(seen->user, "");
        ck_assert_str_eq(seen->workdir, "");
        ck_assert_str_eq(seen->label, "");
        ck_assert_str_eq(seen->env, "");
        ck_assert(seen->interactive);
        close(null);
}
END_TEST

static const unsigned statuses[] = {0, 3, 128 + 9};

START_TEST(test_exit_status)
{
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN];
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC), status = -1;

        c.stdout_fd = c.stderr_fd = null;
        server_start(B_EXIT, statuses[_i]);
        ck_assert_int_eq(pbox_enter(&c, &status, err), 0);
        ck_assert_int_eq(status, (int)statuses[_i]);
        server_wait();
        close(null);
}
END_TEST

START_TEST(test_reply_errors)
{
        static const struct {
                int err, status;
        } cases[] = {{-ENOENT, 127}, {-EACCES, 126}, {-EINVAL, 125}};
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN];
        int status = -1;

        server_start(B_REPLY, cases[_i].err);
        ck_assert_int_eq(pbox_enter(&c, &status, err), 0);
        ck_assert_int_eq(status, cases[_i].status);
        ck_assert_str_eq(err, "cannot run: /bin/sh");
        server_wait();
}
END_TEST

START_TEST(test_connect_fails)
{
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN], want[512];
        int status = 99;

        c.name = "nobox";
        ck_assert_int_eq(pbox_enter(&c, &status, err), -ENOTCONN);
        ck_assert_int_eq(status, 99);
        snprintf(want, sizeof(want),
                 "cannot connect to box nobox at %s/nobox/enter.sock: ", tmp);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "err: %s", err);
        /* A bad name never reaches connect. */
        c.name = "../x";
        ck_assert_int_eq(pbox_enter(&c, &status, err), -EINVAL);
}
END_TEST

START_TEST(test_connection_lost)
{
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN];
        int status = 99;

        server_start(B_CLOSE, 0);
        ck_assert_int_eq(pbox_enter(&c, &status, err), -ECONNRESET);
        ck_assert_int_eq(status, 99);
        server_wait();
}
END_TEST

START_TEST(test_signal_forwarded)
{
        struct pbox_enter_config c = cfg();
        sigset_t before, after;
        char err[PBOX_ERR_LEN];
        int status = -1;

        /* Default action of SIGUSR1 is to die: only forwarding saves us. */
        signal(SIGUSR1, SIG_DFL);
        sigprocmask(SIG_SETMASK, NULL, &before);
        server_start(B_SIGNAL, 0);
        ck_assert_int_eq(pbox_enter(&c, &status, err), 0);
        ck_assert_int_eq(status, 128 + SIGUSR1);
        server_wait();
        ck_assert_int_eq(seen->sig, SIGUSR1);
        sigprocmask(SIG_SETMASK, NULL, &after);
        ck_assert(sigismember(&after, SIGUSR1) ==
                  sigismember(&before, SIGUSR1));
        ck_assert(sigismember(&after, SIGINT) == sigismember(&before, SIGINT));
}
END_TEST

START_TEST(test_combined_output)
{
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN], *out = NULL;
        size_t len = 0;
        int status = -1;

        server_start(B_COMBINED, 1 << 20);
        ck_assert_int_eq(pbox_combined_output(&c, &out, &len, &status, err), 0);
        ck_assert_int_eq(status, 0);
        ck_assert_uint_eq(len, 12 + (1 << 20));
        ck_assert(memcmp(out, "out1err1out2", 12) == 0);
        ck_assert(out[len - 1] == 'x' && out[len] == '\0');
        server_wait();
        /* One pipe for both, stdin /dev/null. */
        ck_assert_uint_eq(seen->fd_ino[1], seen->fd_ino[2]);
        ck_assert_uint_eq(seen->fd_type[1], S_IFIFO);
        ck_assert_uint_eq(seen->fd_rdev[0], makedev(1, 3));
        free(out);
}
END_TEST

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_exit_while_pipe_held)
{
        struct pbox_enter_config c = cfg();
        char err[PBOX_ERR_LEN], *out = NULL;
        size_t len = 0;
        int status = -1;
        double t0 = now();

        server_start(B_HOLD, 0);
        ck_assert_int_eq(pbox_combined_output(&c, &out, &len, &status, err), 0);
        ck_assert_msg(now() - t0 < 5, "took %.1fs", now() - t0);
        ck_assert_str_eq(out, "x");
        ck_assert_int_eq(status, 0);
        server_wait();
        free(out);
}
END_TEST

/* A client in a child whose stdio is the slave of a new pty; the parent
 * holds the master. The child exits with pbox_enter's status (100 + -r
 * on failure, 99 when the terminal mode was not restored). */
static pid_t client_on_pty(int *ret_master, bool tty, bool interactive)
{
        struct winsize ws = {.ws_row = 33, .ws_col = 77};
        int master, slave;
        pid_t pid;

        ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct pbox_enter_config c = cfg();
                struct termios before, after;
                char err[PBOX_ERR_LEN];
                int status = -1, r;

                close(master);
                setsid();
                ioctl(slave, TIOCSCTTY, 0);
                dup2(slave, 0);
                dup2(slave, 1);
                dup2(slave, 2);
                close(slave);
                tcgetattr(0, &before);
                c.tty = tty;
                c.interactive = interactive;
                r = pbox_enter(&c, &status, err);
                tcgetattr(0, &after);
                if (r < 0)
                        _exit(100 - r);
                if (before.c_lflag != after.c_lflag ||
                    before.c_iflag != after.c_iflag ||
                    before.c_oflag != after.c_oflag)
                        _exit(99);
                _exit(status);
        }
        close(slave);
        *ret_master = master;
        return pid;
}

/* Read the master until want shows up (or 10 s). */
static void expect_output(int master, const char *want)
{
        char buf[4096];
        size_t len = 0;

        for (int i = 0; i < 1000 && len < sizeof(buf) - 1; i++) {
                struct pollfd p = {.fd = master, .events = POLLIN};
                ssize_t n;

                if (poll(&p, 1, 10) <= 0)
                        continue;
                n = read(master, buf + len, sizeof(buf) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                buf[len] = '\0';
                if (strstr(buf, want))
                        return;
        }
        buf[len] = '\0';
        ck_abort_msg("wanted \"%s\", got \"%s\"", want, buf);
}

static int client_status(pid_t pid)
{
        int st;

        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert(WIFEXITED(st));
        return WEXITSTATUS(st);
}

START_TEST(test_terminal_never_passed)
{
        int master;
        pid_t pid;

        server_start(B_ECHO, 0);
        pid = client_on_pty(&master, false, true);
        ck_assert_int_eq(write(master, "ping\n", 5), 5);
        expect_output(master, "got:ping");
        ck_assert_int_eq(client_status(pid), 0);
        server_wait();
        ck_assert_str_eq(seen->line, "ping");
        for (int i = 0; i < 3; i++) {
                ck_assert_msg(!seen->fd_tty[i], "fd %d is a terminal", i);
                ck_assert_uint_eq(seen->fd_type[i], S_IFIFO);
        }
        close(master);
}
END_TEST

START_TEST(test_tty_mode)
{
        struct winsize ws = {.ws_row = 40, .ws_col = 100};
        struct termios t;
        int master;
        pid_t pid;

        server_start(B_TTY, 0);
        pid = client_on_pty(&master, true, false);
        expect_output(master, "tty-out");
        /* The caller's terminal is raw while the process runs. */
        ck_assert_int_eq(tcgetattr(master, &t), 0);
        ck_assert(!(t.c_lflag & (ICANON | ECHO)));
        ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
        ck_assert_int_eq(write(master, "q", 1), 1);
        ck_assert_int_eq(client_status(pid), 5);
        server_wait();
        ck_assert(seen->tty && seen->interactive);
        ck_assert_uint_eq(seen->rows, 33);
        ck_assert_uint_eq(seen->cols, 77);
        ck_assert_uint_eq(seen->ws_rows[0], 33);
        ck_assert_uint_eq(seen->ws_cols[1], 100);
        ck_assert(seen->got_q);
        for (int i = 0; i < 3; i++)
                ck_assert_uint_eq(seen->fd_rdev[i], makedev(1, 3));
        /* ... and restored afterwards (checked by the client too). */
        ck_assert_int_eq(tcgetattr(master, &t), 0);
        ck_assert(t.c_lflag & ICANON);
        close(master);
}
END_TEST

static Suite *api_enter_suite(void)
{
        Suite *s = suite_create("api_enter");
        TCase *tc = tcase_create("enter");

        /* Once, in the runner: a failed test leaves nothing behind. */
        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_request_fields);
        tcase_add_test(tc, test_defaults);
        tcase_add_loop_test(tc, test_exit_status, 0, 3);
        tcase_add_loop_test(tc, test_reply_errors, 0, 3);
        tcase_add_test(tc, test_connect_fails);
        tcase_add_test(tc, test_connection_lost);
        tcase_add_test(tc, test_signal_forwarded);
        tcase_add_test(tc, test_combined_output);
        tcase_add_test(tc, test_exit_while_pipe_held);
        tcase_add_test(tc, test_terminal_never_passed);
        tcase_add_test(tc, test_tty_mode);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(api_enter_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
