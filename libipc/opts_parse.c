/* opts_parse.c — the subcommands' entry points of opts.h: defaults, the
 * checks that span options (name rules, --rootfs required, -t with
 * --detach), operands (INIT, CMD, device's action) and the free functions.
 * Runs in the pbox command and in the broker. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "opts_internal.h"

/* Defaults of name and data-dir, then the name rules (SPEC §2). */
static int name_finish(char **name, char **data_dir, char err[PBOX_ERR_LEN])
{
        char sub[PBOX_ERR_LEN] = "";
        int r;

        if (!*name && opts_str_set(name, PBOX_DEFAULT_NAME) < 0)
                return -ENOMEM;
        if (!*data_dir && opts_str_set(data_dir, PBOX_DEFAULT_DATA_DIR) < 0)
                return -ENOMEM;
        r = pbox_name_check(*name, *data_dir, sub);
        if (r < 0)
                return opts_fail(err, "--name: %s",
                                 *sub ? sub : "invalid name");
        return 0;
}

static char **strv_copy(char *const *v, size_t n)
{
        char **c = calloc(n + 1, sizeof(char *));

        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(v[i]);
                if (!c[i]) {
                        strv_free(c);
                        return NULL;
                }
        }
        return c;
}

static void opts_fields_free(const struct opt_table *t, void *base)
{
        for (size_t i = 0; i < t->n; i++) {
                const struct opt_def *d = &t->defs[i];
                void *field = (char *)base + d->off;

                switch (d->kind) {
                case OPT_FLAG:
                case OPT_UINT64:
                case OPT_UINT:
                case OPT_SIZE:
                case OPT_SIGNAL:
                case OPT_CAPS:
                case OPT_NET:
                        break;
                case OPT_STRING:
                case OPT_ABSPATH:
                case OPT_ROOTFS:
                case OPT_HOSTNAME:
                        free(*(char **)field);
                        *(char **)field = NULL;
                        break;
                case OPT_ENV_LIST:
                case OPT_ENV_PAIR:
                        pbox_env_vars_free(field);
                        break;
                case OPT_PATH_LIST:
                        strv_free(*(char ***)field);
                        *(char ***)field = NULL;
                        break;
                case OPT_FILE: {
                        struct pbox_file **f = field;
                        size_t *n = (size_t *)((char *)base + d->off2);

                        for (size_t j = 0; *f && j < *n; j++)
                                pbox_file_free(&(*f)[j]);
                        free(*f);
                        *f = NULL;
                        *n = 0;
                        break;
                }
                case OPT_MOUNTS:
                        pbox_mounts_free(field);
                        break;
                case OPT_DEVICES:
                        pbox_devices_free(field);
                        break;
                case OPT_DNS:
                        pbox_dns_overrides_free(field);
                        break;
                }
        }
}

void box_config_free(struct box_config *c)
{
        if (!c)
                return;
        opts_fields_free(&opts_tables[OPTS_START], c);
        strv_free(c->init_args);
        *c = (struct box_config){0};
}

void enter_config_free(struct enter_config *c)
{
        if (!c)
                return;
        opts_fields_free(&opts_tables[OPTS_ENTER], c);
        strv_free(c->args);
        *c = (struct enter_config){0};
}

void cmd_config_free(struct cmd_config *c)
{
        if (!c)
                return;
        free(c->name);
        free(c->data_dir);
        free(c->device_verb);
        free(c->device_arg);
        *c = (struct cmd_config){0};
}

int opts_parse_start(int argc, char **argv, unsigned flags,
                     struct box_config *ret, char err[PBOX_ERR_LEN])
{
        struct box_config c = {
            .caps = PBOX_CAPS_DEFAULT,
            .stop_signal = SIGTERM,
            .stop_timeout = PBOX_DEFAULT_STOP_TIMEOUT,
        };
        _cleanup_free_ char **ops = NULL;
        size_t nops = 0;
        int r;

        r = opts_run(OPTS_START, argc, argv, flags, &c, &ops, &nops, err);
        if (r != 0)
                goto out;
        r = name_finish(&c.name, &c.data_dir, err);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        if (!c.broker_user &&
            opts_str_set(&c.broker_user, PBOX_DEFAULT_BROKER_USER) < 0)
                goto out;
        if (!(flags & OPTS_EARLY)) {
                if (!c.rootfs) {
                        r = opts_fail(err, "--rootfs is required");
                        goto out;
                }
                if (c.tty && c.detach) {
                        r = opts_fail(err,
                                      "-t/--tty cannot be used with --detach");
                        goto out;
                }
                r = -ENOMEM;
                if (!c.user && opts_str_set(&c.user, "root") < 0)
                        goto out;
                if (nops > 0)
                        c.init_args = strv_copy(ops, nops);
                else
                        c.init_args = strv_copy(
                            (char *const[]){(char *)PBOX_DEFAULT_INIT}, 1);
                if (!c.init_args)
                        goto out;
        }
        *ret = c;
        return 0;
out:
        if (r == -ENOMEM)
                opts_fail(err, "out of memory");
        box_config_free(&c);
        return r;
}

int opts_parse_enter(int argc, char **argv, struct enter_config *ret,
                     char err[PBOX_ERR_LEN])
{
        struct enter_config c = {0};
        _cleanup_free_ char **ops = NULL;
        size_t nops = 0;
        int r;

        r = opts_run(OPTS_ENTER, argc, argv, 0, &c, &ops, &nops, err);
        if (r != 0)
                goto out;
        r = name_finish(&c.name, &c.data_dir, err);
        if (r < 0)
                goto out;
        if (nops == 0) {
                r = opts_fail(err,
                              "missing CMD: pbox %s [OPTIONS] [--] CMD "
                              "[ARG...]",
                              argv[0]);
                goto out;
        }
        r = -ENOMEM;
        if (!c.user && opts_str_set(&c.user, "root") < 0)
                goto out;
        if (!c.workdir && opts_str_set(&c.workdir, "/") < 0)
                goto out;
        c.args = strv_copy(ops, nops);
        if (!c.args)
                goto out;
        *ret = c;
        return 0;
out:
        if (r == -ENOMEM)
                opts_fail(err, "out of memory");
        enter_config_free(&c);
        return r;
}

static int device_operands(struct cmd_config *c, char **ops, size_t nops,
                           char err[PBOX_ERR_LEN])
{
        _cleanup_(pbox_devices_free) struct pbox_devices d = {0};
        char sub[PBOX_ERR_LEN] = "", buf[OPTS_SHOW_LEN];
        bool add;
        int r;

        if (nops == 0)
                return opts_fail(err,
                                 "expected \"add SPEC\" or \"remove PATH\"");
        add = strcmp(ops[0], "add") == 0;
        if (!add && strcmp(ops[0], "remove") != 0)
                return opts_fail(err,
                                 "unknown action \"%s\": expected add or "
                                 "remove",
                                 opts_shown(ops[0], buf));
        if (nops != 2)
                return opts_fail(err, "%s takes exactly one %s", ops[0],
                                 add ? "SPEC" : "PATH");
        if (add) {
                r = pbox_devices_set(&d, ops[1], sub);
                if (r < 0)
                        return r == -ENOMEM
                                   ? r
                                   : opts_fail(err, "add: %s",
                                               *sub ? sub : "bad SPEC");
        } else if (ops[1][0] != '/')
                return opts_fail(err, "remove \"%s\": must be an absolute path",
                                 opts_shown(ops[1], buf));
        if (opts_str_set(&c->device_verb, ops[0]) < 0 ||
            opts_str_set(&c->device_arg, ops[1]) < 0)
                return -ENOMEM;
        return 0;
}

int opts_parse_cmd(enum opts_cmd cmd, int argc, char **argv,
                   struct cmd_config *ret, char err[PBOX_ERR_LEN])
{
        struct cmd_config c = {0};
        _cleanup_free_ char **ops = NULL;
        char buf[OPTS_SHOW_LEN];
        size_t nops = 0;
        int r;

        switch (cmd) {
        case OPTS_STOP:
        case OPTS_STATUS:
        case OPTS_LIST:
        case OPTS_DEVICE:
        case OPTS_CHECK:
                break;
        case OPTS_START:
        case OPTS_ENTER:
        case OPTS_CMD_MAX:
        default:
                return opts_fail(err, "not a plain subcommand");
        }
        r = opts_run(cmd, argc, argv, 0, &c, &ops, &nops, err);
        if (r != 0)
                goto out;
        r = name_finish(&c.name, &c.data_dir, err);
        if (r < 0)
                goto out;
        if (cmd == OPTS_DEVICE)
                r = device_operands(&c, ops, nops, err);
        else if (nops > 0)
                r = opts_fail(err, "unexpected argument \"%s\"",
                              opts_shown(ops[0], buf));
        if (r < 0)
                goto out;
        *ret = c;
        return 0;
out:
        if (r == -ENOMEM)
                opts_fail(err, "out of memory");
        cmd_config_free(&c);
        return r;
}

const char *opts_long_name(enum opts_cmd cmd, size_t i)
{
        if ((unsigned)cmd >= OPTS_CMD_MAX || i >= opts_tables[cmd].n)
                return NULL;
        return opts_tables[cmd].defs[i].name;
}
