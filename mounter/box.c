/* box.c — pbox-mounter: create the box's init in new namespaces and tear
 * the box down. The init child (a fork of the mounter, still privileged)
 * joins the box's cgroups, unshares the cgroup namespace, sets the
 * hostname, brings up loopback (--net none), builds the root filesystem
 * and execs pbox-initproc from a sealed memfd copy (CVE-2019-5736: nothing
 * in the box can rewrite the host binary it runs). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "mounter.h"
#include "netns.h"
#include "pbox.h"
#include "proc.h"
#include "rootfs.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* A sealed, executable in-memory copy of pbox-initproc. */
static int seal_initproc(char *errmsg, size_t errlen)
{
        _cleanup_close_ int src = -EBADF, mfd = -EBADF;
        char path[4096];
        struct stat st;
        off_t off = 0;
        int r;

        r = proc_helper_path("pbox-initproc", path, sizeof(path));
        if (r < 0 || (src = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
            fstat(src, &st) < 0) {
                snprintf(errmsg, errlen, "open pbox-initproc: %s",
                         strerror(r < 0 ? -r : errno));
                return r < 0 ? r : -errno;
        }
        mfd = memfd_create("pbox-initproc",
                           MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (mfd < 0 && errno == EINVAL)
                mfd = memfd_create("pbox-initproc",
                                   MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                goto fail;
        while (off < st.st_size) {
                ssize_t n =
                    sendfile(mfd, src, &off, (size_t)(st.st_size - off));

                if (n <= 0) {
                        if (n < 0 && errno == EINTR)
                                continue;
                        goto fail;
                }
        }
        if (fchmod(mfd, 0555) < 0 ||
            fcntl(mfd, F_ADD_SEALS,
                  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                goto fail;
        return TAKE_FD(mfd);
fail:
        r = -errno;
        snprintf(errmsg, errlen, "seal pbox-initproc: %s", strerror(errno));
        return r;
}

/* Tell the parent why the child failed, then die. */
static _Noreturn void child_fail(int errfd, int err, const char *msg)
{
        char buf[sizeof(int) + IPC_ERRMSG_MAX];
        size_t len = strnlen(msg, IPC_ERRMSG_MAX - 1);

        memcpy(buf, &err, sizeof(int));
        memcpy(buf + sizeof(int), msg, len);
        (void)proc_write_full(errfd, buf, sizeof(int) + len);
        _exit(125);
}

/* The child tells the parent over a SOCK_SEQPACKET pair: first the box's
 * root as an O_PATH fd (for later device hot-plug: the mounter cannot open
 * /proc/INIT/root without CAP_SYS_PTRACE once init outranks it), then
 * nothing (exec closed the socket) or why it failed. */
static int send_root(int sock)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = {0};
        char tag = 'R';
        struct iovec iov = {.iov_base = &tag, .iov_len = 1};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = cbuf,
                            .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        _cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Place fds at 0..3 for initproc (stdin, stdout, stderr, broker socket),
 * keeping memfd and errfd; everything else is closed. */
static int child_fds(const struct ipc_mnt_create *req, int memfd, int errfd)
{
        static const int order[4] = {1, 2, 3, 0}; /* hdr.fds index → fd */
        int tmp[4];
        int keep[6];

        for (int i = 0; i < 4; i++) {
                tmp[i] = fcntl(req->hdr.fds[order[i]], F_DUPFD_CLOEXEC, 10);
                if (tmp[i] < 0)
                        return -errno;
        }
        for (int i = 0; i < 4; i++)
                if (dup2(tmp[i], i) < 0)
                        return -errno;
        keep[0] = 0, keep[1] = 1, keep[2] = 2, keep[3] = 3;
        keep[4] = memfd, keep[5] = errfd;
        return proc_close_fds_except(keep, ELEMENTSOF(keep));
}

static _Noreturn void box_child(struct mounter *m,
                                const struct ipc_mnt_create *req, int memfd,
                                int errfd)
{
        struct rootfs_plan plan = {
            .cfg = m->cfg,
            .volumes = m->volumes,
            .nvolumes = m->nvolumes,
            .devices = m->devices,
            .ndevices = m->ndevices,
            .copies = m->copies,
            .ncopies = m->ncopies,
            .writes = m->writes,
            .nwrites = m->nwrites,
            .cgroups = m->layout.has_cgroupns ? &m->layout : NULL,
        };
        char errmsg[IPC_ERRMSG_MAX] = "";
        char *const argv[] = {"pbox-initproc", NULL};
        char *const envp[] = {NULL};
        int r;

        /* If the mounter dies, so does the box (and with it every process
         * of its PID namespace). */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        /* The box starts with default signal handling, whatever the
         * mounter ignores (SIGPIPE). */
        {
                sigset_t none;

                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                signal(SIGPIPE, SIG_DFL);
        }
        r = box_cgroup_attach(m->cg, 0);
        if (r < 0)
                child_fail(errfd, r, "join the box's cgroups");
        if (m->layout.has_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
                child_fail(errfd, -errno, "cgroup namespace");
        if (sethostname(m->cfg->hostname, strlen(m->cfg->hostname)) < 0)
                child_fail(errfd, -errno, "set the hostname");
        if (m->cfg->net_none) {
                r = netns_loopback_up(errmsg, sizeof(errmsg));
                if (r < 0)
                        child_fail(errfd, r, errmsg);
        }
        r = rootfs_setup(&plan, errmsg, sizeof(errmsg));
        if (r < 0)
                child_fail(errfd, r, errmsg);
        r = send_root(errfd);
        if (r < 0)
                child_fail(errfd, r, "send the box's root");
        r = child_fds(req, memfd, errfd);
        if (r < 0)
                child_fail(errfd, r, "arrange initproc's descriptors");
        syscall(SYS_execveat, memfd, "", argv, envp, AT_EMPTY_PATH);
        child_fail(errfd, -errno, "exec pbox-initproc");
}

static pid_t clone_box(unsigned long flags, int *ret_pidfd)
{
        struct clone_args args = {
            .flags = flags | CLONE_PIDFD,
            .pidfd = (uint64_t)(uintptr_t)ret_pidfd,
            .exit_signal = SIGCHLD,
        };

        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int box_create(struct mounter *m, const struct ipc_mnt_create *req,
               char *errmsg, size_t errlen)
{
        unsigned long flags =
            CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
        _cleanup_close_ int memfd = -EBADF;
        int errpipe[2] = {-EBADF, -EBADF};
        char buf[sizeof(int) + IPC_ERRMSG_MAX + 1];
        int pidfd = -EBADF;
        ssize_t n;
        pid_t pid;
        int r;

        r = cgroup_mount_missing("/", errmsg, errlen);
        if (r < 0)
                return r;
        r = cg_layout_read(&m->layout);
        if (r < 0) {
                snprintf(errmsg, errlen, "read the cgroup layout: %s",
                         strerror(-r));
                return r;
        }
        r = box_cgroup_create(&m->layout, m->cfg->name, m->cfg->cpu_shares,
                              m->cfg->memory, m->cfg->pids_limit, &m->cg,
                              errmsg, errlen);
        if (r < 0)
                return r;
        memfd = seal_initproc(errmsg, errlen);
        if (memfd < 0)
                return memfd;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, errpipe) < 0)
                return -errno;
        if (m->cfg->net_none)
                flags |= CLONE_NEWNET;
        pid = clone_box(flags, &pidfd);
        if (pid < 0) {
                r = -errno;
                snprintf(errmsg, errlen, "create the box's namespaces: %s",
                         strerror(errno));
                close(errpipe[0]);
                close(errpipe[1]);
                return r;
        }
        if (pid == 0) {
                close(errpipe[0]);
                box_child(m, req, memfd, errpipe[1]);
        }
        close(errpipe[1]);
        m->init_pid = pid;
        m->pidfd = pidfd;
        m->created = true;
        for (;;) {
                char cbuf[CMSG_SPACE(sizeof(int))];
                struct iovec iov = {.iov_base = buf,
                                    .iov_len = sizeof(buf) - 1};
                struct msghdr mh = {.msg_iov = &iov,
                                    .msg_iovlen = 1,
                                    .msg_control = cbuf,
                                    .msg_controllen = sizeof(cbuf)};
                struct cmsghdr *c;

                n = recvmsg(errpipe[0], &mh, MSG_CMSG_CLOEXEC);
                if (n < 0 && errno == EINTR)
                        continue;
                c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
                if (n == 1 && buf[0] == 'R' && c &&
                    c->cmsg_type == SCM_RIGHTS && m->rootfd < 0) {
                        memcpy(&m->rootfd, CMSG_DATA(c), sizeof(int));
                        continue;
                }
                break;
        }
        close(errpipe[0]);
        if (n != 0) {
                int err = -EIO;

                if (n < 0)
                        n = 0;
                if (n >= (ssize_t)sizeof(int))
                        memcpy(&err, buf, sizeof(int));
                buf[n] = '\0';
                snprintf(errmsg, errlen, "%s",
                         n > (ssize_t)sizeof(int) ? buf + sizeof(int)
                                                  : "box init failed");
                return err < 0 ? err : -EIO;
        }
        if (m->rootfd < 0) {
                snprintf(errmsg, errlen, "box init did not report its root");
                return -EIO;
        }
        return 0;
}

int box_reap(struct mounter *m, int *ret_status)
{
        siginfo_t si = {0};

        if (m->pidfd < 0)
                return 0;
        if (waitid(P_PIDFD, (id_t)m->pidfd, &si, WEXITED | WNOHANG) < 0)
                return -errno;
        if (si.si_pid == 0)
                return 0;
        close(m->pidfd);
        m->pidfd = -EBADF;
        if (si.si_code == CLD_EXITED)
                *ret_status = W_EXITCODE(si.si_status, 0);
        else
                *ret_status = W_EXITCODE(0, si.si_status);
        return 1;
}

/* Remove DATA_DIR/NAME: the lock, state and socket the broker and enterd
 * made there (no subdirectories are expected). owned: the broker handed
 * it over (IPC_MNT_STATE_HELD) while holding its lock. Otherwise (the
 * janitor, after the mounter died before the handover) only a directory
 * whose lock nobody holds is removed, waiting (bounded) for a broker that
 * is still exiting: a broker killed while creating it leaves it unlocked,
 * while a second `pbox start` of a running box must leave that box's
 * directory alone. */
static void remove_state_dir(const char *name, const char *data_dir, bool owned)
{
        _cleanup_free_ char *path = NULL, *lock = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat a, b;

        if (!name || !data_dir ||
            asprintf(&path, "%s/%s", data_dir, name) < 0 ||
            asprintf(&lock, "%s/lock", path) < 0)
                return;
        if (!owned) {
                fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd >= 0) {
                        int r;

                        /* Waiting is bounded (10 s): a lock held that long
                         * belongs to a box that is not ours. */
                        for (int i = 0;; i++) {
                                r = flock(fd, LOCK_EX | LOCK_NB);
                                if (r == 0 || i >= 200 ||
                                    (errno != EWOULDBLOCK && errno != EINTR))
                                        break;
                                usleep(50 * 1000);
                        }
                        /* Held by a live box, or replaced meanwhile. */
                        if (r < 0 || fstat(fd, &a) < 0 || stat(lock, &b) < 0 ||
                            a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                                return;
                } else if (errno != ENOENT) {
                        return;
                }
        }
        (void)proc_rmdir_flat(path);
}

/* Whether the broker exits within 100 ms (its pidfd turns readable). */
static bool broker_exits(const struct mounter *m)
{
        struct pollfd p = {.fd = m->broker_pidfd, .events = POLLIN};

        return m->broker_pidfd >= 0 && poll(&p, 1, 100) == 1;
}

void box_teardown(struct mounter *m)
{
        if (m->pidfd >= 0) {
                siginfo_t si;

                (void)syscall(SYS_pidfd_send_signal, m->pidfd, SIGKILL, NULL,
                              0);
                (void)waitid(P_PIDFD, (id_t)m->pidfd, &si, WEXITED);
                close(m->pidfd);
                m->pidfd = -EBADF;
        }
        if (m->rootfd >= 0) {
                close(m->rootfd);
                m->rootfd = -EBADF;
        }
        if (m->cg) {
                (void)box_cgroup_destroy(m->cg);
                m->cg = NULL;
        }
        /* Before the handover the broker, still root, removes it: unless
         * it hung up without its MNT_KILL, i.e. was killed (its socket
         * closes a moment before its death is complete; the parent-death
         * signal may still end us first, and then the janitor does this).
         * We hang up too, so a live broker goes on failing meanwhile. */
        if (m->owned) {
                remove_state_dir(m->name, m->data_dir, true);
        } else if (!m->broker_quit && m->broker_pidfd >= 0) {
                if (m->sock >= 0) {
                        close(m->sock);
                        m->sock = -EBADF;
                }
                if (broker_exits(m))
                        remove_state_dir(m->name, m->data_dir, false);
        }
        if (m->broker_pidfd >= 0) {
                close(m->broker_pidfd);
                m->broker_pidfd = -EBADF;
        }
        if (m->janitor_fd >= 0) {
                /* Done here: the janitor can go without doing anything. */
                (void)!write(m->janitor_fd, "x", 1);
                close(m->janitor_fd);
                m->janitor_fd = -EBADF;
                /* Reaped here: it exits at once, and nobody else would. */
                {
                        siginfo_t si;

                        (void)waitid(P_PID, (id_t)m->janitor_pid, &si, WEXITED);
                }
                m->janitor_pid = 0;
        }
}

/* The janitor is a fork of the mounter, made before anything else, that
 * only waits: if the mounter is killed (SIGKILL leaves it no teardown), the
 * box's init dies by its parent-death signal, and the janitor removes what
 * the mounter may have made — the box's cgroups, found by name, and the
 * state directory — so a crashed component never leaves a half box behind
 * (SPEC §5). It holds no socket of the box. Conversely the mounter watches
 * it (main.c): a killed janitor takes the box down too. */
int janitor_spawn(struct mounter *m)
{
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return -errno;
        }
        if (pid == 0) {
                int keep[] = {p[0]};
                bool owned = false;
                char c;
                ssize_t n;

                (void)proc_close_fds_except(keep, ELEMENTSOF(keep));
                (void)prctl(PR_SET_NAME, "pbox-janitor", 0, 0, 0);
                do
                        n = read(p[0], &c, 1);
                while (n < 0 && errno == EINTR);
                /* 'o': the mounter took the box over (see remove_state_dir);
                 * 'x': it tore the box down itself; EOF: it died. */
                while (n == 1 && c == 'o') {
                        owned = true;
                        do
                                n = read(p[0], &c, 1);
                        while (n < 0 && errno == EINTR);
                }
                if (n != 1) {
                        struct cg_layout l = {0};
                        struct box_cgroup *cg = NULL;

                        /* Cgroups exist only once the box is ours. */
                        if (owned && cg_layout_read(&l) >= 0 &&
                            box_cgroup_lookup(&l, m->name, &cg) >= 0)
                                (void)box_cgroup_destroy(cg);
                        cg_layout_free(&l);
                        remove_state_dir(m->name, m->data_dir, owned);
                }
                _exit(0);
        }
        close(p[0]);
        m->janitor_fd = p[1];
        m->janitor_pid = pid;
        return 0;
}
