/* fuzz_enterd.c — libFuzzer target for pbox-enterd's front (enterd/conn.c,
 * front.c): arbitrary client frames through front_handle_client_frame on
 * a ready front whose broker and spawner are socketpairs played here.
 * Asserts no crash (ASan/UBSan), no leak (LSan) and no fd growth.
 *
 * Input: records [flags][len hi][len lo][len bytes of frame]. flags bits
 * 0-1: how many /dev/null fds come with the frame; bit 2: which of two
 * connections; bit 3: the client then hangs up; bit 4: the spawner then
 * starts and ends what it was asked to run; bit 5: the broker then
 * answers (bit 6: with an error).
 *
 * Built with -DGEN_CORPUS (no libFuzzer) it writes the seed corpus into
 * the directory argv[1] (tests/fuzz/corpus/enterd/):
 *   clang -DGEN_CORPUS -D_GNU_SOURCE -Iinclude -Ilibipc -o gen \
 *     tests/fuzz/fuzz_enterd.c libipc/codec.c libipc/schema.c -lmsgpackc
 *   ./gen tests/fuzz/corpus/enterd */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"

#ifndef GEN_CORPUS
#include "../../enterd/front.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        if (!d)
                abort();
        while ((e = readdir(d)))
                n++;
        closedir(d);
        return n;
}

static bool readable(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};

        return fd >= 0 && poll(&p, 1, 0) == 1;
}

static void drain(int fd)
{
        void *m;

        while (readable(fd)) {
                m = NULL;
                if (ipc_recv(fd, IPC_ROLE_ENTERD, &m) == -ECONNRESET)
                        break;
                ipc_msg_free(m);
        }
}

/* The front's handshake, as broker and spawner; false if it failed. */
static bool start(struct front *f, int broker, int spawner)
{
        struct ipc_enterd_config cfg = {.hdr.type = IPC_ENTERD_CONFIG,
                                        .hdr.id = 1,
                                        .name = "fz",
                                        .init_pid = 1,
                                        .operator_gid = -1,
                                        .audit_log = "/dev/null"};
        struct ipc_spawn_ready ready = {.hdr.type = IPC_SPAWN_READY,
                                        .hdr.nfds = 1};
        bool ok;

        for (int i = 0; i < IPC_MAX_FDS; i++)
                cfg.hdr.fds[i] = ready.hdr.fds[i] = -EBADF;
        if (ipc_send(broker, &cfg) < 0 || front_handle_broker(f) < 0)
                return false;
        drain(spawner);
        ready.hdr.fds[0] = open("/dev/null", O_WRONLY | O_APPEND | O_CLOEXEC);
        ok = ipc_send(spawner, &ready) == 0;
        close(ready.hdr.fds[0]);
        if (!ok || front_handle_spawner(f) < 0)
                return false;
        drain(broker);
        return f->state == FRONT_READY;
}

/* As the spawner: start and end every SPAWN_REQ, with a tty if asked. */
static int play_spawner(struct front *f, int spawner)
{
        while (readable(spawner)) {
                struct ipc_hdr *m = NULL;
                int r = ipc_recv(spawner, IPC_ROLE_ENTERD, (void **)&m);

                if (r < 0)
                        return r;
                if (m->type == IPC_SPAWN_REQ) {
                        struct ipc_spawn_req *q = (void *)m;
                        struct ipc_spawn_tty t = {.hdr.type = IPC_SPAWN_TTY,
                                                  .hdr.nfds = 1,
                                                  .conn = q->conn};
                        struct ipc_spawn_started s = {.hdr.type =
                                                          IPC_SPAWN_STARTED,
                                                      .conn = q->conn,
                                                      .pid = 7};
                        struct ipc_spawn_exit e = {.hdr.type = IPC_SPAWN_EXIT,
                                                   .conn = q->conn,
                                                   .status = 1,
                                                   .msg = ""};

                        if (q->args[1])
                                e.err = -ENOENT;
                        if (q->tty) {
                                t.hdr.fds[0] = q->hdr.fds[0];
                                if (ipc_send(spawner, &t) < 0 ||
                                    front_handle_spawner(f) < 0)
                                        abort();
                        }
                        if (ipc_send(spawner, &s) < 0 ||
                            front_handle_spawner(f) < 0 ||
                            ipc_send(spawner, &e) < 0 ||
                            front_handle_spawner(f) < 0)
                                abort();
                }
                ipc_msg_free(m);
        }
        return 0;
}

/* As the broker: answer every request. */
static void play_broker(struct front *f, int broker, bool fail)
{
        while (readable(broker)) {
                struct ipc_hdr *m = NULL;

                if (ipc_recv(broker, IPC_ROLE_ENTERD, (void **)&m) < 0)
                        abort();
                if (ipc_send_reply(broker, m->id, fail ? -EIO : 0, "x") < 0 ||
                    front_handle_broker(f) < 0)
                        abort();
                ipc_msg_free(m);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int before = count_fds();
        int b[2], s[2], cl[2][2] = {{-1, -1}, {-1, -1}};
        uint32_t ids[2] = {0, 0};
        struct front *f;

        if (ipc_socketpair(b) < 0 || ipc_socketpair(s) < 0)
                abort();
        f = front_new("fz", b[0], s[0], -EBADF);
        if (!f || !start(f, b[1], s[1]))
                abort();
        while (size >= 3) {
                unsigned flags = data[0], k = (flags >> 2) & 1;
                size_t len = (size_t)data[1] << 8 | data[2];
                int fds[3];
                struct conn *c;
                unsigned nfds = flags & 3;

                data += 3;
                size -= 3;
                if (len > size)
                        len = size;
                /* A hung-up connection has no client left to send. */
                c = ids[k] ? front_conn_find(f, ids[k]) : NULL;
                if (!c || c->fd < 0) {
                        if (cl[k][1] >= 0)
                                close(cl[k][1]);
                        if (ipc_socketpair(cl[k]) < 0)
                                abort();
                        (void)fcntl(cl[k][0], F_SETFL, O_NONBLOCK);
                        c = front_conn_add(f, cl[k][0], 1, 0, 0, 0);
                        if (!c)
                                abort();
                        ids[k] = c->id;
                }
                for (unsigned i = 0; i < nfds; i++)
                        fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (front_handle_client_frame(f, c, data, len, fds, nfds) < 0)
                        abort();
                data += len;
                size -= len;
                drain(cl[k][1]);
                if ((flags & 8) && (c = front_conn_find(f, ids[k])) &&
                    c->fd >= 0 &&
                    front_handle_client_frame(f, c, NULL, 0, NULL, 0) < 0)
                        abort();
                if ((flags & 16) && play_spawner(f, s[1]) < 0)
                        abort();
                if (flags & 32)
                        play_broker(f, b[1], flags & 64);
                drain(cl[k][1]);
        }
        (void)front_expire(f, UINT64_MAX / 2);
        front_free(f);
        drain(s[1]);
        close(b[1]);
        close(s[1]);
        for (int k = 0; k < 2; k++)
                if (cl[k][1] >= 0)
                        close(cl[k][1]);
        if (count_fds() != before)
                abort();
        return 0;
}

#else /* GEN_CORPUS */

static uint8_t out[IPC_FRAME_MAX + 3];

static void hdr(void *m, enum ipc_type t)
{
        struct ipc_hdr *h = m;

        h->type = t;
        h->id = 3;
        for (int i = 0; i < IPC_MAX_FDS; i++)
                h->fds[i] = -EBADF;
}

/* Appends one record for msg to buf at *off. */
static int rec(uint8_t *buf, size_t *off, unsigned flags, const void *msg)
{
        ssize_t n = ipc_encode(msg, buf + *off + 3, IPC_FRAME_MAX);

        if (n < 0 || n > 0xffff)
                return -1;
        buf[*off] = (uint8_t)flags;
        buf[*off + 1] = (uint8_t)(n >> 8);
        buf[*off + 2] = (uint8_t)n;
        *off += 3 + (size_t)n;
        return 0;
}

static int save(const char *dir, const char *name, size_t len)
{
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || fwrite(out, 1, len, f) != len || fclose(f) != 0)
                return 1;
        return 0;
}

int main(int argc, char **argv)
{
        static char *args[] = {"/bin/sh", "-c", "exit 3", NULL};
        static char *one[] = {"true", NULL};
        static char *env[] = {"A=1", "B=two words", NULL};
        struct ipc_enter_req req = {.args = args,
                                    .env = env,
                                    .user = "1000:1000",
                                    .workdir = "/tmp",
                                    .label = "",
                                    .interactive = true};
        struct ipc_enter_signal sig = {.sig = 15};
        struct ipc_op_stop stop = {.timeout = 5};
        struct ipc_op_device_add add = {.spec = "path=/dev/null;"
                                                "permissions=rw;fileMode=0666"};
        struct ipc_op_device_remove rm = {.path = "/dev/null"};
        size_t n;
        int r = 0;

        if (argc != 2)
                return 2;
        hdr(&req, IPC_ENTER_REQ);
        hdr(&sig, IPC_ENTER_SIGNAL);
        hdr(&stop, IPC_OP_STOP);
        hdr(&add, IPC_OP_DEVICE_ADD);
        hdr(&rm, IPC_OP_DEVICE_REMOVE);

        n = 0; /* enter, a signal, then it runs and ends */
        r |= rec(out, &n, 3, &req) | rec(out, &n, 16, &sig);
        r |= save(argv[1], "enter", n);
        n = 0; /* with a tty, then the client hangs up */
        req.tty = true;
        req.rows = 24;
        req.cols = 80;
        req.args = one;
        r |= rec(out, &n, 3 | 8, &req) | rec(out, &n, 4 | 16, &sig);
        r |= save(argv[1], "enter_tty_hangup", n);
        n = 0;
        r |= rec(out, &n, 32, &stop) | rec(out, &n, 4 | 32 | 64, &add);
        r |= save(argv[1], "stop_device_add", n);
        n = 0;
        r |= rec(out, &n, 32, &rm) | rec(out, &n, 4 | 32, &add);
        r |= save(argv[1], "device_remove_add", n);
        return r ? 1 : 0;
}
#endif
