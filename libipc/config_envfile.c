/* config_envfile.c — environment files (SPEC §4.5): Go %q quoting and
 * unquoting, `NAME="VALUE"` lines, and the atomic write / read of such a
 * file (Planet's WriteEnvironment / ReadEnvironment). The pbox command and
 * the broker write them; initproc and enterd read them back. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pbox.h"
#include "cleanup.h"

/* An environment file larger than this is refused on read. */
#define ENV_FILE_MAX (64u << 20)

static const char hexdig[] = "0123456789abcdef";

/* Strict UTF-8 decode of s[0..n) (n >= 1, s[0] >= 0x80): the code point
 * and its width, or width 0 when invalid (overlong, surrogate, > U+10FFFF,
 * truncated), like Go's utf8.DecodeRune returning RuneError, 1. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
        uint32_t cp, min;
        size_t w;

        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                w = 2;
                cp = s[0] & 0x1f;
                min = 0x80;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                w = 3;
                cp = s[0] & 0x0f;
                min = 0x800;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                w = 4;
                cp = s[0] & 0x07;
                min = 0x10000;
        } else
                return 0;
        if (n < w)
                return 0;
        for (size_t i = 1; i < w; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return w;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xc0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xe0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char)(0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
}

/* An approximation of Go's unicode.IsPrint for cp >= 0x80 without Go's
 * tables: C1 controls, the non-ASCII spaces, common format characters,
 * private use areas and non-characters are not printable; everything
 * else is. Either answer unquotes to the same bytes. */
static bool rune_printable(uint32_t cp)
{
        if (cp < 0xa0 || cp == 0xa0 || cp == 0xad || cp == 0x1680)
                return false;
        if ((cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f))
                return false;
        if ((cp >= 0x205f && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206f))
                return false;
        if (cp == 0x3000 || cp == 0xfeff || (cp >= 0xe000 && cp <= 0xf8ff))
                return false;
        if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
                return false;
        if (cp >= 0xf0000)
                return false;
        return true;
}

char *pbox_go_quote(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t n, o = 0;
        char *out;

        if (!s) {
                errno = EINVAL;
                return NULL;
        }
        n = strlen(s);
        /* Worst case: every byte as \xNN; a 4-byte rune as \UNNNNNNNN. */
        if (n > (SIZE_MAX - 3) / 4) {
                errno = ENOMEM;
                return NULL;
        }
        out = malloc(4 * n + 3);
        if (!out)
                return NULL;
        out[o++] = '"';
        for (size_t i = 0; i < n;) {
                unsigned char c = p[i];
                uint32_t cp;
                size_t w;
                char e = 0;

                if (c >= 0x80) {
                        w = utf8_decode(p + i, n - i, &cp);
                        if (w == 0) {
                                out[o++] = '\\';
                                out[o++] = 'x';
                                out[o++] = hexdig[c >> 4];
                                out[o++] = hexdig[c & 0xf];
                                i++;
                        } else if (rune_printable(cp)) {
                                memcpy(out + o, p + i, w);
                                o += w;
                                i += w;
                        } else {
                                int digits = cp < 0x10000 ? 4 : 8;
                                out[o++] = '\\';
                                out[o++] = cp < 0x10000 ? 'u' : 'U';
                                for (int sh = (digits - 1) * 4; sh >= 0;
                                     sh -= 4)
                                        out[o++] = hexdig[(cp >> sh) & 0xf];
                                i += w;
                        }
                        continue;
                }
                i++;
                switch (c) {
                case '\a':
                        e = 'a';
                        break;
                case '\b':
                        e = 'b';
                        break;
                case '\f':
                        e = 'f';
                        break;
                case '\n':
                        e = 'n';
                        break;
                case '\r':
                        e = 'r';
                        break;
                case '\t':
                        e = 't';
                        break;
                case '\v':
                        e = 'v';
                        break;
                case '\\':
                case '"':
                        e = (char)c;
                        break;
                default:
                        break;
                }
                if (e) {
                        out[o++] = '\\';
                        out[o++] = e;
                } else if (c < 0x20 || c == 0x7f) {
                        out[o++] = '\\';
                        out[o++] = 'x';
                        out[o++] = hexdig[c >> 4];
                        out[o++] = hexdig[c & 0xf];
                } else
                        out[o++] = (char)c;
        }
        out[o++] = '"';
        out[o] = '\0';
        return out;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Read `digits` hex digits at s (bounded by end). */
static int hex_read(const char *s, const char *end, int digits, uint32_t *ret)
{
        uint32_t v = 0;

        if (end - s < digits)
                return -EINVAL;
        for (int i = 0; i < digits; i++) {
                int h = hexval(s[i]);
                if (h < 0)
                        return -EINVAL;
                v = (v << 4) | (uint32_t)h;
        }
        *ret = v;
        return 0;
}

/* A NUL byte cannot live in a C string value, so escapes producing one
 * are rejected rather than silently truncating the value. */
int pbox_go_unquote(const char *q, size_t len, char **ret)
{
        const char *p, *end;
        char *out, *o;

        if (!q || !ret || len < 2 || q[0] != '"' || q[len - 1] != '"')
                return -EINVAL;
        /* Unescaping never grows the text. */
        out = malloc(len);
        if (!out)
                return -ENOMEM;
        o = out;
        end = q + len - 1;
        for (p = q + 1; p < end;) {
                uint32_t v;
                char c = *p++;

                if (c == '"' || c == '\n' || c == '\0')
                        goto bad;
                if (c != '\\') {
                        *o++ = c;
                        continue;
                }
                if (p >= end)
                        goto bad;
                c = *p++;
                switch (c) {
                case 'a':
                        *o++ = '\a';
                        break;
                case 'b':
                        *o++ = '\b';
                        break;
                case 'f':
                        *o++ = '\f';
                        break;
                case 'n':
                        *o++ = '\n';
                        break;
                case 'r':
                        *o++ = '\r';
                        break;
                case 't':
                        *o++ = '\t';
                        break;
                case 'v':
                        *o++ = '\v';
                        break;
                case '\\':
                case '"':
                        *o++ = c;
                        break;
                case 'x':
                        if (hex_read(p, end, 2, &v) < 0 || v == 0)
                                goto bad;
                        p += 2;
                        *o++ = (char)v;
                        break;
                case 'u':
                case 'U':
                        if (hex_read(p, end, c == 'u' ? 4 : 8, &v) < 0)
                                goto bad;
                        p += c == 'u' ? 4 : 8;
                        if (v == 0 || v > 0x10ffff ||
                            (v >= 0xd800 && v <= 0xdfff))
                                goto bad;
                        o += utf8_encode(v, o);
                        break;
                case '0':
                case '1':
                case '2':
                case '3':
                        if (end - p < 2 || p[0] < '0' || p[0] > '7' ||
                            p[1] < '0' || p[1] > '7')
                                goto bad;
                        v = (uint32_t)((c - '0') * 64 + (p[0] - '0') * 8 +
                                       (p[1] - '0'));
                        if (v == 0)
                                goto bad;
                        p += 2;
                        *o++ = (char)v;
                        break;
                default:
                        goto bad;
                }
        }
        *o = '\0';
        *ret = out;
        return 0;
bad:
        free(out);
        return -EINVAL;
}

char *pbox_env_file_format(const struct pbox_env_vars *env, size_t *ret_len)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r = 0;

        if (!env) {
                errno = EINVAL;
                return NULL;
        }
        f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        for (size_t i = 0; i < env->n && r >= 0; i++) {
                _cleanup_free_ char *q = pbox_go_quote(env->v[i].val);
                if (!q)
                        r = -ENOMEM;
                else if (fprintf(f, "%s=%s\n", env->v[i].name, q) < 0)
                        r = -ENOMEM;
        }
        if (fclose(f) != 0 || r < 0) {
                free(buf);
                errno = ENOMEM;
                return NULL;
        }
        if (ret_len)
                *ret_len = len;
        return buf;
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool is_ws(char c)
{
        return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Value of one line: quoted and unquoting → unquoted, else raw. */
static char *line_value(const char *v, size_t n)
{
        const char *s = v, *e = v + n;
        char *u;

        while (s < e && is_blank(*s))
                s++;
        while (e > s && is_blank(e[-1]))
                e--;
        if (e - s >= 2 && *s == '"' && e[-1] == '"') {
                int r = pbox_go_unquote(s, (size_t)(e - s), &u);
                if (r == 0)
                        return u;
                if (r != -EINVAL)
                        return NULL;
        }
        return strndup(v, n);
}

/* Lines whose name is not a valid environment name (comments, `export
 * X=...`) are skipped like lines without '='. */
int pbox_env_file_parse(const char *buf, size_t len, struct pbox_env_vars *env)
{
        struct pbox_env_vars merged = {0};
        const char *p, *end;
        int r;

        if (!env || (!buf && len > 0))
                return -EINVAL;
        /* Build the result aside so env is untouched on ENOMEM. */
        for (size_t i = 0; i < env->n; i++) {
                r = pbox_env_vars_upsert(&merged, env->v[i].name,
                                         env->v[i].val);
                if (r < 0)
                        goto fail;
        }
        for (p = buf, end = buf + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
                const char *ns = p, *le, *eq, *ne;
                _cleanup_free_ char *name = NULL, *val = NULL;

                p = nl ? nl + 1 : end;
                if (ll > 0 && ns[ll - 1] == '\r')
                        ll--;
                le = ns + ll;
                eq = memchr(ns, '=', ll);
                if (!eq || memchr(ns, '\0', ll))
                        continue;
                ne = eq;
                while (ns < ne && is_ws(*ns))
                        ns++;
                while (ne > ns && is_ws(ne[-1]))
                        ne--;
                name = strndup(ns, (size_t)(ne - ns));
                val = line_value(eq + 1, (size_t)(le - eq - 1));
                if (!name || !val) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = pbox_env_vars_upsert(&merged, name, val);
                if (r == -EINVAL)
                        continue;
                if (r < 0)
                        goto fail;
        }
        pbox_env_vars_free(env);
        *env = merged;
        return 0;
fail:
        pbox_env_vars_free(&merged);
        return r;
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t k = write(fd, buf, len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += k;
                len -= (size_t)k;
        }
        return 0;
}

int pbox_write_environment(const char *path, const struct pbox_env_vars *env)
{
        _cleanup_free_ char *buf = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = 0;
        int r;

        if (!path || !env)
                return -EINVAL;
        buf = pbox_env_file_format(env, &len);
        if (!buf)
                return -ENOMEM;
        /* Same directory, so the rename is atomic: a reader sees the old
         * file or the new one, never a half-written one. */
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0) {
                r = -errno;
                goto fail;
        }
        r = write_all(fd, buf, len);
        if (r < 0)
                goto fail;
        if (fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;
fail:
        (void)unlink(tmp);
        return r;
}

int pbox_read_environment(const char *path, struct pbox_env_vars *env)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        struct stat st;

        if (!path || !env)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        cap = st.st_size > 0 && (uint64_t)st.st_size <= ENV_FILE_MAX
                  ? (size_t)st.st_size + 1
                  : 4096;
        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                /* The +1 lets a file of exactly the size seen by fstat
                 * reach EOF without growing the buffer. */
                if (len == cap) {
                        char *nb;
                        if (cap > ENV_FILE_MAX)
                                return -EFBIG;
                        cap =
                            cap > ENV_FILE_MAX / 2 ? ENV_FILE_MAX + 1 : cap * 2;
                        nb = realloc(buf, cap);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                k = read(fd, buf + len, cap - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
        }
        return pbox_env_file_parse(buf, len, env);
}
