/* check_resolve.c — resolve_in_root (mounter/resolve.c): "..", absolute
 * and relative symlinks, loops and creation stay inside the root, both
 * with openat2 and with the fallback walk. No privilege needed. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "../../mounter/resolve.h"

static char tmpdir[64];
static int rootfd = -EBADF;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
        char cmd[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        ck_assert_int_eq(system(cmd), 0);
}

static void setup(void)
{
        strcpy(tmpdir, "/tmp/pbox-resolve-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        sh("cd %s && mkdir -p root/a/b root/etc outside && touch root/a/b/f "
           "outside/secret && ln -s /a root/abs && ln -s ../../../../a "
           "root/up && ln -s loop2 root/loop1 && ln -s loop1 root/loop2 && "
           "ln -s /made/here root/dang && ln -s /etc root/etclink && "
           "ln -s ../outside root/a/rel",
           tmpdir);
        char path[128];
        snprintf(path, sizeof(path), "%s/root", tmpdir);
        rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(rootfd, 0);
}

static void teardown(void)
{
        close(rootfd);
        if (tmpdir[0])
                sh("rm -rf %s", tmpdir);
}

/* Loop index 0: openat2; 1: the fallback walk. */
static unsigned mode(int i)
{
        return i ? RESOLVE_FORCE_WALK : 0;
}

static void same_file(int fd, const char *rel)
{
        char p[256];
        struct stat a, b;

        snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
        ck_assert_int_eq(fstat(fd, &a), 0);
        ck_assert_msg(stat(p, &b) == 0, "stat %s: %m", p);
        ck_assert_msg(a.st_dev == b.st_dev && a.st_ino == b.st_ino,
                      "resolved to something other than %s", rel);
}

START_TEST(test_dotdot_stays_in_root)
{
        int fd = -EBADF;

        ck_assert_int_eq(
            resolve_in_root(rootfd, "/../../a/../../a/b", mode(_i), &fd), 0);
        same_file(fd, "root/a/b");
        close(fd);
        ck_assert_int_eq(resolve_in_root(rootfd, "..", mode(_i), &fd), 0);
        same_file(fd, "root");
        close(fd);
}
END_TEST

START_TEST(test_symlinks_stay_in_root)
{
        int fd = -EBADF;

        ck_assert_int_eq(resolve_in_root(rootfd, "abs/b/f", mode(_i), &fd), 0);
        same_file(fd, "root/a/b/f");
        close(fd);
        ck_assert_int_eq(resolve_in_root(rootfd, "/up/b", mode(_i), &fd), 0);
        same_file(fd, "root/a/b");
        close(fd);
        ck_assert_int_eq(resolve_in_root(rootfd, "etclink", mode(_i), &fd), 0);
        same_file(fd, "root/etc");
        close(fd);
        /* ../outside from root/a is root/outside, which does not exist. */
        ck_assert_int_eq(resolve_in_root(rootfd, "a/rel/secret", mode(_i), &fd),
                         -ENOENT);
}
END_TEST

START_TEST(test_loop)
{
        int fd = -EBADF;

        ck_assert_int_eq(resolve_in_root(rootfd, "loop1", mode(_i), &fd),
                         -ELOOP);
        ck_assert_int_eq(
            resolve_in_root(rootfd, "loop2/x", mode(_i) | RESOLVE_MKDIR, &fd),
            -ELOOP);
}
END_TEST

START_TEST(test_missing_and_mkdir)
{
        struct stat st;
        char p[256];
        int fd = -EBADF;

        ck_assert_int_eq(resolve_in_root(rootfd, "/x/y/z", mode(_i), &fd),
                         -ENOENT);
        ck_assert_int_eq(
            resolve_in_root(rootfd, "/x/y/z", mode(_i) | RESOLVE_MKDIR, &fd),
            0);
        same_file(fd, "root/x/y/z");
        close(fd);
        snprintf(p, sizeof(p), "%s/root/x/y", tmpdir);
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_int_eq(st.st_mode & 07777, 0755);

        /* A dangling absolute symlink: its target is created in the root. */
        ck_assert_int_eq(
            resolve_in_root(rootfd, "/dang", mode(_i) | RESOLVE_MKDIR, &fd), 0);
        same_file(fd, "root/made/here");
        close(fd);

        ck_assert_int_eq(resolve_in_root(rootfd, "/etclink/new/file",
                                         mode(_i) | RESOLVE_MKFILE, &fd),
                         0);
        same_file(fd, "root/etc/new/file");
        close(fd);
        snprintf(p, sizeof(p), "%s/root/etc/new/file", tmpdir);
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(st.st_mode & 07777, 0644);
        ck_assert_int_eq(st.st_size, 0);

        /* A file in the middle of the path is not a directory. */
        ck_assert_int_eq(
            resolve_in_root(rootfd, "/a/b/f/g", mode(_i) | RESOLVE_MKDIR, &fd),
            -ENOTDIR);
        ck_assert_int_eq(
            resolve_in_root(rootfd, "/a/b/f", mode(_i) | RESOLVE_DIR, &fd),
            -ENOTDIR);
}
END_TEST

START_TEST(test_fd_kinds)
{
        int fd = -EBADF, fl;

        ck_assert_int_eq(
            resolve_in_root(rootfd, "/a", mode(_i) | RESOLVE_DIR, &fd), 0);
        fl = fcntl(fd, F_GETFL);
        ck_assert(!(fl & O_PATH));
        ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
        ck_assert_int_eq(resolve_in_root(rootfd, "/a/b/f", mode(_i), &fd), 0);
        ck_assert(fcntl(fd, F_GETFL) & O_PATH);
        ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
}
END_TEST

START_TEST(test_parent)
{
        _cleanup_free_ char *name = NULL;
        int fd = -EBADF;

        ck_assert_int_eq(resolve_parent_in_root(rootfd, "/abs/b/newname//",
                                                mode(_i), &fd, &name),
                         0);
        same_file(fd, "root/a/b");
        ck_assert_str_eq(name, "newname");
        close(fd);
        free(TAKE_PTR(name));
        ck_assert_int_eq(
            resolve_parent_in_root(rootfd, "top", mode(_i), &fd, &name), 0);
        same_file(fd, "root");
        ck_assert_str_eq(name, "top");
        close(fd);
        free(TAKE_PTR(name));
        ck_assert_int_eq(
            resolve_parent_in_root(rootfd, "/", mode(_i), &fd, &name), -EINVAL);
        ck_assert_int_eq(
            resolve_parent_in_root(rootfd, "/a/..", mode(_i), &fd, &name),
            -EINVAL);
        ck_assert_int_eq(
            resolve_parent_in_root(rootfd, "/p/q/r", mode(_i), &fd, &name),
            -ENOENT);
        ck_assert_int_eq(resolve_parent_in_root(rootfd, "/p/q/r",
                                                mode(_i) | RESOLVE_MKDIR, &fd,
                                                &name),
                         0);
        same_file(fd, "root/p/q");
        ck_assert_str_eq(name, "r");
        close(fd);
}
END_TEST

static Suite *resolve_suite(void)
{
        Suite *s = suite_create("resolve");
        TCase *tc = tcase_create("core");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_dotdot_stays_in_root, 0, 2);
        tcase_add_loop_test(tc, test_symlinks_stay_in_root, 0, 2);
        tcase_add_loop_test(tc, test_loop, 0, 2);
        tcase_add_loop_test(tc, test_missing_and_mkdir, 0, 2);
        tcase_add_loop_test(tc, test_fd_kinds, 0, 2);
        tcase_add_loop_test(tc, test_parent, 0, 2);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(resolve_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
