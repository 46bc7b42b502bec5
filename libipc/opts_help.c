/* opts_help.c — the --help texts of pbox and its subcommands, generated
 * from the option tables of opts_table.c so that every option is listed.
 * Runs in the pbox command. */
#include <stdio.h>
#include <string.h>

#include "opts_internal.h"

#define WIDTH   79
#define OPT_COL 30 /* where an option's explanation starts */

/* Prints text from column col, wrapping at WIDTH and indenting continued
 * lines to indent; '\n' in text starts a new line. */
static void wrap(FILE *f, const char *text, int col, int indent)
{
        const char *p = text;

        while (*p) {
                size_t w = strcspn(p, " \n");

                if (col > indent && col + 1 + (int)w > WIDTH) {
                        fprintf(f, "\n%*s", indent, "");
                        col = indent;
                } else if (col > indent) {
                        fputc(' ', f);
                        col++;
                }
                fwrite(p, 1, w, f);
                col += (int)w;
                p += w;
                if (*p == '\n') {
                        fprintf(f, "\n%*s", indent, "");
                        col = indent;
                        p++;
                }
                while (*p == ' ')
                        p++;
        }
        fputc('\n', f);
}

static void option_line(FILE *f, const struct opt_def *d)
{
        char left[128], help[512];
        int n;

        if (d->short_name)
                n = snprintf(left, sizeof(left), "  -%c, --%s", d->short_name,
                             d->name);
        else
                n = snprintf(left, sizeof(left), "      --%s", d->name);
        if (d->arg && n >= 0 && (size_t)n < sizeof(left))
                snprintf(left + n, sizeof(left) - (size_t)n, " %s", d->arg);
        snprintf(help, sizeof(help), "%s%s", d->help,
                 d->repeat ? "; repeatable" : "");
        fputs(left, f);
        n = (int)strlen(left);
        if (n + 2 > OPT_COL) {
                fprintf(f, "\n%*s", OPT_COL, "");
                n = OPT_COL;
        } else {
                fprintf(f, "%*s", OPT_COL - n, "");
                n = OPT_COL;
        }
        wrap(f, help, n, OPT_COL);
}

static const char *exit_text(enum opts_cmd cmd)
{
        switch (cmd) {
        case OPTS_START:
                return "  init's exit status (128+N when init was killed by "
                       "signal N);\n"
                       "  0 with --detach once the box is ready\n"
                       "  125  pbox failed (bad option, start failed)\n"
                       "  126  INIT found but not executable\n"
                       "  127  INIT not found";
        case OPTS_ENTER:
                return "  CMD's exit status (128+N when CMD was killed by "
                       "signal N)\n"
                       "  125  pbox failed (box not running, cannot connect,\n"
                       "       bad option, refused request)\n"
                       "  126  CMD found but not executable\n"
                       "  127  CMD not found";
        case OPTS_CHECK:
                return "  0    a box can start on this host\n"
                       "  125  a check failed";
        case OPTS_STOP:
        case OPTS_STATUS:
        case OPTS_LIST:
        case OPTS_DEVICE:
        case OPTS_CMD_MAX:
        default:
                return "  0    success\n"
                       "  125  pbox failed (box not running, cannot connect,\n"
                       "       bad option, refused request)";
        }
}

void opts_help_fprint(FILE *f, enum opts_cmd cmd)
{
        const struct opt_table *t;

        if ((unsigned)cmd >= OPTS_CMD_MAX)
                return;
        t = &opts_tables[cmd];
        fprintf(f, "Usage: pbox %s\n\n", t->usage);
        wrap(f, t->descr, 0, 0);
        if (t->operands)
                fprintf(f, "\nArguments:\n  %s\n", t->operands);
        fputs("\nOptions:\n", f);
        for (size_t i = 0; i < t->n; i++)
                option_line(f, &t->defs[i]);
        option_line(f, &(struct opt_def){.name = "help",
                                         .short_name = 'h',
                                         .help = "show this help and exit"});
        fputc('\n', f);
        wrap(f,
             "Every option also reads PBOX_<OPTION> (upper case, '-' becomes "
             "'_', e.g. PBOX_DATA_DIR) as its default; the command line "
             "wins. For a repeatable option the variable counts as one more "
             "occurrence before those of the command line. Flags read 1, "
             "true or yes as set and 0, false, no or empty as unset.",
             0, 0);
        fprintf(f, "\nExit status:\n%s\n", exit_text(cmd));
        if (cmd == OPTS_ENTER)
                fputs("\nErrors of pbox itself go to stderr as one line: "
                      "pbox: enter: <why>.\n",
                      f);
}

void opts_help(enum opts_cmd cmd)
{
        opts_help_fprint(stdout, cmd);
        fflush(stdout);
}

void opts_help_main_fprint(FILE *f)
{
        static const struct {
                const char *name, *what;
        } cmds[] = {
            {"start", "start a box from a root filesystem"},
            {"enter", "run a command inside a running box (alias: exec)"},
            {"stop", "stop a box and remove everything it made"},
            {"status", "show a box and the privileges of its processes"},
            {"list", "show every box"},
            {"device", "add or remove a device node in a running box"},
            {"check", "check that this host can run boxes"},
        };

        fputs("Usage: pbox [--help | --version] COMMAND [OPTIONS] [ARG...]\n\n",
              f);
        wrap(f,
             "pbox runs long-lived Linux containers, boxes, from a root "
             "filesystem, and runs commands inside them through a local "
             "socket.",
             0, 0);
        fputs("\nCommands:\n", f);
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
                fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].what);
        fputs("\nRun 'pbox COMMAND --help' for the options of a command.\n", f);
        fputc('\n', f);
        wrap(f,
             "Every option also reads PBOX_<OPTION> (upper case, '-' becomes "
             "'_') as its default. Every command takes --name NAME "
             "(default " PBOX_DEFAULT_NAME
             ") and --data-dir DIR (default " PBOX_DEFAULT_DATA_DIR ").",
             0, 0);
        fputs("\nExit status:\n"
              "  start: init's status; enter: the command's status (128+N "
              "when killed\n"
              "  by signal N); others 0 on success\n"
              "  125  pbox itself failed; one line on stderr: pbox: <what>: "
              "<why>\n"
              "  126  the command was found but is not executable\n"
              "  127  the command was not found\n",
              f);
}

void opts_help_main(void)
{
        opts_help_main_fprint(stdout);
        fflush(stdout);
}
