/* prepare.c — pbox-initproc: turn the box's PID 1 (or, with --init, its
 * child) into INIT: session and terminal, the user from the box's own
 * files, the capability sets of SPEC §2, then exec. Runs inside the box. */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <selinux/selinux.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "initproc.h"
#include "pbox.h"
#include "proc.h"

#define DEFAULT_PATH                                                           \
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define BOX_FILE_MAX (4 * 1024 * 1024)

/* Read a whole small file of the box; a missing file is empty. */
static int read_box_file(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        for (; fd >= 0;) {
                size_t want;
                ssize_t n;

                if (cap - len < 4096) {
                        char *nb;

                        if (cap >= BOX_FILE_MAX)
                                return -EFBIG;
                        cap = cap ? cap * 2 : 8192;
                        nb = realloc(buf, cap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                want = cap - len;
                n = proc_read_full(fd, buf + len, want);
                if (n < 0)
                        return (int)n;
                len += (size_t)n;
                if ((size_t)n < want) /* only at EOF */
                        break;
        }
        if (!buf && !(buf = calloc(1, 1)))
                return -ENOMEM;
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* A terminal from the box's own devpts: the peer is opened through the
 * master (TIOCGPTPEER), never by a path the box controls. */
static int setup_tty(int sock, char *errmsg, size_t errlen)
{
        struct ipc_init_tty msg = {.hdr.type = IPC_INIT_TTY, .hdr.nfds = 1};
        _cleanup_close_ int master = -EBADF, peer = -EBADF;
        int r;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || unlockpt(master) < 0) {
                snprintf(errmsg, errlen, "open /dev/ptmx: %s", strerror(errno));
                return -errno;
        }
        peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (peer < 0) {
                snprintf(errmsg, errlen, "TIOCGPTPEER: %s", strerror(errno));
                return -errno;
        }
        if (ioctl(peer, TIOCSCTTY, 0) < 0) {
                snprintf(errmsg, errlen, "TIOCSCTTY: %s", strerror(errno));
                return -errno;
        }
        msg.hdr.fds[0] = master;
        r = ipc_send(sock, &msg);
        if (r < 0) {
                snprintf(errmsg, errlen, "send terminal: %s", strerror(-r));
                return r;
        }
        for (int fd = 0; fd < 3; fd++)
                if (dup2(peer, fd) < 0)
                        return -errno;
        return 0;
}

static int resolve_user(const char *spec, struct pbox_user *u, char *errmsg,
                        size_t errlen)
{
        _cleanup_free_ char *pw = NULL, *gr = NULL;
        size_t pwlen = 0, grlen = 0;
        char err[PBOX_ERR_LEN] = "";
        int r;

        r = read_box_file("/etc/passwd", &pw, &pwlen);
        if (r >= 0)
                r = read_box_file("/etc/group", &gr, &grlen);
        if (r < 0) {
                snprintf(errmsg, errlen, "read the box's user files: %s",
                         strerror(-r));
                return r;
        }
        r = pbox_user_resolve(spec[0] ? spec : "root", pw, pwlen, gr, grlen, u,
                              err);
        if (r < 0)
                snprintf(errmsg, errlen, "user: %s", err);
        return r;
}

/* Bounding set = the box's set for every user; permitted and effective =
 * the box's set for root, empty otherwise; inheritable and ambient empty
 * (SPEC §2, CVE-2022-29162). */
static int drop_to_user(const struct pbox_user *u, uint64_t caps, char *errmsg,
                        size_t errlen)
{
        capng_clear(CAPNG_SELECT_BOTH);
        for (int c = 0; c < 64; c++) {
                /* Only what the bounding set still holds can be kept (a
                   host may lack some; `--cap all` means all there are). */
                if (!(caps & (UINT64_C(1) << c)) ||
                    prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
                        continue;
                /* Capabilities this kernel lacks are refused by libcap-ng
                   and cannot be held anyway. */
                if (capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, (unsigned)c) <
                    0)
                        continue;
                if (u->uid == 0)
                        capng_update(CAPNG_ADD,
                                     CAPNG_EFFECTIVE | CAPNG_PERMITTED,
                                     (unsigned)c);
        }
        /* The bounding set is dropped while we still hold CAP_SETPCAP. */
        if (capng_apply(CAPNG_SELECT_BOUNDS) < 0) {
                snprintf(errmsg, errlen, "drop the bounding set");
                return -EPERM;
        }
        if (setgroups(u->ngroups, u->groups) < 0 ||
            setresgid(u->gid, u->gid, u->gid) < 0 ||
            setresuid(u->uid, u->uid, u->uid) < 0) {
                snprintf(errmsg, errlen, "become %u:%u: %s", (unsigned)u->uid,
                         (unsigned)u->gid, strerror(errno));
                return -errno;
        }
        if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
                snprintf(errmsg, errlen, "set capabilities");
                return -EPERM;
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
            errno != EINVAL) {
                snprintf(errmsg, errlen, "clear ambient capabilities: %s",
                         strerror(errno));
                return -errno;
        }
        return 0;
}

int initproc_prepare(int sock, const struct ipc_init_exec *m, char *errmsg,
                     size_t errlen)
{
        struct pbox_user u = {0};
        int r;

        /* The box is its own session, never in the host's. */
        (void)setsid();
        if (m->tty) {
                r = setup_tty(sock, errmsg, errlen);
                if (r < 0)
                        return -EINVAL;
        }
        r = resolve_user(m->user, &u, errmsg, errlen);
        if (r < 0)
                return -EINVAL;
        if (m->label[0] && is_selinux_enabled() > 0 &&
            setexeccon(m->label) < 0) {
                snprintf(errmsg, errlen, "SELinux label %s: %s", m->label,
                         strerror(errno));
                pbox_user_free(&u);
                return -EINVAL;
        }
        r = drop_to_user(&u, m->caps, errmsg, errlen);
        pbox_user_free(&u);
        if (r < 0)
                return -EINVAL;
        if (m->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                snprintf(errmsg, errlen, "no_new_privs: %s", strerror(errno));
                return -EINVAL;
        }
        if (chdir("/") < 0)
                return -errno;
        /* Changing uid cleared the parent-death signal: if the mounter
         * dies, the box must die with it. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        return 0;
}

static const char *env_path(char *const *env)
{
        for (; env && *env; env++)
                if (strncmp(*env, "PATH=", 5) == 0)
                        return *env + 5;
        return DEFAULT_PATH;
}

int initproc_exec(const struct ipc_init_exec *m, char *errmsg, size_t errlen)
{
        const char *prog = m->args[0];
        int err = ENOENT;

        if (strchr(prog, '/')) {
                execve(prog, m->args, m->env);
                err = errno;
        } else {
                const char *p = env_path(m->env);

                while (*p) {
                        const char *end = strchrnul(p, ':');
                        char path[PATH_MAX];
                        int n = snprintf(path, sizeof(path), "%.*s/%s",
                                         (int)(end - p), p, prog);

                        if (n > 0 && (size_t)n < sizeof(path)) {
                                execve(path, m->args, m->env);
                                /* Keep the most telling error: a file that
                                 * exists but cannot run beats "missing". */
                                if (errno != ENOENT && errno != ENOTDIR)
                                        err = errno;
                        }
                        p = *end ? end + 1 : end;
                }
        }
        snprintf(errmsg, errlen, "%s: %s", prog, strerror(err));
        /* -EINVAL means "set-up failed" to the caller; a bad ELF is just
         * not executable. */
        return err == EINVAL ? -ENOEXEC : -err;
}
