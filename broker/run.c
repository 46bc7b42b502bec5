/* run.c — pbox-broker's event loop (unprivileged): init's readiness and
 * exit, stop requests (signals), terminal relays, until the mounter has
 * torn the box down. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "cleanup.h"
#include "ipc.h"
#include "proc.h"

void broker_report(struct broker *b, int status, const char *fmt, ...)
{
        char msg[IPC_ERRMSG_MAX] = "";
        va_list ap;

        /* One line per failed start (SPEC §3): the first reason. */
        if (status != 0) {
                if (b->failure_reported)
                        return;
                b->failure_reported = true;
        }
        if (fmt) {
                va_start(ap, fmt);
                vsnprintf(msg, sizeof(msg), fmt, ap);
                va_end(ap);
        }
        if (b->ready_fd >= 0) {
                char buf[sizeof(int) + IPC_ERRMSG_MAX];
                size_t len = strlen(msg) + 1;

                memcpy(buf, &status, sizeof(int));
                memcpy(buf + sizeof(int), msg, len);
                (void)proc_write_full(b->ready_fd, buf, sizeof(int) + len);
                /* On failure the pipe stays open until this process exits:
                 * the caller returns only once the box is cleaned up. */
                if (status == 0)
                        close(b->ready_fd);
                b->ready_fd = -1;
        } else if (msg[0]) {
                fprintf(stderr, "pbox: start: %s\n", msg);
        }
}

static void send_mounter(struct broker *b, void *msg);

/* Init runs and enterd listens: `--detach` returns, systemd hears READY. */
static void box_ready(struct broker *b)
{
        static const char ready[] = "READY=1";

        b->ready = true;
        b->state = BOX_RUNNING;
        if (broker_write_state(b) < 0) {
                struct ipc_mnt_kill k = {.hdr.type = IPC_MNT_KILL};

                broker_report(b, 125, "write the state file: no space");
                b->state = BOX_STOPPING;
                send_mounter(b, &k);
                return;
        }
        if (b->notify_fd >= 0) {
                (void)send(b->notify_fd, ready, sizeof(ready) - 1,
                           MSG_NOSIGNAL);
                close(b->notify_fd);
                b->notify_fd = -1;
        }
        broker_report(b, 0, NULL);
}

static void send_enterd(struct broker *b, void *msg)
{
        if (b->enterd_sock >= 0)
                (void)ipc_send(b->enterd_sock, msg);
}

/* INIT runs: enterd may now open the box to operators. */
static void init_running(struct broker *b)
{
        struct ipc_enterd_config c = {
            .hdr.type = IPC_ENTERD_CONFIG,
            .hdr.id = ++b->next_id,
            .name = b->cfg.name,
            .init_pid = (uint64_t)b->init_pid,
            .caps = b->cfg.caps,
            .no_new_privs = b->cfg.no_new_privs,
            .operator_gid = b->operator_gid,
            .audit_log = b->audit_log,
        };

        b->init_started = true;
        send_enterd(b, &c);
}

static void add_chan(struct broker *b, int in, int out, bool close_out)
{
        struct relay_chan *c = malloc(sizeof(*c));

        if (!c || b->nchans >= ELEMENTSOF(b->chans)) {
                free(c);
                return;
        }
        relay_chan_init(c, in, out, close_out);
        b->chans[b->nchans++] = c;
}

static void restore_tty(struct broker *b)
{
        if (b->tty_raw) {
                (void)relay_term_restore(0, &b->saved_tty);
                b->tty_raw = false;
        }
}

/* Messages from initproc: an error before INIT ran, a terminal, or that
 * INIT (--init) started. EOF without an error means exec succeeded. */
static void on_init_sock(struct broker *b)
{
        _cleanup_msg_ void *msg = NULL;
        struct ipc_hdr *h;
        int r;

        r = ipc_recv(b->init_sock, IPC_ROLE_INITPROC, &msg);
        if (r < 0) {
                close(b->init_sock);
                b->init_sock = -1;
                if (!b->init_started && !b->exited && r == -ECONNRESET)
                        init_running(b);
                return;
        }
        h = msg;
        if (h->type == IPC_REPLY) {
                struct ipc_reply *rep = msg;

                if (rep->err < 0) {
                        b->init_started = true; /* no readiness to wait for */
                        broker_report(b, proc_exec_status((int)rep->err), "%s",
                                      rep->msg);
                }
        } else if (h->type == IPC_INIT_TTY) {
                b->tty_master = h->fds[0];
                h->fds[0] = -EBADF;
                if (isatty(0) && relay_term_raw(0, &b->saved_tty) == 0)
                        b->tty_raw = true;
                if (isatty(0))
                        (void)relay_copy_winsize(0, b->tty_master);
                add_chan(b, 0, b->tty_master, false);
                add_chan(b, b->tty_master, 1, false);
        } else if (h->type == IPC_INIT_STARTED) {
                init_running(b);
        }
}

static void on_mounter_sock(struct broker *b)
{
        _cleanup_msg_ void *msg = NULL;
        int r;

        r = ipc_recv(b->mounter_sock, IPC_ROLE_MOUNTER, &msg);
        if (r < 0) {
                close(b->mounter_sock);
                b->mounter_sock = -1;
                if (!b->exited) {
                        broker_report(b, 125, "the mounter exited: box lost");
                        b->exit_status = 125;
                        b->exited = true;
                }
                return;
        }
        if (((struct ipc_hdr *)msg)->type == IPC_MNT_INIT_EXIT) {
                int st = (int)((struct ipc_mnt_init_exit *)msg)->status;

                b->exit_status =
                    WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
                b->exited = true;
                if (!b->init_started) {
                        b->init_started = true;
                        broker_report(b, b->exit_status,
                                      "init exited with status %d",
                                      b->exit_status);
                }
        } else if (((struct ipc_hdr *)msg)->type == IPC_REPLY) {
                struct ipc_reply *rep = msg;

                /* The answer to a device request of enterd goes back. */
                for (size_t i = 0; i < ELEMENTSOF(b->pending); i++) {
                        if (!b->pending[i].mounter_id ||
                            b->pending[i].mounter_id != rep->hdr.id)
                                continue;
                        rep->hdr.id = b->pending[i].enterd_id;
                        b->pending[i].mounter_id = 0;
                        send_enterd(b, rep);
                        return;
                }
                if (rep->err < 0)
                        fprintf(stderr, "pbox: start: mounter: %s\n", rep->msg);
        }
}

static void send_mounter(struct broker *b, void *msg)
{
        if (b->mounter_sock < 0)
                return;
        ((struct ipc_hdr *)msg)->id = ++b->next_id;
        (void)ipc_send(b->mounter_sock, msg);
}

static void begin_stop(struct broker *b, int tfd, unsigned timeout)
{
        struct ipc_mnt_signal s = {.hdr.type = IPC_MNT_SIGNAL,
                                   .sig = (uint64_t)b->cfg.stop_signal};
        struct itimerspec its = {.it_value.tv_sec = timeout};

        if (b->state == BOX_STOPPING) {
                struct ipc_mnt_kill k = {.hdr.type = IPC_MNT_KILL};

                send_mounter(b, &k);
                return;
        }
        b->state = BOX_STOPPING;
        (void)broker_write_state(b);
        send_mounter(b, &s);
        if (timeout == 0)
                its.it_value.tv_nsec = 1;
        (void)timerfd_settime(tfd, 0, &its, NULL);
}

/* A device request from an operator, validated by enterd's front and by
 * the schema, goes to the mounter under a new id. */
static void forward_device(struct broker *b, void *msg)
{
        struct ipc_hdr *h = msg;
        uint32_t eid = h->id;

        for (size_t i = 0; i < ELEMENTSOF(b->pending); i++) {
                if (b->pending[i].mounter_id)
                        continue;
                send_mounter(b, msg);
                b->pending[i].mounter_id = h->id;
                b->pending[i].enterd_id = eid;
                return;
        }
        (void)ipc_send_reply(b->enterd_sock, eid, -EBUSY,
                             "too many device requests at once");
}

static void on_enterd_sock(struct broker *b, int tfd)
{
        _cleanup_msg_ void *msg = NULL;
        struct ipc_hdr *h;
        int r;

        r = ipc_recv(b->enterd_sock, IPC_ROLE_ENTERD, &msg);
        if (r < 0) {
                /* enterd is gone: a box nobody can enter or stop is taken
                 * down (SPEC §5). */
                close(b->enterd_sock);
                b->enterd_sock = -1;
                if (!b->exited) {
                        struct ipc_mnt_kill k = {.hdr.type = IPC_MNT_KILL};

                        if (!b->ready)
                                broker_report(b, 125, "enterd exited: %s",
                                              strerror(-r));
                        else
                                fprintf(stderr, "pbox: start: enterd exited; "
                                                "stopping the box\n");
                        b->state = BOX_STOPPING;
                        send_mounter(b, &k);
                }
                return;
        }
        h = msg;
        if (h->type == IPC_REPLY) {
                struct ipc_reply *rep = msg;

                if (rep->err < 0) {
                        struct ipc_mnt_kill k = {.hdr.type = IPC_MNT_KILL};

                        broker_report(b, 125, "enter socket: %s", rep->msg);
                        send_mounter(b, &k);
                } else if (!b->ready && !b->exited) {
                        box_ready(b);
                }
        } else if (h->type == IPC_OP_STOP) {
                int64_t t = ((struct ipc_op_stop *)msg)->timeout;

                begin_stop(b, tfd, t < 0 ? b->cfg.stop_timeout : (unsigned)t);
        } else if (h->type == IPC_OP_STATUS) {
                char text[IPC_STATE_MAX];
                struct ipc_op_state st = {
                    .hdr = {.type = IPC_OP_STATE, .id = h->id}, .text = text};

                if (broker_format_state(b, text, sizeof(text)) < 0)
                        (void)ipc_send_reply(b->enterd_sock, h->id, -ENOBUFS,
                                             "state too large");
                else
                        (void)ipc_send(b->enterd_sock, &st);
        } else if (h->type == IPC_MNT_DEVICE ||
                   h->type == IPC_MNT_DEVICE_REMOVE) {
                forward_device(b, msg);
        } else {
                fprintf(stderr, "pbox: start: enterd sent message %u\n",
                        h->type);
        }
}

static void on_signal(struct broker *b, int sfd, int tfd)
{
        struct signalfd_siginfo si;

        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                return;
        switch (si.ssi_signo) {
        case SIGTERM:
        case SIGINT:
        case SIGHUP: {
                unsigned t = b->cfg.stop_timeout;

                /* `pbox stop --timeout N` queues SIGTERM with N+1. */
                if (si.ssi_code == SI_QUEUE && si.ssi_int > 0)
                        t = (unsigned)si.ssi_int - 1;
                begin_stop(b, tfd, t);
                break;
        }
        case SIGWINCH:
                if (b->tty_master >= 0)
                        (void)relay_copy_winsize(0, b->tty_master);
                break;
        case SIGCHLD:
                /* As subreaper the broker adopts what its helpers leave
                 * (a janitor, a spawner): reap them all. */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                break;
        default:
                break;
        }
}

int broker_run(struct broker *b)
{
        _cleanup_close_ int sfd = -EBADF, tfd = -EBADF;
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGWINCH);
        sigaddset(&set, SIGCHLD);
        sfd = signalfd(-1, &set, SFD_CLOEXEC);
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
        if (sfd < 0 || tfd < 0)
                return 125;
        while (b->mounter_sock >= 0) {
                struct pollfd p[5 + ELEMENTSOF(b->chans)];
                size_t n = 5;

                p[0] = (struct pollfd){.fd = b->mounter_sock, .events = POLLIN};
                p[1] = (struct pollfd){.fd = b->init_sock, .events = POLLIN};
                p[2] = (struct pollfd){.fd = sfd, .events = POLLIN};
                p[3] = (struct pollfd){.fd = tfd, .events = POLLIN};
                p[4] = (struct pollfd){.fd = b->enterd_sock, .events = POLLIN};
                for (size_t i = 0; i < b->nchans; i++)
                        relay_chan_pollfd(b->chans[i], &p[n++]);
                if (poll(p, n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (size_t i = 0; i < b->nchans; i++)
                        (void)relay_chan_step(b->chans[i], &p[5 + i]);
                if (p[2].revents & POLLIN)
                        on_signal(b, sfd, tfd);
                if (p[3].revents & POLLIN) {
                        uint64_t x;
                        struct ipc_mnt_kill k = {.hdr.type = IPC_MNT_KILL};

                        (void)!read(tfd, &x, sizeof(x));
                        send_mounter(b, &k);
                }
                if (b->init_sock >= 0 && p[1].revents)
                        on_init_sock(b);
                if (b->enterd_sock >= 0 && p[4].revents)
                        on_enterd_sock(b, tfd);
                if (p[0].revents)
                        on_mounter_sock(b);
        }
        /* Init is gone: pass on what it wrote last. */
        for (size_t i = 0; i < b->nchans; i++)
                if (b->chans[i]->in != 0)
                        relay_chan_drain(b->chans[i]);
        restore_tty(b);
        /* The box is gone: enterd closes its socket and its processes. */
        if (b->enterd_sock >= 0) {
                close(b->enterd_sock);
                b->enterd_sock = -1;
        }
        if (b->mounter_pid > 0)
                (void)waitpid(b->mounter_pid, NULL, 0);
        if (b->enterd_pid > 0)
                (void)waitpid(b->enterd_pid, NULL, 0);
        if (!b->init_started)
                broker_report(b, b->exit_status ? b->exit_status : 125,
                              "the box ended before it was ready");
        return b->exit_status;
}
