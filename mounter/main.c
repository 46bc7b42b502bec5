/* pbox-mounter — the box's privileged builder. Started by the broker (as
 * root) with its socket on fd 3; takes only typed, validated plans from
 * it, validates them again, builds the box, reports init's exit and tears
 * everything down when init exits or the broker goes away. This file is
 * its wiring; the handlers of the broker's messages are in handlers.c. */
#include <cap-ng.h>
#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "san.h"
#include "cleanup.h"
#include "mounter.h"
#include "pbox.h"
#include "proc.h"

PBOX_SAN_DEFAULTS

#define BROKER_FD 3

/* What the mounter and its init child need, and nothing else (SPEC §1,
 * docs/security.md). The bounding set stays whole: the box's init is
 * exec'd from here as root, and the box's --cap set can only be a subset
 * of it. */
static const int mounter_caps[] = {
    CAP_SYS_ADMIN,       /* namespaces, mounts, pivot_root, hostname */
    CAP_SYS_CHROOT,      /* pivot_root into the box */
    CAP_MKNOD,           /* /dev nodes and --device */
    CAP_CHOWN,           /* --file and --device owners */
    CAP_FOWNER,          /* modes on files it does not own */
    CAP_DAC_OVERRIDE,    /* write into the rootfs, read --file sources */
    CAP_DAC_READ_SEARCH, /* glob volume sources */
    CAP_KILL,            /* signal init of any uid */
    CAP_NET_ADMIN,       /* loopback up in --net none */
    CAP_SETPCAP,         /* keeps the option to drop the bounding set */
};

enum { H_BEFORE = 1, H_AFTER = 2, H_ONCE = 4 };

struct handler {
        int (*fn)(struct mounter *m, void *msg, char *errmsg, size_t errlen);
        unsigned flags;
};

static const struct handler handlers[IPC_TYPE_MAX] = {
    [IPC_MNT_STATE_HELD] = {mounter_handle_state_held, H_BEFORE | H_ONCE},
    [IPC_MNT_CONFIG] = {mounter_handle_config, H_BEFORE | H_ONCE},
    [IPC_MNT_VOLUME] = {mounter_handle_volume, H_BEFORE},
    [IPC_MNT_DEVICE] = {mounter_handle_device, H_BEFORE | H_AFTER},
    [IPC_MNT_FILE_COPY] = {mounter_handle_file_copy, H_BEFORE},
    [IPC_MNT_FILE_WRITE] = {mounter_handle_file_write, H_BEFORE},
    [IPC_MNT_CREATE] = {mounter_handle_create, H_BEFORE | H_ONCE},
    [IPC_MNT_SIGNAL] = {mounter_handle_signal, H_AFTER},
    [IPC_MNT_KILL] = {mounter_handle_kill, H_BEFORE | H_AFTER},
    [IPC_MNT_DEVICE_REMOVE] = {mounter_handle_device_remove, H_AFTER},
};

/* One message from the broker. Returns < 0 to end the conversation. */
static int dispatch(struct mounter *m, bool *seen)
{
        char errmsg[IPC_ERRMSG_MAX] = "";
        const struct handler *h;
        struct ipc_hdr *hdr;
        void *msg = NULL;
        int r;

        r = ipc_recv(m->sock, IPC_ROLE_BROKER, &msg);
        if (r < 0) {
                if (r != -ECONNRESET)
                        (void)ipc_send_reply(m->sock, 0, r,
                                             "mounter: bad message: %s",
                                             strerror(-r));
                return r;
        }
        hdr = msg;
        h = &handlers[hdr->type];
        if (!h->fn || ((h->flags & H_ONCE) && seen[hdr->type]) ||
            (m->created && !(h->flags & H_AFTER)) ||
            (!m->created && !(h->flags & H_BEFORE))) {
                (void)ipc_send_reply(m->sock, hdr->id, -EPROTO,
                                     "mounter: message %u not permitted now",
                                     hdr->type);
                ipc_msg_free(msg);
                return -EPROTO;
        }
        seen[hdr->type] = true;
        r = h->fn(m, msg, errmsg, sizeof(errmsg));
        if (r < 0) {
                bool fatal = hdr->type == IPC_MNT_CREATE;

                (void)ipc_send_reply(m->sock, hdr->id, r, "%s",
                                     errmsg[0] ? errmsg : strerror(-r));
                ipc_msg_free(msg);
                /* A failed create ends the box; other refusals are answered
                 * and the broker decides. */
                return fatal ? r : 0;
        }
        if (r != 2)
                (void)ipc_send_reply(m->sock, hdr->id, 0, NULL);
        if (r == 0 || r == 2)
                ipc_msg_free(msg);
        return 0;
}

int main(int argc, char **argv)
{
        static struct mounter m = {.sock = BROKER_FD,
                                   .pidfd = -EBADF,
                                   .rootfd = -EBADF,
                                   .janitor_fd = -EBADF,
                                   .broker_pidfd = -EBADF};
        bool seen[IPC_TYPE_MAX] = {false};
        char err[PBOX_ERR_LEN];
        int keep[] = {BROKER_FD};
        pid_t broker = getppid();
        int r;

        /* argv comes from the broker while it is still root: the box's name
         * and state directory, which teardown removes whatever happens. */
        if (argc != 3 || argv[2][0] != '/' ||
            pbox_name_check(argv[1], argv[2], err) < 0) {
                fprintf(stderr, "pbox-mounter: started without a valid box "
                                "name and data dir\n");
                return 125;
        }
        m.name = argv[1];
        m.data_dir = argv[2];

        if (proc_fd_cloexec(BROKER_FD, true) < 0) {
                box_teardown(&m);
                return 125;
        }
        (void)proc_close_fds_except(keep, ELEMENTSOF(keep));
        signal(SIGPIPE, SIG_IGN);
        r = proc_caps_drop_bounded(mounter_caps, ELEMENTSOF(mounter_caps));
        if (r < 0) {
                fprintf(stderr, "pbox-mounter: drop capabilities: %s\n",
                        strerror(-r));
                box_teardown(&m); /* the state directory, if nothing else */
                return 125;
        }
        r = janitor_spawn(&m);
        if (r < 0) {
                fprintf(stderr, "pbox-mounter: fork the janitor: %s\n",
                        strerror(-r));
                box_teardown(&m);
                return 125;
        }
        /* Only now tie our life to the broker's: from here on a dying
         * mounter leaves the janitor to clean up. A broker that died
         * before this point shows as a new parent. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != broker) {
                box_teardown(&m);
                return 125;
        }
        /* To tell, before the handover, a broker that hung up from one that
         * was killed (box.c box_teardown). */
        m.broker_pidfd = (int)syscall(SYS_pidfd_open, broker, 0);
        /* Tell the broker, still root and waiting: the box's state is in
         * our hands now. */
        (void)ipc_send_reply(m.sock, 0, 0, NULL);
        for (;;) {
                /* The janitor's pipe reports POLLERR once the janitor is
                 * gone: then the box goes too (SPEC §5). */
                struct pollfd p[3] = {{.fd = m.sock, .events = POLLIN},
                                      {.fd = m.janitor_fd, .events = 0},
                                      {.fd = m.pidfd, .events = POLLIN}};
                int status;

                if (poll(p, m.pidfd >= 0 ? 3 : 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                /* (The broker reports the box lost: one line, SPEC §3.) */
                if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
                        break;
                if (m.pidfd >= 0 && (p[2].revents & POLLIN)) {
                        r = box_reap(&m, &status);
                        if (r > 0) {
                                struct ipc_mnt_init_exit ex = {
                                    .hdr.type = IPC_MNT_INIT_EXIT,
                                    .status = (uint64_t)status};

                                box_teardown(&m);
                                (void)ipc_send(m.sock, &ex);
                                break;
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        if (dispatch(&m, seen) < 0)
                                break;
                }
        }
        box_teardown(&m);
        mounter_free_plan(&m);
        return 0;
}
