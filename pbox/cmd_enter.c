/* cmd_enter.c — `pbox enter` / `pbox exec` and `pbox device add|remove`,
 * run by the operator (root or a member of the box's --operator-group):
 * requests on the box's enter socket DATA_DIR/NAME/enter.sock, served by
 * pbox-enterd (docs/enter.md). enter is pbox_enter() of the public API;
 * device is one OP_DEVICE_* request and its REPLY. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api_client.h"
#include "cleanup.h"
#include "cmds.h"
#include "ipc.h"
#include "pbox.h"

#define EXIT_PBOX 125

int cmd_enter(const struct enter_config *c)
{
        struct pbox_enter_config ec = {
            .name = c->name,
            .data_dir = c->data_dir,
            .args = c->args,
            .user = c->user,
            .env = &c->env,
            .workdir = c->workdir,
            .label = c->label,
            .tty = c->tty,
            .interactive = c->interactive,
            .stdin_fd = -1,
            .stdout_fd = -1,
            .stderr_fd = -1,
        };
        char err[PBOX_ERR_LEN] = "";
        int status = EXIT_PBOX, r;

        fflush(NULL);
        r = pbox_enter(&ec, &status, err);
        if (r < 0) {
                fprintf(stderr, "pbox: enter: %s\n",
                        err[0] ? err : strerror(-r));
                return EXIT_PBOX;
        }
        /* It never ran: the box says why (126, 127, or 125). */
        if (err[0])
                fprintf(stderr, "pbox: enter: %s\n", err);
        return status;
}

int cmd_device(const struct cmd_config *c)
{
        _cleanup_close_ int sock = -EBADF;
        char err[PBOX_ERR_LEN] = "";
        bool add = c->device_verb && strcmp(c->device_verb, "add") == 0;
        struct ipc_op_device_add a = {
            .hdr = {.type = IPC_OP_DEVICE_ADD, .id = 1},
            .spec = c->device_arg,
        };
        struct ipc_op_device_remove rm = {
            .hdr = {.type = IPC_OP_DEVICE_REMOVE, .id = 1},
            .path = c->device_arg,
        };
        int r;

        for (int i = 0; i < IPC_MAX_FDS; i++)
                a.hdr.fds[i] = rm.hdr.fds[i] = -EBADF;
        r = api_connect(c->data_dir, c->name, &sock, err);
        if (r == 0)
                r = api_request(sock, add ? (void *)&a : (void *)&rm, err);
        if (r < 0) {
                fprintf(stderr, "pbox: device %s: %s\n", add ? "add" : "remove",
                        err[0] ? err : strerror(-r));
                return EXIT_PBOX;
        }
        return 0;
}
