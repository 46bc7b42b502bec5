/* handlers.c — pbox-mounter's handlers of the broker's messages (the
 * dispatch table that calls them is in main.c). Each checks its message
 * again, then queues it in the plan, applies it to the running box, or
 * creates the box, and says why that is safe for the broker to ask. Runs
 * in the mounter (root, mounter_caps). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "config_util.h"
#include "mounter.h"
#include "rootfs.h"
#include "seccomp.h"

/* A host path, or a box path the broker took as given (--env-file,
 * --device): absolute and without a ".." component. */
static bool path_ok(const char *p)
{
        const char *s = p;

        if (p[0] != '/')
                return false;
        while ((s = strstr(s, "..")))
                if ((s == p || s[-1] == '/') && (s[2] == '/' || !s[2]))
                        return false;
                else
                        s += 2;
        return true;
}

/* A destination the broker normalised with config_box_path(): it must be
 * that function's own output (absolute, no "." or "..", not "/"). */
static bool box_dst_ok(const char *p)
{
        _cleanup_free_ char *norm = NULL;
        const char *why;

        return config_box_path(p, strlen(p), &norm, &why) == 0 &&
               strcmp(norm, p) == 0;
}

/* Why safe: carries nothing; the broker, still root, has made
 * DATA_DIR/NAME (the name and data dir we were started with) and holds its
 * lock: from now on the directory is ours to remove, and the janitor's if
 * we die (box.c). Before this, the broker removes it itself. */
int mounter_handle_state_held(struct mounter *m, void *msg, char *errmsg,
                              size_t errlen)
{
        (void)msg, (void)errmsg, (void)errlen;
        m->owned = true;
        if (m->janitor_fd >= 0)
                (void)!write(m->janitor_fd, "o", 1);
        return 0;
}

/* Why safe: the config names the rootfs and state paths the broker's
 * caller chose as root; they are checked to be absolute, free of "..",
 * and the rootfs to be a directory that is not the host's root. */
int mounter_handle_config(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen)
{
        struct ipc_mnt_config *c = msg;
        struct stat st, root;

        if (!m->owned) {
                snprintf(errmsg, errlen, "config before the state handover");
                return -EPROTO;
        }
        if (strcmp(c->name, m->name) || strcmp(c->data_dir, m->data_dir)) {
                snprintf(errmsg, errlen, "config names another box");
                return -EINVAL;
        }
        if (!path_ok(c->rootfs) || !path_ok(c->data_dir) || !c->hostname[0]) {
                snprintf(errmsg, errlen, "bad rootfs, data dir or hostname");
                return -EINVAL;
        }
        if (stat(c->rootfs, &st) < 0) {
                snprintf(errmsg, errlen, "rootfs %s: %s", c->rootfs,
                         strerror(errno));
                return -ENOENT;
        }
        if (!S_ISDIR(st.st_mode)) {
                snprintf(errmsg, errlen, "rootfs %s: not a directory",
                         c->rootfs);
                return -ENOTDIR;
        }
        if (stat("/", &root) == 0 && root.st_dev == st.st_dev &&
            root.st_ino == st.st_ino) {
                snprintf(errmsg, errlen, "rootfs %s is the host's root",
                         c->rootfs);
                return -EINVAL;
        }
        m->cfg = msg;
        return 1; /* keeps msg */
}

#define ADD_ITEM(arr, n, msg)                                                  \
        do {                                                                   \
                if ((n) >= MOUNTER_MAX_ITEMS) {                                \
                        snprintf(errmsg, errlen, "too many items");            \
                        return -E2BIG;                                         \
                }                                                              \
                (arr)[(n)++] = (msg);                                          \
        } while (0)

/* Why safe: a bind of a host path the root caller named; the destination
 * is resolved inside the rootfs when applied (resolve.c). */
int mounter_handle_volume(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen)
{
        struct ipc_mnt_volume *v = msg;

        if (!v->src[0] || !box_dst_ok(v->dst)) {
                snprintf(errmsg, errlen, "volume %s: bad destination", v->dst);
                return -EINVAL;
        }
        ADD_ITEM(m->volumes, m->nvolumes, v);
        return 1;
}

static bool perms_ok(const char *p)
{
        return p[0] && strspn(p, "rwm") == strlen(p);
}

/* Why safe: only host char/block devices matching the glob are recreated
 * (rootfs_devices.c checks the type), inside the rootfs. Before create it
 * is queued; after, it is hot-plugged into the running box. */
int mounter_handle_device(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen)
{
        struct ipc_mnt_device *d = msg;
        int r;

        if (!path_ok(d->path) || strncmp(d->path, "/dev/", 5) != 0 ||
            !perms_ok(d->permissions)) {
                snprintf(errmsg, errlen, "device %s: must be under /dev",
                         d->path);
                return -EINVAL;
        }
        if (!m->created) {
                ADD_ITEM(m->devices, m->ndevices, d);
                return 1;
        }
        if (m->rootfd < 0) {
                snprintf(errmsg, errlen, "the box is not running");
                return -ESRCH;
        }
        r = rootfs_device_add(m->rootfd, d, errmsg, errlen);
        return r < 0 ? r : 0;
}

/* Why safe: only after create, only under /dev of the box's own root (the
 * fd init sent), resolved inside it; rootfs_device_remove unlinks char and
 * block nodes only, never a directory or a host path. */
int mounter_handle_device_remove(struct mounter *m, void *msg, char *errmsg,
                                 size_t errlen)
{
        struct ipc_mnt_device_remove *d = msg;

        if (!path_ok(d->path) || strncmp(d->path, "/dev/", 5) != 0) {
                snprintf(errmsg, errlen, "device %s: must be under /dev",
                         d->path);
                return -EINVAL;
        }
        if (m->rootfd < 0)
                return -ESRCH;
        return rootfs_device_remove(m->rootfd, d->path, errmsg, errlen);
}

/* Why safe: the source is a host file the root caller named; the
 * destination is resolved inside the rootfs. */
int mounter_handle_file_copy(struct mounter *m, void *msg, char *errmsg,
                             size_t errlen)
{
        struct ipc_mnt_file_copy *f = msg;

        if (!path_ok(f->src) || !box_dst_ok(f->dst)) {
                snprintf(errmsg, errlen, "file %s: bad path", f->dst);
                return -EINVAL;
        }
        ADD_ITEM(m->copies, m->ncopies, f);
        return 1;
}

/* Why safe: the bytes come from the broker but land only inside the
 * rootfs, at a destination resolved there (RESOLVE_IN_ROOT), never
 * through a symlink or a hard link of the box (rootfs_files.c), before
 * any process of the box runs. */
int mounter_handle_file_write(struct mounter *m, void *msg, char *errmsg,
                              size_t errlen)
{
        struct ipc_mnt_file_write *f = msg;

        if (!path_ok(f->dst)) {
                snprintf(errmsg, errlen, "file %s: bad path", f->dst);
                return -EINVAL;
        }
        ADD_ITEM(m->writes, m->nwrites, f);
        return 1;
}

/* Why safe: runs once, on the plan validated item by item above; the fds
 * it carries go only to the box's init (stdio and the initproc socket),
 * which the broker's caller chose to give it. */
int mounter_handle_create(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen)
{
        struct ipc_mnt_created reply = {.hdr.type = IPC_MNT_CREATED};
        struct ipc_mnt_create *req = msg;
        int r;

        if (!m->cfg) {
                snprintf(errmsg, errlen, "no box configured");
                return -EPROTO;
        }
        r = box_create(m, req, errmsg, errlen);
        if (r < 0)
                return r;
        reply.hdr.id = req->hdr.id;
        reply.init_pid = (uint64_t)m->init_pid;
        reply.cgroup = (char *)box_cgroup_path(m->cg);
        r = ipc_send(m->sock, &reply);
        if (r < 0)
                return r;
        /* The box's init exists: the mounter creates no more processes and
         * confines itself to what it still does (SPEC §1). */
        r = mounter_seccomp_install();
        if (r < 0) {
                snprintf(errmsg, errlen, "seccomp: %s", strerror(-r));
                return r;
        }
        return 2; /* replied */
}

/* Why safe: the broker may only signal the box's own init, by pidfd. */
int mounter_handle_signal(struct mounter *m, void *msg, char *errmsg,
                          size_t errlen)
{
        struct ipc_mnt_signal *s = msg;

        (void)errmsg, (void)errlen;
        if (m->pidfd < 0)
                return -ESRCH;
        if (syscall(SYS_pidfd_send_signal, m->pidfd, (int)s->sig, NULL, 0) < 0)
                return -errno;
        return 0;
}

/* Why safe: kills only the box's own init (pidfd) and its own cgroups.
 * Before create it only records that the broker gives up the start, alive
 * (box.c box_teardown: then its state directory is its own business). */
int mounter_handle_kill(struct mounter *m, void *msg, char *errmsg,
                        size_t errlen)
{
        (void)msg, (void)errmsg, (void)errlen;
        if (!m->created)
                m->broker_quit = true;
        if (m->pidfd >= 0)
                (void)syscall(SYS_pidfd_send_signal, m->pidfd, SIGKILL, NULL,
                              0);
        if (m->cg)
                (void)box_cgroup_kill(m->cg);
        return 0;
}

void mounter_free_plan(struct mounter *m)
{
        for (size_t i = 0; i < m->nvolumes; i++)
                ipc_msg_free(m->volumes[i]);
        for (size_t i = 0; i < m->ndevices; i++)
                ipc_msg_free(m->devices[i]);
        for (size_t i = 0; i < m->ncopies; i++)
                ipc_msg_free(m->copies[i]);
        for (size_t i = 0; i < m->nwrites; i++)
                ipc_msg_free(m->writes[i]);
        ipc_msg_free(m->cfg);
        cg_layout_free(&m->layout);
}
