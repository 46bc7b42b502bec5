/* cgroup_layout.c — reads what the host's cgroup hierarchies look like
 * (v1, v2 or hybrid) from /proc/self/mountinfo and /proc/self/cgroup.
 * Pure parsing plus two small file reads; no privilege needed. Linked into
 * the mounter, enterd and `pbox check`. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_layout.h"
#include "cleanup.h"

#define CG_FILE_MAX (4u << 20) /* mountinfo can be big, but not this big */

/* One line of mountinfo, the fields we need, unescaped. */
struct mi_entry {
        int id, parent;
        char *root, *mountpoint, *fstype, *superopts;
};

static void mi_entry_clear(struct mi_entry *e)
{
        free(e->root);
        free(e->mountpoint);
        free(e->fstype);
        free(e->superopts);
        *e = (struct mi_entry){0};
}

static void mi_entries_free(struct mi_entry *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                mi_entry_clear(&v[i]);
        free(v);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *mi_unescape(const char *s, size_t len)
{
        char *out = malloc(len + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' &&
                    s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
                    s[i + 3] >= '0' && s[i + 3] <= '7') {
                        *o++ = (char)((s[i + 1] - '0') * 64 +
                                      (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
                        i += 3;
                } else
                        *o++ = s[i];
        }
        *o = '\0';
        return out;
}

/* Split one line into at most max whitespace-separated tokens. */
static size_t split_ws(const char *line, size_t len, const char **tok,
                       size_t *tlen, size_t max)
{
        size_t n = 0, i = 0;

        while (i < len && n < max) {
                while (i < len && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                if (i >= len)
                        break;
                tok[n] = line + i;
                while (i < len && line[i] != ' ' && line[i] != '\t')
                        i++;
                tlen[n] = (size_t)(line + i - tok[n]);
                n++;
        }
        return n;
}

static int parse_int(const char *s, size_t len, int *ret)
{
        long v = 0;

        if (len == 0 || len > 9)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
        }
        *ret = (int)v;
        return 0;
}

/* Parse one mountinfo line:
 * ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER */
static int mi_parse_line(const char *line, size_t len, struct mi_entry *e)
{
        const char *tok[64];
        size_t tlen[64], n, dash;
        int r;

        n = split_ws(line, len, tok, tlen, ELEMENTSOF(tok));
        if (n < 10)
                return -EBADMSG;
        for (dash = 6; dash < n; dash++)
                if (tlen[dash] == 1 && tok[dash][0] == '-')
                        break;
        if (dash + 2 >= n)
                return -EBADMSG;
        r = parse_int(tok[0], tlen[0], &e->id);
        if (r < 0)
                return r;
        r = parse_int(tok[1], tlen[1], &e->parent);
        if (r < 0)
                return r;
        e->root = mi_unescape(tok[3], tlen[3]);
        e->mountpoint = mi_unescape(tok[4], tlen[4]);
        e->fstype = mi_unescape(tok[dash + 1], tlen[dash + 1]);
        /* super options may be missing on odd lines; treat as empty */
        e->superopts = dash + 3 < n ? mi_unescape(tok[dash + 3], tlen[dash + 3])
                                    : strdup("");
        if (!e->root || !e->mountpoint || !e->fstype || !e->superopts)
                return -ENOMEM;
        return 0;
}

static int mi_parse(const char *text, struct mi_entry **ret, size_t *ret_n)
{
        struct mi_entry *v = NULL;
        size_t n = 0, cap = 0;
        const char *p = text;
        int r;

        while (*p) {
                const char *nl = strchrnul(p, '\n');
                size_t len = (size_t)(nl - p);

                if (len > 0) {
                        struct mi_entry e = {0};

                        if (n == cap) {
                                size_t ncap = cap ? cap * 2 : 32;
                                struct mi_entry *nv =
                                    reallocarray(v, ncap, sizeof(*v));
                                if (!nv) {
                                        mi_entries_free(v, n);
                                        return -ENOMEM;
                                }
                                v = nv;
                                cap = ncap;
                        }
                        r = mi_parse_line(p, len, &e);
                        if (r == -ENOMEM) {
                                mi_entry_clear(&e);
                                mi_entries_free(v, n);
                                return r;
                        }
                        /* a malformed line is skipped, not fatal */
                        if (r < 0)
                                mi_entry_clear(&e);
                        else
                                v[n++] = e;
                }
                p = *nl ? nl + 1 : nl;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static bool mi_stacked_on(const struct mi_entry *v, size_t n, size_t i)
{
        for (size_t j = 0; j < n; j++)
                if (j != i && v[j].parent == v[i].id &&
                    strcmp(v[j].mountpoint, v[i].mountpoint) == 0)
                        return true;
        return false;
}

/* A mount is hidden when another mount is stacked on it (same mountpoint,
 * its parent) or when the mount it sits in is hidden; a mount stacked on
 * its parent is hidden only when the parent's own ancestors hide it. */
static bool mi_hidden(const struct mi_entry *v, size_t n, size_t i,
                      unsigned depth)
{
        size_t cur = i;
        bool stacked_walk = false;

        for (; depth < 64; depth++) {
                size_t p;

                if (!stacked_walk && mi_stacked_on(v, n, cur))
                        return true;
                for (p = 0; p < n; p++)
                        if (p != cur && v[p].id == v[cur].parent)
                                break;
                if (p == n)
                        return false;
                stacked_walk = strcmp(v[cur].mountpoint, v[p].mountpoint) == 0;
                cur = p;
        }
        return false;
}

/* Options of a v1 cgroup mount that name no controller. */
static bool opt_is_controller(const char *o, size_t len)
{
        static const char *const skip[] = {
            "rw",
            "ro",
            "xattr",
            "noprefix",
            "none",
            "all",
            "clone_children",
            "cpuset_v2_mode",
            "nsdelegate",
            "favordynmods",
            "memory_recursiveprot",
        };

        if (len == 0)
                return false;
        if (len >= 14 && strncmp(o, "release_agent=", 14) == 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(skip); i++)
                if (strlen(skip[i]) == len && strncmp(skip[i], o, len) == 0)
                        return false;
        return true;
}

static char *v1_controllers(const char *superopts)
{
        size_t len = strlen(superopts);
        char *out = malloc(len + 1), *o = out;
        const char *p = superopts;

        if (!out)
                return NULL;
        while (*p) {
                const char *c = strchrnul(p, ',');
                size_t l = (size_t)(c - p);

                if (opt_is_controller(p, l)) {
                        if (o != out)
                                *o++ = ',';
                        memcpy(o, p, l);
                        o += l;
                }
                p = *c ? c + 1 : c;
        }
        *o = '\0';
        return out;
}

/* Is name in the comma-separated list? */
static bool list_has(const char *list, const char *name, size_t nlen, char sep)
{
        const char *p = list;

        while (*p) {
                const char *c = strchrnul(p, sep);

                if ((size_t)(c - p) == nlen && strncmp(p, name, nlen) == 0)
                        return true;
                p = *c ? c + 1 : c;
        }
        return false;
}

/* Same set of comma-separated items, in any order? */
static bool list_same_set(const char *a, const char *b, size_t blen)
{
        size_t na = 0, nb = 0;
        const char *p;

        for (p = a; *p;) {
                const char *c = strchrnul(p, ',');
                if (c > p) {
                        na++;
                        if (!memmem(b, blen, p, (size_t)(c - p)))
                                return false;
                }
                p = *c ? c + 1 : c;
        }
        for (p = b; p < b + blen;) {
                const char *c = memchr(p, ',', (size_t)(b + blen - p));
                if (!c)
                        c = b + blen;
                if (c > p) {
                        nb++;
                        if (!list_has(a, p, (size_t)(c - p), ','))
                                return false;
                }
                p = c + 1;
        }
        return na == nb && na > 0;
}

/* The path of this process on a hierarchy, from /proc/self/cgroup text:
 * "ID:CONTROLLERS:PATH" lines; v2 is "0::PATH". */
static char *own_path(const char *proc_cgroup, bool v2, const char *ctls)
{
        const char *p = proc_cgroup;

        while (*p) {
                const char *nl = strchrnul(p, '\n');
                const char *c1 = memchr(p, ':', (size_t)(nl - p)), *c2;

                if (c1) {
                        c2 = memchr(c1 + 1, ':', (size_t)(nl - c1 - 1));
                        if (c2 && c2 + 1 < nl && c2[1] == '/') {
                                size_t clen = (size_t)(c2 - c1 - 1);
                                bool match =
                                    v2 ? (clen == 0 && c1 - p == 1 && *p == '0')
                                       : (clen > 0 &&
                                          list_same_set(ctls, c1 + 1, clen));
                                if (match)
                                        return strndup(c2 + 1,
                                                       (size_t)(nl - c2 - 1));
                        }
                }
                p = *nl ? nl + 1 : nl;
        }
        return NULL;
}

static void hier_free(struct cg_hier *h)
{
        free(h->mountpoint);
        free(h->controllers);
        free(h->own);
        *h = (struct cg_hier){0};
}

void cg_layout_free(struct cg_layout *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                hier_free(&l->v[i]);
        free(l->v);
        *l = (struct cg_layout){0};
}

static bool under_sys_fs_cgroup(const char *mp)
{
        return strncmp(mp, "/sys/fs/cgroup", 14) == 0 &&
               (mp[14] == '\0' || mp[14] == '/');
}

/* Add h unless the same hierarchy is already there; prefer the mount
 * beneath /sys/fs/cgroup when one hierarchy is mounted twice. Takes h. */
static int layout_add(struct cg_layout *l, struct cg_hier *h)
{
        for (size_t i = 0; i < l->n; i++) {
                struct cg_hier *o = &l->v[i];
                bool same =
                    o->v2 == h->v2 &&
                    (h->v2 || strcmp(o->controllers, h->controllers) == 0);
                if (!same)
                        continue;
                if (!under_sys_fs_cgroup(o->mountpoint) &&
                    under_sys_fs_cgroup(h->mountpoint)) {
                        hier_free(o);
                        *o = *h;
                } else
                        hier_free(h);
                *h = (struct cg_hier){0};
                return 0;
        }
        struct cg_hier *nv = reallocarray(l->v, l->n + 1, sizeof(*nv));
        if (!nv) {
                hier_free(h);
                return -ENOMEM;
        }
        l->v = nv;
        l->v[l->n++] = *h;
        *h = (struct cg_hier){0};
        return 0;
}

int cg_layout_parse(const char *mountinfo, const char *proc_cgroup,
                    struct cg_layout *ret)
{
        struct cg_layout l = {0};
        struct mi_entry *mi = NULL;
        size_t nmi = 0;
        bool any_v1 = false, any_v2 = false;
        int r;

        if (!mountinfo || !proc_cgroup || !ret)
                return -EINVAL;
        r = mi_parse(mountinfo, &mi, &nmi);
        if (r < 0)
                return r;
        for (size_t i = 0; i < nmi; i++) {
                struct cg_hier h = {0};
                bool v2 = strcmp(mi[i].fstype, "cgroup2") == 0;

                if (!v2 && strcmp(mi[i].fstype, "cgroup") != 0)
                        continue;
                /* a bind of a sub-cgroup cannot hold our cgroups */
                if (strcmp(mi[i].root, "/") != 0)
                        continue;
                if (mi_hidden(mi, nmi, i, 0))
                        continue;
                h.v2 = v2;
                h.mountpoint = strdup(mi[i].mountpoint);
                h.controllers =
                    v2 ? strdup("") : v1_controllers(mi[i].superopts);
                if (!h.mountpoint || !h.controllers) {
                        hier_free(&h);
                        r = -ENOMEM;
                        goto fail;
                }
                if (!v2 && h.controllers[0] == '\0') {
                        hier_free(&h);
                        continue;
                }
                h.own = own_path(proc_cgroup, v2, h.controllers);
                if (!h.own) {
                        /* not our hierarchy (or /proc/self/cgroup lacks
                         * it): unusable */
                        hier_free(&h);
                        continue;
                }
                r = layout_add(&l, &h);
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; i < l.n; i++) {
                if (l.v[i].v2)
                        any_v2 = true;
                else
                        any_v1 = true;
        }
        l.kind = any_v1 && any_v2 ? CG_HYBRID
                 : any_v1         ? CG_V1
                 : any_v2         ? CG_V2
                                  : CG_NONE;
        mi_entries_free(mi, nmi);
        *ret = l;
        return 0;
fail:
        mi_entries_free(mi, nmi);
        cg_layout_free(&l);
        return r;
}

int cg_read_text(const char *path, char **ret)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k;

                if (cap - len < 4096) {
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *nb;

                        if (ncap > CG_FILE_MAX)
                                return -EFBIG;
                        nb = realloc(buf, ncap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap = ncap;
                }
                k = read(fd, buf + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        return r;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
        }
        if (!buf) {
                buf = strdup("");
                if (!buf)
                        return -ENOMEM;
        } else
                buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* cgroup.controllers of our own cgroup, newline stripped. */
static int v2_read_controllers(struct cg_hier *h)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if (asprintf(&path, "%s%s/cgroup.controllers", h->mountpoint,
                     strcmp(h->own, "/") == 0 ? "" : h->own) < 0)
                return -ENOMEM;
        r = cg_read_text(path, &text);
        if (r < 0)
                return r;
        text[strcspn(text, "\n")] = '\0';
        free(h->controllers);
        h->controllers = TAKE_PTR(text);
        return 0;
}

int cg_layout_read(struct cg_layout *ret)
{
        _cleanup_free_ char *mi = NULL, *pc = NULL;
        struct cg_layout l = {0};
        int r;

        if (!ret)
                return -EINVAL;
        r = cg_read_text("/proc/self/mountinfo", &mi);
        if (r < 0)
                return r;
        r = cg_read_text("/proc/self/cgroup", &pc);
        if (r < 0)
                return r;
        r = cg_layout_parse(mi, pc, &l);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l.n; i++)
                if (l.v[i].v2) {
                        /* unreadable (e.g. our cgroup is outside this
                         * mount) leaves "" = unknown */
                        r = v2_read_controllers(&l.v[i]);
                        if (r == -ENOMEM) {
                                cg_layout_free(&l);
                                return r;
                        }
                }
        l.has_cgroupns = access("/proc/self/ns/cgroup", F_OK) == 0;
        *ret = l;
        return 0;
}

const struct cg_hier *cg_layout_find(const struct cg_layout *l, const char *ctl)
{
        size_t len;

        if (!l || !ctl || !*ctl)
                return NULL;
        len = strlen(ctl);
        for (size_t i = 0; i < l->n; i++)
                if (!l->v[i].v2 && list_has(l->v[i].controllers, ctl, len, ','))
                        return &l->v[i];
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].v2 && list_has(l->v[i].controllers, ctl, len, ' '))
                        return &l->v[i];
        return NULL;
}

const struct cg_hier *cg_layout_v2(const struct cg_layout *l)
{
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].v2)
                        return &l->v[i];
        return NULL;
}

int cg_box_dir(const struct cg_hier *h, const char *name, char **ret)
{
        char *dir;

        if (!h || !name || !*name || strchr(name, '/') || !ret)
                return -EINVAL;
        if (asprintf(&dir, "%s%s/pbox-%s", h->mountpoint,
                     strcmp(h->own, "/") == 0 ? "" : h->own, name) < 0)
                return -ENOMEM;
        *ret = dir;
        return 0;
}

int cg_mountinfo_fstype(const char *mountinfo, const char *path,
                        char **ret_fstype)
{
        struct mi_entry *mi = NULL;
        size_t nmi = 0;
        char *t = NULL;
        int r;

        if (!mountinfo || !path || !ret_fstype)
                return -EINVAL;
        r = mi_parse(mountinfo, &mi, &nmi);
        if (r < 0)
                return r;
        /* the visible one is the top of the stack: not hidden */
        for (size_t i = 0; i < nmi; i++)
                if (strcmp(mi[i].mountpoint, path) == 0 &&
                    !mi_hidden(mi, nmi, i, 0)) {
                        t = mi[i].fstype;
                        mi[i].fstype = NULL;
                        break;
                }
        mi_entries_free(mi, nmi);
        if (!t)
                return -ENOENT;
        *ret_fstype = t;
        return 0;
}

int cg_mountinfo_find_v1(const char *mountinfo, const char *ctl,
                         const char *prefer, char **ret_mountpoint)
{
        struct mi_entry *mi = NULL;
        size_t nmi = 0, len, plen = prefer ? strlen(prefer) : 0;
        ssize_t best = -1;
        int r;

        if (!mountinfo || !ctl || !ret_mountpoint)
                return -EINVAL;
        len = strlen(ctl);
        r = mi_parse(mountinfo, &mi, &nmi);
        if (r < 0)
                return r;
        for (size_t i = 0; i < nmi; i++) {
                _cleanup_free_ char *c = NULL;
                bool pref;

                if (strcmp(mi[i].fstype, "cgroup") != 0 ||
                    mi_hidden(mi, nmi, i, 0))
                        continue;
                c = v1_controllers(mi[i].superopts);
                if (!c) {
                        r = -ENOMEM;
                        break;
                }
                if (!list_has(c, ctl, len, ','))
                        continue;
                pref = prefer && strncmp(mi[i].mountpoint, prefer, plen) == 0 &&
                       (mi[i].mountpoint[plen] == '/' ||
                        mi[i].mountpoint[plen] == '\0');
                if (best < 0 || pref)
                        best = (ssize_t)i;
                if (pref)
                        break;
        }
        if (r == 0 && best < 0)
                r = -ENOENT;
        if (r == 0) {
                *ret_mountpoint = mi[best].mountpoint;
                mi[best].mountpoint = NULL;
        }
        mi_entries_free(mi, nmi);
        return r;
}
