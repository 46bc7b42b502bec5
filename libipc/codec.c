/* codec.c — msgpack encoder and decoder for pbox messages, driven only by
 * the schema table (schema.c): no per-type code. Linked into every pbox
 * process; the decoder is the first thing to touch a peer's bytes, so it
 * checks every size before it allocates and refuses anything the schema
 * does not describe exactly.
 *
 * Wire form: the msgpack array [type, id, field1, field2, ...]. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "cleanup.h"
#include "ipc.h"

/* Fields are reached through the schema's offsets. */
#define FIELD_PTR(msg, f) ((void *)((uint8_t *)(msg) + (f)->offset))

/* ---- Encoding ----------------------------------------------------------- */

/* The packer writes straight into the caller's buffer, never past cap. */
struct enc_buf {
        uint8_t *buf;
        size_t cap;
        size_t len;
};

static int enc_write(void *data, const char *p, size_t n)
{
        struct enc_buf *b = data;

        if (n > b->cap - b->len)
                return -1;
        memcpy(b->buf + b->len, p, n);
        b->len += n;
        return 0;
}

static size_t strv_len(char *const *v)
{
        size_t n = 0;

        if (v)
                while (v[n])
                        n++;
        return n;
}

/* Checks one field of msg against its schema entry; -EINVAL if broken. */
static int field_check(const void *msg, const struct ipc_field *f)
{
        const void *p = FIELD_PTR(msg, f);

        switch (f->type) {
        case IPC_T_U64: {
                uint64_t v = *(const uint64_t *)p;
                return v < f->min || v > f->max ? -EINVAL : 0;
        }
        case IPC_T_I64: {
                int64_t v = *(const int64_t *)p;
                return v < (int64_t)f->min || v > (int64_t)f->max ? -EINVAL : 0;
        }
        case IPC_T_BOOL:
                return 0;
        case IPC_T_STR: {
                const char *s = *(char *const *)p;
                return s && strlen(s) > f->max ? -EINVAL : 0;
        }
        case IPC_T_BIN: {
                const struct ipc_bin *b = p;
                if (b->len > f->max || (b->len > 0 && !b->data))
                        return -EINVAL;
                return 0;
        }
        case IPC_T_STRV: {
                char *const *v = *(char **const *)p;
                size_t n = strv_len(v);
                if (n < f->min || n > f->max)
                        return -EINVAL;
                for (size_t i = 0; i < n; i++)
                        if (strlen(v[i]) > f->elem_max)
                                return -EINVAL;
                return 0;
        }
        }
        return -EINVAL;
}

static int pack_str(msgpack_packer *pk, const char *s)
{
        size_t n;

        /* A NULL string goes out as "": robust senders, same wire form. */
        if (!s)
                s = "";
        n = strlen(s);
        if (msgpack_pack_str(pk, n) < 0 || msgpack_pack_str_body(pk, s, n) < 0)
                return -EMSGSIZE;
        return 0;
}

static int pack_field(msgpack_packer *pk, const void *msg,
                      const struct ipc_field *f)
{
        const void *p = FIELD_PTR(msg, f);
        int r;

        switch (f->type) {
        case IPC_T_U64:
                r = msgpack_pack_uint64(pk, *(const uint64_t *)p);
                break;
        case IPC_T_I64:
                r = msgpack_pack_int64(pk, *(const int64_t *)p);
                break;
        case IPC_T_BOOL:
                r = *(const bool *)p ? msgpack_pack_true(pk)
                                     : msgpack_pack_false(pk);
                break;
        case IPC_T_STR:
                return pack_str(pk, *(char *const *)p);
        case IPC_T_BIN: {
                const struct ipc_bin *b = p;
                r = msgpack_pack_bin(pk, b->len);
                if (r >= 0 && b->len > 0)
                        r = msgpack_pack_bin_body(pk, b->data, b->len);
                break;
        }
        case IPC_T_STRV: {
                char *const *v = *(char **const *)p;
                size_t n = strv_len(v);
                r = msgpack_pack_array(pk, n);
                for (size_t i = 0; r >= 0 && i < n; i++)
                        r = pack_str(pk, v[i]);
                break;
        }
        default:
                return -EINVAL;
        }
        return r < 0 ? -EMSGSIZE : 0;
}

ssize_t ipc_encode(const void *msg, uint8_t *buf, size_t bufsz)
{
        const struct ipc_hdr *hdr = msg;
        const struct ipc_msgdef *def;
        struct enc_buf b;
        msgpack_packer pk;
        int r;

        if (!msg || !buf)
                return -EINVAL;
        def = ipc_schema_lookup(hdr->type);
        if (!def)
                return -EINVAL;
        for (unsigned i = 0; i < def->nfields; i++) {
                r = field_check(msg, &def->fields[i]);
                if (r < 0)
                        return r;
        }

        b = (struct enc_buf){buf, bufsz < IPC_FRAME_MAX ? bufsz : IPC_FRAME_MAX,
                             0};
        msgpack_packer_init(&pk, &b, enc_write);
        if (msgpack_pack_array(&pk, 2 + def->nfields) < 0 ||
            msgpack_pack_uint64(&pk, def->type) < 0 ||
            msgpack_pack_uint64(&pk, hdr->id) < 0)
                return -EMSGSIZE;
        for (unsigned i = 0; i < def->nfields; i++) {
                r = pack_field(&pk, msg, &def->fields[i]);
                if (r < 0)
                        return r;
        }
        return (ssize_t)b.len;
}

/* ---- Messages ----------------------------------------------------------- */

void *ipc_msg_new(enum ipc_type t)
{
        const struct ipc_msgdef *def = ipc_schema_lookup(t);
        struct ipc_hdr *hdr;

        if (!def)
                return NULL;
        hdr = calloc(1, def->size);
        if (!hdr)
                return NULL;
        hdr->type = t;
        for (unsigned i = 0; i < IPC_MAX_FDS; i++)
                hdr->fds[i] = -EBADF;
        return hdr;
}

void ipc_msg_free(void *msg)
{
        struct ipc_hdr *hdr = msg;
        const struct ipc_msgdef *def;

        if (!msg)
                return;
        def = ipc_schema_lookup(hdr->type);
        for (unsigned i = 0; def && i < def->nfields; i++) {
                const struct ipc_field *f = &def->fields[i];
                void *p = FIELD_PTR(msg, f);

                switch (f->type) {
                case IPC_T_STR:
                        free(*(char **)p);
                        break;
                case IPC_T_BIN:
                        free(((struct ipc_bin *)p)->data);
                        break;
                case IPC_T_STRV:
                        strv_free(*(char ***)p);
                        break;
                case IPC_T_U64:
                case IPC_T_I64:
                case IPC_T_BOOL:
                        break;
                }
        }
        for (unsigned i = 0; i < IPC_MAX_FDS; i++)
                if (hdr->fds[i] >= 0)
                        close(hdr->fds[i]);
        free(msg);
}

/* ---- Decoding ----------------------------------------------------------- */

/* msgpack-c allocates count * sizeof(msgpack_object) for an array header
 * before it has seen a single element, so a 5-byte frame could ask for
 * 100 GB. This pass walks the raw bytes first: only the kinds the schema
 * uses (ints, bools, str, bin, arrays), arrays at most two deep, and every
 * declared length or count backed by bytes actually present. */
#define SCAN_DEPTH 2

static uint64_t be_read(const uint8_t *p, size_t n)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

static int frame_prescan(const uint8_t *p, size_t len)
{
        uint64_t left[SCAN_DEPTH + 1]; /* elements still due per level */
        size_t pos = 0;
        int depth = 0;

        left[0] = 1;
        while (depth > 0 || left[0] > 0) {
                uint8_t c;
                size_t hdr = 1;
                uint64_t body = 0, count = 0;
                bool container = false;

                if (left[depth] == 0) {
                        depth--;
                        continue;
                }
                left[depth]--;
                if (pos >= len)
                        return -EBADMSG;
                c = p[pos];
                if (c <= 0x7f || c >= 0xe0 || c == 0xc2 || c == 0xc3) {
                        /* fixint, bool */
                } else if (c >= 0xa0 && c <= 0xbf) {
                        body = c & 0x1f;
                } else if (c >= 0x90 && c <= 0x9f) {
                        container = true;
                        count = c & 0x0f;
                } else if (c >= 0xcc && c <= 0xd3) {
                        /* uint8..uint64, int8..int64 */
                        body = 1u << ((c - 0xcc) & 3);
                } else if (c == 0xc4 || c == 0xd9 || c == 0xc5 || c == 0xda ||
                           c == 0xc6 || c == 0xdb || c == 0xdc || c == 0xdd) {
                        size_t w = (c == 0xc4 || c == 0xd9)                ? 1
                                   : (c == 0xc5 || c == 0xda || c == 0xdc) ? 2
                                                                           : 4;
                        if (len - pos < 1 + w)
                                return -EBADMSG;
                        hdr = 1 + w;
                        if (c == 0xdc || c == 0xdd) {
                                container = true;
                                count = be_read(p + pos + 1, w);
                        } else {
                                body = be_read(p + pos + 1, w);
                        }
                } else {
                        /* nil, maps, floats, ext, 0xc1: never in a frame */
                        return -EBADMSG;
                }
                if (len - pos < hdr || len - pos - hdr < body)
                        return -EBADMSG;
                pos += hdr + body;
                if (container) {
                        /* Each element takes at least one byte. */
                        if (depth == SCAN_DEPTH || count > len - pos)
                                return -EBADMSG;
                        left[++depth] = count;
                }
        }
        return pos == len ? 0 : -EBADMSG;
}

static int obj_u64(const msgpack_object *o, uint64_t min, uint64_t max,
                   uint64_t *ret)
{
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                return -EBADMSG;
        if (o->via.u64 < min || o->via.u64 > max)
                return -EBADMSG;
        *ret = o->via.u64;
        return 0;
}

static int obj_i64(const msgpack_object *o, int64_t min, int64_t max,
                   int64_t *ret)
{
        int64_t v;

        if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
                if (o->via.u64 > INT64_MAX)
                        return -EBADMSG;
                v = (int64_t)o->via.u64;
        } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
                v = o->via.i64;
        } else {
                return -EBADMSG;
        }
        if (v < min || v > max)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int obj_str(const msgpack_object *o, uint64_t max, char **ret)
{
        char *s;

        if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > max)
                return -EBADMSG;
        /* An empty str may come with a NULL ptr: no mem* calls on it. */
        if (o->via.str.size > 0 && memchr(o->via.str.ptr, 0, o->via.str.size))
                return -EBADMSG;
        s = malloc(o->via.str.size + 1);
        if (!s)
                return -ENOMEM;
        if (o->via.str.size > 0)
                memcpy(s, o->via.str.ptr, o->via.str.size);
        s[o->via.str.size] = 0;
        *ret = s;
        return 0;
}

static int obj_bin(const msgpack_object *o, uint64_t max, struct ipc_bin *ret)
{
        uint8_t *d = NULL;

        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > max)
                return -EBADMSG;
        if (o->via.bin.size > 0) {
                d = malloc(o->via.bin.size);
                if (!d)
                        return -ENOMEM;
                memcpy(d, o->via.bin.ptr, o->via.bin.size);
        }
        *ret = (struct ipc_bin){d, o->via.bin.size};
        return 0;
}

static int obj_strv(const msgpack_object *o, const struct ipc_field *f,
                    char ***ret)
{
        _cleanup_strv_free_ char **v = NULL;
        uint32_t n;
        int r;

        if (o->type != MSGPACK_OBJECT_ARRAY)
                return -EBADMSG;
        n = o->via.array.size;
        if (n < f->min || n > f->max)
                return -EBADMSG;
        v = calloc((size_t)n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
                r = obj_str(&o->via.array.ptr[i], f->elem_max, &v[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

/* Stores one decoded field into msg, which owns it from then on. */
static int field_decode(void *msg, const struct ipc_field *f,
                        const msgpack_object *o)
{
        void *p = FIELD_PTR(msg, f);

        switch (f->type) {
        case IPC_T_U64:
                return obj_u64(o, f->min, f->max, p);
        case IPC_T_I64:
                return obj_i64(o, (int64_t)f->min, (int64_t)f->max, p);
        case IPC_T_BOOL:
                if (o->type != MSGPACK_OBJECT_BOOLEAN)
                        return -EBADMSG;
                *(bool *)p = o->via.boolean;
                return 0;
        case IPC_T_STR:
                return obj_str(o, f->max, p);
        case IPC_T_BIN:
                return obj_bin(o, f->max, p);
        case IPC_T_STRV:
                return obj_strv(o, f, p);
        }
        return -EBADMSG;
}

static void fds_close(int *fds, unsigned nfds)
{
        for (unsigned i = 0; fds && i < nfds; i++)
                if (fds[i] >= 0) {
                        close(fds[i]);
                        fds[i] = -EBADF;
                }
}

static int decode_obj(const msgpack_object *top, unsigned from, unsigned nfds,
                      void **ret)
{
        const struct ipc_msgdef *def;
        const msgpack_object *a;
        uint64_t type, id;
        void *msg;
        int r;

        if (top->type != MSGPACK_OBJECT_ARRAY || top->via.array.size < 2)
                return -EBADMSG;
        a = top->via.array.ptr;
        if (obj_u64(&a[0], 1, IPC_TYPE_MAX - 1, &type) < 0 ||
            obj_u64(&a[1], 0, UINT32_MAX, &id) < 0)
                return -EBADMSG;
        def = ipc_schema_lookup((unsigned)type);
        if (!def)
                return -EBADMSG;
        if (!(def->senders & from))
                return -EPROTO;
        if (nfds != def->nfds || top->via.array.size != 2 + def->nfields)
                return -EBADMSG;

        msg = ipc_msg_new(def->type);
        if (!msg)
                return -ENOMEM;
        ((struct ipc_hdr *)msg)->id = (uint32_t)id;
        for (unsigned i = 0; i < def->nfields; i++) {
                r = field_decode(msg, &def->fields[i], &a[2 + i]);
                if (r < 0) {
                        ipc_msg_free(msg);
                        return r;
                }
        }
        *ret = msg;
        return 0;
}

int ipc_decode(const uint8_t *buf, size_t len, unsigned from, int *fds,
               unsigned nfds, void **ret)
{
        msgpack_unpacked up;
        msgpack_unpack_return ur;
        struct ipc_hdr *hdr;
        void *msg = NULL;
        size_t off = 0;
        int r;

        if (!ret || (nfds > 0 && !fds)) {
                r = -EINVAL;
                goto fail;
        }
        if (nfds > IPC_MAX_FDS) {
                r = -EBADMSG;
                goto fail;
        }
        if (len > IPC_FRAME_MAX) {
                r = -EMSGSIZE;
                goto fail;
        }
        if (!buf) {
                r = -EBADMSG;
                goto fail;
        }
        r = frame_prescan(buf, len);
        if (r < 0)
                goto fail;

        msgpack_unpacked_init(&up);
        ur = msgpack_unpack_next(&up, (const char *)buf, len, &off);
        if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
                r = -ENOMEM;
        else if (ur != MSGPACK_UNPACK_SUCCESS || off != len)
                r = -EBADMSG;
        else
                r = decode_obj(&up.data, from, nfds, &msg);
        msgpack_unpacked_destroy(&up);
        if (r < 0)
                goto fail;

        hdr = msg;
        for (unsigned i = 0; i < nfds; i++) {
                hdr->fds[i] = fds[i];
                fds[i] = -EBADF;
        }
        hdr->nfds = nfds;
        *ret = msg;
        return 0;
fail:
        fds_close(fds, nfds);
        return r;
}
