/* fuzz_dns.c — libFuzzer target for --dns-hosts / --dns-zones lists
 * (libipc/config_dns.c): parses arbitrary bytes, renders both formats and
 * checks each override gives exactly one line. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t lines(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pbox_dns_overrides d = {0};
        char err[PBOX_ERR_LEN], *out;
        char *s = malloc(size + 1);
        int r;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        r = pbox_dns_overrides_set(&d, s, err);
        if (r == 0) {
                out = pbox_dns_hosts_format(&d);
                assert(out && lines(out) == d.n);
                free(out);
                out = pbox_dns_zones_format(&d);
                assert(out && lines(out) == d.n);
                free(out);
        } else {
                assert(d.n == 0);
                assert(r != -EINVAL || !strchr(err, '\n'));
        }
        pbox_dns_overrides_free(&d);
        free(s);
        return 0;
}
