/* check_it_spawner.c — integration tests of pbox-enterd's spawner
 * (enterd/spawner.c, docs/enter.md): a real box is started with `pbox
 * start --detach`, the test forks a process that runs spawner_main() on
 * one end of a socketpair and plays the front on the other. Checks what
 * an entered process sees (its pid namespace, user, groups, cgroup,
 * environment, capabilities, fds, terminal), its exit statuses, signals,
 * hang-up and what the front's EOF does. Root only. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "ipc.h"
#include "proc.h"
#include "../../enterd/spawner.h"
#include "testutil.h"

#define ENTER_ENV "A=file,B=file,PATH=/bin:/sbin:/usr/bin"

static struct test_box *box;
static char *box_dir, *sock_path;
static bool sock_ours; /* bound here: no enterd made one */
static long long init_pid;

/* One box for the whole suite, with an enter socket the test binds as
 * enterd would. */
static void box_setup(void)
{
        _cleanup_free_ char *json = NULL;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        box = test_box_new();
        ck_assert_msg(box, "cannot set up a test box");
        ck_assert_msg(
            test_box_start_detached(box, "--enter-env", ENTER_ENV, NULL) == 0,
            "start: %s", box->last.err ? box->last.err : "");
        json = test_box_status_json(box);
        ck_assert_msg(json, "status");
        init_pid = json_get_int(json, "init_pid");
        ck_assert_int_gt(init_pid, 1);
        ck_assert_int_ge(asprintf(&box_dir, "%s/%s", box->data_dir, box->name),
                         0);
        ck_assert_int_ge(asprintf(&sock_path, "%s/enter.sock", box_dir), 0);
        /* With pbox-enterd running, its socket is there already. */
        if (access(sock_path, F_OK) == 0)
                return;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
        sock_ours = true;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(fd);
}

static void box_teardown(void)
{
        if (sock_ours)
                unlink(sock_path);
        test_box_free(box);
        free(box_dir);
        free(sock_path);
}

/* ---- the test plays the front ------------------------------------------ */

struct front {
        pid_t spawner;
        int sock;
};

static void front_fork(struct front *f)
{
        int sv[2];

        ck_assert_int_eq(ipc_socketpair(sv), 0);
        f->spawner = fork();
        ck_assert_int_ge(f->spawner, 0);
        if (f->spawner == 0) {
                close(sv[0]);
                _exit(spawner_main(sv[1], sock_path, box_dir));
        }
        close(sv[1]);
        f->sock = sv[0];
}

static void *front_recv(struct front *f)
{
        void *m = NULL;
        int r = ipc_recv(f->sock, IPC_ROLE_SPAWNER, &m);

        ck_assert_msg(r == 0, "recv from spawner: %s", strerror(-r));
        return m;
}

static int spawner_wait(struct front *f)
{
        int st;

        ck_assert_int_eq(waitpid(f->spawner, &st, 0), f->spawner);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void front_start(struct front *f, int64_t gid, bool nnp)
{
        struct ipc_spawn_config c = {.hdr.type = IPC_SPAWN_CONFIG,
                                     .name = box->name,
                                     .init_pid = (uint64_t)init_pid,
                                     .caps = 0x00000000a80425fbULL,
                                     .no_new_privs = nnp,
                                     .operator_gid = gid,
                                     .audit_log = NULL};
        _cleanup_free_ char *audit = test_box_path(box, "log/audit");
        _cleanup_msg_ struct ipc_hdr *m = NULL;

        c.audit_log = audit;
        front_fork(f);
        ck_assert_int_eq(ipc_send(f->sock, &c), 0);
        m = front_recv(f);
        ck_assert_msg(m->type == IPC_SPAWN_READY, "got %u, not SPAWN_READY",
                      m->type);
        ck_assert_int_ge(m->fds[0], 0);
}

static void front_end(struct front *f)
{
        close(f->sock);
        ck_assert_int_eq(spawner_wait(f), 0);
}

struct result {
        bool started, tty_first;
        uint64_t host_pid;
        int status;
        int64_t err;
        char msg[IPC_ERRMSG_MAX];
        char out[16384];
        int master; /* with tty */
};

struct req {
        const char *const *args;
        const char *const *env;
        const char *user, *workdir;
        bool tty;
};

static uint64_t next_conn = 1;

static uint64_t spawn(struct front *f, const struct req *q, int *ret_out)
{
        struct ipc_spawn_req m = {.hdr.type = IPC_SPAWN_REQ, .hdr.nfds = 3};
        const char *noenv[] = {NULL};
        int p[2];

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        m.conn = next_conn++;
        m.args = (char **)q->args;
        m.env = (char **)(q->env ? q->env : noenv);
        m.user = (char *)(q->user ? q->user : "");
        m.workdir = (char *)(q->workdir ? q->workdir : "");
        m.label = (char *)"";
        m.tty = q->tty;
        m.rows = q->tty ? 33 : 0;
        m.cols = q->tty ? 77 : 0;
        m.hdr.fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        m.hdr.fds[1] = p[1];
        m.hdr.fds[2] = p[1];
        ck_assert_int_eq(ipc_send(f->sock, &m), 0);
        close(m.hdr.fds[0]);
        close(p[1]);
        *ret_out = p[0];
        return m.conn;
}

/* Messages for conn until its EXIT; STARTED's pid into r. */
static void collect(struct front *f, uint64_t conn, struct result *r)
{
        r->master = -EBADF;
        for (;;) {
                _cleanup_msg_ struct ipc_hdr *m = front_recv(f);

                if (m->type == IPC_SPAWN_TTY) {
                        ck_assert(!r->started);
                        ck_assert_uint_eq(((struct ipc_spawn_tty *)m)->conn,
                                          conn);
                        r->tty_first = true;
                        r->master = TAKE_FD(m->fds[0]);
                } else if (m->type == IPC_SPAWN_STARTED) {
                        ck_assert_uint_eq(((struct ipc_spawn_started *)m)->conn,
                                          conn);
                        r->started = true;
                        r->host_pid = ((struct ipc_spawn_started *)m)->pid;
                        return;
                } else if (m->type == IPC_SPAWN_EXIT) {
                        struct ipc_spawn_exit *e = (void *)m;

                        ck_assert_uint_eq(e->conn, conn);
                        r->status = (int)e->status;
                        r->err = e->err;
                        snprintf(r->msg, sizeof(r->msg), "%s", e->msg);
                        return;
                } else
                        ck_abort_msg("unexpected message %u", m->type);
        }
}

static void wait_exit(struct front *f, uint64_t conn, struct result *r)
{
        _cleanup_msg_ struct ipc_spawn_exit *e = front_recv(f);

        ck_assert_msg(e->hdr.type == IPC_SPAWN_EXIT, "got %u", e->hdr.type);
        ck_assert_uint_eq(e->conn, conn);
        ck_assert_int_eq(e->err, 0);
        r->status = (int)e->status;
}

static void read_all(int fd, char *buf, size_t len)
{
        ssize_t n = proc_read_full(fd, buf, len - 1);

        buf[n > 0 ? n : 0] = '\0';
}

/* Run q to its end: output, status, err. */
static void run(struct front *f, const struct req *q, struct result *r)
{
        _cleanup_close_ int out = -EBADF;
        uint64_t conn = spawn(f, q, &out);

        *r = (struct result){.master = -EBADF};
        collect(f, conn, r);
        if (r->started)
                wait_exit(f, conn, r);
        read_all(out, r->out, sizeof(r->out));
}

static void run_sh(struct front *f, const char *script, const char *user,
                   struct result *r)
{
        const char *args[] = {"/bin/sh", "-c", script, NULL};
        struct req q = {.args = args, .user = user};

        run(f, &q, r);
        ck_assert_msg(r->started, "never ran: %lld %s", (long long)r->err,
                      r->msg);
}

static bool has_line(const char *out, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = out; (p = strstr(p, line)); p += n)
                if ((p == out || p[-1] == '\n') &&
                    (p[n] == '\n' || p[n] == '\0'))
                        return true;
        return false;
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_spawner_itself)
{
        struct front f;
        char v[64], own[64];

        front_start(&f, -1, false);
        ck_assert_int_eq(proc_status_field(f.spawner, "CapEff", v, sizeof(v)),
                         0);
        ck_assert_str_eq(v, "00000000002c01e3");
        ck_assert_int_eq(proc_status_field(f.spawner, "CapPrm", v, sizeof(v)),
                         0);
        ck_assert_str_eq(v, "00000000002c01e3");
        /* the bounding set stays whole: the test's own */
        ck_assert_int_eq(proc_status_field(f.spawner, "CapBnd", v, sizeof(v)),
                         0);
        ck_assert_int_eq(proc_status_field(0, "CapBnd", own, sizeof(own)), 0);
        ck_assert_str_eq(v, own);
        ck_assert_int_eq(
            proc_status_field(f.spawner, "NoNewPrivs", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "0");
        ck_assert_int_eq(proc_status_field(f.spawner, "Seccomp", v, sizeof(v)),
                         0);
        ck_assert_str_eq(v, "0");
        ck_assert_int_eq(proc_status_field(f.spawner, "Name", v, sizeof(v)), 0);
        ck_assert_str_eq(v, "pbox-enterd-sp");
        front_end(&f);
}
END_TEST

START_TEST(test_socket_modes)
{
        struct front f;
        struct stat st;

        front_start(&f, 29, false);
        ck_assert_int_eq(lstat(sock_path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0660);
        ck_assert_uint_eq(st.st_gid, 29);
        ck_assert_int_eq(lstat(box_dir, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0710);
        ck_assert_uint_eq(st.st_gid, 29);
        front_end(&f);
        front_start(&f, -1, false);
        ck_assert_int_eq(lstat(sock_path, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0600);
        ck_assert_int_eq(lstat(box_dir, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0700);
        front_end(&f);
}
END_TEST

START_TEST(test_enter_basic)
{
        const char *env[] = {"B=req", "C=req", NULL};
        const char *args[] = {"/bin/sh", "-c",
                              "echo $$; id; cat /proc/self/cgroup; env", NULL};
        struct req q = {.args = args, .env = env};
        struct front f;
        struct result r;

        front_start(&f, -1, false);
        run(&f, &q, &r);
        ck_assert_msg(r.started, "never ran: %s", r.msg);
        ck_assert_int_eq(r.status, 0);
        /* its own pid namespace: a small pid, not the host's */
        ck_assert_int_gt(atoi(r.out), 1);
        ck_assert_int_ne((uint64_t)atoi(r.out), r.host_pid);
        ck_assert_msg(strstr(r.out, "uid=0(root) gid=0(root)"), "%s", r.out);
        ck_assert_msg(strstr(r.out, ":/enter\n"), "not in enter: %s", r.out);
        ck_assert_msg(has_line(r.out, "PATH=/bin:/sbin:/usr/bin"), "%s", r.out);
        ck_assert_msg(has_line(r.out, "TERM=xterm"), "%s", r.out);
        ck_assert_msg(has_line(r.out, "LC_ALL=C.UTF-8"), "%s", r.out);
        ck_assert_msg(has_line(r.out, "HOME=/root"), "%s", r.out);
        ck_assert_msg(has_line(r.out, "A=file"), "%s", r.out);
        ck_assert_msg(has_line(r.out, "B=req"), "%s", r.out);
        ck_assert_msg(has_line(r.out, "C=req"), "%s", r.out);
        front_end(&f);
}
END_TEST

START_TEST(test_exit_statuses)
{
        const char *missing[] = {"/no/such/thing", NULL};
        const char *bare[] = {"no-such-command", NULL};
        const char *noexec[] = {"/etc/passwd", NULL};
        const char *sh[] = {"/bin/sh", "-c", "exit 3", NULL};
        struct req q = {0};
        struct front f;
        struct result r;

        front_start(&f, -1, false);
        q.args = sh;
        run(&f, &q, &r);
        /* It exits at once: STARTED must still come before EXIT. */
        ck_assert_msg(r.started, "never ran: %lld %s", (long long)r.err, r.msg);
        ck_assert_int_eq(r.status, 3);
        q.args = missing;
        run(&f, &q, &r);
        ck_assert(!r.started);
        ck_assert_int_eq(r.status, 127);
        ck_assert_int_eq(r.err, -ENOENT);
        q.args = bare;
        run(&f, &q, &r);
        ck_assert_int_eq(r.status, 127);
        q.args = noexec;
        run(&f, &q, &r);
        ck_assert_int_eq(r.status, 126);
        ck_assert_int_eq(r.err, -EACCES);
        q.args = sh;
        q.user = "nosuchuser";
        run(&f, &q, &r);
        ck_assert_int_eq(r.status, 125);
        ck_assert_msg(strstr(r.msg, "nosuchuser"), "%s", r.msg);
        q.user = NULL;
        q.workdir = "/no/such/dir";
        run(&f, &q, &r);
        ck_assert_int_eq(r.status, 125);
        ck_assert_msg(strstr(r.msg, "workdir"), "%s", r.msg);
        front_end(&f);
}
END_TEST

START_TEST(test_workdir)
{
        const char *args[] = {"/bin/pwd", NULL};
        struct req q = {.args = args, .workdir = "/etc"};
        struct front f;
        struct result r;

        front_start(&f, -1, false);
        run(&f, &q, &r);
        ck_assert_int_eq(r.status, 0);
        ck_assert_str_eq(r.out, "/etc\n");
        front_end(&f);
}
END_TEST

/* Start a long sleep; returns its conn, STARTED checked. */
static uint64_t start_sleep(struct front *f, const char *script,
                            struct result *r, int *out)
{
        const char *args[] = {"/bin/sh", "-c", script, NULL};
        struct req q = {.args = args};
        uint64_t conn = spawn(f, &q, out);

        *r = (struct result){.master = -EBADF};
        collect(f, conn, r);
        ck_assert_msg(r->started, "never ran: %s", r->msg);
        return conn;
}

START_TEST(test_signal)
{
        struct ipc_spawn_signal s = {.hdr.type = IPC_SPAWN_SIGNAL, .sig = 15};
        _cleanup_close_ int out = -EBADF;
        struct front f;
        struct result r;

        front_start(&f, -1, false);
        s.conn = start_sleep(&f, "exec sleep 100", &r, &out);
        ck_assert_int_eq(ipc_send(f.sock, &s), 0);
        wait_exit(&f, s.conn, &r);
        ck_assert_int_eq(r.status, 143);
        front_end(&f);
}
END_TEST

START_TEST(test_hangup)
{
        struct ipc_spawn_hangup h = {.hdr.type = IPC_SPAWN_HANGUP};
        _cleanup_close_ int out1 = -EBADF, out2 = -EBADF;
        struct front f;
        struct result r;
        char buf[16];
        double t0;

        front_start(&f, -1, false);
        h.conn = start_sleep(&f, "exec sleep 100", &r, &out1);
        ck_assert_int_eq(ipc_send(f.sock, &h), 0);
        wait_exit(&f, h.conn, &r);
        ck_assert_int_eq(r.status, 128 + SIGHUP);
        /* One that ignores SIGHUP is killed after the grace period. */
        h.conn = start_sleep(
            &f, "trap '' HUP; echo ready; while :; do sleep 1; done", &r,
            &out2);
        /* once the trap is set */
        ck_assert_int_eq(read(out2, buf, sizeof(buf)), 6);
        t0 = now_secs();
        ck_assert_int_eq(ipc_send(f.sock, &h), 0);
        wait_exit(&f, h.conn, &r);
        ck_assert_int_eq(r.status, 128 + SIGKILL);
        ck_assert_msg(now_secs() - t0 > SPAWN_HANGUP_GRACE_S - 1,
                      "killed after %.1f s", now_secs() - t0);
        front_end(&f);
}
END_TEST

START_TEST(test_user_caps)
{
        struct front f;
        struct result r;
        char v[64];

        front_start(&f, -1, false);
        run_sh(&f, "id -u; id -G; grep Cap /proc/self/status", "user", &r);
        ck_assert_int_eq(r.status, 0);
        ck_assert_msg(has_line(r.out, "1000"), "%s", r.out);
        ck_assert_msg(strstr(r.out, " 10") && strstr(r.out, " 29"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapEff:\t0000000000000000"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapPrm:\t0000000000000000"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapInh:\t0000000000000000"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapAmb:\t0000000000000000"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapBnd:\t00000000a80425fb"), "%s",
                      r.out);
        run_sh(&f, "grep -e Cap -e NoNewPrivs /proc/self/status", NULL, &r);
        ck_assert_msg(has_line(r.out, "CapEff:\t00000000a80425fb"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapBnd:\t00000000a80425fb"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapInh:\t0000000000000000"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "NoNewPrivs:\t0"), "%s", r.out);
        front_end(&f);
        /* The box's --no-new-privs reaches entered processes. */
        front_start(&f, -1, true);
        run_sh(&f, "grep -e Cap -e NoNewPrivs /proc/self/status", NULL, &r);
        ck_assert_msg(has_line(r.out, "NoNewPrivs:\t1"), "%s", r.out);
        /* exec under no_new_privs raises nothing: the spawner holds the
         * box's set in permitted for it, never in effective */
        ck_assert_msg(has_line(r.out, "CapEff:\t00000000a80425fb"), "%s",
                      r.out);
        ck_assert_msg(has_line(r.out, "CapPrm:\t00000000a80425fb"), "%s",
                      r.out);
        ck_assert_int_eq(proc_status_field(f.spawner, "CapEff", v, sizeof(v)),
                         0);
        ck_assert_str_eq(v, "00000000002c01e3");
        ck_assert_int_eq(proc_status_field(f.spawner, "CapPrm", v, sizeof(v)),
                         0);
        ck_assert_str_eq(v, "00000000a82c25fb");
        front_end(&f);
}
END_TEST

START_TEST(test_only_stdio)
{
        _cleanup_close_ int out = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        struct front f;
        struct result r;
        char path[64];
        int n = 0;

        front_start(&f, -1, false);
        /* 3 is ls's own directory fd */
        run_sh(&f, "exec ls /proc/self/fd", NULL, &r);
        ck_assert_msg(!strcmp(r.out, "0\n1\n2\n3\n"), "fds: %s", r.out);
        /* From the host, the same of a process that stays. */
        start_sleep(&f, "exec sleep 100", &r, &out);
        snprintf(path, sizeof(path), "/proc/%llu/fd",
                 (unsigned long long)r.host_pid);
        d = opendir(path);
        ck_assert_msg(d, "%s: %m", path);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        ck_assert_int_lt(atoi(de->d_name), 3);
                        n++;
                }
        ck_assert_int_eq(n, 3);
        front_end(&f);
}
END_TEST

START_TEST(test_tty)
{
        const char *args[] = {"/bin/sh", "-c", "stty size; tty", NULL};
        struct req q = {.args = args, .tty = true};
        _cleanup_close_ int out = -EBADF;
        struct front f;
        struct result r = {.master = -EBADF};
        char buf[512] = "";
        size_t len = 0;
        uint64_t conn;

        front_start(&f, -1, false);
        conn = spawn(&f, &q, &out);
        collect(&f, conn, &r);
        ck_assert(r.tty_first && r.started);
        ck_assert_int_ge(r.master, 0);
        for (;;) {
                struct pollfd p = {.fd = r.master, .events = POLLIN};
                ssize_t n;

                if (poll(&p, 1, 5000) <= 0)
                        break;
                n = read(r.master, buf + len, sizeof(buf) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        wait_exit(&f, conn, &r);
        close(r.master);
        ck_assert_int_eq(r.status, 0);
        ck_assert_msg(strstr(buf, "33 77"), "%s", buf);
        ck_assert_msg(strstr(buf, "/dev/pts/"), "%s", buf);
        front_end(&f);
}
END_TEST

START_TEST(test_eof_kills)
{
        _cleanup_close_ int out = -EBADF;
        struct front f;
        struct result r;
        char path[64];

        front_start(&f, -1, false);
        start_sleep(&f, "exec sleep 100", &r, &out);
        snprintf(path, sizeof(path), "/proc/%llu",
                 (unsigned long long)r.host_pid);
        ck_assert_int_eq(access(path, F_OK), 0);
        front_end(&f);
        /* Killed and reaped by the spawner before it exited. */
        ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_protocol)
{
        const char *args[] = {"/bin/true", NULL};
        struct req q = {.args = args};
        struct ipc_spawn_config c = {.hdr.type = IPC_SPAWN_CONFIG,
                                     .name = box->name,
                                     .init_pid = (uint64_t)getpid(),
                                     .operator_gid = -1,
                                     .audit_log = (char *)"/tmp/x"};
        struct front f;
        int out;

        /* A request before the configuration ends the conversation. */
        front_fork(&f);
        spawn(&f, &q, &out);
        close(out);
        ck_assert_int_eq(spawner_wait(&f), 1);
        close(f.sock);
        /* A pid that is not the box's init is refused with a REPLY. */
        front_fork(&f);
        ck_assert_int_eq(ipc_send(f.sock, &c), 0);
        {
                _cleanup_msg_ struct ipc_reply *m = front_recv(&f);

                ck_assert_int_eq(m->hdr.type, IPC_REPLY);
                ck_assert_int_lt(m->err, 0);
        }
        ck_assert_int_eq(spawner_wait(&f), 1);
        close(f.sock);
        /* A second configuration ends it too. */
        front_start(&f, -1, false);
        c.init_pid = (uint64_t)init_pid;
        ck_assert_int_eq(ipc_send(f.sock, &c), 0);
        ck_assert_int_eq(spawner_wait(&f), 1);
        close(f.sock);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("it_spawner");
        TCase *t = tcase_create("spawner");

        tcase_add_unchecked_fixture(t, box_setup, box_teardown);
        tcase_set_timeout(t, 60);
        tcase_add_test(t, test_spawner_itself);
        tcase_add_test(t, test_socket_modes);
        tcase_add_test(t, test_enter_basic);
        tcase_add_test(t, test_exit_statuses);
        tcase_add_test(t, test_workdir);
        tcase_add_test(t, test_signal);
        tcase_add_test(t, test_hangup);
        tcase_add_test(t, test_user_caps);
        tcase_add_test(t, test_only_stdio);
        tcase_add_test(t, test_tty);
        tcase_add_test(t, test_eof_kills);
        tcase_add_test(t, test_protocol);
        suite_add_tcase(s, t);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(suite());
        int failed;

        if (geteuid() != 0) {
                fprintf(stderr, "check_it_spawner: needs root, skipped\n");
                return 0;
        }
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
