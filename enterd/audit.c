/* audit.c — the audit log lines of pbox-enterd's front (docs/enter.md):
 * one `key=value` line per request, values with spaces, quotes or bytes
 * that are not plain printable ASCII quoted Go-style, written with a
 * single write() to the O_APPEND log the spawner opened. Runs in the
 * front (broker user, no capabilities). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "front.h"
#include "pbox.h"

/* Characters that never need quoting in a value of the line. */
static bool value_plain(const char *s)
{
        if (!*s)
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\' ||
                    *p == '=')
                        return false;
        return true;
}

/* Appends " key=value" (no space for the first) to buf at *off. */
static int put(char *buf, size_t len, size_t *off, const char *key,
               const char *val)
{
        _cleanup_free_ char *q = NULL;
        int n;

        if (!value_plain(val)) {
                q = pbox_go_quote(val);
                if (!q)
                        return -ENOMEM;
                val = q;
        }
        n = snprintf(buf + *off, len - *off, "%s%s=%s", *off ? " " : "", key,
                     val);
        if (n < 0 || (size_t)n >= len - *off)
                return -ENOBUFS;
        *off += (size_t)n;
        return 0;
}

int front_audit_format(char *buf, size_t len, const struct front_audit *a)
{
        char tbuf[64], num[3][24];
        struct tm tm;
        size_t off = 0;
        int r;

        if (!buf || len < 2 || !a || !a->box || !a->outcome)
                return -EINVAL;
        /* UTC by hand; main() ran tzset() before the seccomp filter, so
         * gmtime_r() opens no file. */
        if (!gmtime_r(&a->when, &tm))
                return -EINVAL;
        snprintf(tbuf, sizeof(tbuf), "%04d-%02d-%02dT%02d:%02d:%02dZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
        snprintf(num[0], sizeof(num[0]), "%u", (unsigned)a->uid);
        snprintf(num[1], sizeof(num[1]), "%u", (unsigned)a->gid);
        snprintf(num[2], sizeof(num[2]), "%d", (int)a->pid);
        buf[0] = 0;
        if ((r = put(buf, len - 1, &off, "time", tbuf)) < 0 ||
            (r = put(buf, len - 1, &off, "box", a->box)) < 0 ||
            (r = put(buf, len - 1, &off, "peer_uid", num[0])) < 0 ||
            (r = put(buf, len - 1, &off, "peer_gid", num[1])) < 0 ||
            (r = put(buf, len - 1, &off, "peer_pid", num[2])) < 0)
                return r;
        if (a->request &&
            (r = put(buf, len - 1, &off, "request", a->request)) < 0)
                return r;
        if (a->user && (r = put(buf, len - 1, &off, "user", a->user)) < 0)
                return r;
        if (a->command &&
            (r = put(buf, len - 1, &off, "command", a->command)) < 0)
                return r;
        if ((r = put(buf, len - 1, &off, "outcome", a->outcome)) < 0)
                return r;
        if (a->status >= 0) {
                char st[16];

                snprintf(st, sizeof(st), "%d", a->status);
                if ((r = put(buf, len - 1, &off, "status", st)) < 0)
                        return r;
        }
        buf[off++] = '\n';
        buf[off] = 0;
        return (int)off;
}

/* An argument a shell would read back as itself without quotes. */
static bool arg_plain(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                            "YZ0123456789_@%+=:,./-",
                            *s))
                        return false;
        return true;
}

char *front_command_join(char *const *args)
{
        /* Each step below adds at most 4 bytes past FRONT_CMD_MAX before
         * the next check; then "..." and the NUL. */
        char *out = malloc(FRONT_CMD_MAX + 16);
        size_t o = 0;
        bool cut = false;

        if (!out)
                return NULL;
        for (size_t i = 0; args && args[i] && !cut; i++) {
                bool plain = arg_plain(args[i]);

                if (i > 0) {
                        if (o >= FRONT_CMD_MAX) {
                                cut = true;
                                break;
                        }
                        out[o++] = ' ';
                }
                if (!plain)
                        out[o++] = '\'';
                for (const char *s = args[i]; *s; s++) {
                        if (o >= FRONT_CMD_MAX) {
                                cut = true;
                                break;
                        }
                        if (*s == '\'') {
                                memcpy(out + o, "'\\''", 4);
                                o += 4;
                        } else {
                                out[o++] = *s;
                        }
                }
                if (!plain && !cut)
                        out[o++] = '\'';
        }
        if (cut) {
                memcpy(out + o, "...", 3);
                o += 3;
        }
        out[o] = 0;
        return out;
}

void front_audit_write(struct front *f, const struct front_audit *a)
{
        static bool warned;
        char line[FRONT_AUDIT_MAX];
        ssize_t n;
        int r;

        if (f->audit < 0)
                return;
        r = front_audit_format(line, sizeof(line), a);
        if (r < 0) {
                if (!warned)
                        fprintf(stderr, "pbox-enterd: audit line: %s\n",
                                strerror(-r));
                warned = true;
                return;
        }
        /* One write: with O_APPEND the line lands whole, never interleaved
         * with another writer's. */
        do
                n = write(f->audit, line, (size_t)r);
        while (n < 0 && errno == EINTR);
        if (n != r && !warned) {
                fprintf(stderr, "pbox-enterd: audit log: %s\n",
                        n < 0 ? strerror(errno) : "short write");
                warned = true;
        }
}
