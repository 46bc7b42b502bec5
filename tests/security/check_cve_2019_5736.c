/* check_cve_2019_5736.c — CVE-2019-5736 (runc overwritten through
 * /proc/self/exe) pinned for pbox (SPEC §5: a process in the box cannot
 * overwrite or ptrace any host binary of pbox). From inside a box — as
 * INIT, as a racer scanning /proc while enters are being spawned, and from
 * entered shells — every /proc/PID/exe that is not the box's own busybox
 * is opened for appending and held open (by a sleeping child) to be
 * written after its process exec'd; with --init, /proc/1/exe (initproc's
 * sealed memfd) and /proc/1/mem are attacked. Afterwards the sha256 of
 * every host build/pbox* is unchanged. Root only. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attack.h"
#include "cleanup.h"
#include "testutil.h"

/* Scans /proc forever: for each foreign process it appends to
 * /proc/PID/exe, opens /proc/PID/mem (counted only if the process was
 * foreign before and still is after the open: an exec into the box's
 * busybox or an exit in between makes it legitimately accessible), and
 * holds the exe open in a sleeping child to append through
 * /proc/CHILD/fd/4 later, after the target exec'd or exited. Lines:
 * SEEN, WROTE, MEM, HELD, WROTE-HELD, LOOP. Exits 0 on TERM. */
#define RACER                                                                  \
        "trap 'exit 0' TERM\n" ATTACK_SH_FOREIGN "n=0\n"                       \
        "while :; do\n"                                                        \
        "  for d in /proc/[0-9]*; do\n"                                        \
        "    p=${d#/proc/}\n"                                                  \
        "    [ \"$p\" = $$ ] && continue\n"                                    \
        "    foreign $p || continue\n"                                         \
        "    echo \"SEEN $p $f\"\n"                                            \
        "    { printf PWNED >> $d/exe; } 2>/dev/null && echo \"WROTE $p "      \
        "$f\"\n"                                                               \
        "    if { true < $d/mem; } 2>/dev/null && foreign $p; then\n"          \
        "      echo \"MEM $p $f\"\n"                                           \
        "    fi\n"                                                             \
        "    if [ -z \"$h\" ]; then\n"                                         \
        "      { sleep 30 4< $d/exe & } 2>/dev/null; h=$!\n"                   \
        "      echo \"HELD $p $f\"\n"                                          \
        "    fi\n"                                                             \
        "  done\n"                                                             \
        "  if [ -n \"$h\" ] && [ -e /proc/$h/fd/4 ]; then\n"                   \
        "    { printf PWNED >> /proc/$h/fd/4; } 2>/dev/null && "               \
        "echo WROTE-HELD\n"                                                    \
        "  fi\n"                                                               \
        "  n=$((n+1)); [ $n = 20 ] && echo LOOP $n\n"                          \
        "done\n"

static void assert_hashes(const char *before)
{
        _cleanup_free_ char *after = attack_pbox_hashes();

        ck_assert_msg(!strcmp(before, after),
                      "host pbox binaries changed:\nbefore:\n%s\nafter:\n%s",
                      before, after);
}

/* The racer as INIT (or INIT's child with --init) while `pbox enter`
 * spawns processes, and entered shells that hold /proc/self/exe. */
START_TEST(test_race_enter_exe)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *hashes = attack_pbox_hashes();
        _cleanup_free_ char *script = test_box_path(b, "rootfs/race.sh");
        _cleanup_free_ char *logp = test_box_path(b, "rootfs/tmp/race.log");
        _cleanup_free_ char *log = NULL;
        struct run_result r = {0};
        int st;

        attack_write_file(script, RACER, 0755);
        if (_i == 1)
                st =
                    test_box_start_detached(b, "--init", "--", "/bin/sh", "-c",
                                            "sh /race.sh >/tmp/race.log", NULL);
        else
                st = test_box_start_detached(b, "--", "/bin/sh", "-c",
                                             "exec sh /race.sh >/tmp/race.log",
                                             NULL);
        ck_run(st == 0, &b->last, "start the racer box");
        for (int i = 0; i < 60; i++) {
                attack_enter(b, &r, 20, "--", "/bin/true", NULL);
                ck_run(r.status == 0, &r, "enter /bin/true during the race");
                run_result_free(&r);
        }
        for (int i = 0; i < 5; i++) {
                attack_enter(
                    b, &r, 20, "--", "/bin/sh", "-c",
                    "exec 3</proc/self/exe; readlink /proc/self/exe;"
                    "{ printf PWNED >> /proc/self/exe; } 2>/dev/null && "
                    "echo WROTE-SELF; exec /bin/sh -c '"
                    "{ printf PWNED >> /proc/self/fd/3; } 2>/dev/null && "
                    "echo WROTE-FD3; readlink /proc/self/fd/3'",
                    NULL);
                ck_run(r.status == 0 &&
                           !strcmp(r.out, "/bin/busybox\n/bin/busybox\n"),
                       &r, "an entered shell's exe is the box's busybox");
                run_result_free(&r);
        }
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        log = attack_read_file(logp);
        ck_assert_msg(log && attack_count(log, "LOOP") > 0,
                      "the racer did not run: %s", log ? log : "(no log)");
        /* with --init, PID 1 is a pbox process: the racer must see it */
        ck_assert_msg(_i == 0 || attack_count(log, "SEEN 1 ") > 0,
                      "the racer never saw initproc: %.2000s", log);
        {
                _cleanup_free_ char *w = attack_grep(log, "WROTE");
                _cleanup_free_ char *m = attack_grep(log, "MEM ");
                _cleanup_free_ char *seen = attack_grep(log, "SEEN");

                if (strlen(seen) > 1500)
                        seen[1500] = '\0';

                ck_assert_msg(!*w && !*m,
                              "a box process wrote a foreign exe or read "
                              "foreign memory:\n%.2000s%.2000s\nseen:\n%.2000s",
                              w, m, seen);
        }
        assert_hashes(hashes);
        attack_box_free(b, 3);
}
END_TEST

/* --init: initproc is PID 1, run from a sealed memfd; INIT (root, default
 * caps) attacks it directly. */
START_TEST(test_init_pid1)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *hashes = attack_pbox_hashes();
        struct run_result r = {0};

        test_box_run_sh(
            b, &r,
            "echo exe=$(readlink /proc/1/exe);"
            "{ printf PWNED >> /proc/1/exe; } 2>/dev/null && echo WROTE-EXE;"
            "{ printf PWNED 1<> /proc/1/exe; } 2>/dev/null && echo WROTE-EXE2;"
            "{ true < /proc/1/mem; } 2>/dev/null && echo OPEN-MEM;"
            "{ true 1<> /proc/1/mem; } 2>/dev/null && echo OPEN-MEM-W;"
            "{ sleep 5 4< /proc/1/exe & } 2>/dev/null; sleep 0.2;"
            "{ printf PWNED >> /proc/$!/fd/4; } 2>/dev/null && echo WROTE-HELD;"
            "kill $! 2>/dev/null; echo done",
            "--init", NULL);
        ck_run(r.status == 0 && attack_count(r.out, "done") == 1, &r,
               "the --init attack script ran");
        ck_run(attack_count(r.out, "WROTE") == 0 &&
                   attack_count(r.out, "OPEN-MEM") == 0,
               &r, "INIT wrote initproc's exe or opened its memory");
        ck_run(strstr(r.out, "exe=/bin/busybox") == NULL, &r,
               "with --init PID 1 must be initproc");
        run_result_free(&r);
        assert_hashes(hashes);
        attack_box_free(b, 3);
}
END_TEST

/* Plain mode: INIT is PID 1; /proc/self/exe and /proc/1/exe are the box's
 * own busybox, never a host pbox binary. */
START_TEST(test_init_self_exe)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *hashes = attack_pbox_hashes();
        struct run_result r = {0};

        test_box_run_sh(b, &r,
                        "readlink /proc/1/exe; readlink /proc/self/exe;"
                        "for d in /proc/[0-9]*; do readlink $d/exe; done |"
                        " grep -v '^/bin/busybox$' | sed 's/^/FOREIGN /';"
                        "echo done",
                        NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "/bin/busybox\n/bin/busybox\n"
                                               "done\n"),
               &r, "every process of a plain box runs the box's busybox");
        run_result_free(&r);
        assert_hashes(hashes);
        attack_box_free(b, 3);
}
END_TEST

static Suite *cve_suite(void)
{
        Suite *s = suite_create("cve_2019_5736");
        TCase *t = tcase_create("exe");

        tcase_set_timeout(t, 30);
        tcase_add_loop_test(t, test_race_enter_exe, 0, 2);
        tcase_add_test(t, test_init_pid1);
        tcase_add_test(t, test_init_self_exe);
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
