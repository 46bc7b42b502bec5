/* cmd_status.c — `pbox status`, `pbox list` and `pbox stop`, read from the
 * box's state directory (SPEC §2); an operator who cannot read it goes
 * through the box's enter socket (OP_STATUS, OP_STOP). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api_client.h"
#include "boxstate.h"
#include "cleanup.h"
#include "cmds.h"
#include "ipc.h"

/* An operator who may not read the box's state directory asks enterd,
 * which asks the broker (OP_STATUS → OP_STATE). */
static int status_via_socket(const struct cmd_config *c, struct box_state *s,
                             char err[PBOX_ERR_LEN])
{
        _cleanup_close_ int sock = -EBADF;
        _cleanup_msg_ struct ipc_op_state *st = NULL;
        struct ipc_op_status m = {.hdr = {.type = IPC_OP_STATUS, .id = 1}};
        char why[PBOX_ERR_LEN];
        int r;

        r = api_connect(c->data_dir, c->name, &sock, err);
        if (r < 0)
                return r;
        r = api_ask(sock, &m, IPC_OP_STATE, (void **)&st, why);
        if (r == 0 && box_state_parse(st->text, s) < 0) {
                snprintf(why, sizeof(why), "bad answer");
                r = -EPROTO;
        }
        if (r < 0)
                snprintf(err, PBOX_ERR_LEN, "box %s: %.200s", c->name, why);
        return r;
}

int cmd_status(const struct cmd_config *c)
{
        char err[PBOX_ERR_LEN] = "";
        struct box_state s;
        int r;

        r = box_state_read(c->data_dir, c->name, &s);
        if (r == -EACCES)
                r = status_via_socket(c, &s, err);
        else if (r < 0)
                snprintf(err, sizeof(err), "box %s: %s", c->name,
                         r == -ESRCH ? "not running" : strerror(-r));
        if (r < 0) {
                fprintf(stderr, "pbox: status: %s\n", err);
                return 125;
        }
        if (c->json) {
                box_state_print_json(&s, stdout);
                fputc('\n', stdout);
        } else {
                box_state_print_table(&s, stdout);
        }
        return 0;
}

int cmd_list(const struct cmd_config *c)
{
        _cleanup_closedir_ DIR *d = opendir(c->data_dir);
        struct dirent *de;
        bool first = true;

        if (c->json)
                fputc('[', stdout);
        else
                printf("%-24s %-9s %8s %8s\n", "NAME", "STATE", "INIT",
                       "UPTIME");
        while (d && (de = readdir(d))) {
                struct box_state s;

                if (de->d_name[0] == '.' || de->d_name[0] == '_')
                        continue;
                if (box_state_read(c->data_dir, de->d_name, &s) < 0)
                        continue;
                if (c->json) {
                        if (!first)
                                fputc(',', stdout);
                        box_state_print_json(&s, stdout);
                } else {
                        printf("%-24s %-9s %8d %7llds\n", s.name, s.state,
                               (int)s.init_pid,
                               s.started ? (long long)time(NULL) - s.started
                                         : 0);
                }
                first = false;
        }
        if (c->json)
                fputs("]\n", stdout);
        return 0;
}

/* An operator who cannot read the box's state (nor signal its broker)
 * asks enterd instead: OP_STOP, then the connection stays open until the
 * box is gone. */
static int stop_via_socket(const struct cmd_config *c)
{
        _cleanup_close_ int sock = -EBADF;
        struct ipc_op_stop m = {
            .hdr = {.type = IPC_OP_STOP, .id = 1},
            .timeout = c->has_timeout ? (int64_t)c->timeout : -1,
        };
        char err[PBOX_ERR_LEN] = "";
        int r;

        for (int i = 0; i < IPC_MAX_FDS; i++)
                m.hdr.fds[i] = -EBADF;
        r = api_connect(c->data_dir, c->name, &sock, err);
        if (r == 0) {
                r = ipc_send(sock, &m);
                if (r < 0)
                        snprintf(err, sizeof(err), "%s", strerror(-r));
        }
        /* The box's own timeout is not known here: allow the longest. */
        if (r == 0)
                r = api_wait_closed(
                    sock,
                    ((c->has_timeout ? (int)c->timeout : 86400) + 30) * 1000,
                    err);
        if (r < 0) {
                fprintf(stderr, "pbox: stop: %s\n",
                        err[0] ? err : strerror(-r));
                return 125;
        }
        return 0;
}

/* The state is ours to read (root): the broker is signalled directly. */
static bool state_readable(const struct cmd_config *c)
{
        char path[4096];

        if (geteuid() != 0)
                return false;
        snprintf(path, sizeof(path), "%s/%s/state", c->data_dir, c->name);
        return access(path, R_OK) == 0 || errno == ENOENT;
}

/* Ask the broker to stop (SIGTERM carrying the timeout + 1, so 0 means
 * "the box's own"), then wait until its lock is released: by then the
 * mounter has removed mounts, cgroups, socket and state. */
int cmd_stop(const struct cmd_config *c)
{
        union sigval v = {.sival_int =
                              c->has_timeout ? (int)c->timeout + 1 : 0};
        struct box_state s;
        unsigned timeout;
        pid_t broker = 0;
        int r;

        if (!state_readable(c))
                return stop_via_socket(c);
        r = box_state_read(c->data_dir, c->name, &s);
        if (r < 0) {
                fprintf(stderr, "pbox: stop: box %s: %s\n", c->name,
                        r == -ESRCH ? "not running" : strerror(-r));
                return 125;
        }
        for (size_t i = 0; i < s.ncomps; i++)
                if (!strcmp(s.comps[i].name, "broker"))
                        broker = s.comps[i].pid;
        if (broker <= 0 || sigqueue(broker, SIGTERM, v) < 0) {
                fprintf(stderr,
                        "pbox: stop: box %s: cannot signal its broker: %s\n",
                        c->name, broker <= 0 ? "not found" : strerror(errno));
                return 125;
        }
        timeout = c->has_timeout ? c->timeout : s.stop_timeout;
        /* The grace period, then the kill and the teardown. */
        for (unsigned ms = 0; ms < (timeout + 30) * 1000; ms += 10) {
                /* Gone once the lock is released and the broker, the last
                 * to go, has exited. */
                if (!box_state_running(c->data_dir, c->name) &&
                    kill(broker, 0) < 0 && errno == ESRCH)
                        return 0;
                usleep(10000);
        }
        fprintf(stderr, "pbox: stop: box %s: still running after %us\n",
                c->name, timeout + 30);
        return 125;
}
