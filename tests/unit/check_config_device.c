/* check_config_device.c — unit tests for libipc/config_device.c: --device
 * specs (SPEC §4.3). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

#define ck_err_has(err, s) ck_assert_msg(strstr(err, s), "err %s", err)

START_TEST(test_path_only)
{
        struct pbox_devices d = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(pbox_devices_set(&d, "path=/dev/fuse", err), 0);
        ck_assert_uint_eq(d.n, 1);
        ck_assert_str_eq(d.v[0].path, "/dev/fuse");
        ck_assert_str_eq(d.v[0].permissions, "rwm");
        ck_assert(!d.v[0].has_file_mode);
        ck_assert_uint_eq(d.v[0].uid, 0);
        ck_assert_uint_eq(d.v[0].gid, 0);
        pbox_devices_free(&d);
        ck_assert_ptr_null(d.v);
        pbox_devices_free(&d);
        pbox_devices_free(NULL);
}
END_TEST

START_TEST(test_full)
{
        struct pbox_devices d = {0};
        char err[PBOX_ERR_LEN];

        ck_assert_int_eq(
            pbox_devices_set(&d,
                             "path=/dev/sd[a-z]*;permissions=rw;"
                             "fileMode=0660;uid=1000;gid=4294967294",
                             err),
            0);
        ck_assert_str_eq(d.v[0].path, "/dev/sd[a-z]*");
        ck_assert_str_eq(d.v[0].permissions, "rw");
        ck_assert(d.v[0].has_file_mode);
        ck_assert_uint_eq(d.v[0].file_mode, 0660);
        ck_assert_uint_eq(d.v[0].uid, 1000);
        ck_assert_uint_eq(d.v[0].gid, 4294967294U);
        /* any order, trailing ';', a second device appended */
        ck_assert_int_eq(pbox_devices_set(&d,
                                          "gid=5;fileMode=7777;"
                                          "permissions=mwr;path=/dev/x=y;",
                                          err),
                         0);
        ck_assert_uint_eq(d.n, 2);
        ck_assert_str_eq(d.v[1].path, "/dev/x=y");
        ck_assert_str_eq(d.v[1].permissions, "mwr");
        ck_assert_uint_eq(d.v[1].file_mode, 07777);
        ck_assert_uint_eq(d.v[1].gid, 5);
        ck_assert_int_eq(pbox_devices_set(&d, "path=/a;fileMode=0", err), 0);
        ck_assert(d.v[2].has_file_mode);
        ck_assert_uint_eq(d.v[2].file_mode, 0);
        for (const char *p = "r\0w\0m\0rm\0wm\0"; *p; p += strlen(p) + 1) {
                char spec[64];

                snprintf(spec, sizeof(spec), "path=/z;permissions=%s", p);
                ck_assert_int_eq(pbox_devices_set(&d, spec, err), 0);
                ck_assert_str_eq(d.v[d.n - 1].permissions, p);
        }
        pbox_devices_free(&d);
}
END_TEST

START_TEST(test_bad)
{
        const struct {
                const char *spec, *why;
        } bad[] = {
            {"", "empty"},
            {";", "empty item"},
            {"path=/a;;uid=1", "empty item"},
            {";path=/a", "empty item"},
            {"path=/a;;", "empty item"},
            {"uid=1", "missing path"},
            {"path=", "absolute"},
            {"path=dev/x", "absolute"},
            {"path", "no '='"},
            {"path=/a;uid", "no '='"},
            {"Path=/a", "unknown key \"Path\""},
            {"path=/a;filemode=0666", "unknown key \"filemode\""},
            {"path=/a;mode=1", "unknown key \"mode\""},
            {"path=/a;=1", "unknown key \"\""},
            {"path=/a;path=/b", "\"path\" given twice"},
            {"path=/a;uid=1;uid=1", "\"uid\" given twice"},
            {"path=/a;permissions=", "subset"},
            {"path=/a;permissions=rr", "subset"},
            {"path=/a;permissions=rwx", "subset"},
            {"path=/a;permissions=RWM", "subset"},
            {"path=/a;permissions=rwmr", "subset"},
            {"path=/a;fileMode=", "octal"},
            {"path=/a;fileMode=0668", "octal"},
            {"path=/a;fileMode=10000", "octal"},
            {"path=/a;fileMode=0x1ff", "octal"},
            {"path=/a;fileMode=-1", "octal"},
            {"path=/a;uid=", "uid"},
            {"path=/a;uid=-1", "uid"},
            {"path=/a;uid=4294967295", "uid"},
            {"path=/a;gid=99999999999999999999", "gid"},
            {"path=/a;gid=1a", "gid"},
            {"path=/a;uid= 1", "uid"},
            {"path=/a ;uid=1", NULL}, /* accepted: spaces in a glob */
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct pbox_devices d = {0};
                char err[PBOX_ERR_LEN];
                int r;

                ck_assert_int_eq(pbox_devices_set(&d, "path=/keep", err), 0);
                r = pbox_devices_set(&d, bad[i].spec, err);
                if (!bad[i].why) {
                        ck_assert_int_eq(r, 0);
                        ck_assert_uint_eq(d.n, 2);
                        pbox_devices_free(&d);
                        continue;
                }
                ck_assert_msg(r == -EINVAL, "%s accepted", bad[i].spec);
                ck_assert_msg(strncmp(err, "bad device \"", 12) == 0, "%s",
                              err);
                ck_assert_msg(
                    strncmp(err + 12, bad[i].spec, strlen(bad[i].spec)) == 0,
                    "%s", err);
                ck_err_has(err, bad[i].why);
                ck_assert_uint_eq(d.n, 1);
                ck_assert_str_eq(d.v[0].path, "/keep");
                pbox_devices_free(&d);
        }
}
END_TEST

START_TEST(test_huge)
{
        size_t n = 1 << 20;
        char *s = malloc(n + 1), err[PBOX_ERR_LEN];
        struct pbox_devices d = {0};

        ck_assert_ptr_nonnull(s);
        memcpy(s, "path=/", 6);
        memset(s + 6, '*', n - 6);
        s[n] = '\0';
        ck_assert_int_eq(pbox_devices_set(&d, s, err), 0);
        ck_assert_uint_eq(strlen(d.v[0].path), n - 5);
        memcpy(s, "pith=/", 6);
        ck_assert_int_eq(pbox_devices_set(&d, s, err), -EINVAL);
        ck_assert_uint_lt(strlen(err), PBOX_ERR_LEN);
        ck_err_has(err, "unknown key \"pith\"");
        free(s);
        pbox_devices_free(&d);
}
END_TEST

static Suite *device_suite(void)
{
        Suite *s = suite_create("config_device");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_path_only);
        tcase_add_test(tc, test_full);
        tcase_add_test(tc, test_bad);
        tcase_add_test(tc, test_huge);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(device_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
