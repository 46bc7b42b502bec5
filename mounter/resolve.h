/* resolve.h — resolving paths inside the box's root filesystem.
 *
 * Run by the mounter (as root, while it builds the box's root and later for
 * device hot-plug). A path is always resolved relative to rootfd as if
 * rootfd were "/": ".." at the top stays at the top and absolute symlinks
 * restart at rootfd (RESOLVE_IN_ROOT semantics), so a symlink planted in
 * the rootfs never leads pbox outside it. Magic links (/proc/PID/...) are
 * never followed by the kernel on our behalf.
 *
 * openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) is the fast path; a walk
 * of O_NOFOLLOW opens, one component at a time, is used where openat2 is
 * missing (ENOSYS) and whenever something must be created.
 *
 * Return convention: 0 on success, -errno on failure; ret_* are written
 * only on success and are owned by the caller (close / free). */
#ifndef PBOX_MOUNTER_RESOLVE_H
#define PBOX_MOUNTER_RESOLVE_H

enum {
        /* create missing directories (0755, owned by the caller's uid) */
        RESOLVE_MKDIR = 1u << 0,
        /* create the last component as an empty 0644 file if missing
         * (directories before it as with RESOLVE_MKDIR) */
        RESOLVE_MKFILE = 1u << 1,
        /* return an O_RDONLY|O_DIRECTORY fd instead of O_PATH */
        RESOLVE_DIR = 1u << 2,
        /* skip openat2 and always walk (tests use it; also what happens
         * on kernels without openat2) */
        RESOLVE_FORCE_WALK = 1u << 3,
};

/* Resolve path (absolute or relative, both taken from rootfd) inside
 * rootfd. *ret_fd is an O_PATH|O_CLOEXEC fd of the result, or with
 * RESOLVE_DIR an O_RDONLY|O_DIRECTORY|O_CLOEXEC one. A symlink as the last
 * component is followed (inside the root). -ELOOP after 40 symlinks. */
int resolve_in_root(int rootfd, const char *path, unsigned how, int *ret_fd);

/* Resolve the parent directory of path inside rootfd (how as above;
 * RESOLVE_MKDIR creates the parents) and return it as an
 * O_RDONLY|O_DIRECTORY fd plus the last component (malloc'd, never "",
 * "." or ".."), for *at() calls with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW.
 * -EINVAL for a path without a usable last component (e.g. "/"). */
int resolve_parent_in_root(int rootfd, const char *path, unsigned how,
                           int *ret_dirfd, char **ret_name);

#endif
