/* check_frame.c — unit tests of libipc/frame.c over real SOCK_SEQPACKET
 * socketpairs: fd passing, refused fds and control data, oversize
 * datagrams, EOF, replies and ipc_call's id matching. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "ipc.h"

static int sv[2];

static void setup(void)
{
        ck_assert_int_eq(ipc_socketpair(sv), 0);
}

static void teardown(void)
{
        close(sv[0]);
        close(sv[1]);
}

static void hdr_init(struct ipc_hdr *h, enum ipc_type t, uint32_t id)
{
        h->type = t;
        h->id = id;
        h->nfds = 0;
        for (int i = 0; i < IPC_MAX_FDS; i++)
                h->fds[i] = -EBADF;
}

/* Sends raw bytes with nfds copies of fd, bypassing ipc_send's checks. */
static void send_raw(int sock, const void *buf, size_t len, int fd,
                     unsigned nfds)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * 16)];
        } ctl;
        struct iovec iov = {(void *)buf, len};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

        ck_assert_uint_le(nfds, 16);
        if (nfds > 0) {
                struct cmsghdr *c;

                memset(&ctl, 0, sizeof(ctl));
                mh.msg_control = ctl.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
                for (unsigned i = 0; i < nfds; i++)
                        memcpy(CMSG_DATA(c) + i * sizeof(int), &fd,
                               sizeof(int));
        }
        ck_assert_int_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

static size_t encode_signal(uint8_t *buf, size_t sz, uint32_t id)
{
        struct ipc_mnt_signal m = {.sig = 15};
        ssize_t n;

        hdr_init(&m.hdr, IPC_MNT_SIGNAL, id);
        n = ipc_encode(&m, buf, sz);
        ck_assert_int_gt(n, 0);
        return (size_t)n;
}

/* True once every copy of a pipe's write end is closed: the read end
 * (non-blocking) sees EOF instead of EAGAIN. */
static bool pipe_writers_gone(int rfd)
{
        char c;

        return read(rfd, &c, 1) == 0;
}

static void pipe_nb(int p[2])
{
        ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

START_TEST(test_socketpair_cloexec)
{
        ck_assert_int_eq(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        ck_assert_int_eq(fcntl(sv[1], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}
END_TEST

START_TEST(test_send_recv_fds)
{
        _cleanup_msg_ struct ipc_mnt_create *got = NULL;
        struct ipc_mnt_create m = {.uuid = "0123"};
        int p[2], flags;
        char buf[8] = {0};

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        hdr_init(&m.hdr, IPC_MNT_CREATE, 77);
        m.hdr.nfds = 4;
        m.hdr.fds[0] = p[1];
        for (int i = 1; i < 4; i++)
                m.hdr.fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
        ck_assert_int_eq(ipc_send(sv[0], &m), 0);
        /* the sender keeps its fds */
        ck_assert_int_ge(fcntl(p[1], F_GETFD), 0);
        for (int i = 1; i < 4; i++)
                close(m.hdr.fds[i]);
        close(p[1]);

        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, (void **)&got), 0);
        ck_assert_int_eq(got->hdr.type, IPC_MNT_CREATE);
        ck_assert_uint_eq(got->hdr.id, 77);
        ck_assert_str_eq(got->uuid, "0123");
        ck_assert_uint_eq(got->hdr.nfds, 4);
        for (int i = 0; i < 4; i++) {
                flags = fcntl(got->hdr.fds[i], F_GETFD);
                ck_assert_int_ge(flags, 0);
                ck_assert_int_eq(flags & FD_CLOEXEC, FD_CLOEXEC);
        }
        ck_assert_int_eq(write(got->hdr.fds[0], "hello", 5), 5);
        ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 5);
        ck_assert_str_eq(buf, "hello");
        close(p[0]);
}
END_TEST

START_TEST(test_send_wrong_fd_count)
{
        struct ipc_mnt_create c = {.uuid = "u"};
        struct ipc_mnt_signal s = {.sig = 1};

        hdr_init(&c.hdr, IPC_MNT_CREATE, 1);
        c.hdr.nfds = 1;
        c.hdr.fds[0] = 0;
        ck_assert_int_eq(ipc_send(sv[0], &c), -EINVAL);
        c.hdr.nfds = 4; /* right count, bad fds */
        ck_assert_int_eq(ipc_send(sv[0], &c), -EBADF);
        hdr_init(&s.hdr, IPC_MNT_SIGNAL, 1);
        s.hdr.nfds = 1;
        s.hdr.fds[0] = 0;
        ck_assert_int_eq(ipc_send(sv[0], &s), -EINVAL);
}
END_TEST

START_TEST(test_recv_fd_on_fdless_type)
{
        void *got = NULL;
        uint8_t buf[64];
        size_t n = encode_signal(buf, sizeof(buf), 1);
        int p[2];

        pipe_nb(p);
        send_raw(sv[0], buf, n, p[1], 1);
        close(p[1]);
        ck_assert(!pipe_writers_gone(p[0]));
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, &got), -EBADMSG);
        ck_assert_ptr_null(got);
        ck_assert(pipe_writers_gone(p[0]));
        close(p[0]);
}
END_TEST

START_TEST(test_recv_too_many_fds)
{
        void *got = NULL;
        uint8_t buf[64];
        size_t n = encode_signal(buf, sizeof(buf), 1);
        int p[2];

        pipe_nb(p);
        send_raw(sv[0], buf, n, p[1], IPC_MAX_FDS + 3);
        close(p[1]);
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, &got), -EBADMSG);
        ck_assert(pipe_writers_gone(p[0]));
        close(p[0]);
}
END_TEST

START_TEST(test_recv_credentials_refused)
{
        void *got = NULL;
        uint8_t buf[64];
        size_t n = encode_signal(buf, sizeof(buf), 1);
        int one = 1;

        ck_assert_int_eq(
            setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
        send_raw(sv[0], buf, n, -1, 0);
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, &got), -EBADMSG);
        ck_assert_ptr_null(got);
}
END_TEST

START_TEST(test_recv_oversize_then_valid)
{
        _cleanup_msg_ struct ipc_mnt_signal *got = NULL;
        uint8_t *big = calloc(1, 70 * 1024);
        uint8_t buf[64];
        size_t n = encode_signal(buf, sizeof(buf), 9);
        int p[2], sndbuf = 1024 * 1024;

        ck_assert_ptr_nonnull(big);
        ck_assert_int_eq(
            setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)),
            0);
        pipe_nb(p);
        send_raw(sv[0], big, 70 * 1024, p[1], 1);
        close(p[1]);
        send_raw(sv[0], buf, n, -1, 0);
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, (void **)&got),
                         -EMSGSIZE);
        ck_assert_ptr_null(got);
        ck_assert(pipe_writers_gone(p[0]));
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, (void **)&got), 0);
        ck_assert_uint_eq(got->hdr.id, 9);
        ck_assert_uint_eq(got->sig, 15);
        /* exactly IPC_FRAME_MAX + 1 bytes is one too many */
        send_raw(sv[0], big, IPC_FRAME_MAX + 1, -1, 0);
        ipc_msg_free(TAKE_PTR(got));
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, (void **)&got),
                         -EMSGSIZE);
        close(p[0]);
        free(big);
}
END_TEST

START_TEST(test_recv_eof)
{
        void *got = NULL;

        close(sv[0]);
        sv[0] = -1;
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, &got), -ECONNRESET);
        ck_assert_ptr_null(got);
}
END_TEST

START_TEST(test_send_to_closed_peer)
{
        struct ipc_mnt_kill k;

        /* MSG_NOSIGNAL: an error, not a SIGPIPE that kills the test */
        hdr_init(&k.hdr, IPC_MNT_KILL, 1);
        close(sv[1]);
        sv[1] = -1;
        ck_assert_int_eq(ipc_send(sv[0], &k), -EPIPE);
}
END_TEST

START_TEST(test_recv_role)
{
        void *got = NULL;
        uint8_t buf[64];
        size_t n = encode_signal(buf, sizeof(buf), 1);

        send_raw(sv[0], buf, n, -1, 0);
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_MOUNTER, &got), -EPROTO);
        ck_assert_ptr_null(got);
}
END_TEST

START_TEST(test_send_reply)
{
        _cleanup_msg_ struct ipc_reply *got = NULL;
        char longmsg[2000];

        memset(longmsg, 'x', sizeof(longmsg) - 1);
        longmsg[sizeof(longmsg) - 1] = 0;
        ck_assert_int_eq(
            ipc_send_reply(sv[0], 3, -ENOENT, "%s: %s", "vol", "missing"), 0);
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_MOUNTER, (void **)&got), 0);
        ck_assert_int_eq(got->hdr.type, IPC_REPLY);
        ck_assert_uint_eq(got->hdr.id, 3);
        ck_assert_int_eq(got->err, -ENOENT);
        ck_assert_str_eq(got->msg, "vol: missing");
        ipc_msg_free(TAKE_PTR(got));

        ck_assert_int_eq(ipc_send_reply(sv[0], 4, 0, "%s", longmsg), 0);
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_MOUNTER, (void **)&got), 0);
        ck_assert_int_eq(got->err, 0);
        ck_assert_uint_eq(strlen(got->msg), IPC_ERRMSG_MAX - 1);
        ipc_msg_free(TAKE_PTR(got));

        ck_assert_int_eq(ipc_send_reply(sv[0], 5, EPERM, NULL), 0);
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_MOUNTER, (void **)&got), 0);
        ck_assert_int_eq(got->err, -EPERM);
        ck_assert_str_eq(got->msg, "");
}
END_TEST

/* The reply is queued before the call: the socketpair buffers it, so
 * ipc_call's send goes out and its recv finds the reply waiting. */
START_TEST(test_call_matching_id)
{
        _cleanup_msg_ struct ipc_mnt_signal *req = NULL;
        struct ipc_mnt_signal s = {.sig = 9};
        char errmsg[IPC_ERRMSG_MAX];

        hdr_init(&s.hdr, IPC_MNT_SIGNAL, 1234);
        ck_assert_int_eq(ipc_send_reply(sv[1], 1234, -ESRCH, "no init"), 0);
        ck_assert_int_eq(ipc_call(sv[0], IPC_ROLE_MOUNTER, &s, errmsg), -ESRCH);
        ck_assert_str_eq(errmsg, "no init");
        ck_assert_int_eq(ipc_recv(sv[1], IPC_ROLE_BROKER, (void **)&req), 0);
        ck_assert_uint_eq(req->hdr.id, 1234);
        ck_assert_uint_eq(req->sig, 9);

        ck_assert_int_eq(ipc_send_reply(sv[1], 1234, 0, NULL), 0);
        ck_assert_int_eq(ipc_call(sv[0], IPC_ROLE_MOUNTER, &s, NULL), 0);
}
END_TEST

START_TEST(test_call_mismatching_id)
{
        struct ipc_mnt_signal s = {.sig = 9};
        struct ipc_mnt_init_exit ex = {.status = 0};
        char errmsg[IPC_ERRMSG_MAX];

        hdr_init(&s.hdr, IPC_MNT_SIGNAL, 1);
        ck_assert_int_eq(ipc_send_reply(sv[1], 2, 0, "wrong"), 0);
        ck_assert_int_eq(ipc_call(sv[0], IPC_ROLE_MOUNTER, &s, errmsg),
                         -EPROTO);
        /* a message that is no reply, with the right id */
        hdr_init(&ex.hdr, IPC_MNT_INIT_EXIT, 1);
        ck_assert_int_eq(ipc_send(sv[1], &ex), 0);
        ck_assert_int_eq(ipc_call(sv[0], IPC_ROLE_MOUNTER, &s, errmsg),
                         -EPROTO);
        /* and EOF instead of a reply */
        close(sv[1]);
        sv[1] = -1;
        ck_assert_int_lt(ipc_call(sv[0], IPC_ROLE_MOUNTER, &s, errmsg), 0);
}
END_TEST

static Suite *frame_suite(void)
{
        Suite *s = suite_create("frame");
        TCase *tc = tcase_create("frame");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_socketpair_cloexec);
        tcase_add_test(tc, test_send_recv_fds);
        tcase_add_test(tc, test_send_wrong_fd_count);
        tcase_add_test(tc, test_recv_fd_on_fdless_type);
        tcase_add_test(tc, test_recv_too_many_fds);
        tcase_add_test(tc, test_recv_credentials_refused);
        tcase_add_test(tc, test_recv_oversize_then_valid);
        tcase_add_test(tc, test_recv_eof);
        tcase_add_test(tc, test_send_to_closed_peer);
        tcase_add_test(tc, test_recv_role);
        tcase_add_test(tc, test_send_reply);
        tcase_add_test(tc, test_call_matching_id);
        tcase_add_test(tc, test_call_mismatching_id);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(frame_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
