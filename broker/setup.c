/* setup.c — pbox-broker's root phase: the state directory and its lock,
 * detaching, starting the privileged mounter, then becoming the
 * unprivileged --broker-user for good (SPEC §1). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "boxproc.h"
#include "broker.h"
#include "cleanup.h"
#include "ipc.h"
#include "proc.h"

static int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int take_lock(const char *path, int *ret_fd)
{
        for (int tries = 0; tries < 5; tries++) {
                _cleanup_close_ int fd = -EBADF;
                struct stat a, b;

                fd =
                    open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                        return errno == EWOULDBLOCK ? -EBUSY : -errno;
                /* The previous owner may have unlinked it meanwhile. */
                if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
                    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
                        *ret_fd = TAKE_FD(fd);
                        return 0;
                }
        }
        return -EAGAIN;
}

static void notify_connect(struct broker *b)
{
        const char *e = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t len;
        int fd;

        if (!e || (e[0] != '/' && e[0] != '@') ||
            (len = strlen(e)) >= sizeof(sa.sun_path))
                return;
        memcpy(sa.sun_path, e, len);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = '\0';
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        if (connect(fd, (struct sockaddr *)&sa,
                    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) <
            0) {
                close(fd);
                return;
        }
        b->notify_fd = fd;
}

/* DATA_DIR, its _log/ and, with --detach, the box's log; the notify
 * socket. Before daemonizing: the log is where the daemon writes. */
int broker_open_log(struct broker *b)
{
        const char *dd = b->early.data_dir, *name = b->early.name;
        _cleanup_free_ char *logdir = NULL, *path = NULL;
        int r;

        if (asprintf(&logdir, "%s/_log", dd) < 0)
                return -ENOMEM;
        r = mkdir_p(dd, 0711);
        if (r >= 0)
                r = mkdir_p(logdir, 0700);
        if (r < 0) {
                broker_report(b, 125, "create %s: %s", logdir, strerror(-r));
                return r;
        }
        if (b->early.detach) {
                if (asprintf(&path, "%s/%s.log", logdir, name) < 0)
                        return -ENOMEM;
                b->log_fd =
                    open(path,
                         O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                         0640);
                if (b->log_fd < 0) {
                        r = -errno;
                        broker_report(b, 125, "open %s: %s", path,
                                      strerror(errno));
                        return r;
                }
        }
        notify_connect(b);
        return 0;
}

/* DATA_DIR/NAME with its lock and state file. Called right before the
 * helpers are spawned: from then on the mounter (and its janitor) remove
 * the directory whatever happens, and the lock guarantees it is ours. */
int broker_open_state(struct broker *b)
{
        const char *dd = b->early.data_dir, *name = b->early.name;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        int r;

        if (asprintf(&dir, "%s/%s", dd, name) < 0)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0) {
                broker_report(b, 125, "create %s: %s", dir, strerror(-r));
                return r;
        }
        if (asprintf(&path, "%s/lock", dir) < 0)
                return -ENOMEM;
        r = take_lock(path, &b->lock_fd);
        if (r < 0) {
                /* Only if empty: ours, made just now (a held lock is a
                 * file in it). */
                (void)rmdir(dir);
                if (r == -EBUSY)
                        broker_report(b, 125, "box %s is already running",
                                      name);
                else
                        broker_report(b, 125, "lock %s: %s", path,
                                      strerror(-r));
                return r;
        }
        free(path);
        if (asprintf(&path, "%s/state", dir) < 0)
                return -ENOMEM;
        /* Root's alone, like the lock: operators ask enterd (OP_STATUS). */
        b->state_fd = open(
            path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (b->state_fd < 0) {
                r = -errno;
                broker_report(b, 125, "open %s: %s", path, strerror(errno));
                return r;
        }
        free(path);
        if (asprintf(&path, "%s/enter.sock", dir) < 0)
                return -ENOMEM;
        (void)unlink(path); /* left by a box that crashed */
        return 0;
}

/* One report from the daemon: an int status and a NUL-terminated
 * message, in one write (or EOF). */
static ssize_t read_report(int fd, char *buf, size_t len)
{
        ssize_t n;

        do
                n = read(fd, buf, len);
        while (n < 0 && errno == EINTR);
        return n;
}

/* --detach: the caller waits on a pipe for the outcome (0 once ready, or
 * init's 126/127, or 125 with the reason); the broker carries on in its
 * own session with stdio on /dev/null and the log. */
int broker_daemonize(struct broker *b)
{
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid > 0) {
                char buf[sizeof(int) + IPC_ERRMSG_MAX + 1] = {0};
                ssize_t n;
                int status = 125;

                close(p[1]);
                n = read_report(p[0], buf, sizeof(buf) - 1);
                if (n >= (ssize_t)sizeof(int)) {
                        memcpy(&status, buf, sizeof(int));
                        if (buf[sizeof(int)])
                                fprintf(stderr, "pbox: start: %s\n",
                                        buf + sizeof(int));
                } else {
                        fprintf(stderr,
                                "pbox: start: the broker exited before the "
                                "box was ready\n");
                }
                /* A failed start: wait until the broker has cleaned up. */
                while (status != 0 && read_report(p[0], buf, sizeof(buf)) > 0)
                        ;
                _exit(status);
        }
        close(p[0]);
        b->ready_fd = p[1];
        (void)setsid();
        {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
                    dup2(b->log_fd, 2) < 0)
                        return -errno;
                close(null);
        }
        return 0;
}

/* Fork and exec a privileged helper with its broker socket on fd 3,
 * stdin/stdout on /dev/null, our stderr, no environment. Runs as root,
 * before the broker drops: argv is trusted by the helper. */
static int spawn_helper(struct broker *b, const char *prog, char *const argv[],
                        int *ret_sock, pid_t *ret_pid)
{
        char path[4096];
        int sv[2];
        pid_t pid;
        int r;

        r = proc_helper_path(prog, path, sizeof(path));
        if (r < 0) {
                broker_report(b, 125, "find %s: %s", prog, strerror(-r));
                return r;
        }
        r = ipc_socketpair(sv);
        if (r < 0) {
                broker_report(b, 125, "start %s: %s", prog, strerror(-r));
                return r;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(sv[0]);
                close(sv[1]);
                broker_report(b, 125, "start %s: %s", prog, strerror(-r));
                return r;
        }
        if (pid == 0) {
                char *envp[] = {NULL};
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                sigset_t none;

                /* The broker blocks the signals it reads by signalfd; its
                 * helpers (and so the box) must not inherit that. */
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
                    dup2(sv[1], 3) < 0)
                        _exit(125);
                execve(path, argv, envp);
                _exit(125);
        }
        close(sv[1]);
        *ret_sock = sv[0];
        *ret_pid = pid;
        return 0;
}

/* The mounter first, before the state directory exists: once it has
 * said hello its janitor exists, and between them they remove the
 * directory whatever dies when (mounter/box.c remove_state_dir). */
int broker_spawn_mounter(struct broker *b)
{
        char *argv[] = {"pbox-mounter", b->early.name, b->early.data_dir, NULL};
        _cleanup_msg_ void *hello = NULL;
        int r;

        r = spawn_helper(b, "pbox-mounter", argv, &b->mounter_sock,
                         &b->mounter_pid);
        if (r < 0)
                return r;
        r = ipc_recv(b->mounter_sock, IPC_ROLE_MOUNTER, &hello);
        if (r < 0 || ((struct ipc_hdr *)hello)->type != IPC_REPLY ||
            ((struct ipc_reply *)hello)->err < 0) {
                broker_report(b, 125, "pbox-mounter did not start: %s",
                              r < 0 ? strerror(-r) : "bad hello");
                return r < 0 ? r : -EPROTO;
        }
        return 0;
}

/* Tell the mounter the state directory exists and we hold its lock: from
 * then on it and its janitor remove the directory whatever dies when
 * (mounter/box.c). Until it has answered, we remove it ourselves
 * (broker_remove_state): a mounter that ended before the handover has
 * left it to us, and we are still root. */
int broker_hand_state(struct broker *b)
{
        struct ipc_mnt_state_held h = {
            .hdr = {.type = IPC_MNT_STATE_HELD, .id = ++b->next_id}};
        char errmsg[IPC_ERRMSG_MAX] = "";
        int r;

        r = ipc_call(b->mounter_sock, IPC_ROLE_MOUNTER, &h, errmsg);
        if (r < 0) {
                broker_report(b, 125, "the mounter exited: %s",
                              errmsg[0] ? errmsg : strerror(-r));
                return r;
        }
        b->state_handed = true;
        return 0;
}

/* DATA_DIR/NAME while we hold its lock and have not handed it over. */
void broker_remove_state(struct broker *b)
{
        _cleanup_free_ char *dir = NULL;

        if (b->lock_fd < 0 || b->state_handed ||
            asprintf(&dir, "%s/%s", b->early.data_dir, b->early.name) < 0)
                return;
        (void)proc_rmdir_flat(dir);
}

int broker_spawn_enterd(struct broker *b)
{
        char *argv[] = {"pbox-enterd", b->early.name, b->early.data_dir,
                        b->early.broker_user, NULL};

        return spawn_helper(b, "pbox-enterd", argv, &b->enterd_sock,
                            &b->enterd_pid);
}

/* For good: no way back to root, no capabilities, no_new_privs, not
 * dumpable (it holds the sockets of privileged helpers). */
int broker_drop_privileges(struct broker *b)
{
        const char *u = b->early.broker_user;
        struct pbox_user pu = {0};
        char err[PBOX_ERR_LEN] = "";
        uid_t uid;
        gid_t gid;
        int r;

        /* From the host's /etc/passwd by the project's parser, never NSS:
         * no NSS module is loaded into a root process of pbox. */
        r = strchr(u, ':')
                ? -ENOENT
                : boxproc_resolve_user("/etc", u, &pu, err, sizeof(err));
        if (r < 0) {
                broker_report(b, 125, "broker user %s: unknown user", u);
                return -ENOENT;
        }
        uid = pu.uid;
        gid = pu.gid;
        pbox_user_free(&pu);
        if (uid == 0) {
                broker_report(b, 125, "broker user %s: must not be root", u);
                return -EINVAL;
        }
        r = proc_become_user(uid, gid, NULL, 0, NULL, 0, true);
        if (r < 0) {
                broker_report(b, 125, "become %s: %s", u, strerror(-r));
                return r;
        }
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        return 0;
}

static const char *state_name(enum box_state s)
{
        switch (s) {
        case BOX_STARTING:
                return "starting";
        case BOX_RUNNING:
                return "running";
        case BOX_STOPPING:
                return "stopping";
        }
        return "unknown";
}

/* The state pbox status shows: key=value lines, into buf (IPC_STATE_MAX).
 * Length, or -ENOBUFS. */
int broker_format_state(const struct broker *b, char *buf, size_t len)
{
        int n = snprintf(buf, len,
                         "name=%s\nstate=%s\ninit_pid=%d\nstarted=%lld\n"
                         "cgroup=%s\nbroker=%d\nmounter=%d\ninitproc=%d\n"
                         "enterd=%d\nminimal_init=%d\nstop_timeout=%u\n",
                         b->early.name, state_name(b->state), (int)b->init_pid,
                         (long long)b->started, b->cgroup ? b->cgroup : "",
                         (int)getpid(), (int)b->mounter_pid,
                         b->cfg.minimal_init ? (int)b->init_pid : 0,
                         (int)b->enterd_pid, b->cfg.minimal_init ? 1 : 0,
                         b->cfg.stop_timeout);

        return n < 0 || (size_t)n >= len ? -ENOBUFS : n;
}

/* The state file root's pbox status reads, rewritten whole. A box whose
 * state cannot be written (a full disk) cannot be found by pbox
 * stop/status: the caller treats failure as fatal. */
int broker_write_state(struct broker *b)
{
        char buf[IPC_STATE_MAX];
        ssize_t w;
        int n;

        if (b->state_fd < 0)
                return -EBADF;
        n = broker_format_state(b, buf, sizeof(buf));
        if (n < 0)
                return n;
        w = pwrite(b->state_fd, buf, (size_t)n, 0);
        if (w < 0)
                return -errno;
        if (w != n)
                return -ENOSPC;
        return ftruncate(b->state_fd, n) < 0 ? -errno : 0;
}
