/* check_it_cgroup.c — integration tests of mounter/cgroup.c,
 * mounter/cgroup_mount.c and pbox/check.c on this machine's real cgroups
 * (root only). Every cgroup is created beneath the test's own cgroup and
 * named after the test runner's pid; mounts are made only in private mount
 * namespaces of forked children; the fixture removes leftovers. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup_layout.h"
#include "cleanup.h"
#include "../../mounter/cgroup.h"
#include "../../pbox/check.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

static char g_prefix[32]; /* "it<runner pid>" */
static char g_tmpdir[64]; /* a temp dir for mounts in children */

static void name_of(char *buf, size_t len, const char *tag)
{
        snprintf(buf, len, "%s-%s", g_prefix, tag);
}

static char *dir_of(const struct cg_hier *h, const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s%s/pbox-%s", h->mountpoint,
                                  strcmp(h->own, "/") == 0 ? "" : h->own, name),
                         0);
        return p;
}

static char *read_at(const char *dir, const char *file)
{
        _cleanup_free_ char *p = NULL;
        char *t = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, file), 0);
        ck_assert_int_eq(cg_read_text(p, &t), 0);
        t[strcspn(t, "\n")] = '\0';
        return t;
}

static bool exists(const char *p)
{
        struct stat st;

        return stat(p, &st) == 0;
}

static pid_t fork_sleeper(void)
{
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                for (;;)
                        pause();
        }
        return pid;
}

/* Remove any pbox-<prefix>* cgroup the tests may have left. */
static void remove_leftovers(void)
{
        struct cg_layout l = {0};

        if (cg_layout_read(&l) < 0)
                return;
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *parent = NULL;
                _cleanup_closedir_ DIR *d = NULL;
                struct dirent *de;
                char want[48];

                snprintf(want, sizeof(want), "pbox-%s", g_prefix);
                if (asprintf(&parent, "%s%s", l.v[i].mountpoint,
                             strcmp(l.v[i].own, "/") == 0 ? "" : l.v[i].own) <
                    0)
                        continue;
                d = opendir(parent);
                while (d && (de = readdir(d))) {
                        _cleanup_free_ char *p = NULL, *e = NULL;

                        if (strncmp(de->d_name, want, strlen(want)) != 0)
                                continue;
                        if (asprintf(&p, "%s/%s", parent, de->d_name) < 0 ||
                            asprintf(&e, "%s/enter", p) < 0)
                                continue;
                        (void)rmdir(e);
                        (void)rmdir(p);
                }
        }
        cg_layout_free(&l);
}

static void setup(void)
{
        snprintf(g_prefix, sizeof(g_prefix), "it%d", (int)getpid());
        snprintf(g_tmpdir, sizeof(g_tmpdir), "/tmp/pbox-cgit-XXXXXX");
        if (!mkdtemp(g_tmpdir))
                g_tmpdir[0] = '\0';
}

static void teardown(void)
{
        remove_leftovers();
        if (g_tmpdir[0]) {
                char p[128];
                snprintf(p, sizeof(p), "%s/sys/fs/cgroup", g_tmpdir);
                (void)rmdir(p);
                snprintf(p, sizeof(p), "%s/sys/fs", g_tmpdir);
                (void)rmdir(p);
                snprintf(p, sizeof(p), "%s/sys", g_tmpdir);
                (void)rmdir(p);
                snprintf(p, sizeof(p), "%s/pids", g_tmpdir);
                (void)rmdir(p);
                (void)rmdir(g_tmpdir);
        }
}

START_TEST(test_create_limits_attach_destroy)
{
        struct cg_layout l = {0};
        struct box_cgroup *cg = NULL;
        char name[64], err[256] = "", expect[512];
        const struct cg_hier *h;
        _cleanup_free_ char *cpu = NULL, *mem = NULL, *pids = NULL;
        _cleanup_free_ char *v = NULL, *pc = NULL, *path = NULL;
        pid_t child, echild;
        int status;

        name_of(name, sizeof(name), "a");
        ck_assert_int_eq(cg_layout_read(&l), 0);
        ck_assert_int_eq(box_cgroup_create(&l, name, 512, 64 << 20, 100, &cg,
                                           err, sizeof(err)),
                         0);
        ck_assert_ptr_nonnull(cg);

        /* limits on the right hierarchy (v1 here, v2 names otherwise) */
        h = cg_layout_find(&l, "cpu");
        ck_assert_ptr_nonnull(h);
        cpu = dir_of(h, name);
        v = read_at(cpu, h->v2 ? "cpu.weight" : "cpu.shares");
        ck_assert_str_eq(v, h->v2 ? "20" : "512");
        free(v);
        h = cg_layout_find(&l, "memory");
        ck_assert_ptr_nonnull(h);
        mem = dir_of(h, name);
        v = read_at(mem, h->v2 ? "memory.max" : "memory.limit_in_bytes");
        ck_assert_str_eq(v, "67108864");
        free(v);
        h = cg_layout_find(&l, "pids");
        ck_assert_ptr_nonnull(h);
        pids = dir_of(h, name);
        v = read_at(pids, "pids.max");
        ck_assert_str_eq(v, "100");
        v = (free(v), NULL);
        ck_assert_ptr_nonnull(strstr(box_cgroup_path(cg), name));
        if (cg_layout_v2(&l))
                ck_assert_int_ge(box_cgroup_v2_fd(cg), 0);

        /* every hierarchy has DIR and DIR/enter */
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *d = dir_of(&l.v[i], name), *e = NULL;
                ck_assert_int_ge(asprintf(&e, "%s/enter", d), 0);
                ck_assert_msg(exists(d) && exists(e), "%s missing", d);
        }

        child = fork_sleeper();
        echild = fork_sleeper();
        ck_assert_int_eq(box_cgroup_attach(cg, child), 0);
        ck_assert_int_eq(box_cgroup_attach_enter(cg, echild), 0);
        ck_assert_int_ge(asprintf(&path, "/proc/%d/cgroup", (int)child), 0);
        ck_assert_int_eq(cg_read_text(path, &pc), 0);
        for (size_t i = 0; i < l.n; i++) {
                const struct cg_hier *hh = &l.v[i];
                snprintf(expect, sizeof(expect), ":%s/pbox-%s\n",
                         strcmp(hh->own, "/") == 0 ? "" : hh->own, name);
                ck_assert_msg(strstr(pc, expect), "%s not in %s", expect, pc);
        }
        free(path);
        free(pc);
        pc = NULL;
        ck_assert_int_ge(asprintf(&path, "/proc/%d/cgroup", (int)echild), 0);
        ck_assert_int_eq(cg_read_text(path, &pc), 0);
        snprintf(expect, sizeof(expect), "/pbox-%s/enter\n", name);
        ck_assert_ptr_nonnull(strstr(pc, expect));

        ck_assert_int_eq(box_cgroup_destroy(cg), 0);
        ck_assert_int_eq(waitpid(child, &status, 0), child);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        ck_assert_int_eq(waitpid(echild, &status, 0), echild);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *d = dir_of(&l.v[i], name);
                ck_assert_msg(!exists(d), "%s left behind", d);
        }
        ck_assert_int_eq(box_cgroup_destroy(NULL), 0);
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_create_twice_and_busy)
{
        struct cg_layout l = {0};
        struct box_cgroup *cg = NULL, *cg2 = NULL;
        char name[64], err[256] = "";
        pid_t child;

        name_of(name, sizeof(name), "b");
        ck_assert_int_eq(cg_layout_read(&l), 0);
        ck_assert_int_eq(
            box_cgroup_create(&l, name, 0, 0, 0, &cg, err, sizeof(err)), 0);
        child = fork_sleeper();
        ck_assert_int_eq(box_cgroup_attach(cg, child), 0);
        /* a running box of that name: refused, and left alone */
        ck_assert_int_eq(
            box_cgroup_create(&l, name, 0, 0, 0, &cg2, err, sizeof(err)),
            -EBUSY);
        ck_assert_ptr_null(cg2);
        ck_assert_ptr_nonnull(strstr(err, "processes"));
        ck_assert(kill(child, 0) == 0);
        ck_assert_int_eq(box_cgroup_kill(cg), 0);
        ck_assert_int_eq(waitpid(child, NULL, 0), child);
        ck_assert_int_eq(box_cgroup_destroy(cg), 0);
        /* after destroy: a clean second box */
        err[0] = '\0';
        ck_assert_int_eq(
            box_cgroup_create(&l, name, 1024, 0, 0, &cg2, err, sizeof(err)), 0);
        ck_assert_int_eq(box_cgroup_attach(cg2, 0) == 0 ? 0 : -1, 0);
        /* we are in it ourselves now: move back before destroying */
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *p = NULL;
                FILE *f;
                ck_assert_int_ge(
                    asprintf(&p, "%s%s/cgroup.procs", l.v[i].mountpoint,
                             strcmp(l.v[i].own, "/") == 0 ? "" : l.v[i].own),
                    0);
                f = fopen(p, "we");
                ck_assert_ptr_nonnull(f);
                fprintf(f, "0");
                ck_assert_int_eq(fclose(f), 0);
        }
        ck_assert_int_eq(box_cgroup_destroy(cg2), 0);
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_stale_reclaimed)
{
        struct cg_layout l = {0};
        struct box_cgroup *cg = NULL;
        char name[64], err[256] = "";

        name_of(name, sizeof(name), "c");
        ck_assert_int_eq(cg_layout_read(&l), 0);
        /* what a crashed box leaves: empty DIR and DIR/enter */
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *d = dir_of(&l.v[i], name), *e = NULL;
                ck_assert_int_ge(asprintf(&e, "%s/enter", d), 0);
                ck_assert_int_eq(mkdir(d, 0755), 0);
                ck_assert_int_eq(mkdir(e, 0755), 0);
        }
        ck_assert_int_eq(
            box_cgroup_create(&l, name, 0, 0, 50, &cg, err, sizeof(err)), 0);
        ck_assert_int_eq(box_cgroup_destroy(cg), 0);
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *d = dir_of(&l.v[i], name);
                ck_assert(!exists(d));
        }
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_missing_controller_and_bad_name)
{
        struct cg_layout l = {0}, only = {0};
        struct box_cgroup *cg = NULL;
        char name[64], err[256] = "";
        const struct cg_hier *sd;

        name_of(name, sizeof(name), "d");
        ck_assert_int_eq(cg_layout_read(&l), 0);
        ck_assert_int_eq(
            box_cgroup_create(&l, "a/b", 0, 0, 0, &cg, err, sizeof(err)),
            -EINVAL);
        ck_assert_int_eq(
            box_cgroup_create(&l, "..", 0, 0, 0, &cg, err, sizeof(err)),
            -EINVAL);
        /* a layout with no memory controller anywhere: a memory limit is
         * an error and nothing is left behind */
        sd = cg_layout_find(&l, "pids");
        ck_assert_ptr_nonnull(sd);
        only.v = (struct cg_hier *)sd;
        only.n = 1;
        only.kind = CG_V1;
        ck_assert_int_eq(box_cgroup_create(&only, name, 0, 1 << 20, 0, &cg, err,
                                           sizeof(err)),
                         -EOPNOTSUPP);
        ck_assert_ptr_null(cg);
        ck_assert_ptr_nonnull(strstr(err, "memory"));
        {
                _cleanup_free_ char *d = dir_of(sd, name);
                ck_assert(!exists(d));
        }
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_kill_forking)
{
        struct cg_layout l = {0};
        struct box_cgroup *cg = NULL;
        char name[64], err[256] = "";
        int pfd[2], status;
        pid_t child;
        char c;

        name_of(name, sizeof(name), "e");
        ck_assert_int_eq(cg_layout_read(&l), 0);
        ck_assert_int_eq(
            box_cgroup_create(&l, name, 0, 0, 0, &cg, err, sizeof(err)), 0);
        ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
                char go;
                /* wait until attached, then make grandchildren */
                if (read(pfd[0], &go, 1) != 1)
                        _exit(1);
                for (int i = 0; i < 3; i++)
                        if (fork() == 0)
                                for (;;)
                                        pause();
                for (;;)
                        pause();
        }
        ck_assert_int_eq(box_cgroup_attach(cg, child), 0);
        c = 'g';
        ck_assert_int_eq(write(pfd[1], &c, 1), 1);
        /* let the grandchildren appear */
        for (int i = 0; i < 100; i++) {
                _cleanup_free_ char *d =
                    dir_of(cg_layout_find(&l, "pids"), name);
                _cleanup_free_ char *procs = read_at(d, "cgroup.procs");
                int n = 0;
                for (char *p = procs; (p = strchr(p, '\n')); p++)
                        n++;
                if (n >= 3)
                        break;
                usleep(10000);
        }
        ck_assert_int_eq(box_cgroup_kill(cg), 0);
        ck_assert_int_eq(waitpid(child, &status, 0), child);
        ck_assert(WIFSIGNALED(status));
        ck_assert_int_eq(box_cgroup_destroy(cg), 0);
        close(pfd[0]);
        close(pfd[1]);
        cg_layout_free(&l);
}
END_TEST

/* Runs fn in a forked child in a private mount namespace; returns its
 * exit status (0 = all good, else the line that failed). */
static int in_private_ns(int (*fn)(void))
{
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(200);
                _exit(fn());
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        return WEXITSTATUS(status);
}

#define CHILD_CHECK(x)                                                         \
        do {                                                                   \
                if (!(x)) {                                                    \
                        fprintf(stderr, "%s:%d: %s failed\n", __FILE__,        \
                                __LINE__, #x);                                 \
                        return __LINE__ % 200 + 1;                             \
                }                                                              \
        } while (0)

static int do_mount_missing(void)
{
        char err[256] = "";
        struct statfs sfs;
        int r;

        CHILD_CHECK(umount2("/sys/fs/cgroup/pids", MNT_DETACH) == 0);
        CHILD_CHECK(access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) < 0);
        r = cgroup_mount_missing("/", err, sizeof(err));
        if (r < 1)
                fprintf(stderr, "cgroup_mount_missing: %d %s\n", r, err);
        CHILD_CHECK(r >= 1);
        CHILD_CHECK(statfs("/sys/fs/cgroup/pids", &sfs) == 0);
        CHILD_CHECK(sfs.f_type == CGROUP_SUPER_MAGIC);
        CHILD_CHECK(access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) == 0);
        /* nothing missing any more */
        CHILD_CHECK(cgroup_mount_missing("/", err, sizeof(err)) == 0);
        return 0;
}

START_TEST(test_mount_missing)
{
        ck_assert_int_eq(in_private_ns(do_mount_missing), 0);
}
END_TEST

static int do_mount_conflict(void)
{
        char err[256] = "", p[128];
        int r;

        snprintf(p, sizeof(p), "%s/pids", g_tmpdir);
        CHILD_CHECK(mount("tmpfs", g_tmpdir, "tmpfs", 0, "mode=700") == 0);
        CHILD_CHECK(mkdir(p, 0755) == 0);
        CHILD_CHECK(mount("/sys/fs/cgroup/pids", p, NULL, MS_MOVE, NULL) == 0);
        CHILD_CHECK(mount("tmpfs", "/sys/fs/cgroup", "tmpfs", 0, "mode=755") ==
                    0);
        r = cgroup_mount_missing("/", err, sizeof(err));
        fprintf(stderr, "conflict: %d %s\n", r, err);
        CHILD_CHECK(r < 0);
        CHILD_CHECK(strstr(err, "pids") && strstr(err, p));
        /* /sys/fs/cgroup a mount of another kind: refused too */
        CHILD_CHECK(umount2(p, MNT_DETACH) == 0);
        CHILD_CHECK(umount2("/sys/fs/cgroup", MNT_DETACH) == 0);
        CHILD_CHECK(umount2("/sys/fs/cgroup", MNT_DETACH) == 0);
        CHILD_CHECK(mount("/", "/sys/fs/cgroup", NULL, MS_BIND, NULL) == 0);
        r = cgroup_mount_missing("/", err, sizeof(err));
        fprintf(stderr, "conflict: %d %s\n", r, err);
        CHILD_CHECK(r < 0);
        CHILD_CHECK(strstr(err, "/sys/fs/cgroup"));
        return 0;
}

START_TEST(test_mount_conflict)
{
        ck_assert(g_tmpdir[0]);
        ck_assert_int_eq(in_private_ns(do_mount_conflict), 0);
}
END_TEST

static struct box_cgroup *g_cg;
static struct cg_layout g_layout;

static int do_mount_in_box(void)
{
        char err[256] = "", p[256];
        _cleanup_free_ char *pc = NULL, *mi = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        CHILD_CHECK(box_cgroup_attach(g_cg, 0) == 0);
        CHILD_CHECK(unshare(CLONE_NEWCGROUP) == 0);
        snprintf(p, sizeof(p), "%s/sys/fs/cgroup", g_tmpdir);
        fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHILD_CHECK(fd >= 0);
        r = box_cgroup_mount_in_box(&g_layout, fd, err, sizeof(err));
        if (r < 0)
                fprintf(stderr, "mount_in_box: %d %s\n", r, err);
        CHILD_CHECK(r == 0);
        snprintf(p, sizeof(p), "%s/sys/fs/cgroup/memory/cgroup.procs",
                 g_tmpdir);
        CHILD_CHECK(access(p, F_OK) == 0);
        /* the box's memory root is its own cgroup: we are in it */
        {
                _cleanup_free_ char *procs = NULL;
                char me[32];
                CHILD_CHECK(cg_read_text(p, &procs) == 0);
                snprintf(me, sizeof(me), "%d\n", (int)getpid());
                CHILD_CHECK(strstr(procs, me) != NULL);
        }
        CHILD_CHECK(cg_read_text("/proc/self/cgroup", &pc) == 0);
        for (char *line = pc; *line;) {
                char *nl = strchrnul(line, '\n');
                CHILD_CHECK(nl - line >= 2 && nl[-1] == '/' && nl[-2] == ':');
                line = *nl ? nl + 1 : nl;
        }
        for (size_t i = 0; i < g_layout.n; i++) {
                const char *b = strrchr(g_layout.v[i].mountpoint, '/') + 1;
                struct statfs sfs;
                snprintf(p, sizeof(p), "%s/sys/fs/cgroup/%s", g_tmpdir, b);
                CHILD_CHECK(statfs(p, &sfs) == 0);
                CHILD_CHECK(sfs.f_type == (g_layout.v[i].v2
                                               ? CGROUP2_SUPER_MAGIC
                                               : CGROUP_SUPER_MAGIC));
        }
        return 0;
}

START_TEST(test_mount_in_box)
{
        char name[64], err[256] = "", p[128];

        ck_assert(g_tmpdir[0]);
        snprintf(p, sizeof(p), "%s/sys/fs/cgroup", g_tmpdir);
        {
                char q[128];
                snprintf(q, sizeof(q), "%s/sys", g_tmpdir);
                ck_assert_int_eq(mkdir(q, 0755), 0);
                snprintf(q, sizeof(q), "%s/sys/fs", g_tmpdir);
                ck_assert_int_eq(mkdir(q, 0755), 0);
                ck_assert_int_eq(mkdir(p, 0755), 0);
        }
        name_of(name, sizeof(name), "f");
        ck_assert_int_eq(cg_layout_read(&g_layout), 0);
        ck_assert_int_eq(box_cgroup_create(&g_layout, name, 0, 0, 0, &g_cg, err,
                                           sizeof(err)),
                         0);
        ck_assert_int_eq(in_private_ns(do_mount_in_box), 0);
        ck_assert_int_eq(box_cgroup_destroy(g_cg), 0);
        cg_layout_free(&g_layout);
}
END_TEST

START_TEST(test_pbox_check)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        int r;

        ck_assert_ptr_nonnull(f);
        r = pbox_check_run(f);
        fclose(f);
        fputs(buf, stderr);
        ck_assert_int_eq(r, 0);
        ck_assert_ptr_nonnull(strstr(buf, "CHECK"));
        ck_assert_ptr_nonnull(strstr(buf, "\ncgroupns "));
        ck_assert_ptr_nonnull(strstr(buf, "controller memory"));
        ck_assert_ptr_null(strstr(buf, " FAIL "));
        free(buf);
}
END_TEST

static Suite *cgroup_suite(void)
{
        Suite *s = suite_create("cgroup");
        TCase *tc = tcase_create("real");

        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_create_limits_attach_destroy);
        tcase_add_test(tc, test_create_twice_and_busy);
        tcase_add_test(tc, test_stale_reclaimed);
        tcase_add_test(tc, test_missing_controller_and_bad_name);
        tcase_add_test(tc, test_kill_forking);
        tcase_add_test(tc, test_mount_missing);
        tcase_add_test(tc, test_mount_conflict);
        tcase_add_test(tc, test_mount_in_box);
        tcase_add_test(tc, test_pbox_check);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(cgroup_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
