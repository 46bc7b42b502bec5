/* main.c — pbox, the one command operators type: dispatches a subcommand.
 *
 * Every command line is parsed and validated here first (opts.h), so a
 * malformed value is refused with 125 before anything privileged runs.
 * `start` then becomes the broker (execv, same argv after "start"; the
 * broker parses them again itself); the other subcommands are clients of a
 * running box (pbox/cmd_*.c) or host checks (pbox/check.c). Runs as the
 * invoking user: root for start, root or an operator for the others. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "san.h"
#include "cleanup.h"
#include "cmds.h"
#include "opts.h"
#include "proc.h"

PBOX_SAN_DEFAULTS

#ifndef PBOX_VERSION
#define PBOX_VERSION "0.1.0"
#endif

#define EXIT_PBOX 125 /* pbox itself failed (SPEC §3) */

struct command {
        const char *name;
        enum opts_cmd opts;
        /* Exactly one of: */
        int (*run)(const struct command *cmd, int argc, char **argv);
        int (*plain)(const struct cmd_config *c);
};

static int refuse(const char *what, const char *why)
{
        fprintf(stderr, "pbox: %s: %s\n", what, why);
        return EXIT_PBOX;
}

static int run_start(const struct command *cmd, int argc, char **argv)
{
        struct box_config c = {0};
        _cleanup_free_ char **nargv = NULL;
        char err[PBOX_ERR_LEN] = "", path[PATH_MAX];
        int r;

        r = opts_parse_start(argc, argv, 0, &c, err);
        if (r == OPTS_HELP) {
                opts_help(cmd->opts);
                return 0;
        }
        if (r < 0)
                return refuse(argv[0], err);
        box_config_free(&c);

        r = proc_helper_path("pbox-broker", path, sizeof(path));
        if (r < 0) {
                snprintf(err, sizeof(err), "cannot find pbox-broker: %s",
                         strerror(-r));
                return refuse(argv[0], err);
        }
        /* {"pbox-broker", "start", <the arguments after "start">..., NULL} */
        nargv = calloc((size_t)argc + 2, sizeof(char *));
        if (!nargv)
                return refuse(argv[0], "out of memory");
        nargv[0] = (char *)"pbox-broker";
        nargv[1] = (char *)"start";
        for (int i = 1; i < argc; i++)
                nargv[i + 1] = argv[i];
        fflush(NULL);
        execv(path, nargv);
        fprintf(stderr, "pbox: %s: cannot execute %s: %s\n", argv[0], path,
                strerror(errno));
        return EXIT_PBOX;
}

static int run_enter(const struct command *cmd, int argc, char **argv)
{
        struct enter_config c = {0};
        char err[PBOX_ERR_LEN] = "";
        int r;

        r = opts_parse_enter(argc, argv, &c, err);
        if (r == OPTS_HELP) {
                opts_help(cmd->opts);
                return 0;
        }
        if (r < 0)
                return refuse(argv[0], err);
        r = cmd_enter(&c);
        enter_config_free(&c);
        return r;
}

static int run_check(const struct command *cmd, int argc, char **argv)
{
        struct cmd_config c = {0};
        char err[PBOX_ERR_LEN] = "";
        int r;

        r = opts_parse_cmd(cmd->opts, argc, argv, &c, err);
        if (r == OPTS_HELP) {
                opts_help(cmd->opts);
                return 0;
        }
        if (r < 0)
                return refuse(argv[0], err);
        cmd_config_free(&c);
        r = pbox_check_run(stdout);
        fflush(stdout);
        return r == 0 ? 0 : EXIT_PBOX;
}

static int run_plain(const struct command *cmd, int argc, char **argv)
{
        struct cmd_config c = {0};
        char err[PBOX_ERR_LEN] = "";
        int r;

        r = opts_parse_cmd(cmd->opts, argc, argv, &c, err);
        if (r == OPTS_HELP) {
                opts_help(cmd->opts);
                return 0;
        }
        if (r < 0)
                return refuse(argv[0], err);
        r = cmd->plain(&c);
        cmd_config_free(&c);
        return r;
}

static const struct command commands[] = {
    {.name = "start", .opts = OPTS_START, .run = run_start},
    {.name = "enter", .opts = OPTS_ENTER, .run = run_enter},
    {.name = "exec", .opts = OPTS_ENTER, .run = run_enter},
    {.name = "stop", .opts = OPTS_STOP, .plain = cmd_stop},
    {.name = "status", .opts = OPTS_STATUS, .plain = cmd_status},
    {.name = "list", .opts = OPTS_LIST, .plain = cmd_list},
    {.name = "device", .opts = OPTS_DEVICE, .plain = cmd_device},
    {.name = "check", .opts = OPTS_CHECK, .run = run_check},
};

static const struct command *command_find(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

/* `pbox help [COMMAND]` */
static int run_help(int argc, char **argv)
{
        const struct command *cmd;
        char err[PBOX_ERR_LEN];

        if (argc < 3) {
                opts_help_main();
                return 0;
        }
        cmd = command_find(argv[2]);
        if (!cmd) {
                snprintf(err, sizeof(err), "unknown command \"%.64s\"",
                         argv[2]);
                return refuse("help", err);
        }
        opts_help(cmd->opts);
        return 0;
}

int main(int argc, char **argv)
{
        const struct command *cmd;
        char err[PBOX_ERR_LEN];

        if (argc < 2) {
                opts_help_main_fprint(stderr);
                return EXIT_PBOX;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                opts_help_main();
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("pbox %s\n", PBOX_VERSION);
                return 0;
        }
        if (strcmp(argv[1], "help") == 0)
                return run_help(argc, argv);
        if (argv[1][0] == '-') {
                fprintf(stderr,
                        "pbox: unknown option \"%.64s\" (see pbox --help)\n",
                        argv[1]);
                return EXIT_PBOX;
        }
        cmd = command_find(argv[1]);
        if (!cmd) {
                snprintf(err, sizeof(err),
                         "unknown command \"%.64s\" (see pbox --help)",
                         argv[1]);
                fprintf(stderr, "pbox: %s\n", err);
                return EXIT_PBOX;
        }
        /* The subcommand sees itself as argv[0], as getopt expects. */
        if (cmd->run)
                return cmd->run(cmd, argc - 1, argv + 1);
        return run_plain(cmd, argc - 1, argv + 1);
}
