/* fuzz_user.c — libFuzzer target for pbox_user_resolve
 * (libipc/config_user.c): the input is SPEC NUL PASSWD NUL GROUP; passwd
 * and group are handed over by length, not NUL-terminated. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *pw = NULL, *gr = NULL, *end;
        size_t pwlen = 0, grlen = 0;
        struct pbox_user u = {0};
        char err[PBOX_ERR_LEN];
        char *buf = malloc(size + 1);
        int r;

        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';
        end = buf + size;
        pw = (const char *)memchr(buf, '\0', size + 1) + 1;
        if (pw <= end) {
                const char *nul = memchr(pw, '\0', (size_t)(end - pw) + 1);

                pwlen = (size_t)(nul - pw);
                if (nul < end) {
                        gr = nul + 1;
                        grlen = (size_t)(end - gr);
                }
        } else
                pw = NULL;
        r = pbox_user_resolve(buf, pw, pwlen, gr, grlen, &u, err);
        if (r == 0) {
                assert(u.home && u.home[0]);
                assert(u.ngroups >= 1 && u.ngroups <= 65536);
                assert(u.groups[0] == u.gid);
                for (size_t i = 2; i < u.ngroups; i++)
                        assert(u.groups[i - 1] < u.groups[i]);
        } else if (r != -ENOMEM)
                assert(!strchr(err, '\n'));
        pbox_user_free(&u);
        free(buf);
        return 0;
}
