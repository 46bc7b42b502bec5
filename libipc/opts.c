/* opts.c — the option engine: splits a subcommand's argv against its table
 * of opts_table.c, reads PBOX_<OPTION> variables, checks every value with
 * the configuration language of pbox.h and stores it in the config. Runs in
 * the pbox command (before anything privileged) and in the broker (early,
 * as root, for the few options it needs; then fully, unprivileged). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "opts_internal.h"

#define OPTS_SHOW_MAX 100 /* bytes of a bad value quoted in an error */
#define LABEL_LEN     96  /* "PBOX_OPERATOR_GROUP (--operator-group)" */
#define ENV_NAME_LEN  48  /* "PBOX_" + the longest option name */
#define HOSTNAME_MAX  64

/* One option occurrence, from argv or from the environment. */
struct occ {
        const struct opt_def *def;
        const char *val; /* NULL for a flag given on the command line */
        bool is_short;
        bool from_env;
};

int opts_fail(char err[PBOX_ERR_LEN], const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return -EINVAL;
        va_start(ap, fmt);
        vsnprintf(err, PBOX_ERR_LEN, fmt, ap);
        va_end(ap);
        /* One line, whatever the user typed. */
        for (char *p = err; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        return -EINVAL;
}

const char *opts_shown(const char *v, char buf[OPTS_SHOW_LEN])
{
        size_t n = strlen(v);

        if (n <= OPTS_SHOW_MAX)
                return v;
        memcpy(buf, v, OPTS_SHOW_MAX);
        memcpy(buf + OPTS_SHOW_MAX, "...", 4);
        return buf;
}

static void env_name(const struct opt_def *d, char *buf, size_t len)
{
        size_t i = 0;

        i = (size_t)snprintf(buf, len, "PBOX_");
        for (const char *p = d->name; *p && i + 1 < len; p++)
                buf[i++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
        buf[i] = '\0';
}

/* How the user named the option: "-e", "--env" or "PBOX_ENV (--env)". */
static void occ_label(const struct occ *o, char buf[LABEL_LEN])
{
        char ev[ENV_NAME_LEN];

        if (o->from_env) {
                env_name(o->def, ev, sizeof(ev));
                snprintf(buf, LABEL_LEN, "%s (--%s)", ev, o->def->name);
        } else if (o->is_short)
                snprintf(buf, LABEL_LEN, "-%c", o->def->short_name);
        else
                snprintf(buf, LABEL_LEN, "--%s", o->def->name);
}

static int fail_value(char err[PBOX_ERR_LEN], const struct occ *o,
                      const char *why)
{
        char label[LABEL_LEN], buf[OPTS_SHOW_LEN];

        occ_label(o, label);
        return opts_fail(err, "%s \"%s\": %s", label, opts_shown(o->val, buf),
                         why);
}

/* A parser of pbox.h failed with r and its own line in sub. */
static int fail_sub(char err[PBOX_ERR_LEN], const struct occ *o, int r,
                    const char *sub)
{
        char label[LABEL_LEN];

        if (r == -ENOMEM) {
                opts_fail(err, "out of memory");
                return r;
        }
        if (!sub || !*sub)
                return fail_value(err, o, "invalid value");
        occ_label(o, label);
        return opts_fail(err, "%s: %s", label, sub);
}

static const struct opt_def *find_long(const struct opt_table *t, const char *s,
                                       size_t len)
{
        for (size_t i = 0; i < t->n; i++)
                if (strlen(t->defs[i].name) == len &&
                    strncmp(t->defs[i].name, s, len) == 0)
                        return &t->defs[i];
        return NULL;
}

static const struct opt_def *find_short(const struct opt_table *t, char c)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->defs[i].short_name && t->defs[i].short_name == c)
                        return &t->defs[i];
        return NULL;
}

/* Splits argv[1..] into option occurrences and operands (pointers into
 * argv). Only syntax is checked: known option, argument present, no
 * argument to a flag. -h/--help anywhere among the options wins over any
 * error: 1. */
static int tokenize(const struct opt_table *t, int argc, char **argv,
                    struct occ *occs, size_t *ret_nocc, char **ops,
                    size_t *ret_nops, char err[PBOX_ERR_LEN])
{
        bool help = false, only_ops = false;
        size_t nocc = 0, nops = 0;
        char buf[OPTS_SHOW_LEN];
        int r = 0;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (only_ops || a[0] != '-' || a[1] == '\0') {
                        ops[nops++] = argv[i];
                        if (t->stop_at_operand)
                                only_ops = true;
                        continue;
                }
                if (strcmp(a, "--") == 0) {
                        only_ops = true;
                        continue;
                }
                if (a[1] == '-') {
                        const char *s = a + 2, *eq = strchr(s, '=');
                        size_t len = eq ? (size_t)(eq - s) : strlen(s);
                        const struct opt_def *d;
                        const char *val = NULL;

                        if (len == 4 && strncmp(s, "help", 4) == 0) {
                                help = true;
                                continue;
                        }
                        d = find_long(t, s, len);
                        if (!d) {
                                if (r == 0)
                                        r = opts_fail(err,
                                                      "unknown option \"%s\"",
                                                      opts_shown(a, buf));
                                continue;
                        }
                        if (d->kind == OPT_FLAG && eq) {
                                if (r == 0)
                                        r = opts_fail(err,
                                                      "--%s takes no value",
                                                      d->name);
                                continue;
                        }
                        if (d->kind != OPT_FLAG) {
                                if (eq)
                                        val = eq + 1;
                                else if (i + 1 < argc)
                                        val = argv[++i];
                                else {
                                        if (r == 0)
                                                r = opts_fail(
                                                    err,
                                                    "--%s requires an "
                                                    "argument",
                                                    d->name);
                                        continue;
                                }
                        }
                        occs[nocc++] = (struct occ){.def = d, .val = val};
                        continue;
                }
                /* A cluster of short options: -ti, -uroot, -e A=1. */
                for (const char *p = a + 1; *p; p++) {
                        const struct opt_def *d;

                        if (*p == 'h') {
                                help = true;
                                continue;
                        }
                        d = find_short(t, *p);
                        if (!d) {
                                if (r == 0)
                                        r = isprint((unsigned char)*p)
                                                ? opts_fail(err,
                                                            "unknown option "
                                                            "\"-%c\"",
                                                            *p)
                                                : opts_fail(err,
                                                            "unknown option "
                                                            "\"%s\"",
                                                            opts_shown(a, buf));
                                break;
                        }
                        if (d->kind == OPT_FLAG) {
                                occs[nocc++] =
                                    (struct occ){.def = d, .is_short = true};
                                continue;
                        }
                        if (p[1])
                                occs[nocc++] = (struct occ){
                                    .def = d, .val = p + 1, .is_short = true};
                        else if (i + 1 < argc)
                                occs[nocc++] = (struct occ){.def = d,
                                                            .val = argv[++i],
                                                            .is_short = true};
                        else if (r == 0)
                                r = opts_fail(err, "-%c requires an argument",
                                              *p);
                        break;
                }
        }
        if (help)
                return OPTS_HELP;
        if (r < 0)
                return r;
        ops[nops] = NULL;
        *ret_nocc = nocc;
        *ret_nops = nops;
        return 0;
}

int opts_str_set(char **field, const char *v)
{
        char *s = strdup(v);

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

static int strv_append(char ***field, const char *v)
{
        size_t n = 0;
        char **nv, *s;

        while (*field && (*field)[n])
                n++;
        s = strdup(v);
        if (!s)
                return -ENOMEM;
        nv = realloc(*field, (n + 2) * sizeof(char *));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[n] = s;
        nv[n + 1] = NULL;
        *field = nv;
        return 0;
}

/* cwd + "/" + v, with empty and "." components dropped; ".." is kept, as
 * only the kernel can resolve it through symlinks. */
static int path_absolute(const char *v, char **ret)
{
        _cleanup_free_ char *cwd = NULL, *joined = NULL, *out = NULL;
        size_t o = 0;

        if (v[0] != '/') {
                cwd = get_current_dir_name();
                if (!cwd)
                        return -errno;
                if (asprintf(&joined, "%s/%s", cwd, v) < 0)
                        return -ENOMEM;
                v = joined;
        }
        out = malloc(strlen(v) + 2);
        if (!out)
                return -ENOMEM;
        for (const char *p = v; *p;) {
                size_t len;

                while (*p == '/')
                        p++;
                len = strcspn(p, "/");
                if (len == 0 || (len == 1 && p[0] == '.')) {
                        p += len;
                        continue;
                }
                out[o++] = '/';
                memcpy(out + o, p, len);
                o += len;
                p += len;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

static int flag_value(const char *v)
{
        static const char *const on[] = {"1", "true", "yes"};
        static const char *const off[] = {"0", "false", "no", ""};

        for (size_t i = 0; i < ELEMENTSOF(on); i++)
                if (strcasecmp(v, on[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(off); i++)
                if (strcasecmp(v, off[i]) == 0)
                        return 0;
        return -EINVAL;
}

static int uint_value(const struct occ *o, uint64_t *ret,
                      char err[PBOX_ERR_LEN])
{
        const struct opt_def *d = o->def;
        char why[96];
        uint64_t n;

        if (pbox_uint_parse(o->val, 0, UINT64_MAX, &n, NULL) < 0 ||
            n < d->min || n > d->max) {
                snprintf(why, sizeof(why), "must be between %llu and %llu",
                         (unsigned long long)d->min,
                         (unsigned long long)d->max);
                return fail_value(err, o, why);
        }
        *ret = n;
        return 0;
}

static bool hostname_valid(const char *v)
{
        size_t n = strlen(v);

        return n >= 1 && n <= HOSTNAME_MAX &&
               strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789.-") == n;
}

static int env_pair_add(struct pbox_env_vars *env, const struct occ *o,
                        char err[PBOX_ERR_LEN])
{
        _cleanup_free_ char *name = NULL;
        const char *eq = strchr(o->val, '=');
        int r;

        if (!eq)
                return fail_value(err, o, "expected NAME=VALUE");
        name = strndup(o->val, (size_t)(eq - o->val));
        if (!name)
                return -ENOMEM;
        r = pbox_env_vars_upsert(env, name, eq + 1);
        if (r == -EINVAL)
                return fail_value(err, o,
                                  "NAME must be a letter or '_', then "
                                  "letters, digits or '_'");
        return r;
}

static int file_add(void *base, const struct occ *o, char err[PBOX_ERR_LEN])
{
        const struct opt_def *d = o->def;
        struct pbox_file **files = (struct pbox_file **)((char *)base + d->off);
        size_t *n = (size_t *)((char *)base + d->off2);
        char sub[PBOX_ERR_LEN] = "";
        struct pbox_file f = {0}, *nv;
        int r;

        r = pbox_file_parse(o->val, &f, sub);
        if (r < 0)
                return fail_sub(err, o, r, sub);
        nv = realloc(*files, (*n + 1) * sizeof(**files));
        if (!nv) {
                pbox_file_free(&f);
                return -ENOMEM;
        }
        nv[(*n)++] = f;
        *files = nv;
        return 0;
}

/* Checks one value and stores it in the config at base. */
static int opt_apply(void *base, const struct occ *o, char err[PBOX_ERR_LEN])
{
        const struct opt_def *d = o->def;
        void *field = (char *)base + d->off;
        char sub[PBOX_ERR_LEN] = "";
        const char *v = o->val;
        char *s = NULL;
        uint64_t n;
        int r = -EINVAL;

        if (d->kind != OPT_FLAG && !*v)
                return fail_value(err, o, "must not be empty");
        switch (d->kind) {
        case OPT_FLAG:
                r = v ? flag_value(v) : 1;
                if (r < 0)
                        return fail_value(err, o,
                                          "expected 1, true, yes, 0, false, "
                                          "no or empty");
                *(bool *)field = r;
                return 0;
        case OPT_STRING:
                return opts_str_set(field, v);
        case OPT_ABSPATH:
                if (v[0] != '/')
                        return fail_value(err, o, "must be an absolute path");
                return opts_str_set(field, v);
        case OPT_ROOTFS:
                r = path_absolute(v, &s);
                if (r < 0)
                        return fail_sub(err, o, r, "cannot get the cwd");
                free(*(char **)field);
                *(char **)field = s;
                return 0;
        case OPT_UINT64:
                return uint_value(o, field, err);
        case OPT_UINT:
                r = uint_value(o, &n, err);
                if (r < 0)
                        return r;
                *(unsigned *)field = (unsigned)n;
                if (d->off2_set)
                        *(bool *)((char *)base + d->off2) = true;
                return 0;
        case OPT_SIZE:
                r = pbox_size_parse(v, &n, sub);
                if (r < 0)
                        return fail_sub(err, o, r, sub);
                if (n == 0)
                        return fail_value(err, o, "must be greater than 0");
                *(uint64_t *)field = n;
                return 0;
        case OPT_SIGNAL:
                r = pbox_signal_parse(v, field, sub);
                break;
        case OPT_CAPS:
                r = pbox_caps_parse(v, field, sub);
                break;
        case OPT_ENV_LIST:
                r = pbox_env_vars_set(field, v, sub);
                break;
        case OPT_ENV_PAIR:
                return env_pair_add(field, o, err);
        case OPT_PATH_LIST:
                if (v[0] != '/')
                        return fail_value(err, o, "must be an absolute path");
                return strv_append(field, v);
        case OPT_FILE:
                return file_add(base, o, err);
        case OPT_MOUNTS:
                r = pbox_mounts_set(field, v, sub);
                break;
        case OPT_DEVICES:
                r = pbox_devices_set(field, v, sub);
                break;
        case OPT_DNS:
                r = pbox_dns_overrides_set(field, v, sub);
                break;
        case OPT_NET:
                if (strcmp(v, "host") != 0 && strcmp(v, "none") != 0)
                        return fail_value(err, o,
                                          "must be \"host\" or \"none\"");
                *(bool *)field = strcmp(v, "none") == 0;
                return 0;
        case OPT_HOSTNAME:
                if (!hostname_valid(v))
                        return fail_value(err, o,
                                          "must be 1 to 64 letters, digits, "
                                          "'.' or '-'");
                return opts_str_set(field, v);
        }
        if (r < 0)
                return fail_sub(err, o, r, sub);
        return 0;
}

/* Environment defaults, then the command line, for every option of t (only
 * the early ones with OPTS_EARLY). */
static int opts_apply_all(const struct opt_table *t, const struct occ *occs,
                          size_t nocc, unsigned flags, void *base,
                          char err[PBOX_ERR_LEN])
{
        int r;

        for (size_t i = 0; i < t->n; i++) {
                const struct opt_def *d = &t->defs[i];
                size_t given = 0;
                char ev[ENV_NAME_LEN];
                const char *v;

                for (size_t j = 0; j < nocc; j++)
                        given += occs[j].def == d;
                if (given > 1 && !d->repeat && d->kind != OPT_FLAG)
                        return opts_fail(err, "--%s given more than once",
                                         d->name);
                if ((flags & OPTS_EARLY) && !d->early)
                        continue;
                if (given > 0 && !d->repeat)
                        continue; /* the command line wins */
                env_name(d, ev, sizeof(ev));
                v = getenv(ev);
                /* Empty means unset, except that it clears a flag. */
                if (!v || (!*v && d->kind != OPT_FLAG))
                        continue;
                r = opt_apply(
                    base, &(struct occ){.def = d, .val = v, .from_env = true},
                    err);
                if (r < 0)
                        return r;
        }
        for (size_t j = 0; j < nocc; j++) {
                if ((flags & OPTS_EARLY) && !occs[j].def->early)
                        continue;
                r = opt_apply(base, &occs[j], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int opts_run(enum opts_cmd cmd, int argc, char **argv, unsigned flags,
             void *base, char ***ret_ops, size_t *ret_nops,
             char err[PBOX_ERR_LEN])
{
        const struct opt_table *t = &opts_tables[cmd];
        _cleanup_free_ struct occ *occs = NULL;
        _cleanup_free_ char **ops = NULL;
        size_t nocc = 0, nops = 0;
        int r;

        if (argc < 1 || !argv)
                return opts_fail(err, "no arguments");
        occs = calloc((size_t)argc, sizeof(*occs));
        ops = calloc((size_t)argc + 1, sizeof(*ops));
        if (!occs || !ops) {
                opts_fail(err, "out of memory");
                return -ENOMEM;
        }
        r = tokenize(t, argc, argv, occs, &nocc, ops, &nops, err);
        if (r != 0)
                return r;
        r = opts_apply_all(t, occs, nocc, flags, base, err);
        if (r < 0)
                return r;
        *ret_ops = TAKE_PTR(ops);
        *ret_nops = nops;
        return 0;
}
