/* cmds.h — the subcommands of the pbox command other than start and
 * check, dispatched from pbox/main.c with configs parsed by opts.h.
 *
 * Each prints its own errors (one line, `pbox: <what failed>: <why>`) and
 * returns the exit status for the process: 0, 125 when pbox itself
 * failed, or the status of the command run in the box (enter: 126, 127,
 * 128+N, ...). The config stays owned by the caller. */
#ifndef PBOX_CMDS_H
#define PBOX_CMDS_H

#include "opts.h"

/* pbox enter / pbox exec */
int cmd_enter(const struct enter_config *c);
/* pbox stop: c->timeout when c->has_timeout, else the box's own. */
int cmd_stop(const struct cmd_config *c);
/* pbox status: 125 when the box does not exist; c->json. */
int cmd_status(const struct cmd_config *c);
/* pbox list: every box in c->data_dir; c->json. */
int cmd_list(const struct cmd_config *c);
/* pbox device add|remove: c->device_verb, c->device_arg (validated). */
int cmd_device(const struct cmd_config *c);

#endif
