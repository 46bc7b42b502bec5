/* rootfs.c — build the box's root filesystem and pivot into it. Run by
 * the box's init child in the mounter: root, in the box's fresh mount,
 * PID, UTS, IPC (and with --net none, network) namespaces, after it joined
 * the box's cgroups and before it execs initproc.
 *
 * The default mount table follows Planet's (SPEC §2). Every mount lands on
 * an fd resolved inside the root (resolve.h); every new filesystem is
 * checked with fstatfs before anything is written into it; what we write
 * into /dev goes through the fd of the tmpfs we just made. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <selinux/selinux.h>

#include "cgroup.h"
#include "cleanup.h"
#include "resolve.h"
#include "rootfs.h"
#include "rootfs_mnt.h"

#define DEV_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

struct setup {
        const struct rootfs_plan *p;
        const char *label; /* SELinux context= for tmpfs/devpts, or NULL */
        int rootfd;        /* the bind of the rootfs onto itself */
        char *errmsg;
        size_t errlen;
};

static bool host_is(const char *path, mode_t type)
{
        struct stat st;

        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* The box's /proc, /sys and /dev are mounted over by us; a symlink there
 * would at best be confusing (we would mount where it points, inside the
 * root), so such a rootfs is refused outright. */
static int check_top_dirs(struct setup *s)
{
        static const char *const dirs[] = {"proc", "sys", "dev"};
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                if (fstatat(s->rootfd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue; /* created below */
                        return rootfs_err(s->errmsg, s->errlen, -errno,
                                          "rootfs: /%s", dirs[i]);
                }
                if (S_ISLNK(st.st_mode))
                        return rootfs_err(s->errmsg, s->errlen, -ELOOP,
                                          "rootfs: /%s is a symlink, refused",
                                          dirs[i]);
                if (!S_ISDIR(st.st_mode))
                        return rootfs_err(s->errmsg, s->errlen, -ENOTDIR,
                                          "rootfs: /%s", dirs[i]);
        }
        return 0;
}

/* Mount a new filesystem at path inside dirfd (created if missing). */
static int mount_fs_at(struct setup *s, int dirfd, const char *path,
                       const char *fstype, const char *const *opts,
                       const char *label, unsigned attrs, unsigned long magic,
                       int *ret_mntfd)
{
        _cleanup_close_ int tfd = -EBADF;
        int r;

        r = resolve_in_root(dirfd, path, RESOLVE_MKDIR, &tfd);
        if (r < 0)
                return rootfs_err(s->errmsg, s->errlen, r,
                                  "mount %s on %s: mount point", fstype, path);
        r = rootfs_mnt_fs(tfd, fstype, opts, label, attrs, magic, ret_mntfd);
        if (r < 0)
                return rootfs_err(s->errmsg, s->errlen, r, "mount %s on %s",
                                  fstype, path);
        return 0;
}

/* Bind host path src read-only at path inside dirfd, if the host has src
 * as a type; the mount point is created as a directory or empty file. */
static int bind_host_at(struct setup *s, int dirfd, const char *src,
                        const char *path, mode_t type, bool rec)
{
        _cleanup_close_ int tfd = -EBADF;
        int r;

        if (!host_is(src, type))
                return 0;
        r = resolve_in_root(dirfd, path,
                            type == S_IFDIR ? RESOLVE_MKDIR : RESOLVE_MKFILE,
                            &tfd);
        if (r < 0)
                return rootfs_err(s->errmsg, s->errlen, r,
                                  "bind %s: mount point", src);
        r = rootfs_mnt_bind(src, tfd, rec, MOUNT_ATTR_RDONLY);
        if (r < 0)
                return rootfs_err(s->errmsg, s->errlen, r, "bind %s", src);
        return 0;
}

static int dev_nodes(struct setup *s, int devfd)
{
        static const struct {
                const char *name;
                unsigned major, minor;
        } nodes[] = {
            {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
            {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
        };
        static const struct {
                const char *name, *target;
        } links[] = {
            {"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},
            {"stdin", "/proc/self/fd/0"},  {"stdout", "/proc/self/fd/1"},
            {"stderr", "/proc/self/fd/2"},
        };
        mode_t old;
        int r = 0;

        /* The tmpfs is ours and empty: nothing here can be a symlink. */
        old = umask(0);
        for (size_t i = 0; i < ELEMENTSOF(nodes) && r == 0; i++)
                if (mknodat(devfd, nodes[i].name, S_IFCHR | 0666,
                            makedev(nodes[i].major, nodes[i].minor)) < 0)
                        r = rootfs_err(s->errmsg, s->errlen, -errno,
                                       "mknod /dev/%s", nodes[i].name);
        for (const char *const *d = (const char *const[]){"pts", "shm", NULL};
             *d && r == 0; d++)
                if (mkdirat(devfd, *d, 0755) < 0)
                        r = rootfs_err(s->errmsg, s->errlen, -errno,
                                       "mkdir /dev/%s", *d);
        umask(old);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, devfd, links[i].name) < 0)
                        return rootfs_err(s->errmsg, s->errlen, -errno,
                                          "symlink /dev/%s", links[i].name);
        /* No /dev/console here: the host's console is never handed in;
         * initproc binds the box's own pty there when init has a tty. */
        return 0;
}

static int mount_dev(struct setup *s)
{
        const char *const dev_opts[] = {"mode=755", "size=65536k", NULL};
        const char *const pts_opts[] = {"newinstance", "ptmxmode=0666",
                                        "mode=0620", "gid=5", NULL};
        const char *const shm_opts[] = {"mode=1777", "size=65536k", NULL};
        _cleanup_close_ int devfd = -EBADF;
        int r;

        r = mount_fs_at(s, s->rootfd, "/dev", "tmpfs", dev_opts, s->label,
                        MOUNT_ATTR_NOSUID, TMPFS_MAGIC, &devfd);
        if (r < 0)
                return r;
        r = dev_nodes(s, devfd);
        if (r < 0)
                return r;
        r = mount_fs_at(s, devfd, "pts", "devpts", pts_opts, s->label,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                        DEVPTS_SUPER_MAGIC, NULL);
        if (r < 0)
                return r;
        r = mount_fs_at(s, devfd, "shm", "tmpfs", shm_opts, s->label, DEV_ATTRS,
                        TMPFS_MAGIC, NULL);
        if (r < 0)
                return r;
        /* Planet's host binds; read-only here (Planet had /dev/disk rw):
         * the box has no business writing the host's udev links. */
        r = bind_host_at(s, devfd, "/dev/disk", "disk", S_IFDIR, true);
        if (r < 0)
                return r;
        return bind_host_at(s, devfd, "/dev/kmsg", "kmsg", S_IFCHR, false);
}

static int mount_run(struct setup *s)
{
        const char *const run_opts[] = {"mode=755", NULL};
        const char *const lock_opts[] = {"mode=1777", "size=5120k", NULL};
        _cleanup_close_ int runfd = -EBADF;
        int r;

        r = mount_fs_at(s, s->rootfd, "/run", "tmpfs", run_opts, s->label,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, TMPFS_MAGIC,
                        &runfd);
        if (r < 0)
                return r;
        r = mount_fs_at(s, runfd, "lock", "tmpfs", lock_opts, s->label,
                        DEV_ATTRS, TMPFS_MAGIC, NULL);
        if (r < 0)
                return r;
        return bind_host_at(s, runfd, "/run/udev", "udev", S_IFDIR, true);
}

static int mount_cgroup(struct setup *s, int sysfd)
{
        _cleanup_close_ int tfd = -EBADF;
        int r;

        if (!s->p->cgroups)
                return bind_host_at(s, sysfd, "/sys/fs/cgroup", "fs/cgroup",
                                    S_IFDIR, true);
        r = resolve_in_root(sysfd, "fs/cgroup", 0, &tfd);
        if (r < 0)
                return rootfs_err(s->errmsg, s->errlen, r,
                                  "mount /sys/fs/cgroup: mount point");
        return box_cgroup_mount_in_box(s->p->cgroups, tfd, s->errmsg,
                                       s->errlen);
}

static int mount_defaults(struct setup *s)
{
        _cleanup_close_ int sysfd = -EBADF;
        int r;

        r = check_top_dirs(s);
        if (r < 0)
                return r;
        r = mount_fs_at(s, s->rootfd, "/proc", "proc", NULL, NULL, DEV_ATTRS,
                        PROC_SUPER_MAGIC, NULL);
        if (r < 0)
                return r;
        r = mount_fs_at(s, s->rootfd, "/sys", "sysfs", NULL, NULL,
                        DEV_ATTRS | MOUNT_ATTR_RDONLY, SYSFS_MAGIC, &sysfd);
        if (r < 0)
                return r;
        r = mount_dev(s);
        if (r < 0)
                return r;
        r = mount_run(s);
        if (r < 0)
                return r;
        r = mount_cgroup(s, sysfd);
        if (r < 0)
                return r;
        return bind_host_at(s, s->rootfd, "/lib/modules", "/lib/modules",
                            S_IFDIR, true);
}

static int apply_plan(struct setup *s)
{
        const struct rootfs_plan *p = s->p;
        int r;

        for (size_t i = 0; i < p->ndevices; i++) {
                r = rootfs_device_add(s->rootfd, p->devices[i], s->errmsg,
                                      s->errlen);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->nvolumes; i++) {
                r = rootfs_volume_apply(s->rootfd, p->volumes[i], s->errmsg,
                                        s->errlen);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->ncopies; i++) {
                r = rootfs_file_copy(s->rootfd, p->copies[i], s->errmsg,
                                     s->errlen);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->nwrites; i++) {
                r = rootfs_file_write(s->rootfd, p->writes[i], s->errmsg,
                                      s->errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Bind the rootfs onto itself so it is a mount point pivot_root accepts;
 * the attached tree's fd is the root every later step resolves in. */
static int bind_rootfs(struct setup *s, const char *rootfs)
{
        _cleanup_close_ int dirfd = -EBADF, treefd = -EBADF;
        int r;

        dirfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return rootfs_err(s->errmsg, s->errlen, -errno, "rootfs %s",
                                  rootfs);
        treefd = open_tree(dirfd, "",
                           OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
                               AT_EMPTY_PATH);
        if (treefd < 0)
                return rootfs_err(s->errmsg, s->errlen, -errno,
                                  "rootfs %s: bind", rootfs);
        r = rootfs_mnt_attach(treefd, dirfd, true, false);
        if (r < 0)
                return rootfs_err(s->errmsg, s->errlen, r, "rootfs %s: bind",
                                  rootfs);
        s->rootfd = TAKE_FD(treefd);
        return 0;
}

static int pivot(struct setup *s)
{
        if (fchdir(s->rootfd) < 0)
                return rootfs_err(s->errmsg, s->errlen, -errno,
                                  "pivot_root: chdir");
        /* pivot_root(".", "."): the old root ends up stacked on "." and is
         * detached right away, so nothing of the host stays reachable. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return rootfs_err(s->errmsg, s->errlen, -errno, "pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                return rootfs_err(s->errmsg, s->errlen, -errno,
                                  "pivot_root: detach old root");
        if (chdir("/") < 0)
                return rootfs_err(s->errmsg, s->errlen, -errno,
                                  "pivot_root: chdir /");
        return 0;
}

int rootfs_setup(const struct rootfs_plan *p, char *errmsg, size_t errlen)
{
        struct setup s = {
            .p = p, .rootfd = -EBADF, .errmsg = errmsg, .errlen = errlen};
        int r;

        if (!p || !p->cfg || !p->cfg->rootfs || p->cfg->rootfs[0] != '/')
                return rootfs_err(errmsg, errlen, -EINVAL, "rootfs");
        if (p->cfg->selinux && p->cfg->mount_label && p->cfg->mount_label[0] &&
            is_selinux_enabled() > 0)
                s.label = p->cfg->mount_label;

        /* Nothing we mount may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return rootfs_err(errmsg, errlen, -errno,
                                  "make / a recursive slave");
        r = bind_rootfs(&s, p->cfg->rootfs);
        if (r < 0)
                return r;
        r = mount_defaults(&s);
        if (r >= 0)
                r = apply_plan(&s);
        if (r >= 0)
                r = pivot(&s);
        close(s.rootfd);
        return r < 0 ? r : 0;
}
