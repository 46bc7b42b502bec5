/* check_sec_socket.c — the enter socket (SPEC §5, docs/enter.md): its
 * mode (root:GROUP 0660 in a root:GROUP 0710 directory with
 * --operator-group, 0600 in 0700 without); a peer that is neither root nor
 * in the operator group is refused before a byte is parsed (it reaches the
 * socket here only through CAP_DAC_OVERRIDE, kept across setresuid) and
 * audited as outcome=refused, while a member of the group may enter; and
 * garbage, truncated, oversized (70 KiB), silent and half-sent requests
 * never stop enterd from serving others: a normal enter succeeds within
 * 2 s while they are open and after, and the front keeps its pid.
 * Root only. */
#include <cap-ng.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"
#include "cleanup.h"
#include "testutil.h"

#define NOBODY 65534

/* A host group to use as --operator-group (not root's, not nobody's). */
static gid_t op_group(const char **ret_name)
{
        static const char *names[] = {"users", "audio", "video", "staff"};

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                struct group *g = getgrnam(names[i]);

                if (g && g->gr_gid != 0 && g->gr_gid != NOBODY) {
                        *ret_name = names[i];
                        return g->gr_gid;
                }
        }
        ck_abort_msg("no usable host group for --operator-group");
        return 0;
}

static char *sock_path(struct test_box *b)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s/enter.sock", b->data_dir, b->name),
                         0);
        return p;
}

static int sock_connect(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = -errno;

                close(fd);
                return e;
        }
        return fd;
}

/* Our data dirs live in a 0700 mkdtemp dir: let others traverse it. */
static void open_tmp(struct test_box *b)
{
        ck_assert_int_eq(chmod(b->tmp, 0755), 0);
}

static void check_mode(const char *path, mode_t mode, gid_t gid)
{
        struct stat st;

        ck_assert_msg(stat(path, &st) == 0, "stat %s: %m", path);
        ck_assert_msg((st.st_mode & 07777) == mode && st.st_uid == 0 &&
                          st.st_gid == gid,
                      "%s: mode %04o %u:%u, want %04o 0:%u", path,
                      st.st_mode & 07777, st.st_uid, st.st_gid, mode, gid);
}

START_TEST(test_socket_mode)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *sock = sock_path(b);
        _cleanup_free_ char *dir = NULL;
        const char *gname = NULL;
        gid_t gid = op_group(&gname);

        ck_assert_int_ge(asprintf(&dir, "%s/%s", b->data_dir, b->name), 0);
        if (_i == 0) {
                ck_run(test_box_start_detached(b, "--operator-group", gname,
                                               NULL) == 0,
                       &b->last, "start with --operator-group");
                check_mode(dir, 0710, gid);
                check_mode(sock, 0660, gid);
        } else {
                ck_run(test_box_start_detached(b, NULL) == 0, &b->last,
                       "start");
                check_mode(dir, 0700, 0);
                check_mode(sock, 0600, 0);
        }
        attack_box_free(b, 3);
}
END_TEST

/* In a child: become nobody (groups: only gid if member), optionally
 * keeping CAP_DAC_OVERRIDE effective. */
static void become_nobody(bool member, gid_t gid, bool dac)
{
        gid_t groups[1] = {gid};

        if (setgroups(member ? 1 : 0, groups) < 0 ||
            setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
            prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
            setresuid(NOBODY, NOBODY, NOBODY) < 0)
                _exit(90);
        capng_clear(CAPNG_SELECT_BOTH);
        if (dac && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
                                CAP_DAC_OVERRIDE) < 0)
                _exit(91);
        if (capng_apply(CAPNG_SELECT_CAPS) < 0)
                _exit(92);
}

/* Exit codes of the refused-peer child. */
enum { PEER_REFUSED = 0, PEER_NOCONNECT = 1, PEER_ANSWERED = 2, PEER_OPEN = 3 };

static int refused_peer(const char *sock)
{
        static const char req[] = "\x92\x01\xa5hello";
        struct pollfd p;
        char buf[256];
        int fd = sock_connect(sock);
        ssize_t k;

        if (fd < 0)
                return PEER_NOCONNECT;
        (void)send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
        p = (struct pollfd){.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 3000) <= 0)
                return PEER_OPEN;
        k = recv(fd, buf, sizeof(buf), 0);
        return k > 0 ? PEER_ANSWERED : PEER_REFUSED;
}

static int child_wait(pid_t pid)
{
        int st = 0;

        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(test_peer_without_group)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *sock = sock_path(b);
        _cleanup_free_ char *audit = test_box_path(b, "data/_log/audit");
        _cleanup_free_ char *log = NULL, *want = NULL, *lines = NULL;
        _cleanup_free_ char *refused = NULL;
        _cleanup_free_ char *bin = pbox_build_path("pbox");
        const char *gname = NULL;
        gid_t gid = op_group(&gname);
        pid_t pid;
        int rc;

        open_tmp(b);
        ck_run(test_box_start_detached(b, "--operator-group", gname, NULL) == 0,
               &b->last, "start with --operator-group");

        /* not a member, but able to reach the socket: refused, audited */
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                become_nobody(false, gid, true);
                _exit(refused_peer(sock));
        }
        rc = child_wait(pid);
        ck_assert_msg(rc == PEER_REFUSED,
                      "non-member peer: %s (child status %d)",
                      rc == PEER_NOCONNECT  ? "could not connect"
                      : rc == PEER_ANSWERED ? "got an answer"
                      : rc == PEER_OPEN     ? "connection left open 3 s"
                                            : "child failed",
                      rc);
        /* not a member and no override: cannot even connect */
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                become_nobody(false, gid, false);
                _exit(refused_peer(sock));
        }
        rc = child_wait(pid);
        ck_assert_msg(rc == PEER_NOCONNECT || rc == PEER_REFUSED,
                      "non-member without override: child status %d", rc);
        /* a member enters (control: the socket works for the group) */
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int nul = open("/dev/null", O_RDWR);

                become_nobody(true, gid, false);
                dup2(nul, 0);
                dup2(nul, 1);
                execl(bin, bin, "enter", "--name", b->name, "--data-dir",
                      b->data_dir, "--", "/bin/true", (char *)NULL);
                _exit(93);
        }
        rc = child_wait(pid);
        ck_assert_msg(rc == 0, "operator-group member cannot enter: %d", rc);

        log = attack_read_file(audit);
        ck_assert_msg(log, "no audit log %s", audit);
        ck_assert_int_ge(asprintf(&want, "peer_uid=%d ", NOBODY), 0);
        lines = attack_grep(log, want);
        ck_assert_msg(attack_count(lines, "outcome=refused") >= 1,
                      "no refused audit line for uid %d:\n%s", NOBODY, log);
        refused = attack_grep(lines, "outcome=refused");
        ck_assert_msg(attack_count(refused, "request=") == 0 &&
                          attack_count(refused, "command=") == 0,
                      "a refused peer's request was parsed:\n%s", refused);
        attack_box_free(b, 3);
}
END_TEST

/* One normal enter: 0 within 2 s. */
static void enter_fast(struct test_box *b, const char *when)
{
        struct run_result r = {0};

        attack_enter(b, &r, 10, "--", "/bin/sh", "-c", "echo ok", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "ok\n") && r.secs < 2.0, &r,
               when);
        run_result_free(&r);
}

static long long front_pid(struct test_box *b)
{
        _cleanup_free_ char *json = test_box_status_json(b);
        _cleanup_free_ char *c = json_component(json, "enterd");

        ck_run(c != NULL, &b->last, "status shows enterd");
        return json_get_int(c, "pid");
}

START_TEST(test_bad_requests)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *sock = sock_path(b);
        _cleanup_free_ char *big = malloc(70 * 1024);
        int fds[64];
        size_t n = 0;
        long long pid0;
        int sz = 512 * 1024;

        ck_assert(big);
        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "start");
        pid0 = front_pid(b);
        srandom((unsigned)getpid());
        for (size_t i = 0; i < 70 * 1024; i++)
                big[i] = (char)random();
        /* silent */
        for (int i = 0; i < 8; i++)
                ck_assert_int_ge(fds[n++] = sock_connect(sock), 0);
        /* half a frame: a msgpack array announcing 6 fields, one given */
        for (int i = 0; i < 8; i++) {
                ck_assert_int_ge(fds[n] = sock_connect(sock), 0);
                (void)send(fds[n++], "\x96\x01", 2, MSG_NOSIGNAL);
        }
        /* garbage of many sizes */
        for (int i = 0; i < 16; i++) {
                ck_assert_int_ge(fds[n] = sock_connect(sock), 0);
                (void)send(fds[n++], big + i * 97, (size_t)(1 + i * 301),
                           MSG_NOSIGNAL);
        }
        /* oversized: 70 KiB in one frame (limit 64 KiB) */
        for (int i = 0; i < 4; i++) {
                ck_assert_int_ge(fds[n] = sock_connect(sock), 0);
                setsockopt(fds[n], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
                (void)send(fds[n++], big, 70 * 1024,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        /* truncated: empty frames and a one-byte fixarray header */
        for (int i = 0; i < 4; i++) {
                ck_assert_int_ge(fds[n] = sock_connect(sock), 0);
                (void)send(fds[n++], i % 2 ? "" : "\x9f", i % 2 ? 0 : 1,
                           MSG_NOSIGNAL);
        }
        enter_fast(b, "enter while bad clients are connected");
        enter_fast(b, "second enter while bad clients are connected");
        /* half of them hang up */
        for (size_t i = 0; i < n; i += 2)
                close(fds[i]);
        enter_fast(b, "enter after some bad clients hung up");
        for (size_t i = 1; i < n; i += 2)
                close(fds[i]);
        enter_fast(b, "enter after all bad clients hung up");
        ck_assert_msg(front_pid(b) == pid0,
                      "enterd front changed pid: %lld -> %lld", pid0,
                      front_pid(b));
        attack_box_free(b, 3);
}
END_TEST

static Suite *sec_suite(void)
{
        Suite *s = suite_create("sec_socket");
        TCase *t = tcase_create("socket");

        tcase_set_timeout(t, 30);
        tcase_add_loop_test(t, test_socket_mode, 0, 2);
        tcase_add_test(t, test_peer_without_group);
        tcase_add_test(t, test_bad_requests);
        suite_add_tcase(s, t);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(sec_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
