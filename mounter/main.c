/* pbox-mounter — the box's privileged builder. Started by the broker (as
 * root) with its socket on fd 3; takes only typed, validated plans from
 * it, validates them again, builds the box, reports init's exit and tears
 * everything down when init exits or the broker goes away. */
#include <cap-ng.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "san.h"
#include "cleanup.h"
#include "config_util.h"
#include "mounter.h"
#include "pbox.h"
#include "proc.h"
#include "rootfs.h"
#include "seccomp.h"

PBOX_SAN_DEFAULTS

#define BROKER_FD 3

/* What the mounter and its init child need, and nothing else (SPEC §1,
 * docs/security.md). The bounding set stays whole: the box's init is
 * exec'd from here as root, and the box's --cap set can only be a subset
 * of it. */
static const int mounter_caps[] = {
    CAP_SYS_ADMIN,       /* namespaces, mounts, pivot_root, hostname */
    CAP_SYS_CHROOT,      /* pivot_root into the box */
    CAP_MKNOD,           /* /dev nodes and --device */
    CAP_CHOWN,           /* --file and --device owners */
    CAP_FOWNER,          /* modes on files it does not own */
    CAP_DAC_OVERRIDE,    /* write into the rootfs, read --file sources */
    CAP_DAC_READ_SEARCH, /* glob volume sources */
    CAP_KILL,            /* signal init of any uid */
    CAP_NET_ADMIN,       /* loopback up in --net none */
    CAP_SETPCAP,         /* keeps the option to drop the bounding set */
};

enum { H_BEFORE = 1, H_AFTER = 2, H_ONCE = 4 };

struct handler {
        int (*fn)(struct mounter *m, void *msg, char *errmsg, size_t errlen);
        unsigned flags;
};

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
static int mounter_handle_state_held(struct mounter *m, void *msg, char *errmsg,
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
static int mounter_handle_config(struct mounter *m, void *msg, char *errmsg,
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
static int mounter_handle_volume(struct mounter *m, void *msg, char *errmsg,
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
static int mounter_handle_device(struct mounter *m, void *msg, char *errmsg,
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
static int mounter_handle_device_remove(struct mounter *m, void *msg,
                                        char *errmsg, size_t errlen)
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
static int mounter_handle_file_copy(struct mounter *m, void *msg, char *errmsg,
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
static int mounter_handle_file_write(struct mounter *m, void *msg, char *errmsg,
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
static int mounter_handle_create(struct mounter *m, void *msg, char *errmsg,
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
static int mounter_handle_signal(struct mounter *m, void *msg, char *errmsg,
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

/* Why safe: kills only the box's own init (pidfd) and its own cgroups. */
static int mounter_handle_kill(struct mounter *m, void *msg, char *errmsg,
                               size_t errlen)
{
        (void)msg, (void)errmsg, (void)errlen;
        if (m->pidfd >= 0)
                (void)syscall(SYS_pidfd_send_signal, m->pidfd, SIGKILL, NULL,
                              0);
        if (m->cg)
                (void)box_cgroup_kill(m->cg);
        return 0;
}

static const struct handler handlers[IPC_TYPE_MAX] = {
    [IPC_MNT_STATE_HELD] = {mounter_handle_state_held, H_BEFORE | H_ONCE},
    [IPC_MNT_CONFIG] = {mounter_handle_config, H_BEFORE | H_ONCE},
    [IPC_MNT_VOLUME] = {mounter_handle_volume, H_BEFORE},
    [IPC_MNT_DEVICE] = {mounter_handle_device, H_BEFORE | H_AFTER},
    [IPC_MNT_FILE_COPY] = {mounter_handle_file_copy, H_BEFORE},
    [IPC_MNT_FILE_WRITE] = {mounter_handle_file_write, H_BEFORE},
    [IPC_MNT_CREATE] = {mounter_handle_create, H_BEFORE | H_ONCE},
    [IPC_MNT_SIGNAL] = {mounter_handle_signal, H_AFTER},
    [IPC_MNT_KILL] = {mounter_handle_kill, H_AFTER},
    [IPC_MNT_DEVICE_REMOVE] = {mounter_handle_device_remove, H_AFTER},
};

/* One message from the broker. Returns < 0 to end the conversation. */
static int dispatch(struct mounter *m, bool *seen)
{
        char errmsg[IPC_ERRMSG_MAX] = "";
        const struct handler *h;
        struct ipc_hdr *hdr;
        void *msg = NULL;
        int r;

        r = ipc_recv(m->sock, IPC_ROLE_BROKER, &msg);
        if (r < 0) {
                if (r != -ECONNRESET)
                        (void)ipc_send_reply(m->sock, 0, r,
                                             "mounter: bad message: %s",
                                             strerror(-r));
                return r;
        }
        hdr = msg;
        h = &handlers[hdr->type];
        if (!h->fn || ((h->flags & H_ONCE) && seen[hdr->type]) ||
            (m->created && !(h->flags & H_AFTER)) ||
            (!m->created && !(h->flags & H_BEFORE))) {
                (void)ipc_send_reply(m->sock, hdr->id, -EPROTO,
                                     "mounter: message %u not permitted now",
                                     hdr->type);
                ipc_msg_free(msg);
                return -EPROTO;
        }
        seen[hdr->type] = true;
        r = h->fn(m, msg, errmsg, sizeof(errmsg));
        if (r < 0) {
                bool fatal = hdr->type == IPC_MNT_CREATE;

                (void)ipc_send_reply(m->sock, hdr->id, r, "%s",
                                     errmsg[0] ? errmsg : strerror(-r));
                ipc_msg_free(msg);
                /* A failed create ends the box; other refusals are answered
                 * and the broker decides. */
                return fatal ? r : 0;
        }
        if (r != 2)
                (void)ipc_send_reply(m->sock, hdr->id, 0, NULL);
        if (r == 0 || r == 2)
                ipc_msg_free(msg);
        return 0;
}

static void free_plan(struct mounter *m)
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

int main(int argc, char **argv)
{
        static struct mounter m = {.sock = BROKER_FD,
                                   .pidfd = -EBADF,
                                   .rootfd = -EBADF,
                                   .janitor_fd = -EBADF};
        bool seen[IPC_TYPE_MAX] = {false};
        char err[PBOX_ERR_LEN];
        int keep[] = {BROKER_FD};
        pid_t broker = getppid();
        int r;

        /* argv comes from the broker while it is still root: the box's name
         * and state directory, which teardown removes whatever happens. */
        if (argc != 3 || argv[2][0] != '/' ||
            pbox_name_check(argv[1], argv[2], err) < 0) {
                fprintf(stderr, "pbox-mounter: started without a valid box "
                                "name and data dir\n");
                return 125;
        }
        m.name = argv[1];
        m.data_dir = argv[2];

        if (proc_fd_cloexec(BROKER_FD, true) < 0) {
                box_teardown(&m);
                return 125;
        }
        (void)proc_close_fds_except(keep, ELEMENTSOF(keep));
        signal(SIGPIPE, SIG_IGN);
        r = proc_caps_drop_bounded(mounter_caps, ELEMENTSOF(mounter_caps));
        if (r < 0) {
                fprintf(stderr, "pbox-mounter: drop capabilities: %s\n",
                        strerror(-r));
                box_teardown(&m); /* the state directory, if nothing else */
                return 125;
        }
        r = janitor_spawn(&m);
        if (r < 0) {
                fprintf(stderr, "pbox-mounter: fork the janitor: %s\n",
                        strerror(-r));
                box_teardown(&m);
                return 125;
        }
        /* Only now tie our life to the broker's: from here on a dying
         * mounter leaves the janitor to clean up. A broker that died
         * before this point shows as a new parent. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != broker) {
                box_teardown(&m);
                return 125;
        }
        /* Tell the broker, still root and waiting: the box's state is in
         * our hands now. */
        (void)ipc_send_reply(m.sock, 0, 0, NULL);
        for (;;) {
                /* The janitor's pipe reports POLLERR once the janitor is
                 * gone: then the box goes too (SPEC §5). */
                struct pollfd p[3] = {{.fd = m.sock, .events = POLLIN},
                                      {.fd = m.janitor_fd, .events = 0},
                                      {.fd = m.pidfd, .events = POLLIN}};
                int status;

                if (poll(p, m.pidfd >= 0 ? 3 : 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                /* (The broker reports the box lost: one line, SPEC §3.) */
                if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
                        break;
                if (m.pidfd >= 0 && (p[2].revents & POLLIN)) {
                        r = box_reap(&m, &status);
                        if (r > 0) {
                                struct ipc_mnt_init_exit ex = {
                                    .hdr.type = IPC_MNT_INIT_EXIT,
                                    .status = (uint64_t)status};

                                box_teardown(&m);
                                (void)ipc_send(m.sock, &ex);
                                break;
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        if (dispatch(&m, seen) < 0)
                                break;
                }
        }
        box_teardown(&m);
        free_plan(&m);
        return 0;
}
