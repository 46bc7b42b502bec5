/* rootfs.h — building the box's root filesystem.
 *
 * Run by the mounter: rootfs_setup() by the box's init child (root, in the
 * box's fresh mount/PID/UTS/IPC[/net] namespaces, before it execs
 * initproc); the device functions also by the mounter itself for hot-plug
 * on a running box. Every path inside the box is resolved inside its root
 * (resolve.h): a symlink in the rootfs never makes pbox write or mount
 * outside it.
 *
 * Return convention: 0 (or a count) on success, -errno on failure; on
 * failure errmsg (errlen bytes, may be NULL) says what failed and why,
 * e.g. "volume /data: source /srv/x: No such file or directory". */
#ifndef PBOX_MOUNTER_ROOTFS_H
#define PBOX_MOUNTER_ROOTFS_H

#include <stddef.h>

#include "cgroup_layout.h"
#include "ipc.h"

struct rootfs_plan {
        const struct ipc_mnt_config *cfg; /* rootfs, selinux, mount_label */
        struct ipc_mnt_volume *const *volumes;
        size_t nvolumes;
        struct ipc_mnt_device *const *devices;
        size_t ndevices;
        struct ipc_mnt_file_copy *const *copies;
        size_t ncopies;
        struct ipc_mnt_file_write *const *writes;
        size_t nwrites;
        /* NULL: bind the host's /sys/fs/cgroup read-only instead */
        const struct cg_layout *cgroups;
};

/* In fresh namespaces (mount ns already unshared by the caller): build the
 * box's root and pivot_root into it (old root detached); afterwards cwd
 * and root are the new root. Refuses a rootfs whose /proc, /sys or /dev is
 * a symlink. */
int rootfs_setup(const struct rootfs_plan *p, char *errmsg, size_t errlen);

/* Device nodes, also used for hot-plug on a running box: rootfd is the
 * box's root (e.g. an O_PATH fd of /proc/INIT/root). Expands the host glob
 * d->path; each match must be a char or block device on the host, and is
 * created at the same path inside the root (parents created, an existing
 * non-directory replaced) with d->file_mode (the host node's permission
 * bits if -1) and d->uid/gid. Returns the count created. */
int rootfs_device_add(int rootfd, const struct ipc_mnt_device *d, char *errmsg,
                      size_t errlen);
/* Remove the char/block node at path inside the root; anything else is
 * refused with -EPERM. */
int rootfs_device_remove(int rootfd, const char *path, char *errmsg,
                         size_t errlen);

/* The steps of rootfs_setup after the default mounts, usable alone on any
 * root fd (tests, and future hot-plug of volumes). */
int rootfs_volume_apply(int rootfd, const struct ipc_mnt_volume *v,
                        char *errmsg, size_t errlen);
int rootfs_file_copy(int rootfd, const struct ipc_mnt_file_copy *c,
                     char *errmsg, size_t errlen);
int rootfs_file_write(int rootfd, const struct ipc_mnt_file_write *w,
                      char *errmsg, size_t errlen);

#endif
