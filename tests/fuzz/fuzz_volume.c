/* fuzz_volume.c — libFuzzer target for --volume specs
 * (libipc/config_mount.c): parses arbitrary bytes, checks the result's
 * invariants and frees it. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pbox_mounts m = {0};
        char err[PBOX_ERR_LEN];
        char *s = malloc(size + 1);
        int r;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        r = pbox_mounts_set(&m, s, err);
        if (r == 0) {
                for (size_t i = 0; i < m.n; i++) {
                        const char *d = m.v[i].dst;

                        assert(m.v[i].src[0] != '\0');
                        assert(d[0] == '/' && d[1] != '\0');
                        assert(!strstr(d, "//") && !strstr(d, "/./") &&
                               !strstr(d, "/../"));
                        assert(d[strlen(d) - 1] != '/');
                }
        } else {
                assert(m.n == 0);
                assert(r != -EINVAL || !strchr(err, '\n'));
        }
        pbox_mounts_free(&m);
        free(s);
        return 0;
}
