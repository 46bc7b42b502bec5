/* resolve.c — resolving paths inside the box's root filesystem (see
 * resolve.h). Runs in the mounter, as root, on a rootfs the box's owner may
 * have filled with hostile symlinks: nothing here lets the kernel follow a
 * multi-component path or a symlink for us except openat2 with
 * RESOLVE_IN_ROOT, which keeps the walk inside rootfd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "resolve.h"

#define RESOLVE_MAX_LINKS   40
#define RESOLVE_MAX_DEPTH   512
#define RESOLVE_MAX_RETRIES 16

static int openat2_in_root(int rootfd, const char *path, unsigned how)
{
        struct open_how oh = {
            .flags = (how & RESOLVE_DIR) ? O_RDONLY | O_DIRECTORY | O_CLOEXEC
                                         : O_PATH | O_CLOEXEC,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        /* EAGAIN: a concurrent rename inside the root made the kernel give
         * up on a ".."; trying again is what the interface asks for. */
        for (int i = 0; i < RESOLVE_MAX_RETRIES; i++) {
                fd = (int)syscall(SYS_openat2, rootfd, path, &oh, sizeof(oh));
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN && errno != EINTR)
                        return -errno;
        }
        return -EAGAIN;
}

/* The directory stack of the walk: fds[0] is rootfd (not owned), every
 * other entry is owned. ".." pops, so it can never climb above fds[0]
 * whatever is renamed meanwhile. */
struct walk {
        int fds[RESOLVE_MAX_DEPTH];
        size_t n;
};

static void walk_pop(struct walk *w)
{
        if (w->n > 1)
                close(w->fds[--w->n]);
}

static void walk_reset(struct walk *w)
{
        while (w->n > 1)
                walk_pop(w);
}

static int walk_push(struct walk *w, int fd)
{
        if (w->n >= RESOLVE_MAX_DEPTH) {
                close(fd);
                return -ENAMETOOLONG;
        }
        w->fds[w->n++] = fd;
        return 0;
}

static int walk_top(const struct walk *w)
{
        return w->fds[w->n - 1];
}

/* Create name in dirfd: a directory or (last && MKFILE) an empty file.
 * EEXIST is success: someone else created it, the caller opens it again. */
static int walk_create(int dirfd, const char *name, bool file)
{
        _cleanup_close_ int fd = -EBADF;

        if (file) {
                fd = openat(
                    dirfd, name,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0)
                        return errno == EEXIST ? 0 : -errno;
                /* Our umask must not decide the box's modes. */
                if (fchmod(fd, 0644) < 0)
                        return -errno;
                return 0;
        }
        if (mkdirat(dirfd, name, 0755) < 0)
                return errno == EEXIST ? 0 : -errno;
        fd = openat(dirfd, name,
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0755) < 0)
                return -errno;
        return 0;
}

/* Replace *rest with target + "/" + (*rest from offset). */
static int walk_splice_link(char **rest, size_t offset, const char *target)
{
        const char *tail = *rest + offset;
        char *n;

        if (asprintf(&n, "%s/%s", target, tail) < 0)
                return -ENOMEM;
        free(*rest);
        *rest = n;
        return 0;
}

static int walk_in_root(int rootfd, const char *path, unsigned how, int *ret_fd)
{
        struct walk w = {.fds = {rootfd}, .n = 1};
        _cleanup_free_ char *rest = NULL;
        unsigned links = 0, retries = 0;
        size_t pos = 0;
        struct stat st;
        int fd, r;

        rest = strdup(path);
        if (!rest)
                return -ENOMEM;

        for (;;) {
                char name[NAME_MAX + 1];
                size_t len, next;
                bool last;

                while (rest[pos] == '/')
                        pos++;
                if (!rest[pos])
                        break;
                len = strcspn(rest + pos, "/");
                if (len > NAME_MAX) {
                        r = -ENAMETOOLONG;
                        goto fail;
                }
                memcpy(name, rest + pos, len);
                name[len] = '\0';
                next = pos + len;
                last = rest[next + strspn(rest + next, "/")] == '\0';

                if (strcmp(name, ".") == 0) {
                        pos = next;
                        continue;
                }
                if (strcmp(name, "..") == 0) {
                        walk_pop(&w);
                        pos = next;
                        continue;
                }

                fd =
                    openat(walk_top(&w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        r = -errno;
                        if (r != -ENOENT ||
                            !(how & (RESOLVE_MKDIR | RESOLVE_MKFILE)))
                                goto fail;
                        if (++retries > RESOLVE_MAX_RETRIES) {
                                r = -EAGAIN;
                                goto fail;
                        }
                        r = walk_create(walk_top(&w), name,
                                        last && (how & RESOLVE_MKFILE));
                        if (r < 0)
                                goto fail;
                        continue; /* open it again, O_NOFOLLOW */
                }
                if (fstat(fd, &st) < 0) {
                        r = -errno;
                        close(fd);
                        goto fail;
                }
                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n;

                        n = readlinkat(fd, "", target, sizeof(target) - 1);
                        r = -errno;
                        close(fd);
                        if (n < 0)
                                goto fail;
                        if (++links > RESOLVE_MAX_LINKS) {
                                r = -ELOOP;
                                goto fail;
                        }
                        target[n] = '\0';
                        /* An absolute target restarts at the box's root,
                         * never the host's. */
                        if (target[0] == '/')
                                walk_reset(&w);
                        r = walk_splice_link(&rest, next, target);
                        if (r < 0)
                                goto fail;
                        pos = 0;
                        continue;
                }
                if (!last && !S_ISDIR(st.st_mode)) {
                        close(fd);
                        r = -ENOTDIR;
                        goto fail;
                }
                r = walk_push(&w, fd);
                if (r < 0)
                        goto fail;
                pos = next;
        }

        if (fstat(walk_top(&w), &st) < 0) {
                r = -errno;
                goto fail;
        }
        if (S_ISDIR(st.st_mode))
                fd = openat(walk_top(&w), ".",
                            (how & RESOLVE_DIR)
                                ? O_RDONLY | O_DIRECTORY | O_CLOEXEC
                                : O_PATH | O_CLOEXEC);
        else if (how & RESOLVE_DIR)
                fd = -1, errno = ENOTDIR;
        else
                fd = fcntl(walk_top(&w), F_DUPFD_CLOEXEC, 3);
        if (fd < 0) {
                r = -errno;
                goto fail;
        }
        walk_reset(&w);
        *ret_fd = fd;
        return 0;
fail:
        walk_reset(&w);
        return r;
}

int resolve_in_root(int rootfd, const char *path, unsigned how, int *ret_fd)
{
        int fd, r;

        if (rootfd < 0 || !path)
                return -EINVAL;
        if (!*path)
                path = "/";

        if (!(how & RESOLVE_FORCE_WALK)) {
                fd = openat2_in_root(rootfd, path, how);
                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                r = fd;
                /* The walk is the fallback where openat2 is missing, and
                 * the way missing components get created. */
                if (r != -ENOSYS && r != -E2BIG &&
                    !(r == -ENOENT && (how & (RESOLVE_MKDIR | RESOLVE_MKFILE))))
                        return r;
        }
        return walk_in_root(rootfd, path, how, ret_fd);
}

int resolve_parent_in_root(int rootfd, const char *path, unsigned how,
                           int *ret_dirfd, char **ret_name)
{
        _cleanup_free_ char *copy = NULL, *name = NULL;
        char *slash, *base;
        size_t len;
        int fd, r;

        if (!path)
                return -EINVAL;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        len = strlen(copy);
        while (len > 0 && copy[len - 1] == '/')
                copy[--len] = '\0';
        slash = strrchr(copy, '/');
        base = slash ? slash + 1 : copy;
        if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
                return -EINVAL;
        name = strdup(base);
        if (!name)
                return -ENOMEM;
        if (slash)
                slash[1] = '\0'; /* keep "/" for a top-level name */
        else
                copy[0] = '\0';

        r = resolve_in_root(rootfd, copy, (how & ~RESOLVE_MKFILE) | RESOLVE_DIR,
                            &fd);
        if (r < 0)
                return r;
        *ret_dirfd = fd;
        *ret_name = TAKE_PTR(name);
        return 0;
}
