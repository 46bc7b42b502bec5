/* opts_internal.h — the option tables shared by opts.c (parsing) and
 * opts_help.c (--help). Private to libipc's opts_*.c: the pbox command and
 * the broker use opts.h only. */
#ifndef PBOX_OPTS_INTERNAL_H
#define PBOX_OPTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opts.h"

/* How an option's value is checked and where it is stored (at .off in the
 * subcommand's config struct). Every kind but OPT_FLAG takes an argument. */
enum opt_kind {
        OPT_FLAG,      /* bool */
        OPT_STRING,    /* char *, non-empty */
        OPT_ABSPATH,   /* char *, absolute */
        OPT_ROOTFS,    /* char *, made absolute against the cwd */
        OPT_UINT64,    /* uint64_t in [min, max] */
        OPT_UINT,      /* unsigned in [min, max]; bool at .off2 set too if
                        * .off2_set */
        OPT_SIZE,      /* uint64_t bytes, > 0 */
        OPT_SIGNAL,    /* int */
        OPT_CAPS,      /* uint64_t mask */
        OPT_ENV_LIST,  /* struct pbox_env_vars, §4.1 list */
        OPT_ENV_PAIR,  /* struct pbox_env_vars, one literal NAME=VALUE */
        OPT_PATH_LIST, /* char ** (NULL-terminated) of absolute paths */
        OPT_FILE,      /* struct pbox_file * at .off, size_t count at .off2 */
        OPT_MOUNTS,    /* struct pbox_mounts */
        OPT_DEVICES,   /* struct pbox_devices */
        OPT_DNS,       /* struct pbox_dns_overrides */
        OPT_NET,       /* bool net_none from "host" | "none" */
        OPT_HOSTNAME,  /* char *, 1..64 of [A-Za-z0-9.-] */
};

struct opt_def {
        const char *name; /* long name, without "--" */
        char short_name;  /* 0 = none */
        enum opt_kind kind;
        bool repeat; /* may be given more than once; all count */
        bool early;  /* interpreted in OPTS_EARLY mode too */
        size_t off;
        size_t off2;
        bool off2_set;
        uint64_t min, max;
        const char *arg;  /* metavariable in --help, NULL for flags */
        const char *help; /* one or two sentences for --help */
};

struct opt_table {
        const char *cmd;      /* "start" */
        const char *usage;    /* after "pbox " */
        const char *descr;    /* one paragraph */
        const char *operands; /* positional arguments explained, or NULL */
        const struct opt_def *defs;
        size_t n;
        bool stop_at_operand; /* options end at the first operand */
};

extern const struct opt_table opts_tables[OPTS_CMD_MAX];

/* ---- opts.c, for opts_parse.c ---- */

#define OPTS_SHOW_MAX 100 /* bytes of a bad value quoted in an error */
#define OPTS_SHOW_LEN (OPTS_SHOW_MAX + 4)

/* Writes one line to err (control bytes become '?'); returns -EINVAL. */
__attribute__((format(printf, 2, 3))) int opts_fail(char err[PBOX_ERR_LEN],
                                                    const char *fmt, ...);
/* v for an error line: cut with "..." when long, in buf if so. */
const char *opts_shown(const char *v, char buf[OPTS_SHOW_LEN]);
/* Replaces *field with a copy of v: 0 or -ENOMEM. */
int opts_str_set(char **field, const char *v);
/* Tokenizes argv against cmd's table and applies the environment and the
 * options to the config at base. *ret_ops: argv's operands, a
 * NULL-terminated vector (its strings are argv's) the caller frees.
 * 0, OPTS_HELP or -errno with err set. */
int opts_run(enum opts_cmd cmd, int argc, char **argv, unsigned flags,
             void *base, char ***ret_ops, size_t *ret_nops,
             char err[PBOX_ERR_LEN]);

#endif
