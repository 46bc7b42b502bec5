/* frame.c — the transport of pbox messages: one msgpack frame per
 * SOCK_SEQPACKET datagram, fds alongside with SCM_RIGHTS. Linked into every
 * pbox process. The receive side never trusts the datagram: truncated
 * frames or control data, unexpected control messages and fds on a type
 * that carries none are refused, and every fd that arrived is closed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "ipc.h"

int ipc_socketpair(int sv[2])
{
        int p[2];

        if (!sv)
                return -EINVAL;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
                return -errno;
        sv[0] = p[0];
        sv[1] = p[1];
        return 0;
}

int ipc_send(int sock, const void *msg)
{
        const struct ipc_hdr *hdr = msg;
        const struct ipc_msgdef *def;
        _cleanup_free_ uint8_t *buf = NULL;
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
        } ctl;
        struct iovec iov;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n;

        if (!msg)
                return -EINVAL;
        def = ipc_schema_lookup(hdr->type);
        if (!def)
                return -EINVAL;
        /* The receiver refuses a wrong count; fail here, where it's a bug. */
        if (hdr->nfds != def->nfds)
                return -EINVAL;
        for (unsigned i = 0; i < hdr->nfds; i++)
                if (hdr->fds[i] < 0)
                        return -EBADF;

        buf = malloc(IPC_FRAME_MAX);
        if (!buf)
                return -ENOMEM;
        n = ipc_encode(msg, buf, IPC_FRAME_MAX);
        if (n < 0)
                return (int)n;
        iov = (struct iovec){buf, (size_t)n};

        if (hdr->nfds > 0) {
                struct cmsghdr *c;

                memset(&ctl, 0, sizeof(ctl));
                mh.msg_control = ctl.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * hdr->nfds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * hdr->nfds);
                memcpy(CMSG_DATA(c), hdr->fds, sizeof(int) * hdr->nfds);
        }

        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        /* A seqpacket datagram goes whole or not at all. */
        if ((size_t)n != iov.iov_len)
                return -EIO;
        return 0;
}

static void fds_close(int *fds, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                close(fds[i]);
}

/* Takes every fd out of the control data of mh into fds (IPC_MAX_FDS
 * room); returns their count, or -errno with all of them closed. */
static int cmsg_collect_fds(struct msghdr *mh, int *fds)
{
        unsigned n = 0;
        bool bad = false;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < k; i++) {
                                int fd;

                                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
                                       sizeof(int));
                                if (n < IPC_MAX_FDS) {
                                        fds[n++] = fd;
                                } else {
                                        close(fd);
                                        bad = true;
                                }
                        }
                } else {
                        /* SCM_CREDENTIALS and the like: nothing we asked
                         * for, and nothing to close. */
                        bad = true;
                }
        }
        if (bad) {
                fds_close(fds, n);
                return -EBADMSG;
        }
        return (int)n;
}

int ipc_recv(int sock, unsigned from, void **ret)
{
        _cleanup_free_ uint8_t *buf = NULL;
        /* Room for more fds than allowed, so an excess is seen and closed
         * here rather than silently dropped by the kernel. */
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS * 4) +
                         CMSG_SPACE(sizeof(struct ucred))];
        } ctl;
        int fds[IPC_MAX_FDS];
        struct iovec iov;
        struct msghdr mh;
        ssize_t n;
        int nfds, r;

        if (!ret)
                return -EINVAL;
        buf = malloc(IPC_FRAME_MAX + 1);
        if (!buf)
                return -ENOMEM;
        iov = (struct iovec){buf, IPC_FRAME_MAX + 1};
        do {
                mh = (struct msghdr){.msg_iov = &iov,
                                     .msg_iovlen = 1,
                                     .msg_control = ctl.buf,
                                     .msg_controllen = sizeof(ctl.buf)};
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;

        nfds = cmsg_collect_fds(&mh, fds);
        if (nfds < 0)
                return nfds;
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) ||
            (size_t)n > IPC_FRAME_MAX) {
                fds_close(fds, (unsigned)nfds);
                return -EMSGSIZE;
        }
        if (n == 0) {
                fds_close(fds, (unsigned)nfds);
                return -ECONNRESET;
        }
        r = ipc_decode(buf, (size_t)n, from, fds, (unsigned)nfds, ret);
        return r;
}

int ipc_send_reply(int sock, uint32_t id, int err, const char *fmt, ...)
{
        struct ipc_reply rep = {.hdr = {.type = IPC_REPLY, .id = id}};
        char text[IPC_ERRMSG_MAX];
        va_list ap;

        for (unsigned i = 0; i < IPC_MAX_FDS; i++)
                rep.hdr.fds[i] = -EBADF;
        /* err is 0 or -errno; accept a positive errno, never send junk. */
        if (err > 0)
                err = -err;
        if (err < -4095)
                err = -EIO;
        rep.err = err;
        text[0] = 0;
        if (fmt) {
                va_start(ap, fmt);
                /* vsnprintf truncates; the schema's cap is the same size. */
                vsnprintf(text, sizeof(text), fmt, ap);
                va_end(ap);
        }
        rep.msg = text;
        return ipc_send(sock, &rep);
}

int ipc_call(int sock, unsigned from, const void *req, char *errmsg)
{
        _cleanup_msg_ struct ipc_reply *rep = NULL;
        const struct ipc_hdr *hdr = req;
        int r;

        if (errmsg)
                errmsg[0] = 0;
        if (!req)
                return -EINVAL;
        r = ipc_send(sock, req);
        if (r < 0)
                return r;
        r = ipc_recv(sock, from, (void **)&rep);
        if (r < 0)
                return r;
        if (rep->hdr.type != IPC_REPLY || rep->hdr.id != hdr->id)
                return -EPROTO;
        if (errmsg)
                snprintf(errmsg, IPC_ERRMSG_MAX, "%s", rep->msg);
        return (int)rep->err;
}
