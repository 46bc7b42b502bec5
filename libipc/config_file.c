/* config_file.c — --file specs `SRC:DST[:MODE[:UID:GID]]` (Planet's File):
 * a host file copied into the box before init starts. Parsed unprivileged
 * by the pbox command and the broker. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_util.h"
#include "pbox.h"

#define FIELDS_MAX 5

/* `bad file "TOKEN": WHY` (config_util.c). */
#define file_fail(err, tok, ...)                                               \
        config_fail(err, -EINVAL, "bad file", tok, strlen(tok), __VA_ARGS__)

int pbox_file_parse(const char *spec, struct pbox_file *ret,
                    char err[PBOX_ERR_LEN])
{
        _cleanup_free_ char *src = NULL, *dst = NULL;
        const char *f[FIELDS_MAX], *why = NULL;
        size_t flen[FIELDS_MAX], nf = 0;
        struct pbox_file out = {0};
        const char *p;
        int r;

        if (!spec || !ret)
                return -EINVAL;
        for (p = spec;; nf++) {
                const char *colon = strchr(p, ':');

                if (nf == FIELDS_MAX)
                        return file_fail(err, spec,
                                         "too many fields, expected "
                                         "SRC:DST[:MODE[:UID:GID]]");
                f[nf] = p;
                flen[nf] = colon ? (size_t)(colon - p) : strlen(p);
                if (!colon) {
                        nf++;
                        break;
                }
                p = colon + 1;
        }
        if (nf < 2)
                return file_fail(err, spec, "missing destination");
        if (nf == 4)
                return file_fail(err, spec, "UID without GID");
        if (flen[0] == 0)
                return file_fail(err, spec, "empty source");
        if (nf >= 3) {
                if (config_octal_mode(f[2], flen[2], &out.mode) < 0)
                        return file_fail(err, spec,
                                         "mode \"%.*s\" is not octal "
                                         "0..07777",
                                         (int)(flen[2] > 16 ? 16 : flen[2]),
                                         f[2]);
                out.has_mode = true;
        }
        if (nf == 5) {
                if (config_id(f[3], flen[3], &out.uid) < 0)
                        return file_fail(err, spec,
                                         "uid \"%.*s\" is not a number "
                                         "0..4294967294",
                                         (int)(flen[3] > 16 ? 16 : flen[3]),
                                         f[3]);
                if (config_id(f[4], flen[4], &out.gid) < 0)
                        return file_fail(err, spec,
                                         "gid \"%.*s\" is not a number "
                                         "0..4294967294",
                                         (int)(flen[4] > 16 ? 16 : flen[4]),
                                         f[4]);
                out.has_owner = true;
        }
        r = config_box_path(f[1], flen[1], &dst, &why);
        if (r == -EINVAL)
                return file_fail(err, spec, "%s", why);
        if (r < 0)
                return r;
        src = strndup(f[0], flen[0]);
        if (!src)
                return -ENOMEM;
        out.src = TAKE_PTR(src);
        out.dst = TAKE_PTR(dst);
        *ret = out;
        return 0;
}

void pbox_file_free(struct pbox_file *f)
{
        if (!f)
                return;
        free(f->src);
        free(f->dst);
        *f = (struct pbox_file){0};
}
