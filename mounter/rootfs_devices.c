/* rootfs_devices.c — device nodes inside the box (--device and hot-plug,
 * Planet's `device add`). Run by the mounter as root: by the box's init
 * child while it builds the root, and by the mounter itself on a running
 * box, whose processes may be racing us. That is why the node is created
 * with its final mode in one mknodat (umask cleared) inside a parent
 * resolved in the root, and only ever touched again with *at() calls that
 * do not follow symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "resolve.h"
#include "rootfs.h"
#include "rootfs_mnt.h"

static void globfreep(glob_t *g)
{
        globfree(g);
}

static int device_make(int rootfd, const char *path, const struct stat *host,
                       const struct ipc_mnt_device *d, char *errmsg,
                       size_t errlen)
{
        _cleanup_close_ int dirfd = -EBADF;
        _cleanup_free_ char *name = NULL;
        mode_t mode, old;
        struct stat st;
        int r;

        mode = d->file_mode >= 0 ? (mode_t)d->file_mode & 07777
                                 : host->st_mode & 07777;
        r = resolve_parent_in_root(rootfd, path, RESOLVE_MKDIR, &dirfd, &name);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r,
                                  "device %s: parent directory in the box",
                                  path);
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (S_ISDIR(st.st_mode))
                        return rootfs_err(errmsg, errlen, -EISDIR, "device %s",
                                          path);
                /* Replace the old node (or a symlink, never its target). */
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return rootfs_err(errmsg, errlen, -errno,
                                          "device %s: remove old node", path);
        }
        old = umask(0);
        r = mknodat(dirfd, name, (host->st_mode & S_IFMT) | mode,
                    host->st_rdev);
        r = r < 0 ? -errno : 0;
        umask(old);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r, "device %s: mknod", path);
        if (fchownat(dirfd, name, (uid_t)d->uid, (gid_t)d->gid,
                     AT_SYMLINK_NOFOLLOW) < 0)
                return rootfs_err(errmsg, errlen, -errno, "device %s: chown",
                                  path);
        return 0;
}

int rootfs_device_add(int rootfd, const struct ipc_mnt_device *d, char *errmsg,
                      size_t errlen)
{
        _cleanup_(globfreep) glob_t g = {0};
        int n = 0;
        int r;

        if (!d || !d->path || d->path[0] != '/' || d->file_mode > 07777 ||
            d->uid > UINT32_MAX - 1 || d->gid > UINT32_MAX - 1)
                return rootfs_err(errmsg, errlen, -EINVAL, "device %s",
                                  d && d->path ? d->path : "(null)");
        r = glob(d->path, GLOB_ERR, NULL, &g);
        if (r == GLOB_NOMATCH)
                return rootfs_err(errmsg, errlen, -ENOENT,
                                  "device %s: on the host", d->path);
        if (r == GLOB_NOSPACE)
                return rootfs_err(errmsg, errlen, -ENOMEM, "device %s",
                                  d->path);
        if (r != 0)
                return rootfs_err(errmsg, errlen, -EIO,
                                  "device %s: glob on the host", d->path);

        for (size_t i = 0; i < g.gl_pathc; i++) {
                const char *m = g.gl_pathv[i];
                struct stat st;

                if (stat(m, &st) < 0)
                        return rootfs_err(errmsg, errlen, -errno,
                                          "device %s: on the host", m);
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        return rootfs_err(errmsg, errlen, -ENODEV,
                                          "device %s: not a character or "
                                          "block device on the host",
                                          m);
                r = device_make(rootfd, m, &st, d, errmsg, errlen);
                if (r < 0)
                        return r;
                n++;
        }
        return n;
}

int rootfs_device_remove(int rootfd, const char *path, char *errmsg,
                         size_t errlen)
{
        _cleanup_close_ int dirfd = -EBADF;
        _cleanup_free_ char *name = NULL;
        struct stat st;
        int r;

        if (!path || path[0] != '/')
                return rootfs_err(errmsg, errlen, -EINVAL, "device %s",
                                  path ? path : "(null)");
        r = resolve_parent_in_root(rootfd, path, 0, &dirfd, &name);
        if (r < 0)
                return rootfs_err(errmsg, errlen, r, "device %s", path);
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return rootfs_err(errmsg, errlen, -errno, "device %s", path);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return rootfs_err(errmsg, errlen, -EPERM,
                                  "device %s: not a device node, not removed",
                                  path);
        if (unlinkat(dirfd, name, 0) < 0)
                return rootfs_err(errmsg, errlen, -errno, "device %s", path);
        return 0;
}
