/* opts.h — command lines of pbox: one option table per subcommand, each
 * option also read from PBOX_<OPTION> (upper case, '-' → '_'), parsed into
 * typed configs with the configuration language of pbox.h.
 *
 * Used by the pbox command (to refuse bad input before anything privileged
 * runs, and for --help) and by the broker (which parses `start` again,
 * unprivileged: SPEC §1). Return convention: 0 or -errno (-EINVAL with
 * err holding one line, e.g. `--volume "a": missing destination`).
 */
#ifndef PBOX_OPTS_H
#define PBOX_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pbox.h"

#define PBOX_DEFAULT_DATA_DIR     "/run/pbox"
#define PBOX_DEFAULT_NAME         "default"
#define PBOX_DEFAULT_INIT         "/sbin/init"
#define PBOX_DEFAULT_BROKER_USER  "nobody"
#define PBOX_DEFAULT_STOP_TIMEOUT 10

/* What --help lists, per subcommand. */
enum opts_cmd {
        OPTS_START,
        OPTS_ENTER,
        OPTS_STOP,
        OPTS_STATUS,
        OPTS_LIST,
        OPTS_DEVICE,
        OPTS_CHECK,
        OPTS_CMD_MAX,
};

/* `pbox start` — everything the broker needs, validated. */
struct box_config {
        char *name;
        char *data_dir;
        char *broker_user;
        bool detach;
        /* Parsed only without OPTS_EARLY (unprivileged, SPEC §1): */
        char *rootfs; /* absolute, as given (made absolute) */
        struct pbox_env_vars env;
        char **env_files; /* NULL-terminated paths inside the box */
        struct pbox_env_vars enter_env;
        struct pbox_file *files;
        size_t nfiles;
        struct pbox_mounts volumes;
        struct pbox_devices devices;
        uint64_t caps; /* default PBOX_CAPS_DEFAULT */
        bool no_new_privs;
        bool minimal_init; /* --init */
        bool tty;
        char *user;     /* default "root" */
        char *hostname; /* NULL = the host's */
        struct pbox_dns_overrides dns_hosts;
        struct pbox_dns_overrides dns_zones;
        bool net_none; /* --net none */
        bool selinux;
        char *process_label;   /* NULL = none */
        char *mount_label;     /* NULL = none */
        uint64_t cpu_shares;   /* 0 = unset */
        uint64_t memory;       /* 0 = unset */
        uint64_t pids_limit;   /* 0 = unset */
        int stop_signal;       /* default SIGTERM */
        unsigned stop_timeout; /* seconds, default 10 */
        char *operator_group;  /* NULL = root only */
        char *audit_log;       /* NULL = DATA_DIR/_log/audit */
        char **init_args;      /* NULL-terminated; default {"/sbin/init"} */
};

/* `pbox enter` / `pbox exec`. */
struct enter_config {
        char *name;
        char *data_dir;
        bool tty;
        bool interactive;
        char *user;               /* default "root" */
        struct pbox_env_vars env; /* -e pairs, in order */
        char *workdir;            /* default "/" */
        char *label;              /* NULL = computed */
        char **args;              /* NULL-terminated, at least one */
};

/* stop / status / list / device / check share this. */
struct cmd_config {
        char *name;
        char *data_dir;
        unsigned timeout; /* stop --timeout; default: the box's */
        bool has_timeout;
        bool json;         /* status/list --json */
        char *device_verb; /* device: "add" or "remove" */
        char *device_arg;  /* SPEC or PATH */
};

/* Parse only --name, --data-dir, --broker-user and --detach (every other
 * option is skipped after checking it is a known option with its argument
 * present): what the broker needs while it is still root. */
#define OPTS_EARLY 1u

/* opts_parse_*() return this (and write nothing) when -h or --help is
 * among the options: the caller prints opts_help() and exits 0. */
#define OPTS_HELP 1

/* argv[0] is the subcommand name ("start"), as getopt expects. Options are
 * `--long VALUE`, `--long=VALUE`, `-s VALUE`, `-sVALUE` or clustered short
 * flags; `--` ends them, and for start and enter so does the first operand
 * (INIT's or CMD's own options follow it). An option with an argument may
 * be given once, a repeatable one (--env, --volume, ...) many times; its
 * PBOX_<OPTION> value counts as one more occurrence before the command
 * line's. For other options PBOX_<OPTION> is the default (an empty value
 * counts as unset; for flags "1"/"true"/"yes" set, "0"/"false"/"no"/""
 * clear). Returns 0, OPTS_HELP, or -EINVAL with err naming the option and
 * the bad value (-ENOMEM: "out of memory"). */
int opts_parse_start(int argc, char **argv, unsigned flags,
                     struct box_config *ret, char err[PBOX_ERR_LEN]);
int opts_parse_enter(int argc, char **argv, struct enter_config *ret,
                     char err[PBOX_ERR_LEN]);
int opts_parse_cmd(enum opts_cmd cmd, int argc, char **argv,
                   struct cmd_config *ret, char err[PBOX_ERR_LEN]);
void box_config_free(struct box_config *c);
void enter_config_free(struct enter_config *c);
void cmd_config_free(struct cmd_config *c);

/* Full --help text of a subcommand to stdout. */
void opts_help(enum opts_cmd cmd);
/* `pbox --help`. */
void opts_help_main(void);
/* The same texts to any stream. */
void opts_help_fprint(FILE *f, enum opts_cmd cmd);
void opts_help_main_fprint(FILE *f);
/* Long name (without "--") of option i of cmd's table, NULL past the end:
 * lets tests and documentation walk every option. */
const char *opts_long_name(enum opts_cmd cmd, size_t i);

#endif
