/* check_fault_limits.c — pbox under scarce resources: a low
 * RLIMIT_NOFILE for `pbox start` and `pbox enter`, a full file system
 * under --data-dir (no space, no inodes), a full log directory of a
 * detached box. Each either works or fails with 125 and one line
 * (SPEC §3), and nothing is left behind. Root only. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "harness.h"

#define REPORT_LEN 16384
#define IDLE       "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"

#define ck_run(cond, r, what)                                                  \
        ck_assert_msg(cond,                                                    \
                      "%s: status %d\n--- stdout:\n%.2000s\n--- stderr:\n"     \
                      "%.2000s",                                               \
                      what, (r)->status, (r)->out ? (r)->out : "",             \
                      (r)->err ? (r)->err : "")

static const int nofile[] = {8, 12, 16, 20, 24, 32, 48};
#define N_NOFILE ((int)(sizeof(nofile) / sizeof(nofile[0])))

static struct test_box *box_new(void)
{
        struct test_box *b = test_box_new();

        ck_assert_msg(b, "cannot set up a test box (rootfs, temp dir)");
        return b;
}

/* 125 and one line `pbox: ...` on stderr. */
static bool is_pbox_error(const struct run_result *r)
{
        return r->status == 125 && r->err && !strncmp(r->err, "pbox: ", 6) &&
               count_lines(r->err) == 1;
}

static void assert_gone_except(const struct test_box *b, const char *mp,
                               const char *what)
{
        char rep[REPORT_LEN];
        double end = now_secs() + 10;
        int n;

        while ((n = fault_leftovers_except(b->name, b->data_dir, mp, rep,
                                           sizeof(rep))) > 0 &&
               now_secs() < end)
                fault_sleep_ms(100);
        ck_assert_msg(n == 0, "%s: %d leftovers of %s:\n%s", what, n, b->name,
                      rep);
}

static void assert_works(struct test_box *b, const char *mp, const char *what)
{
        _cleanup_free_ char *out = NULL;

        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, what);
        out = test_box_enter_sh(b, "echo ok");
        ck_run(out && !strcmp(out, "ok\n"), &b->last, what);
        ck_run(test_box_stop(b) == 0, &b->last, what);
        assert_gone_except(b, mp, what);
}

/* ---- RLIMIT_NOFILE ------------------------------------------------------ */

/* _i = limit index * 2 + detached. */
START_TEST(test_nofile_start)
{
        int lim = nofile[_i / 2];
        bool detach = _i % 2;
        struct test_box *b = box_new();
        _cleanup_free_ char *bin = pbox_build_path("pbox");
        const char *argv[] = {bin,
                              "start",
                              "--name",
                              b->name,
                              "--data-dir",
                              b->data_dir,
                              "--rootfs",
                              b->rootfs,
                              detach ? "--detach" : "--",
                              detach ? "--" : "/bin/sh",
                              detach ? "/bin/sh" : "-c",
                              detach ? "-c" : "echo ok",
                              detach ? IDLE : NULL,
                              NULL};
        struct run_proc p;
        struct run_result r = {0};
        char what[96];

        snprintf(what, sizeof(what), "%s start with RLIMIT_NOFILE %d",
                 detach ? "detached" : "foreground", lim);
        ck_assert_int_eq(fault_run_start(&p, argv, lim, -1), 0);
        run_finish(&p, &r, 20);
        ck_run(is_pbox_error(&r) ||
                   (r.status == 0 && !strcmp(r.out, detach ? "" : "ok\n")),
               &r, what);
        fprintf(stderr, "%s: %s\n", what, r.status ? r.err : "works\n");
        if (detach && r.status == 0) {
                _cleanup_free_ char *out = test_box_enter_sh(b, "echo ok");

                ck_run(out && !strcmp(out, "ok\n"), &b->last, what);
                ck_run(test_box_stop(b) == 0, &b->last, what);
        }
        run_result_free(&r);
        assert_gone_except(b, "", what);
        assert_works(b, "", what);
        test_box_free(b);
}
END_TEST

START_TEST(test_nofile_enter)
{
        int lim = nofile[_i];
        struct test_box *b = box_new();
        _cleanup_free_ char *bin = pbox_build_path("pbox");
        _cleanup_free_ char *out = NULL;
        const char *argv[] = {bin,          "enter",     "--name", b->name,
                              "--data-dir", b->data_dir, "--",     "/bin/sh",
                              "-c",         "echo ok",   NULL};
        struct run_proc p;
        struct run_result r = {0};
        char what[96];

        snprintf(what, sizeof(what), "enter with RLIMIT_NOFILE %d", lim);
        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "start");
        ck_assert_int_eq(fault_run_start(&p, argv, lim, -1), 0);
        run_finish(&p, &r, 20);
        ck_run(is_pbox_error(&r) || (r.status == 0 && !strcmp(r.out, "ok\n")),
               &r, what);
        fprintf(stderr, "%s: %s\n", what, r.status ? r.err : "works\n");
        run_result_free(&r);
        out = test_box_enter_sh(b, "echo ok");
        ck_run(out && !strcmp(out, "ok\n"), &b->last,
               "the box must keep working");
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        assert_gone_except(b, "", what);
        test_box_free(b);
}
END_TEST

/* ---- Full file systems -------------------------------------------------- */

/* Fill the file system at dir: one file until ENOSPC, or (inodes) empty
 * files until ENOSPC. */
static void fill(const char *dir, bool inodes)
{
        static char block[4096];
        char path[4096];

        memset(block, 'x', sizeof(block));
        for (int i = 0;; i++) {
                _cleanup_close_ int fd = -EBADF;

                snprintf(path, sizeof(path), "%s/fill%d", dir, i);
                fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                if (fd < 0) {
                        ck_assert_msg(errno == ENOSPC, "fill %s: %m", path);
                        return;
                }
                if (inodes)
                        continue;
                while (write(fd, block, sizeof(block)) > 0)
                        ;
                ck_assert_msg(errno == ENOSPC, "fill %s: %m", path);
                if (i > 1000)
                        return;
        }
}

static void unfill(const char *dir)
{
        char path[4096];

        for (int i = 0; i < 100000; i++) {
                snprintf(path, sizeof(path), "%s/fill%d", dir, i);
                if (unlink(path) < 0 && errno == ENOENT)
                        break;
        }
}

/* _i: 0 no space left (size=64k), 1 no inode left (nr_inodes=16). */
START_TEST(test_full_data_dir)
{
        struct test_box *b = box_new();
        const char *opts =
            _i ? "size=1m,nr_inodes=16,mode=0755" : "size=64k,mode=0755";
        const char *extra[] = {"--detach", "--", "/bin/sh", "-c", IDLE, NULL};
        struct run_result r = {0};
        const char *what = _i ? "start on a data dir without inodes"
                              : "start on a full data dir";

        ck_assert_msg(mount("pbox-fault", b->data_dir, "tmpfs", 0, opts) == 0,
                      "mount tmpfs: %m");
        fill(b->data_dir, _i);
        test_box_startv(b, &r, 20, extra);
        fprintf(stderr, "%s: status %d: %s", what, r.status, r.err);
        if (r.status == 0) {
                /* It may work; then it must work entirely. */
                _cleanup_free_ char *out = test_box_enter_sh(b, "echo ok");

                ck_run(out && !strcmp(out, "ok\n"), &b->last, what);
                ck_run(test_box_stop(b) == 0, &b->last, what);
        } else {
                ck_run(is_pbox_error(&r), &r, what);
        }
        run_result_free(&r);
        assert_gone_except(b, b->data_dir, what);
        unfill(b->data_dir);
        assert_works(b, b->data_dir, "start after space was freed");
        /* pbox's own files (_log) stay in the tmpfs; detach it. */
        ck_assert_int_eq(umount2(b->data_dir, MNT_DETACH), 0);
        assert_gone_except(b, "", "after the tmpfs is gone");
        test_box_free(b);
}
END_TEST

/* A detached box whose DATA_DIR/_log is a full file system, INIT writing
 * plenty: the start works or fails with 125; enters and stop behave. */
START_TEST(test_full_log)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *log = test_box_path(b, "data/_log");
        _cleanup_free_ char *out = NULL;
        const char *init = "i=0; while [ $i -lt 2000 ]; do echo line $i; "
                           "echo err $i >&2; i=$((i+1)); done; " IDLE;

        ck_assert_int_eq(mkdir(log, 0700), 0);
        ck_assert_msg(
            mount("pbox-fault", log, "tmpfs", 0, "size=16k,mode=0700") == 0,
            "mount tmpfs: %m");
        fill(log, false);
        test_box_start_detached(b, "--", "/bin/sh", "-c", init, NULL);
        fprintf(stderr, "start with a full log dir: status %d: %s",
                b->last.status, b->last.err);
        if (b->last.status == 0) {
                struct run_result r = {0};
                const char *argv[] = {
                    "enter", "--name",  b->name, "--data-dir", b->data_dir,
                    "--",    "/bin/sh", "-c",    "echo ok",    NULL};

                /* The audit log lives there too: an enter works or is
                 * refused with one line. */
                run_pbox(&r, NULL, 10, argv);
                fprintf(stderr, "enter with a full log dir: status %d: %s",
                        r.status, r.err);
                ck_run(is_pbox_error(&r) ||
                           (r.status == 0 && !strcmp(r.out, "ok\n")),
                       &r, "enter with a full log dir");
                run_result_free(&r);
                ck_run(test_box_stop(b) == 0, &b->last,
                       "stop with a full log dir");
        } else {
                ck_run(is_pbox_error(&b->last), &b->last,
                       "start with a full log dir");
        }
        assert_gone_except(b, log, "full log dir");
        unfill(log);
        out = test_box_enter_sh(b, "true"); /* box is gone: must fail */
        ck_assert_ptr_null(out);
        assert_works(b, log, "start after the log dir was freed");
        ck_assert_int_eq(umount2(log, MNT_DETACH), 0);
        assert_gone_except(b, "", "after the tmpfs is gone");
        test_box_free(b);
}
END_TEST

static Suite *limits_suite(void)
{
        Suite *s = suite_create("fault_limits");
        TCase *f = tcase_create("nofile");
        TCase *d = tcase_create("full");

        tcase_set_timeout(f, 30);
        tcase_set_timeout(d, 30);
        tcase_add_loop_test(f, test_nofile_start, 0, 2 * N_NOFILE);
        tcase_add_loop_test(f, test_nofile_enter, 0, N_NOFILE);
        tcase_add_loop_test(d, test_full_data_dir, 0, 2);
        tcase_add_test(d, test_full_log);
        suite_add_tcase(s, f);
        suite_add_tcase(s, d);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(limits_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
