/* spawner_config.c — pbox-enterd's spawner (docs/enter.md): SPAWN_CONFIG,
 * the front's first message. It checks the box's name and init (PID 1 of
 * its namespace, in the box's cgroup), finds the box's enter cgroups, sets
 * the enter socket's group and mode, opens the audit log for the front,
 * drops the spawner's capabilities for the box and arms the launcher's
 * start. Runs in the spawner (root, spawner_caps). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cgroup_layout.h"
#include "cleanup.h"
#include "pbox.h"
#include "proc.h"
#include "spawner.h"

/* ---- SPAWN_CONFIG ------------------------------------------------------ */

/* Absolute, without a ".." component. */
static bool abs_path_ok(const char *p)
{
        if (p[0] != '/')
                return false;
        for (const char *c = p; (c = strstr(c, "..")); c += 2)
                if (c[-1] == '/' && (c[2] == '/' || c[2] == '\0'))
                        return false;
        return true;
}

/* Whether pid is one of the lines of a cgroup.procs text. */
static bool pid_listed(const char *text, pid_t pid)
{
        const char *l = text;

        while (l && *l) {
                if (atoi(l) == (int)pid)
                        return true;
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
        return false;
}

/* cgroup.procs of pbox-NAME/enter on every hierarchy that has it (the
 * mounter skips read-only ones); init must be in pbox-NAME itself. */
static int config_cgroups(struct spawner *s, pid_t init, char *errmsg,
                          size_t errlen)
{
        _cleanup_(cg_layout_free) struct cg_layout l = {0};
        bool init_seen = false;
        size_t n = 0;
        int r;

        r = cg_layout_read(&l);
        if (r < 0) {
                snprintf(errmsg, errlen, "read cgroups: %s", strerror(-r));
                return r;
        }
        s->box.enter_procs = calloc(l.n + 1, sizeof(char *));
        if (!s->box.enter_procs)
                return -ENOMEM;
        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *dir = NULL, *procs = NULL, *text = NULL;

                r = cg_box_dir(&l.v[i], s->box.name, &dir);
                if (r < 0)
                        return r;
                if (asprintf(&procs, "%s/enter/cgroup.procs", dir) < 0)
                        return -ENOMEM;
                if (access(procs, W_OK) < 0)
                        continue;
                s->box.enter_procs[n++] = TAKE_PTR(procs);
                if (!init_seen &&
                    asprintf(&procs, "%s/cgroup.procs", dir) >= 0 &&
                    cg_read_text(procs, &text) >= 0)
                        init_seen = pid_listed(text, init);
        }
        if (n == 0) {
                snprintf(errmsg, errlen, "box %s has no enter cgroup",
                         s->box.name);
                return -ENOENT;
        }
        if (!init_seen) {
                snprintf(errmsg, errlen, "pid %d is not the init of box %s",
                         (int)init, s->box.name);
                return -ESRCH;
        }
        return 0;
}

/* The pid must be PID 1 of its own namespace, in the box's cgroup, held
 * by a pidfd. An init that already exited (a short-lived box racing its
 * own start) is no error: nothing can be entered through its pidfd, and
 * every SPAWN_REQ will say the box is gone. */
static int config_init(struct spawner *s, pid_t init, char *errmsg,
                       size_t errlen)
{
        char nspid[128];
        const char *last;
        int r;

        s->box.ns_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                          CLONE_NEWPID | CLONE_NEWNET;
        if (access("/proc/self/ns/cgroup", F_OK) == 0)
                s->box.ns_flags |= CLONE_NEWCGROUP;
        s->box.init_pidfd = (int)syscall(SYS_pidfd_open, init, 0);
        if (s->box.init_pidfd < 0)
                return errno == ESRCH ? 0 : -errno;
        r = proc_status_field(init, "NSpid", nspid, sizeof(nspid));
        last = r >= 0 ? strrchr(nspid, '\t') : NULL;
        if (r < 0 || !last || strcmp(last + 1, "1") != 0) {
                snprintf(errmsg, errlen, "pid %d is not a box's PID 1",
                         (int)init);
                r = -ESRCH;
        } else
                r = config_cgroups(s, init, errmsg, errlen);
        /* Checked after the pidfd was taken: a failure of a process that
         * has exited since is the race above, not a wrong pid. A dying
         * init leaves its cgroup a moment before its pidfd turns
         * readable: give it that moment. */
        if (r < 0) {
                struct pollfd p = {.fd = s->box.init_pidfd, .events = POLLIN};

                if (poll(&p, 1, 200) > 0) {
                        errmsg[0] = '\0';
                        return 0;
                }
        }
        return r;
}

/* root:GROUP 0660 in a root:GROUP 0710 directory, else 0600 and 0700. The
 * directory is root's and was made by enterd as root: nothing can swap
 * the socket for a link between the lstat and the change. */
static int config_perms(const char *sock_path, const char *box_dir, int64_t gid,
                        char *errmsg, size_t errlen)
{
        struct stat st;

        if (lstat(sock_path, &st) < 0 || !S_ISSOCK(st.st_mode) ||
            lstat(box_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                snprintf(errmsg, errlen, "%s is not a socket in a directory",
                         sock_path);
                return -ENOTSOCK;
        }
        if (gid >= 0 && (lchown(sock_path, 0, (gid_t)gid) < 0 ||
                         lchown(box_dir, 0, (gid_t)gid) < 0))
                goto fail;
        if (chmod(sock_path, gid >= 0 ? 0660 : 0600) < 0 ||
            chmod(box_dir, gid >= 0 ? 0710 : 0700) < 0)
                goto fail;
        return 0;
fail:
        snprintf(errmsg, errlen, "socket permissions: %s", strerror(errno));
        return -errno;
}

static int config_audit(const char *path, int *ret, char *errmsg, size_t errlen)
{
        _cleanup_free_ char *dir = strdup(path);
        char *slash;
        int fd, r;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        goto fail;
        }
        fd = open(path,
                  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
                      O_NOCTTY | O_NONBLOCK,
                  0640);
        if (fd < 0)
                goto fail;
        *ret = fd;
        return 0;
fail:
        r = -errno;
        snprintf(errmsg, errlen, "audit log %s: %s", path, strerror(-r));
        return r;
}

/* Why safe: SPAWN_CONFIG is accepted once, first, before the front has
 * read a byte from any client, so it carries what the broker told the
 * front. Still, the name must be the one of box_dir (given by root), the
 * pid must be PID 1 of a namespace and in that box's cgroup, and the paths
 * absolute without "..". */
int spawner_handle_config(struct spawner *s, void *msg, char *errmsg,
                          size_t errlen)
{
        struct ipc_spawn_config *c = msg;
        struct ipc_spawn_ready ready = {.hdr.type = IPC_SPAWN_READY,
                                        .hdr.nfds = 1};
        _cleanup_close_ int audit = -EBADF;
        const char *base = strrchr(s->box_dir, '/');
        char err[PBOX_ERR_LEN];
        int r;

        if (!base || strcmp(base + 1, c->name) != 0 ||
            pbox_name_check(c->name, "/", err) < 0 ||
            !abs_path_ok(c->audit_log)) {
                snprintf(errmsg, errlen, "bad box name or audit log path");
                return -EINVAL;
        }
        s->box.name = strdup(c->name);
        if (!s->box.name)
                return -ENOMEM;
        s->box.caps = c->caps;
        s->box.no_new_privs = c->no_new_privs;
        r = config_init(s, (pid_t)c->init_pid, errmsg, errlen);
        if (r >= 0) {
                r = config_perms(s->sock_path, s->box_dir, c->operator_gid,
                                 errmsg, errlen);
                /* A box whose init already exited may be torn down by now,
                 * its state directory gone: there is nothing to open to
                 * operators, and requests get "init has exited". */
                if (r < 0 && spawner_pidfd_exited(s->box.init_pidfd)) {
                        r = 0;
                        errmsg[0] = '\0';
                }
        }
        if (r >= 0)
                r = config_audit(c->audit_log, &audit, errmsg, errlen);
        if (r >= 0)
                r = spawner_caps_set(
                    c->no_new_privs ? c->caps & spawner_caps_permitted() : 0);
        if (r < 0) {
                if (!errmsg[0])
                        snprintf(errmsg, errlen, "drop capabilities: %s",
                                 strerror(-r));
                return r;
        }
        s->configured = true;
        /* The launcher pays the one cgroup migration of this box's
         * enters (launcher.c), soon but not at once: a box that ends
         * within SPAWN_LAUNCHER_DELAY_MS (`pbox start -- /bin/true`)
         * would wait for that migration at its teardown. An enter before
         * then starts it itself. */
        if (s->box.enter_procs && !spawner_pidfd_exited(s->box.init_pidfd)) {
                struct itimerspec its = {
                    .it_value.tv_nsec = SPAWN_LAUNCHER_DELAY_MS * 1000000L};

                s->launch_timer =
                    timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (s->launch_timer >= 0 &&
                    timerfd_settime(s->launch_timer, 0, &its, NULL) < 0)
                        close(TAKE_FD(s->launch_timer));
        }
        ready.hdr.fds[0] = audit;
        return ipc_send(s->sock, &ready);
}
