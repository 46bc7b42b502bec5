/* check_cve_2021_30465.c — CVE-2021-30465 (runc mounted a volume onto a
 * destination the container swapped for a symlink between check and
 * use) pinned for pbox (SPEC §5: a symlink in the rootfs never makes pbox
 * write or mount outside it). A host-side racer exchanges ROOTFS/data
 * (a real directory) with a symlink to a watched host directory
 * (renameat2 RENAME_EXCHANGE, as fast as it can) while the box is started
 * with --volume SRC:/data 200 times; the watched directory never gets a
 * mount and its listing and content hashes never change. Root only. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"
#include "cleanup.h"
#include "testutil.h"

#define STARTS 200

/* Swap rootfs/data and rootfs/data.swap until killed. */
static pid_t racer_start(const char *rootfs)
{
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int dfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

                if (dfd < 0)
                        _exit(1);
                for (;;)
                        renameat2(dfd, "data", dfd, "data.swap",
                                  RENAME_EXCHANGE);
        }
        return pid;
}

START_TEST(test_volume_destination_swap)
{
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *host = test_box_path(b, "watched");
        _cleanup_free_ char *secret = test_box_path(b, "watched/secret");
        _cleanup_free_ char *src = test_box_path(b, "src");
        _cleanup_free_ char *srcf = test_box_path(b, "src/f");
        _cleanup_free_ char *data = test_box_path(b, "rootfs/data");
        _cleanup_free_ char *swap = test_box_path(b, "rootfs/data.swap");
        _cleanup_free_ char *before = NULL, *spec = NULL;
        int ok = 0, refused = 0, st;
        pid_t racer;
        double t0 = now_secs();

        ck_assert_int_eq(mkdir(host, 0755), 0);
        attack_write_file(secret, "secret\n", 0644);
        ck_assert_int_eq(mkdir(src, 0755), 0);
        attack_write_file(srcf, "volume\n", 0644);
        ck_assert_int_eq(mkdir(data, 0755), 0);
        ck_assert_int_eq(symlink(host, swap), 0);
        before = attack_snapshot(host);
        ck_assert_int_ge(asprintf(&spec, "%s:/data", src), 0);
        racer = racer_start(b->rootfs);
        for (int i = 0; i < STARTS && now_secs() - t0 < 24; i++) {
                const char *extra[] = {"--volume", spec, "--", "/bin/true",
                                       NULL};
                struct run_result r = {0};

                test_box_startv(b, &r, 20, extra);
                if (r.status == 0)
                        ok++;
                else if (r.status == 125)
                        refused++;
                if (r.status != 0 && r.status != 125) {
                        kill(racer, SIGKILL);
                        waitpid(racer, NULL, 0);
                        ck_run(0, &r, "start is 0 or refused (125)");
                }
                run_result_free(&r);
                attack_no_mount_at(host);
        }
        kill(racer, SIGKILL);
        ck_assert_int_eq(waitpid(racer, &st, 0), racer);
        {
                _cleanup_free_ char *after = attack_snapshot(host);

                ck_assert_msg(!strcmp(before, after),
                              "watched host dir changed:\nbefore:\n%s\n"
                              "after:\n%s",
                              before, after);
        }
        ck_assert_msg(ok + refused >= 100,
                      "only %d starts in time (%d ok, %d refused)",
                      ok + refused, ok, refused);
        fprintf(stderr, "cve_2021_30465: %d starts ok, %d refused\n", ok,
                refused);
        attack_box_free(b, 3);
}
END_TEST

static Suite *cve_suite(void)
{
        Suite *s = suite_create("cve_2021_30465");
        TCase *t = tcase_create("race");

        tcase_set_timeout(t, 30);
        tcase_add_test(t, test_volume_destination_swap);
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
