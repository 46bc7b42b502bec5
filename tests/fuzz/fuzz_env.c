/* fuzz_env.c — libFuzzer target for the environment-list parser
 * (libipc/config_env.c, SPEC §4.1). Input up to its first NUL is parsed;
 * when it parses, string() must parse back to exactly the same pairs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const struct pbox_env_vars *a,
                          const struct pbox_env_vars *b)
{
        if (a->n != b->n)
                abort();
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(a->v[i].name, b->v[i].name) != 0 ||
                    strcmp(a->v[i].val, b->v[i].val) != 0)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pbox_env_vars env = {0}, back = {0};
        char err[PBOX_ERR_LEN];
        char *list, *s;

        list = strndup((const char *)data, size);
        if (!list)
                return 0;
        if (pbox_env_vars_set(&env, list, err) == 0) {
                s = pbox_env_vars_string(&env);
                if (!s)
                        abort();
                if (pbox_env_vars_set(&back, s, err) != 0)
                        abort();
                same_or_abort(&env, &back);
                free(s);
        } else if (env.n != 0 || strlen(err) == 0 || strchr(err, '\n')) {
                /* A failed parse leaves env untouched and explains itself
                 * in one line. */
                abort();
        }
        pbox_env_vars_free(&back);
        pbox_env_vars_free(&env);
        free(list);
        return 0;
}
