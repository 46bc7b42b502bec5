/* cgroup.c — the box's cgroups, run by the privileged mounter (root).
 * Creates DIR = <own cgroup>/pbox-NAME (and DIR/enter) on every hierarchy
 * the mounter itself runs in, applies the limits, places processes, kills
 * and removes. Only ever writes beneath the cgroups the mounter already
 * runs in, so it can never disturb PID 1's or another service's cgroups.
 * The mounting half (the box's /sys/fs/cgroup, MountCgroups) lives in
 * cgroup_mount.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"

#define BC_KILL_ROUNDS     200 /* x 10 ms: the v1 kill loop's bound */
#define BC_DESTROY_WAIT_MS 2000

struct bc_dir {
        char *dir; /* absolute path of DIR on this hierarchy */
        bool v2;
        size_t hidx; /* index of its hierarchy in the layout (create) */
};

struct box_cgroup {
        struct bc_dir *v;
        size_t n;
        char *human;
        int v2_fd;
};

static void bc_debug(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void bc_debug(const char *fmt, ...)
{
        va_list ap;

        if (!secure_getenv("PBOX_DEBUG"))
                return;
        va_start(ap, fmt);
        fputs("pbox-mounter: cgroup: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

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

static int write_file(const char *dir, const char *file, const char *val)
{
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(val);
        ssize_t k;

        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        do
                k = write(fd, val, len);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return -errno;
        return (size_t)k == len ? 0 : -EIO;
}

static int read_file(const char *dir, const char *file, char **ret)
{
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        return cg_read_text(p, ret);
}

/* Count of pids in dir/cgroup.procs and dir/enter/cgroup.procs; with
 * sig, also send it to each. Missing files count as empty. */
static int procs_signal(const char *dir, int sig)
{
        static const char *const files[] = {"cgroup.procs",
                                            "enter/cgroup.procs"};
        int count = 0;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *text = NULL;
                char *p, *end;
                int r;

                r = read_file(dir, files[i], &text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                for (p = text; *p; p = end) {
                        long pid = strtol(p, &end, 10);

                        if (end == p)
                                break;
                        if (pid > 0) {
                                count++;
                                if (sig && kill((pid_t)pid, sig) < 0 &&
                                    errno != ESRCH)
                                        return -errno;
                        }
                }
        }
        return count;
}

static int rmdir_if_exists(const char *path)
{
        if (rmdir(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

static int bc_dir_remove(const char *dir)
{
        _cleanup_free_ char *enter = NULL;
        int r;

        if (asprintf(&enter, "%s/enter", dir) < 0)
                return -ENOMEM;
        r = rmdir_if_exists(enter);
        if (r < 0)
                return r;
        return rmdir_if_exists(dir);
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000,
                              .tv_nsec = (ms % 1000) * 1000000L};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* v1 cpuset children start with empty cpus/mems and refuse tasks. */
static int cpuset_copy(const char *parent, const char *child)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *val = NULL;
                int r;

                r = read_file(parent, files[i], &val);
                if (r < 0)
                        return r;
                val[strcspn(val, "\n")] = '\0';
                if (!*val)
                        continue;
                r = write_file(child, files[i], val);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool name_ok(const char *name)
{
        size_t len = name ? strlen(name) : 0;

        if (len == 0 || len > 64 || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0)
                return false;
        return strchr(name, '/') == NULL && strchr(name, '\n') == NULL;
}

static const char *own_rel(const struct cg_hier *h)
{
        return strcmp(h->own, "/") == 0 ? "" : h->own;
}

static bool word_in(const char *list, const char *w)
{
        size_t wl = strlen(w);

        for (const char *p = list; (p = strstr(p, w)); p += wl)
                if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
                    (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n' ||
                     p[wl] == ','))
                        return true;
        return false;
}

/* v2: make ctl available in the children of our own cgroup. Never on the
 * hierarchy's root (that is the host's, not ours to reconfigure); a
 * refusal (EBUSY: the "no internal processes" rule, since we live there)
 * is left to the limit's write to report. */
static void v2_enable(const struct cg_hier *h, const char *ctl, char *why,
                      size_t whylen)
{
        _cleanup_free_ char *parent = NULL, *sub = NULL, *val = NULL;
        int r;

        if (asprintf(&parent, "%s%s", h->mountpoint, own_rel(h)) < 0)
                return;
        if (read_file(parent, "cgroup.subtree_control", &sub) == 0 &&
            word_in(sub, ctl))
                return;
        if (strcmp(h->own, "/") == 0) {
                snprintf(why, whylen,
                         "%s is not enabled in the root's "
                         "cgroup.subtree_control (left to the host)",
                         ctl);
                bc_debug("%s", why);
                return;
        }
        if (asprintf(&val, "+%s", ctl) < 0)
                return;
        r = write_file(parent, "cgroup.subtree_control", val);
        if (r < 0) {
                snprintf(why, whylen, "cannot enable %s in %s: %s%s", ctl,
                         parent, strerror(-r),
                         r == -EBUSY ? " (no internal processes rule)" : "");
                bc_debug("%s", why);
        }
}

void box_cgroup_free(struct box_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n; i++)
                free(cg->v[i].dir);
        free(cg->v);
        free(cg->human);
        if (cg->v2_fd >= 0)
                close(cg->v2_fd);
        free(cg);
}

/* Remove everything created so far (error path: nothing runs there). */
static void bc_undo(struct box_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = cg->n; i-- > 0;)
                (void)bc_dir_remove(cg->v[i].dir);
        box_cgroup_free(cg);
}

static void bc_undop(struct box_cgroup **cg)
{
        bc_undo(*cg);
}

/* A DIR left over by an earlier box of the same name. */
static int stale_check(const char *dir, bool reclaim, char *errmsg,
                       size_t errlen)
{
        struct stat st;
        int r;

        if (stat(dir, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        r = procs_signal(dir, 0);
        if (r < 0) {
                set_err(errmsg, errlen, "reading %s/cgroup.procs: %s", dir,
                        strerror(-r));
                return r;
        }
        if (r > 0) {
                set_err(errmsg, errlen,
                        "cgroup %s exists and has %d processes: is a box of "
                        "that name running?",
                        dir, r);
                return -EBUSY;
        }
        if (!reclaim)
                return 0;
        r = bc_dir_remove(dir);
        if (r < 0)
                set_err(errmsg, errlen, "removing stale cgroup %s: %s", dir,
                        strerror(-r));
        else
                bc_debug("removed stale %s", dir);
        return r;
}

static int write_limit(const struct box_cgroup *cg, const struct cg_layout *l,
                       const char *ctl, const char *v1file, const char *v2file,
                       const char *v1val, const char *v2val, const char *why,
                       char *errmsg, size_t errlen)
{
        const struct cg_hier *h = cg_layout_find(l, ctl);
        int r;

        if (!h) {
                set_err(errmsg, errlen,
                        "no cgroup hierarchy has the %s controller", ctl);
                return -EOPNOTSUPP;
        }
        for (size_t j = 0; j < cg->n; j++) {
                const char *file = h->v2 ? v2file : v1file;

                if (cg->v[j].hidx != (size_t)(h - l->v))
                        continue;
                r = write_file(cg->v[j].dir, file, h->v2 ? v2val : v1val);
                if (r < 0)
                        set_err(errmsg, errlen, "setting %s/%s: %s%s%s",
                                cg->v[j].dir, file, strerror(-r),
                                *why ? "; " : "", why);
                return r;
        }
        set_err(errmsg, errlen, "no cgroup was created for the %s controller",
                ctl);
        return -EOPNOTSUPP;
}

static int bc_add(struct box_cgroup *cg, const struct cg_layout *l, size_t hidx,
                  const char *name, bool needed, char *errmsg, size_t errlen)
{
        _cleanup_free_ char *parent = NULL, *dir = NULL, *enter = NULL;
        const struct cg_hier *h = &l->v[hidx];
        struct bc_dir *nv;
        bool cpuset = !h->v2 && word_in(h->controllers, "cpuset");
        int r;

        if (asprintf(&parent, "%s%s", h->mountpoint, own_rel(h)) < 0 ||
            asprintf(&dir, "%s/pbox-%s", parent, name) < 0 ||
            asprintf(&enter, "%s/enter", dir) < 0)
                return -ENOMEM;
        nv = reallocarray(cg->v, cg->n + 1, sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        cg->v = nv;
        if (mkdir(dir, 0755) < 0) {
                r = -errno;
                /* a read-only hierarchy we need nothing from is skipped */
                if ((r == -EROFS || r == -EACCES) && !needed) {
                        bc_debug("skipping %s: %s", dir, strerror(-r));
                        return 0;
                }
                set_err(errmsg, errlen, "creating cgroup %s: %s", dir,
                        strerror(-r));
                return r;
        }
        cg->v[cg->n++] =
            (struct bc_dir){.dir = TAKE_PTR(dir), .v2 = h->v2, .hidx = hidx};
        if (cpuset) {
                r = cpuset_copy(parent, cg->v[cg->n - 1].dir);
                if (r < 0) {
                        set_err(errmsg, errlen, "copying cpuset of %s: %s",
                                parent, strerror(-r));
                        return r;
                }
        }
        if (mkdir(enter, 0755) < 0) {
                r = -errno;
                set_err(errmsg, errlen, "creating cgroup %s: %s", enter,
                        strerror(-r));
                return r;
        }
        if (cpuset) {
                r = cpuset_copy(cg->v[cg->n - 1].dir, enter);
                if (r < 0) {
                        set_err(errmsg, errlen, "copying cpuset into %s: %s",
                                enter, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static bool hier_needed(const struct cg_layout *l, const struct cg_hier *h,
                        uint64_t cpu, uint64_t mem, uint64_t pids)
{
        return (cpu && cg_layout_find(l, "cpu") == h) ||
               (mem && cg_layout_find(l, "memory") == h) ||
               (pids && cg_layout_find(l, "pids") == h);
}

int box_cgroup_create(const struct cg_layout *l, const char *name,
                      uint64_t cpu_shares, uint64_t memory, uint64_t pids_limit,
                      struct box_cgroup **ret, char *errmsg, size_t errlen)
{
        _cleanup_(bc_undop) struct box_cgroup *cg = NULL;
        const struct cg_hier *human = NULL;
        char why[256] = "", v1val[32], v2val[32];
        int r;

        if (!l || !ret || !name_ok(name)) {
                set_err(errmsg, errlen, "invalid cgroup request");
                return -EINVAL;
        }
        if (l->n == 0) {
                set_err(errmsg, errlen, "no usable cgroup hierarchy");
                return -EOPNOTSUPP;
        }
        cg = calloc(1, sizeof(*cg));
        if (!cg)
                return -ENOMEM;
        cg->v2_fd = -EBADF;

        /* A running box of that name anywhere wins before we touch any. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < l->n; i++) {
                        _cleanup_free_ char *dir = NULL;

                        if (asprintf(&dir, "%s%s/pbox-%s", l->v[i].mountpoint,
                                     own_rel(&l->v[i]), name) < 0)
                                return -ENOMEM;
                        r = stale_check(dir, pass == 1, errmsg, errlen);
                        if (r < 0)
                                return r;
                }

        /* v2 controllers must be enabled in the parent before use */
        {
                const char *ctls[] = {cpu_shares ? "cpu" : NULL,
                                      memory ? "memory" : NULL,
                                      pids_limit ? "pids" : NULL};
                for (size_t i = 0; i < ELEMENTSOF(ctls); i++) {
                        const struct cg_hier *h =
                            ctls[i] ? cg_layout_find(l, ctls[i]) : NULL;
                        if (h && h->v2)
                                v2_enable(h, ctls[i], why, sizeof(why));
                }
        }

        for (size_t i = 0; i < l->n; i++) {
                r = bc_add(
                    cg, l, i, name,
                    hier_needed(l, &l->v[i], cpu_shares, memory, pids_limit),
                    errmsg, errlen);
                if (r < 0)
                        return r;
        }
        if (cg->n == 0) {
                set_err(errmsg, errlen, "no cgroup hierarchy is writable");
                return -EROFS;
        }

        if (cpu_shares) {
                uint64_t n = cpu_shares < 2        ? 2
                             : cpu_shares > 262144 ? 262144
                                                   : cpu_shares;
                snprintf(v1val, sizeof(v1val), "%llu",
                         (unsigned long long)cpu_shares);
                snprintf(v2val, sizeof(v2val), "%llu",
                         (unsigned long long)(1 + (n - 2) * 9999 / 262142));
                r = write_limit(cg, l, "cpu", "cpu.shares", "cpu.weight", v1val,
                                v2val, why, errmsg, errlen);
                if (r < 0)
                        return r;
        }
        if (memory) {
                snprintf(v1val, sizeof(v1val), "%llu",
                         (unsigned long long)memory);
                r = write_limit(cg, l, "memory", "memory.limit_in_bytes",
                                "memory.max", v1val, v1val, why, errmsg,
                                errlen);
                if (r < 0)
                        return r;
        }
        if (pids_limit) {
                snprintf(v1val, sizeof(v1val), "%llu",
                         (unsigned long long)pids_limit);
                r = write_limit(cg, l, "pids", "pids.max", "pids.max", v1val,
                                v1val, why, errmsg, errlen);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < cg->n; i++)
                if (cg->v[i].v2) {
                        cg->v2_fd = open(cg->v[i].dir,
                                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (cg->v2_fd < 0) {
                                r = -errno;
                                set_err(errmsg, errlen, "opening %s: %s",
                                        cg->v[i].dir, strerror(-r));
                                return r;
                        }
                }

        /* the status path: v2 on pure v2, else memory's, else the first */
        if (l->kind == CG_V2)
                human = cg_layout_v2(l);
        if (!human) {
                human = cg_layout_find(l, "memory");
                if (human && human->v2 && l->kind != CG_V2)
                        human = NULL;
        }
        if (!human)
                human = &l->v[0];
        if (asprintf(&cg->human, "%s/pbox-%s", own_rel(human), name) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(cg);
        return 0;
}

static int bc_attach(const struct box_cgroup *cg, pid_t pid, bool enter)
{
        char val[32];
        int r;

        if (!cg || pid < 0)
                return -EINVAL;
        snprintf(val, sizeof(val), "%d", (int)pid);
        for (size_t i = 0; i < cg->n; i++) {
                _cleanup_free_ char *dir = NULL;

                if (asprintf(&dir, "%s%s", cg->v[i].dir,
                             enter ? "/enter" : "") < 0)
                        return -ENOMEM;
                r = write_file(dir, "cgroup.procs", val);
                if (r < 0)
                        return r;
        }
        return 0;
}

int box_cgroup_attach(const struct box_cgroup *cg, pid_t pid)
{
        return bc_attach(cg, pid, false);
}

int box_cgroup_attach_enter(const struct box_cgroup *cg, pid_t pid)
{
        return bc_attach(cg, pid, true);
}

int box_cgroup_v2_fd(const struct box_cgroup *cg)
{
        if (!cg || cg->v2_fd < 0)
                return -ENOENT;
        return cg->v2_fd;
}

const char *box_cgroup_path(const struct box_cgroup *cg)
{
        return cg ? cg->human : NULL;
}

/* Processes left on any hierarchy (each is in every one, but a process
 * caught mid-attach may be in only some). */
static int bc_count(const struct box_cgroup *cg, int sig)
{
        int total = 0;

        for (size_t i = 0; i < cg->n; i++) {
                int r = procs_signal(cg->v[i].dir, sig);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                total += r;
        }
        return total;
}

int box_cgroup_kill(const struct box_cgroup *cg)
{
        int r;

        if (!cg)
                return -EINVAL;
        /* cgroup.kill takes the whole subtree at once, forks included */
        for (size_t i = 0; i < cg->n; i++)
                if (cg->v[i].v2) {
                        r = write_file(cg->v[i].dir, "cgroup.kill", "1");
                        if (r < 0 && r != -ENOENT)
                                bc_debug("cgroup.kill in %s: %s", cg->v[i].dir,
                                         strerror(-r));
                }
        /* Elsewhere: kill what we see until nothing is left; a fork racing
         * us shows up in the next round. */
        for (int round = 0; round < BC_KILL_ROUNDS; round++) {
                r = bc_count(cg, SIGKILL);
                if (r <= 0)
                        return r;
                sleep_ms(10);
        }
        return -EBUSY;
}

int box_cgroup_lookup(const struct cg_layout *l, const char *name,
                      struct box_cgroup **ret)
{
        struct box_cgroup *cg;

        if (!name_ok(name))
                return -EINVAL;
        cg = calloc(1, sizeof(*cg));
        if (!cg || !(cg->v = calloc(l->n ? l->n : 1, sizeof(*cg->v)))) {
                free(cg);
                return -ENOMEM;
        }
        cg->v2_fd = -EBADF;
        for (size_t i = 0; i < l->n; i++) {
                char *dir = NULL;

                if (cg_box_dir(&l->v[i], name, &dir) < 0)
                        continue;
                cg->v[cg->n].dir = dir;
                cg->v[cg->n].v2 = l->v[i].v2;
                cg->v[cg->n].hidx = i;
                cg->n++;
        }
        *ret = cg;
        return 0;
}

int box_cgroup_destroy(struct box_cgroup *cg)
{
        int r = 0, k;

        if (!cg)
                return 0;
        k = box_cgroup_kill(cg);
        if (k < 0 && k != -EBUSY)
                r = k;
        /* dying processes leave their cgroups at exit; wait for that */
        for (long waited = 0; waited < BC_DESTROY_WAIT_MS; waited += 10) {
                bool busy = false;

                for (size_t i = cg->n; i-- > 0;) {
                        k = bc_dir_remove(cg->v[i].dir);
                        if (k == -EBUSY)
                                busy = true;
                        else if (k < 0 && r == 0)
                                r = k;
                }
                if (!busy)
                        break;
                (void)bc_count(cg, SIGKILL);
                sleep_ms(10);
                if (waited + 10 >= BC_DESTROY_WAIT_MS && r == 0)
                        r = -EBUSY;
        }
        box_cgroup_free(cg);
        return r;
}
