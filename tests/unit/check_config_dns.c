/* check_config_dns.c — unit tests for libipc/config_dns.c: --dns-hosts and
 * --dns-zones lists (SPEC §4.4) and their rendering. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

#define ck_err_has(err, s) ck_assert_msg(strstr(err, s), "err %s", err)

START_TEST(test_parse_and_format)
{
        struct pbox_dns_overrides d = {0};
        char err[PBOX_ERR_LEN], *s;

        ck_assert_int_eq(
            pbox_dns_overrides_set(&d, "example.com/10.0.0.1,db/fe80::1,", err),
            0);
        ck_assert_uint_eq(d.n, 2);
        ck_assert_str_eq(d.v[0].key, "example.com");
        ck_assert_str_eq(d.v[0].val, "10.0.0.1");
        ck_assert_str_eq(d.v[1].key, "db");
        ck_assert_str_eq(d.v[1].val, "fe80::1");
        /* a key may repeat; later calls append */
        ck_assert_int_eq(pbox_dns_overrides_set(&d, "db/10.0.0.2", err), 0);
        ck_assert_uint_eq(d.n, 3);

        s = pbox_dns_hosts_format(&d);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s, "10.0.0.1\texample.com\n"
                            "fe80::1\tdb\n"
                            "10.0.0.2\tdb\n");
        free(s);
        s = pbox_dns_zones_format(&d);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s, "server=/example.com/10.0.0.1\n"
                            "server=/db/fe80::1\n"
                            "server=/db/10.0.0.2\n");
        free(s);
        pbox_dns_overrides_free(&d);
        ck_assert_ptr_null(d.v);
        pbox_dns_overrides_free(&d);
        pbox_dns_overrides_free(NULL);
}
END_TEST

START_TEST(test_empty)
{
        struct pbox_dns_overrides d = {0};
        char err[PBOX_ERR_LEN], *s;

        ck_assert_int_eq(pbox_dns_overrides_set(&d, "", err), 0);
        ck_assert_uint_eq(d.n, 0);
        s = pbox_dns_hosts_format(&d);
        ck_assert_str_eq(s, "");
        free(s);
        s = pbox_dns_zones_format(&d);
        ck_assert_str_eq(s, "");
        free(s);
        pbox_dns_overrides_free(&d);
}
END_TEST

START_TEST(test_bad)
{
        const struct {
                const char *list, *tok, *why;
        } bad[] = {
            {"host", "\"host\"", "missing '/'"},
            {"a/b/c", "\"a/b/c\"", "more than one '/'"},
            {"/1.2.3.4", "\"/1.2.3.4\"", "empty name"},
            {"host/", "\"host/\"", "empty address"},
            {"/", "\"/\"", "empty name"},
            {",", "\"\"", "empty item"},
            {"a/1,,b/2", "\"\"", "empty item"},
            {",a/1", "\"\"", "empty item"},
            {"a/1,b/2,,", "\"\"", "empty item"},
            {"a b/1", "\"a b/1\"", "blank"},
            {"a/1 ", "\"a/1 \"", "blank"},
            {"a\tb/1", "\"a?b/1\"", "control"},
            {"a/1\nb", "\"a/1?b\"", "control"},
            {"a/1\r", "\"a/1?\"", "control"},
            {"a/\x7f", "\"a/?\"", "control"},
            {"ok/1,bad", "\"bad\"", "missing '/'"},
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct pbox_dns_overrides d = {0};
                char err[PBOX_ERR_LEN];

                ck_assert_int_eq(pbox_dns_overrides_set(&d, "k/v", err), 0);
                ck_assert_msg(pbox_dns_overrides_set(&d, bad[i].list, err) ==
                                  -EINVAL,
                              "%s accepted", bad[i].list);
                ck_assert_msg(strncmp(err, "bad DNS override ", 17) == 0, "%s",
                              err);
                ck_assert_ptr_null(strchr(err, '\n'));
                ck_err_has(err, bad[i].tok);
                ck_err_has(err, bad[i].why);
                ck_assert_uint_eq(d.n, 1); /* nothing appended */
                pbox_dns_overrides_free(&d);
        }
}
END_TEST

START_TEST(test_huge)
{
        size_t n = 1 << 20, items = 0;
        char *s = malloc(n + 1), err[PBOX_ERR_LEN], *out;
        struct pbox_dns_overrides d = {0};

        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i + 8 <= n; i += 8, items++)
                memcpy(s + i, "ab/1.2.3", 8), s[i + 7] = ',';
        s[items * 8] = '\0';
        ck_assert_int_eq(pbox_dns_overrides_set(&d, s, err), 0);
        ck_assert_uint_eq(d.n, items);
        ck_assert_str_eq(d.v[items - 1].val, "1.2.");
        out = pbox_dns_zones_format(&d);
        ck_assert_ptr_nonnull(out);
        ck_assert_uint_eq(strlen(out), items * strlen("server=/ab/1.2.\n"));
        free(out);
        /* one 1 MiB item */
        memset(s, 'h', n);
        s[n / 2] = '/';
        s[n] = '\0';
        ck_assert_int_eq(pbox_dns_overrides_set(&d, s, err), 0);
        ck_assert_uint_eq(strlen(d.v[d.n - 1].key), n / 2);
        s[n / 3] = '/';
        ck_assert_int_eq(pbox_dns_overrides_set(&d, s, err), -EINVAL);
        ck_assert_uint_lt(strlen(err), PBOX_ERR_LEN);
        ck_err_has(err, "more than one '/'");
        free(s);
        pbox_dns_overrides_free(&d);
}
END_TEST

static Suite *dns_suite(void)
{
        Suite *s = suite_create("config_dns");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_parse_and_format);
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_bad);
        tcase_add_test(tc, test_huge);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(dns_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
