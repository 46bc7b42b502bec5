/* json.c — minimal JSON reading for the tests (see harness.h): values of
 * top-level keys and the "components" array of `pbox status --json`, good
 * enough for what pbox prints, not a general parser. Runs in the forked
 * check test process and in the box janitor. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "harness.h"
#include "harness_internal.h"

static const char *js_ws(const char *p)
{
        while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
        return p;
}

/* p at '"': just past the closing quote, or NULL. */
static const char *js_skip_str(const char *p)
{
        for (p++; *p; p++) {
                if (*p == '\\' && p[1])
                        p++;
                else if (*p == '"')
                        return p + 1;
        }
        return NULL;
}

static const char *js_skip_val(const char *p)
{
        int depth = 0;

        if (*p == '"')
                return js_skip_str(p);
        if (*p != '{' && *p != '[') {
                while (*p && !strchr(",}] \t\r\n", *p))
                        p++;
                return p;
        }
        for (; *p; p++) {
                if (*p == '"') {
                        p = js_skip_str(p);
                        if (!p)
                                return NULL;
                        p--;
                } else if (*p == '{' || *p == '[') {
                        depth++;
                } else if ((*p == '}' || *p == ']') && --depth == 0) {
                        return p + 1;
                }
        }
        return NULL;
}

/* Value of top-level key of the object at json, or NULL. */
static const char *js_find(const char *json, const char *key)
{
        const char *p = js_ws(json);
        size_t klen = strlen(key);

        if (!p || *p != '{')
                return NULL;
        p++;
        for (;;) {
                const char *k, *q;

                p = js_ws(p);
                if (*p != '"')
                        return NULL;
                k = p + 1;
                q = js_skip_str(p);
                if (!q)
                        return NULL;
                p = js_ws(q);
                if (*p != ':')
                        return NULL;
                p = js_ws(p + 1);
                if ((size_t)(q - 1 - k) == klen && !memcmp(k, key, klen))
                        return p;
                p = js_skip_val(p);
                if (!p)
                        return NULL;
                p = js_ws(p);
                if (*p != ',')
                        return NULL;
                p++;
        }
}

long long json_get_int(const char *json, const char *key)
{
        const char *v;
        char *end;
        long long x;

        if (!json)
                return -1;
        v = js_find(json, key);
        if (!v || !(isdigit((unsigned char)*v) || *v == '-'))
                return -1;
        errno = 0;
        x = strtoll(v, &end, 10);
        if (errno || end == v || (*end && !strchr(",}] \t\r\n", *end)))
                return -1;
        return x;
}

char *json_get_str(const char *json, const char *key)
{
        const char *v = json ? js_find(json, key) : NULL;
        const char *end;
        struct buf b = {0};

        if (!v || *v != '"' || !(end = js_skip_str(v)))
                return NULL;
        buf_append(&b, "", 0);
        for (const char *p = v + 1; p < end - 1; p++) {
                char c = *p;

                if (c == '\\') {
                        p++;
                        switch (*p) {
                        case 'n':
                                c = '\n';
                                break;
                        case 't':
                                c = '\t';
                                break;
                        case 'r':
                                c = '\r';
                                break;
                        case 'u': {
                                unsigned u = 0;

                                if (sscanf(p + 1, "%4x", &u) != 1)
                                        u = '?';
                                p += 4;
                                c = u < 0x80 ? (char)u : '?';
                                break;
                        }
                        default:
                                c = *p;
                        }
                }
                buf_append(&b, &c, 1);
        }
        return b.p;
}

/* The idx-th element of array "components" (malloc'd text), or NULL. */
char *json_component_at(const char *json, size_t idx)
{
        const char *p = json ? js_find(json, "components") : NULL;

        if (!p || *p != '[')
                return NULL;
        p++;
        for (size_t i = 0;; i++) {
                const char *s = js_ws(p), *e;

                if (*s == ']' || !*s)
                        return NULL;
                e = js_skip_val(s);
                if (!e)
                        return NULL;
                if (i == idx)
                        return strndup(s, (size_t)(e - s));
                p = js_ws(e);
                if (*p != ',')
                        return NULL;
                p++;
        }
}

char *json_component(const char *json, const char *name)
{
        for (size_t i = 0;; i++) {
                _cleanup_free_ char *c = json_component_at(json, i);
                _cleanup_free_ char *n = NULL;

                if (!c)
                        return NULL;
                n = json_get_str(c, "name");
                if (n && !strcmp(n, name))
                        return TAKE_PTR(c);
        }
}
