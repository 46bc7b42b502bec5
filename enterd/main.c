/* pbox-enterd — the enter daemon of one box (docs/enter.md). Started by
 * the broker as root with `pbox-enterd NAME DATA_DIR BROKER_USER` and its
 * broker socket on fd 3. Still root, it binds DATA_DIR/NAME/enter.sock
 * (0600 until the spawner sets its group) and forks the spawner, which
 * keeps its own small capability set; then this process, the front,
 * becomes BROKER_USER with no capabilities, no_new_privs and not
 * dumpable, and serves the socket (front.c, conn.c). This file is only
 * the wiring. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boxproc.h"
#include "cleanup.h"
#include "front.h"
#include "seccomp.h"
#include "pbox.h"
#include "proc.h"
#include "san.h"
#include "spawner.h"

PBOX_SAN_DEFAULTS

#define BROKER_FD    3
#define LISTEN_BACK  64
#define SPAWNER_COMM "pbox-enterd-sp"
/* How long the front waits for the spawner to kill and reap what it
 * started once the front is done (its grace period, and a margin). */
#define SPAWNER_WAIT_MS ((SPAWN_HANGUP_GRACE_S + 3) * 1000)

/* BROKER_USER as a name or a number; never root. From the host's
 * /etc/passwd by the project's parser, never NSS: no NSS module is loaded
 * into a root process of pbox. */
static int resolve_user(const char *u, uid_t *ret_uid, gid_t *ret_gid)
{
        struct pbox_user pu = {0};
        char err[PBOX_ERR_LEN] = "";
        uid_t uid;
        gid_t gid;
        int r;

        if (strchr(u, ':'))
                return -ENOENT;
        r = boxproc_resolve_user("/etc", u, &pu, err, sizeof(err));
        if (r < 0)
                return -ENOENT;
        uid = pu.uid;
        gid = pu.gid;
        pbox_user_free(&pu);
        if (uid == 0)
                return -EPERM;
        *ret_uid = uid;
        *ret_gid = gid;
        return 0;
}

/* The listening socket, bound by root with mode 0600: nobody but root can
 * connect until the spawner gives it the operator group. */
static int listen_socket(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int fd = -EBADF;
        mode_t old;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        old = umask(0177);
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0 || listen(fd, LISTEN_BACK) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* The spawner's process: root, and it drops to its own capability set
 * itself. It holds only its end of the front's socketpair. */
static _Noreturn void run_spawner(int sock, int listen_fd, int front_end,
                                  pid_t front, const char *path,
                                  const char *dir)
{
        close(BROKER_FD);
        close(listen_fd);
        close(front_end);
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != front)
                _exit(1);
        (void)prctl(PR_SET_NAME, SPAWNER_COMM, 0, 0, 0);
        _exit(spawner_main(sock, path, dir));
}

/* The spawner ends on the front's EOF after killing and reaping what it
 * started; wait for that, bounded, so nothing outlives enterd. */
/* The front's last act: let the spawner kill and reap what it started
 * (it saw our EOF), then reap it. Waits on its pidfd, opened before the
 * seccomp filter. */
static void wait_spawner(pid_t pid, int pidfd)
{
        struct pollfd p = {.fd = pidfd, .events = POLLIN};

        if (pidfd >= 0 && poll(&p, 1, SPAWNER_WAIT_MS) == 0)
                fprintf(stderr, "pbox-enterd: the spawner did not end in "
                                "time\n");
        (void)waitpid(pid, NULL, pidfd >= 0 ? WNOHANG : 0);
}

int main(int argc, char **argv)
{
        char err[PBOX_ERR_LEN], path[4096], dir[4096];
        int keep[] = {BROKER_FD};
        int sv[2], lfd, status, spfd;
        struct front *f;
        pid_t broker, front, spawner;
        uid_t uid;
        gid_t gid;
        int r;

        if (argc != 4 || argv[2][0] != '/' ||
            pbox_name_check(argv[1], argv[2], err) < 0) {
                fprintf(stderr, "pbox-enterd: started without a valid box "
                                "name, data dir and user\n");
                return 125;
        }
        r = resolve_user(argv[3], &uid, &gid);
        if (r < 0) {
                fprintf(stderr, "pbox-enterd: user %s: %s\n", argv[3],
                        r == -EPERM ? "must not be root" : "unknown user");
                return 125;
        }
        if (proc_fd_cloexec(BROKER_FD, true) < 0)
                return 125;
        (void)proc_close_fds_except(keep, ELEMENTSOF(keep));
        signal(SIGPIPE, SIG_IGN);
        broker = getppid();
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != broker)
                return 125;

        /* pbox_name_check made sure the socket's path fits sun_path. */
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", argv[2], argv[1]) >=
                sizeof(dir) ||
            (size_t)snprintf(path, sizeof(path), "%s/enter.sock", dir) >=
                sizeof(path))
                return 125;
        lfd = listen_socket(path);
        if (lfd < 0) {
                /* A vanished state directory means the box is being torn
                 * down: the broker says why, in one line (SPEC §3). */
                if (lfd != -ENOENT)
                        fprintf(stderr, "pbox-enterd: listen on %s: %s\n", path,
                                strerror(-lfd));
                return 125;
        }
        r = ipc_socketpair(sv);
        if (r < 0) {
                fprintf(stderr, "pbox-enterd: socketpair: %s\n", strerror(-r));
                return 125;
        }
        front = getpid();
        spawner = fork();
        if (spawner < 0) {
                fprintf(stderr, "pbox-enterd: fork: %s\n", strerror(errno));
                return 125;
        }
        if (spawner == 0)
                run_spawner(sv[1], lfd, sv[0], front, path, dir);
        close(sv[1]);
        spfd = (int)syscall(SYS_pidfd_open, spawner, 0);

        /* The front: for good, no way back to root, no capabilities. The
         * uid change clears the parent-death signal: set it again. */
        r = proc_become_user(uid, gid, NULL, 0, NULL, 0, true);
        if (r < 0) {
                fprintf(stderr, "pbox-enterd: become %s: %s\n", argv[3],
                        strerror(-r));
                return 125;
        }
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != broker)
                return 125;

        f = front_new(argv[1], BROKER_FD, sv[0], lfd);
        if (!f) {
                fprintf(stderr, "pbox-enterd: out of memory\n");
                wait_spawner(spawner, spfd);
                return 125;
        }
        /* glibc loads the time zone on the first gmtime_r(); do it now,
         * the filter forbids opening files later. */
        tzset();
        /* Before the first byte from an operator (SPEC §1). */
        if (enterd_front_seccomp_install() < 0) {
                fprintf(stderr, "pbox-enterd: seccomp filter\n");
                front_free(f);
                wait_spawner(spawner, spfd);
                return 125;
        }
        status = front_run(f);
        front_free(f); /* the spawner sees EOF */
        wait_spawner(spawner, spfd);
        return status;
}
