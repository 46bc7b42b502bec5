/* check_proc.c — unit tests of libipc/proc.c: closing fds, full reads and
 * writes across a pipe (partial writes, EINTR), /proc status fields, fd
 * flags, helper paths, and — as root — exact capability drops and the
 * change of user, read back from /proc/self/status. Every test runs in its
 * own forked process (check's default), so the drops stay there. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>
#include <linux/capability.h>

#include "cleanup.h"
#include "proc.h"

static bool fd_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0;
}

static void assert_status(const char *key, const char *want)
{
        char buf[256];

        ck_assert_int_eq(proc_status_field(0, key, buf, sizeof(buf)), 0);
        ck_assert_msg(strcmp(buf, want) == 0, "%s: got \"%s\", want \"%s\"",
                      key, buf, want);
}

/* Capability tests need root; as another user they pass vacuously. */
#define require_root()                                                         \
        do {                                                                   \
                if (geteuid() != 0)                                            \
                        return;                                                \
        } while (0)

/* ---- close_fds_except --------------------------------------------------- */

/* check talks to its forked test through an fd of its own, so the closing
 * happens in a child of the test that reports through its exit code. */
START_TEST(test_close_fds_except)
{
        int keep[] = {27, 22, -EBADF, 25, 22, 1};
        pid_t pid;
        int st;

        for (int fd = 20; fd < 30; fd++) {
                int t = open("/dev/null", O_RDONLY | O_CLOEXEC);
                ck_assert_int_ge(t, 0);
                ck_assert_int_eq(dup3(t, fd, O_CLOEXEC), fd);
                close(t);
        }
        ck_assert_int_eq(dup3(20, 1000, O_CLOEXEC), 1000);

        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (proc_close_fds_except(keep, ELEMENTSOF(keep)) != 0)
                        _exit(10);
                for (int fd = 0; fd < 3; fd++)
                        if (!fd_open(fd))
                                _exit(11);
                for (int fd = 3; fd < 1100; fd++) {
                        bool want = fd == 22 || fd == 25 || fd == 27;
                        if (fd_open(fd) != want)
                                _exit(fd < 256 ? fd : 255);
                }
                /* nothing kept: everything >= 3 goes */
                if (proc_close_fds_except(NULL, 0) != 0)
                        _exit(12);
                if (fd_open(22) || fd_open(25) || fd_open(27) || !fd_open(2))
                        _exit(13);
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d",
                      st);
        /* the parent's fds are untouched */
        ck_assert(fd_open(21) && fd_open(1000));
}
END_TEST

/* ---- read_full / write_full --------------------------------------------- */

static void on_alarm(int sig)
{
        (void)sig;
}

START_TEST(test_read_write_full)
{
        const size_t len = 1024 * 1024;
        struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
        struct itimerval it = {{0, 500}, {0, 500}};
        uint8_t *out = malloc(len), *in = malloc(len);
        int p[2];
        pid_t pid;
        int st;

        ck_assert(out && in);
        for (size_t i = 0; i < len; i++)
                out[i] = (uint8_t)(i * 31 + (i >> 12));
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);

        /* A slow reader: the 1 MiB write blocks on the 64 KiB pipe again
         * and again, and the timer interrupts it (partial writes, EINTR). */
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                size_t got = 0;
                close(p[1]);
                while (got < len) {
                        ssize_t n =
                            proc_read_full(p[0], in + got,
                                           len - got < 7000 ? len - got : 7000);
                        if (n <= 0)
                                _exit(1);
                        got += (size_t)n;
                        if (got % 70000 < 7000)
                                usleep(1000);
                }
                _exit(memcmp(in, out, len) == 0 ? 0 : 2);
        }
        close(p[0]);
        ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
        ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
        ck_assert_int_eq(proc_write_full(p[1], out, len), (ssize_t)len);
        memset(&it, 0, sizeof(it));
        ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
        close(p[1]);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reader %d", st);

        /* a short count only at EOF */
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        ck_assert_int_eq(proc_write_full(p[1], "0123456789", 10), 10);
        close(p[1]);
        ck_assert_int_eq(proc_read_full(p[0], in, 100), 10);
        ck_assert_mem_eq(in, "0123456789", 10);
        ck_assert_int_eq(proc_read_full(p[0], in, 100), 0);
        close(p[0]);

        /* errors are -errno */
        ck_assert_int_eq(proc_read_full(-1, in, 1), -EBADF);
        signal(SIGPIPE, SIG_IGN);
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        close(p[0]);
        ck_assert_int_eq(proc_write_full(p[1], "x", 1), -EPIPE);
        close(p[1]);
        free(in);
        free(out);
}
END_TEST

/* ---- fd flags ----------------------------------------------------------- */

START_TEST(test_fd_flags)
{
        int p[2];

        ck_assert_int_eq(pipe2(p, 0), 0);
        ck_assert_int_eq(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);
        ck_assert_int_eq(proc_fd_cloexec(p[0], true), 0);
        ck_assert_int_eq(fcntl(p[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        ck_assert_int_eq(proc_fd_cloexec(p[0], false), 0);
        ck_assert_int_eq(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);
        ck_assert_int_eq(proc_fd_nonblock(p[0], true), 0);
        ck_assert_int_eq(fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
        ck_assert_int_eq(proc_fd_nonblock(p[0], false), 0);
        ck_assert_int_eq(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
        close(p[0]);
        close(p[1]);
        ck_assert_int_eq(proc_fd_nonblock(p[0], true), -EBADF);
        ck_assert_int_eq(proc_fd_cloexec(p[0], true), -EBADF);
}
END_TEST

/* ---- /proc ----------------------------------------------------------------
 */

START_TEST(test_status_field)
{
        char buf[64], want[32];

        snprintf(want, sizeof(want), "%d", (int)getpid());
        assert_status("Pid", want);
        ck_assert_int_eq(proc_status_field(getpid(), "Pid", buf, sizeof(buf)),
                         0);
        ck_assert_str_eq(buf, want);
        snprintf(want, sizeof(want), "%d", (int)getppid());
        assert_status("PPid", want);
        /* a prefix of a key is not the key */
        ck_assert_int_eq(proc_status_field(0, "Ui", buf, sizeof(buf)), -ENOENT);
        ck_assert_int_eq(proc_status_field(0, "NoSuchKey", buf, sizeof(buf)),
                         -ENOENT);
        ck_assert_int_eq(proc_status_field(0, "Uid", buf, 3), -ENOBUFS);
        ck_assert_int_eq(proc_status_field(0, "", buf, sizeof(buf)), -EINVAL);
        ck_assert_int_eq(proc_status_field(INT_MAX, "Pid", buf, sizeof(buf)),
                         -ENOENT);
        ck_assert_int_eq(proc_status_field(0, "CapEff", buf, sizeof(buf)), 0);
        ck_assert_uint_eq(strlen(buf), 16);
}
END_TEST

START_TEST(test_helper_path)
{
        char exe[PATH_MAX], buf[PATH_MAX], want[PATH_MAX + 32];
        const char *dir = proc_self_dir();
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        ck_assert_ptr_nonnull(dir);
        ck_assert_int_gt(n, 0);
        exe[n] = 0;
        *strrchr(exe, '/') = 0;
        ck_assert_str_eq(dir, exe);
        ck_assert_ptr_eq(proc_self_dir(), dir); /* cached */

        /* this test binary is an executable beside itself */
        ck_assert_int_eq(proc_helper_path("check_proc", buf, sizeof(buf)), 0);
        snprintf(want, sizeof(want), "%s/check_proc", dir);
        ck_assert_str_eq(buf, want);
        ck_assert_int_eq(
            proc_helper_path("pbox-no-such-helper", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, PBOX_LIBEXECDIR "/pbox-no-such-helper");
        ck_assert_int_eq(proc_helper_path("../x", buf, sizeof(buf)), -EINVAL);
        ck_assert_int_eq(proc_helper_path("", buf, sizeof(buf)), -EINVAL);
        ck_assert_int_eq(proc_helper_path("pbox-no-such-helper", buf, 8),
                         -ENAMETOOLONG);
}
END_TEST

/* ---- capabilities (root) ------------------------------------------------ */

START_TEST(test_caps_drop_to)
{
        const int keep[] = {CAP_NET_BIND_SERVICE, CAP_KILL};

        require_root();
        /* an ambient cap to begin with, which must go */
        ck_assert_int_ge(capng_get_caps_process(), 0);
        ck_assert_int_eq(capng_update(CAPNG_ADD, CAPNG_INHERITABLE, CAP_KILL),
                         0);
        ck_assert_int_eq(capng_apply(CAPNG_SELECT_CAPS), 0);
        ck_assert_int_eq(
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0), 0);
        assert_status("CapAmb", "0000000000000020");

        ck_assert_int_eq(proc_caps_drop_to(keep, ELEMENTSOF(keep), false), 0);
        assert_status("CapEff", "0000000000000420");
        assert_status("CapPrm", "0000000000000420");
        assert_status("CapBnd", "0000000000000420");
        assert_status("CapInh", "0000000000000000");
        assert_status("CapAmb", "0000000000000000");
        assert_status("NoNewPrivs", "0");
        assert_status("Uid", "0\t0\t0\t0");

        /* CAP_SETPCAP is gone: the bounding set can't shrink further, and
         * no cap can be regained */
        ck_assert_int_eq(proc_caps_drop_to(keep, 1, false), -EPERM);
        const int more[] = {CAP_KILL, CAP_NET_BIND_SERVICE, CAP_SYS_ADMIN};
        ck_assert_int_ne(proc_caps_drop_to(more, 3, false), 0);
        assert_status("CapEff", "0000000000000420");
        ck_assert_int_eq(proc_caps_drop_to(keep, 2, true), 0);
        assert_status("NoNewPrivs", "1");
}
END_TEST

START_TEST(test_caps_drop_all)
{
        require_root();
        ck_assert_int_eq(proc_caps_drop_to(NULL, 0, true), 0);
        assert_status("CapEff", "0000000000000000");
        assert_status("CapPrm", "0000000000000000");
        assert_status("CapBnd", "0000000000000000");
        assert_status("NoNewPrivs", "1");
        /* root without capabilities: privileged calls fail */
        ck_assert_int_lt(setgroups(0, NULL), 0);
}
END_TEST

START_TEST(test_caps_bad_input)
{
        const int bad[] = {CAP_KILL, 64};
        const int neg[] = {-1};

        ck_assert_int_eq(proc_caps_drop_to(bad, 2, false), -EINVAL);
        ck_assert_int_eq(proc_caps_drop_to(neg, 1, false), -EINVAL);
        ck_assert_int_eq(proc_caps_drop_to(NULL, 1, false), -EINVAL);
}
END_TEST

START_TEST(test_become_user)
{
        const int keep[] = {CAP_SETUID};
        const gid_t groups[] = {65534, 100};
        char buf[64];

        require_root();
        ck_assert_int_eq(
            proc_become_user(65534, 65534, groups, 2, keep, 1, true), 0);
        ck_assert_uint_eq(getuid(), 65534);
        assert_status("Uid", "65534\t65534\t65534\t65534");
        assert_status("Gid", "65534\t65534\t65534\t65534");
        ck_assert_int_eq(proc_status_field(0, "Groups", buf, sizeof(buf)), 0);
        ck_assert(strcmp(buf, "65534 100 ") == 0 ||
                  strcmp(buf, "100 65534 ") == 0 ||
                  strcmp(buf, "65534 100") == 0);
        assert_status("CapEff", "0000000000000080");
        assert_status("CapPrm", "0000000000000080");
        assert_status("CapBnd", "0000000000000080");
        assert_status("CapInh", "0000000000000000");
        assert_status("CapAmb", "0000000000000000");
        assert_status("NoNewPrivs", "1");
        /* CAP_SETGID is gone */
        ck_assert_int_lt(setgroups(0, NULL), 0);
        ck_assert_int_eq(errno, EPERM);
}
END_TEST

START_TEST(test_become_user_no_caps)
{
        char buf[64];

        require_root();
        ck_assert_int_eq(
            proc_become_user(65534, 65534, NULL, 0, NULL, 0, false), 0);
        assert_status("Uid", "65534\t65534\t65534\t65534");
        assert_status("CapEff", "0000000000000000");
        assert_status("CapPrm", "0000000000000000");
        assert_status("CapBnd", "0000000000000000");
        assert_status("NoNewPrivs", "0");
        ck_assert_int_eq(proc_status_field(0, "Groups", buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "");
        /* and back to root is impossible */
        ck_assert_int_eq(proc_become_user(0, 0, NULL, 0, NULL, 0, false),
                         -EPERM);
}
END_TEST

static Suite *proc_suite(void)
{
        Suite *s = suite_create("proc");
        TCase *tc = tcase_create("proc");

        tcase_add_test(tc, test_close_fds_except);
        tcase_add_test(tc, test_read_write_full);
        tcase_add_test(tc, test_fd_flags);
        tcase_add_test(tc, test_status_field);
        tcase_add_test(tc, test_helper_path);
        tcase_add_test(tc, test_caps_drop_to);
        tcase_add_test(tc, test_caps_drop_all);
        tcase_add_test(tc, test_caps_bad_input);
        tcase_add_test(tc, test_become_user);
        tcase_add_test(tc, test_become_user_no_caps);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(proc_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
