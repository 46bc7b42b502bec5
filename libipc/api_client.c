/* api_client.c — connecting to a box's enter socket and simple
 * request/reply exchanges on it; runs in the operator's process (the
 * pbox command, or a program linked with libpbox). See api_client.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api_client.h"
#include "cleanup.h"
#include "ipc.h"
#include "opts.h"

int api_connect(const char *data_dir, const char *name, int *ret_fd,
                char err[PBOX_ERR_LEN])
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -EBADF;
        int r, n;

        if (!name)
                name = PBOX_DEFAULT_NAME;
        if (!data_dir)
                data_dir = PBOX_DEFAULT_DATA_DIR;
        r = pbox_name_check(name, data_dir, err);
        if (r < 0)
                return r;
        n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/enter.sock",
                     data_dir, name);
        if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
                snprintf(err, PBOX_ERR_LEN, "box %s: socket path too long",
                         name);
                return -EINVAL;
        }
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
                do
                        r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
                while (r < 0 && errno == EINTR);
        }
        if (fd < 0 || r < 0) {
                snprintf(err, PBOX_ERR_LEN,
                         "cannot connect to box %s at %s: %s", name,
                         sa.sun_path, strerror(errno));
                return -ENOTCONN;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int api_request(int sock, const void *req, char err[PBOX_ERR_LEN])
{
        char msg[IPC_ERRMSG_MAX];
        int r;

        r = ipc_call(sock, IPC_ROLE_ENTERD, req, msg);
        if (r < 0) {
                /* A refusal carries the box's reason; a transport failure
                 * has none. */
                if (msg[0])
                        snprintf(err, PBOX_ERR_LEN, "%.*s", PBOX_ERR_LEN - 1,
                                 msg);
                else if (r == -ECONNRESET)
                        snprintf(err, PBOX_ERR_LEN,
                                 "the box closed the connection");
                else
                        snprintf(err, PBOX_ERR_LEN, "%s", strerror(-r));
        }
        return r;
}

/* A REPLY refusing the request: its err, with the box's reason in err. */
static int refusal(const struct ipc_reply *rep, char err[PBOX_ERR_LEN])
{
        snprintf(err, PBOX_ERR_LEN, "%.*s", PBOX_ERR_LEN - 1,
                 rep->msg[0] ? rep->msg : strerror((int)-rep->err));
        return (int)rep->err;
}

int api_ask(int sock, const void *req, unsigned want, void **ret,
            char err[PBOX_ERR_LEN])
{
        _cleanup_msg_ void *msg = NULL;
        struct ipc_hdr *h;
        int r;

        r = ipc_send(sock, req);
        if (r >= 0)
                r = ipc_recv(sock, IPC_ROLE_ENTERD, &msg);
        if (r < 0) {
                snprintf(err, PBOX_ERR_LEN, "%s",
                         r == -ECONNRESET ? "the box closed the connection"
                                          : strerror(-r));
                return r;
        }
        h = msg;
        if (h->type == IPC_REPLY && ((struct ipc_reply *)msg)->err < 0)
                return refusal(msg, err);
        if (h->type != want) {
                snprintf(err, PBOX_ERR_LEN, "unexpected message from the box");
                return -EPROTO;
        }
        *ret = TAKE_PTR(msg);
        return 0;
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int api_wait_closed(int sock, int timeout_ms, char err[PBOX_ERR_LEN])
{
        long long deadline = now_ms() + timeout_ms;

        for (;;) {
                _cleanup_msg_ void *msg = NULL;
                struct pollfd p = {.fd = sock, .events = POLLIN};
                int wait = -1, r;

                if (timeout_ms >= 0) {
                        long long left = deadline - now_ms();

                        if (left <= 0) {
                                snprintf(err, PBOX_ERR_LEN,
                                         "still running after %ds",
                                         timeout_ms / 1000);
                                return -ETIMEDOUT;
                        }
                        wait = left > 1000000 ? 1000000 : (int)left;
                }
                r = poll(&p, 1, wait);
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r <= 0)
                        continue;
                r = ipc_recv(sock, IPC_ROLE_ENTERD, &msg);
                if (r == -ECONNRESET)
                        return 0;
                if (r < 0) {
                        snprintf(err, PBOX_ERR_LEN, "%s", strerror(-r));
                        return r;
                }
                if (((struct ipc_hdr *)msg)->type == IPC_REPLY) {
                        struct ipc_reply *rep = msg;

                        if (rep->err < 0)
                                return refusal(rep, err);
                        continue; /* accepted: the box is on its way out */
                }
                snprintf(err, PBOX_ERR_LEN, "unexpected message from the box");
                return -EPROTO;
        }
}
