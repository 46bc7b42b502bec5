/* check_config_user.c — unit tests for libipc/config_user.c: resolving
 * --user specs against a box's passwd and group contents. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

#define ck_err_has(err, s) ck_assert_msg(strstr(err, s), "err %s", err)

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "garbage line without colons\n"
    "broken:x:notanumber:1::/home/broken:/bin/sh\n"
    "short:x:7:7\n"
    ":x:8:8::/:/bin/sh\n"
    "toolong:x:9:9::/:/bin/sh:extra\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "nohome:x:1001:100:::/bin/sh\n"
    "alice:x:2000:2000:dup:/elsewhere:/bin/sh\n"
    "big:x:4294967295:1::/:/bin/sh\n"
    "last:x:1002:1002::/home/last:/bin/sh"; /* no final newline */

static const char group[] = "root:x:0:\n"
                            "wheel:x:10:root,alice\n"
                            "users:x:100:\n"
                            "audio:x:29:bob,alice,carol\n"
                            "bad:x:zz:alice\n"
                            "noname:x:\n"
                            "alice:x:1000:\n"
                            "video:x:44:alicex,xalice\n"
                            "dupe:x:10:alice\n"
                            "staff:x:50:carol,alice";

static int resolve(const char *spec, struct pbox_user *u, char *err)
{
        return pbox_user_resolve(spec, passwd, strlen(passwd), group,
                                 strlen(group), u, err);
}

START_TEST(test_by_name)
{
        struct pbox_user u = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(resolve("alice", &u, err), 0);
        ck_assert_uint_eq(u.uid, 1000);
        ck_assert_uint_eq(u.gid, 1000);
        ck_assert_str_eq(u.name, "alice");
        ck_assert_str_eq(u.home, "/home/alice"); /* first entry wins */
        /* primary, then wheel(10), audio(29), staff(50), deduplicated */
        ck_assert_uint_eq(u.ngroups, 4);
        ck_assert_uint_eq(u.groups[0], 1000);
        ck_assert_uint_eq(u.groups[1], 10);
        ck_assert_uint_eq(u.groups[2], 29);
        ck_assert_uint_eq(u.groups[3], 50);
        pbox_user_free(&u);
        ck_assert_ptr_null(u.name);
        pbox_user_free(&u);
        pbox_user_free(NULL);

        ck_assert_int_eq(resolve("root", &u, err), 0);
        ck_assert_uint_eq(u.uid, 0);
        ck_assert_str_eq(u.home, "/root");
        ck_assert_uint_eq(u.ngroups, 2);
        ck_assert_uint_eq(u.groups[0], 0);
        ck_assert_uint_eq(u.groups[1], 10);
        pbox_user_free(&u);

        ck_assert_int_eq(resolve("nohome", &u, err), 0);
        ck_assert_str_eq(u.home, "/");
        ck_assert_uint_eq(u.gid, 100);
        pbox_user_free(&u);

        ck_assert_int_eq(resolve("last", &u, err), 0);
        ck_assert_uint_eq(u.uid, 1002);
        ck_assert_str_eq(u.home, "/home/last");
        pbox_user_free(&u);
}
END_TEST

START_TEST(test_by_uid)
{
        struct pbox_user u = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(resolve("1000", &u, err), 0);
        ck_assert_str_eq(u.name, "alice");
        ck_assert_uint_eq(u.gid, 1000);
        ck_assert_str_eq(u.home, "/home/alice");
        ck_assert_uint_eq(u.ngroups, 4);
        pbox_user_free(&u);

        /* absent: taken exactly */
        ck_assert_int_eq(resolve("4242", &u, err), 0);
        ck_assert_uint_eq(u.uid, 4242);
        ck_assert_uint_eq(u.gid, 4242);
        ck_assert_ptr_null(u.name);
        ck_assert_str_eq(u.home, "/");
        ck_assert_uint_eq(u.ngroups, 1);
        ck_assert_uint_eq(u.groups[0], 4242);
        pbox_user_free(&u);

        ck_assert_int_eq(resolve("4242:7", &u, err), 0);
        ck_assert_uint_eq(u.uid, 4242);
        ck_assert_uint_eq(u.gid, 7);
        ck_assert_uint_eq(u.groups[0], 7);
        pbox_user_free(&u);

        ck_assert_int_eq(resolve("4294967294", &u, err), 0);
        ck_assert_uint_eq(u.uid, 4294967294U);
        pbox_user_free(&u);

        /* numbers in malformed lines do not count */
        ck_assert_int_eq(resolve("7", &u, err), 0);
        ck_assert_ptr_null(u.name);
        pbox_user_free(&u);
        ck_assert_int_eq(resolve("9", &u, err), 0);
        ck_assert_ptr_null(u.name);
        pbox_user_free(&u);
}
END_TEST

START_TEST(test_with_group)
{
        struct pbox_user u = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(resolve("1000:29", &u, err), 0);
        ck_assert_uint_eq(u.uid, 1000);
        ck_assert_uint_eq(u.gid, 29);
        ck_assert_str_eq(u.home, "/home/alice");
        ck_assert_uint_eq(u.groups[0], 29);
        ck_assert_uint_eq(u.ngroups, 3); /* 29, 10, 50 */
        pbox_user_free(&u);

        ck_assert_int_eq(resolve("alice:users", &u, err), 0);
        ck_assert_uint_eq(u.gid, 100);
        ck_assert_uint_eq(u.groups[0], 100);
        ck_assert_uint_eq(u.ngroups, 4);
        pbox_user_free(&u);

        ck_assert_int_eq(resolve("alice:12345", &u, err), 0);
        ck_assert_uint_eq(u.gid, 12345);
        pbox_user_free(&u);

        ck_assert_int_eq(resolve("0:wheel", &u, err), 0);
        ck_assert_uint_eq(u.gid, 10);
        ck_assert_uint_eq(u.ngroups, 1);
        pbox_user_free(&u);
}
END_TEST

START_TEST(test_unknown)
{
        struct pbox_user u = {.uid = 77};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(resolve("bob", &u, err), -ENOENT);
        ck_assert_str_eq(err, "unknown user \"bob\"");
        ck_assert_int_eq(resolve("bob:wheel", &u, err), -ENOENT);
        ck_assert_str_eq(err, "unknown user \"bob\"");
        ck_assert_int_eq(resolve("broken", &u, err), -ENOENT);
        ck_assert_int_eq(resolve("short", &u, err), -ENOENT);
        ck_assert_int_eq(resolve("toolong", &u, err), -ENOENT);
        ck_assert_int_eq(resolve("big", &u, err), -ENOENT);
        ck_assert_int_eq(resolve("alice:nogroup", &u, err), -ENOENT);
        ck_assert_str_eq(err, "unknown group \"nogroup\"");
        ck_assert_int_eq(resolve("alice:bad", &u, err), -ENOENT);
        ck_assert_int_eq(resolve("alice:noname", &u, err), -ENOENT);
        ck_assert_uint_eq(u.uid, 77);
        ck_assert_ptr_null(u.name);
}
END_TEST

START_TEST(test_bad_spec)
{
        const struct {
                const char *spec, *why;
        } bad[] = {
            {"", "empty user"},
            {":0", "empty user"},
            {"alice:", "empty group"},
            {"0:", "empty group"},
            {"a:b:c", "more than one ':'"},
            {"4294967295", "uid out of range"},
            {"99999999999999999999999", "uid out of range"},
            {"0:4294967295", "gid out of range"},
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct pbox_user u = {0};
                char err[PBOX_ERR_LEN];

                ck_assert_msg(resolve(bad[i].spec, &u, err) == -EINVAL,
                              "%s accepted", bad[i].spec);
                ck_assert_msg(strncmp(err, "bad user \"", 10) == 0, "%s", err);
                ck_err_has(err, bad[i].why);
        }
}
END_TEST

START_TEST(test_no_files)
{
        struct pbox_user u = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_user_resolve("0", NULL, 0, NULL, 0, &u, err), 0);
        ck_assert_uint_eq(u.uid, 0);
        ck_assert_uint_eq(u.gid, 0);
        ck_assert_ptr_null(u.name);
        ck_assert_uint_eq(u.ngroups, 1);
        pbox_user_free(&u);
        ck_assert_int_eq(pbox_user_resolve("root", NULL, 0, NULL, 0, &u, err),
                         -ENOENT);
        ck_assert_int_eq(pbox_user_resolve("root", "", 0, "", 0, &u, err),
                         -ENOENT);
        ck_assert_int_eq(
            pbox_user_resolve("0:wheel", NULL, 0, NULL, 0, &u, err), -ENOENT);
}
END_TEST

START_TEST(test_buffers_not_terminated)
{
        /* lengths bound the parse: nothing past them, NUL lines skipped */
        static const char pw[] = "root:x:0:0::/root:/bin/sh\n"
                                 "ev\0l:x:5:5::/:/bin/sh\n"
                                 "cut:x:6:6::/home/cut:/bin/shXXXX";
        struct pbox_user u = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(
            pbox_user_resolve("cut", pw, sizeof(pw) - 1 - 4, NULL, 0, &u, err),
            0);
        ck_assert_str_eq(u.home, "/home/cut");
        pbox_user_free(&u);
        ck_assert_int_eq(
            pbox_user_resolve("5", pw, sizeof(pw) - 1, NULL, 0, &u, err), 0);
        ck_assert_ptr_null(u.name);
        pbox_user_free(&u);
        ck_assert_int_eq(pbox_user_resolve("cut", pw, 30, NULL, 0, &u, err),
                         -ENOENT);
}
END_TEST

START_TEST(test_many_groups)
{
        /* 90 000 groups list alice, 67 500 distinct: capped at 65 536 */
        size_t n = 90000, cap = n * 40 + 64, off = 0;
        char *g = malloc(cap);
        struct pbox_user u = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_ptr_nonnull(g);
        for (size_t i = 0; i < n; i++)
                off +=
                    (size_t)snprintf(g + off, cap - off, "g%zu:x:%zu:x,alice\n",
                                     i, 5000 + (i % 2 ? i : i / 2));
        ck_assert_int_eq(
            pbox_user_resolve("alice", passwd, strlen(passwd), g, off, &u, err),
            0);
        ck_assert_uint_eq(u.ngroups, 65536);
        ck_assert_uint_eq(u.groups[0], 1000);
        for (size_t i = 2; i < u.ngroups; i++)
                ck_assert_uint_lt(u.groups[i - 1], u.groups[i]);
        pbox_user_free(&u);
        free(g);
}
END_TEST

static Suite *user_suite(void)
{
        Suite *s = suite_create("config_user");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_by_name);
        tcase_add_test(tc, test_by_uid);
        tcase_add_test(tc, test_with_group);
        tcase_add_test(tc, test_unknown);
        tcase_add_test(tc, test_bad_spec);
        tcase_add_test(tc, test_no_files);
        tcase_add_test(tc, test_buffers_not_terminated);
        tcase_add_test(tc, test_many_groups);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(user_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
