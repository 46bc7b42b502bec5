/* fuzz_device.c — libFuzzer target for --device specs
 * (libipc/config_device.c): parses arbitrary bytes, checks the result's
 * invariants and frees it. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pbox_devices d = {0};
        char err[PBOX_ERR_LEN];
        char *s = malloc(size + 1);
        int r;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        r = pbox_devices_set(&d, s, err);
        if (r == 0) {
                assert(d.n == 1);
                assert(d.v[0].path[0] == '/');
                assert(d.v[0].permissions[0] != '\0');
                assert(strspn(d.v[0].permissions, "rwm") ==
                       strlen(d.v[0].permissions));
                assert(d.v[0].file_mode <= 07777);
        } else {
                assert(d.n == 0);
                assert(r != -EINVAL || !strchr(err, '\n'));
        }
        pbox_devices_free(&d);
        free(s);
        return 0;
}
