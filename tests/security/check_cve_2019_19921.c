/* check_cve_2019_19921.c — symlinks planted in the rootfs at the paths
 * the runtime mounts or writes, pinned for pbox (SPEC §5: a symlink in
 * the rootfs never makes pbox write or mount outside it). Covers
 * CVE-2019-19921 and CVE-2023-27561 (/proc a symlink), CVE-2024-45310
 * (runtime-created paths through symlinks), CVE-2025-31133 (/dev/null
 * replaced) and CVE-2025-52565 (/dev/console replaced): /proc, /sys, /dev,
 * /dev/null, /dev/console, /etc/pbox, /etc/hosts and volume, --file and
 * --env-file destinations are symlinks to a watched host directory, to
 * /proc/sys/kernel/core_pattern, or to ../../.. (the host's / seen from
 * the rootfs). Each start is refused (125, one line) or contained: the
 * watched dir and core_pattern stay byte-for-byte the same, nothing lands
 * in the host's /, no new host mount appears, nothing is left. Root only. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attack.h"
#include "cleanup.h"
#include "testutil.h"

#define CORE "/proc/sys/kernel/core_pattern"
#define UP   "../../.."

/* Placeholders in targets and options: @HOST the watched host dir, @SRC a
 * host source dir, @FILE a host source file, @ESC a name unique to the
 * case (for files that would land in the host's / through ../../..). */
struct sym_case {
        const char *link; /* in the rootfs, relative; NULL: none */
        const char *target;
        const char *opts[6];
};

static const struct sym_case cases[] = {
    {"proc", "@HOST", {NULL}},
    {"proc", UP, {NULL}},
    {"sys", "@HOST", {NULL}},
    {"sys", UP, {NULL}},
    {"dev", "@HOST", {NULL}},
    {"dev", UP, {NULL}},
    {"dev/null", CORE, {NULL}},
    {"dev/null", "@HOST/null", {NULL}},
    {"dev/console", CORE, {NULL}},
    {"dev/console", "@HOST/console", {"--tty", NULL}},
    {"etc/pbox", "@HOST", {"--enter-env", "A=1", "--dns-zones", "z/1.2.3.4"}},
    {"etc/pbox", UP, {"--enter-env", "A=1", "--dns-zones", "z/1.2.3.4"}},
    {"etc/pbox", "/proc/sys/kernel", {"--enter-env", "A=1"}},
    {"etc/hosts", CORE, {"--dns-hosts", "h/1.2.3.4"}},
    {"etc/hosts", "@HOST/hosts", {"--dns-hosts", "h/1.2.3.4"}},
    {"data", "@HOST", {"--volume", "@SRC:/data"}},
    {"data", UP, {"--volume", "@SRC:/data/@ESC"}},
    {"core", CORE, {"--volume", "@FILE:/core"}},
    {NULL, NULL, {"--volume", "@FILE:" CORE}},
    {"data", "@HOST", {"--file", "@FILE:/data/x"}},
    {"x", CORE, {"--file", "@FILE:/x"}},
    {"up", UP, {"--file", "@FILE:/up/@ESC"}},
    {NULL, NULL, {"--file", "@FILE:" CORE}},
    {"e", CORE, {"--env", "A=1", "--env-file", "/e"}},
    {"d", "@HOST", {"--env", "A=1", "--env-file", "/d/e"}},
    {"up", UP, {"--env", "A=1", "--env-file", "/up/@ESC"}},
    {NULL, NULL, {"--env", "A=1", "--env-file", CORE}},
    {"etc", "@HOST", {"--enter-env", "A=1", "--dns-hosts", "h/1.2.3.4"}},
};

/* s with the placeholders replaced (malloc'd). */
static char *expand(const char *s, const char *host, const char *src,
                    const char *file, const char *esc)
{
        const char *keys[] = {"@HOST", "@SRC", "@FILE", "@ESC"};
        const char *vals[] = {host, src, file, esc};
        char *out = strdup(s);

        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                char *at;

                while (out && (at = strstr(out, keys[k]))) {
                        char *n = NULL;

                        ck_assert_int_ge(asprintf(&n, "%.*s%s%s",
                                                  (int)(at - out), out, vals[k],
                                                  at + strlen(keys[k])),
                                         0);
                        free(out);
                        out = n;
                }
        }
        ck_assert(out);
        return out;
}

/* New lines of after that are not in before and not under skip. */
static char *new_mounts(const char *before, const char *after, const char *skip)
{
        size_t cap = strlen(after) + 1, off = 0;
        char *out = calloc(1, cap);

        ck_assert(out);
        for (const char *p = after; *p;) {
                const char *e = strchr(p, '\n');
                _cleanup_free_ char *l =
                    strndup(p, e ? (size_t)(e - p) : strlen(p));

                p = e ? e + 1 : p + strlen(p);
                if (attack_has_line(before, l) ||
                    !strncmp(l, skip, strlen(skip)))
                        continue;
                off += (size_t)snprintf(out + off, cap - off, "%s\n", l);
        }
        return out;
}

START_TEST(test_symlink_destination)
{
        const struct sym_case *c = &cases[_i];
        struct test_box *b = attack_box_new();
        _cleanup_free_ char *host = test_box_path(b, "watched");
        _cleanup_free_ char *src = test_box_path(b, "src");
        _cleanup_free_ char *file = test_box_path(b, "payload");
        _cleanup_free_ char *tmp_f = NULL, *esc = NULL, *esc_host = NULL;
        _cleanup_free_ char *snap = NULL, *core = NULL, *mounts = NULL;
        _cleanup_free_ char *after = NULL, *core_after = NULL;
        _cleanup_free_ char *mounts_after = NULL, *fresh = NULL;
        char *args[24];
        size_t n = 0;
        struct run_result r = {0};
        struct stat st;

        ck_assert_int_eq(mkdir(host, 0755), 0);
        tmp_f = test_box_path(b, "watched/precious");
        attack_write_file(tmp_f, "precious\n", 0644);
        free(tmp_f);
        tmp_f = test_box_path(b, "watched/hosts");
        attack_write_file(tmp_f, "10.0.0.1 hostonly\n", 0644);
        ck_assert_int_eq(mkdir(src, 0755), 0);
        attack_write_file(file, "PAYLOAD\n", 0644);
        ck_assert_int_ge(asprintf(&esc, "pbox-escape-%s", b->name), 0);
        ck_assert_int_ge(asprintf(&esc_host, "/%s", esc), 0);
        if (c->link) {
                _cleanup_free_ char *l = test_box_path(b, "rootfs/");
                _cleanup_free_ char *lp = NULL;
                _cleanup_free_ char *t =
                    expand(c->target, host, src, file, esc);

                ck_assert_int_ge(asprintf(&lp, "%s%s", l, c->link), 0);
                if (lstat(lp, &st) == 0) {
                        const char *rm[] = {"rm", "-rf", lp, NULL};
                        struct run_result rr = {0};

                        run_cmd(&rr, NULL, 10, rm);
                        run_result_free(&rr);
                }
                ck_assert_msg(symlink(t, lp) == 0, "symlink %s: %m", lp);
        }
        snap = attack_snapshot(host);
        core = attack_read_file(CORE);
        mounts = attack_mountpoints();
        ck_assert(core);
        for (size_t i = 0; i < ELEMENTSOF(c->opts) && c->opts[i]; i++)
                args[n++] = expand(c->opts[i], host, src, file, esc);
        args[n++] = strdup("--");
        args[n++] = strdup("/bin/true");
        args[n] = NULL;
        test_box_startv(b, &r, 20, (const char *const *)args);
        for (size_t i = 0; i < n; i++)
                free(args[i]);

        /* host state first: restore core_pattern before failing */
        core_after = attack_read_file(CORE);
        if (core_after && strcmp(core, core_after))
                attack_write_file(CORE, core, 0644);
        ck_assert_msg(core_after && !strcmp(core, core_after),
                      "core_pattern changed to %s (restored)", core_after);
        after = attack_snapshot(host);
        ck_assert_msg(!strcmp(snap, after),
                      "watched host dir changed:\nbefore:\n%s\nafter:\n%s\n"
                      "stderr: %s",
                      snap, after, r.err);
        if (lstat(esc_host, &st) == 0) {
                const char *rm[] = {"rm", "-rf", "--one-file-system", esc_host,
                                    NULL};
                struct run_result rr = {0};

                run_cmd(&rr, NULL, 10, rm);
                run_result_free(&rr);
                ck_assert_msg(0, "%s was created on the host (removed)",
                              esc_host);
        }
        attack_no_mount_at(host);
        mounts_after = attack_mountpoints();
        fresh = new_mounts(mounts, mounts_after, "/tmp/pbox-test-");
        ck_assert_msg(!*fresh, "new host mounts:\n%s", fresh);
        if (r.status == 125)
                attack_pbox_error(&r, "refused symlink");
        else
                ck_run(r.status == 0, &r, "start must refuse (125) or run");
        fprintf(stderr, "case %d (%s -> %s, %s): %s\n", _i,
                c->link ? c->link : "-", c->target ? c->target : "-",
                c->opts[0] ? c->opts[0] : "-",
                r.status == 0 ? "contained" : "refused");
        run_result_free(&r);
        attack_box_free(b, 3);
}
END_TEST

static Suite *cve_suite(void)
{
        Suite *s = suite_create("cve_2019_19921");
        TCase *t = tcase_create("symlinks");

        tcase_set_timeout(t, 30);
        tcase_add_loop_test(t, test_symlink_destination, 0,
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
