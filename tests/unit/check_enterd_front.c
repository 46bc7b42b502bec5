/* check_enterd_front.c — unit tests of pbox-enterd's front (enterd/front.c,
 * conn.c, audit.c), in-process and unprivileged: the pure peer check,
 * request validation, audit lines and their quoting, the connection
 * limit and deadlines, and whole conversations over socketpairs where the
 * test plays the broker, the spawner and the client. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "../../enterd/front.h"
#include "harness.h"
#include "ipc.h"

/* ---- pure helpers -------------------------------------------------------- */

START_TEST(test_peer_allowed)
{
        gid_t groups[] = {10, 20, 30};

        ck_assert(front_peer_allowed(0, 0, NULL, 0, -1));
        ck_assert(front_peer_allowed(0, 5, NULL, 0, 7));
        ck_assert(!front_peer_allowed(1000, 1000, groups, 3, -1));
        ck_assert(front_peer_allowed(1000, 7, NULL, 0, 7));
        ck_assert(front_peer_allowed(1000, 1000, groups, 3, 20));
        ck_assert(!front_peer_allowed(1000, 1000, groups, 3, 21));
        ck_assert(!front_peer_allowed(1000, 1000, NULL, 0, 0));
        ck_assert(front_peer_allowed(1000, 0, NULL, 0, 0));
        /* a gid that only looks like -1 as a 32-bit value */
        ck_assert(!front_peer_allowed(1000, (gid_t)-1, NULL, 0, -1));
}
END_TEST

static int validate(char **args, char **env, const char *user,
                    const char *workdir)
{
        struct ipc_enter_req r = {.args = args,
                                  .env = env,
                                  .user = (char *)user,
                                  .workdir = (char *)workdir,
                                  .label = ""};
        char err[IPC_ERRMSG_MAX];

        return front_enter_validate(&r, err, sizeof(err));
}

START_TEST(test_enter_validate)
{
        char *sh[] = {"/bin/sh", NULL}, *empty[] = {"", NULL};
        char *good_env[] = {"A=1", "_x9=", "PATH=/bin:/usr/bin", NULL};
        char *bad_env[][2] = {{"=1", NULL},
                              {"1A=1", NULL},
                              {"A", NULL},
                              {"A-B=1", NULL},
                              {"A B=1", NULL}};
        const char *bad_users[] = {"a/b", "a:b:c", ":g", "u:", "a b", "\t"};

        ck_assert_int_eq(validate(sh, NULL, "", ""), 0);
        ck_assert_int_eq(validate(sh, good_env, "root", "/tmp"), 0);
        ck_assert_int_eq(validate(sh, NULL, "1000:1000", "/"), 0);
        ck_assert_int_eq(validate(sh, NULL, "www-data:adm", ""), 0);
        ck_assert_int_eq(validate(empty, NULL, "", ""), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(bad_env); i++)
                ck_assert_int_eq(validate(sh, bad_env[i], "", ""), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(bad_users); i++)
                ck_assert_int_eq(validate(sh, NULL, bad_users[i], ""), -EINVAL);
        ck_assert_int_eq(validate(sh, NULL, "", "tmp"), -EINVAL);
}
END_TEST

START_TEST(test_audit_format)
{
        struct tm tm = {.tm_year = 126,
                        .tm_mon = 10,
                        .tm_mday = 29,
                        .tm_hour = 19,
                        .tm_min = 33,
                        .tm_sec = 5};
        struct front_audit a = {.when = timegm(&tm),
                                .box = "NAME",
                                .uid = 0,
                                .gid = 0,
                                .pid = 123,
                                .request = "enter",
                                .user = "root",
                                .command = "/bin/sh -c 'exit 3'",
                                .outcome = "exited",
                                .status = 3};
        char buf[FRONT_AUDIT_MAX], small[40];

        /* The example of docs/enter.md, byte for byte. */
        ck_assert_int_gt(front_audit_format(buf, sizeof(buf), &a), 0);
        ck_assert_str_eq(buf, "time=2026-11-29T19:33:05Z box=NAME peer_uid=0 "
                              "peer_gid=0 peer_pid=123 request=enter user=root "
                              "command=\"/bin/sh -c 'exit 3'\" outcome=exited "
                              "status=3\n");
        /* A refused peer: no request, user, command or status. */
        a = (struct front_audit){.when = a.when,
                                 .box = "b",
                                 .uid = 1000,
                                 .gid = 100,
                                 .pid = 7,
                                 .outcome = "refused",
                                 .status = -1};
        ck_assert_int_gt(front_audit_format(buf, sizeof(buf), &a), 0);
        ck_assert_str_eq(buf, "time=2026-11-29T19:33:05Z box=b peer_uid=1000 "
                              "peer_gid=100 peer_pid=7 outcome=refused\n");
        /* Quotes, newlines, '=' and empty values cannot forge a field. */
        a.request = "enter";
        a.user = "";
        a.command = "a\"b\nc outcome=ok";
        ck_assert_int_gt(front_audit_format(buf, sizeof(buf), &a), 0);
        ck_assert(strstr(buf, " user=\"\" "));
        ck_assert(strstr(buf, " command=\"a\\\"b\\nc outcome=ok\" "));
        ck_assert_ptr_eq(strchr(buf, '\n'), buf + strlen(buf) - 1);
        ck_assert_int_eq(front_audit_format(small, sizeof(small), &a),
                         -ENOBUFS);
}
END_TEST

START_TEST(test_command_join)
{
        char *a1[] = {"/bin/sh", "-c", "exit 3", NULL};
        char *a2[] = {"echo", "it's", "", NULL};
        char **a3 = calloc(200, sizeof(char *));
        _cleanup_free_ char *s1 = front_command_join(a1);
        _cleanup_free_ char *s2 = front_command_join(a2);
        _cleanup_free_ char *s3 = NULL;

        ck_assert_str_eq(s1, "/bin/sh -c 'exit 3'");
        ck_assert_str_eq(s2, "echo 'it'\\''s' ''");
        ck_assert_ptr_nonnull(a3);
        for (int i = 0; i < 199; i++)
                a3[i] = "'''''''''";
        s3 = front_command_join(a3);
        ck_assert_uint_le(strlen(s3), FRONT_CMD_MAX + 8);
        ck_assert_str_eq(s3 + strlen(s3) - 3, "...");
        free(a3);
}
END_TEST

/* ---- a front with the test as broker, spawner and clients --------------- */

struct fx {
        struct front *f;
        int broker, spawner; /* the test's ends */
        int audit;           /* read end of the audit pipe */
        char sock[64];       /* abstract name of the listening socket */
};

static void hdr_init(void *m, enum ipc_type t, uint32_t id)
{
        struct ipc_hdr *h = m;

        h->type = t;
        h->id = id;
        h->nfds = 0;
        for (int i = 0; i < IPC_MAX_FDS; i++)
                h->fds[i] = -EBADF;
}

static void pump(struct fx *x)
{
        for (int i = 0; i < 6; i++)
                ck_assert_int_ge(front_poll_once(x->f, i == 0 ? 200 : 10), 0);
}

static void *recv_type(int fd, enum ipc_type t)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        void *m = NULL;

        ck_assert_int_eq(poll(&p, 1, 2000), 1);
        ck_assert_int_eq(ipc_recv(fd, IPC_ROLE_ENTERD, &m), 0);
        ck_assert_uint_eq(((struct ipc_hdr *)m)->type, t);
        return m;
}

static bool readable(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};

        return poll(&p, 1, 0) == 1;
}

/* The audit log so far (the pipe's content), heap. */
static char *audit_read(struct fx *x)
{
        char *buf = calloc(1, 65536);
        ssize_t n;

        ck_assert_ptr_nonnull(buf);
        n = read(x->audit, buf, 65535);
        if (n < 0)
                n = 0;
        buf[n] = 0;
        return buf;
}

static int count(const char *s, const char *needle)
{
        int n = 0;

        for (; (s = strstr(s, needle)); s++)
                n++;
        return n;
}

/* Front on socketpairs; listening socket in a temp dir if listening; the
 * start-up handshake done by the test as broker and spawner. */
static void fx_start(struct fx *x, int64_t operator_gid, bool listening)
{
        _cleanup_msg_ struct ipc_spawn_config *sc = NULL;
        _cleanup_msg_ struct ipc_reply *rep = NULL;
        struct ipc_enterd_config cfg = {.name = "box1",
                                        .init_pid = 1,
                                        .caps = 5,
                                        .operator_gid = operator_gid,
                                        .audit_log = "/var/log/audit"};
        struct ipc_spawn_ready ready = {0};
        int b[2], s[2], a[2], lfd = -EBADF;

        memset(x, 0, sizeof(*x));
        ck_assert_int_eq(ipc_socketpair(b), 0);
        ck_assert_int_eq(ipc_socketpair(s), 0);
        ck_assert_int_eq(pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
        if (listening) {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};

                static unsigned n;

                /* An abstract address: nothing is left on disk even when a
                 * failed assertion ends the test early. */
                snprintf(x->sock, sizeof(x->sock), "check-enterd-%d-%u",
                         (int)getpid(), n++);
                memcpy(sa.sun_path + 1, x->sock, strlen(x->sock));
                lfd = socket(AF_UNIX,
                             SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                ck_assert_int_ge(lfd, 0);
                ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)),
                                 0);
                ck_assert_int_eq(listen(lfd, 64), 0);
        }
        x->f = front_new("box1", b[0], s[0], lfd);
        ck_assert_ptr_nonnull(x->f);
        x->broker = b[1];
        x->spawner = s[1];
        x->audit = a[0];

        hdr_init(&cfg, IPC_ENTERD_CONFIG, 77);
        ck_assert_int_eq(ipc_send(x->broker, &cfg), 0);
        pump(x);
        sc = recv_type(x->spawner, IPC_SPAWN_CONFIG);
        ck_assert_str_eq(sc->name, "box1");
        ck_assert_uint_eq(sc->caps, 5);
        ck_assert_int_eq(sc->operator_gid, operator_gid);
        ck_assert_str_eq(sc->audit_log, "/var/log/audit");
        ck_assert(!readable(x->broker)); /* not ready before the spawner */
        ck_assert_int_eq(x->f->state, FRONT_WAIT_READY);

        hdr_init(&ready, IPC_SPAWN_READY, 0);
        ready.hdr.nfds = 1;
        ready.hdr.fds[0] = a[1];
        ck_assert_int_eq(ipc_send(x->spawner, &ready), 0);
        close(a[1]);
        pump(x);
        rep = recv_type(x->broker, IPC_REPLY);
        ck_assert_uint_eq(rep->hdr.id, 77);
        ck_assert_int_eq(rep->err, 0);
        ck_assert_int_eq(x->f->state, FRONT_READY);
}

static void fx_stop(struct fx *x)
{
        front_free(x->f);
        close(x->broker);
        close(x->spawner);
        close(x->audit);
}

static int client_connect(struct fx *x)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        memcpy(sa.sun_path + 1, x->sock, strlen(x->sock));
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

static void send_enter(int fd, uint32_t id, char **args)
{
        static char *env[] = {"A=1", NULL};
        struct ipc_enter_req r = {.args = args,
                                  .env = env,
                                  .user = "",
                                  .workdir = "/tmp",
                                  .label = "",
                                  .interactive = true};
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        ck_assert_int_ge(null, 0);
        hdr_init(&r, IPC_ENTER_REQ, id);
        r.hdr.nfds = 3;
        r.hdr.fds[0] = r.hdr.fds[1] = r.hdr.fds[2] = null;
        ck_assert_int_eq(ipc_send(fd, &r), 0);
        close(null);
}

START_TEST(test_enter_conversation)
{
        static char *args[] = {"/bin/sh", "-c", "exit 3", NULL};
        _cleanup_msg_ struct ipc_spawn_req *req = NULL;
        _cleanup_msg_ struct ipc_enter_started *st = NULL;
        _cleanup_msg_ struct ipc_enter_exit *ex = NULL;
        _cleanup_free_ char *log = NULL;
        struct ipc_spawn_started s = {0};
        struct ipc_spawn_exit e = {0};
        struct fx x;
        int cl;
        char c;

        fx_start(&x, (int64_t)getgid(), true);
        cl = client_connect(&x);
        pump(&x);
        ck_assert_uint_eq(x.f->nconns, 1);
        send_enter(cl, 9, args);
        pump(&x);

        req = recv_type(x.spawner, IPC_SPAWN_REQ);
        ck_assert_uint_eq(req->hdr.nfds, 3);
        for (int i = 0; i < 3; i++)
                ck_assert_int_ge(req->hdr.fds[i], 0);
        ck_assert_uint_ge(req->conn, 1);
        ck_assert_str_eq(req->args[0], "/bin/sh");
        ck_assert_str_eq(req->args[2], "exit 3");
        ck_assert_ptr_null(req->args[3]);
        ck_assert_str_eq(req->env[0], "A=1");
        ck_assert_str_eq(req->workdir, "/tmp");
        ck_assert(!req->tty);

        hdr_init(&s, IPC_SPAWN_STARTED, 0);
        s.conn = req->conn;
        s.pid = 4242;
        ck_assert_int_eq(ipc_send(x.spawner, &s), 0);
        hdr_init(&e, IPC_SPAWN_EXIT, 0);
        e.conn = req->conn;
        e.status = 3;
        e.msg = "";
        ck_assert_int_eq(ipc_send(x.spawner, &e), 0);
        pump(&x);

        st = recv_type(cl, IPC_ENTER_STARTED);
        ck_assert_uint_eq(st->pid, 4242);
        ck_assert_uint_eq(st->hdr.id, 9);
        ex = recv_type(cl, IPC_ENTER_EXIT);
        ck_assert_uint_eq(ex->status, 3);
        ck_assert_int_eq(recv(cl, &c, 1, 0), 0); /* closed */
        ck_assert_uint_eq(x.f->nconns, 0);

        log = audit_read(&x);
        ck_assert_int_eq(count_lines(log), 1);
        ck_assert(strstr(log, " box=box1 "));
        ck_assert(strstr(log, " request=enter user=root command=\"/bin/sh -c "
                              "'exit 3'\" outcome=exited status=3\n"));
        close(cl);
        fx_stop(&x);
}
END_TEST

START_TEST(test_tty_signal_failed_exec)
{
        static char *args[] = {"/nope", NULL};
        _cleanup_msg_ struct ipc_spawn_req *req = NULL;
        _cleanup_msg_ struct ipc_spawn_signal *sig = NULL;
        _cleanup_msg_ struct ipc_enter_tty *tty = NULL;
        _cleanup_msg_ struct ipc_reply *rep = NULL;
        _cleanup_free_ char *log = NULL;
        struct ipc_enter_signal es = {0};
        struct ipc_spawn_tty t = {0};
        struct ipc_spawn_started s = {0};
        struct ipc_spawn_exit e = {0};
        struct fx x;
        int cl, p[2];

        fx_start(&x, (int64_t)getgid(), true);
        cl = client_connect(&x);
        pump(&x);
        send_enter(cl, 5, args);
        pump(&x);
        req = recv_type(x.spawner, IPC_SPAWN_REQ);

        /* A signal before the start waits for it. */
        hdr_init(&es, IPC_ENTER_SIGNAL, 6);
        es.sig = 2;
        ck_assert_int_eq(ipc_send(cl, &es), 0);
        pump(&x);
        ck_assert(!readable(x.spawner));

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        hdr_init(&t, IPC_SPAWN_TTY, 0);
        t.conn = req->conn;
        t.hdr.nfds = 1;
        t.hdr.fds[0] = p[0];
        ck_assert_int_eq(ipc_send(x.spawner, &t), 0);
        hdr_init(&s, IPC_SPAWN_STARTED, 0);
        s.conn = req->conn;
        s.pid = 10;
        ck_assert_int_eq(ipc_send(x.spawner, &s), 0);
        pump(&x);
        tty = recv_type(cl, IPC_ENTER_TTY);
        ck_assert_uint_eq(tty->hdr.nfds, 1);
        ck_assert_int_ge(tty->hdr.fds[0], 0);
        sig = recv_type(x.spawner, IPC_SPAWN_SIGNAL);
        ck_assert_uint_eq(sig->sig, 2);
        ck_assert_uint_eq(sig->conn, req->conn);

        /* A failed exec: REPLY {err} to the client, 127 in the log. */
        hdr_init(&e, IPC_SPAWN_EXIT, 0);
        e.conn = req->conn;
        e.err = -ENOENT;
        e.msg = "/nope: not found";
        ck_assert_int_eq(ipc_send(x.spawner, &e), 0);
        pump(&x);
        ipc_msg_free(recv_type(cl, IPC_ENTER_STARTED));
        rep = recv_type(cl, IPC_REPLY);
        ck_assert_int_eq(rep->err, -ENOENT);
        ck_assert_str_eq(rep->msg, "/nope: not found");
        log = audit_read(&x);
        ck_assert(strstr(log, "command=/nope outcome=failed status=127\n"));
        close(p[0]);
        close(p[1]);
        close(cl);
        fx_stop(&x);
}
END_TEST

START_TEST(test_hangup)
{
        static char *args[] = {"sleep", "100", NULL};
        _cleanup_msg_ struct ipc_spawn_req *req = NULL;
        _cleanup_msg_ struct ipc_spawn_hangup *h = NULL;
        _cleanup_free_ char *log = NULL;
        struct ipc_spawn_exit e = {0};
        struct fx x;
        int cl;

        fx_start(&x, (int64_t)getgid(), true);
        cl = client_connect(&x);
        pump(&x);
        send_enter(cl, 1, args);
        pump(&x);
        req = recv_type(x.spawner, IPC_SPAWN_REQ);
        close(cl);
        pump(&x);
        h = recv_type(x.spawner, IPC_SPAWN_HANGUP);
        ck_assert_uint_eq(h->conn, req->conn);
        ck_assert_uint_eq(x.f->nconns, 1); /* until the exit */
        hdr_init(&e, IPC_SPAWN_EXIT, 0);
        e.conn = req->conn;
        e.status = 128 + 1;
        e.msg = "";
        ck_assert_int_eq(ipc_send(x.spawner, &e), 0);
        pump(&x);
        ck_assert_uint_eq(x.f->nconns, 0);
        log = audit_read(&x);
        ck_assert(strstr(log, "outcome=hangup status=129\n"));
        fx_stop(&x);
}
END_TEST

START_TEST(test_bad_requests)
{
        static const uint8_t garbage[] = {0x93, 0x01, 0xc1, 0xff};
        _cleanup_msg_ struct ipc_reply *rep = NULL;
        _cleanup_free_ char *log = NULL;
        struct ipc_enter_signal es = {0};
        struct fx x;
        struct conn *c;
        int sv[2], sv2[2];
        char ch;

        fx_start(&x, -1, false);
        /* Garbage: that connection only ends, with a REPLY and a line. */
        ck_assert_int_eq(ipc_socketpair(sv), 0);
        c = front_conn_add(x.f, sv[0], 1, 0, 0, front_now_ms());
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(front_handle_client_frame(x.f, c, garbage,
                                                   sizeof(garbage), NULL, 0),
                         0);
        ck_assert_uint_eq(x.f->nconns, 0);
        rep = recv_type(sv[1], IPC_REPLY);
        ck_assert_int_lt(rep->err, 0);
        ck_assert_int_eq(recv(sv[1], &ch, 1, 0), 0);
        close(sv[1]);

        /* A signal as the first request is out of turn. */
        ck_assert_int_eq(ipc_socketpair(sv2), 0);
        c = front_conn_add(x.f, sv2[0], 2, 0, 0, front_now_ms());
        ck_assert_ptr_nonnull(c);
        hdr_init(&es, IPC_ENTER_SIGNAL, 1);
        es.sig = 9;
        ck_assert_int_eq(ipc_send(sv2[1], &es), 0);
        ck_assert_int_eq(front_conn_readable(x.f, c), 0);
        ck_assert_uint_eq(x.f->nconns, 0);
        close(sv2[1]);

        log = audit_read(&x);
        ck_assert_int_eq(count(log, "outcome=bad-request"), 2);
        ck_assert(!readable(x.spawner));
        ck_assert(!readable(x.broker));
        fx_stop(&x);
}
END_TEST

START_TEST(test_ops)
{
        _cleanup_msg_ struct ipc_op_stop *stop = NULL;
        _cleanup_msg_ struct ipc_mnt_device *dev = NULL;
        _cleanup_msg_ struct ipc_mnt_device_remove *rm = NULL;
        _cleanup_msg_ struct ipc_reply *r1 = NULL, *r2 = NULL, *r3 = NULL;
        _cleanup_free_ char *log = NULL;
        struct ipc_op_stop os = {0};
        struct ipc_op_device_add da = {0};
        struct ipc_op_device_remove dr = {0};
        struct fx x;
        int c1, c2, c3, c4;

        fx_start(&x, (int64_t)getgid(), true);
        c1 = client_connect(&x);
        c2 = client_connect(&x);
        c3 = client_connect(&x);
        c4 = client_connect(&x);
        pump(&x);
        ck_assert_uint_eq(x.f->nconns, 4);

        hdr_init(&os, IPC_OP_STOP, 3);
        os.timeout = 10;
        ck_assert_int_eq(ipc_send(c1, &os), 0);
        hdr_init(&da, IPC_OP_DEVICE_ADD, 4);
        da.spec = "path=/dev/null;permissions=rw;fileMode=0600";
        ck_assert_int_eq(ipc_send(c2, &da), 0);
        hdr_init(&dr, IPC_OP_DEVICE_REMOVE, 5);
        dr.path = "/dev/../etc/passwd";
        ck_assert_int_eq(ipc_send(c3, &dr), 0);
        hdr_init(&da, IPC_OP_DEVICE_ADD, 6);
        da.spec = "path=/etc/shadow";
        ck_assert_int_eq(ipc_send(c4, &da), 0);
        pump(&x);

        stop = recv_type(x.broker, IPC_OP_STOP);
        ck_assert_int_eq(stop->timeout, 10);
        dev = recv_type(x.broker, IPC_MNT_DEVICE);
        ck_assert_str_eq(dev->path, "/dev/null");
        ck_assert_str_eq(dev->permissions, "rw");
        ck_assert_int_eq(dev->file_mode, 0600);
        ck_assert(!readable(x.broker)); /* the two bad ones went nowhere */
        r1 = recv_type(c3, IPC_REPLY);
        ck_assert_int_eq(r1->err, -EINVAL);
        ck_assert_uint_eq(r1->hdr.id, 5);
        r2 = recv_type(c4, IPC_REPLY);
        ck_assert_int_eq(r2->err, -EINVAL);

        /* The broker answers: stop ok (the client waits for EOF), device
         * refused (relayed with the client's id). */
        ck_assert_int_eq(ipc_send_reply(x.broker, stop->hdr.id, 0, NULL), 0);
        ck_assert_int_eq(
            ipc_send_reply(x.broker, dev->hdr.id, -ENODEV, "no such device"),
            0);
        pump(&x);
        ck_assert(!readable(c1));
        r3 = recv_type(c2, IPC_REPLY);
        ck_assert_int_eq(r3->err, -ENODEV);
        ck_assert_uint_eq(r3->hdr.id, 4);
        ck_assert_str_eq(r3->msg, "no such device");
        ck_assert_uint_eq(x.f->nconns, 1); /* the stopping client */

        /* The box ends: the broker closes; the stopping client sees EOF. */
        close(x.broker);
        x.broker = -1;
        ck_assert_int_eq(front_poll_once(x.f, 200), -ECONNRESET);
        fx_stop(&x);
        {
                char ch;

                ck_assert_int_eq(recv(c1, &ch, 1, 0), 0);
        }
        close(c1);
        close(c2);
        close(c3);
        close(c4);
}
END_TEST

START_TEST(test_limit_and_deadline)
{
        _cleanup_free_ char *log = NULL;
        int fds[FRONT_MAX_CONNS + 1][2];
        uint64_t now = front_now_ms();
        struct fx x;

        fx_start(&x, -1, false);
        for (int i = 0; i <= FRONT_MAX_CONNS; i++) {
                ck_assert_int_eq(ipc_socketpair(fds[i]), 0);
                if (i < FRONT_MAX_CONNS)
                        ck_assert_ptr_nonnull(front_conn_add(
                            x.f, fds[i][0], 100 + i, 0, 0, now + i));
                else
                        ck_assert_ptr_null(front_conn_add(
                            x.f, fds[i][0], 100 + i, 0, 0, now + i));
        }
        ck_assert_uint_eq(x.f->nconns, FRONT_MAX_CONNS);
        ck_assert_uint_eq(front_expire(x.f, now + FRONT_FIRST_REQ_MS - 1),
                          now + FRONT_FIRST_REQ_MS);
        ck_assert_uint_eq(x.f->nconns, FRONT_MAX_CONNS);
        ck_assert_uint_eq(front_expire(x.f, now + FRONT_FIRST_REQ_MS + 9),
                          now + FRONT_FIRST_REQ_MS + 10);
        ck_assert_uint_eq(x.f->nconns, FRONT_MAX_CONNS - 10);
        ck_assert_uint_eq(front_expire(x.f, now + 60000), 0);
        ck_assert_uint_eq(x.f->nconns, 0);
        log = audit_read(&x);
        ck_assert_int_eq(count(log, "outcome=busy"), 1);
        ck_assert_int_eq(count(log, "outcome=timeout"), FRONT_MAX_CONNS);
        ck_assert(strstr(log, "peer_pid=164 outcome=busy\n"));
        for (int i = 0; i <= FRONT_MAX_CONNS; i++)
                close(fds[i][1]);
        fx_stop(&x);
}
END_TEST

/* A peer that is neither root nor in the operator group is refused
 * before anything is read; root drops to nobody in a child for this. */
START_TEST(test_refused_peer)
{
        _cleanup_free_ char *log = NULL;
        struct fx x;
        pid_t pid;
        int status;

        fx_start(&x, -1, true);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                struct pollfd p;
                int fd;
                char ch;

                if (geteuid() == 0 &&
                    (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) ||
                     setresuid(65534, 65534, 65534) < 0))
                        _exit(2);
                fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
                memcpy(sa.sun_path + 1, x.sock, strlen(x.sock));
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                        _exit(3);
                p = (struct pollfd){.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 5000) != 1 || recv(fd, &ch, 1, 0) > 0)
                        _exit(4);
                _exit(0);
        }
        for (int i = 0; i < 20 && x.f->nconns == 0; i++) {
                ck_assert_int_ge(front_poll_once(x.f, 100), 0);
                log = audit_read(&x);
                if (strstr(log, "outcome=refused"))
                        break;
                free(log);
                log = NULL;
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_int_eq(status, 0);
        ck_assert_ptr_nonnull(log);
        ck_assert(strstr(log, "peer_uid="));
        ck_assert_uint_eq(x.f->nconns, 0);
        fx_stop(&x);
}
END_TEST

START_TEST(test_peer_protocol_errors)
{
        struct ipc_spawn_exit e = {0};
        struct ipc_enterd_config cfg = {.name = "box1",
                                        .init_pid = 1,
                                        .operator_gid = -1,
                                        .audit_log = "/a"};
        struct fx x;

        /* The spawner reports on a connection it never got. */
        fx_start(&x, -1, false);
        hdr_init(&e, IPC_SPAWN_EXIT, 0);
        e.conn = 99;
        e.msg = "";
        ck_assert_int_eq(ipc_send(x.spawner, &e), 0);
        ck_assert_int_eq(front_poll_once(x.f, 200), -EPROTO);
        fx_stop(&x);

        /* A second config from the broker. */
        fx_start(&x, -1, false);
        hdr_init(&cfg, IPC_ENTERD_CONFIG, 1);
        ck_assert_int_eq(ipc_send(x.broker, &cfg), 0);
        ck_assert_int_eq(front_poll_once(x.f, 200), -EPROTO);
        fx_stop(&x);

        /* The spawner goes away. */
        fx_start(&x, -1, false);
        close(x.spawner);
        x.spawner = -1;
        ck_assert_int_eq(front_poll_once(x.f, 200), -ECONNRESET);
        fx_stop(&x);
}
END_TEST

static Suite *front_suite(void)
{
        Suite *s = suite_create("enterd_front");
        TCase *tc = tcase_create("front");

        tcase_set_timeout(tc, 20);
        tcase_add_test(tc, test_peer_allowed);
        tcase_add_test(tc, test_enter_validate);
        tcase_add_test(tc, test_audit_format);
        tcase_add_test(tc, test_command_join);
        tcase_add_test(tc, test_enter_conversation);
        tcase_add_test(tc, test_tty_signal_failed_exec);
        tcase_add_test(tc, test_hangup);
        tcase_add_test(tc, test_bad_requests);
        tcase_add_test(tc, test_ops);
        tcase_add_test(tc, test_limit_and_deadline);
        tcase_add_test(tc, test_refused_peer);
        tcase_add_test(tc, test_peer_protocol_errors);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(front_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
