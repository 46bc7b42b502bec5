/* config_file.c — --file specs `SRC:DST[:MODE[:UID:GID]]` (Planet's File):
 * a host file copied into the box before init starts. Parsed unprivileged
 * by the pbox command and the broker. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "pbox.h"

#define TOKEN_MAX  120 /* longest token quoted in an error line */
#define FIELDS_MAX 5

/* Writes `bad file "TOKEN": WHY` as one line (control bytes → '?', a long
 * token cut so the reason always fits). */
__attribute__((format(printf, 3, 4))) static int
file_fail(char err[PBOX_ERR_LEN], const char *tok, const char *fmt, ...)
{
        size_t len = strlen(tok);
        va_list ap;
        int n;

        if (!err)
                return -EINVAL;
        n = snprintf(err, PBOX_ERR_LEN, "bad file \"%.*s%s\": ",
                     (int)(len > TOKEN_MAX ? TOKEN_MAX : len), tok,
                     len > TOKEN_MAX ? "..." : "");
        if (n >= 0 && n < PBOX_ERR_LEN) {
                va_start(ap, fmt);
                vsnprintf(err + n, PBOX_ERR_LEN - (size_t)n, fmt, ap);
                va_end(ap);
        }
        for (char *p = err; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        return -EINVAL;
}

/* Absolute box path p[0..len) normalised as a volume destination is
 * (config_mount.c): no "..", no ".", no duplicate or trailing slash, not
 * "/" itself. */
static int file_dst_normalize(const char *p, size_t len, char **ret,
                              const char **ret_why)
{
        _cleanup_free_ char *out = NULL;
        size_t i = 0, o = 0;

        if (len == 0 || p[0] != '/') {
                *ret_why = len ? "destination is not an absolute path"
                               : "empty destination";
                return -EINVAL;
        }
        out = malloc(len + 1);
        if (!out)
                return -ENOMEM;
        while (i < len) {
                size_t start, clen;

                while (i < len && p[i] == '/')
                        i++;
                start = i;
                while (i < len && p[i] != '/')
                        i++;
                clen = i - start;
                if (clen == 0 || (clen == 1 && p[start] == '.'))
                        continue;
                if (clen == 2 && p[start] == '.' && p[start + 1] == '.') {
                        *ret_why = "destination has a \"..\" component";
                        return -EINVAL;
                }
                out[o++] = '/';
                memcpy(out + o, p + start, clen);
                o += clen;
        }
        if (o == 0) {
                *ret_why = "destination is the box's root";
                return -EINVAL;
        }
        out[o] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* Octal mode p[0..len), at most 07777. */
static int file_mode_parse(const char *p, size_t len, uint32_t *ret)
{
        uint32_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (p[i] < '0' || p[i] > '7')
                        return -EINVAL;
                v = v * 8 + (uint32_t)(p[i] - '0');
                if (v > 07777)
                        return -EINVAL;
        }
        *ret = v;
        return 0;
}

/* Decimal id p[0..len), at most 4294967294 ((uid_t)-1 means "unset"). */
static int file_id_parse(const char *p, size_t len, uint32_t *ret)
{
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(p[i] - '0');
                if (v > UINT32_MAX - 1)
                        return -EINVAL;
        }
        *ret = (uint32_t)v;
        return 0;
}

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
                if (file_mode_parse(f[2], flen[2], &out.mode) < 0)
                        return file_fail(err, spec,
                                         "mode \"%.*s\" is not octal "
                                         "0..07777",
                                         (int)(flen[2] > 16 ? 16 : flen[2]),
                                         f[2]);
                out.has_mode = true;
        }
        if (nf == 5) {
                if (file_id_parse(f[3], flen[3], &out.uid) < 0)
                        return file_fail(err, spec,
                                         "uid \"%.*s\" is not a number "
                                         "0..4294967294",
                                         (int)(flen[3] > 16 ? 16 : flen[3]),
                                         f[3]);
                if (file_id_parse(f[4], flen[4], &out.gid) < 0)
                        return file_fail(err, spec,
                                         "gid \"%.*s\" is not a number "
                                         "0..4294967294",
                                         (int)(flen[4] > 16 ? 16 : flen[4]),
                                         f[4]);
                out.has_owner = true;
        }
        r = file_dst_normalize(f[1], flen[1], &dst, &why);
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
