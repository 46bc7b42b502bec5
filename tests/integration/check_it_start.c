/* check_it_start.c — integration tests of `pbox start`, `stop` and
 * `status` (SPEC §2, §3, §5): each test starts real boxes on a fresh
 * busybox rootfs with a private --data-dir and observes them from inside
 * (INIT is a shell script whose output the test reads) or from the host
 * (status JSON, cgroup files, leftovers). Root only; run by
 * tests/run-tests.sh with PBOX_BUILD set. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "testutil.h"

#define REPORT_LEN 8192

/* Failure text: what, then pbox's status and output. */
#define ck_run(cond, r, what)                                                  \
        ck_assert_msg(cond,                                                    \
                      "%s: status %d\n--- stdout:\n%.3000s\n--- stderr:\n"     \
                      "%.3000s",                                               \
                      what, (r)->status, (r)->out ? (r)->out : "",             \
                      (r)->err ? (r)->err : "")

static struct test_box *box_new(void)
{
        struct test_box *b = test_box_new();

        ck_assert_msg(b, "cannot set up a test box (rootfs, temp dir)");
        return b;
}

static void assert_no_leftovers(const struct test_box *b, double wait_s)
{
        char rep[REPORT_LEN];
        int n = leftovers_wait(b->name, b->data_dir, rep, sizeof(rep), wait_s);

        ck_assert_msg(n == 0, "%d leftovers of box %s:\n%s", n, b->name, rep);
}

/* SPEC §3: status 125 and one line `pbox: ...` on stderr. */
static void assert_pbox_error(const struct run_result *r, const char *what)
{
        ck_run(r->status == 125, r, what);
        ck_run(strncmp(r->err, "pbox: ", 6) == 0 && count_lines(r->err) == 1, r,
               "error is not one line starting 'pbox: '");
}

static void write_file(const char *path, const char *data, mode_t mode)
{
        _cleanup_close_ int fd =
            open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        ck_assert_msg(fd >= 0, "open %s: %m", path);
        ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
        ck_assert_int_eq(fchmod(fd, mode), 0);
}

static char *read_file(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *s = NULL;
        size_t n = 0;

        if (!f)
                return NULL;
        if (getdelim(&s, &n, '\0', f) < 0) {
                free(s);
                return strdup("");
        }
        return s;
}

/* Does text hold exactly this line? */
static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);

                if (l == n && !memcmp(p, line, n))
                        return true;
                p = e ? e + 1 : NULL;
        }
        return false;
}

/* Value after "Key:\t" in /proc/PID/status text, malloc'd. */
static char *status_field(const char *text, const char *key)
{
        size_t kl = strlen(key);

        for (const char *p = text; p && *p;) {
                if (!strncmp(p, key, kl) && p[kl] == ':') {
                        const char *v = p + kl + 1;

                        v += strspn(v, " \t");
                        return strndup(v, strcspn(v, "\n"));
                }
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
        return NULL;
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
                usleep(100 * 1000);
        }
        ck_run(0, &b->last, "box never reported state running");
        return NULL;
}

/* Running: exists and is not a zombie. */
static bool pid_alive(long long pid)
{
        char path[64];
        _cleanup_free_ char *st = NULL;
        const char *paren;

        if (pid <= 1)
                return false;
        snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
        st = read_file(path);
        paren = st ? strrchr(st, ')') : NULL;
        return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static bool pid_dead(long long pid)
{
        return !pid_alive(pid);
}

/* ---- The harness itself (runs without the runtime) -------------------- */

START_TEST(test_harness_run_cmd)
{
        const char *ok[] = {"/bin/sh", "-c",
                            "read x; echo out:$x; echo err >&2; exit 3", NULL};
        const char *sig[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
        const char *none[] = {"/nonexistent/prog", NULL};
        struct run_result r = {0};

        ck_assert_int_eq(run_cmd(&r, "in\n", 5, ok), 3);
        ck_assert_str_eq(r.out, "out:in\n");
        ck_assert_str_eq(r.err, "err\n");
        run_result_free(&r);
        ck_assert_int_eq(run_cmd(&r, NULL, 5, sig), 137);
        run_result_free(&r);
        ck_assert_int_lt(run_cmd(&r, NULL, 5, none), 0);
        ck_assert_int_eq(r.status, RUN_NOEXEC);
        run_result_free(&r);
}
END_TEST

START_TEST(test_harness_timeout_kills_group)
{
        const char *argv[] = {"/bin/sh", "-c",
                              "sleep 60 & echo $!; exec sleep 60", NULL};
        struct run_result r = {0};
        pid_t bg;

        ck_assert_int_eq(run_cmd(&r, NULL, 1, argv), RUN_TIMEOUT);
        ck_assert_double_lt(r.secs, 5);
        bg = atoi(r.out);
        ck_assert_int_gt(bg, 1);
        for (int i = 0; i < 150 && !pid_dead(bg); i++)
                usleep(20 * 1000);
        ck_assert_msg(pid_dead(bg), "background child %d survived", bg);
        run_result_free(&r);
}
END_TEST

START_TEST(test_harness_json)
{
        const char *j =
            "{\"name\": \"b\\\"x\", \"state\":\"running\",\"init_pid\":42,"
            " \"started\": 1700000000, \"components\": [{\"name\":"
            "\"broker\",\"pid\":7,\"cap_eff\":\"0000000000000000\"},"
            "{\"name\":\"mounter\",\"pid\":8}], \"uptime_s\": 3}";
        _cleanup_free_ char *name = json_get_str(j, "name");
        _cleanup_free_ char *m = json_component(j, "mounter");
        _cleanup_free_ char *br = json_component(j, "broker");
        _cleanup_free_ char *none = json_component(j, "enterd");

        ck_assert_str_eq(name, "b\"x");
        ck_assert_int_eq(json_get_int(j, "init_pid"), 42);
        ck_assert_int_eq(json_get_int(j, "uptime_s"), 3);
        ck_assert_int_eq(json_get_int(j, "pid"), -1); /* not top-level */
        ck_assert_int_eq(json_get_int(j, "state"), -1);
        ck_assert_ptr_nonnull(m);
        ck_assert_int_eq(json_get_int(m, "pid"), 8);
        ck_assert_int_eq(json_get_int(br, "pid"), 7);
        ck_assert_ptr_null(none);
}
END_TEST

START_TEST(test_harness_leftovers)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *link = test_box_path(b, "pbox-broker");
        _cleanup_free_ char *state = NULL;
        _cleanup_free_ char *env = NULL;
        char rep[REPORT_LEN];
        struct run_proc p = {0};
        struct run_result r = {0};
        const char *argv[] = {"env", NULL, link, "30", NULL};

        ck_assert_int_eq(leftovers(b->name, b->data_dir, rep, sizeof(rep)), 0);
        /* a process named pbox-broker that mentions the box */
        ck_assert_int_eq(symlink("/bin/sleep", link), 0);
        ck_assert_int_ge(asprintf(&env, "PBOX_NAME=%s", b->name), 0);
        argv[1] = env;
        ck_assert_int_eq(run_start(&p, argv), 0);
        for (int i = 0; i < 100; i++) {
                if (leftovers(b->name, b->data_dir, rep, sizeof(rep)) == 1)
                        break;
                usleep(20 * 1000);
        }
        ck_assert_int_eq(leftovers(b->name, b->data_dir, rep, sizeof(rep)), 1);
        ck_assert_ptr_nonnull(strstr(rep, "pbox-broker"));
        kill(p.pid, SIGKILL);
        run_finish(&p, &r, 5);
        run_result_free(&r);
        /* its state directory */
        ck_assert_int_ge(asprintf(&state, "%s/%s", b->data_dir, b->name), 0);
        ck_assert_int_eq(mkdir(state, 0700), 0);
        ck_assert_int_eq(leftovers(b->name, b->data_dir, rep, sizeof(rep)), 1);
        ck_assert_int_eq(rmdir(state), 0);
        ck_assert_int_eq(leftovers(b->name, b->data_dir, rep, sizeof(rep)), 0);
        test_box_free(b);
}
END_TEST

/* ---- Exit status and INIT --------------------------------------------- */

START_TEST(test_exit_status)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "echo hi; exit 3", NULL);
        ck_run(r.status == 3, &r, "foreground start must return init's 3");
        ck_run(!strcmp(r.out, "hi\n"), &r, "init's stdout is start's");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* With --init, INIT is not PID 1 and can kill itself with SIGKILL. */
START_TEST(test_exit_signal_init_mode)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "kill -9 $$; exit 7", "--init", NULL);
        ck_run(r.status == 137, &r, "INIT killed by 9 must give 137");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* INIT as PID 1 ignores SIGKILL from inside; kill it from the host. */
START_TEST(test_exit_signal_pid1)
{
        struct test_box *b = box_new();
        const char *argv[] = {
            "start",     "--name",   b->name,         "--data-dir",
            b->data_dir, "--rootfs", b->rootfs,       "--",
            "/bin/sh",   "-c",       "exec sleep 60", NULL};
        struct run_proc p = {0};
        struct run_result r = {0};
        _cleanup_free_ char *json = NULL;
        long long init;

        ck_assert_int_eq(run_pbox_start(&p, argv), 0);
        json = wait_running(b, 10);
        init = json_get_int(json, "init_pid");
        ck_assert_msg(pid_alive(init), "init_pid %lld not alive: %s", init,
                      json);
        ck_assert_int_eq(kill((pid_t)init, SIGKILL), 0);
        run_finish(&p, &r, 15);
        ck_run(r.status == 137, &r, "init killed by 9 must give 137");
        assert_no_leftovers(b, 5);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* _i: bit 0 = not executable (else missing), bits 1-2 = mode. */
START_TEST(test_init_errors)
{
        static const char *const modes[][3] = {{NULL},
                                               {"--detach", NULL},
                                               {"--init", NULL},
                                               {"--init", "--detach", NULL}};
        struct test_box *b = box_new();
        bool noexec = _i & 1;
        const char *const *mode = modes[_i >> 1];
        const char *extra[8];
        struct run_result r = {0};
        size_t n = 0;
        int want = noexec ? 126 : 127;

        if (noexec) {
                _cleanup_free_ char *f = NULL;

                ck_assert_int_ge(asprintf(&f, "%s/notexec", b->rootfs), 0);
                write_file(f, "#!/bin/sh\necho ran\n", 0644);
        }
        for (size_t i = 0; mode[i]; i++)
                extra[n++] = mode[i];
        extra[n++] = "--";
        extra[n++] = noexec ? "/notexec" : "/no/such/init";
        extra[n] = NULL;
        test_box_startv(b, &r, 20, extra);
        ck_assert_msg(
            r.status == want, "%s INIT with %s %s: want %d, got %d\nstderr: %s",
            noexec ? "non-executable" : "missing", mode[0] ? mode[0] : "",
            mode[0] && mode[1] ? mode[1] : "", want, r.status, r.err);
        assert_no_leftovers(b, 5);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_pid1)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "echo $$", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "1\n"), &r,
               "INIT must be PID 1");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_pid1_init_mode)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        char pid[32] = "", comm[64] = "";

        test_box_run_sh(b, &r, "echo $$; cat /proc/1/comm", "--init", NULL);
        ck_run(r.status == 0 && sscanf(r.out, "%31s %63s", pid, comm) == 2, &r,
               "--init box");
        ck_run(strcmp(pid, "1") != 0, &r, "with --init INIT must not be 1");
        ck_run(!strcmp(comm, "pbox-initproc"), &r,
               "with --init PID 1 must be pbox-initproc");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Namespaces, hostname, mounts ------------------------------------ */

START_TEST(test_namespaces)
{
        static const char *const ns[] = {"mnt", "pid",    "uts",
                                         "ipc", "cgroup", "net"};
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r,
                        "for n in mnt pid uts ipc cgroup net; do "
                        "echo \"$n $(readlink /proc/1/ns/$n)\"; done",
                        NULL);
        ck_run(r.status == 0, &r, "start");
        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char path[64], host[128] = "", want[160];
                ssize_t k;
                bool same;

                snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
                k = readlink(path, host, sizeof(host) - 1);
                ck_assert_int_gt(k, 0);
                host[k] = '\0';
                snprintf(want, sizeof(want), "%s %s", ns[i], host);
                same = has_line(r.out, want);
                /* --net host is the default: only net is shared */
                if (!strcmp(ns[i], "net"))
                        ck_run(same, &r, "net namespace must be the host's");
                else
                        ck_assert_msg(!same && strstr(r.out, ns[i]),
                                      "%s namespace not new (host %s):\n%s",
                                      ns[i], host, r.out);
        }
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_hostname)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        char host[256] = "", want[300];

        test_box_run_sh(b, &r, "hostname", "--hostname", "boxy", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "boxy\n"), &r,
               "--hostname boxy");
        run_result_free(&r);
        test_box_free(b);

        /* default: the host's */
        b = box_new();
        ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
        snprintf(want, sizeof(want), "%s\n", host);
        test_box_run_sh(b, &r, "hostname", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, want), &r,
               "default hostname must be the host's");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* fstype and per-mount options of the topmost mount at mp in mountinfo. */
static bool mount_at(const char *mi, const char *mp, char *fstype, char *opts)
{
        bool found = false;

        for (const char *l = mi; l && *l;) {
                char m[256], o[256], f[64];
                const char *sep = strstr(l, " - ");
                const char *eol = strchr(l, '\n');

                if (sep && (!eol || sep < eol) &&
                    sscanf(l, "%*s %*s %*s %*s %255s %255s", m, o) == 2 &&
                    sscanf(sep + 3, "%63s", f) == 1 && !strcmp(m, mp)) {
                        strcpy(fstype, f);
                        strcpy(opts, o);
                        found = true;
                }
                l = eol ? eol + 1 : NULL;
        }
        return found;
}

static bool opt_has(const char *opts, const char *o)
{
        size_t n = strlen(o);

        for (const char *p = opts; p; p = strchr(p, ',')) {
                if (*p == ',')
                        p++;
                if (!strncmp(p, o, n) && (p[n] == ',' || !p[n]))
                        return true;
        }
        return false;
}

START_TEST(test_default_mounts)
{
        static const struct {
                const char *mp, *fstype;
                bool ro;
        } want[] = {
            {"/proc", "proc", false},     {"/sys", "sysfs", true},
            {"/dev", "tmpfs", false},     {"/dev/pts", "devpts", false},
            {"/dev/shm", "tmpfs", false}, {"/run", "tmpfs", false},
        };
        static const char *const devs[] = {
            "/dev/null character special file 1:3",
            "/dev/zero character special file 1:5",
            "/dev/full character special file 1:7",
            "/dev/random character special file 1:8",
            "/dev/urandom character special file 1:9",
            "/dev/tty character special file 5:0",
        };
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r,
                        "cat /proc/self/mountinfo; "
                        "for d in null zero full random urandom tty; do "
                        "stat -c '%n %F %t:%T' /dev/$d; done",
                        NULL);
        ck_run(r.status == 0, &r, "start");
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                char fs[64] = "", opts[256] = "";

                ck_assert_msg(mount_at(r.out, want[i].mp, fs, opts),
                              "nothing mounted at %s:\n%s", want[i].mp, r.out);
                ck_assert_msg(!strcmp(fs, want[i].fstype), "%s is %s, want %s",
                              want[i].mp, fs, want[i].fstype);
                ck_assert_msg(opt_has(opts, "ro") == want[i].ro,
                              "%s options %s: want %s", want[i].mp, opts,
                              want[i].ro ? "ro" : "rw");
        }
        for (size_t i = 0; i < ELEMENTSOF(devs); i++)
                ck_assert_msg(has_line(r.out, devs[i]), "missing \"%s\":\n%s",
                              devs[i], r.out);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Volumes, devices, files ----------------------------------------- */

static char *make_src_dir(struct test_box *b)
{
        char *src = test_box_path(b, "vsrc");
        _cleanup_free_ char *f = test_box_path(b, "vsrc/f");

        ck_assert_int_eq(mkdir(src, 0755), 0);
        write_file(f, "data\n", 0644);
        return src;
}

START_TEST(test_volume_ro)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *src = make_src_dir(b);
        _cleanup_free_ char *spec = NULL, *created = NULL;
        struct run_result r = {0};

        ck_assert_int_ge(asprintf(&spec, "%s:/mnt/v:ro", src), 0);
        test_box_run_sh(b, &r,
                        "cat /mnt/v/f; if touch /mnt/v/new 2>/dev/null; then "
                        "echo WROTE; else echo ROFAIL; fi",
                        "--volume", spec, NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "data\nROFAIL\n"), &r,
               "read-only volume");
        created = test_box_path(b, "vsrc/new");
        ck_assert_msg(access(created, F_OK) < 0, "write went through to host");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_volume_rw)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *src = make_src_dir(b);
        _cleanup_free_ char *spec = NULL, *created = NULL, *got = NULL;
        struct run_result r = {0};

        ck_assert_int_ge(asprintf(&spec, "%s:/mnt/v:rw", src), 0);
        test_box_run_sh(b, &r, "cat /mnt/v/f && echo boxwrote >/mnt/v/new",
                        "--volume", spec, NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "data\n"), &r, "rw volume");
        created = test_box_path(b, "vsrc/new");
        got = read_file(created);
        ck_assert_msg(got && !strcmp(got, "boxwrote\n"),
                      "write not visible on host: %s", got ? got : "(none)");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_volume_skip_missing)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *spec = NULL;
        struct run_result r = {0};

        ck_assert_int_ge(asprintf(&spec, "%s/absent:/mnt/x:skip", b->tmp), 0);
        test_box_run_sh(b, &r, "echo ok", "--volume", spec, NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "ok\n"), &r,
               "missing source with skip must start");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_volume_missing)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *spec = NULL;
        struct run_result r = {0};

        ck_assert_int_ge(asprintf(&spec, "%s/absent:/mnt/x", b->tmp), 0);
        test_box_run_sh(b, &r, "echo ran", "--volume", spec, NULL);
        assert_pbox_error(&r, "missing volume source");
        ck_run(!strstr(r.out, "ran"), &r, "init must not run");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_device)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "stat -c '%a %u %F %t:%T' /dev/zero", "--device",
                        "path=/dev/zero;fileMode=0600;uid=1000", NULL);
        ck_run(r.status == 0 &&
                   !strcmp(r.out, "600 1000 character special file 1:5\n"),
               &r, "--device /dev/zero mode 0600 uid 1000");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_file)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *s1 = test_box_path(b, "src.conf");
        _cleanup_free_ char *s2 = test_box_path(b, "tool.sh");
        _cleanup_free_ char *f1 = NULL, *f2 = NULL;
        struct run_result r = {0};

        write_file(s1, "line1\nsecond line\n", 0644);
        write_file(s2, "#!/bin/sh\necho tool\n", 0750);
        ck_assert_int_ge(asprintf(&f1, "%s:/etc/x.conf:0600:1000:1000", s1), 0);
        ck_assert_int_ge(asprintf(&f2, "%s:/root/tool.sh", s2), 0);
        test_box_run_sh(b, &r,
                        "stat -c '%a %u %g' /etc/x.conf; cat /etc/x.conf; "
                        "stat -c '%a' /root/tool.sh; /root/tool.sh",
                        "--file", f1, "--file", f2, NULL);
        ck_run(r.status == 0, &r, "start with --file");
        ck_run(!strcmp(r.out, "600 1000 1000\nline1\nsecond line\n"
                              "750\ntool\n"),
               &r, "file content, mode and owner");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Environment ------------------------------------------------------ */

START_TEST(test_env)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        regex_t re;
        int k;

        test_box_run_sh(b, &r, "env", "--env", "A=1,B=\"x,y\"", NULL);
        ck_run(r.status == 0, &r, "start with --env");
        ck_run(has_line(r.out, "A=1") && has_line(r.out, "B=x,y"), &r,
               "--env variables");
        ck_run(has_line(r.out, "container=pbox"), &r, "container=pbox");
        ck_assert_int_eq(regcomp(&re,
                                 "^container_uuid=[0-9a-f]{8}-[0-9a-f]{4}-"
                                 "[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                                 REG_EXTENDED | REG_NEWLINE | REG_NOSUB),
                         0);
        k = regexec(&re, r.out, 0, NULL, 0);
        regfree(&re);
        ck_run(k == 0, &r, "container_uuid in UUID form");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* Quote, backslash, tab and UTF-8 survive --env → env and the env file. */
START_TEST(test_env_file)
{
        static const char value[] = "q\"b\\s\tu\xe2\x82\xac";
        static const char line[] = "T=\"q\\\"b\\\\s\\tu\xe2\x82\xac\"";
        struct test_box *b = box_new();
        struct run_result r = {0};
        const char *sep;

        test_box_run_sh(b, &r, "cat /etc/app.env; echo ---; printf %s \"$T\"",
                        "--env", "A=1,T=\"q\\\"b\\\\s\tu\xe2\x82\xac\"",
                        "--env-file", "/etc/app.env", NULL);
        ck_run(r.status == 0, &r, "start with --env-file");
        sep = strstr(r.out, "---\n");
        ck_run(sep != NULL, &r, "output");
        ck_run(!strcmp(sep + 4, value), &r, "value of T in init's env");
        ck_run(has_line(r.out, "A=\"1\""), &r, "A=\"1\" in the env file");
        ck_run(has_line(r.out, line), &r, "T quoted as Go %q in the env file");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_enter_env)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "cat /etc/pbox/enter.env", "--enter-env",
                        "HTTP_PROXY=http://p:3128,NO_PROXY=\"a,b\"", NULL);
        ck_run(r.status == 0, &r, "start with --enter-env");
        ck_run(has_line(r.out, "HTTP_PROXY=\"http://p:3128\"") &&
                   has_line(r.out, "NO_PROXY=\"a,b\""),
               &r, "/etc/pbox/enter.env lines");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_dns_hosts)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        bool found = false;

        test_box_run_sh(b, &r, "cat /etc/hosts", "--dns-hosts",
                        "example.com/1.2.3.4", NULL);
        ck_run(r.status == 0, &r, "start with --dns-hosts");
        for (const char *l = r.out; l && *l;) {
                char ip[64], h[256];

                if (sscanf(l, "%63s %255s", ip, h) == 2 &&
                    !strcmp(ip, "1.2.3.4") && strstr(l, "example.com"))
                        found = true;
                l = strchr(l, '\n');
                l = l ? l + 1 : NULL;
        }
        ck_run(found, &r, "1.2.3.4 example.com in /etc/hosts");
        ck_run(strstr(r.out, "localhost") != NULL, &r,
               "rootfs's own /etc/hosts lines kept");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_dns_zones)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "cat /etc/pbox/dns-zones", "--dns-zones",
                        "corp.local/10.0.0.53,other.zone/10.0.0.54", NULL);
        ck_run(r.status == 0, &r, "start with --dns-zones");
        ck_run(has_line(r.out, "server=/corp.local/10.0.0.53") &&
                   has_line(r.out, "server=/other.zone/10.0.0.54"),
               &r, "server=/ZONE/IP lines");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Privileges -------------------------------------------------------- */

#define CAPS_SCRIPT "grep -E '^(Cap|NoNewPrivs)' /proc/1/status"

static void assert_caps(const struct run_result *r, const char *bnd,
                        const char *eff)
{
        _cleanup_free_ char *b = status_field(r->out, "CapBnd");
        _cleanup_free_ char *e = status_field(r->out, "CapEff");
        _cleanup_free_ char *i = status_field(r->out, "CapInh");
        _cleanup_free_ char *a = status_field(r->out, "CapAmb");

        ck_run(b && !strcmp(b, bnd), r, "CapBnd");
        ck_run(e && !strcmp(e, eff), r, "CapEff");
        ck_run(i && !strcmp(i, "0000000000000000"), r, "CapInh must be 0");
        ck_run(a && !strcmp(a, "0000000000000000"), r, "CapAmb must be 0");
}

START_TEST(test_caps_default)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, CAPS_SCRIPT, NULL);
        ck_run(r.status == 0, &r, "start");
        assert_caps(&r, "00000000a80425fb", "00000000a80425fb");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_caps_all)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        _cleanup_free_ char *self = read_file("/proc/self/status");
        _cleanup_free_ char *host = status_field(self, "CapBnd");

        test_box_run_sh(b, &r, CAPS_SCRIPT, "--cap", "all", NULL);
        ck_run(r.status == 0, &r, "start --cap all");
        assert_caps(&r, host, host);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_caps_one)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, CAPS_SCRIPT, "--cap", "NET_ADMIN", NULL);
        ck_run(r.status == 0, &r, "start --cap NET_ADMIN");
        assert_caps(&r, "0000000000001000", "0000000000001000");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* _i = 1: with --no-new-privs. */
START_TEST(test_no_new_privs)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        _cleanup_free_ char *v = NULL;

        if (_i)
                test_box_run_sh(b, &r, CAPS_SCRIPT, "--no-new-privs", NULL);
        else
                test_box_run_sh(b, &r, CAPS_SCRIPT, NULL);
        ck_run(r.status == 0, &r, "start");
        v = status_field(r.out, "NoNewPrivs");
        ck_run(v && !strcmp(v, _i ? "1" : "0"), &r, "NoNewPrivs of init");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_user_name)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "id", "--user", "user", NULL);
        ck_run(r.status == 0, &r, "start --user user");
        ck_run(strstr(r.out, "uid=1000(") && strstr(r.out, "gid=1000("), &r,
               "uid and gid 1000");
        ck_run(strstr(r.out, "10(wheel)") && strstr(r.out, "29(audio)"), &r,
               "supplementary groups wheel and audio");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_user_numeric)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "id -u", "--user", "4242", NULL);
        ck_run(r.status == 0 && !strcmp(r.out, "4242\n"), &r,
               "--user 4242 (absent from passwd)");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_user_unknown)
{
        struct test_box *b = box_new();
        struct run_result r = {0};

        test_box_run_sh(b, &r, "echo ran", "--user", "nosuchuser", NULL);
        ck_run(r.status > 0 && !strstr(r.out, "ran"), &r,
               "unknown user must fail");
        ck_run(strstr(r.err, "nosuchuser") != NULL, &r,
               "error must name the user");
        if (r.status == 125)
                assert_pbox_error(&r, "unknown user");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* ---- Network and cgroups ---------------------------------------------- */

START_TEST(test_net_none)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        int ifaces = 0;
        bool lo = false;
        const char *sep;

        test_box_run_sh(b, &r, "cat /proc/net/dev; echo ---; ip link show lo",
                        "--net", "none", NULL);
        ck_run(r.status == 0, &r, "start --net none");
        sep = strstr(r.out, "---\n");
        ck_run(sep != NULL, &r, "output");
        for (const char *l = r.out; l && l < sep;) {
                char name[64];

                if (sscanf(l, " %63[^:|]:", name) == 1 && strchr(l, ':') &&
                    strchr(l, ':') < strchr(l, '\n')) {
                        ifaces++;
                        lo |= !strcmp(name, "lo");
                }
                l = strchr(l, '\n');
                l = l ? l + 1 : NULL;
        }
        ck_run(ifaces == 1 && lo, &r, "only lo in /proc/net/dev");
        ck_run(strstr(sep, ",UP") || strstr(sep, "<UP"), &r, "lo is UP");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

/* Value of the first file that exists in pbox-NAME on hierarchy ctl. */
static char *cg_value(const char *name, const char *ctl, const char *file)
{
        _cleanup_free_ char *dir = box_cgroup_dir(name, ctl);
        _cleanup_free_ char *p = NULL;
        char *v;

        if (!dir || asprintf(&p, "%s/%s", dir, file) < 0)
                return NULL;
        v = read_file(p);
        if (v)
                v[strcspn(v, "\n")] = '\0';
        return v;
}

START_TEST(test_cgroup_limits)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *json = NULL, *mem = NULL, *pids = NULL;
        _cleanup_free_ char *cpu = NULL, *own = NULL, *path = NULL;
        char needle[128];
        long long init;
        bool v2cpu = false;

        ck_run(test_box_start_detached(b, "--memory", "64m", "--pids-limit",
                                       "100", "--cpu-shares", "512", NULL) == 0,
               &b->last, "detached start with limits");
        json = wait_running(b, 10);
        mem = cg_value(b->name, "memory", "memory.limit_in_bytes");
        if (!mem)
                mem = cg_value(b->name, "", "memory.max");
        pids = cg_value(b->name, "pids", "pids.max");
        if (!pids)
                pids = cg_value(b->name, "", "pids.max");
        cpu = cg_value(b->name, "cpu", "cpu.shares");
        if (!cpu) {
                cpu = cg_value(b->name, "", "cpu.weight");
                v2cpu = true;
        }
        ck_assert_msg(mem && !strcmp(mem, "67108864"), "memory limit %s",
                      mem ? mem : "(no cgroup file)");
        ck_assert_msg(pids && !strcmp(pids, "100"), "pids limit %s",
                      pids ? pids : "(no cgroup file)");
        /* v2: 1 + (512 - 2) * 9999 / 262142 = 20 */
        ck_assert_msg(cpu && !strcmp(cpu, v2cpu ? "20" : "512"), "cpu %s %s",
                      v2cpu ? "weight" : "shares",
                      cpu ? cpu : "(no cgroup file)");
        init = json_get_int(json, "init_pid");
        ck_assert_int_ge(asprintf(&path, "/proc/%lld/cgroup", init), 0);
        own = read_file(path);
        snprintf(needle, sizeof(needle), "/pbox-%s", b->name);
        ck_assert_msg(own && strstr(own, needle), "init %lld not in %s: %s",
                      init, needle, own ? own : "(gone)");
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        assert_no_leftovers(b, 5);
        test_box_free(b);
}
END_TEST

/* ---- Detached boxes, status, stop ------------------------------------- */

START_TEST(test_detach_lifecycle)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *json = NULL, *name = NULL, *cg = NULL;
        _cleanup_free_ char *log = NULL, *text = NULL;
        static const char *const comps[] = {"broker", "mounter"};
        long long init;

        ck_run(test_box_start_detached(
                   b, "--", "/bin/sh", "-c",
                   "echo hello-from-init; echo to-stderr >&2; trap 'exit 0' "
                   "TERM; while :; do sleep 1 & wait $!; done",
                   NULL) == 0,
               &b->last, "--detach must return 0");
        json = test_box_status_json(b);
        ck_run(json != NULL, &b->last, "status --json of a detached box");
        name = json_get_str(json, "name");
        ck_assert_msg(name && !strcmp(name, b->name), "name in %s", json);
        free(name);
        name = json_get_str(json, "state");
        ck_assert_msg(name && !strcmp(name, "running"), "state in %s", json);
        init = json_get_int(json, "init_pid");
        ck_assert_msg(pid_alive(init), "init_pid not alive: %s", json);
        ck_assert_msg(json_get_int(json, "started") > 1600000000 &&
                          json_get_int(json, "uptime_s") >= 0,
                      "started/uptime_s in %s", json);
        cg = json_get_str(json, "cgroup");
        ck_assert_msg(cg && *cg, "cgroup in %s", json);
        for (size_t i = 0; i < ELEMENTSOF(comps); i++) {
                _cleanup_free_ char *c = json_component(json, comps[i]);

                ck_assert_msg(c, "no component %s in %s", comps[i], json);
                ck_assert_msg(pid_alive(json_get_int(c, "pid")),
                              "%s pid not alive: %s", comps[i], c);
        }
        /* detach log: init's stdout and stderr, kept after stop */
        ck_assert_int_ge(asprintf(&log, "%s/_log/%s.log", b->data_dir, b->name),
                         0);
        for (int i = 0; i < 50; i++) {
                free(text);
                text = read_file(log);
                if (text && strstr(text, "hello-from-init") &&
                    strstr(text, "to-stderr"))
                        break;
                usleep(100 * 1000);
        }
        ck_assert_msg(text && strstr(text, "hello-from-init") &&
                          strstr(text, "to-stderr"),
                      "log %s: %s", log, text ? text : "(missing)");
        ck_run(test_box_stop(b) == 0, &b->last, "stop must return 0");
        assert_no_leftovers(b, 1);
        ck_assert_msg(!pid_alive(init), "init %lld survived stop", init);
        free(json);
        json = test_box_status_json(b);
        ck_run(!json && b->last.status == 125, &b->last,
               "status of a stopped box must be 125");
        free(text);
        text = read_file(log);
        ck_assert_msg(text && strstr(text, "hello-from-init"),
                      "log not kept after stop");
        test_box_free(b);
}
END_TEST

START_TEST(test_duplicate_name)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *j1 = NULL, *j2 = NULL;

        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "first start");
        j1 = wait_running(b, 10);
        test_box_start_detached(b, NULL);
        assert_pbox_error(&b->last, "second start of the same name");
        j2 = wait_running(b, 5);
        ck_assert_msg(json_get_int(j1, "init_pid") ==
                          json_get_int(j2, "init_pid"),
                      "first box disturbed: %s / %s", j1, j2);
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        assert_no_leftovers(b, 3);
        test_box_free(b);
}
END_TEST

START_TEST(test_missing_rootfs)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *absent = test_box_path(b, "no-rootfs");
        struct run_result r = {0};

        run_pboxv(&r, NULL, 20, "start", "--name", b->name, "--data-dir",
                  b->data_dir, "--rootfs", absent, "--", "/bin/true", NULL);
        assert_pbox_error(&r, "missing rootfs");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_bad_option)
{
        struct test_box *b = box_new();
        struct run_result r = {0};
        const char *extra[] = {"--no-such-option", "--", "/bin/true", NULL};

        test_box_startv(b, &r, 20, extra);
        assert_pbox_error(&r, "unknown option");
        assert_no_leftovers(b, 3);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_two_boxes)
{
        struct test_box *a = box_new(), *b = box_new();
        _cleanup_free_ char *ja = NULL, *jb = NULL;
        long long ia, ib;

        ck_run(test_box_start_detached(a, NULL) == 0, &a->last, "box a");
        ck_run(test_box_start_detached(b, NULL) == 0, &b->last, "box b");
        ja = wait_running(a, 10);
        jb = wait_running(b, 10);
        ia = json_get_int(ja, "init_pid");
        ib = json_get_int(jb, "init_pid");
        ck_assert_msg(pid_alive(ia) && pid_alive(ib) && ia != ib,
                      "two inits: %lld %lld", ia, ib);
        ck_run(test_box_stop(a) == 0, &a->last, "stop a");
        ck_assert_msg(pid_alive(ib), "stopping a killed b's init");
        ck_run(test_box_stop(b) == 0, &b->last, "stop b");
        assert_no_leftovers(a, 3);
        assert_no_leftovers(b, 3);
        test_box_free(a);
        test_box_free(b);
}
END_TEST

START_TEST(test_sigterm_foreground)
{
        struct test_box *b = box_new();
        const char *argv[] = {
            "start",
            "--name",
            b->name,
            "--data-dir",
            b->data_dir,
            "--rootfs",
            b->rootfs,
            "--",
            "/bin/sh",
            "-c",
            "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done",
            NULL};
        struct run_proc p = {0};
        struct run_result r = {0};
        _cleanup_free_ char *json = NULL;

        ck_assert_int_eq(run_pbox_start(&p, argv), 0);
        json = wait_running(b, 10);
        ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
        run_finish(&p, &r, 15);
        ck_run(r.status == 0 || r.status == 143, &r,
               "SIGTERM to foreground start");
        assert_no_leftovers(b, 5);
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_stop_signal)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *log = NULL, *text = NULL, *json = NULL;

        ck_run(test_box_start_detached(b, "--stop-signal", "USR1", "--",
                                       "/bin/sh", "-c",
                                       "trap 'echo got-usr1; exit 0' USR1; "
                                       "trap 'echo got-term; exit 9' TERM; "
                                       "while :; do sleep 1 & wait $!; done",
                                       NULL) == 0,
               &b->last, "start --stop-signal USR1");
        json = wait_running(b, 10);
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        assert_no_leftovers(b, 3);
        ck_assert_int_ge(asprintf(&log, "%s/_log/%s.log", b->data_dir, b->name),
                         0);
        text = read_file(log);
        ck_assert_msg(
            text && strstr(text, "got-usr1") && !strstr(text, "got-term"),
            "init must get USR1 only; log: %s", text ? text : "(missing)");
        test_box_free(b);
}
END_TEST

START_TEST(test_stop_timeout)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *json = NULL;
        double t0, dt;

        ck_run(test_box_start_detached(
                   b, "--stop-timeout", "1", "--", "/bin/sh", "-c",
                   "trap '' TERM; while :; do sleep 1; done", NULL) == 0,
               &b->last, "start --stop-timeout 1");
        json = wait_running(b, 10);
        t0 = now_secs();
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        dt = now_secs() - t0;
        ck_assert_msg(dt >= 0.8 && dt < 6,
                      "stop of a TERM-deaf init took %.2f s (grace 1 s)", dt);
        assert_no_leftovers(b, 3);
        test_box_free(b);
}
END_TEST

/* SIGKILL of one component takes the whole box down; the name is free
 * again. _i: 0 mounter, 1 broker, 2 initproc (--init). */
START_TEST(test_kill_component)
{
        static const char *const comp[] = {"mounter", "broker", "initproc"};
        struct test_box *b = box_new();
        _cleanup_free_ char *json = NULL, *c = NULL;
        char rep[REPORT_LEN];
        long long pid;
        int n;

        if (_i == 2)
                test_box_start_detached(b, "--init", NULL);
        else
                test_box_start_detached(b, NULL);
        ck_run(b->last.status == 0, &b->last, "detached start");
        json = wait_running(b, 10);
        c = json_component(json, comp[_i]);
        pid = c ? json_get_int(c, "pid") : -1;
        if (pid < 0 && _i == 2)
                pid = json_get_int(json, "init_pid");
        ck_assert_msg(pid_alive(pid), "no live %s in %s", comp[_i], json);
        ck_assert_int_eq(kill((pid_t)pid, SIGKILL), 0);
        n = leftovers_wait(b->name, b->data_dir, rep, sizeof(rep), 10);
        ck_assert_msg(n == 0, "10 s after SIGKILL of %s: %d leftovers:\n%s",
                      comp[_i], n, rep);
        ck_run(test_box_start_detached(b, NULL) == 0, &b->last,
               "a box of the same name must start again");
        ck_run(test_box_stop(b) == 0, &b->last, "stop");
        assert_no_leftovers(b, 3);
        test_box_free(b);
}
END_TEST

/* ---- Symlinks in the rootfs never lead pbox outside it ------------------ */

static char snap_buf[65536];
static size_t snap_len;

static int snap_one(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
        uint64_t h = 1469598103934665603ULL;
        char target[512] = "";

        (void)flag;
        (void)ftw;
        if (S_ISREG(st->st_mode)) {
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                unsigned char buf[4096];
                ssize_t k;

                while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
                        for (ssize_t i = 0; i < k; i++)
                                h = (h ^ buf[i]) * 1099511628211ULL;
        } else if (S_ISLNK(st->st_mode)) {
                ssize_t k = readlink(path, target, sizeof(target) - 1);

                target[k > 0 ? k : 0] = '\0';
        }
        if (snap_len < sizeof(snap_buf))
                snap_len += (size_t)snprintf(
                    snap_buf + snap_len, sizeof(snap_buf) - snap_len,
                    "%s %o %u:%u %lld %016llx %s\n", path,
                    (unsigned)st->st_mode, (unsigned)st->st_uid,
                    (unsigned)st->st_gid, (long long)st->st_size,
                    (unsigned long long)h, target);
        return 0;
}

/* Listing + content hashes of a host directory tree. */
static char *snapshot(const char *dir)
{
        snap_len = 0;
        snap_buf[0] = '\0';
        ck_assert_int_eq(nftw(dir, snap_one, 16, FTW_PHYS), 0);
        return strdup(snap_buf);
}

/* tmp/hostdir with a file, and a rootfs symlink at rel pointing at it. */
static char *escape_setup(struct test_box *b, const char *rel)
{
        char *host = test_box_path(b, "hostdir");
        _cleanup_free_ char *f = test_box_path(b, "hostdir/precious");
        _cleanup_free_ char *l = NULL;

        ck_assert_int_eq(mkdir(host, 0755), 0);
        write_file(f, "precious\n", 0644);
        ck_assert_int_ge(asprintf(&l, "%s/%s", b->rootfs, rel), 0);
        ck_assert_msg(symlink(host, l) == 0, "symlink %s: %m", l);
        return host;
}

static void escape_check(struct test_box *b, struct run_result *r,
                         const char *host, const char *before,
                         const char *want_out)
{
        _cleanup_free_ char *after = snapshot(host);

        ck_assert_msg(!strcmp(before, after),
                      "host dir changed through a rootfs symlink:\n"
                      "before:\n%s\nafter:\n%s\nstderr: %s",
                      before, after, r->err);
        if (r->status == 125)
                assert_pbox_error(r, "refused symlink destination");
        else
                ck_run(r->status == 0 && !strcmp(r->out, want_out), r,
                       "start must either refuse (125) or stay in the rootfs");
        assert_no_leftovers(b, 3);
}

START_TEST(test_symlink_volume)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *host = escape_setup(b, "data");
        _cleanup_free_ char *src = make_src_dir(b);
        _cleanup_free_ char *before = snapshot(host);
        _cleanup_free_ char *spec = NULL;
        struct run_result r = {0};

        ck_assert_int_ge(asprintf(&spec, "%s:/data", src), 0);
        test_box_run_sh(b, &r, "cat /data/f 2>/dev/null || echo NOTHERE",
                        "--volume", spec, NULL);
        escape_check(b, &r, host, before, "data\n");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_symlink_file)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *host = escape_setup(b, "data");
        _cleanup_free_ char *src = test_box_path(b, "payload");
        _cleanup_free_ char *before = NULL, *spec = NULL;
        struct run_result r = {0};

        write_file(src, "payload\n", 0644);
        before = snapshot(host);
        ck_assert_int_ge(asprintf(&spec, "%s:/data/x", src), 0);
        test_box_run_sh(b, &r, "cat /data/x 2>/dev/null || echo NOTHERE",
                        "--file", spec, NULL);
        escape_check(b, &r, host, before, "payload\n");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

START_TEST(test_symlink_enter_env)
{
        struct test_box *b = box_new();
        _cleanup_free_ char *host = escape_setup(b, "etc/pbox");
        _cleanup_free_ char *before = snapshot(host);
        struct run_result r = {0};

        test_box_run_sh(b, &r, "cat /etc/pbox/enter.env", "--enter-env", "A=1",
                        NULL);
        escape_check(b, &r, host, before, "A=\"1\"\n");
        run_result_free(&r);
        test_box_free(b);
}
END_TEST

static Suite *start_suite(void)
{
        Suite *s = suite_create("it_start");
        TCase *h = tcase_create("harness");
        TCase *t = tcase_create("start");
        TCase *d = tcase_create("lifecycle");

        tcase_add_test(h, test_harness_run_cmd);
        tcase_add_test(h, test_harness_timeout_kills_group);
        tcase_add_test(h, test_harness_json);
        tcase_add_test(h, test_harness_leftovers);
        suite_add_tcase(s, h);

        tcase_add_test(t, test_exit_status);
        tcase_add_test(t, test_exit_signal_init_mode);
        tcase_add_test(t, test_exit_signal_pid1);
        tcase_add_loop_test(t, test_init_errors, 0, 8);
        tcase_add_test(t, test_pid1);
        tcase_add_test(t, test_pid1_init_mode);
        tcase_add_test(t, test_namespaces);
        tcase_add_test(t, test_hostname);
        tcase_add_test(t, test_default_mounts);
        tcase_add_test(t, test_volume_ro);
        tcase_add_test(t, test_volume_rw);
        tcase_add_test(t, test_volume_skip_missing);
        tcase_add_test(t, test_volume_missing);
        tcase_add_test(t, test_device);
        tcase_add_test(t, test_file);
        tcase_add_test(t, test_env);
        tcase_add_test(t, test_env_file);
        tcase_add_test(t, test_enter_env);
        tcase_add_test(t, test_dns_hosts);
        tcase_add_test(t, test_dns_zones);
        tcase_add_test(t, test_caps_default);
        tcase_add_test(t, test_caps_all);
        tcase_add_test(t, test_caps_one);
        tcase_add_loop_test(t, test_no_new_privs, 0, 2);
        tcase_add_test(t, test_user_name);
        tcase_add_test(t, test_user_numeric);
        tcase_add_test(t, test_user_unknown);
        tcase_add_test(t, test_net_none);
        tcase_add_test(t, test_symlink_volume);
        tcase_add_test(t, test_symlink_file);
        tcase_add_test(t, test_symlink_enter_env);
        suite_add_tcase(s, t);

        tcase_add_test(d, test_cgroup_limits);
        tcase_add_test(d, test_detach_lifecycle);
        tcase_add_test(d, test_duplicate_name);
        tcase_add_test(d, test_missing_rootfs);
        tcase_add_test(d, test_bad_option);
        tcase_add_test(d, test_two_boxes);
        tcase_add_test(d, test_sigterm_foreground);
        tcase_add_test(d, test_stop_signal);
        tcase_add_test(d, test_stop_timeout);
        tcase_add_loop_test(d, test_kill_component, 0, 3);
        suite_add_tcase(s, d);
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        /* check's own default (4 s) is too short for starting boxes */
        setenv("CK_DEFAULT_TIMEOUT", "60", 0);
        sr = srunner_create(start_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
