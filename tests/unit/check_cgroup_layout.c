/* check_cgroup_layout.c — unit tests of libipc/cgroup_layout.c: parsing
 * canned /proc/self/mountinfo and /proc/self/cgroup texts of v1, v2 and
 * hybrid hosts and their edge cases. No privilege needed. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_layout.h"

/* This very machine: v1 controllers plus an empty cgroup2 at unified. */
static const char hybrid_mi[] =
    "22 1 253:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup "
    "rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup "
    "rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
    "rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup "
    "rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup "
    "rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
    "rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_pc[] = "9:name=systemd:/\n"
                                "8:pids:/\n"
                                "7:blkio:/\n"
                                "6:freezer:/\n"
                                "5:devices:/\n"
                                "4:memory:/process_api/86c6\n"
                                "3:cpuset:/\n"
                                "2:cpuacct:/\n"
                                "1:cpu:/\n"
                                "0::/\n";

static const struct cg_hier *by_mp(const struct cg_layout *l, const char *mp)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i].mountpoint, mp) == 0)
                        return &l->v[i];
        return NULL;
}

START_TEST(test_hybrid)
{
        struct cg_layout l = {0};
        const struct cg_hier *h;

        ck_assert_int_eq(cg_layout_parse(hybrid_mi, hybrid_pc, &l), 0);
        ck_assert_int_eq(l.kind, CG_HYBRID);
        ck_assert_uint_eq(l.n, 10);
        h = cg_layout_find(&l, "memory");
        ck_assert_ptr_nonnull(h);
        ck_assert_str_eq(h->mountpoint, "/sys/fs/cgroup/memory");
        ck_assert_str_eq(h->own, "/process_api/86c6");
        ck_assert(!h->v2);
        h = cg_layout_find(&l, "pids");
        ck_assert_ptr_nonnull(h);
        ck_assert_str_eq(h->own, "/");
        ck_assert_str_eq(h->controllers, "pids");
        h = cg_layout_find(&l, "name=systemd");
        ck_assert_ptr_nonnull(h);
        ck_assert_str_eq(h->mountpoint, "/sys/fs/cgroup/systemd");
        h = by_mp(&l, "/sys/fs/cgroup/unified");
        ck_assert_ptr_nonnull(h);
        ck_assert(h->v2);
        ck_assert_str_eq(h->own, "/");
        ck_assert_ptr_eq(cg_layout_v2(&l), h);
        /* v2 controllers unknown from pure parsing: not found there */
        ck_assert_ptr_null(cg_layout_find(&l, "hugetlb"));
        ck_assert_ptr_null(cg_layout_find(&l, "cp"));
        ck_assert_ptr_null(cg_layout_find(&l, "net_cls"));
        cg_layout_free(&l);
        ck_assert_uint_eq(l.n, 0);
        cg_layout_free(&l); /* a zeroed layout is fine */
}
END_TEST

START_TEST(test_v2)
{
        static const char mi[] =
            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime "
            "shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
        static const char pc[] = "0::/user.slice/x\n";
        struct cg_layout l = {0};
        struct cg_hier *h;

        ck_assert_int_eq(cg_layout_parse(mi, pc, &l), 0);
        ck_assert_int_eq(l.kind, CG_V2);
        ck_assert_uint_eq(l.n, 1);
        h = &l.v[0];
        ck_assert(h->v2);
        ck_assert_str_eq(h->mountpoint, "/sys/fs/cgroup");
        ck_assert_str_eq(h->own, "/user.slice/x");
        ck_assert_str_eq(h->controllers, "");
        /* as cg_layout_read would fill it */
        free(h->controllers);
        h->controllers = strdup("cpuset cpu io memory pids");
        ck_assert_ptr_eq(cg_layout_find(&l, "memory"), h);
        ck_assert_ptr_eq(cg_layout_find(&l, "pids"), h);
        ck_assert_ptr_eq(cg_layout_find(&l, "cpu"), h);
        ck_assert_ptr_null(cg_layout_find(&l, "cpuacct"));
        ck_assert_ptr_null(cg_layout_find(&l, "mem"));
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_v1_comount_and_options)
{
        static const char mi[] =
            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "25 22 0:22 / /sys/fs/cgroup ro shared:9 - tmpfs tmpfs "
            "ro,mode=755\n"
            "26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid shared:10 - cgroup "
            "cgroup rw,xattr,release_agent=/lib/systemd/x,name=systemd\n"
            "27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw shared:11 - cgroup "
            "cgroup rw,cpuacct,cpu\n"
            "28 25 0:25 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup "
            "rw,net_cls,net_prio\n"
            "29 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup "
            "rw,memory\n";
        static const char pc[] = "4:net_cls,net_prio:/\n"
                                 "3:memory:/user.slice\n"
                                 "2:cpu,cpuacct:/user.slice\n"
                                 "1:name=systemd:/user.slice/session-1.scope\n";
        struct cg_layout l = {0};
        const struct cg_hier *h;

        ck_assert_int_eq(cg_layout_parse(mi, pc, &l), 0);
        ck_assert_int_eq(l.kind, CG_V1);
        ck_assert_uint_eq(l.n, 4);
        h = cg_layout_find(&l, "cpu");
        ck_assert_ptr_nonnull(h);
        ck_assert_ptr_eq(cg_layout_find(&l, "cpuacct"), h);
        ck_assert_str_eq(h->mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
        ck_assert_str_eq(h->controllers, "cpuacct,cpu");
        ck_assert_str_eq(h->own, "/user.slice");
        h = cg_layout_find(&l, "name=systemd");
        ck_assert_ptr_nonnull(h);
        /* release_agent and xattr are options, not controllers */
        ck_assert_str_eq(h->controllers, "name=systemd");
        ck_assert_str_eq(h->own, "/user.slice/session-1.scope");
        ck_assert_ptr_eq(cg_layout_find(&l, "net_prio"),
                         by_mp(&l, "/sys/fs/cgroup/net_cls,net_prio"));
        ck_assert_ptr_null(cg_layout_v2(&l));
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_bind_root_ignored_and_escapes)
{
        /* a bind of a sub-cgroup (root != "/") and a mountpoint with a
         * space, escaped \040 */
        static const char mi[] =
            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "50 22 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup "
            "rw,memory\n"
            "51 22 0:29 / /mnt/my\\040cgroups/pids rw - cgroup cgroup "
            "rw,pids\n"
            "52 22 0:38 /sub /mnt/v2 rw - cgroup2 cgroup2 rw\n";
        static const char pc[] = "2:pids:/a b\n1:memory:/docker/abc\n0::/\n";
        struct cg_layout l = {0};
        const struct cg_hier *h;

        ck_assert_int_eq(cg_layout_parse(mi, pc, &l), 0);
        ck_assert_uint_eq(l.n, 1);
        ck_assert_int_eq(l.kind, CG_V1);
        ck_assert_ptr_null(cg_layout_find(&l, "memory"));
        h = cg_layout_find(&l, "pids");
        ck_assert_ptr_nonnull(h);
        ck_assert_str_eq(h->mountpoint, "/mnt/my cgroups/pids");
        ck_assert_str_eq(h->own, "/a b");
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_shadowed_and_duplicate)
{
        /* 60 is a tmpfs stacked over /sys/fs/cgroup: the cgroup mounts
         * on the old one are hidden; pids is also bound at /tmp/x/pids */
        static const char mi[] =
            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "23 22 0:21 / /sys rw - sysfs sysfs rw\n"
            "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
            "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
            "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
            "70 22 0:40 / /tmp/x rw - tmpfs tmpfs rw\n"
            "71 70 0:36 / /tmp/x/pids rw - cgroup cgroup rw,pids\n"
            "60 31 0:50 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n";
        static const char pc[] = "8:pids:/\n4:memory:/\n";
        struct cg_layout l = {0};
        char *s = NULL;

        ck_assert_int_eq(cg_layout_parse(mi, pc, &l), 0);
        ck_assert_uint_eq(l.n, 1);
        ck_assert_str_eq(l.v[0].mountpoint, "/tmp/x/pids");
        ck_assert_ptr_null(cg_layout_find(&l, "memory"));
        cg_layout_free(&l);

        ck_assert_int_eq(cg_mountinfo_fstype(mi, "/sys/fs/cgroup", &s), 0);
        ck_assert_str_eq(s, "tmpfs");
        free(s);
        ck_assert_int_eq(cg_mountinfo_fstype(mi, "/sys/fs/cgroup/memory", &s),
                         -ENOENT);
        ck_assert_int_eq(cg_mountinfo_fstype(mi, "/tmp/x/pids", &s), 0);
        ck_assert_str_eq(s, "cgroup");
        free(s);
        s = NULL;
        ck_assert_int_eq(cg_mountinfo_find_v1(mi, "pids", "/sys/fs/cgroup", &s),
                         0);
        ck_assert_str_eq(s, "/tmp/x/pids");
        free(s);
        s = NULL;
        ck_assert_int_eq(
            cg_mountinfo_find_v1(mi, "memory", "/sys/fs/cgroup", &s), -ENOENT);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_duplicate_prefers_sys_fs_cgroup)
{
        static const char mi[] =
            "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "70 22 0:36 / /mnt/pids rw - cgroup cgroup rw,pids\n"
            "39 22 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
        struct cg_layout l = {0};
        char *s = NULL;

        ck_assert_int_eq(cg_layout_parse(mi, "1:pids:/\n", &l), 0);
        ck_assert_uint_eq(l.n, 1);
        ck_assert_str_eq(l.v[0].mountpoint, "/sys/fs/cgroup/pids");
        cg_layout_free(&l);
        ck_assert_int_eq(cg_mountinfo_find_v1(mi, "pids", "/sys/fs/cgroup", &s),
                         0);
        ck_assert_str_eq(s, "/sys/fs/cgroup/pids");
        free(s);
}
END_TEST

START_TEST(test_none_and_garbage)
{
        static const char mi[] = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                 "garbage line\n"
                                 "\n"
                                 "x y z - cgroup cgroup rw,pids\n"
                                 "30 22 0:26 / /short - cgroup\n";
        struct cg_layout l = {0};

        ck_assert_int_eq(cg_layout_parse(mi, "", &l), 0);
        ck_assert_int_eq(l.kind, CG_NONE);
        ck_assert_uint_eq(l.n, 0);
        ck_assert_ptr_null(cg_layout_find(&l, "pids"));
        ck_assert_ptr_null(cg_layout_find(NULL, "pids"));
        cg_layout_free(&l);
        ck_assert_int_eq(cg_layout_parse(NULL, "", &l), -EINVAL);
        /* a v1 mount whose hierarchy is not in /proc/self/cgroup is unusable */
        ck_assert_int_eq(
            cg_layout_parse("39 22 0:36 / /p rw - cgroup cgroup rw,pids\n",
                            "1:memory:/\n", &l),
            0);
        ck_assert_uint_eq(l.n, 0);
        cg_layout_free(&l);
}
END_TEST

START_TEST(test_read_self)
{
        struct cg_layout l = {0};

        /* whatever the host, reading our own layout must work and agree
         * with a fresh parse */
        ck_assert_int_eq(cg_layout_read(&l), 0);
        for (size_t i = 0; i < l.n; i++) {
                ck_assert_ptr_nonnull(l.v[i].own);
                ck_assert(l.v[i].own[0] == '/');
                ck_assert(l.v[i].mountpoint[0] == '/');
        }
        cg_layout_free(&l);
}
END_TEST

static Suite *cgroup_layout_suite(void)
{
        Suite *s = suite_create("cgroup_layout");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_hybrid);
        tcase_add_test(tc, test_v2);
        tcase_add_test(tc, test_v1_comount_and_options);
        tcase_add_test(tc, test_bind_root_ignored_and_escapes);
        tcase_add_test(tc, test_shadowed_and_duplicate);
        tcase_add_test(tc, test_duplicate_prefers_sys_fs_cgroup);
        tcase_add_test(tc, test_none_and_garbage);
        tcase_add_test(tc, test_read_self);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(cgroup_layout_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
