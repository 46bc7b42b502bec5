/* cmd_enter.c — `pbox enter` and `pbox device`: requests on the box's
 * enter socket, served by pbox-enterd (issue 4, not built yet). Until
 * enterd exists, these report that the box's socket cannot be reached,
 * naming the box and the socket path (Planet's ErrConnect). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmds.h"

static int connect_box(const char *cmd, const char *data_dir, const char *name)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -EBADF;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/enter.sock", data_dir,
                 name);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                fprintf(stderr,
                        "pbox: %s: cannot connect to box %s at %s: %s\n", cmd,
                        name, sa.sun_path, strerror(errno));
                return 125;
        }
        fprintf(stderr,
                "pbox: %s: box %s at %s: this build has no enter "
                "protocol yet\n",
                cmd, name, sa.sun_path);
        return 125;
}

int cmd_enter(const struct enter_config *c)
{
        return connect_box("enter", c->data_dir, c->name);
}

int cmd_device(const struct cmd_config *c)
{
        return connect_box("device", c->data_dir, c->name);
}
