/* check_config_file.c — unit tests for libipc/config_file.c: --file specs
 * `SRC:DST[:MODE[:UID:GID]]`. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

#define ck_err_has(err, s) ck_assert_msg(strstr(err, s), "err %s", err)

START_TEST(test_forms)
{
        struct pbox_file f = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(
            pbox_file_parse("/etc/resolv.conf:/etc/resolv.conf", &f, err), 0);
        ck_assert_str_eq(f.src, "/etc/resolv.conf");
        ck_assert_str_eq(f.dst, "/etc/resolv.conf");
        ck_assert(!f.has_mode);
        ck_assert(!f.has_owner);
        pbox_file_free(&f);
        ck_assert_ptr_null(f.src);
        pbox_file_free(&f);
        pbox_file_free(NULL);

        ck_assert_int_eq(pbox_file_parse("rel/x://etc/./x/", &f, err), 0);
        ck_assert_str_eq(f.src, "rel/x");
        ck_assert_str_eq(f.dst, "/etc/x");
        pbox_file_free(&f);

        ck_assert_int_eq(pbox_file_parse("a:/b:0640", &f, err), 0);
        ck_assert(f.has_mode);
        ck_assert_uint_eq(f.mode, 0640);
        ck_assert(!f.has_owner);
        pbox_file_free(&f);

        ck_assert_int_eq(pbox_file_parse("a:/b:7777:1000:4294967294", &f, err),
                         0);
        ck_assert_uint_eq(f.mode, 07777);
        ck_assert(f.has_owner);
        ck_assert_uint_eq(f.uid, 1000);
        ck_assert_uint_eq(f.gid, 4294967294U);
        pbox_file_free(&f);

        ck_assert_int_eq(pbox_file_parse("a:/b:0:0:0", &f, err), 0);
        ck_assert(f.has_mode && f.has_owner);
        ck_assert_uint_eq(f.mode + f.uid + f.gid, 0);
        pbox_file_free(&f);
}
END_TEST

START_TEST(test_bad)
{
        const struct {
                const char *spec, *why;
        } bad[] = {
            {"", "missing destination"},
            {"a", "missing destination"},
            {":/b", "empty source"},
            {"a:", "empty destination"},
            {"a:b", "not an absolute"},
            {"a:/", "root"},
            {"a:/b/../c", "\"..\""},
            {"a:/b:", "mode \"\""},
            {"a:/b:0888", "mode \"0888\""},
            {"a:/b:10000", "mode"},
            {"a:/b:rw", "mode \"rw\""},
            {"a:/b:0644:1", "UID without GID"},
            {"a:/b:0644:1:", "gid \"\""},
            {"a:/b:0644::1", "uid \"\""},
            {"a:/b:0644:x:1", "uid \"x\""},
            {"a:/b:0644:1:4294967295", "gid"},
            {"a:/b:0644:-1:1", "uid"},
            {"a:/b:0644:1:1:", "too many fields"},
            {"a:/b:0644:1:1:x", "too many fields"},
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct pbox_file f = {.src = (char *)"untouched"};
                char err[PBOX_ERR_LEN];

                ck_assert_msg(pbox_file_parse(bad[i].spec, &f, err) == -EINVAL,
                              "%s accepted", bad[i].spec);
                ck_assert_msg(strncmp(err, "bad file \"", 10) == 0 &&
                                  strncmp(err + 10, bad[i].spec,
                                          strlen(bad[i].spec)) == 0,
                              "%s", err);
                ck_err_has(err, bad[i].why);
                ck_assert_str_eq(f.src, "untouched");
        }
}
END_TEST

START_TEST(test_huge)
{
        size_t n = 1 << 20;
        char *s = malloc(n + 1), err[PBOX_ERR_LEN];
        struct pbox_file f = {0};

        ck_assert_ptr_nonnull(s);
        memset(s, 'y', n);
        memcpy(s, "/src:/", 6);
        s[n] = '\0';
        ck_assert_int_eq(pbox_file_parse(s, &f, err), 0);
        ck_assert_uint_eq(strlen(f.dst), n - 5);
        pbox_file_free(&f);
        s[n - 1] = ':';
        ck_assert_int_eq(pbox_file_parse(s, &f, err), -EINVAL);
        ck_assert_uint_lt(strlen(err), PBOX_ERR_LEN);
        ck_err_has(err, "mode \"\"");
        free(s);
}
END_TEST

static Suite *file_suite(void)
{
        Suite *s = suite_create("config_file");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_forms);
        tcase_add_test(tc, test_bad);
        tcase_add_test(tc, test_huge);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(file_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
