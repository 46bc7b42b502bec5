/* cmd_status.c — `pbox status`, `pbox list` and `pbox stop`, read from the
 * box's state directory (SPEC §2). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boxstate.h"
#include "cleanup.h"
#include "cmds.h"

int cmd_status(const struct cmd_config *c)
{
        struct box_state s;
        int r;

        r = box_state_read(c->data_dir, c->name, &s);
        if (r < 0) {
                fprintf(stderr, "pbox: status: box %s: %s\n", c->name,
                        r == -ESRCH ? "not running" : strerror(-r));
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
