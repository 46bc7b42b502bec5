/* check_sec_seccomp.c — the syscall allow-lists (SPEC §1): the broker,
 * the mounter after create and initproc with --init each run under a
 * seccomp filter that kills the process on anything else.
 *
 * Two halves. "lists": a forked child installs a component's real list
 * (libbroker.a, libmounter.a, libinitproc.a) and makes allowed and
 * forbidden calls; a forbidden one must end it by SIGSYS, and the
 * mounter's hot-plug path (rootfs_device_add/remove) must run under its
 * list. "boxes": real boxes in every flow, checking `pbox status --json`
 * shows seccomp 2 and that no component was killed by its filter: the
 * exit status of `pbox start` is init's, and a detached broker (reparented
 * to this test, a child subreaper) exits with init's status too — a
 * SIGSYS in the mounter turns that into 125, in initproc into 128+31.
 * Root only; run by tests/run-tests.sh with PBOX_BUILD set. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "ipc.h"
#include "seccomp_allow.h"
#include "testutil.h"
#include "../../broker/seccomp.h"
#include "../../initproc/seccomp.h"
#include "../../mounter/rootfs.h"
#include "../../mounter/seccomp.h"

#define REPORT_LEN 8192

#define ck_run(cond, r, what)                                                  \
        ck_assert_msg(cond,                                                    \
                      "%s: status %d\n--- stdout:\n%.3000s\n--- stderr:\n"     \
                      "%.3000s",                                               \
                      what, (r)->status, (r)->out ? (r)->out : "",             \
                      (r)->err ? (r)->err : "")

/* ---- lists: one forked child per case -------------------------------- */

enum list { L_BROKER, L_MOUNTER, L_INITPROC };

static int install(enum list l)
{
        switch (l) {
        case L_BROKER:
                return broker_seccomp_install();
        case L_MOUNTER:
                return mounter_seccomp_install();
        case L_INITPROC:
                return initproc_seccomp_install();
        }
        return -EINVAL;
}

/* Fork; the child sets no_new_privs (except for the mounter, which keeps
 * CAP_SYS_ADMIN instead, as in pbox-mounter), installs list l, runs fn and
 * _exit()s with its result. Returns the child's wait status. */
static int in_child(enum list l, int (*fn)(void *), void *arg)
{
        pid_t pid = fork();
        int st = 0;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int r;

                if (l != L_MOUNTER &&
                    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(100);
                r = install(l);
                if (r < 0)
                        _exit(101);
                _exit(fn(arg));
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        return st;
}

static void assert_sigsys(int st, const char *what)
{
        ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
                      "%s: expected death by SIGSYS, got status 0x%x", what,
                      st);
}

static void assert_exit0(int st, const char *what)
{
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "%s: expected exit 0, got status 0x%x", what, st);
}

static int call_mount(void *arg)
{
        (void)arg;
        (void)mount("none", "/nonexistent", "tmpfs", 0, NULL);
        return 0;
}

static int call_fork(void *arg)
{
        (void)arg;
        if (syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == 0)
                _exit(0);
        return 0;
}

#ifndef PBOX_SAN
static int call_open(void *arg)
{
        (void)arg;
        (void)open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        return 0;
}
#endif

static int call_kill(void *arg)
{
        (void)arg;
        (void)kill(getppid(), 0);
        return 0;
}

static int call_unshare(void *arg)
{
        (void)arg;
        (void)syscall(SYS_unshare, 0);
        return 0;
}

static int call_socket(void *arg)
{
        (void)arg;
        (void)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
        return 0;
}

static int call_ptrace(void *arg)
{
        (void)arg;
        (void)syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
        return 0;
}

START_TEST(test_forbidden_kills)
{
        static const struct {
                enum list l;
                int (*fn)(void *);
                const char *what;
        } cases[] = {
            {L_BROKER, call_mount, "broker: mount"},
            {L_BROKER, call_fork, "broker: clone"},
            {L_BROKER, call_kill, "broker: kill"},
            {L_BROKER, call_socket, "broker: socket"},
            {L_MOUNTER, call_mount, "mounter: mount"},
            {L_MOUNTER, call_fork, "mounter: clone"},
            {L_MOUNTER, call_socket, "mounter: socket"},
            {L_MOUNTER, call_ptrace, "mounter: ptrace"},
            {L_INITPROC, call_unshare, "initproc: unshare"},
#ifndef PBOX_SAN /* the sanitizer runtime may open files for reports */
            {L_BROKER, call_open, "broker: open"},
            {L_INITPROC, call_open, "initproc: open"},
#endif
            {L_INITPROC, call_fork, "initproc: clone"},
            {L_INITPROC, call_mount, "initproc: mount"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_sigsys(in_child(cases[i].l, cases[i].fn, NULL),
                              cases[i].what);
}
END_TEST

/* The broker may only ioctl its terminal: isatty() on a pipe is fine
 * (ENOTTY), any other request kills. */
static int broker_ioctls(void *arg)
{
        int *p = arg;
        int n;

        if (isatty(p[0]) || errno != ENOTTY)
                return 1;
        (void)ioctl(p[0], FIONREAD, &n);
        return 0;
}

START_TEST(test_broker_ioctl_filter)
{
        int p[2];

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        assert_sigsys(in_child(L_BROKER, broker_ioctls, p), "broker: FIONREAD");
        close(p[0]);
        close(p[1]);
}
END_TEST

/* What the event loop does, under the list: relay bytes, rewrite a file
 * it holds, reap a child created before the filter. */
static int broker_loop_calls(void *arg)
{
        int *fds = arg;
        char buf[8];
        int st;

        if (write(fds[1], "abc", 3) != 3 || read(fds[0], buf, 3) != 3)
                return 1;
        if (pwrite(fds[2], "state", 5, 0) != 5 || ftruncate(fds[2], 5) < 0)
                return 2;
        if (waitpid(-1, &st, 0) < 0 && errno != ECHILD)
                return 3;
        return 0;
}

START_TEST(test_broker_loop_allowed)
{
        char path[] = "/tmp/pbox-sec-seccomp-XXXXXX";
        int fds[3];

        ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
        fds[2] = mkostemp(path, O_CLOEXEC);
        ck_assert_int_ge(fds[2], 0);
        unlink(path);
        assert_exit0(in_child(L_BROKER, broker_loop_calls, fds),
                     "broker loop calls");
        for (int i = 0; i < 3; i++)
                close(fds[i]);
}
END_TEST

/* Device hot-plug in a running box, as pbox-mounter does it after create:
 * host glob, then mkdirat/mknodat/fchownat/unlinkat inside the root fd. */
static int hotplug(void *arg)
{
        const char *root = arg;
        struct ipc_mnt_device d = {.path = (char *)"/dev/nul[l]",
                                   .permissions = (char *)"rwm",
                                   .file_mode = 0600};
        _cleanup_close_ int rootfd = -EBADF;
        char err[IPC_ERRMSG_MAX] = "";
        struct stat st;

        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return 1;
        if (rootfs_device_add(rootfd, &d, err, sizeof(err)) != 1)
                return 2;
        if (fstatat(rootfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISCHR(st.st_mode) || (st.st_mode & 07777) != 0600)
                return 3;
        /* again: the old node is replaced */
        if (rootfs_device_add(rootfd, &d, err, sizeof(err)) != 1)
                return 4;
        if (rootfs_device_remove(rootfd, "/dev/null", err, sizeof(err)) < 0)
                return 5;
        if (fstatat(rootfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW) == 0)
                return 6;
        return 0;
}

START_TEST(test_mounter_hotplug_allowed)
{
        char tmp[] = "/tmp/pbox-sec-seccomp-XXXXXX";
        _cleanup_free_ char *dev = NULL, *node = NULL;
        int st;

        ck_assert_ptr_nonnull(mkdtemp(tmp));
        ck_assert_int_ge(asprintf(&dev, "%s/dev", tmp), 0);
        st = in_child(L_MOUNTER, hotplug, tmp);
        ck_assert_int_ge(asprintf(&node, "%s/null", dev), 0);
        (void)unlink(node); /* if the child died half-way */
        (void)rmdir(dev);
        ck_assert_int_eq(rmdir(tmp), 0);
        assert_exit0(st, "mounter device add/remove");
}
END_TEST

static int getppid_call(void *arg)
{
        (void)arg;
        (void)syscall(SYS_getppid);
        return 0;
}

/* Unknown and foreign names are skipped, duplicates are fine, and the
 * filter does not set no_new_privs by itself. */
static int library_semantics(void *arg)
{
        static const char *const names[] = {
            "write", "no_such_syscall", "socketcall" /* not on x86_64 */,
            "write", "exit_group",      "",
            "prctl"};
        int r;

        (void)arg;
        r = seccomp_allow(names, ELEMENTSOF(names));
        if (r < 0)
                return 10;
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
                return 11;
        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
                return 12;
        if (write(-1, "", 0) >= 0 || errno != EBADF)
                return 13;
        return getppid_call(NULL) + 7; /* dies first */
}

START_TEST(test_library)
{
        pid_t pid = fork();
        int st;

        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                _exit(library_semantics(NULL)); /* as root: CAP_SYS_ADMIN */
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        assert_sigsys(st, "getppid not in the list");
}
END_TEST

/* Neither no_new_privs nor CAP_SYS_ADMIN: refused, nothing loaded. */
START_TEST(test_needs_nnp_or_admin)
{
        pid_t pid = fork();
        int st;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                static const char *const names[] = {"exit_group"};

                if (setresuid(65534, 65534, 65534) < 0)
                        _exit(1);
                if (seccomp_allow(names, 1) != -EACCES)
                        _exit(2);
                if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
                        _exit(3);
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        assert_exit0(st, "seccomp_allow without nnp or CAP_SYS_ADMIN");
}
END_TEST

#if defined(__x86_64__)
/* A 32-bit syscall (int 0x80) is another ABI: killed, not filtered by
 * the wrong numbers. */
static int i386_getpid(void *arg)
{
        long ret = 20; /* __NR_getpid on i386 */

        (void)arg;
        __asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
        return 0;
}

START_TEST(test_other_abi_kills)
{
        pid_t pid = fork();
        int st;

        /* Only where the kernel runs 32-bit syscalls at all. */
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
                _exit(i386_getpid(NULL));
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        if (!WIFEXITED(st))
                return;
        assert_sigsys(in_child(L_BROKER, i386_getpid, NULL), "int 0x80");
}
END_TEST
#endif

/* ---- boxes: the real binaries --------------------------------------- */

static struct test_box *box_new(void)
{
        struct test_box *b = test_box_new();

        ck_assert_msg(b, "cannot set up a test box (rootfs, temp dir)");
        return b;
}

static void assert_no_leftovers(const struct test_box *b)
{
        char rep[REPORT_LEN];
        int n = leftovers_wait(b->name, b->data_dir, rep, sizeof(rep), 10);

        ck_assert_msg(n == 0, "%d leftovers of box %s:\n%s", n, b->name, rep);
}

/* The component's "seccomp" in status JSON, -1 if it is not listed. */
static long long comp_seccomp(const char *json, const char *name)
{
        _cleanup_free_ char *c = json_component(json, name);

        return c ? json_get_int(c, "seccomp") : -1;
}

static pid_t comp_pid(const char *json, const char *name)
{
        _cleanup_free_ char *c = json_component(json, name);

        return c ? (pid_t)json_get_int(c, "pid") : -1;
}

/* Status of a detached broker, reparented to us (child subreaper). */
static int broker_status(pid_t broker)
{
        int st = 0;

        for (int i = 0; i < 200; i++) {
                pid_t w = waitpid(broker, &st, WNOHANG);

                if (w == broker)
                        return WIFEXITED(st) ? WEXITSTATUS(st)
                                             : 128 + WTERMSIG(st);
                if (w < 0)
                        return -errno;
                usleep(50000);
        }
        return -ETIMEDOUT;
}

/* Start detached with extra options, check every component is filtered,
 * `pbox stop --timeout T`, and check the broker's own exit status. */
static void detached_flow(bool minimal_init, const char *init_sh,
                          const char *timeout, int want_status,
                          const char *const *extra)
{
        struct test_box *b = box_new();
        const char *args[24] = {"--detach"};
        struct run_result r0 = {0};
        _cleanup_free_ char *json = NULL;
        size_t n = 1;
        pid_t broker;
        int r;

        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
        if (minimal_init)
                args[n++] = "--init";
        for (; extra && *extra && n < 16; extra++)
                args[n++] = *extra;
        args[n++] = "--";
        args[n++] = "/bin/sh";
        args[n++] = "-c";
        args[n++] = init_sh;
        args[n] = NULL;
        r = test_box_startv(b, &r0, 20, args);
        ck_run(r == 0, &r0, "start --detach");
        run_result_free(&r0);
        json = test_box_status_json(b);
        ck_run(json != NULL, &b->last, "status --json");
        ck_assert_msg(comp_seccomp(json, "broker") == 2, "broker: %s", json);
        ck_assert_msg(comp_seccomp(json, "mounter") == 2, "mounter: %s", json);
        if (minimal_init)
                ck_assert_msg(comp_seccomp(json, "initproc") == 2,
                              "initproc: %s", json);
        broker = comp_pid(json, "broker");
        ck_assert_int_gt(broker, 0);
        {
                /* pbox stop waits for the broker to be gone, and it stays
                 * a zombie until we reap it: stop in the background. */
                const char *stop[] = {"stop",       "--name",    b->name,
                                      "--data-dir", b->data_dir, "--timeout",
                                      timeout,      NULL};
                struct run_result sr = {0};
                struct run_proc p;

                ck_assert_int_eq(run_pbox_start(&p, stop), 0);
                r = broker_status(broker);
                run_finish(&p, &sr, 30);
                ck_run(sr.status == 0, &sr, "pbox stop");
                run_result_free(&sr);
        }
        ck_assert_msg(r == want_status,
                      "detached broker exited %d, want %d (init's status)", r,
                      want_status);
        assert_no_leftovers(b);
        test_box_free(b);
}

START_TEST(test_box_detached_stop)
{
        detached_flow(false, "trap 'exit 0' TERM; while :; do sleep 1; done",
                      "10", 0, NULL);
}
END_TEST

START_TEST(test_box_detached_init_kill)
{
        /* INIT ignores the stop signal: the box is killed after 1 s. */
        detached_flow(true, "trap '' TERM; while :; do sleep 1; done", "1", 137,
                      NULL);
}
END_TEST

START_TEST(test_box_detached_options)
{
        static const char *const extra[] = {
            "--net",      "none", "--device", "path=/dev/zero;fileMode=0600",
            "--hostname", "sec",  NULL};

        detached_flow(true, "trap 'exit 0' TERM; while :; do sleep 1; done",
                      "10", 0, extra);
}
END_TEST

/* Device hot-plug through enterd, the broker and the filtered mounter. */
START_TEST(test_box_device_hotplug)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *json = NULL, *out = NULL;
        struct run_result r = {0};
        int st;

        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "start");
        json = test_box_status_json(b);
        ck_run(json && comp_seccomp(json, "mounter") == 2, &b->last, json);
        st = run_pboxv(&r, NULL, 20, "device", "add", "--name", b->name,
                       "--data-dir", b->data_dir,
                       "path=/dev/zero;fileMode=0600", NULL);
        ck_run(st == 0, &r, "device add");
        run_result_free(&r);
        out = test_box_enter_sh(b, "stat -c %a /dev/zero");
        ck_run(out && strcmp(out, "600\n") == 0, &b->last, "node in the box");
        st = run_pboxv(&r, NULL, 20, "device", "remove", "--name", b->name,
                       "--data-dir", b->data_dir, "/dev/zero", NULL);
        ck_run(st == 0, &r, "device remove");
        run_result_free(&r);
        st =
            run_pboxv(&r, NULL, 20, "device", "add", "--name", b->name,
                      "--data-dir", b->data_dir, "path=/dev/nonexistent", NULL);
        ck_run(st == 125, &r, "device add of a missing host node");
        run_result_free(&r);
        free(json);
        json = test_box_status_json(b);
        ck_run(json && comp_seccomp(json, "mounter") == 2, &b->last,
               "mounter still alive");
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        assert_no_leftovers(b);
        test_box_free(b);
}
END_TEST

/* Foreground: `pbox start`'s status is init's in every flow. */
START_TEST(test_box_foreground)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *vol = test_box_path(b, "vol");
        _cleanup_free_ char *volspec = NULL;
        struct run_result r = {0};
        int st;

        ck_assert_int_eq(mkdir(vol, 0755), 0);
        ck_assert_int_ge(asprintf(&volspec, "%s:/mnt/vol", vol), 0);
        st = test_box_run_sh(b, &r, "echo out; echo err >&2; exit 3", NULL);
        ck_run(st == 3 && strcmp(r.out, "out\n") == 0, &r, "plain");
        run_result_free(&r);
        st = test_box_run_sh(b, &r, "sleep 0.1 & echo init; exit 4", "--init",
                             NULL);
        ck_run(st == 4 && strcmp(r.out, "init\n") == 0, &r, "--init");
        run_result_free(&r);
        st = test_box_run_sh(b, &r, "ls /mnt/vol >/dev/null && exit 5", "--net",
                             "none", "--volume", volspec, "--device",
                             "path=/dev/zero", "--init", NULL);
        ck_run(st == 5, &r, "--net none, volume, device, --init");
        run_result_free(&r);
        st = test_box_run_sh(b, &r, "exit 0", "--user", "nosuchuser", NULL);
        ck_run(st == 125, &r, "unknown user");
        run_result_free(&r);
        {
                const char *const e1[] = {"--", "/nonexistent", NULL};
                const char *const e2[] = {"--init", "--", "/nonexistent", NULL};

                st = test_box_startv(b, &r, 20, e1);
                ck_run(st == 127, &r, "missing INIT");
                run_result_free(&r);
                st = test_box_startv(b, &r, 20, e2);
                ck_run(st == 127, &r, "missing INIT, --init");
                run_result_free(&r);
        }
        assert_no_leftovers(b);
        test_box_free(b);
}
END_TEST

/* SIGTERM to the foreground broker: the stop signal reaches INIT, whose
 * status `pbox start` returns. */
START_TEST(test_box_sigterm)
{
        struct test_box *b = box_new();
        const char *argv[] = {"start",
                              "--name",
                              b->name,
                              "--data-dir",
                              b->data_dir,
                              "--rootfs",
                              b->rootfs,
                              "--init",
                              "--",
                              "/bin/sh",
                              "-c",
                              "trap 'exit 7' TERM; echo up; "
                              "while :; do sleep 1 & wait $!; done",
                              NULL};
        struct run_proc p;
        struct run_result r = {0};
        pid_t broker = -1;

        ck_assert_int_eq(run_pbox_start(&p, argv), 0);
        for (int i = 0; i < 100 && broker <= 0; i++) {
                _cleanup_free_ char *json = test_box_status_json(b);
                _cleanup_free_ char *state =
                    json ? json_get_str(json, "state") : NULL;

                if (state && strcmp(state, "running") == 0)
                        broker = comp_pid(json, "broker");
                else
                        usleep(100000);
        }
        ck_assert_int_gt(broker, 0);
        ck_assert_int_eq(kill(broker, SIGTERM), 0);
        run_finish(&p, &r, 30);
        ck_run(r.status == 7 && strcmp(r.out, "up\n") == 0, &r,
               "SIGTERM to pbox start");
        run_result_free(&r);
        assert_no_leftovers(b);
        test_box_free(b);
}
END_TEST

/* -t under a pty (script), and a host terminal relayed without -t: the
 * broker's terminal ioctls (raw mode, window size) are allowed. */
START_TEST(test_box_tty)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *pbox = pbox_build_path("pbox");
        static const char *const inits[] = {"test -t 0 && exit 5",
                                            "test -t 0 || exit 6"};
        static const char *const tflag[] = {"-t", ""};

        for (size_t i = 0; i < ELEMENTSOF(inits); i++) {
                _cleanup_free_ char *cmd = NULL;
                struct run_result r = {0};
                const char *argv[] = {"script", "-qec", NULL, "/dev/null",
                                      NULL};

                ck_assert_int_ge(asprintf(&cmd,
                                          "%s start --name %s --data-dir %s "
                                          "--rootfs %s %s -- /bin/sh -c '%s'",
                                          pbox, b->name, b->data_dir, b->rootfs,
                                          tflag[i], inits[i]),
                                 0);
                argv[2] = cmd;
                run_cmd(&r, NULL, 30, argv);
                ck_run(r.status == 5 + (int)i, &r, cmd);
                run_result_free(&r);
        }
        assert_no_leftovers(b);
        test_box_free(b);
}
END_TEST

static Suite *seccomp_suite(void)
{
        Suite *s = suite_create("sec_seccomp");
        TCase *l = tcase_create("lists");
        TCase *x = tcase_create("boxes");

        tcase_add_test(l, test_forbidden_kills);
        tcase_add_test(l, test_broker_ioctl_filter);
        tcase_add_test(l, test_broker_loop_allowed);
        tcase_add_test(l, test_mounter_hotplug_allowed);
        tcase_add_test(l, test_library);
        tcase_add_test(l, test_needs_nnp_or_admin);
#if defined(__x86_64__)
        tcase_add_test(l, test_other_abi_kills);
#endif
        suite_add_tcase(s, l);
        tcase_add_test(x, test_box_foreground);
        tcase_add_test(x, test_box_detached_stop);
        tcase_add_test(x, test_box_detached_init_kill);
        tcase_add_test(x, test_box_detached_options);
        tcase_add_test(x, test_box_sigterm);
        tcase_add_test(x, test_box_device_hotplug);
        tcase_add_test(x, test_box_tty);
        suite_add_tcase(s, x);
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        setenv("CK_DEFAULT_TIMEOUT", "120", 0);
        sr = srunner_create(seccomp_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
