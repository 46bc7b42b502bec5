/* config_dns.c — --dns-hosts / --dns-zones lists (SPEC §4.4; Planet's
 * DNSOverrides): `key/val,...`, and their rendering as /etc/hosts lines
 * and dnsmasq `server=` lines. Parsed unprivileged by the pbox command and
 * the broker. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_util.h"
#include "pbox.h"

/* `bad DNS override "TOKEN": WHY` (config_util.c). */
#define dns_fail(err, tok, len, why)                                           \
        config_fail(err, -EINVAL, "bad DNS override", tok, len, "%s", why)

static void dns_clear(struct pbox_dns_override *o)
{
        free(o->key);
        free(o->val);
        *o = (struct pbox_dns_override){0};
}

/* One `key/val` at s[0..len). Blanks and control bytes are refused: the
 * values become /etc/hosts and dnsmasq lines, where they would split or
 * add fields. */
static int dns_item_parse(const char *s, size_t len,
                          struct pbox_dns_override *ret, char err[PBOX_ERR_LEN])
{
        _cleanup_free_ char *key = NULL, *val = NULL;
        const char *slash = NULL;

        if (len == 0)
                return dns_fail(err, s, len, "empty item");
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c <= 0x20 || c == 0x7f)
                        return dns_fail(err, s, len,
                                        "blank or control character");
                if (c == '/') {
                        if (slash)
                                return dns_fail(err, s, len,
                                                "more than one '/'");
                        slash = s + i;
                }
        }
        if (!slash)
                return dns_fail(err, s, len, "missing '/'");
        if (slash == s)
                return dns_fail(err, s, len, "empty name before '/'");
        if (slash == s + len - 1)
                return dns_fail(err, s, len, "empty address after '/'");
        key = strndup(s, (size_t)(slash - s));
        val = strndup(slash + 1, (size_t)(s + len - slash - 1));
        if (!key || !val)
                return -ENOMEM;
        ret->key = TAKE_PTR(key);
        ret->val = TAKE_PTR(val);
        return 0;
}

int pbox_dns_overrides_set(struct pbox_dns_overrides *d, const char *list,
                           char err[PBOX_ERR_LEN])
{
        struct pbox_dns_override *tmp = NULL;
        size_t ntmp = 0, captmp = 0;
        const char *p;
        int r;

        if (!d || !list)
                return -EINVAL;
        /* Parse aside first: on error d is left untouched. An empty list
         * adds nothing. */
        for (p = list; *p;) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                if (ntmp == captmp) {
                        size_t ncap = captmp ? captmp * 2 : 4;
                        struct pbox_dns_override *nv =
                            reallocarray(tmp, ncap, sizeof(*tmp));

                        if (!nv) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        tmp = nv;
                        captmp = ncap;
                }
                r = dns_item_parse(p, len, &tmp[ntmp], err);
                if (r < 0)
                        goto fail;
                ntmp++;
                if (!comma)
                        break;
                p = comma + 1; /* a trailing comma ends the loop */
        }
        if (d->n + ntmp > d->cap) {
                size_t ncap = d->cap ? d->cap : 4;
                struct pbox_dns_override *nv;

                while (ncap < d->n + ntmp)
                        ncap *= 2;
                nv = reallocarray(d->v, ncap, sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        goto fail;
                }
                d->v = nv;
                d->cap = ncap;
        }
        if (ntmp)
                memcpy(d->v + d->n, tmp, ntmp * sizeof(*tmp));
        d->n += ntmp;
        free(tmp);
        return 0;
fail:
        for (size_t i = 0; i < ntmp; i++)
                dns_clear(&tmp[i]);
        free(tmp);
        return r;
}

/* Renders every override as an /etc/hosts line or a dnsmasq line. */
static char *dns_format(const struct pbox_dns_overrides *d, bool hosts)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 1, off = 0;

        for (size_t i = 0; d && i < d->n; i++)
                size += strlen(d->v[i].key) + strlen(d->v[i].val) +
                        sizeof("server=///\n");
        buf = malloc(size);
        if (!buf)
                return NULL;
        buf[0] = '\0';
        for (size_t i = 0; d && i < d->n; i++) {
                int n;

                if (hosts)
                        n = snprintf(buf + off, size - off, "%s\t%s\n",
                                     d->v[i].val, d->v[i].key);
                else
                        n = snprintf(buf + off, size - off, "server=/%s/%s\n",
                                     d->v[i].key, d->v[i].val);
                if (n < 0 || (size_t)n >= size - off)
                        return NULL;
                off += (size_t)n;
        }
        return TAKE_PTR(buf);
}

char *pbox_dns_hosts_format(const struct pbox_dns_overrides *d)
{
        return dns_format(d, true);
}

char *pbox_dns_zones_format(const struct pbox_dns_overrides *d)
{
        return dns_format(d, false);
}

void pbox_dns_overrides_free(struct pbox_dns_overrides *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                dns_clear(&d->v[i]);
        free(d->v);
        *d = (struct pbox_dns_overrides){0};
}
