/* check_config_values.c — unit tests for libipc/config_values.c: --cap
 * lists, signals, sizes, bounded numbers and box names. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "pbox.h"

#define ck_err_has(err, s) ck_assert_msg(strstr(err, s), "err %s", err)

/* ---- numbers ---------------------------------------------------------- */

START_TEST(test_uint_ok)
{
        char err[PBOX_ERR_LEN];
        uint64_t v = 0;

        ck_assert_int_eq(pbox_uint_parse("0", 0, 10, &v, err), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(pbox_uint_parse("0010", 0, 10, &v, err), 0);
        ck_assert_uint_eq(v, 10);
        ck_assert_int_eq(
            pbox_uint_parse("18446744073709551615", 0, UINT64_MAX, &v, err), 0);
        ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(test_uint_bad)
{
        const char *bad[] = {"",
                             "-1",
                             "+1",
                             " 1",
                             "1 ",
                             "1x",
                             "0x10",
                             "1.5",
                             "18446744073709551616",
                             "99999999999999999999999"};
        char err[PBOX_ERR_LEN];
        uint64_t v = 77;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ck_assert_int_eq(
                    pbox_uint_parse(bad[i], 0, UINT64_MAX, &v, err), -EINVAL);
                ck_assert_uint_eq(v, 77); /* untouched on error */
                ck_err_has(err, "bad number");
        }
        ck_assert_int_eq(pbox_uint_parse("11", 0, 10, &v, err), -EINVAL);
        ck_err_has(err, "\"11\"");
        ck_err_has(err, "[0, 10]");
        ck_assert_int_eq(pbox_uint_parse("1", 2, 10, &v, err), -EINVAL);
        ck_assert_uint_eq(v, 77);
}
END_TEST

START_TEST(test_size)
{
        char err[PBOX_ERR_LEN];
        uint64_t v = 0;

        ck_assert_int_eq(pbox_size_parse("123", &v, err), 0);
        ck_assert_uint_eq(v, 123);
        ck_assert_int_eq(pbox_size_parse("4k", &v, err), 0);
        ck_assert_uint_eq(v, 4096);
        ck_assert_int_eq(pbox_size_parse("4KB", &v, err), 0);
        ck_assert_uint_eq(v, 4096);
        ck_assert_int_eq(pbox_size_parse("64m", &v, err), 0);
        ck_assert_uint_eq(v, 64ULL << 20);
        ck_assert_int_eq(pbox_size_parse("2Gb", &v, err), 0);
        ck_assert_uint_eq(v, 2ULL << 30);
        ck_assert_int_eq(pbox_size_parse("3t", &v, err), 0);
        ck_assert_uint_eq(v, 3ULL << 40);
        ck_assert_int_eq(pbox_size_parse("10b", &v, err), 0);
        ck_assert_uint_eq(v, 10);

        v = 5;
        const char *bad[] = {"",
                             "k",
                             "b",
                             "kb",
                             "-1",
                             "1.5g",
                             "1 k",
                             "1kk",
                             "1p",
                             "16777216t",
                             "18446744073709551616"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ck_assert_msg(pbox_size_parse(bad[i], &v, err) == -EINVAL,
                              "%s accepted", bad[i]);
                ck_err_has(err, "bad size");
        }
        ck_assert_uint_eq(v, 5);
        ck_assert_int_eq(pbox_size_parse("16777215t", &v, err), 0);
        ck_assert_uint_eq(v, 16777215ULL << 40);
}
END_TEST

/* ---- capabilities ----------------------------------------------------- */

START_TEST(test_caps_default_names)
{
        char err[PBOX_ERR_LEN];
        uint64_t m = 0;

        ck_assert_int_eq(
            pbox_caps_parse("CHOWN,DAC_OVERRIDE,FSETID,FOWNER,MKNOD,"
                            "NET_RAW,SETGID,SETUID,SETFCAP,SETPCAP,"
                            "NET_BIND_SERVICE,SYS_CHROOT,KILL,"
                            "AUDIT_WRITE",
                            &m, err),
            0);
        ck_assert_uint_eq(m, PBOX_CAPS_DEFAULT);
        ck_assert_uint_eq(m, 0xa80425fbULL);
}
END_TEST

START_TEST(test_caps_forms)
{
        char err[PBOX_ERR_LEN];
        uint64_t m = 1;

        ck_assert_int_eq(pbox_caps_parse("", &m, err), 0);
        ck_assert_uint_eq(m, 0);
        ck_assert_int_eq(pbox_caps_parse("CAP_NET_ADMIN", &m, err), 0);
        ck_assert_uint_eq(m, 1ULL << 12);
        ck_assert_int_eq(
            pbox_caps_parse("net_admin,cap_sys_admin,Cap_Kill", &m, err), 0);
        ck_assert_uint_eq(m, (1ULL << 12) | (1ULL << 21) | (1ULL << 5));
        ck_assert_int_eq(pbox_caps_parse("kill,kill,", &m, err), 0);
        ck_assert_uint_eq(m, 1ULL << 5);
}
END_TEST

START_TEST(test_caps_all)
{
        char err[PBOX_ERR_LEN];
        uint64_t m = 0, m2 = 0;
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        int last = -1;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%d", &last), 1);
        fclose(f);
        ck_assert_int_eq(pbox_caps_parse("all", &m, err), 0);
        ck_assert_uint_eq(m, (1ULL << (last + 1)) - 1);
        ck_assert_int_eq(pbox_caps_parse("kill,ALL", &m2, err), 0);
        ck_assert_uint_eq(m, m2);
}
END_TEST

START_TEST(test_caps_bad)
{
        const char *bad[] = {"NOPE",        "CAP_",         "CAP_NOPE", ",",
                             "kill,,chown", ",kill",        "12",       " kill",
                             "kill ",       "CAP_CAP_KILL", "all2"};
        const char *tok[] = {"\"NOPE\"",     "\"CAP_\"",
                             "\"CAP_NOPE\"", "\"\"",
                             "\"\"",         "\"\"",
                             "\"12\"",       "\" kill\"",
                             "\"kill \"",    "\"CAP_CAP_KILL\"",
                             "\"all2\""};
        char err[PBOX_ERR_LEN];
        uint64_t m = 42;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ck_assert_msg(pbox_caps_parse(bad[i], &m, err) == -EINVAL,
                              "%s accepted", bad[i]);
                ck_err_has(err, "bad capability");
                ck_err_has(err, tok[i]);
        }
        ck_assert_uint_eq(m, 42);
}
END_TEST

/* ---- signals ---------------------------------------------------------- */

START_TEST(test_signal_names)
{
        char err[PBOX_ERR_LEN];
        const struct {
                const char *s;
                int sig;
        } ok[] = {
            {"TERM", SIGTERM},
            {"sigterm", SIGTERM},
            {"SIGTERM", SIGTERM},
            {"15", SIGTERM},
            {"Kill", SIGKILL},
            {"sigHup", SIGHUP},
            {"1", 1},
            {"64", 64},
            {"32", 32},
            {"SIGRTMIN+3", 37},
            {"rtmin+3", 37},
            {"SIGRTMIN", SIGRTMIN},
            {"RTMAX", SIGRTMAX},
            {"SIGRTMAX-1", SIGRTMAX - 1},
            {"RTMAX-30", SIGRTMIN},
            {"RTMIN+30", SIGRTMAX},
            {"RTMIN+0", SIGRTMIN},
            {"WINCH", SIGWINCH},
            {"IO", SIGIO},
            {"POLL", SIGIO},
            {"IOT", SIGABRT},
            {"CLD", SIGCHLD},
            {"STKFLT", SIGSTKFLT},
            {"SIGSYS", SIGSYS},
        };
        int sig;

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                sig = -1;
                ck_assert_msg(pbox_signal_parse(ok[i].s, &sig, err) == 0,
                              "%s: %s", ok[i].s, err);
                ck_assert_msg(sig == ok[i].sig, "%s gave %d", ok[i].s, sig);
        }
        ck_assert_int_eq(SIGRTMIN + 3, 37); /* glibc, as SPEC states */
}
END_TEST

START_TEST(test_signal_bad)
{
        const char *bad[] = {
            "0",        "65",         "-1",
            "",         "SIG",        "TERM ",
            " TERM",    "SIGSIGTERM", "FOO",
            "RTMIN+",   "RTMIN-1",    "RTMAX+1",
            "RTMIN+31", "RTMAX-31",   "RTMIN+x",
            "15x",      "RTMIN++1",   "99999999999999999999999"};
        char err[PBOX_ERR_LEN];
        int sig = 99;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ck_assert_msg(pbox_signal_parse(bad[i], &sig, err) == -EINVAL,
                              "%s accepted", bad[i]);
                ck_err_has(err, "bad signal");
        }
        ck_assert_int_eq(sig, 99);
        ck_assert_int_eq(pbox_signal_parse("SIGFOO", &sig, err), -EINVAL);
        ck_err_has(err, "\"SIGFOO\"");
}
END_TEST

START_TEST(test_signal_name_roundtrip)
{
        char err[PBOX_ERR_LEN];
        int sig;

        ck_assert_str_eq(pbox_signal_name(SIGTERM), "TERM");
        ck_assert_str_eq(pbox_signal_name(SIGIO), "IO");
        ck_assert_str_eq(pbox_signal_name(SIGRTMIN), "RTMIN");
        ck_assert_str_eq(pbox_signal_name(37), "RTMIN+3");
        ck_assert_str_eq(pbox_signal_name(SIGRTMAX), "RTMAX");
        ck_assert_str_eq(pbox_signal_name(50), "RTMAX-14"); /* as kill -l */
        ck_assert_str_eq(pbox_signal_name(49), "RTMIN+15");
        ck_assert_str_eq(pbox_signal_name(0), "?");
        ck_assert_str_eq(pbox_signal_name(65), "?");
        ck_assert_str_eq(pbox_signal_name(-3), "?");
        for (int i = 1; i <= 64; i++) {
                const char *n = pbox_signal_name(i);

                if (strcmp(n, "?") == 0)
                        continue;
                ck_assert_int_eq(pbox_signal_parse(n, &sig, err), 0);
                ck_assert_int_eq(sig, i);
        }
}
END_TEST

/* ---- names ------------------------------------------------------------ */

START_TEST(test_name_ok)
{
        char err[PBOX_ERR_LEN], n64[65];

        memset(n64, 'a', 64);
        n64[64] = '\0';
        ck_assert_int_eq(pbox_name_check("default", "/run/pbox", err), 0);
        ck_assert_int_eq(pbox_name_check("a", NULL, err), 0);
        ck_assert_int_eq(pbox_name_check("0box_1.x-y", "/run/pbox", err), 0);
        ck_assert_int_eq(pbox_name_check(n64, "/run/pbox", err), 0);
}
END_TEST

START_TEST(test_name_bad)
{
        char err[PBOX_ERR_LEN], n65[66], dir[128];

        memset(n65, 'a', 65);
        n65[65] = '\0';
        ck_assert_int_eq(pbox_name_check(n65, "/run/pbox", err), -EINVAL);
        ck_err_has(err, "longer than 64");
        ck_assert_int_eq(pbox_name_check("_log", "/run/pbox", err), -EINVAL);
        ck_err_has(err, "\"_log\"");
        ck_err_has(err, "start with a letter or digit");
        ck_assert_int_eq(pbox_name_check(".x", "/run/pbox", err), -EINVAL);
        ck_assert_int_eq(pbox_name_check("-x", "/run/pbox", err), -EINVAL);
        ck_assert_int_eq(pbox_name_check("", "/run/pbox", err), -EINVAL);
        ck_assert_int_eq(pbox_name_check("a/b", "/run/pbox", err), -EINVAL);
        ck_err_has(err, "only letters");
        ck_assert_int_eq(pbox_name_check("a b", "/run/pbox", err), -EINVAL);
        ck_assert_int_eq(pbox_name_check("a\nb", "/run/pbox", err), -EINVAL);
        ck_assert_ptr_null(strchr(err, '\n'));
        ck_assert_int_eq(pbox_name_check("ä", "/run/pbox", err), -EINVAL);

        /* DATA_DIR/NAME/enter.sock must fit sun_path with its NUL */
        size_t room = sizeof(((struct sockaddr_un *)0)->sun_path);
        size_t dlen = room - 1 - 1 - strlen("/enter.sock") - 1; /* name "x" */
        memset(dir, 'd', dlen);
        dir[0] = '/';
        dir[dlen] = '\0';
        ck_assert_int_eq(pbox_name_check("x", dir, err), 0);
        ck_assert_int_eq(pbox_name_check("xy", dir, err), -EINVAL);
        ck_err_has(err, "socket address");
}
END_TEST

static Suite *values_suite(void)
{
        Suite *s = suite_create("config_values");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_uint_ok);
        tcase_add_test(tc, test_uint_bad);
        tcase_add_test(tc, test_size);
        tcase_add_test(tc, test_caps_default_names);
        tcase_add_test(tc, test_caps_forms);
        tcase_add_test(tc, test_caps_all);
        tcase_add_test(tc, test_caps_bad);
        tcase_add_test(tc, test_signal_names);
        tcase_add_test(tc, test_signal_bad);
        tcase_add_test(tc, test_signal_name_roundtrip);
        tcase_add_test(tc, test_name_ok);
        tcase_add_test(tc, test_name_bad);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(values_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
