/* rootfs_mnt.c — mount building blocks for the box's root (see
 * rootfs_mnt.h). Runs in the mounter's box init child, as root, inside the
 * box's fresh mount namespace. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "cleanup.h"
#include "rootfs_mnt.h"

int rootfs_err(char *errmsg, size_t errlen, int r, const char *fmt, ...)
{
        char what[512];
        va_list ap;

        if (!errmsg || errlen == 0)
                return r;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        snprintf(errmsg, errlen, "%s: %s", what, strerror(r < 0 ? -r : r));
        return r;
}

static int fs_set(int fsfd, const char *opt)
{
        _cleanup_free_ char *key = NULL;
        char *eq;
        int r;

        key = strdup(opt);
        if (!key)
                return -ENOMEM;
        eq = strchr(key, '=');
        if (eq) {
                *eq = '\0';
                r = fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
        } else {
                r = fsconfig(fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
        }
        return r < 0 ? -errno : 0;
}

int rootfs_mnt_fs(int targetfd, const char *fstype, const char *const *opts,
                  const char *label, unsigned attrs, unsigned long magic,
                  int *ret_mntfd)
{
        _cleanup_close_ int fsfd = -EBADF, mntfd = -EBADF;
        struct statfs sfs;
        int r;

        fsfd = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return -errno;
        for (size_t i = 0; opts && opts[i]; i++) {
                r = fs_set(fsfd, opts[i]);
                if (r < 0)
                        return r;
        }
        if (label && *label &&
            fsconfig(fsfd, FSCONFIG_SET_STRING, "context", label, 0) < 0)
                return -errno;
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        mntfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
        if (mntfd < 0)
                return -errno;
        if (move_mount(mntfd, "", targetfd, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        /* Check what the fd now stands on before anything is written
         * through it. */
        if (fstatfs(mntfd, &sfs) < 0)
                return -errno;
        if ((unsigned long)sfs.f_type != magic)
                return -EXDEV;
        if (ret_mntfd)
                *ret_mntfd = TAKE_FD(mntfd);
        return 0;
}

int rootfs_mnt_tree(const char *src, bool rec, unsigned attrs, int *ret_treefd)
{
        _cleanup_close_ int treefd = -EBADF;
        struct mount_attr ma = {.attr_set = attrs};

        treefd = open_tree(AT_FDCWD, src,
                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                               (rec ? AT_RECURSIVE : 0));
        if (treefd < 0)
                return -errno;
        if (attrs &&
            mount_setattr(treefd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0),
                          &ma, sizeof(ma)) < 0)
                return -errno;
        *ret_treefd = TAKE_FD(treefd);
        return 0;
}

int rootfs_mnt_attach(int treefd, int targetfd, bool rec, bool shared)
{
        struct mount_attr ma = {.propagation = MS_SHARED};

        if (move_mount(treefd, "", targetfd, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        if (shared &&
            mount_setattr(treefd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0),
                          &ma, sizeof(ma)) < 0)
                return -errno;
        return 0;
}

int rootfs_mnt_bind(const char *src, int targetfd, bool rec, unsigned attrs)
{
        _cleanup_close_ int treefd = -EBADF;
        int r;

        r = rootfs_mnt_tree(src, rec, attrs, &treefd);
        if (r < 0)
                return r;
        return rootfs_mnt_attach(treefd, targetfd, rec, false);
}
