/* pbox-broker — the foreground process of `pbox start`. Started as root
 * by the pbox command; opens the box's state, starts the privileged
 * mounter, becomes --broker-user with no capabilities, then parses and
 * validates all configuration and drives the box by messages (SPEC §1). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boxproc.h"
#include "broker.h"
#include "san.h"
#include "seccomp.h"
#include "cleanup.h"
#include "ipc.h"
#include "proc.h"

PBOX_SAN_DEFAULTS

/* Closing the helpers' sockets makes them tear down what they made;
 * waiting for them means nothing is left when `pbox start` returns. */
static int fail(struct broker *b, int status)
{
        /* Ours to remove until the mounter took it over; then our lock
         * goes first: a janitor cleaning up after a killed mounter waits
         * for it. */
        broker_remove_state(b);
        if (b->lock_fd >= 0) {
                close(b->lock_fd);
                b->lock_fd = -1;
        }
        /* enterd first: the mounter's teardown removes the state directory
         * enterd may still be binding its socket in. */
        if (b->enterd_sock >= 0) {
                close(b->enterd_sock);
                b->enterd_sock = -1;
        }
        if (b->enterd_pid > 0)
                (void)waitpid(b->enterd_pid, NULL, 0);
        if (b->mounter_sock >= 0) {
                struct ipc_mnt_kill k = {.hdr.type = IPC_MNT_KILL};

                /* Said, not just hung up: a mounter seeing only EOF before
                 * the handover takes us for killed (mounter/box.c). */
                (void)ipc_send(b->mounter_sock, &k);
                close(b->mounter_sock);
                b->mounter_sock = -1;
        }
        if (b->mounter_pid > 0)
                (void)waitpid(b->mounter_pid, NULL, 0);
        return status;
}

/* --operator-group and --audit-log, resolved before the loop (and its
 * seccomp filter) starts. */
static int resolve_enter_access(struct broker *b)
{
        const char *g = b->cfg.operator_group;

        b->operator_gid = -1;
        if (g) {
                _cleanup_free_ char *spec = NULL;
                struct pbox_user pu = {0};
                char err[PBOX_ERR_LEN] = "";
                char *end;
                unsigned long n;

                errno = 0;
                n = strtoul(g, &end, 10);
                if (*g && !*end && errno == 0 && n < UINT32_MAX) {
                        b->operator_gid = (int64_t)n;
                } else if (!strchr(g, ':') && asprintf(&spec, "0:%s", g) >= 0 &&
                           boxproc_resolve_user("/etc", spec, &pu, err,
                                                sizeof(err)) == 0) {
                        /* /etc/group by the project's parser, not NSS
                         * (see broker_drop_privileges) */
                        b->operator_gid = pu.gid;
                        pbox_user_free(&pu);
                } else {
                        broker_report(b, 125,
                                      "--operator-group %s: unknown "
                                      "group",
                                      g);
                        return -ENOENT;
                }
        }
        if (b->cfg.audit_log)
                b->audit_log = strdup(b->cfg.audit_log);
        else if (asprintf(&b->audit_log, "%s/_log/audit", b->cfg.data_dir) < 0)
                b->audit_log = NULL;
        return b->audit_log ? 0 : -ENOMEM;
}

/* What init's stdin/stdout/stderr are (SPEC §2): --detach: /dev/null and
 * the log; -t: a pty initproc allocates; otherwise ours, except that a
 * host terminal is relayed through a pipe and never handed into the box. */
static int setup_stdio(struct broker *b, int *inner, size_t *ninner)
{
        int null = -EBADF;

        *ninner = 0;
        if (b->cfg.detach || b->cfg.tty) {
                null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null < 0)
                        return -errno;
                inner[(*ninner)++] = null;
                b->stdio[0] = null;
                b->stdio[1] = b->cfg.detach ? b->log_fd : null;
                b->stdio[2] = b->cfg.detach ? b->log_fd : null;
                return 0;
        }
        for (int i = 0; i < 3; i++) {
                int p[2];
                struct relay_chan *c;

                b->stdio[i] = i;
                if (!isatty(i))
                        continue;
                if (pipe2(p, O_CLOEXEC) < 0 || !(c = malloc(sizeof(*c))))
                        return -errno;
                if (i == 0) {
                        relay_chan_init(c, 0, p[1], true);
                        b->stdio[0] = inner[(*ninner)++] = p[0];
                } else {
                        relay_chan_init(c, p[0], i, false);
                        b->stdio[i] = inner[(*ninner)++] = p[1];
                }
                b->chans[b->nchans++] = c;
        }
        return 0;
}

int main(int argc, char **argv)
{
        static struct broker b = {
            .lock_fd = -1,
            .state_fd = -1,
            .log_fd = -1,
            .ready_fd = -1,
            .notify_fd = -1,
            .mounter_sock = -1,
            .enterd_sock = -1,
            .init_sock = -1,
            .tty_master = -1,
        };
        char err[PBOX_ERR_LEN] = "";
        char errmsg[IPC_ERRMSG_MAX] = "";
        int inner[3];
        size_t ninner = 0;
        sigset_t set;
        int r;

        if (argc < 2 || strcmp(argv[1], "start") != 0) {
                fprintf(stderr, "pbox-broker: run it through `pbox start`\n");
                return 125;
        }
        r = opts_parse_start(argc - 1, argv + 1, OPTS_EARLY, &b.early, err);
        if (r == 1) {
                opts_help(OPTS_START);
                return 0;
        }
        if (r < 0) {
                fprintf(stderr, "pbox: start: %s\n", err);
                return 125;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "pbox: start: must be run as root\n");
                return 125;
        }
        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGWINCH);
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, NULL);

        if (broker_open_log(&b) < 0)
                return 125;
        if (b.early.detach && (r = broker_daemonize(&b)) < 0) {
                broker_report(&b, 125, "detach: %s", strerror(-r));
                return 125;
        }
        /* Orphans of the helpers come back to the broker, which reaps them
         * (PID 1 may not). */
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        if (broker_spawn_mounter(&b) < 0 || broker_open_state(&b) < 0 ||
            broker_hand_state(&b) < 0 || broker_spawn_enterd(&b) < 0)
                return fail(&b, 125);
        if (broker_drop_privileges(&b) < 0)
                return fail(&b, 125);
        /* From here on unprivileged: parse everything (SPEC §1). */
        r = opts_parse_start(argc - 1, argv + 1, 0, &b.cfg, err);
        if (r != 0) {
                broker_report(&b, 125, "%s", r < 0 ? err : "unexpected --help");
                return fail(&b, 125);
        }
        if (resolve_enter_access(&b) < 0)
                return fail(&b, 125);
        r = broker_write_state(&b);
        if (r < 0) {
                broker_report(&b, 125, "write %s/%s/state: %s", b.cfg.data_dir,
                              b.cfg.name, strerror(-r));
                return fail(&b, 125);
        }
        r = setup_stdio(&b, inner, &ninner);
        if (r < 0) {
                broker_report(&b, 125, "stdio: %s", strerror(-r));
                return fail(&b, 125);
        }
        r = broker_send_plan(&b, errmsg, sizeof(errmsg));
        if (r >= 0)
                r = broker_create_box(&b, errmsg, sizeof(errmsg));
        for (size_t i = 0; i < ninner; i++)
                close(inner[i]);
        if (r >= 0) {
                r = broker_write_state(&b);
                if (r < 0)
                        snprintf(errmsg, sizeof(errmsg), "write state: %s",
                                 strerror(-r));
                else
                        r = broker_exec_init(&b, errmsg, sizeof(errmsg));
        }
        if (r < 0) {
                /* A transport error means the mounter itself is gone. */
                if (!errmsg[0] && (r == -EPIPE || r == -ECONNRESET))
                        snprintf(errmsg, sizeof(errmsg),
                                 "the mounter exited: box lost");
                broker_report(&b, 125, "%s", errmsg[0] ? errmsg : strerror(-r));
                return fail(&b, 125);
        }
        /* From here on only the event loop runs (SPEC §1). */
        if (broker_seccomp_install() < 0) {
                broker_report(&b, 125, "seccomp filter");
                return fail(&b, 125);
        }
        r = broker_run(&b);
        box_config_free(&b.cfg);
        box_config_free(&b.early);
        return r;
}
