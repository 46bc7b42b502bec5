/* check_boxproc.c — unit tests of libipc/boxproc.c, the parts that need
 * no box: reading box files (missing, FIFO, symlink, size limit), the
 * user resolved from passwd/group files of a directory, the environment's
 * precedence (defaults < enter.env < request), and the exec errors with
 * their exit statuses (proc_exec_status). Unprivileged; every test runs
 * in its own forked process. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <selinux/selinux.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxproc.h"
#include "cleanup.h"
#include "pbox.h"
#include "proc.h"

static char dir[] = "/tmp/check-boxproc-XXXXXX";

static void setup(void)
{
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
}

static char *path_of(const char *name)
{
        char *p;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        return p;
}

static void put(const char *name, const char *data, mode_t mode)
{
        _cleanup_free_ char *p = path_of(name);
        _cleanup_close_ int fd =
            open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
        ck_assert_int_eq(fchmod(fd, mode), 0);
}

static const char *env_get(char **env, const char *name)
{
        size_t n = strlen(name);

        for (; env && *env; env++)
                if (!strncmp(*env, name, n) && (*env)[n] == '=')
                        return *env + n + 1;
        return NULL;
}

/* ---- files ----------------------------------------------------------------
 */

START_TEST(test_read_file)
{
        _cleanup_free_ char *p = path_of("f"), *fifo = path_of("fifo"),
                            *link = path_of("link"), *missing = path_of("no");
        _cleanup_free_ char *buf = NULL, *empty = NULL;
        char *none = NULL;
        size_t len = 99;

        put("f", "hello\n", 0644);
        ck_assert_int_eq(boxproc_read_file(p, &buf, &len), 0);
        ck_assert_str_eq(buf, "hello\n");
        ck_assert_uint_eq(len, 6);
        /* missing: empty */
        ck_assert_int_eq(boxproc_read_file(missing, &empty, &len), 0);
        ck_assert_str_eq(empty, "");
        ck_assert_uint_eq(len, 0);
        /* a FIFO must not hang us, a symlink is not followed */
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        ck_assert_int_eq(boxproc_read_file(fifo, &none, &len), -EINVAL);
        ck_assert_int_eq(symlink(p, link), 0);
        ck_assert_int_eq(boxproc_read_file(link, &none, &len), -ELOOP);
        ck_assert_ptr_null(none);
}
END_TEST

START_TEST(test_read_file_limit)
{
        _cleanup_free_ char *p = path_of("big");
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        char *none = NULL;
        size_t len;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, BOXPROC_FILE_MAX + 1), 0);
        ck_assert_int_eq(boxproc_read_file(p, &none, &len), -EFBIG);
        ck_assert_ptr_null(none);
}
END_TEST

/* ---- users ----------------------------------------------------------------
 */

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "user:x:1000:1000:user:/home/user:/bin/sh\n"
                             "broken line\n"
                             "nobody:x:65534:65534::/nonexistent:/bin/false\n";
static const char group[] =
    "root:x:0:\nwheel:x:10:user\naudio:x:29:other,user\n"
    "user:x:1000:\n";

static bool has_group(const struct pbox_user *u, gid_t g)
{
        for (size_t i = 0; i < u->ngroups; i++)
                if (u->groups[i] == g)
                        return true;
        return false;
}

START_TEST(test_resolve_user)
{
        struct pbox_user u = {0};
        char err[256] = "";

        put("passwd", passwd, 0644);
        put("group", group, 0644);
        ck_assert_int_eq(boxproc_resolve_user(dir, "", &u, err, sizeof(err)),
                         0);
        ck_assert_uint_eq(u.uid, 0);
        ck_assert_str_eq(u.home, "/root");
        pbox_user_free(&u);

        ck_assert_int_eq(
            boxproc_resolve_user(dir, "user", &u, err, sizeof(err)), 0);
        ck_assert_uint_eq(u.uid, 1000);
        ck_assert_uint_eq(u.gid, 1000);
        ck_assert_str_eq(u.home, "/home/user");
        ck_assert(has_group(&u, 10) && has_group(&u, 29));
        pbox_user_free(&u);

        /* a numeric uid is taken exactly, even when absent */
        ck_assert_int_eq(
            boxproc_resolve_user(dir, "4242", &u, err, sizeof(err)), 0);
        ck_assert_uint_eq(u.uid, 4242);
        ck_assert_str_eq(u.home, "/");
        pbox_user_free(&u);

        ck_assert_int_eq(
            boxproc_resolve_user(dir, "nosuch", &u, err, sizeof(err)), -ENOENT);
        ck_assert_msg(strstr(err, "nosuch"), "%s", err);
}
END_TEST

/* ---- environment ----------------------------------------------------------
 */

START_TEST(test_env_order)
{
        const char file[] = "A=\"file\"\nB=file\nPATH=/file/bin\n"
                            "export X=skipped\nnot a line\n";
        char *req[] = {"B=req", "C=req=with=equals", NULL};
        _cleanup_strv_free_ char **env = NULL;

        ck_assert_int_eq(
            boxproc_env_build("/home/u", file, strlen(file), req, &env), 0);
        ck_assert_str_eq(env_get(env, "TERM"), "xterm");
        ck_assert_str_eq(env_get(env, "LC_ALL"), "C.UTF-8");
        ck_assert_str_eq(env_get(env, "HOME"), "/home/u");
        ck_assert_str_eq(env_get(env, "PATH"), "/file/bin");
        ck_assert_str_eq(env_get(env, "A"), "file");
        ck_assert_str_eq(env_get(env, "B"), "req");
        ck_assert_str_eq(env_get(env, "C"), "req=with=equals");
        ck_assert_ptr_null(env_get(env, "X"));
}
END_TEST

START_TEST(test_env_defaults)
{
        char *req[] = {"HOME=/req", NULL};
        _cleanup_strv_free_ char **env = NULL, **env2 = NULL;
        char **none = NULL;
        char *bad[] = {"NOEQUALS", NULL};
        char *badname[] = {"1X=y", NULL};

        ck_assert_int_eq(boxproc_env_build("/", NULL, 0, NULL, &env), 0);
        ck_assert_str_eq(env_get(env, "PATH"), BOXPROC_DEFAULT_PATH);
        ck_assert_str_eq(env_get(env, "HOME"), "/");
        ck_assert_int_eq(boxproc_env_build("/", NULL, 0, req, &env2), 0);
        ck_assert_str_eq(env_get(env2, "HOME"), "/req");
        ck_assert_int_eq(boxproc_env_build("/", NULL, 0, bad, &none), -EINVAL);
        ck_assert_int_eq(boxproc_env_build("/", NULL, 0, badname, &none),
                         -EINVAL);
        ck_assert_ptr_null(none);
}
END_TEST

/* ---- exec -----------------------------------------------------------------
 */

START_TEST(test_exec_status)
{
        _cleanup_free_ char *noexec = path_of("noexec");
        char *env[] = {NULL, NULL};
        char errmsg[256];
        _cleanup_free_ char *pathvar = NULL;
        char *missing[] = {"/no/such/program", NULL};
        char *bare[] = {"no-such-program-here", NULL};
        char *plain[] = {noexec, NULL};
        char *bare_noexec[] = {"noexec", NULL};
        char *empty[] = {"", NULL};
        int r;

        put("noexec", "#!/bin/sh\n", 0644);
        ck_assert_int_ge(asprintf(&pathvar, "PATH=/nonexistent:%s", dir), 0);
        env[0] = pathvar;

        r = boxproc_exec(missing, env, errmsg, sizeof(errmsg));
        ck_assert_int_eq(r, -ENOENT);
        ck_assert_int_eq(proc_exec_status(r), 127);
        ck_assert_msg(strstr(errmsg, "/no/such/program"), "%s", errmsg);
        r = boxproc_exec(bare, env, errmsg, sizeof(errmsg));
        ck_assert_int_eq(proc_exec_status(r), 127);
        r = boxproc_exec(plain, env, errmsg, sizeof(errmsg));
        ck_assert_int_eq(r, -EACCES);
        ck_assert_int_eq(proc_exec_status(r), 126);
        /* found in PATH but not executable beats "missing" elsewhere */
        r = boxproc_exec(bare_noexec, env, errmsg, sizeof(errmsg));
        ck_assert_int_eq(r, -EACCES);
        ck_assert_int_eq(proc_exec_status(r), 126);
        r = boxproc_exec(empty, env, errmsg, sizeof(errmsg));
        ck_assert_int_eq(proc_exec_status(r), 127);
        /* set-up failures are -EINVAL, 125 */
        ck_assert_int_eq(proc_exec_status(-EINVAL), 125);
        ck_assert_int_eq(proc_exec_status(-ENOTDIR), 127);
}
END_TEST

START_TEST(test_exec_runs)
{
        char *args[] = {"sh", "-c", "exit 7", NULL};
        char *env[] = {"PATH=/nonexistent:/bin:/usr/bin", NULL};
        char errmsg[256];
        pid_t pid = fork();
        int st;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                boxproc_reset_signals();
                (void)boxproc_exec(args, env, errmsg, sizeof(errmsg));
                _exit(99);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert(WIFEXITED(st));
        ck_assert_int_eq(WEXITSTATUS(st), 7);
}
END_TEST

/* The command the label is computed for is the one exec would run: a
 * path as given, else the first regular file on PATH (directories and
 * missing entries skipped). */
START_TEST(test_which)
{
        _cleanup_free_ char *a = path_of("a"), *b = path_of("b");
        _cleanup_free_ char *p = NULL, *want = NULL;
        char buf[4096];

        ck_assert_int_eq(mkdir(a, 0755), 0);
        ck_assert_int_eq(mkdir(b, 0755), 0);
        put("b/tool", "#!/bin/sh\n", 0755);
        ck_assert_int_ge(asprintf(&p, "PATH=/nonexistent:%s:%s", dir, b), 0);
        {
                char *env[] = {p, NULL};

                /* dir has "a", a directory: not a match for "a". */
                ck_assert_int_eq(boxproc_which("tool", env, buf, sizeof(buf)),
                                 0);
                ck_assert_int_ge(asprintf(&want, "%s/tool", b), 0);
                ck_assert_str_eq(buf, want);
                ck_assert_int_eq(boxproc_which("a", env, buf, sizeof(buf)),
                                 -ENOENT);
                ck_assert_int_eq(boxproc_which("", env, buf, sizeof(buf)),
                                 -ENOENT);
                ck_assert_int_eq(
                    boxproc_which("./rel/x", env, buf, sizeof(buf)), 0);
                ck_assert_str_eq(buf, "./rel/x");
                ck_assert_int_eq(boxproc_which("/x", env, buf, 2),
                                 -ENAMETOOLONG);
        }
        {
                char *env[] = {"HOME=/", NULL};

                /* No PATH: the default one, which has sh. */
                ck_assert_int_eq(boxproc_which("sh", env, buf, sizeof(buf)), 0);
                ck_assert_msg(strstr(buf, "/sh"), "sh found at %s", buf);
        }
}
END_TEST

/* Where SELinux is disabled nothing is computed, and nothing fails. */
START_TEST(test_compute_label_disabled)
{
        char *args[] = {"sh", NULL};
        char *label = (char *)"x";
        char errmsg[256] = "";

        if (is_selinux_enabled() > 0)
                return;
        ck_assert_int_eq(
            boxproc_compute_label(args, NULL, &label, errmsg, sizeof(errmsg)),
            0);
        ck_assert_ptr_null(label);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("boxproc");
        TCase *t = tcase_create("boxproc");

        tcase_add_checked_fixture(t, setup, teardown);
        tcase_add_test(t, test_read_file);
        tcase_add_test(t, test_read_file_limit);
        tcase_add_test(t, test_resolve_user);
        tcase_add_test(t, test_env_order);
        tcase_add_test(t, test_env_defaults);
        tcase_add_test(t, test_exec_status);
        tcase_add_test(t, test_exec_runs);
        tcase_add_test(t, test_which);
        tcase_add_test(t, test_compute_label_disabled);
        suite_add_tcase(s, t);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}
