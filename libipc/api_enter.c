/* api_enter.c — pbox_enter() and pbox_combined_output(): the client side
 * of the enter protocol (docs/enter.md), run in the operator's process
 * (the pbox command, or any program linked with libpbox).
 *
 * One connection per process run: ENTER_REQ with three fds, then a poll
 * loop over the socket, a signalfd (signals to forward, SIGWINCH) and
 * the relays (a host terminal is never passed into the box: it is
 * replaced by a pipe, or with tty by the pty master the box sends back).
 * Every exit path goes through enter_cleanup(), which restores the
 * terminal mode and the signal mask. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "api_client.h"
#include "cleanup.h"
#include "ipc.h"
#include "proc.h"
#include "relay.h"

/* Forwarded to the process as ENTER_SIGNAL (SIGWINCH too, without tty). */
static const int forwarded[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,
                                SIGUSR1, SIGUSR2, SIGWINCH};

#define MAX_CHANS 4

struct enter_run {
        const struct pbox_enter_config *c;
        char *err;
        int sock;
        int sfd; /* signalfd, -1 until the mask is changed */
        sigset_t old_mask;
        int pass[3]; /* the fds sent with ENTER_REQ */
        bool own[3]; /* pass[i] is ours to close once sent */
        int in, out; /* the caller's stdin / stdout */
        int term;    /* the caller's terminal (tty mode), or -1 */
        int master;  /* pty master (tty mode), or -1 */
        bool raw;    /* term is in raw mode, saved holds its mode */
        struct termios saved;
        struct relay_chan *chans[MAX_CHANS];
        bool chan_out[MAX_CHANS]; /* output towards the caller */
        size_t nchans;
        int capture; /* pbox_combined_output: read end, or -1 */
        char *cap;
        size_t cap_len, cap_size;
        bool exited;
        int status;
};

static int fd_or(int fd, int dflt)
{
        return fd < 0 ? dflt : fd;
}

static int add_chan(struct enter_run *e, int in, int out, bool close_out,
                    bool to_caller)
{
        struct relay_chan *ch;

        if (e->nchans >= MAX_CHANS)
                return -ENOBUFS;
        ch = malloc(sizeof(*ch));
        if (!ch)
                return -ENOMEM;
        relay_chan_init(ch, in, out, close_out);
        e->chan_out[e->nchans] = to_caller;
        e->chans[e->nchans++] = ch;
        return 0;
}

/* Block the signals we forward (and SIGPIPE: a relay writing into a
 * closed pipe gets EPIPE instead of killing the caller) and read them
 * from a signalfd. */
static int signals_take(struct enter_run *e)
{
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
                sigaddset(&set, forwarded[i]);
        sigaddset(&set, SIGPIPE);
        if (sigprocmask(SIG_BLOCK, &set, &e->old_mask) < 0)
                return -errno;
        e->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (e->sfd < 0) {
                int r = -errno;

                sigprocmask(SIG_SETMASK, &e->old_mask, NULL);
                return r;
        }
        return 0;
}

/* What goes into the box as stdin/stdout/stderr. */
static int stdio_setup(struct enter_run *e, bool interactive)
{
        const struct pbox_enter_config *c = e->c;
        int given[3] = {fd_or(c->stdin_fd, 0), fd_or(c->stdout_fd, 1),
                        fd_or(c->stderr_fd, 2)};
        int null = -EBADF;
        int r;

        e->in = given[0];
        e->out = given[1];
        if (c->tty || !interactive) {
                null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null < 0)
                        return -errno;
        }
        for (int i = 0; i < 3; i++) {
                int p[2];

                e->pass[i] = given[i];
                if (c->tty || (i == 0 && !interactive)) {
                        e->pass[i] = null;
                        e->own[i] = i == 0; /* one fd, closed once */
                        continue;
                }
                if (!isatty(given[i]))
                        continue;
                /* A host terminal never enters the box: relay it. */
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -errno;
                if (i == 0)
                        r = add_chan(e, given[0], p[1], true, false);
                else
                        r = add_chan(e, p[0], given[i], false, true);
                if (r < 0) {
                        close(p[0]);
                        close(p[1]);
                        return r;
                }
                e->pass[i] = i == 0 ? p[0] : p[1];
                e->own[i] = true;
        }
        return 0;
}

static int send_request(struct enter_run *e, bool interactive)
{
        const struct pbox_enter_config *c = e->c;
        _cleanup_strv_free_ char **env = NULL;
        struct ipc_enter_req req = {
            .hdr = {.type = IPC_ENTER_REQ, .id = 1, .nfds = 3},
            .args = (char **)c->args,
            .user = (char *)(c->user ? c->user : ""),
            .workdir = (char *)(c->workdir ? c->workdir : ""),
            .label = (char *)(c->label ? c->label : ""),
            .tty = c->tty,
            .interactive = interactive,
        };
        struct winsize ws;
        size_t n = c->env ? c->env->n : 0;

        env = calloc(n + 1, sizeof(char *));
        if (!env)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (asprintf(&env[i], "%s=%s", c->env->v[i].name,
                             c->env->v[i].val) < 0) {
                        env[i] = NULL;
                        return -ENOMEM;
                }
        req.env = env;
        for (int i = 0; i < 3; i++)
                req.hdr.fds[i] = e->pass[i];
        req.hdr.fds[3] = -EBADF;
        if (e->term >= 0 && ioctl(e->term, TIOCGWINSZ, &ws) == 0) {
                req.rows = ws.ws_row;
                req.cols = ws.ws_col;
        }
        return ipc_send(e->sock, &req);
}

/* The pty master arrived: raw mode, size, and the two relays. */
static int on_tty(struct enter_run *e, struct ipc_hdr *h)
{
        int r;

        if (!e->c->tty || e->master >= 0)
                return -EPROTO;
        e->master = h->fds[0];
        h->fds[0] = -EBADF;
        if (e->term >= 0) {
                if (e->term == e->in && relay_term_raw(e->term, &e->saved) == 0)
                        e->raw = true;
                (void)relay_copy_winsize(e->term, e->master);
        }
        r = add_chan(e, e->in, e->master, false, false);
        if (r < 0)
                return r;
        return add_chan(e, e->master, e->out, false, true);
}

static int on_message(struct enter_run *e)
{
        _cleanup_msg_ void *msg = NULL;
        struct ipc_hdr *h;
        int r;

        r = ipc_recv(e->sock, IPC_ROLE_ENTERD, &msg);
        if (r == -ECONNRESET) {
                snprintf(e->err, PBOX_ERR_LEN,
                         "the box closed the connection before the process "
                         "exited");
                return r;
        }
        if (r < 0) {
                snprintf(e->err, PBOX_ERR_LEN, "bad message from the box: %s",
                         strerror(-r));
                return r;
        }
        h = msg;
        /* Of what the front may send, the client accepts only these. */
        if (h->type == IPC_ENTER_STARTED)
                return 0;
        if (h->type == IPC_ENTER_TTY) {
                r = on_tty(e, h);
                if (r == -EPROTO)
                        snprintf(e->err, PBOX_ERR_LEN,
                                 "the box sent an unasked-for terminal");
                else if (r < 0)
                        snprintf(e->err, PBOX_ERR_LEN, "terminal: %s",
                                 strerror(-r));
                return r;
        }
        if (h->type == IPC_ENTER_EXIT) {
                e->status = (int)((struct ipc_enter_exit *)msg)->status;
                e->exited = true;
                return 0;
        }
        if (h->type == IPC_REPLY && ((struct ipc_reply *)msg)->err < 0) {
                struct ipc_reply *rep = msg;

                /* It never ran: 127, 126 or 125, with the reason. */
                e->status = proc_exec_status((int)rep->err);
                e->exited = true;
                snprintf(e->err, PBOX_ERR_LEN, "%.*s", PBOX_ERR_LEN - 1,
                         rep->msg[0] ? rep->msg : strerror((int)-rep->err));
                return 0;
        }
        snprintf(e->err, PBOX_ERR_LEN, "unexpected message %u from the box",
                 (unsigned)h->type);
        return -EPROTO;
}

static void on_signals(struct enter_run *e)
{
        struct signalfd_siginfo si;

        while (read(e->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                struct ipc_enter_signal m = {
                    .hdr = {.type = IPC_ENTER_SIGNAL, .id = 2},
                    .sig = si.ssi_signo,
                };

                if (si.ssi_signo == SIGPIPE)
                        continue;
                if (si.ssi_signo == SIGWINCH && e->c->tty) {
                        if (e->term >= 0 && e->master >= 0)
                                (void)relay_copy_winsize(e->term, e->master);
                        continue;
                }
                for (int i = 0; i < IPC_MAX_FDS; i++)
                        m.hdr.fds[i] = -EBADF;
                /* A failed send shows up as EOF on the socket. */
                (void)ipc_send(e->sock, &m);
        }
}

/* Append what the capture pipe holds now; -1 at EOF. */
static int capture_read(struct enter_run *e)
{
        for (;;) {
                ssize_t n;

                if (e->cap_size - e->cap_len < 65536 + 1) {
                        size_t sz = e->cap_size ? e->cap_size * 2 : 131072;
                        char *p = realloc(e->cap, sz);

                        if (!p)
                                return -ENOMEM;
                        e->cap = p;
                        e->cap_size = sz;
                }
                n = read(e->capture, e->cap + e->cap_len,
                         e->cap_size - e->cap_len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0) {
                        close(e->capture);
                        e->capture = -1;
                        return n < 0 ? -errno : 0;
                }
                e->cap_len += (size_t)n;
        }
}

/* After the exit: what is readable now, without waiting for writers the
 * process left behind. A pty hands over its last bytes asynchronously:
 * give it a moment, until its slave side is closed or quiet. */
static void drain_outputs(struct enter_run *e)
{
        for (size_t i = 0; i < e->nchans; i++) {
                struct relay_chan *ch = e->chans[i];

                if (!e->chan_out[i])
                        continue;
                if (ch->in != e->master) {
                        relay_chan_drain(ch);
                        continue;
                }
                for (int rounds = 0; !ch->done && rounds < 4096; rounds++) {
                        struct pollfd p;

                        if (!relay_chan_pollfd(ch, &p) || poll(&p, 1, 50) <= 0)
                                break;
                        (void)relay_chan_step(ch, &p);
                }
        }
        if (e->capture >= 0)
                (void)capture_read(e);
}

static int enter_loop(struct enter_run *e)
{
        while (!e->exited) {
                struct pollfd p[3 + MAX_CHANS];
                size_t n = 0, cap_at = 0;
                int r;

                p[n++] = (struct pollfd){.fd = e->sock, .events = POLLIN};
                p[n++] = (struct pollfd){.fd = e->sfd, .events = POLLIN};
                for (size_t i = 0; i < e->nchans; i++)
                        relay_chan_pollfd(e->chans[i], &p[n++]);
                if (e->capture >= 0) {
                        cap_at = n;
                        p[n++] =
                            (struct pollfd){.fd = e->capture, .events = POLLIN};
                }
                r = poll(p, n, -1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        snprintf(e->err, PBOX_ERR_LEN, "poll: %s",
                                 strerror(-r));
                        return r;
                }
                if (p[1].revents)
                        on_signals(e);
                for (size_t i = 0; i < e->nchans; i++)
                        (void)relay_chan_step(e->chans[i], &p[2 + i]);
                if (cap_at && p[cap_at].revents) {
                        r = capture_read(e);
                        if (r < 0) {
                                snprintf(e->err, PBOX_ERR_LEN, "output: %s",
                                         strerror(-r));
                                return r;
                        }
                }
                if (p[0].revents) {
                        r = on_message(e);
                        if (r < 0)
                                return r;
                }
        }
        drain_outputs(e);
        return 0;
}

static void enter_cleanup(struct enter_run *e)
{
        if (e->raw)
                (void)relay_term_restore(e->term, &e->saved);
        for (size_t i = 0; i < e->nchans; i++) {
                struct relay_chan *ch = e->chans[i];

                /* Our pipe ends; the caller's fds and the master stay. */
                if (ch->close_out && ch->out >= 0)
                        close(ch->out);
                if (e->chan_out[i] && ch->in != e->master)
                        close(ch->in);
                free(ch);
        }
        for (int i = 0; i < 3; i++)
                if (e->own[i] && e->pass[i] >= 0)
                        close(e->pass[i]);
        if (e->master >= 0)
                close(e->master);
        if (e->sock >= 0)
                close(e->sock);
        if (e->sfd >= 0) {
                struct signalfd_siginfo si;

                /* Signals meant for a process that has ended: dropped, not
                 * turned on the caller once unblocked. */
                while (read(e->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                        ;
                close(e->sfd);
                sigprocmask(SIG_SETMASK, &e->old_mask, NULL);
        }
}

static int enter_run(struct enter_run *e)
{
        const struct pbox_enter_config *c = e->c;
        bool interactive = c->interactive || c->tty;
        int r;

        if (!c->args || !c->args[0]) {
                snprintf(e->err, PBOX_ERR_LEN, "no command to run");
                return -EINVAL;
        }
        r = api_connect(c->data_dir, c->name, &e->sock, e->err);
        if (r < 0)
                return r;
        r = signals_take(e);
        if (r < 0) {
                snprintf(e->err, PBOX_ERR_LEN, "signals: %s", strerror(-r));
                return r;
        }
        r = stdio_setup(e, interactive);
        if (r < 0) {
                snprintf(e->err, PBOX_ERR_LEN, "stdio: %s", strerror(-r));
                return r;
        }
        if (c->tty) {
                e->term = isatty(e->in) ? e->in : isatty(e->out) ? e->out : -1;
        }
        r = send_request(e, interactive);
        if (r < 0) {
                snprintf(e->err, PBOX_ERR_LEN, "cannot send the request: %s",
                         strerror(-r));
                return r;
        }
        /* The box has its own copies now. */
        for (int i = 0; i < 3; i++)
                if (e->own[i] && e->pass[i] >= 0) {
                        close(e->pass[i]);
                        e->pass[i] = -1;
                }
        return enter_loop(e);
}

static void enter_init(struct enter_run *e, const struct pbox_enter_config *c,
                       char *err)
{
        *e = (struct enter_run){
            .c = c,
            .err = err,
            .sock = -1,
            .sfd = -1,
            .pass = {-1, -1, -1},
            .term = -1,
            .master = -1,
            .capture = -1,
        };
}

int pbox_enter(const struct pbox_enter_config *c, int *ret_status,
               char err[PBOX_ERR_LEN])
{
        struct enter_run e;
        int r;

        err[0] = '\0';
        if (!c)
                return -EINVAL;
        enter_init(&e, c, err);
        r = enter_run(&e);
        enter_cleanup(&e);
        if (r < 0)
                return r;
        if (ret_status)
                *ret_status = e.status;
        return 0;
}

int pbox_combined_output(const struct pbox_enter_config *c, char **ret_out,
                         size_t *ret_len, int *ret_status,
                         char err[PBOX_ERR_LEN])
{
        struct pbox_enter_config cc;
        struct enter_run e;
        int p[2], r;

        err[0] = '\0';
        if (!c)
                return -EINVAL;
        if (pipe2(p, O_CLOEXEC) < 0) {
                r = -errno;
                snprintf(err, PBOX_ERR_LEN, "pipe: %s", strerror(-r));
                return r;
        }
        /* Only our end is non-blocking: the box writes as to any pipe. */
        (void)proc_fd_nonblock(p[0], true);
        cc = *c;
        cc.tty = false;
        cc.interactive = false;
        cc.stdin_fd = -1;
        cc.stdout_fd = cc.stderr_fd = p[1];
        enter_init(&e, &cc, err);
        e.capture = p[0];
        r = enter_run(&e);
        close(p[1]);
        if (e.capture >= 0)
                close(e.capture);
        e.capture = -1;
        enter_cleanup(&e);
        if (r == 0 && !e.cap) {
                e.cap = calloc(1, 1);
                if (!e.cap)
                        r = -ENOMEM;
        }
        if (r < 0) {
                free(e.cap);
                return r;
        }
        e.cap[e.cap_len] = '\0';
        *ret_out = e.cap;
        if (ret_len)
                *ret_len = e.cap_len;
        if (ret_status)
                *ret_status = e.status;
        return 0;
}
