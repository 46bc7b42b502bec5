/* check_codec.c — unit tests of libipc/codec.c: a schema-driven round trip
 * of every message type, and one test per refusal of the decoder (frames
 * hand-crafted with msgpack_packer), fds closed on failure. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "cleanup.h"
#include "ipc.h"

#define ALL_ROLES     0x3fu
#define FIELD(msg, f) ((void *)((uint8_t *)(msg) + (f)->offset))

/* ---- helpers ------------------------------------------------------------ */

/* Fills every field of msg with a non-trivial value within its limits;
 * seed varies the values between fields and types. */
static void fill_msg(void *msg, unsigned seed)
{
        const struct ipc_msgdef *def =
            ipc_schema_lookup(((struct ipc_hdr *)msg)->type);

        ck_assert_ptr_nonnull(def);
        ((struct ipc_hdr *)msg)->id = 0xfffffff0u - seed;
        for (unsigned i = 0; i < def->nfields; i++) {
                const struct ipc_field *f = &def->fields[i];
                void *p = FIELD(msg, f);
                unsigned k = seed + i;

                switch (f->type) {
                case IPC_T_U64:
                        *(uint64_t *)p =
                            (k & 1) ? f->max : f->min + (f->max - f->min) / 3;
                        break;
                case IPC_T_I64:
                        *(int64_t *)p =
                            (k & 1) ? (int64_t)f->min : (int64_t)f->max;
                        break;
                case IPC_T_BOOL:
                        *(bool *)p = !(k & 1);
                        break;
                case IPC_T_STR: {
                        size_t n = f->max < 40 ? f->max : 40;
                        char *s = malloc(n + 1);
                        ck_assert_ptr_nonnull(s);
                        for (size_t j = 0; j < n; j++)
                                s[j] = (char)('a' + (j + k) % 26);
                        s[n] = 0;
                        *(char **)p = s;
                        break;
                }
                case IPC_T_BIN: {
                        struct ipc_bin *b = p;
                        b->len = 300;
                        b->data = malloc(b->len);
                        ck_assert_ptr_nonnull(b->data);
                        for (size_t j = 0; j < b->len; j++)
                                b->data[j] = (uint8_t)(j * 7 + k);
                        b->data[0] = 0;
                        b->data[1] = 0xff;
                        break;
                }
                case IPC_T_STRV: {
                        size_t n = f->min > 4 ? f->min : 4;
                        char **v = calloc(n + 1, sizeof(char *));
                        ck_assert_ptr_nonnull(v);
                        for (size_t j = 0; j < n; j++)
                                ck_assert_int_ge(asprintf(&v[j], "%s-%zu=x y",
                                                          f->name, j * k),
                                                 0);
                        v[n - 1][0] = 0; /* an empty element too */
                        *(char ***)p = v;
                        break;
                }
                }
        }
}

static void assert_msg_eq(const void *a, const void *b)
{
        const struct ipc_hdr *ha = a, *hb = b;
        const struct ipc_msgdef *def = ipc_schema_lookup(ha->type);

        ck_assert_int_eq(ha->type, hb->type);
        ck_assert_uint_eq(ha->id, hb->id);
        for (unsigned i = 0; i < def->nfields; i++) {
                const struct ipc_field *f = &def->fields[i];
                const void *pa = FIELD(a, f), *pb = FIELD(b, f);

                switch (f->type) {
                case IPC_T_U64:
                        ck_assert_uint_eq(*(const uint64_t *)pa,
                                          *(const uint64_t *)pb);
                        break;
                case IPC_T_I64:
                        ck_assert_int_eq(*(const int64_t *)pa,
                                         *(const int64_t *)pb);
                        break;
                case IPC_T_BOOL:
                        ck_assert_int_eq(*(const bool *)pa, *(const bool *)pb);
                        break;
                case IPC_T_STR:
                        ck_assert_str_eq(*(char *const *)pa,
                                         *(char *const *)pb);
                        break;
                case IPC_T_BIN: {
                        const struct ipc_bin *x = pa, *y = pb;
                        ck_assert_uint_eq(x->len, y->len);
                        ck_assert_mem_eq(x->data, y->data, x->len);
                        break;
                }
                case IPC_T_STRV: {
                        char *const *x = *(char **const *)pa;
                        char *const *y = *(char **const *)pb;
                        size_t j;
                        for (j = 0; x[j]; j++) {
                                ck_assert_ptr_nonnull(y[j]);
                                ck_assert_str_eq(x[j], y[j]);
                        }
                        ck_assert_ptr_null(y[j]);
                        break;
                }
                }
        }
}

/* A frame under construction. */
struct fb {
        msgpack_sbuffer sb;
        msgpack_packer pk;
};

static void fb_init(struct fb *b)
{
        msgpack_sbuffer_init(&b->sb);
        msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
}

static void fb_str(struct fb *b, const char *s, size_t n)
{
        msgpack_pack_str(&b->pk, n);
        msgpack_pack_str_body(&b->pk, s, n);
}

/* Decodes b (then freed) and returns the result; frees any message. */
static int fb_decode_fds(struct fb *b, unsigned from, int *fds, unsigned nfds)
{
        void *msg = NULL;
        int r;

        r = ipc_decode((const uint8_t *)b->sb.data, b->sb.size, from, fds, nfds,
                       &msg);
        msgpack_sbuffer_destroy(&b->sb);
        if (r == 0)
                ck_assert_ptr_nonnull(msg);
        else
                ck_assert_ptr_null(msg);
        ipc_msg_free(msg);
        return r;
}

static int fb_decode(struct fb *b)
{
        return fb_decode_fds(b, ALL_ROLES, NULL, 0);
}

/* Starts a MNT_SIGNAL frame [9, 7, ...] with n fields announced. */
static void fb_signal(struct fb *b, unsigned nfields)
{
        fb_init(b);
        msgpack_pack_array(&b->pk, 2 + nfields);
        msgpack_pack_uint32(&b->pk, IPC_MNT_SIGNAL);
        msgpack_pack_uint32(&b->pk, 7);
}

/* Starts a MNT_DEVICE frame with a good path; the caller packs the rest
 * (permissions, file_mode, uid, gid). */
static void fb_device(struct fb *b)
{
        fb_init(b);
        msgpack_pack_array(&b->pk, 7);
        msgpack_pack_uint32(&b->pk, IPC_MNT_DEVICE);
        msgpack_pack_uint32(&b->pk, 1);
        fb_str(b, "/dev/null", 9);
}

/* Starts an INIT_EXEC frame; the caller packs args then the rest. */
static void fb_exec_rest(struct fb *b)
{
        msgpack_pack_array(&b->pk, 0); /* env */
        fb_str(b, "root", 4);
        msgpack_pack_uint64(&b->pk, 0);
        msgpack_pack_false(&b->pk);
        msgpack_pack_false(&b->pk);
        msgpack_pack_false(&b->pk);
        fb_str(b, "", 0);
}

static void fb_exec(struct fb *b)
{
        fb_init(b);
        msgpack_pack_array(&b->pk, 10);
        msgpack_pack_uint32(&b->pk, IPC_INIT_EXEC);
        msgpack_pack_uint32(&b->pk, 1);
}

static bool fd_is_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* ---- round trips -------------------------------------------------------- */

START_TEST(test_roundtrip_every_type)
{
        static uint8_t buf[IPC_FRAME_MAX];
        unsigned ntypes = 0;

        for (unsigned t = 0; t < IPC_TYPE_MAX + 4; t++) {
                const struct ipc_msgdef *def = ipc_schema_lookup(t);
                void *in, *out = NULL;
                int fds[IPC_MAX_FDS];
                ssize_t n;

                if (!def)
                        continue;
                ntypes++;
                for (unsigned seed = 0; seed < 2; seed++) {
                        in = ipc_msg_new(t);
                        ck_assert_ptr_nonnull(in);
                        fill_msg(in, seed);
                        n = ipc_encode(in, buf, sizeof(buf));
                        ck_assert_int_gt(n, 0);
                        for (unsigned i = 0; i < def->nfds; i++) {
                                fds[i] =
                                    open("/dev/null", O_RDONLY | O_CLOEXEC);
                                ck_assert_int_ge(fds[i], 0);
                        }
                        ck_assert_int_eq(ipc_decode(buf, (size_t)n,
                                                    def->senders, fds,
                                                    def->nfds, &out),
                                         0);
                        ck_assert_ptr_nonnull(out);
                        assert_msg_eq(in, out);
                        ck_assert_uint_eq(((struct ipc_hdr *)out)->nfds,
                                          def->nfds);
                        for (unsigned i = 0; i < IPC_MAX_FDS; i++) {
                                int fd = ((struct ipc_hdr *)out)->fds[i];
                                if (i < def->nfds) {
                                        ck_assert_int_ge(fd, 0);
                                        ck_assert_int_eq(fds[i], -EBADF);
                                } else {
                                        ck_assert_int_eq(fd, -EBADF);
                                }
                        }
                        ipc_msg_free(in);
                        ipc_msg_free(out);
                }
        }
        ck_assert_uint_eq(ntypes, IPC_TYPE_MAX - 1);
}
END_TEST

START_TEST(test_roundtrip_typed)
{
        _cleanup_msg_ struct ipc_init_exec *out = NULL;
        struct ipc_init_exec in = {.hdr = {.type = IPC_INIT_EXEC, .id = 42}};
        char *args[] = {"/bin/sh", "-c", "echo \xc3\xa9", NULL};
        uint8_t buf[512];
        ssize_t n;

        in.args = args;
        in.env = NULL;  /* NULL vector: sent as empty */
        in.user = NULL; /* NULL string: sent as "" */
        in.caps = UINT64_MAX;
        in.tty = true;
        in.label = "system_u:system_r:container_t:s0";
        n = ipc_encode(&in, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(
            ipc_decode(buf, (size_t)n, IPC_ROLE_BROKER, NULL, 0, (void **)&out),
            0);
        ck_assert_str_eq(out->args[2], "echo \xc3\xa9");
        ck_assert_ptr_null(out->args[3]);
        ck_assert_ptr_nonnull(out->env);
        ck_assert_ptr_null(out->env[0]);
        ck_assert_str_eq(out->user, "");
        ck_assert_uint_eq(out->caps, UINT64_MAX);
        ck_assert(out->tty && !out->no_new_privs && !out->minimal_init);
        ck_assert_str_eq(out->label, in.label);
        ck_assert_uint_eq(out->hdr.id, 42);
}
END_TEST

START_TEST(test_roundtrip_empty_bin)
{
        _cleanup_msg_ struct ipc_mnt_file_write *out = NULL;
        struct ipc_mnt_file_write in = {
            .hdr = {.type = IPC_MNT_FILE_WRITE}, .dst = "/etc/x", .mode = 0644};
        uint8_t buf[128];
        ssize_t n;

        n = ipc_encode(&in, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(
            ipc_decode(buf, (size_t)n, IPC_ROLE_BROKER, NULL, 0, (void **)&out),
            0);
        ck_assert_uint_eq(out->data.len, 0);
        ck_assert_uint_eq(out->mode, 0644);
}
END_TEST

/* ---- encoder refusals --------------------------------------------------- */

START_TEST(test_encode_refuses)
{
        uint8_t buf[IPC_FRAME_MAX];
        struct ipc_mnt_signal sig = {.hdr = {.type = IPC_MNT_SIGNAL}, .sig = 0};
        struct ipc_mnt_device dev = {.hdr = {.type = IPC_MNT_DEVICE},
                                     .path = "/dev/x",
                                     .permissions = "rwmx"};
        struct ipc_mnt_file_write fw = {.hdr = {.type = IPC_MNT_FILE_WRITE},
                                        .dst = "/x"};
        struct ipc_init_exec ex = {.hdr = {.type = IPC_INIT_EXEC}};
        struct ipc_hdr bogus = {.type = IPC_TYPE_MAX};

        ck_assert_int_eq(ipc_encode(&sig, buf, sizeof(buf)), -EINVAL);
        sig.sig = 65;
        ck_assert_int_eq(ipc_encode(&sig, buf, sizeof(buf)), -EINVAL);
        sig.sig = 64;
        ck_assert_int_gt(ipc_encode(&sig, buf, sizeof(buf)), 0);
        /* too small a buffer */
        ck_assert_int_eq(ipc_encode(&sig, buf, 3), -EMSGSIZE);

        ck_assert_int_eq(ipc_encode(&dev, buf, sizeof(buf)), -EINVAL);
        dev.permissions = "rwm";
        dev.file_mode = -2;
        ck_assert_int_eq(ipc_encode(&dev, buf, sizeof(buf)), -EINVAL);
        dev.file_mode = 010000;
        ck_assert_int_eq(ipc_encode(&dev, buf, sizeof(buf)), -EINVAL);
        dev.file_mode = -1;
        ck_assert_int_gt(ipc_encode(&dev, buf, sizeof(buf)), 0);

        fw.data.len = 60 * 1024 + 1;
        fw.data.data = buf;
        ck_assert_int_eq(ipc_encode(&fw, buf + 0, 0), -EINVAL);
        fw.data.data = NULL;
        fw.data.len = 1;
        ck_assert_int_eq(ipc_encode(&fw, buf, sizeof(buf)), -EINVAL);

        /* args needs at least one element */
        ck_assert_int_eq(ipc_encode(&ex, buf, sizeof(buf)), -EINVAL);
        ck_assert_int_eq(ipc_encode(&bogus, buf, sizeof(buf)), -EINVAL);
        ck_assert_int_eq(ipc_encode(NULL, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(test_encode_frame_max)
{
        /* 4096 args of 20 bytes each fit the schema but not a frame. */
        static uint8_t buf[IPC_FRAME_MAX + 100];
        struct ipc_init_exec ex = {.hdr = {.type = IPC_INIT_EXEC}};
        char **v = calloc(IPC_ARGS_MAX + 1, sizeof(char *));

        ck_assert_ptr_nonnull(v);
        for (int i = 0; i < IPC_ARGS_MAX; i++)
                v[i] = "01234567890123456789";
        ex.args = v;
        ck_assert_int_eq(ipc_encode(&ex, buf, sizeof(buf)), -EMSGSIZE);
        free(v);
}
END_TEST

/* ---- decoder refusals --------------------------------------------------- */

START_TEST(test_reject_unknown_type)
{
        struct fb b;
        unsigned types[] = {0, IPC_TYPE_MAX, 99, 0xffffffffu};

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                fb_init(&b);
                msgpack_pack_array(&b.pk, 2);
                msgpack_pack_uint32(&b.pk, types[i]);
                msgpack_pack_uint32(&b.pk, 1);
                ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        }
        /* type as a string */
        fb_init(&b);
        msgpack_pack_array(&b.pk, 3);
        fb_str(&b, "\x09", 1);
        msgpack_pack_uint32(&b.pk, 1);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_not_array)
{
        struct fb b;

        fb_init(&b);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_init(&b);
        msgpack_pack_map(&b.pk, 1);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        msgpack_pack_uint32(&b.pk, 1);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_init(&b);
        msgpack_pack_array(&b.pk, 1);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_init(&b);
        msgpack_pack_array(&b.pk, 0);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        ck_assert_int_eq(fb_decode_fds(&(struct fb){0}, ALL_ROLES, NULL, 0),
                         -EBADMSG);
}
END_TEST

START_TEST(test_reject_str_for_int)
{
        struct fb b;

        fb_signal(&b, 1);
        fb_str(&b, "9", 1);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        /* and the good frame passes, so the test can fail */
        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode(&b), 0);
}
END_TEST

START_TEST(test_reject_negative_u64)
{
        struct fb b;

        fb_signal(&b, 1);
        msgpack_pack_int64(&b.pk, -9);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_int_over_max)
{
        struct fb b;

        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 65);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_signal(&b, 1);
        msgpack_pack_uint64(&b.pk, UINT64_MAX);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 0); /* under min */
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_i64_range)
{
        struct fb b;
        int64_t bad[] = {-2, 010000, INT64_MIN};

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                fb_device(&b);
                fb_str(&b, "rw", 2);
                msgpack_pack_int64(&b.pk, bad[i]);
                msgpack_pack_uint32(&b.pk, 0);
                msgpack_pack_uint32(&b.pk, 0);
                ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        }
        fb_device(&b);
        fb_str(&b, "rw", 2);
        msgpack_pack_uint64(&b.pk, UINT64_MAX); /* > INT64_MAX */
        msgpack_pack_uint32(&b.pk, 0);
        msgpack_pack_uint32(&b.pk, 0);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_device(&b);
        fb_str(&b, "rw", 2);
        msgpack_pack_int64(&b.pk, -1);
        msgpack_pack_uint32(&b.pk, 0);
        msgpack_pack_uint32(&b.pk, 0);
        ck_assert_int_eq(fb_decode(&b), 0);
}
END_TEST

START_TEST(test_reject_bool_as_int)
{
        struct fb b;

        fb_init(&b);
        msgpack_pack_array(&b.pk, 7);
        msgpack_pack_uint32(&b.pk, IPC_MNT_VOLUME);
        msgpack_pack_uint32(&b.pk, 1);
        fb_str(&b, "/a", 2);
        fb_str(&b, "/b", 2);
        msgpack_pack_uint32(&b.pk, 1);
        msgpack_pack_true(&b.pk);
        msgpack_pack_true(&b.pk);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_missing_field)
{
        struct fb b;

        fb_signal(&b, 0);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_extra_field)
{
        struct fb b;

        fb_signal(&b, 2);
        msgpack_pack_uint32(&b.pk, 9);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_init(&b);
        msgpack_pack_array(&b.pk, 3);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        msgpack_pack_uint32(&b.pk, 1);
        msgpack_pack_true(&b.pk);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_trailing_bytes)
{
        struct fb b;

        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 9);
        msgpack_pack_uint32(&b.pk, 0);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        /* a second whole frame is trailing bytes too */
        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 9);
        msgpack_pack_array(&b.pk, 2);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        msgpack_pack_uint32(&b.pk, 1);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_truncated)
{
        struct ipc_mnt_created m = {.hdr = {.type = IPC_MNT_CREATED, .id = 3},
                                    .init_pid = 1234,
                                    .cgroup = "/pbox/box"};
        uint8_t buf[128];
        void *out = NULL;
        ssize_t n = ipc_encode(&m, buf, sizeof(buf));

        ck_assert_int_gt(n, 0);
        for (ssize_t i = 0; i < n; i++)
                ck_assert_int_eq(
                    ipc_decode(buf, (size_t)i, ALL_ROLES, NULL, 0, &out),
                    -EBADMSG);
        ck_assert_int_eq(ipc_decode(buf, (size_t)n, ALL_ROLES, NULL, 0, &out),
                         0);
        ipc_msg_free(out);
}
END_TEST

START_TEST(test_reject_map_for_scalar)
{
        struct fb b;

        fb_signal(&b, 1);
        msgpack_pack_map(&b.pk, 1);
        msgpack_pack_uint32(&b.pk, 9);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_signal(&b, 1);
        msgpack_pack_map(&b.pk, 0);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_array_for_scalar)
{
        struct fb b;

        fb_signal(&b, 1);
        msgpack_pack_array(&b.pk, 1);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        /* an array where a STR is expected */
        fb_init(&b);
        msgpack_pack_array(&b.pk, 3);
        msgpack_pack_uint32(&b.pk, IPC_MNT_DEVICE_REMOVE);
        msgpack_pack_uint32(&b.pk, 1);
        msgpack_pack_array(&b.pk, 1);
        fb_str(&b, "/dev/x", 6);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_nested_strv)
{
        struct fb b;

        fb_exec(&b);
        msgpack_pack_array(&b.pk, 2);
        fb_str(&b, "/bin/sh", 7);
        msgpack_pack_array(&b.pk, 1);
        fb_str(&b, "x", 1);
        fb_exec_rest(&b);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        /* an int inside a STRV */
        fb_exec(&b);
        msgpack_pack_array(&b.pk, 2);
        fb_str(&b, "/bin/sh", 7);
        msgpack_pack_uint32(&b.pk, 1);
        fb_exec_rest(&b);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        /* the same frame, well-formed, passes */
        fb_exec(&b);
        msgpack_pack_array(&b.pk, 2);
        fb_str(&b, "/bin/sh", 7);
        fb_str(&b, "1", 1);
        fb_exec_rest(&b);
        ck_assert_int_eq(fb_decode(&b), 0);
}
END_TEST

START_TEST(test_reject_deep_nesting)
{
        struct fb b;

        fb_signal(&b, 1);
        for (int i = 0; i < 200; i++)
                msgpack_pack_array(&b.pk, 1);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_huge_counts)
{
        /* Headers that announce far more than the frame holds. */
        static const uint8_t arr[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};
        static const uint8_t str[] = {0x93, 0x0c, 0x01, 0xdb, 0x7f,
                                      0xff, 0xff, 0xff, 'a'};
        static const uint8_t bin[] = {0x95, 0x06, 0x01, 0xa1, 'x', 0xc6,
                                      0xff, 0xff, 0xff, 0xff, 0x00};
        void *out = NULL;

        ck_assert_int_eq(ipc_decode(arr, sizeof(arr), ALL_ROLES, NULL, 0, &out),
                         -EBADMSG);
        ck_assert_int_eq(ipc_decode(str, sizeof(str), ALL_ROLES, NULL, 0, &out),
                         -EBADMSG);
        ck_assert_int_eq(ipc_decode(bin, sizeof(bin), ALL_ROLES, NULL, 0, &out),
                         -EBADMSG);
        ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_reject_nil_float_ext)
{
        struct fb b;

        fb_signal(&b, 1);
        msgpack_pack_nil(&b.pk);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_signal(&b, 1);
        msgpack_pack_double(&b.pk, 9.0);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_signal(&b, 1);
        msgpack_pack_ext(&b.pk, 1, 1);
        msgpack_pack_ext_body(&b.pk, "\x09", 1);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_nul_in_string)
{
        struct fb b;

        fb_init(&b);
        msgpack_pack_array(&b.pk, 3);
        msgpack_pack_uint32(&b.pk, IPC_MNT_DEVICE_REMOVE);
        msgpack_pack_uint32(&b.pk, 1);
        fb_str(&b, "/dev/\0x", 7);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        /* inside a STRV element */
        fb_exec(&b);
        msgpack_pack_array(&b.pk, 1);
        fb_str(&b, "/bin/sh\0", 8);
        fb_exec_rest(&b);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_bin_for_str)
{
        struct fb b;

        fb_init(&b);
        msgpack_pack_array(&b.pk, 3);
        msgpack_pack_uint32(&b.pk, IPC_MNT_DEVICE_REMOVE);
        msgpack_pack_uint32(&b.pk, 1);
        msgpack_pack_bin(&b.pk, 6);
        msgpack_pack_bin_body(&b.pk, "/dev/x", 6);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_str_over_limit)
{
        struct fb b;

        fb_device(&b);
        fb_str(&b, "rwmr", 4); /* permissions: max 3 */
        msgpack_pack_int64(&b.pk, -1);
        msgpack_pack_uint32(&b.pk, 0);
        msgpack_pack_uint32(&b.pk, 0);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_bin_over_limit)
{
        static char data[60 * 1024 + 1];
        struct fb b;

        fb_init(&b);
        msgpack_pack_array(&b.pk, 6);
        msgpack_pack_uint32(&b.pk, IPC_MNT_FILE_WRITE);
        msgpack_pack_uint32(&b.pk, 1);
        fb_str(&b, "/x", 2);
        msgpack_pack_bin(&b.pk, sizeof(data));
        msgpack_pack_bin_body(&b.pk, data, sizeof(data));
        msgpack_pack_uint32(&b.pk, 0644);
        msgpack_pack_false(&b.pk);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
}
END_TEST

START_TEST(test_reject_strv_count)
{
        struct fb b;

        /* args: at least 1 */
        fb_exec(&b);
        msgpack_pack_array(&b.pk, 0);
        fb_exec_rest(&b);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        /* args: at most IPC_ARGS_MAX */
        fb_exec(&b);
        msgpack_pack_array(&b.pk, IPC_ARGS_MAX + 1);
        for (int i = 0; i < IPC_ARGS_MAX + 1; i++)
                fb_str(&b, "", 0);
        fb_exec_rest(&b);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_exec(&b);
        msgpack_pack_array(&b.pk, IPC_ARGS_MAX);
        for (int i = 0; i < IPC_ARGS_MAX; i++)
                fb_str(&b, "", 0);
        fb_exec_rest(&b);
        ck_assert_int_eq(fb_decode(&b), 0);
}
END_TEST

START_TEST(test_reject_id_range)
{
        struct fb b;

        fb_init(&b);
        msgpack_pack_array(&b.pk, 2);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        msgpack_pack_uint64(&b.pk, UINT64_C(1) << 32);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_init(&b);
        msgpack_pack_array(&b.pk, 2);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        msgpack_pack_int32(&b.pk, -1);
        ck_assert_int_eq(fb_decode(&b), -EBADMSG);
        fb_init(&b);
        msgpack_pack_array(&b.pk, 2);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        msgpack_pack_uint32(&b.pk, UINT32_MAX);
        ck_assert_int_eq(fb_decode(&b), 0);
}
END_TEST

START_TEST(test_reject_oversize)
{
        uint8_t *buf = calloc(1, IPC_FRAME_MAX + 1);
        void *out = NULL;

        ck_assert_ptr_nonnull(buf);
        ck_assert_int_eq(
            ipc_decode(buf, IPC_FRAME_MAX + 1, ALL_ROLES, NULL, 0, &out),
            -EMSGSIZE);
        ck_assert_ptr_null(out);
        free(buf);
}
END_TEST

START_TEST(test_reject_role)
{
        struct fb b;

        /* MNT_SIGNAL comes from the broker only */
        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(
            fb_decode_fds(&b, IPC_ROLE_INITPROC | IPC_ROLE_CLIENT, NULL, 0),
            -EPROTO);
        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode_fds(&b, IPC_ROLE_BROKER, NULL, 0), 0);
}
END_TEST

START_TEST(test_reject_fd_count)
{
        struct fb b;
        int p[2], fds[IPC_MAX_FDS];

        /* MNT_SIGNAL carries none */
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        int p0 = p[0];
        fb_signal(&b, 1);
        msgpack_pack_uint32(&b.pk, 9);
        ck_assert_int_eq(fb_decode_fds(&b, ALL_ROLES, &p[0], 1), -EBADMSG);
        ck_assert(!fd_is_open(p0));
        ck_assert_int_eq(p[0], -EBADF);
        ck_assert(fd_is_open(p[1]));
        close(p[1]);

        /* MNT_CREATE carries 4: 3 is wrong */
        int fds3[3];
        for (int i = 0; i < 3; i++)
                fds3[i] = fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        fb_init(&b);
        msgpack_pack_array(&b.pk, 3);
        msgpack_pack_uint32(&b.pk, IPC_MNT_CREATE);
        msgpack_pack_uint32(&b.pk, 1);
        fb_str(&b, "u", 1);
        ck_assert_int_eq(fb_decode_fds(&b, ALL_ROLES, fds, 3), -EBADMSG);
        for (int i = 0; i < 3; i++)
                ck_assert(!fd_is_open(fds3[i]));
        /* KILL with too many fds for any message */
        int many[IPC_MAX_FDS + 1];
        for (int i = 0; i < IPC_MAX_FDS + 1; i++)
                many[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        fb_init(&b);
        msgpack_pack_array(&b.pk, 2);
        msgpack_pack_uint32(&b.pk, IPC_MNT_KILL);
        msgpack_pack_uint32(&b.pk, 1);
        int saved[IPC_MAX_FDS + 1];
        memcpy(saved, many, sizeof(many));
        ck_assert_int_eq(fb_decode_fds(&b, ALL_ROLES, many, IPC_MAX_FDS + 1),
                         -EBADMSG);
        for (int i = 0; i < IPC_MAX_FDS + 1; i++)
                ck_assert(!fd_is_open(saved[i]));
}
END_TEST

START_TEST(test_fds_closed_on_failure)
{
        struct fb b;
        int p[2], saved;

        /* a frame that fails late, after the type and fd count checked */
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        saved = p[0];
        fb_init(&b);
        msgpack_pack_array(&b.pk, 2);
        msgpack_pack_uint32(&b.pk, IPC_INIT_TTY);
        msgpack_pack_uint32(&b.pk, 1);
        msgpack_pack_uint32(&b.pk, 1); /* trailing */
        ck_assert_int_eq(fb_decode_fds(&b, IPC_ROLE_INITPROC, &p[0], 1),
                         -EBADMSG);
        ck_assert(!fd_is_open(saved));
        close(p[1]);

        /* role refusal closes too */
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        saved = p[0];
        fb_init(&b);
        msgpack_pack_array(&b.pk, 2);
        msgpack_pack_uint32(&b.pk, IPC_INIT_TTY);
        msgpack_pack_uint32(&b.pk, 1);
        ck_assert_int_eq(fb_decode_fds(&b, IPC_ROLE_BROKER, &p[0], 1), -EPROTO);
        ck_assert(!fd_is_open(saved));
        close(p[1]);
}
END_TEST

START_TEST(test_msg_free_closes_fds)
{
        struct ipc_hdr *m = ipc_msg_new(IPC_INIT_TTY);
        int p[2];

        ck_assert_ptr_nonnull(m);
        ck_assert_int_eq(m->fds[0], -EBADF);
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        m->fds[0] = p[0];
        m->nfds = 1;
        ipc_msg_free(m);
        ck_assert(!fd_is_open(p[0]));
        close(p[1]);
        ipc_msg_free(NULL);
        ck_assert_ptr_null(ipc_msg_new(0));
        ck_assert_ptr_null(ipc_msg_new(IPC_TYPE_MAX));
}
END_TEST

static Suite *codec_suite(void)
{
        Suite *s = suite_create("codec");
        TCase *tc = tcase_create("codec");

        tcase_add_test(tc, test_roundtrip_every_type);
        tcase_add_test(tc, test_roundtrip_typed);
        tcase_add_test(tc, test_roundtrip_empty_bin);
        tcase_add_test(tc, test_encode_refuses);
        tcase_add_test(tc, test_encode_frame_max);
        tcase_add_test(tc, test_reject_unknown_type);
        tcase_add_test(tc, test_reject_not_array);
        tcase_add_test(tc, test_reject_str_for_int);
        tcase_add_test(tc, test_reject_negative_u64);
        tcase_add_test(tc, test_reject_int_over_max);
        tcase_add_test(tc, test_reject_i64_range);
        tcase_add_test(tc, test_reject_bool_as_int);
        tcase_add_test(tc, test_reject_missing_field);
        tcase_add_test(tc, test_reject_extra_field);
        tcase_add_test(tc, test_reject_trailing_bytes);
        tcase_add_test(tc, test_reject_truncated);
        tcase_add_test(tc, test_reject_map_for_scalar);
        tcase_add_test(tc, test_reject_array_for_scalar);
        tcase_add_test(tc, test_reject_nested_strv);
        tcase_add_test(tc, test_reject_deep_nesting);
        tcase_add_test(tc, test_reject_huge_counts);
        tcase_add_test(tc, test_reject_nil_float_ext);
        tcase_add_test(tc, test_reject_nul_in_string);
        tcase_add_test(tc, test_reject_bin_for_str);
        tcase_add_test(tc, test_reject_str_over_limit);
        tcase_add_test(tc, test_reject_bin_over_limit);
        tcase_add_test(tc, test_reject_strv_count);
        tcase_add_test(tc, test_reject_id_range);
        tcase_add_test(tc, test_reject_oversize);
        tcase_add_test(tc, test_reject_role);
        tcase_add_test(tc, test_reject_fd_count);
        tcase_add_test(tc, test_fds_closed_on_failure);
        tcase_add_test(tc, test_msg_free_closes_fds);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(codec_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
