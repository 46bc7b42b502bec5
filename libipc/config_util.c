/* config_util.c — shared pieces of the configuration-language parsers
 * (see config_util.h). Runs wherever the parsers run: the pbox command,
 * the unprivileged broker, and the mounter's second look at box paths. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_util.h"

#define TOKEN_MAX 120 /* longest token quoted in an error line */
#define ID_MAX    4294967294U

int config_fail(char err[PBOX_ERR_LEN], int r, const char *prefix,
                const char *tok, size_t len, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (!err)
                return r;
        n = snprintf(err, PBOX_ERR_LEN, "%s \"%.*s%s\"%s", prefix,
                     (int)(len > TOKEN_MAX ? TOKEN_MAX : len), tok,
                     len > TOKEN_MAX ? "..." : "", fmt ? ": " : "");
        if (fmt && n >= 0 && n < PBOX_ERR_LEN) {
                va_start(ap, fmt);
                vsnprintf(err + n, PBOX_ERR_LEN - (size_t)n, fmt, ap);
                va_end(ap);
        }
        for (char *p = err; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        return r;
}

int config_octal_mode(const char *p, size_t len, uint32_t *ret)
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

int config_id(const char *p, size_t len, uint32_t *ret)
{
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(p[i] - '0');
                if (v > ID_MAX)
                        return -ERANGE;
        }
        *ret = (uint32_t)v;
        return 0;
}

int config_box_path(const char *p, size_t len, char **ret, const char **ret_why)
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
