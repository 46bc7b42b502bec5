/* rootfs_files.c — volumes, file copies and file writes into the box's
 * root. Run by the box's init child in the mounter (root, in the box's
 * mount namespace, before pivot_root). Sources are host paths from the
 * validated plan; destinations are resolved inside the root and only ever
 * touched through the fds that resolution returned, with O_NOFOLLOW /
 * O_EXCL on the last component, so a symlink or hard link planted in the
 * rootfs cannot redirect a write or a mount to the host. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "resolve.h"
#include "rootfs.h"
#include "rootfs_mnt.h"

static void globfreep(glob_t *g)
{
        globfree(g);
}

static int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* ---- volumes ----------------------------------------------------------- */

static int volume_mount_one(int rootfd, const struct ipc_mnt_volume *v,
                            const char *src, const char *dst, char *errmsg,
                            size_t errlen)
{
        _cleanup_close_ int treefd = -EBADF, tfd = -EBADF;
        struct stat sst, tst;
        int r;

        r = rootfs_mnt_tree(src, v->recursive,
                            v->readonly ? MOUNT_ATTR_RDONLY : 0, &treefd);
        if (r == -ENOENT && v->skip_if_missing)
                return 0;
        if (r < 0)
                return rootfs_err(errmsg, errlen, r, "volume %s: source %s",
                                  dst, src);
        if (fstat(treefd, &sst) < 0)
                return rootfs_err(errmsg, errlen, -errno,
                                  "volume %s: source %s", dst, src);
        /* A directory for a directory source, an empty file otherwise. */
        r = resolve_in_root(
            rootfd, dst, S_ISDIR(sst.st_mode) ? RESOLVE_MKDIR : RESOLVE_MKFILE,
            &tfd);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r,
                                  "volume %s: destination in the box", dst);
        if (fstat(tfd, &tst) < 0)
                return rootfs_err(errmsg, errlen, -errno, "volume %s", dst);
        if (S_ISDIR(sst.st_mode) != S_ISDIR(tst.st_mode))
                return rootfs_err(errmsg, errlen,
                                  S_ISDIR(sst.st_mode) ? -ENOTDIR : -EISDIR,
                                  "volume %s: destination in the box", dst);
        r = rootfs_mnt_attach(treefd, tfd, v->recursive, true);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r, "volume %s: mount %s", dst,
                                  src);
        return 0;
}

int rootfs_volume_apply(int rootfd, const struct ipc_mnt_volume *v,
                        char *errmsg, size_t errlen)
{
        _cleanup_(globfreep) glob_t g = {0};
        int r;

        if (!v || !v->src || !v->dst || v->src[0] != '/' || v->dst[0] != '/')
                return rootfs_err(errmsg, errlen, -EINVAL, "volume %s",
                                  v && v->dst ? v->dst : "(null)");
        if (!strpbrk(v->src, "*?["))
                return volume_mount_one(rootfd, v, v->src, v->dst, errmsg,
                                        errlen);

        /* A pattern: each match is mounted at its own path (Planet). */
        r = glob(v->src, GLOB_ERR, NULL, &g);
        if (r == GLOB_NOMATCH) {
                if (v->skip_if_missing)
                        return 0;
                return rootfs_err(errmsg, errlen, -ENOENT,
                                  "volume %s: source %s", v->dst, v->src);
        }
        if (r != 0)
                return rootfs_err(errmsg, errlen,
                                  r == GLOB_NOSPACE ? -ENOMEM : -EIO,
                                  "volume %s: source %s", v->dst, v->src);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                r = volume_mount_one(rootfd, v, g.gl_pathv[i], g.gl_pathv[i],
                                     errmsg, errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- files ------------------------------------------------------------- */

/* A fresh regular file at dst in the root: whatever was at the last
 * component (a symlink, a file hard-linked to the host) is unlinked, never
 * written through. */
static int file_create(int rootfd, const char *dst, int *ret_fd)
{
        _cleanup_close_ int dirfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *name = NULL;
        int r;

        r = resolve_parent_in_root(rootfd, dst, RESOLVE_MKDIR, &dirfd, &name);
        if (r < 0)
                return r;
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        fd = openat(dirfd, name,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* An existing regular file at dst opened for appending (created if
 * missing); a symlink is refused (ELOOP), as is a file with other hard
 * links (EMLINK), which could be a host file. */
static int file_open_append(int rootfd, const char *dst, int *ret_fd)
{
        _cleanup_close_ int dirfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *name = NULL;
        struct stat st;
        int r;

        r = resolve_parent_in_root(rootfd, dst, RESOLVE_MKDIR, &dirfd, &name);
        if (r < 0)
                return r;
        /* O_NONBLOCK: a FIFO planted there must not hang us. */
        fd = openat(dirfd, name,
                    O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
                        O_NOCTTY | O_CLOEXEC,
                    0600);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if (st.st_nlink > 1)
                return -EMLINK;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int rootfs_file_copy(int rootfd, const struct ipc_mnt_file_copy *c,
                     char *errmsg, size_t errlen)
{
        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
        char buf[65536];
        struct stat st;
        mode_t mode;
        int r;

        if (!c || !c->src || !c->dst || c->dst[0] != '/' || c->mode > 07777)
                return rootfs_err(errmsg, errlen, -EINVAL, "file %s",
                                  c && c->dst ? c->dst : "(null)");
        sfd = open(c->src, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (sfd < 0)
                return rootfs_err(errmsg, errlen, -errno, "file %s: source %s",
                                  c->dst, c->src);
        if (fstat(sfd, &st) < 0)
                return rootfs_err(errmsg, errlen, -errno, "file %s: source %s",
                                  c->dst, c->src);
        if (!S_ISREG(st.st_mode))
                return rootfs_err(errmsg, errlen, -EINVAL,
                                  "file %s: source %s is not a regular file",
                                  c->dst, c->src);
        mode = c->mode >= 0 ? (mode_t)c->mode : st.st_mode & 07777;

        r = file_create(rootfd, c->dst, &dfd);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r, "file %s: in the box",
                                  c->dst);
        for (;;) {
                ssize_t n = read(sfd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return rootfs_err(errmsg, errlen, -errno,
                                          "file %s: read %s", c->dst, c->src);
                if (n == 0)
                        break;
                r = write_all(dfd, buf, (size_t)n);
                if (r < 0)
                        return rootfs_err(errmsg, errlen, r, "file %s: write",
                                          c->dst);
        }
        /* chown first: it clears set-id bits the mode may ask for. */
        if (fchown(dfd, c->uid >= 0 ? (uid_t)c->uid : 0,
                   c->gid >= 0 ? (gid_t)c->gid : 0) < 0)
                return rootfs_err(errmsg, errlen, -errno, "file %s: chown",
                                  c->dst);
        if (fchmod(dfd, mode) < 0)
                return rootfs_err(errmsg, errlen, -errno, "file %s: chmod",
                                  c->dst);
        return 0;
}

int rootfs_file_write(int rootfd, const struct ipc_mnt_file_write *w,
                      char *errmsg, size_t errlen)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!w || !w->dst || w->dst[0] != '/' || w->mode > 07777 ||
            (w->data.len > 0 && !w->data.data))
                return rootfs_err(errmsg, errlen, -EINVAL, "write %s",
                                  w && w->dst ? w->dst : "(null)");
        r = w->append ? file_open_append(rootfd, w->dst, &fd)
                      : file_create(rootfd, w->dst, &fd);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r, "write %s: in the box",
                                  w->dst);
        r = write_all(fd, w->data.data, w->data.len);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r, "write %s", w->dst);
        if (fchmod(fd, (mode_t)w->mode) < 0)
                return rootfs_err(errmsg, errlen, -errno, "write %s: chmod",
                                  w->dst);
        return 0;
}
