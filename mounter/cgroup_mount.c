/* cgroup_mount.c — mounting cgroup filesystems, run by the privileged
 * mounter (root) and by the box's init child it forks: the box's own
 * /sys/fs/cgroup (inside a fresh cgroup namespace, so the box sees its
 * cgroup as "/"), and Planet's MountCgroups, which mounts required v1
 * controllers a host left unmounted. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"

#define CGM_MOUNT_ATTRS                                                        \
        (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Planet's MountCgroups list: what a v1 host must have mounted. */
static const char *const required_v1[] = {
    "cpu", "cpuacct", "memory", "devices", "freezer", "blkio", "pids", "cpuset",
};

static void set_err(char *errmsg, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *errmsg, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (!errmsg || errlen == 0)
                return;
        va_start(ap, fmt);
        vsnprintf(errmsg, errlen, fmt, ap);
        va_end(ap);
}

/* fsopen + options + create + fsmount: a detached mount, or -errno. */
static int fs_new(const char *fstype, const char *opts, unsigned attrs)
{
        _cleanup_close_ int fsfd = -EBADF;
        int mfd;

        fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return -errno;
        for (const char *p = opts ? opts : ""; *p;) {
                const char *c = strchrnul(p, ',');
                _cleanup_free_ char *o = strndup(p, (size_t)(c - p));
                char *eq;
                int r;

                if (!o)
                        return -ENOMEM;
                eq = strchr(o, '=');
                if (eq) {
                        *eq = '\0';
                        r = fsconfig(fsfd, FSCONFIG_SET_STRING, o, eq + 1, 0);
                } else if (*o)
                        r = fsconfig(fsfd, FSCONFIG_SET_FLAG, o, NULL, 0);
                else
                        r = 0;
                if (r < 0)
                        return -errno;
                p = *c ? c + 1 : c;
        }
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
        if (mfd < 0)
                return -errno;
        return mfd;
}

static const char *base_name(const char *path)
{
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}

/* Comounted controllers get a link per controller, as hosts have
 * (cpu -> cpu,cpuacct or cpuacct -> cpu). */
static int link_one(int dirfd, const char *target, const char *name)
{
        if (symlinkat(target, dirfd, name) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int link_comounts(int dirfd, const char *base, const char *ctls)
{
        int r;

        if (!strchr(ctls, ','))
                return 0;
        if (strcmp(ctls, base) != 0) {
                r = link_one(dirfd, base, ctls);
                if (r < 0)
                        return r;
        }
        for (const char *p = ctls; *p;) {
                const char *c = strchrnul(p, ',');
                _cleanup_free_ char *one = strndup(p, (size_t)(c - p));

                if (!one)
                        return -ENOMEM;
                if (strncmp(one, "name=", 5) != 0 && strcmp(one, base) != 0) {
                        r = link_one(dirfd, base, one);
                        if (r < 0)
                                return r;
                }
                p = *c ? c + 1 : c;
        }
        return 0;
}

int box_cgroup_mount_in_box(const struct cg_layout *l, int target_fd,
                            char *errmsg, size_t errlen)
{
        _cleanup_close_ int tm = -EBADF;
        int r;

        if (!l || target_fd < 0) {
                set_err(errmsg, errlen, "invalid cgroup mount request");
                return -EINVAL;
        }
        if (l->kind == CG_V2) {
                _cleanup_close_ int m =
                    fs_new("cgroup2", NULL, CGM_MOUNT_ATTRS);

                if (m < 0) {
                        set_err(errmsg, errlen, "creating cgroup2 mount: %s",
                                strerror(-m));
                        return m;
                }
                if (move_mount(m, "", target_fd, "",
                               MOVE_MOUNT_F_EMPTY_PATH |
                                   MOVE_MOUNT_T_EMPTY_PATH) < 0) {
                        r = -errno;
                        set_err(errmsg, errlen,
                                "mounting cgroup2 on /sys/fs/cgroup: %s",
                                strerror(-r));
                        return r;
                }
                return 0;
        }

        tm = fs_new("tmpfs", "mode=755,size=64k", CGM_MOUNT_ATTRS);
        if (tm < 0) {
                set_err(errmsg, errlen, "creating tmpfs for /sys/fs/cgroup: %s",
                        strerror(-tm));
                return tm;
        }
        if (move_mount(tm, "", target_fd, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
                r = -errno;
                set_err(errmsg, errlen, "mounting tmpfs on /sys/fs/cgroup: %s",
                        strerror(-r));
                return r;
        }
        for (size_t i = 0; i < l->n; i++) {
                const struct cg_hier *h = &l->v[i];
                const char *base = base_name(h->mountpoint);
                _cleanup_close_ int m = -EBADF;

                if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
                        continue;
                if (mkdirat(tm, base, 0755) < 0) {
                        r = -errno;
                        if (r == -EEXIST)
                                continue; /* two hierarchies, one name */
                        set_err(errmsg, errlen,
                                "creating /sys/fs/cgroup/%s: %s", base,
                                strerror(-r));
                        return r;
                }
                m = h->v2 ? fs_new("cgroup2", NULL, CGM_MOUNT_ATTRS)
                          : fs_new("cgroup", h->controllers, CGM_MOUNT_ATTRS);
                if (m < 0) {
                        set_err(errmsg, errlen, "creating %s mount (%s): %s",
                                h->v2 ? "cgroup2" : "cgroup",
                                h->v2 ? "" : h->controllers, strerror(-m));
                        return m;
                }
                if (move_mount(m, "", tm, base, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                        r = -errno;
                        set_err(errmsg, errlen,
                                "mounting /sys/fs/cgroup/%s: %s", base,
                                strerror(-r));
                        return r;
                }
                r = h->v2 ? 0 : link_comounts(tm, base, h->controllers);
                if (r < 0) {
                        set_err(errmsg, errlen,
                                "linking comounted controllers of %s: %s", base,
                                strerror(-r));
                        return r;
                }
        }
        return 0;
}

/* ---- MountCgroups ------------------------------------------------------ */

struct proc_ctl {
        char name[32];
        int hier;
        bool enabled;
};

static int proc_cgroups_parse(const char *text, struct proc_ctl *v, size_t max,
                              size_t *ret_n)
{
        size_t n = 0;

        for (const char *p = text; *p;) {
                const char *nl = strchrnul(p, '\n');
                char name[32];
                int hier, num, en;

                if (*p != '#' && n < max &&
                    sscanf(p, "%31s %d %d %d", name, &hier, &num, &en) == 4) {
                        snprintf(v[n].name, sizeof(v[n].name), "%s", name);
                        v[n].hier = hier;
                        v[n].enabled = en != 0;
                        n++;
                }
                p = *nl ? nl + 1 : nl;
        }
        *ret_n = n;
        return 0;
}

static int mkdir_p(const char *path)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static bool in_list(const char *list, const char *w, char sep)
{
        size_t wl = strlen(w);

        for (const char *p = list; *p;) {
                const char *c = strchrnul(p, sep);
                if ((size_t)(c - p) == wl && strncmp(p, w, wl) == 0)
                        return true;
                p = *c ? c + 1 : c;
        }
        return false;
}

/* Is ctl bound to the mounted cgroup2 (listed in its root's controllers)? */
static bool on_v2(const struct cg_layout *l, const char *ctl)
{
        const struct cg_hier *h = cg_layout_v2(l);
        _cleanup_free_ char *path = NULL, *text = NULL;

        if (!h || asprintf(&path, "%s/cgroup.controllers", h->mountpoint) < 0)
                return false;
        if (cg_read_text(path, &text) < 0)
                return false;
        text[strcspn(text, "\n")] = '\0';
        return in_list(text, ctl, ' ');
}

static int ensure_base(const char *mi, const char *base, char *errmsg,
                       size_t errlen)
{
        _cleanup_free_ char *fstype = NULL;
        int r;

        r = cg_mountinfo_fstype(mi, base, &fstype);
        if (r == 0) {
                if (strcmp(fstype, "tmpfs") == 0)
                        return 0;
                set_err(errmsg, errlen,
                        "%s is a %s mount; v1 controllers can only be mounted "
                        "beneath a tmpfs there",
                        base, fstype);
                return -EEXIST;
        }
        if (r != -ENOENT)
                return r;
        r = mkdir_p(base);
        if (r < 0) {
                set_err(errmsg, errlen, "creating %s: %s", base, strerror(-r));
                return r;
        }
        if (mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=755") < 0) {
                r = -errno;
                set_err(errmsg, errlen, "mounting tmpfs on %s: %s", base,
                        strerror(-r));
                return r;
        }
        return 0;
}

int cgroup_mount_missing(const char *root, char *errmsg, size_t errlen)
{
        _cleanup_free_ char *mi = NULL, *pc = NULL, *base = NULL;
        struct cg_layout l = {0};
        struct proc_ctl ctl[64];
        bool missing[64] = {false}, done[64] = {false}, any = false;
        size_t nctl = 0;
        int mounted = 0, r;

        if (!root || root[0] != '/') {
                set_err(errmsg, errlen, "cgroup root must be absolute");
                return -EINVAL;
        }
        if (asprintf(&base, "%s/sys/fs/cgroup",
                     strcmp(root, "/") == 0 ? "" : root) < 0)
                return -ENOMEM;
        /* "/x/" → "/x//sys..." would never match mountinfo */
        for (char *s = base; (s = strstr(s, "//"));)
                memmove(s, s + 1, strlen(s));
        r = cg_read_text("/proc/self/mountinfo", &mi);
        if (r >= 0)
                r = cg_read_text("/proc/cgroups", &pc);
        if (r < 0) {
                set_err(errmsg, errlen, "reading /proc: %s", strerror(-r));
                return r;
        }
        r = cg_layout_read(&l);
        if (r < 0) {
                set_err(errmsg, errlen, "reading the cgroup layout: %s",
                        strerror(-r));
                return r;
        }
        if (l.kind == CG_V2) {
                cg_layout_free(&l);
                return 0; /* pure v2: nothing to mount */
        }
        proc_cgroups_parse(pc, ctl, ELEMENTSOF(ctl), &nctl);

        for (size_t i = 0; i < nctl; i++) {
                _cleanup_free_ char *mp = NULL;
                bool req = false;

                for (size_t k = 0; k < ELEMENTSOF(required_v1); k++)
                        req = req || strcmp(ctl[i].name, required_v1[k]) == 0;
                if (!req || !ctl[i].enabled)
                        continue;
                r = cg_mountinfo_find_v1(mi, ctl[i].name, base, &mp);
                if (r == 0) {
                        size_t bl = strlen(base);
                        if (strncmp(mp, base, bl) == 0 && mp[bl] == '/')
                                continue;
                        set_err(errmsg, errlen,
                                "cgroup controller %s is mounted at %s, "
                                "outside %s",
                                ctl[i].name, mp, base);
                        r = -EEXIST;
                        goto out;
                }
                if (r != -ENOENT)
                        goto out;
                if (ctl[i].hier == 0 && on_v2(&l, ctl[i].name))
                        continue;
                missing[i] = any = true;
        }
        if (!any) {
                r = 0;
                goto out;
        }
        r = ensure_base(mi, base, errmsg, errlen);
        if (r < 0)
                goto out;

        for (size_t i = 0; i < nctl; i++) {
                char opts[512] = "";
                _cleanup_free_ char *dir = NULL;

                if (!missing[i] || done[i])
                        continue;
                /* a live hierarchy must be mounted with all its controllers */
                for (size_t k = 0; k < nctl; k++) {
                        if (k != i &&
                            (ctl[i].hier == 0 || ctl[k].hier != ctl[i].hier ||
                             !ctl[k].enabled))
                                continue;
                        size_t ol = strlen(opts),
                               nl = strnlen(ctl[k].name, sizeof(ctl[k].name));
                        if (ol + nl + 2 > sizeof(opts))
                                break;
                        if (ol)
                                opts[ol++] = ',';
                        memcpy(opts + ol, ctl[k].name, nl);
                        opts[ol + nl] = '\0';
                        done[k] = true;
                }
                if (asprintf(&dir, "%s/%s", base, opts) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                        r = -errno;
                        set_err(errmsg, errlen, "creating %s: %s", dir,
                                strerror(-r));
                        goto out;
                }
                if (mount("cgroup", dir, "cgroup",
                          MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
                        r = -errno;
                        set_err(errmsg, errlen, "mounting cgroup %s on %s: %s",
                                opts, dir, strerror(-r));
                        goto out;
                }
                mounted++;
                if (strchr(opts, ',')) {
                        _cleanup_close_ int bfd =
                            open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        /* the mount is there; links are a convenience */
                        if (bfd >= 0)
                                (void)link_comounts(bfd, opts, opts);
                }
        }
        r = mounted;
out:
        cg_layout_free(&l);
        return r;
}
