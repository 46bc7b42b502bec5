/* config_env.c — environment lists (SPEC §4.1): the `NAME=VALUE,...`
 * language of --env, an ordered list with unique names, and its
 * formatting back to the language and to an execve() envp. Linked into
 * every pbox program; the pbox command parses, the broker builds envp. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbox.h"
#include "cleanup.h"

/* Bytes of an offending token shown in an error message. */
#define TOKEN_SHOW_MAX 96

static bool is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
               c == '\f';
}

static bool is_alpha_(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool name_valid_n(const char *s, size_t n)
{
        if (n == 0 || !is_alpha_(s[0]))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!is_alpha_(s[i]) && !is_digit(s[i]))
                        return false;
        return true;
}

static const char *skip_ws(const char *p)
{
        while (is_ws(*p))
                p++;
        return p;
}

/* End of [start, end) with trailing whitespace removed. */
static const char *trim_end(const char *start, const char *end)
{
        while (end > start && is_ws(end[-1]))
                end--;
        return end;
}

/* Render tok[0..n) for a one-line message: control bytes escaped, long
 * tokens cut, so a 1 MiB value or a newline cannot flood or split it. */
static void token_render(char *out, size_t outsz, const char *tok, size_t n)
{
        size_t o = 0;
        bool cut = n > TOKEN_SHOW_MAX;

        if (cut)
                n = TOKEN_SHOW_MAX;
        for (size_t i = 0; i < n && o + 5 < outsz; i++) {
                unsigned char c = (unsigned char)tok[i];
                if (c < 0x20 || c == 0x7f)
                        o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
                else
                        out[o++] = (char)c;
        }
        if (cut && o + 4 < outsz) {
                memcpy(out + o, "...", 3);
                o += 3;
        }
        out[o] = '\0';
}

static int item_error(char err[PBOX_ERR_LEN], const char *tok, size_t n,
                      const char *why)
{
        char shown[192];

        if (err) {
                token_render(shown, sizeof(shown), tok, n);
                snprintf(err, PBOX_ERR_LEN, "bad environment item \"%s\": %s",
                         shown, why);
        }
        return -EINVAL;
}

static ssize_t env_find(const struct pbox_env_vars *env, const char *name)
{
        for (size_t i = 0; i < env->n; i++)
                if (strcmp(env->v[i].name, name) == 0)
                        return (ssize_t)i;
        return -1;
}

/* Make room for `extra` more pairs, so later appends cannot fail. */
static int env_reserve(struct pbox_env_vars *env, size_t extra)
{
        struct pbox_env_pair *v;
        size_t cap;

        if (env->n + extra <= env->cap)
                return 0;
        if (extra > SIZE_MAX / sizeof(*v) / 2 - env->n)
                return -ENOMEM;
        cap = env->cap ? env->cap : 8;
        while (cap < env->n + extra)
                cap *= 2;
        v = reallocarray(env->v, cap, sizeof(*v));
        if (!v)
                return -ENOMEM;
        env->v = v;
        env->cap = cap;
        return 0;
}

/* Insert or replace, taking ownership of name and val (freed on error). */
static int env_upsert_take(struct pbox_env_vars *env, char *name, char *val)
{
        ssize_t i = env_find(env, name);
        int r;

        if (i >= 0) {
                free(env->v[i].val);
                env->v[i].val = val;
                free(name);
                return 0;
        }
        r = env_reserve(env, 1);
        if (r < 0) {
                free(name);
                free(val);
                return r;
        }
        env->v[env->n++] = (struct pbox_env_pair){.name = name, .val = val};
        return 0;
}

/* Parse a quoted value starting at *pp (on the opening quote). On success
 * *pp is just after the closing quote. -EPIPE if unterminated. */
static int parse_quoted(const char **pp, char **ret)
{
        const char *p = *pp + 1, *q;
        size_t n = 0;
        char *out, *o;

        for (q = p;; q++) {
                if (*q == '\0')
                        return -EPIPE;
                if (*q == '"')
                        break;
                if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
                        q++;
                n++;
        }
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        for (o = out; p < q; p++) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                *o++ = *p;
        }
        *o = '\0';
        *pp = q + 1;
        *ret = out;
        return 0;
}

/* Parse one item at p (no leading whitespace, not at a comma or end) into
 * tmp; *pp receives the position after the item (at a comma or end). */
static int parse_item(const char *p, const char **pp, struct pbox_env_vars *tmp,
                      char err[PBOX_ERR_LEN])
{
        const char *item = p, *eq, *name_end, *v, *vend;
        _cleanup_free_ char *name = NULL, *val = NULL;
        int r;

        for (eq = p; *eq && *eq != '=' && *eq != ','; eq++)
                ;
        name_end = trim_end(item, eq);
        if (*eq != '=')
                return item_error(err, item, (size_t)(name_end - item),
                                  "missing '='");
        if (name_end == item) {
                vend = strchrnul(eq, ',');
                return item_error(err, item, (size_t)(vend - item),
                                  "empty name");
        }
        if (!name_valid_n(item, (size_t)(name_end - item))) {
                vend = strchrnul(eq, ',');
                return item_error(err, item,
                                  (size_t)(trim_end(item, vend) - item),
                                  "bad name (want [A-Za-z_][A-Za-z0-9_]*)");
        }
        name = strndup(item, (size_t)(name_end - item));
        if (!name)
                return -ENOMEM;

        v = skip_ws(eq + 1);
        if (*v == '"') {
                r = parse_quoted(&v, &val);
                if (r == -EPIPE)
                        return item_error(
                            err, item,
                            (size_t)(trim_end(item, item + strlen(item)) -
                                     item),
                            "unterminated quote");
                if (r < 0)
                        return r;
                v = skip_ws(v);
                if (*v != '\0' && *v != ',') {
                        vend = trim_end(item, strchrnul(v, ','));
                        return item_error(err, item, (size_t)(vend - item),
                                          "junk after closing quote");
                }
                *pp = v;
        } else {
                *pp = strchrnul(v, ',');
                vend = trim_end(v, *pp);
                if (vend == v)
                        return item_error(err, item,
                                          (size_t)(trim_end(item, *pp) - item),
                                          "empty value (use \"\")");
                val = strndup(v, (size_t)(vend - v));
                if (!val)
                        return -ENOMEM;
        }
        return env_upsert_take(tmp, TAKE_PTR(name), TAKE_PTR(val));
}

static int parse_list(const char *list, struct pbox_env_vars *tmp,
                      char err[PBOX_ERR_LEN])
{
        const char *p = list;
        int r;

        for (;;) {
                p = skip_ws(p);
                if (*p == '\0')
                        return 0;
                if (*p == ',') {
                        char shown[192];

                        if (err) {
                                token_render(shown, sizeof(shown), list,
                                             strlen(list));
                                snprintf(err, PBOX_ERR_LEN,
                                         "bad environment list \"%s\": "
                                         "empty item at offset %zu",
                                         shown, (size_t)(p - list));
                        }
                        return -EINVAL;
                }
                r = parse_item(p, &p, tmp, err);
                if (r < 0)
                        return r;
                if (*p == ',')
                        p++;
        }
}

int pbox_env_vars_set(struct pbox_env_vars *env, const char *list,
                      char err[PBOX_ERR_LEN])
{
        struct pbox_env_vars tmp = {0};
        int r;

        if (!env || !list)
                return -EINVAL;
        if (err)
                err[0] = '\0';
        r = parse_list(list, &tmp, err);
        if (r < 0)
                goto out;
        /* Reserve first: after this the merge only moves pointers and
         * cannot fail, so env is either fully updated or untouched. */
        r = env_reserve(env, tmp.n);
        if (r < 0)
                goto out;
        for (size_t i = 0; i < tmp.n; i++) {
                (void)env_upsert_take(env, tmp.v[i].name, tmp.v[i].val);
                tmp.v[i] = (struct pbox_env_pair){0};
        }
        tmp.n = 0;
        r = 0;
out:
        pbox_env_vars_free(&tmp);
        return r;
}

const char *pbox_env_vars_get(const struct pbox_env_vars *env, const char *name)
{
        ssize_t i;

        if (!env || !name)
                return NULL;
        i = env_find(env, name);
        return i >= 0 ? env->v[i].val : NULL;
}

int pbox_env_vars_upsert(struct pbox_env_vars *env, const char *name,
                         const char *val)
{
        char *n, *v;

        if (!env || !name || !val || !name_valid_n(name, strlen(name)))
                return -EINVAL;
        n = strdup(name);
        v = strdup(val);
        if (!n || !v) {
                free(n);
                free(v);
                return -ENOMEM;
        }
        return env_upsert_take(env, n, v);
}

int pbox_env_vars_delete(struct pbox_env_vars *env, const char *name,
                         char **ret_val)
{
        ssize_t i;

        if (!env || !name)
                return -EINVAL;
        i = env_find(env, name);
        if (i < 0)
                return -ENOENT;
        free(env->v[i].name);
        if (ret_val)
                *ret_val = env->v[i].val;
        else
                free(env->v[i].val);
        memmove(env->v + i, env->v + i + 1,
                (env->n - (size_t)i - 1) * sizeof(*env->v));
        env->n--;
        return 0;
}

int pbox_env_vars_append(struct pbox_env_vars *env, const char *name,
                         const char *val, const char *delim)
{
        ssize_t i;
        char *joined;
        size_t a, d, b;

        if (!env || !name || !val)
                return -EINVAL;
        i = env_find(env, name);
        if (i < 0)
                return pbox_env_vars_upsert(env, name, val);
        /* Planet joins unconditionally, even onto an empty value. */
        if (!delim)
                delim = "";
        a = strlen(env->v[i].val);
        d = strlen(delim);
        b = strlen(val);
        joined = malloc(a + d + b + 1);
        if (!joined)
                return -ENOMEM;
        memcpy(joined, env->v[i].val, a);
        memcpy(joined + a, delim, d);
        memcpy(joined + a + d, val, b + 1);
        free(env->v[i].val);
        env->v[i].val = joined;
        return 0;
}

/* Whether val must be quoted to parse back to itself. */
static bool value_needs_quotes(const char *val)
{
        size_t n = strlen(val);

        if (n == 0 || is_ws(val[0]) || is_ws(val[n - 1]))
                return true;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)val[i];
                if (c < 0x20 || c >= 0x7f || c == ',' || c == '"' || c == '\\')
                        return true;
        }
        return false;
}

char *pbox_env_vars_string(const struct pbox_env_vars *env)
{
        size_t len = 1, o = 0;
        char *out;

        if (!env) {
                errno = EINVAL;
                return NULL;
        }
        /* Worst case per pair: name, ',', '=', two quotes, every byte
         * escaped. */
        for (size_t i = 0; i < env->n; i++)
                len += strlen(env->v[i].name) + 4 + 2 * strlen(env->v[i].val);
        out = malloc(len);
        if (!out)
                return NULL;
        for (size_t i = 0; i < env->n; i++) {
                const char *val = env->v[i].val;
                size_t nl = strlen(env->v[i].name);

                if (i > 0)
                        out[o++] = ',';
                memcpy(out + o, env->v[i].name, nl);
                o += nl;
                out[o++] = '=';
                if (!value_needs_quotes(val)) {
                        size_t vl = strlen(val);
                        memcpy(out + o, val, vl);
                        o += vl;
                        continue;
                }
                out[o++] = '"';
                for (const char *p = val; *p; p++) {
                        if (*p == '"' || *p == '\\')
                                out[o++] = '\\';
                        out[o++] = *p;
                }
                out[o++] = '"';
        }
        out[o] = '\0';
        return out;
}

char **pbox_env_vars_environ(const struct pbox_env_vars *env)
{
        _cleanup_strv_free_ char **v = NULL;

        if (!env) {
                errno = EINVAL;
                return NULL;
        }
        v = calloc(env->n + 1, sizeof(char *));
        if (!v)
                return NULL;
        for (size_t i = 0; i < env->n; i++)
                if (asprintf(&v[i], "%s=%s", env->v[i].name, env->v[i].val) <
                    0) {
                        v[i] = NULL;
                        return NULL;
                }
        return TAKE_PTR(v);
}

void pbox_env_vars_free(struct pbox_env_vars *env)
{
        if (!env)
                return;
        for (size_t i = 0; i < env->n; i++) {
                free(env->v[i].name);
                free(env->v[i].val);
        }
        free(env->v);
        *env = (struct pbox_env_vars){0};
}
