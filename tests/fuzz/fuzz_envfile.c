/* fuzz_envfile.c — libFuzzer target for environment files and Go
 * quoting (libipc/config_envfile.c, SPEC §4.5). Any input must parse;
 * format() then parse() must give the same pairs, and a string that Go-
 * unquotes must survive quote() then unquote() byte for byte. */
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

static void check_quote(const char *buf, size_t size)
{
        char *u = NULL, *q, *u2 = NULL;

        if (pbox_go_unquote(buf, size, &u) != 0)
                return;
        q = pbox_go_quote(u);
        if (!q || pbox_go_unquote(q, strlen(q), &u2) != 0 || strcmp(u, u2) != 0)
                abort();
        free(u2);
        free(q);
        free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pbox_env_vars env = {0}, back = {0};
        char *buf, *s;
        size_t len;

        /* A private copy, so reads past size are caught by ASan. */
        buf = malloc(size ? size : 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        check_quote(buf, size);
        if (pbox_env_file_parse(buf, size, &env) != 0)
                abort();
        s = pbox_env_file_format(&env, &len);
        if (!s || strlen(s) != len)
                abort();
        if (pbox_env_file_parse(s, len, &back) != 0)
                abort();
        same_or_abort(&env, &back);
        free(s);
        pbox_env_vars_free(&back);
        pbox_env_vars_free(&env);
        free(buf);
        return 0;
}
