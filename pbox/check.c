/* check.c — `pbox check`, run by the operator command `pbox` (as root):
 * the host checks Planet made before starting a box — kernel, namespaces,
 * the cgroup layout and its required controllers (MountCgroups), cgroup
 * namespace support (CgroupNSEnabled) — plus what pbox itself relies on:
 * writable cgroups beneath our own, openat2 RESOLVE_IN_ROOT, root with
 * CAP_SYS_ADMIN, seccomp. Reads only; the probe cgroup it makes is removed
 * at once. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cap-ng.h>

#include "cgroup_layout.h"
#include "check.h"
#include "cleanup.h"

enum check_status { CHECK_OK, CHECK_WARN, CHECK_FAIL };

struct check_ctx {
        FILE *out;
        unsigned failed;
};

static void row(struct check_ctx *c, const char *name, enum check_status st,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void row(struct check_ctx *c, const char *name, enum check_status st,
                const char *fmt, ...)
{
        static const char *const label[] = {
            [CHECK_OK] = "OK", [CHECK_WARN] = "WARN", [CHECK_FAIL] = "FAIL"};
        va_list ap;

        if (st == CHECK_FAIL)
                c->failed++;
        fprintf(c->out, "%-22s %-6s ", name, label[st]);
        va_start(ap, fmt);
        vfprintf(c->out, fmt, ap);
        va_end(ap);
        fputc('\n', c->out);
}

/* fsopen/move_mount (5.2) are how the box's cgroups are mounted. */
static void check_kernel(struct check_ctx *c)
{
        struct utsname u;
        int major = 0, minor = 0;

        if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2) {
                row(c, "kernel", CHECK_FAIL, "cannot read the kernel version");
                return;
        }
        if (major < 5 || (major == 5 && minor < 6))
                row(c, "kernel", CHECK_FAIL, "%s: pbox needs Linux >= 5.6",
                    u.release);
        else
                row(c, "kernel", CHECK_OK, "%s", u.release);
}

static void check_namespaces(struct check_ctx *c)
{
        static const struct {
                const char *ns;
                bool required;
                const char *why;
        } nss[] = {
            {"mnt", true, ""},
            {"pid", true, ""},
            {"uts", true, ""},
            {"ipc", true, ""},
            {"net", false, " (needed for --net none)"},
            {"cgroup", false, " (the box sees the host's cgroup paths)"},
        };

        for (size_t i = 0; i < ELEMENTSOF(nss); i++) {
                char path[64], name[32];
                bool ok;

                snprintf(path, sizeof(path), "/proc/self/ns/%s", nss[i].ns);
                snprintf(name, sizeof(name), "namespace %s", nss[i].ns);
                ok = access(path, F_OK) == 0;
                if (ok)
                        row(c, name, CHECK_OK, "%s", path);
                else
                        row(c, name, nss[i].required ? CHECK_FAIL : CHECK_WARN,
                            "%s missing%s", path, nss[i].why);
        }
}

static const char *kind_name(enum cg_kind k)
{
        switch (k) {
        case CG_V1:
                return "v1";
        case CG_V2:
                return "v2 (unified)";
        case CG_HYBRID:
                return "hybrid (v1 + v2)";
        case CG_NONE:
                break;
        }
        return "none";
}

/* Is ctl enabled in /proc/cgroups? (NULL text: unknown → false) */
static bool ctl_enabled(const char *proc_cgroups, const char *ctl)
{
        for (const char *p = proc_cgroups; p && *p;) {
                const char *nl = strchrnul(p, '\n');
                char name[32];
                int hier, num, en;

                if (*p != '#' &&
                    sscanf(p, "%31s %d %d %d", name, &hier, &num, &en) == 4 &&
                    strcmp(name, ctl) == 0)
                        return en != 0;
                p = *nl ? nl + 1 : nl;
        }
        return false;
}

static void check_controllers(struct check_ctx *c, const struct cg_layout *l)
{
        static const char *const v1req[] = {"cpu",     "cpuacct", "memory",
                                            "devices", "freezer", "blkio",
                                            "pids",    "cpuset"};
        static const char *const v2want[] = {"cpu", "memory", "pids"};
        _cleanup_free_ char *pc = NULL;
        bool v2 = l->kind == CG_V2;
        const char *const *list = v2 ? v2want : v1req;
        size_t n = v2 ? ELEMENTSOF(v2want) : ELEMENTSOF(v1req);

        if (l->kind == CG_NONE)
                return;
        (void)cg_read_text("/proc/cgroups", &pc);
        for (size_t i = 0; i < n; i++) {
                const struct cg_hier *h = cg_layout_find(l, list[i]);
                char name[48];

                snprintf(name, sizeof(name), "controller %s", list[i]);
                if (h)
                        row(c, name, CHECK_OK, "%s%s (own cgroup %s)",
                            h->mountpoint, h->v2 ? " [v2]" : "", h->own);
                else if (v2)
                        row(c, name, CHECK_WARN,
                            "not available in our cgroup: --%s limits fail",
                            strcmp(list[i], "cpu") == 0    ? "cpu-shares"
                            : strcmp(list[i], "pids") == 0 ? "pids-limit"
                                                           : "memory");
                else if (ctl_enabled(pc, list[i]))
                        row(c, name, CHECK_WARN,
                            "enabled but not mounted: pbox start mounts it "
                            "under /sys/fs/cgroup");
                else
                        row(c, name, CHECK_FAIL,
                            "not enabled in this kernel (/proc/cgroups)");
        }
}

static void check_cgroups(struct check_ctx *c)
{
        struct cg_layout l = {0};
        unsigned writable = 0, total = 0;
        int r;

        r = cg_layout_read(&l);
        if (r < 0) {
                row(c, "cgroup layout", CHECK_FAIL, "cannot read: %s",
                    strerror(-r));
                row(c, "cgroupns", CHECK_WARN, "unknown");
                return;
        }
        row(c, "cgroup layout", l.kind == CG_NONE ? CHECK_FAIL : CHECK_OK,
            "%s, %zu hierarch%s", kind_name(l.kind), l.n,
            l.n == 1 ? "y" : "ies");
        check_controllers(c, &l);
        if (l.has_cgroupns)
                row(c, "cgroupns", CHECK_OK,
                    "enabled: the box gets its own cgroup namespace");
        else
                row(c, "cgroupns", CHECK_WARN,
                    "not supported: the box sees a bind of the host's "
                    "/sys/fs/cgroup");

        /* We create cgroups only beneath our own: probe exactly that. */
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *probe = NULL;
                const struct cg_hier *h = &l.v[i];

                total++;
                if (asprintf(&probe, "%s%s/pbox-check-%d", h->mountpoint,
                             strcmp(h->own, "/") == 0 ? "" : h->own,
                             (int)getpid()) < 0)
                        continue;
                if (mkdir(probe, 0755) < 0) {
                        row(c, "cgroup writable",
                            errno == EROFS ? CHECK_WARN : CHECK_FAIL,
                            "cannot create %s: %s", probe, strerror(errno));
                        continue;
                }
                if (rmdir(probe) < 0)
                        row(c, "cgroup writable", CHECK_FAIL,
                            "cannot remove %s: %s", probe, strerror(errno));
                else
                        writable++;
        }
        if (writable > 0 && writable == total)
                row(c, "cgroup writable", CHECK_OK,
                    "can create cgroups beneath our own on %u hierarch%s",
                    writable, writable == 1 ? "y" : "ies");
        else if (writable == 0)
                row(c, "cgroup writable", CHECK_FAIL,
                    "no hierarchy lets us create a cgroup");
        cg_layout_free(&l);
}

static void check_openat2(struct check_ctx *c)
{
        struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                               .resolve = RESOLVE_IN_ROOT};
        long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

        if (fd < 0) {
                row(c, "openat2", CHECK_FAIL,
                    "openat2(RESOLVE_IN_ROOT) failed: %s", strerror(errno));
                return;
        }
        close((int)fd);
        row(c, "openat2", CHECK_OK, "RESOLVE_IN_ROOT works");
}

/* pivot_root and mounts need root with CAP_SYS_ADMIN. */
static void check_privilege(struct check_ctx *c)
{
        bool admin;

        capng_clear(CAPNG_SELECT_BOTH);
        admin = capng_get_caps_process() == 0 &&
                capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_ADMIN);
        if (geteuid() != 0)
                row(c, "privilege", CHECK_FAIL, "not root (euid %u)",
                    (unsigned)geteuid());
        else if (!admin)
                row(c, "privilege", CHECK_FAIL, "root without CAP_SYS_ADMIN");
        else
                row(c, "privilege", CHECK_OK, "root with CAP_SYS_ADMIN");
}

static void check_seccomp(struct check_ctx *c)
{
        int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);

        if (mode < 0)
                row(c, "seccomp", CHECK_FAIL, "not available: %s",
                    strerror(errno));
        else
                row(c, "seccomp", CHECK_OK, "available (this process: mode %d)",
                    mode);
}

int pbox_check_run(FILE *out)
{
        struct check_ctx c = {.out = out ? out : stdout};

        fprintf(c.out, "%-22s %-6s %s\n", "CHECK", "STATUS", "DETAIL");
        check_kernel(&c);
        check_namespaces(&c);
        check_cgroups(&c);
        check_openat2(&c);
        check_privilege(&c);
        check_seccomp(&c);
        fflush(c.out);
        return c.failed ? -1 : 0;
}
