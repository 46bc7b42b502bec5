/* config_mount.c — --volume specs (SPEC §4.2; Planet's Mounts):
 * `SRC:DST[:OPT...]`, or a comma list of them, parsed into pbox_mounts.
 * Run unprivileged by the pbox command and the broker; the mounter only
 * ever sees the parsed, normalised result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_util.h"
#include "pbox.h"

/* `bad volume "TOKEN": WHY` (config_util.c). */
#define volume_fail(err, tok, len, ...)                                        \
        config_fail(err, -EINVAL, "bad volume", tok, len, __VA_ARGS__)

static void mount_clear(struct pbox_mount *m)
{
        free(m->src);
        free(m->dst);
        *m = (struct pbox_mount){0};
}

/* One item `SRC:DST[:OPT...]` at s[0..len). */
static int volume_item_parse(const char *s, size_t len, struct pbox_mount *ret,
                             char err[PBOX_ERR_LEN])
{
        _cleanup_free_ char *src = NULL, *dst = NULL;
        const char *c1, *dst_end, *end = s + len, *why = NULL;
        bool ro = false, rw = false, skip = false, rec = false;
        int r;

        if (len == 0)
                return volume_fail(err, s, len, "empty item");
        c1 = memchr(s, ':', len);
        if (!c1)
                return volume_fail(err, s, len, "missing destination");
        if (c1 == s)
                return volume_fail(err, s, len, "empty source");
        dst_end = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
        if (!dst_end)
                dst_end = end;
        /* options first, so `a:b:xx` names its unknown option */
        for (const char *o = dst_end; o < end;) {
                const char *next, *opt = o + 1;
                size_t olen;

                next = memchr(opt, ':', (size_t)(end - opt));
                if (!next)
                        next = end;
                olen = (size_t)(next - opt);
#define OPT_IS(lit) (olen == strlen(lit) && memcmp(opt, lit, olen) == 0)

                if (olen == 0)
                        return volume_fail(err, s, len, "empty option");
                else if (OPT_IS("ro") || OPT_IS("r"))
                        ro = true;
                else if (OPT_IS("rw") || OPT_IS("w"))
                        rw = true;
                else if (OPT_IS("skip"))
                        skip = true;
                else if (OPT_IS("rec") || OPT_IS("recursive"))
                        rec = true;
                else
                        return volume_fail(err, s, len,
                                           "unknown option \"%.*s\"",
                                           (int)(olen > 32 ? 32 : olen), opt);
#undef OPT_IS
                o = next;
        }
        r = config_box_path(c1 + 1, (size_t)(dst_end - c1 - 1), &dst, &why);
        if (r == -EINVAL)
                return volume_fail(err, s, len, "%s", why);
        if (r < 0)
                return r;
        if (ro && rw)
                return volume_fail(err, s, len,
                                   "both read-only and read-write");
        src = strndup(s, (size_t)(c1 - s));
        if (!src)
                return -ENOMEM;
        *ret = (struct pbox_mount){
            .src = TAKE_PTR(src),
            .dst = TAKE_PTR(dst),
            .readonly = ro,
            .skip_if_missing = skip,
            .recursive = rec,
        };
        return 0;
}

int pbox_mounts_set(struct pbox_mounts *m, const char *spec,
                    char err[PBOX_ERR_LEN])
{
        struct pbox_mount *tmp = NULL;
        size_t ntmp = 0, captmp = 0;
        const char *p;
        int r;

        if (!m || !spec)
                return -EINVAL;
        if (!*spec)
                return volume_fail(err, spec, 0, "empty");
        /* Parse everything aside first: on error m is left untouched. */
        p = spec;
        for (;;) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                if (ntmp == captmp) {
                        size_t ncap = captmp ? captmp * 2 : 4;
                        struct pbox_mount *nv =
                            reallocarray(tmp, ncap, sizeof(*tmp));

                        if (!nv) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        tmp = nv;
                        captmp = ncap;
                }
                r = volume_item_parse(p, len, &tmp[ntmp], err);
                if (r < 0)
                        goto fail;
                ntmp++;
                if (!comma || comma[1] == '\0')
                        break; /* a trailing comma is ignored */
                p = comma + 1;
        }
        if (m->n + ntmp > m->cap) {
                size_t ncap = m->cap ? m->cap : 4;
                struct pbox_mount *nv;

                while (ncap < m->n + ntmp)
                        ncap *= 2;
                nv = reallocarray(m->v, ncap, sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        goto fail;
                }
                m->v = nv;
                m->cap = ncap;
        }
        memcpy(m->v + m->n, tmp, ntmp * sizeof(*tmp));
        m->n += ntmp;
        free(tmp);
        return 0;
fail:
        for (size_t i = 0; i < ntmp; i++)
                mount_clear(&tmp[i]);
        free(tmp);
        return r;
}

void pbox_mounts_free(struct pbox_mounts *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->n; i++)
                mount_clear(&m->v[i]);
        free(m->v);
        *m = (struct pbox_mounts){0};
}
