/* text.c — text helpers of the test harness (see harness.h,
 * harness_internal.h): a growing NUL-terminated buffer, reading a file
 * whole, counting lines. Runs in the forked check test process and in the
 * box janitor. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "harness_internal.h"

int count_lines(const char *s)
{
        int n = 0;

        if (!s)
                return 0;
        for (const char *p = s; *p; p++)
                if (*p == '\n' || p[1] == '\0')
                        n++;
        return n;
}

int buf_append(struct buf *b, const char *d, size_t n)
{
        if (b->n + n + 1 > b->cap) {
                size_t cap = (b->n + n + 1) * 2;
                char *p = realloc(b->p, cap);

                if (!p)
                        return -ENOMEM;
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->n, d, n);
        b->n += n;
        b->p[b->n] = '\0';
        return 0;
}

char *read_text(const char *path, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct buf b = {0};

        if (fd < 0)
                return NULL;
        buf_append(&b, "", 0);
        for (;;) {
                char tmp[4096];
                ssize_t k = read(fd, tmp, sizeof(tmp));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                buf_append(&b, tmp, (size_t)k);
        }
        if (ret_len)
                *ret_len = b.n;
        return b.p;
}
