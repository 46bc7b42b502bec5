/* config_user.c — resolves --user / enter -u specs (`name`, `uid`,
 * `uid:gid`, `name:group`, `name:gid`) against the box's own passwd and
 * group contents, given as buffers: the host's NSS is never consulted, as
 * its users are not the box's. Runs unprivileged: the broker for init's
 * user and enterd's front for entered processes; the buffers are untrusted
 * box content, so malformed lines are skipped, never fatal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_util.h"
#include "pbox.h"

#define GROUPS_MAX 65536 /* the kernel's NGROUPS_MAX */

/* `PREFIX "TOKEN"[: WHY]` (config_util.c). */
static int user_fail(char err[PBOX_ERR_LEN], int r, const char *prefix,
                     const char *tok, size_t len, const char *why)
{
        if (why)
                return config_fail(err, r, prefix, tok, len, "%s", why);
        return config_fail(err, r, prefix, tok, len, NULL);
}

static bool user_all_digits(const char *s, size_t len)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

struct field {
        const char *s;
        size_t len;
};

/* Walks buf line by line: *pos advances, ret gets the line without '\n'.
 * Lines holding a NUL byte are skipped as malformed. */
static bool user_line_next(const char *buf, size_t buflen, size_t *pos,
                           struct field *ret)
{
        while (buf && *pos < buflen) {
                const char *s = buf + *pos;
                const char *nl = memchr(s, '\n', buflen - *pos);
                size_t len = nl ? (size_t)(nl - s) : buflen - *pos;

                *pos += len + (nl ? 1 : 0);
                if (memchr(s, '\0', len))
                        continue;
                ret->s = s;
                ret->len = len;
                return true;
        }
        return false;
}

/* Splits line on ':' into exactly n fields; false otherwise. */
static bool user_fields_split(struct field line, struct field *f, size_t n)
{
        const char *p = line.s, *end = line.s + line.len;

        for (size_t i = 0; i < n; i++) {
                const char *c = memchr(p, ':', (size_t)(end - p));

                if (!c && i + 1 < n)
                        return false;
                if (c && i + 1 == n)
                        return false;
                f[i].s = p;
                f[i].len = c ? (size_t)(c - p) : (size_t)(end - p);
                p = c ? c + 1 : end;
        }
        return true;
}

static bool field_eq(struct field f, const char *s, size_t len)
{
        return f.len == len && memcmp(f.s, s, len) == 0;
}

struct pw_entry {
        struct field name, home;
        uint32_t uid, gid;
};

/* First well-formed passwd entry with this name (name != NULL) or uid. */
static bool passwd_find(const char *buf, size_t buflen, const char *name,
                        size_t name_len, uint32_t uid, struct pw_entry *ret)
{
        struct field line, f[7];
        size_t pos = 0;

        while (user_line_next(buf, buflen, &pos, &line)) {
                struct pw_entry e;

                if (!user_fields_split(line, f, 7) || f[0].len == 0 ||
                    config_id(f[2].s, f[2].len, &e.uid) < 0 ||
                    config_id(f[3].s, f[3].len, &e.gid) < 0)
                        continue;
                if (name ? !field_eq(f[0], name, name_len) : e.uid != uid)
                        continue;
                e.name = f[0];
                e.home = f[5];
                *ret = e;
                return true;
        }
        return false;
}

/* Parses a well-formed group line into its fields and gid. */
static bool group_line_parse(struct field line, struct field f[4],
                             uint32_t *gid)
{
        return user_fields_split(line, f, 4) && f[0].len > 0 &&
               config_id(f[2].s, f[2].len, gid) == 0;
}

static bool group_find(const char *buf, size_t buflen, const char *name,
                       size_t name_len, uint32_t *ret_gid)
{
        struct field line, f[4];
        size_t pos = 0;
        uint32_t gid;

        while (user_line_next(buf, buflen, &pos, &line))
                if (group_line_parse(line, f, &gid) &&
                    field_eq(f[0], name, name_len)) {
                        *ret_gid = gid;
                        return true;
                }
        return false;
}

static bool group_has_member(struct field members, const char *name,
                             size_t name_len)
{
        const char *p = members.s, *end = members.s + members.len;

        while (p < end) {
                const char *c = memchr(p, ',', (size_t)(end - p));
                const char *e = c ? c : end;

                if ((size_t)(e - p) == name_len &&
                    memcmp(p, name, name_len) == 0)
                        return true;
                p = e + 1;
        }
        return false;
}

static int gid_cmp(const void *a, const void *b)
{
        gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

        return x < y ? -1 : x > y;
}

/* The primary gid first, then every group naming the user as a member,
 * ascending, without repeats, at most GROUPS_MAX in all. */
static int groups_collect(const char *buf, size_t buflen, const char *name,
                          gid_t primary, gid_t **ret, size_t *ret_n)
{
        _cleanup_free_ gid_t *v = NULL;
        size_t n = 0, cap = 8, out = 1, pos = 0;
        struct field line, f[4];
        uint32_t gid;

        v = malloc(cap * sizeof(*v));
        if (!v)
                return -ENOMEM;
        v[n++] = primary;
        while (name && user_line_next(buf, buflen, &pos, &line)) {
                if (!group_line_parse(line, f, &gid) || gid == primary ||
                    !group_has_member(f[3], name, strlen(name)))
                        continue;
                if (n == cap) {
                        gid_t *nv = reallocarray(v, cap * 2, sizeof(*v));

                        if (!nv)
                                return -ENOMEM;
                        v = nv;
                        cap *= 2;
                }
                v[n++] = gid;
        }
        qsort(v + 1, n - 1, sizeof(*v), gid_cmp);
        for (size_t i = 1; i < n && out < GROUPS_MAX; i++)
                if (v[i] != v[out - 1]) /* v[0], the primary, is unique */
                        v[out++] = v[i];
        *ret = TAKE_PTR(v);
        *ret_n = out;
        return 0;
}

int pbox_user_resolve(const char *spec, const char *passwd, size_t passwd_len,
                      const char *group, size_t group_len,
                      struct pbox_user *ret, char err[PBOX_ERR_LEN])
{
        _cleanup_free_ char *name = NULL, *home = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        const char *colon, *grp = NULL;
        size_t ulen, glen = 0, ngroups = 0;
        struct pw_entry e;
        uint32_t uid, gid;
        bool found;
        int r;

        if (!spec || !ret)
                return -EINVAL;
        colon = strchr(spec, ':');
        ulen = colon ? (size_t)(colon - spec) : strlen(spec);
        if (colon) {
                grp = colon + 1;
                glen = strlen(grp);
                if (glen == 0)
                        return user_fail(err, -EINVAL, "bad user", spec,
                                         strlen(spec), "empty group");
                if (strchr(grp, ':'))
                        return user_fail(err, -EINVAL, "bad user", spec,
                                         strlen(spec), "more than one ':'");
        }
        if (ulen == 0)
                return user_fail(err, -EINVAL, "bad user", spec, strlen(spec),
                                 "empty user");

        if (user_all_digits(spec, ulen)) {
                if (config_id(spec, ulen, &uid) < 0)
                        return user_fail(err, -EINVAL, "bad user", spec,
                                         strlen(spec), "uid out of range");
                found = passwd_find(passwd, passwd_len, NULL, 0, uid, &e);
        } else {
                found = passwd_find(passwd, passwd_len, spec, ulen, 0, &e);
                if (!found)
                        return user_fail(err, -ENOENT, "unknown user", spec,
                                         ulen, NULL);
        }
        if (found) {
                uid = e.uid;
                gid = e.gid;
                name = strndup(e.name.s, e.name.len);
                home = e.home.len ? strndup(e.home.s, e.home.len) : strdup("/");
                if (!name || !home)
                        return -ENOMEM;
        } else {
                gid = uid;
                home = strdup("/");
                if (!home)
                        return -ENOMEM;
        }

        if (grp && user_all_digits(grp, glen)) {
                if (config_id(grp, glen, &gid) < 0)
                        return user_fail(err, -EINVAL, "bad user", spec,
                                         strlen(spec), "gid out of range");
        } else if (grp && !group_find(group, group_len, grp, glen, &gid))
                return user_fail(err, -ENOENT, "unknown group", grp, glen,
                                 NULL);

        r = groups_collect(group, group_len, name, gid, &groups, &ngroups);
        if (r < 0)
                return r;
        *ret = (struct pbox_user){
            .uid = uid,
            .gid = gid,
            .name = TAKE_PTR(name),
            .home = TAKE_PTR(home),
            .groups = TAKE_PTR(groups),
            .ngroups = ngroups,
        };
        return 0;
}

void pbox_user_free(struct pbox_user *u)
{
        if (!u)
                return;
        free(u->name);
        free(u->home);
        free(u->groups);
        *u = (struct pbox_user){0};
}
