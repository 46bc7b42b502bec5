/* check_cve_tiocsti.c — terminal injection (TIOCSTI, the class of
 * CVE-2016-9016/CVE-2017-5226 and runc's "host terminal in the container")
 * pinned for pbox (SPEC §5: a process in the box cannot reach a host
 * terminal). `pbox enter` runs under a host pty (its stdio and
 * controlling terminal) with a static helper (tests/security/tiocsti.c,
 * compiled into the rootfs at run time) that tries TIOCSTI on fds 0-2 and
 * /dev/tty. Without -t nothing in the box is a terminal and the host pty's
 * input queue stays empty; with -t the helper reaches only the box's own
 * pty (a /dev/pts of the box, and what it injects comes back to it) and
 * the host pty's input queue stays empty. Root only. */
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
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "attack.h"
#include "cleanup.h"
#include "testutil.h"

/* Compile the helper into rootfs/bin/tiocsti. */
static void build_helper(struct test_box *b)
{
        _cleanup_free_ char *out = test_box_path(b, "rootfs/bin/tiocsti");
        _cleanup_free_ char *src = NULL;
        struct run_result r = {0};

        ck_assert_int_ge(
            asprintf(&src, "%s/tests/security/tiocsti.c", test_src_dir()), 0);
        run_cmd(&r, NULL, 60,
                (const char *const[]){"cc", "-static", "-O2", "-o", out, src,
                                      NULL});
        ck_run(r.status == 0, &r, "cc -static tiocsti.c");
        run_result_free(&r);
}

/* Run `pbox enter [-t] -- /bin/tiocsti` with a new host pty as its
 * controlling terminal and stdio; returns what the box wrote (malloc'd)
 * and the bytes left in the host pty's input queue in *queued. */
static char *enter_under_pty(struct test_box *b, bool tty, int *status,
                             int *queued)
{
        _cleanup_free_ char *bin = pbox_build_path("pbox");
        int m = -1, s = -1;
        struct termios raw;
        char buf[4096];
        size_t len = 0;
        double end = now_secs() + 20;
        pid_t pid;
        int st = 0;

        ck_assert_int_eq(openpty(&m, &s, NULL, NULL, NULL), 0);
        ck_assert_int_eq(tcgetattr(s, &raw), 0);
        cfmakeraw(&raw);
        ck_assert_int_eq(tcsetattr(s, TCSANOW, &raw), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                const char *argv[] = {bin,
                                      "enter",
                                      "--name",
                                      b->name,
                                      "--data-dir",
                                      b->data_dir,
                                      tty ? "-t" : "--",
                                      "--",
                                      "/bin/tiocsti",
                                      NULL};

                if (!tty) {
                        argv[6] = "--";
                        argv[7] = "/bin/tiocsti";
                        argv[8] = NULL;
                }
                setsid();
                if (ioctl(s, TIOCSCTTY, 0) < 0 || dup2(s, 0) < 0 ||
                    dup2(s, 1) < 0 || dup2(s, 2) < 0)
                        _exit(120);
                close(m);
                if (s > 2)
                        close(s);
                execv(bin, (char *const *)argv);
                _exit(121);
        }
        for (;;) {
                struct pollfd p = {.fd = m, .events = POLLIN};
                int w = waitpid(pid, &st, WNOHANG);

                if (poll(&p, 1, 50) > 0 && (p.revents & POLLIN)) {
                        ssize_t k = read(m, buf + len, sizeof(buf) - 1 - len);

                        if (k > 0)
                                len += (size_t)k;
                }
                if (w == pid)
                        break;
                if (now_secs() > end) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        break;
                }
        }
        for (;;) {
                struct pollfd p = {.fd = m, .events = POLLIN};
                ssize_t k;

                if (poll(&p, 1, 100) <= 0 || !(p.revents & POLLIN))
                        break;
                k = read(m, buf + len, sizeof(buf) - 1 - len);
                if (k <= 0)
                        break;
                len += (size_t)k;
        }
        buf[len] = '\0';
        *queued = -1;
        ck_assert_int_eq(ioctl(s, FIONREAD, queued), 0);
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        close(m);
        close(s);
        return strdup(buf);
}

START_TEST(test_no_tty_cannot_inject)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *out = NULL;
        int status, queued;

        build_helper(b);
        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "start");
        out = enter_under_pty(b, false, &status, &queued);
        ck_assert_msg(status == 0 && strstr(out, "devtty"),
                      "helper did not run: status %d, output:\n%s", status,
                      out);
        ck_assert_msg(!strstr(out, "INJECTED"),
                      "TIOCSTI reached a terminal without -t:\n%s", out);
        ck_assert_msg(attack_count(out, "isatty=0") == 3,
                      "a host terminal is on the box's stdio:\n%s", out);
        fprintf(stderr, "helper (queued %d):\n%s\n", queued, out);
        ck_assert_msg(queued == 0,
                      "%d bytes were injected into the host pty:\n%s", queued,
                      out);
        attack_box_free(b, 3);
}
END_TEST

START_TEST(test_tty_reaches_own_pty_only)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *out = NULL, *fd0 = NULL;
        int status, queued;

        build_helper(b);
        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "start");
        out = enter_under_pty(b, true, &status, &queued);
        ck_assert_msg(status == 0 && strstr(out, "fd0 isatty=1 tty=/dev/pts/"),
                      "helper did not run on the box's pty: status %d:\n%s",
                      status, out);
        fd0 = attack_grep(out, "fd0 ");
        /* where the box may inject (legacy_tiocsti), it lands in its pty */
        if (strstr(fd0, "INJECTED"))
                ck_assert_msg(strstr(out, "GOT x"),
                              "TIOCSTI went somewhere other than the box's "
                              "own pty:\n%s",
                              out);
        fprintf(stderr, "helper (queued %d):\n%s\n", queued, out);
        ck_assert_msg(queued == 0,
                      "%d bytes were injected into the host pty:\n%s", queued,
                      out);
        attack_box_free(b, 3);
}
END_TEST

static Suite *cve_suite(void)
{
        Suite *s = suite_create("cve_tiocsti");
        TCase *t = tcase_create("tty");

        tcase_set_timeout(t, 30);
        tcase_add_test(t, test_no_tty_cannot_inject);
        tcase_add_test(t, test_tty_reaches_own_pty_only);
        suite_add_tcase(s, t);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(cve_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
