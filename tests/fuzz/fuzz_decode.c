/* fuzz_decode.c — libFuzzer target for libipc's decoder (codec.c): any
 * bytes, as if from a peer of every role. Whatever decodes must encode
 * again and decode to the same frame.
 *
 * Built with -DGEN_CORPUS (no libFuzzer) it writes one valid frame per
 * message type into the directory named by argv[1]: the seed corpus in
 * tests/fuzz/corpus/decode/, regenerated with
 *   clang -DGEN_CORPUS -D_GNU_SOURCE -Iinclude -Ilibipc -o gen \
 *     tests/fuzz/fuzz_decode.c libipc/codec.c libipc/schema.c -lmsgpackc
 *   ./gen tests/fuzz/corpus/decode */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"

#define ALL_ROLES 0x3fu

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t enc1[IPC_FRAME_MAX], enc2[IPC_FRAME_MAX];

static void open_fds(int *fds, unsigned k)
{
        for (unsigned i = 0; i < k; i++)
                fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        void *msg = NULL, *again = NULL;
        int fds[IPC_MAX_FDS];
        unsigned nfds = 0;
        ssize_t n1, n2;
        int r;

        /* The fd count a type needs is known only after decoding: try
         * none, then 1..IPC_MAX_FDS /dev/null fds (every failure closes
         * them, so a leak shows up as fd exhaustion). */
        r = ipc_decode(data, size, ALL_ROLES, NULL, 0, &msg);
        for (unsigned k = 1; r == -EBADMSG && k <= IPC_MAX_FDS; k++) {
                open_fds(fds, k);
                r = ipc_decode(data, size, ALL_ROLES, fds, k, &msg);
                nfds = k;
        }
        if (r < 0)
                return 0;

        /* Whatever was accepted is within the schema: it must encode,
         * and its encoding decode to the same bytes again. */
        n1 = ipc_encode(msg, enc1, sizeof(enc1));
        if (n1 < 0)
                abort();
        open_fds(fds, nfds);
        if (ipc_decode(enc1, (size_t)n1, ALL_ROLES, fds, nfds, &again) < 0)
                abort();
        n2 = ipc_encode(again, enc2, sizeof(enc2));
        if (n2 != n1 || memcmp(enc1, enc2, (size_t)n1) != 0)
                abort();
        ipc_msg_free(again);
        ipc_msg_free(msg);
        return 0;
}

#ifdef GEN_CORPUS
/* A plausible value for every field, within its limits. */
static void fill(void *msg)
{
        const struct ipc_msgdef *def =
            ipc_schema_lookup(((struct ipc_hdr *)msg)->type);
        static char *strv[] = {"/bin/sh", "-c", "true", NULL};

        ((struct ipc_hdr *)msg)->id = 1;
        for (unsigned i = 0; i < def->nfields; i++) {
                const struct ipc_field *f = &def->fields[i];
                void *p = (uint8_t *)msg + f->offset;

                switch (f->type) {
                case IPC_T_U64:
                        *(uint64_t *)p = f->min + (f->max > 1000 ? 1000 : 0);
                        break;
                case IPC_T_I64:
                        *(int64_t *)p = (int64_t)f->min;
                        break;
                case IPC_T_BOOL:
                        *(bool *)p = true;
                        break;
                case IPC_T_STR:
                        *(char **)p = f->max >= 4 ? "/abc" : "rw";
                        break;
                case IPC_T_BIN:
                        ((struct ipc_bin *)p)->data = (uint8_t *)"a\0b\n";
                        ((struct ipc_bin *)p)->len = 4;
                        break;
                case IPC_T_STRV:
                        *(char ***)p = strv;
                        break;
                }
        }
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: %s DIR\n", argv[0]);
                return 2;
        }
        for (unsigned t = 1; t < IPC_TYPE_MAX; t++) {
                const struct ipc_msgdef *def = ipc_schema_lookup(t);
                uint8_t msg[1024] __attribute__((aligned(16))) = {0};
                char path[4096];
                ssize_t n;
                FILE *f;

                if (!def || def->size > sizeof(msg))
                        return 1;
                ((struct ipc_hdr *)msg)->type = t;
                fill(msg);
                n = ipc_encode(msg, enc1, sizeof(enc1));
                if (n < 0)
                        return 1;
                snprintf(path, sizeof(path), "%s/%s", argv[1], def->name);
                f = fopen(path, "we");
                if (!f || fwrite(enc1, 1, (size_t)n, f) != (size_t)n ||
                    fclose(f) != 0)
                        return 1;
        }
        return 0;
}
#endif
