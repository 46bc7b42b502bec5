/* check_cve_2022_29162.c — CVE-2022-29162 (runc exec handed processes a
 * non-empty inheritable capability set) pinned for pbox (SPEC §5:
 * inheritable and ambient sets always empty). For default caps, --cap
 * all and --cap NET_ADMIN, for root and a non-root user (as INIT's --user
 * and enter's -u), and with --init: CapInh and CapAmb of init and of the
 * entered process are 0, while CapBnd shows the --cap set was applied (so
 * the test reads the right processes). Root only. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"
#include "cleanup.h"
#include "testutil.h"

struct caps_case {
        const char *cap; /* NULL: default */
        const char *user;
        bool init_mode;
        const char *bnd; /* CapBnd expected in the box */
};

static const struct caps_case cases[] = {
    {NULL, "root", false, "00000000a80425fb"},
    {NULL, "user", false, "00000000a80425fb"},
    {"all", "root", false, NULL},
    {"all", "user", false, NULL},
    {"NET_ADMIN", "root", false, "0000000000001000"},
    {"NET_ADMIN", "user", false, "0000000000001000"},
    {NULL, "root", true, "00000000a80425fb"},
    {"all", "user", true, NULL},
};

#define SHOW_CAPS                                                              \
        "for p in 1 $$; do grep -E '^Cap(Inh|Amb|Bnd)' /proc/$p/status |"      \
        " sed \"s/^/$p /\"; done; echo uid=$(id -u)"

START_TEST(test_caps_inh_amb_empty)
{
        const struct caps_case *c = &cases[_i];
        struct test_box *b = attack_box_new();
        const char *extra[16];
        size_t n = 0;
        struct run_result r = {0};

        extra[n++] = "--user";
        extra[n++] = c->user;
        if (c->cap) {
                extra[n++] = "--cap";
                extra[n++] = c->cap;
        }
        if (c->init_mode)
                extra[n++] = "--init";
        extra[n] = NULL;
        /* test_box_start_detached takes a list: spell the cases out */
        if (n == 2)
                test_box_start_detached(b, extra[0], extra[1], NULL);
        else if (n == 3)
                test_box_start_detached(b, extra[0], extra[1], extra[2], NULL);
        else if (n == 4)
                test_box_start_detached(b, extra[0], extra[1], extra[2],
                                        extra[3], NULL);
        else
                test_box_start_detached(b, extra[0], extra[1], extra[2],
                                        extra[3], extra[4], NULL);
        ck_run(b->last.status == 0, &b->last, "start");
        attack_enter(b, &r, 20, "-u", c->user, "--", "/bin/sh", "-c", SHOW_CAPS,
                     NULL);
        ck_run(r.status == 0, &r, "enter");
        ck_run(attack_count(r.out, "CapInh:\t0000000000000000") == 2 &&
                   attack_count(r.out, "CapAmb:\t0000000000000000") == 2,
               &r, "CapInh/CapAmb of init (1) and the entered process not 0");
        ck_run(attack_count(r.out, "CapInh") == 2 &&
                   attack_count(r.out, "CapAmb") == 2,
               &r, "status of init and entered process not both readable");
        if (c->bnd && !c->init_mode) {
                _cleanup_free_ char *want = NULL;

                ck_assert_int_ge(asprintf(&want, "CapBnd:\t%s", c->bnd), 0);
                ck_run(attack_count(r.out, want) == 2, &r,
                       "bounding set is not the --cap set");
        }
        ck_run(strstr(r.out, strcmp(c->user, "root") ? "uid=1000" : "uid=0"),
               &r, "entered as the wrong user");
        run_result_free(&r);
        attack_box_free(b, 3);
}
END_TEST

static Suite *cve_suite(void)
{
        Suite *s = suite_create("cve_2022_29162");
        TCase *t = tcase_create("caps");

        tcase_set_timeout(t, 30);
        tcase_add_loop_test(t, test_caps_inh_amb_empty, 0,
                            (int)ELEMENTSOF(cases));
        suite_add_tcase(s, t);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(cve_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
