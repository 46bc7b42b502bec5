/* rootfs_mnt.h — mount building blocks for the box's root filesystem,
 * used by rootfs*.c in the mounter (as root, in the box's mount namespace).
 *
 * Every mount here is made with the new mount API: a filesystem or a bind
 * is prepared detached, its superblock checked, then attached with
 * move_mount onto an fd the caller resolved inside the root, so no path is
 * resolved again after it was verified.
 * Return convention: 0 or -errno; ret_* written only on success. */
#ifndef PBOX_MOUNTER_ROOTFS_MNT_H
#define PBOX_MOUNTER_ROOTFS_MNT_H

#include <stdbool.h>
#include <stddef.h>

/* Format "what: strerror(-r)" into errmsg (if non-NULL) and return r. */
int rootfs_err(char *errmsg, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A new fstype filesystem with mount options opts (NULL-terminated list
 * of "key=value" or "flag"; label, if non-NULL, is added as SELinux
 * context=), mount attributes attrs (MOUNT_ATTR_*), attached onto
 * targetfd. Checks that the attached mount's f_type is magic.
 * *ret_mntfd (may be NULL) is an O_PATH fd of the new mount's root. */
int rootfs_mnt_fs(int targetfd, const char *fstype, const char *const *opts,
                  const char *label, unsigned attrs, unsigned long magic,
                  int *ret_mntfd);

/* A detached copy of the host's src (recursive with rec), with attrs set
 * (MOUNT_ATTR_RDONLY, ...), not attached yet. */
int rootfs_mnt_tree(const char *src, bool rec, unsigned attrs, int *ret_treefd);

/* Attach treefd (from rootfs_mnt_tree) onto targetfd; with shared, make
 * it (and with rec its children) MS_SHARED once attached. */
int rootfs_mnt_attach(int treefd, int targetfd, bool rec, bool shared);

/* rootfs_mnt_tree + rootfs_mnt_attach. */
int rootfs_mnt_bind(const char *src, int targetfd, bool rec, unsigned attrs);

#endif
