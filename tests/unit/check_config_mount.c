/* check_config_mount.c — unit tests for libipc/config_mount.c: --volume
 * specs (SPEC §4.2). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

#define ck_err_has(err, s) ck_assert_msg(strstr(err, s), "err %s", err)

START_TEST(test_simple)
{
        struct pbox_mounts m = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_mounts_set(&m, "/host:/box", err), 0);
        ck_assert_uint_eq(m.n, 1);
        ck_assert_str_eq(m.v[0].src, "/host");
        ck_assert_str_eq(m.v[0].dst, "/box");
        ck_assert(!m.v[0].readonly);
        ck_assert(!m.v[0].skip_if_missing);
        ck_assert(!m.v[0].recursive);
        pbox_mounts_free(&m);
        ck_assert_ptr_null(m.v);
        ck_assert_uint_eq(m.n, 0);
        pbox_mounts_free(&m); /* twice is fine */
        pbox_mounts_free(NULL);
}
END_TEST

START_TEST(test_options)
{
        const struct {
                const char *spec;
                bool ro, skip, rec;
        } ok[] = {
            {"/a:/b:ro", true, false, false},
            {"/a:/b:r", true, false, false},
            {"/a:/b:rw", false, false, false},
            {"/a:/b:w", false, false, false},
            {"/a:/b:skip", false, true, false},
            {"/a:/b:rec", false, false, true},
            {"/a:/b:recursive", false, false, true},
            {"/a:/b:ro:skip:rec", true, true, true},
            {"/a:/b:skip:r:recursive:ro", true, true, true},
        };

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                struct pbox_mounts m = {0};
                char err[PBOX_ERR_LEN];

                ck_assert_msg(pbox_mounts_set(&m, ok[i].spec, err) == 0,
                              "%s: %s", ok[i].spec, err);
                ck_assert_uint_eq(m.n, 1);
                ck_assert_int_eq(m.v[0].readonly, ok[i].ro);
                ck_assert_int_eq(m.v[0].skip_if_missing, ok[i].skip);
                ck_assert_int_eq(m.v[0].recursive, ok[i].rec);
                pbox_mounts_free(&m);
        }
}
END_TEST

START_TEST(test_normalise)
{
        const struct {
                const char *spec, *dst;
        } ok[] = {
            {"/a://b", "/b"},
            {"/a:/b/", "/b"},
            {"/a:/b//c///", "/b/c"},
            {"/a:/./b/./c/.", "/b/c"},
            {"/a:/b/.../c", "/b/.../c"},
            {"/a:/b/..c/c..", "/b/..c/c.."},
            {"/a:/.hidden", "/.hidden"},
        };

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                struct pbox_mounts m = {0};
                char err[PBOX_ERR_LEN];

                ck_assert_msg(pbox_mounts_set(&m, ok[i].spec, err) == 0,
                              "%s: %s", ok[i].spec, err);
                ck_assert_str_eq(m.v[0].dst, ok[i].dst);
                pbox_mounts_free(&m);
        }
}
END_TEST

START_TEST(test_glob_and_relative_src_kept)
{
        struct pbox_mounts m = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_mounts_set(&m, "/dev/sd[a-z]*?:/mnt/x", err), 0);
        ck_assert_str_eq(m.v[0].src, "/dev/sd[a-z]*?");
        ck_assert_int_eq(pbox_mounts_set(&m, "rel/dir:/y", err), 0);
        ck_assert_str_eq(m.v[1].src, "rel/dir");
        pbox_mounts_free(&m);
}
END_TEST

START_TEST(test_list)
{
        struct pbox_mounts m = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_mounts_set(&m, "a:/b,c:/d:ro", err), 0);
        ck_assert_uint_eq(m.n, 2);
        ck_assert_str_eq(m.v[0].src, "a");
        ck_assert_str_eq(m.v[1].dst, "/d");
        ck_assert(!m.v[0].readonly);
        ck_assert(m.v[1].readonly);
        ck_assert_int_eq(pbox_mounts_set(&m, "e:/f,", err), 0);
        ck_assert_uint_eq(m.n, 3);
        ck_assert_str_eq(m.v[2].src, "e");
        /* repeated calls append */
        for (int i = 0; i < 100; i++)
                ck_assert_int_eq(pbox_mounts_set(&m, "x:/y,z:/w", err), 0);
        ck_assert_uint_eq(m.n, 203);
        ck_assert_str_eq(m.v[202].src, "z");
        pbox_mounts_free(&m);
}
END_TEST

START_TEST(test_bad)
{
        const struct {
                const char *spec, *tok, *why;
        } bad[] = {
            {"", "\"\"", "empty"},
            {"a", "\"a\"", "missing destination"},
            {":/b", "\":/b\"", "empty source"},
            {"a:", "\"a:\"", "empty destination"},
            {"a::ro", "\"a::ro\"", "empty destination"},
            {"a:b", "\"a:b\"", "not an absolute"},
            {"a:b:xx", "\"a:b:xx\"", "unknown option \"xx\""},
            {"a:/b:RO", "\"a:/b:RO\"", "unknown option \"RO\""},
            {"a:/b:", "\"a:/b:\"", "empty option"},
            {"a:/b::ro", "\"a:/b::ro\"", "empty option"},
            {"a:/b:ro:", "\"a:/b:ro:\"", "empty option"},
            {"a:/b:ro:rw", "\"a:/b:ro:rw\"", "read-only and read-write"},
            {"a:/b:/c", "\"a:/b:/c\"", "unknown option \"/c\""},
            {"a:/", "\"a:/\"", "root"},
            {"a://./", "\"a://./\"", "root"},
            {"a:/b/../c", "\"a:/b/../c\"", "\"..\""},
            {"a:/..", "\"a:/..\"", "\"..\""},
            {"a:/b/..", "\"a:/b/..\"", "\"..\""},
            {"a:/b,,c:/d", "\"\"", "empty item"},
            {",a:/b", "\"\"", "empty item"},
            {",", "\"\"", "empty item"},
            {"a:/b,c", "\"c\"", "missing destination"},
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct pbox_mounts m = {0};
                char err[PBOX_ERR_LEN];

                ck_assert_int_eq(pbox_mounts_set(&m, "/keep:/keep", err), 0);
                err[0] = '\0';
                ck_assert_msg(pbox_mounts_set(&m, bad[i].spec, err) == -EINVAL,
                              "%s accepted", bad[i].spec);
                ck_assert_msg(strncmp(err, "bad volume ", 11) == 0, "%s", err);
                ck_err_has(err, bad[i].tok);
                ck_err_has(err, bad[i].why);
                /* nothing appended, the earlier entry intact */
                ck_assert_uint_eq(m.n, 1);
                ck_assert_str_eq(m.v[0].dst, "/keep");
                pbox_mounts_free(&m);
        }
}
END_TEST

START_TEST(test_control_chars_one_line)
{
        struct pbox_mounts m = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_mounts_set(&m, "a\n:/b:x\ny", err), -EINVAL);
        ck_assert_ptr_null(strchr(err, '\n'));
        ck_err_has(err, "a?:/b:x?y");
}
END_TEST

START_TEST(test_huge)
{
        size_t n = 1 << 20;
        char *s = malloc(n + 1), err[PBOX_ERR_LEN];
        struct pbox_mounts m = {0};

        ck_assert_ptr_nonnull(s);
        /* a 1 MiB source is kept whole */
        memset(s, 'x', n);
        memcpy(s + n - 3, ":/d", 3);
        s[n] = '\0';
        ck_assert_int_eq(pbox_mounts_set(&m, s, err), 0);
        ck_assert_uint_eq(strlen(m.v[0].src), n - 3);
        /* a 1 MiB bad item: the error is cut but still names the reason */
        s[n - 3] = 'x';
        ck_assert_int_eq(pbox_mounts_set(&m, s, err), -EINVAL);
        ck_assert_uint_lt(strlen(err), PBOX_ERR_LEN);
        ck_err_has(err, "missing destination");
        /* a list of 100 000 items */
        for (size_t i = 0; i + 6 <= n; i += 6)
                memcpy(s + i, "a:/b/,", 6);
        s[(n / 6) * 6] = '\0';
        ck_assert_int_eq(pbox_mounts_set(&m, s, err), 0);
        ck_assert_uint_eq(m.n, 1 + n / 6);
        ck_assert_str_eq(m.v[m.n - 1].dst, "/b");
        free(s);
        pbox_mounts_free(&m);
}
END_TEST

static Suite *mount_suite(void)
{
        Suite *s = suite_create("config_mount");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_simple);
        tcase_add_test(tc, test_options);
        tcase_add_test(tc, test_normalise);
        tcase_add_test(tc, test_glob_and_relative_src_kept);
        tcase_add_test(tc, test_list);
        tcase_add_test(tc, test_bad);
        tcase_add_test(tc, test_control_chars_one_line);
        tcase_add_test(tc, test_huge);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(mount_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
