/* check_cve_2024_21626.c — CVE-2024-21626 (runc leaked a host directory
 * fd into the container: `-w /proc/self/fd/N` reached the host fs) pinned
 * for pbox (SPEC §5: no host fd beyond the stdio the caller passed, no
 * ptrace or memory access to pbox processes). From INIT and from entered
 * processes: /proc/self/fd and /proc/1/fd hold only 0-2 (plus ls's own
 * directory fd), every one of them /dev/null or a pipe, and cwd and root
 * are the box's /; `pbox enter -w /proc/self/fd/N` fails for N = 3..20;
 * the memory, environ and fds of initproc (--init) and of processes being
 * entered (caught by a racer scanning /proc) cannot be read. Root only. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attack.h"
#include "cleanup.h"
#include "testutil.h"

#define LIST_FDS                                                               \
        "ls -l /proc/self/fd; echo ==; ls -l /proc/1/fd 2>&1; echo ==;"        \
        "for l in /proc/self/cwd /proc/self/root /proc/1/cwd /proc/1/root; do" \
        " readlink $l; done"

/* An `ls -l` listing of a /proc/PID/fd: fds 0-2 only, each /dev/null or
 * a pipe; at most unreadable entries without a target (ls's own dir fd). */
static void check_fd_listing(const char *ls, int unreadable, const char *what,
                             const char *all)
{
        int noleak = 0;

        for (const char *p = ls; p && *p;) {
                const char *e = strchr(p, '\n');
                _cleanup_free_ char *l =
                    strndup(p, e ? (size_t)(e - p) : strlen(p));
                char *arrow = strstr(l, " -> ");

                p = e ? e + 1 : NULL;
                if (l[0] != 'l')
                        continue;
                if (!arrow) {
                        noleak++;
                        continue;
                }
                *arrow = '\0';
                {
                        const char *fd = strrchr(l, ' ');
                        const char *t = arrow + 4;
                        int n = fd ? atoi(fd + 1) : -1;

                        ck_assert_msg(n >= 0 && n <= 2,
                                      "%s: fd %d (-> %s) reachable:\n%s", what,
                                      n, t, all);
                        ck_assert_msg(!strcmp(t, "/dev/null") ||
                                          !strncmp(t, "pipe:[", 6),
                                      "%s: fd %d -> %s:\n%s", what, n, t, all);
                }
        }
        ck_assert_msg(noleak <= unreadable,
                      "%s: %d fds without a readable target:\n%s", what, noleak,
                      all);
}

/* LIST_FDS output: [self listing, pid 1 listing, 4 readlinks]. With
 * init_denied, /proc/1/fd must be unreadable (initproc, --init). */
static void check_list_fds(const char *out, bool init_denied)
{
        _cleanup_free_ char *o = strdup(out);
        char *s1 = strstr(o, "==\n");
        char *s2 = s1 ? strstr(s1 + 3, "==\n") : NULL;

        ck_assert_msg(s1 && s2, "bad output:\n%s", out);
        *s1 = *s2 = '\0';
        check_fd_listing(o, 1, "/proc/self/fd", out);
        if (init_denied)
                ck_assert_msg(strstr(s1 + 3, "denied") &&
                                  !strstr(s1 + 3, " -> "),
                              "/proc/1/fd of initproc is readable:\n%s", out);
        else
                check_fd_listing(s1 + 3, 0, "/proc/1/fd", out);
        ck_assert_msg(!strcmp(s2 + 3, init_denied ? "/\n/\n" : "/\n/\n/\n/\n"),
                      "cwd/root are not the box's /:\n%s", out);
}

START_TEST(test_init_fds)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *list = test_box_path(b, "rootfs/list.sh");
        struct run_result r = {0};

        /* PID 1 stays a shell that only waits for the lister */
        attack_write_file(list, LIST_FDS "\n", 0755);
        test_box_run_sh(b, &r, "sh /list.sh; exit $?", NULL);
        ck_run(r.status == 0, &r, "INIT lists its fds");
        check_list_fds(r.out, false);
        run_result_free(&r);
        attack_box_free(b, 3);
}
END_TEST

START_TEST(test_init_mode_fds)
{
        struct test_box *b = attack_box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, LIST_FDS, "--init", NULL);
        /* readlink of /proc/1/{cwd,root} fails: status 1 expected */
        ck_run(r.status == 0 || r.status == 1, &r, "INIT lists its fds");
        check_list_fds(r.out, true);
        run_result_free(&r);
        attack_box_free(b, 3);
}
END_TEST

/* An idle detached INIT whose own stdio is /dev/null. */
#define QUIET_INIT                                                             \
        "exec </dev/null >/dev/null 2>&1; trap 'exit 0' TERM;"                 \
        "while :; do sleep 1 & wait $!; done"

START_TEST(test_enter_fds)
{
        struct test_box *b = attack_box_new();
        struct run_result r = {0};

        ck_run(test_box_start_detached(b, "--", "/bin/sh", "-c", QUIET_INIT,
                                       NULL) == 0,
               &b->last, "start");
        attack_enter(b, &r, 20, "--", "/bin/sh", "-c", LIST_FDS, NULL);
        ck_run(r.status == 0, &r, "entered shell lists fds");
        check_list_fds(r.out, false);
        run_result_free(&r);
        for (int n = 3; n <= 20; n++) {
                char wd[64];

                snprintf(wd, sizeof(wd), "/proc/self/fd/%d", n);
                attack_enter(b, &r, 20, "-w", wd, "--", "/bin/sh", "-c",
                             "pwd; ls -a", NULL);
                ck_run(r.status != 0, &r, wd);
                run_result_free(&r);
        }
        attack_enter(b, &r, 20, "-w", "/tmp", "--", "/bin/pwd", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "/tmp\n"), &r,
               "control: -w /tmp works");
        run_result_free(&r);
        attack_box_free(b, 3);
}
END_TEST

/* --init: entered processes cannot read initproc's memory, environ, fds,
 * cwd or root. */
START_TEST(test_initproc_memory)
{
        struct test_box *b = attack_box_new();
        struct run_result r = {0};

        ck_run(test_box_start_detached(b, "--init", NULL) == 0, &b->last,
               "start --init");
        attack_enter(
            b, &r, 20, "--", "/bin/sh", "-c",
            "{ true < /proc/1/mem; } 2>/dev/null && echo OPEN-MEM;"
            "{ true 1<> /proc/1/mem; } 2>/dev/null && echo OPEN-MEM-W;"
            "cat /proc/1/mem >/dev/null 2>&1 && echo READ-MEM;"
            "cat /proc/1/environ >/dev/null 2>&1 && echo ENVIRON;"
            "ls -l /proc/1/fd 2>/dev/null | grep -q ' -> ' && echo FDS;"
            "ls /proc/1/cwd/ >/dev/null 2>&1 && echo CWD;"
            "ls /proc/1/root/ >/dev/null 2>&1 && echo ROOT;"
            "cat /proc/1/maps >/dev/null 2>&1 && echo MAPS;"
            "echo done",
            NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "done\n"), &r,
               "an entered process reached into initproc");
        run_result_free(&r);
        attack_box_free(b, 3);
}
END_TEST

/* A racer INIT reads memory, environ and fds of every pbox process it
 * sees (counted only if the process is still foreign afterwards) while
 * 60 enters are spawned. */
#define RACER                                                                  \
        "trap 'exit 0' TERM\n" ATTACK_SH_FOREIGN "n=0\n"                       \
        "while :; do\n"                                                        \
        "  for d in /proc/[0-9]*; do\n"                                        \
        "    p=${d#/proc/}\n"                                                  \
        "    [ \"$p\" = $$ ] && continue\n"                                    \
        "    foreign $p || continue\n"                                         \
        "    echo \"SEEN $p $f\"\n"                                            \
        "    for x in mem environ; do\n"                                       \
        "      if { true < $d/$x; } 2>/dev/null && foreign $p; then\n"         \
        "        echo \"LEAK $x $p $f\"; fi\n"                                 \
        "    done\n"                                                           \
        "    if ls -l $d/fd 2>/dev/null | grep -q ' -> ' && foreign $p; "      \
        "then\n"                                                               \
        "      echo \"LEAK fd $p $f\"; fi\n"                                   \
        "    for x in cwd/ root/; do\n"                                        \
        "      if ls $d/$x >/dev/null 2>&1 && foreign $p; then\n"              \
        "        echo \"LEAK $x $p $f\"; fi\n"                                 \
        "    done\n"                                                           \
        "  done\n"                                                             \
        "  n=$((n+1)); [ $n = 20 ] && echo LOOP $n\n"                          \
        "done\n"

START_TEST(test_race_entering_process)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *script = test_box_path(b, "rootfs/race.sh");
        _cleanup_free_ char *logp = test_box_path(b, "rootfs/tmp/race.log");
        _cleanup_free_ char *log = NULL, *leaks = NULL;
        struct run_result r = {0};

        attack_write_file(script, RACER, 0755);
        ck_run(test_box_start_detached(b, "--init", "--", "/bin/sh", "-c",
                                       "sh /race.sh >/tmp/race.log", NULL) == 0,
               &b->last, "start the racer box");
        for (int i = 0; i < 60; i++) {
                attack_enter(b, &r, 20, "--", "/bin/true", NULL);
                ck_run(r.status == 0, &r, "enter during the race");
                run_result_free(&r);
        }
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        log = attack_read_file(logp);
        ck_assert_msg(log && attack_count(log, "LOOP") > 0 &&
                          attack_count(log, "SEEN 1 ") > 0,
                      "the racer did not run or never saw initproc: %.2000s",
                      log ? log : "(no log)");
        leaks = attack_grep(log, "LEAK");
        ck_assert_msg(!*leaks,
                      "a box process reached into a pbox process:\n"
                      "%.3000s",
                      leaks);
        attack_box_free(b, 3);
}
END_TEST

static Suite *cve_suite(void)
{
        Suite *s = suite_create("cve_2024_21626");
        TCase *t = tcase_create("fds");

        tcase_set_timeout(t, 30);
        tcase_add_test(t, test_init_fds);
        tcase_add_test(t, test_init_mode_fds);
        tcase_add_test(t, test_enter_fds);
        tcase_add_test(t, test_initproc_memory);
        tcase_add_test(t, test_race_entering_process);
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
