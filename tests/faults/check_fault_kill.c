/* check_fault_kill.c — SIGKILL of each pbox component (SPEC §5: "a
 * crashed or killed component takes the box down cleanly"): broker (the
 * foreground `pbox start`), mounter, janitor, initproc (--init), enterd
 * front and enterd spawner, at delays swept over the start handshake, at
 * delays swept over an enter, and while running with an enter in
 * progress; and SIGKILL of a `pbox enter` client mid-stream. After each:
 * nothing left within 10 s and a box of the same name starts and works.
 * Root only; kills only pids of the box under test. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

enum comp {
        C_BROKER,
        C_MOUNTER,
        C_JANITOR,
        C_INITPROC,
        C_ENTERD,
        C_SPAWNER,
        C_N
};
static const char *const comp_name[C_N] = {
    "broker", "mounter", "janitor", "initproc", "enterd", "enterd-spawner"};

static struct test_box *box_new(void)
{
        struct test_box *b = test_box_new();

        ck_assert_msg(b, "cannot set up a test box (rootfs, temp dir)");
        return b;
}

/* Nothing of the box left within 10 s of `what`. */
static void assert_gone(const struct test_box *b, const char *what)
{
        char rep[REPORT_LEN];
        int n = leftovers_wait(b->name, b->data_dir, rep, sizeof(rep), 10);

        ck_assert_msg(n == 0, "10 s after %s: %d leftovers of %s:\n%s", what, n,
                      b->name, rep);
}

/* A box of the same name starts again, runs an enter, stops cleanly. */
static void assert_restarts(struct test_box *b, const char *what)
{
        _cleanup_free_ char *out = NULL;
        char rep[REPORT_LEN];
        int n;

        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, what);
        out = test_box_enter_sh(b, "echo ok");
        ck_run(out && !strcmp(out, "ok\n"), &b->last, what);
        ck_run(test_box_stop(b) == 0, &b->last, what);
        n = leftovers_wait(b->name, b->data_dir, rep, sizeof(rep), 5);
        ck_assert_msg(n == 0, "%s: after a clean stop: %d leftovers:\n%s", what,
                      n, rep);
}

/* Poll `pbox status --json` until state is running; the JSON, or fail. */
static char *wait_running(struct test_box *b, double timeout_s)
{
        double end = now_secs() + timeout_s;

        for (;;) {
                char *json = test_box_status_json(b);
                _cleanup_free_ char *st = json_get_str(json, "state");

                if (st && !strcmp(st, "running"))
                        return json;
                free(json);
                if (now_secs() > end)
                        break;
                usleep(20 * 1000);
        }
        ck_run(0, &b->last, "box never reported state running");
        return NULL;
}

static pid_t json_pid(const char *json, const char *name)
{
        _cleanup_free_ char *c = json_component(json, name);

        return c ? (pid_t)json_get_int(c, "pid") : 0;
}

/* The pid of component c of a running box, from its status JSON (the
 * janitor, which status does not show, as the mounter's child). */
static pid_t running_pid(struct test_box *b, const char *json, enum comp c)
{
        switch (c) {
        case C_BROKER:
        case C_MOUNTER:
        case C_ENTERD:
        case C_SPAWNER:
                return json_pid(json, comp_name[c]);
        case C_INITPROC:
                return json_pid(json, "initproc") > 0
                           ? json_pid(json, "initproc")
                           : (pid_t)json_get_int(json, "init_pid");
        case C_JANITOR:
                return fault_find("pbox-janitor", b->name,
                                  json_pid(json, "mounter"));
        case C_N:
                break;
        }
        return 0;
}

/* Component c of a box whose foreground `pbox start` is fg, found by
 * program name as soon as it exists (up to 5 s). */
static pid_t handshake_pid(struct test_box *b, pid_t fg, enum comp c)
{
        pid_t m, e;

        switch (c) {
        case C_BROKER:
                return fg;
        case C_MOUNTER:
                return fault_find_wait("pbox-mounter", b->name, fg, 5);
        case C_JANITOR:
                m = fault_find_wait("pbox-mounter", b->name, fg, 5);
                return m ? fault_find_wait("pbox-janitor", b->name, m, 5) : 0;
        case C_INITPROC: /* its cmdline names no box: the mounter's child */
                m = fault_find_wait("pbox-mounter", b->name, fg, 5);
                return m ? fault_find_wait("pbox-initproc", "", m, 5) : 0;
        case C_ENTERD:
                return fault_find_wait("pbox-enterd", b->name, fg, 5);
        case C_SPAWNER:
                e = fault_find_wait("pbox-enterd", b->name, fg, 5);
                return e ? fault_find_wait("pbox-enterd-sp", b->name, e, 5) : 0;
        case C_N:
                break;
        }
        return 0;
}

/* ---- Kill during the start handshake ---------------------------------- */

/* The sanitized build (make check's second pass) looks for memory errors,
 * not timing: it sweeps the same windows half as finely. */
#ifdef PBOX_SAN
#define HS_STEP_MS 4
#else
#define HS_STEP_MS 2
#endif
#define HS_MAX_MS 40
#define HS_CHUNKS 3 /* delays split over this many tests per component */

/* _i = component * HS_CHUNKS + chunk; delays d = 0, 2, ..., 40 ms after
 * `pbox start` was forked (then as soon as the component exists). */
START_TEST(test_kill_handshake)
{
        enum comp c = (enum comp)(_i / HS_CHUNKS);
        int chunk = _i % HS_CHUNKS;
        int ndelay = HS_MAX_MS / HS_STEP_MS + 1;
        struct test_box *b = box_new();

        for (int k = chunk; k < ndelay; k += HS_CHUNKS) {
                int d = k * HS_STEP_MS;
                const char *argv[] = {"start",
                                      "--name",
                                      b->name,
                                      "--data-dir",
                                      b->data_dir,
                                      "--rootfs",
                                      b->rootfs,
                                      c == C_INITPROC ? "--init" : "--",
                                      c == C_INITPROC ? "--" : "/bin/sh",
                                      c == C_INITPROC ? "/bin/sh" : "-c",
                                      c == C_INITPROC ? "-c" : IDLE,
                                      c == C_INITPROC ? IDLE : NULL,
                                      NULL};
                struct run_proc p;
                struct run_result r = {0};
                char what[128];
                pid_t pid;

                snprintf(what, sizeof(what),
                         "SIGKILL of %s %d ms into pbox start", comp_name[c],
                         d);
                ck_assert_int_eq(run_pbox_start(&p, argv), 0);
                fault_sleep_ms(d);
                pid = handshake_pid(b, p.pid, c);
                if (!pid || kill(pid, SIGKILL) < 0) {
                        run_finish(&p, &r, 1);
                        ck_run(0, &r, "component never appeared");
                }
                run_finish(&p, &r, 10);
                ck_run(r.status != RUN_TIMEOUT, &r, what);
                if (r.status == 125)
                        ck_run(count_lines(r.err) == 1, &r, what);
                run_result_free(&r);
                assert_gone(b, what);
                assert_restarts(b, what);
        }
        test_box_free(b);
}
END_TEST

/* ---- Kill during an enter --------------------------------------------- */

#ifdef PBOX_SAN
#define EN_STEP_MS 8
#else
#define EN_STEP_MS 4
#endif
#define EN_MAX_MS 40
#define EN_CHUNKS 2

/* _i = component * EN_CHUNKS + chunk; the component of a running box is
 * killed d = 0, 4, ..., 40 ms after `pbox enter` was forked: the client
 * must return, the box must go away. */
START_TEST(test_kill_during_enter)
{
        enum comp c = (enum comp)(_i / EN_CHUNKS);
        int chunk = _i % EN_CHUNKS;
        struct test_box *b = box_new();

        for (int k = chunk; k * EN_STEP_MS <= EN_MAX_MS; k += EN_CHUNKS) {
                int d = k * EN_STEP_MS;
                const char *argv[] = {
                    "enter",      "--name",    b->name,
                    "--data-dir", b->data_dir, "--",
                    "/bin/sh",    "-c",        "echo hi; sleep 30",
                    NULL};
                _cleanup_free_ char *json = NULL;
                struct run_proc p;
                struct run_result r = {0};
                char what[128];
                pid_t pid;

                snprintf(what, sizeof(what),
                         "SIGKILL of %s %d ms into pbox enter", comp_name[c],
                         d);
                if (c == C_INITPROC)
                        test_box_start_detached(b, "--init", NULL);
                else
                        test_box_start_detached(b, NULL);
                ck_run(b->last.status == 0, &b->last, "detached start");
                json = wait_running(b, 10);
                pid = running_pid(b, json, c);
                ck_assert_msg(fault_alive(pid), "no live %s in %s",
                              comp_name[c], json);
                ck_assert_int_eq(run_pbox_start(&p, argv), 0);
                fault_sleep_ms(d);
                ck_assert_int_eq(kill(pid, SIGKILL), 0);
                run_finish(&p, &r, 10);
                ck_run(r.status != RUN_TIMEOUT, &r, what);
                if (r.status == 125)
                        ck_run(count_lines(r.err) == 1, &r, what);
                run_result_free(&r);
                assert_gone(b, what);
                assert_restarts(b, what);
        }
        test_box_free(b);
}
END_TEST

/* ---- Kill while running, an enter in progress -------------------------- */

/* _i: a component (C_*), or C_N for the foreground `pbox start`. */
START_TEST(test_kill_running)
{
        enum comp c = _i == C_N ? C_BROKER : (enum comp)_i;
        bool fg = _i == C_N;
        struct test_box *b = box_new();
        _cleanup_free_ char *json = NULL,
                            *mark = test_box_path(b, "rootfs/tmp/entered");
        const char *sargv[] = {"start",     "--name",   b->name,   "--data-dir",
                               b->data_dir, "--rootfs", b->rootfs, "--",
                               "/bin/sh",   "-c",       IDLE,      NULL};
        const char *eargv[] = {
            "enter",      "--name",    b->name,
            "--data-dir", b->data_dir, "--",
            "/bin/sh",    "-c",        "touch /tmp/entered; exec sleep 30",
            NULL};
        struct run_proc sp = {0}, ep;
        struct run_result r = {0};
        char what[128];
        struct stat st;
        double end;
        pid_t pid;

        snprintf(what, sizeof(what), "SIGKILL of the running %s%s",
                 fg ? "foreground pbox start = " : "", comp_name[c]);
        if (fg)
                ck_assert_int_eq(run_pbox_start(&sp, sargv), 0);
        else if (c == C_INITPROC)
                test_box_start_detached(b, "--init", NULL);
        else
                test_box_start_detached(b, NULL);
        ck_run(fg || b->last.status == 0, &b->last, "detached start");
        json = wait_running(b, 10);
        pid = fg ? sp.pid : running_pid(b, json, c);
        ck_assert_msg(fault_alive(pid), "no live %s in %s", comp_name[c], json);
        if (fg)
                ck_assert_int_eq(pid, json_pid(json, "broker"));
        ck_assert_int_eq(run_pbox_start(&ep, eargv), 0);
        for (end = now_secs() + 10; stat(mark, &st) < 0 && now_secs() < end;)
                fault_sleep_ms(5);
        ck_assert_msg(stat(mark, &st) == 0, "the enter never ran");
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        run_finish(&ep, &r, 10);
        ck_run(r.status != RUN_TIMEOUT, &r, "pbox enter must return");
        run_result_free(&r);
        if (fg) {
                run_finish(&sp, &r, 10);
                run_result_free(&r);
        }
        assert_gone(b, what);
        unlink(mark);
        assert_restarts(b, what);
        test_box_free(b);
}
END_TEST

/* ---- A client killed mid-stream ---------------------------------------- */

START_TEST(test_kill_client_midstream)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *bin = pbox_build_path("pbox");
        const char *argv[] = {
            bin,  "enter", "--name",       b->name, "--data-dir", b->data_dir,
            "--", "dd",    "if=/dev/zero", "bs=1M", "count=200",  NULL};
        _cleanup_free_ char *out = NULL;
        struct run_proc p;
        struct run_result r = {0};
        static char buf[1 << 16];
        size_t got = 0;
        double end;
        pid_t dd = 0;
        int pp[2];

        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "start");
        ck_assert_int_eq(pipe2(pp, O_CLOEXEC), 0);
        ck_assert_int_eq(fault_run_start(&p, argv, 0, pp[1]), 0);
        close(pp[1]);
        /* Read 1 MiB of the stream, then stop reading: dd blocks. */
        for (end = now_secs() + 10; got < (1u << 20) && now_secs() < end;) {
                struct pollfd pfd = {pp[0], POLLIN, 0};
                ssize_t k;

                if (poll(&pfd, 1, 200) <= 0)
                        continue;
                k = read(pp[0], buf, sizeof(buf));
                if (k <= 0)
                        break;
                got += (size_t)k;
        }
        ck_assert_msg(got >= (1u << 20), "only %zu bytes came through", got);
        for (end = now_secs() + 5; !dd && now_secs() < end; fault_sleep_ms(10))
                dd = fault_find_in_box("dd", b->name);
        ck_assert_msg(dd > 0, "no dd in the box");
        ck_assert_int_eq(kill(p.pid, SIGKILL), 0);
        run_finish(&p, &r, 5);
        ck_assert_int_eq(r.status, 128 + SIGKILL);
        run_result_free(&r);
        for (end = now_secs() + 5; fault_alive(dd) && now_secs() < end;)
                fault_sleep_ms(20);
        ck_assert_msg(!fault_alive(dd),
                      "dd (pid %d) still runs 5 s after its client was killed",
                      (int)dd);
        close(pp[0]);
        out = test_box_enter_sh(b, "echo ok");
        ck_run(out && !strcmp(out, "ok\n"), &b->last,
               "the box must keep working");
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        assert_gone(b, "stop after a killed client");
        assert_restarts(b, "restart after a killed client");
        test_box_free(b);
}
END_TEST

static Suite *kill_suite(void)
{
        Suite *s = suite_create("fault_kill");
        TCase *h = tcase_create("handshake");
        TCase *e = tcase_create("enter");
        TCase *r = tcase_create("running");

        tcase_set_timeout(h, 30);
        tcase_set_timeout(e, 30);
        tcase_set_timeout(r, 30);
        tcase_add_loop_test(h, test_kill_handshake, 0, C_N * HS_CHUNKS);
        tcase_add_loop_test(e, test_kill_during_enter, 0, C_N * EN_CHUNKS);
        tcase_add_loop_test(r, test_kill_running, 0, C_N + 1);
        tcase_add_test(r, test_kill_client_midstream);
        suite_add_tcase(s, r);
        suite_add_tcase(s, h);
        suite_add_tcase(s, e);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(kill_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
