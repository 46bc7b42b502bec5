/* boxproc.c — the steps that turn a process inside the box into a box
 * process: the box's own passwd/group and enter.env, a terminal from the
 * box's devpts, the environment, the capability sets and user of SPEC §2,
 * and exec with a PATH search. Runs in pbox-initproc (statically linked:
 * libc, libcap-ng, libselinux only) and in the process pbox-enterd's
 * spawner starts in the box, in both cases as root before the drop and
 * with the box's root as its root. See boxproc.h for the contracts. */
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

#include "boxproc.h"
#include "cleanup.h"
#include "proc.h"

#define ERR(...)                                                               \
        do {                                                                   \
                if (errmsg && errlen)                                          \
                        snprintf(errmsg, errlen, __VA_ARGS__);                 \
        } while (0)

int boxproc_read_file(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        struct stat st;

        if (!path || !ret || !ret_len)
                return -EINVAL;
        /* O_NONBLOCK: a FIFO planted by the box must not hang us. */
        fd = open(path,
                  O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        if (fd >= 0) {
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (!S_ISREG(st.st_mode))
                        return -EINVAL;
        }
        for (; fd >= 0;) {
                size_t want;
                ssize_t n;

                if (cap - len < 4096) {
                        char *nb;

                        if (cap >= BOXPROC_FILE_MAX)
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

int boxproc_resolve_user(const char *etc, const char *spec,
                         struct pbox_user *ret, char *errmsg, size_t errlen)
{
        _cleanup_free_ char *pw = NULL, *gr = NULL, *pwpath = NULL,
                            *grpath = NULL;
        size_t pwlen = 0, grlen = 0;
        char err[PBOX_ERR_LEN] = "";
        int r;

        if (!etc || !spec || !ret)
                return -EINVAL;
        if (asprintf(&pwpath, "%s/passwd", etc) < 0 ||
            asprintf(&grpath, "%s/group", etc) < 0)
                return -ENOMEM;
        r = boxproc_read_file(pwpath, &pw, &pwlen);
        if (r >= 0)
                r = boxproc_read_file(grpath, &gr, &grlen);
        if (r < 0) {
                ERR("read the box's user files: %s", strerror(-r));
                return r;
        }
        r = pbox_user_resolve(spec[0] ? spec : "root", pw, pwlen, gr, grlen,
                              ret, err);
        if (r < 0)
                ERR("user: %s", err);
        return r;
}

int boxproc_open_pty(int *ret_master, int *ret_peer, char *errmsg,
                     size_t errlen)
{
        _cleanup_close_ int master = -EBADF, peer = -EBADF;
        int r;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || unlockpt(master) < 0) {
                r = -errno;
                ERR("open /dev/ptmx: %s", strerror(-r));
                return r;
        }
        peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (peer < 0) {
                r = -errno;
                ERR("TIOCGPTPEER: %s", strerror(-r));
                return r;
        }
        *ret_master = TAKE_FD(master);
        *ret_peer = TAKE_FD(peer);
        return 0;
}

int boxproc_take_tty(int peer, unsigned rows, unsigned cols, char *errmsg,
                     size_t errlen)
{
        int r;

        if (ioctl(peer, TIOCSCTTY, 0) < 0) {
                r = -errno;
                ERR("TIOCSCTTY: %s", strerror(-r));
                return r;
        }
        if (rows && cols) {
                struct winsize ws = {.ws_row = (unsigned short)rows,
                                     .ws_col = (unsigned short)cols};

                if (ioctl(peer, TIOCSWINSZ, &ws) < 0) {
                        r = -errno;
                        ERR("TIOCSWINSZ: %s", strerror(-r));
                        return r;
                }
        }
        for (int fd = 0; fd < 3; fd++)
                if (dup2(peer, fd) < 0) {
                        r = -errno;
                        ERR("terminal on fd %d: %s", fd, strerror(-r));
                        return r;
                }
        return 0;
}

int boxproc_env_build(const char *home, const char *enter_env, size_t len,
                      char *const *req, char ***ret)
{
        struct pbox_env_vars env = {0};
        char **v;
        int r;

        if (!ret)
                return -EINVAL;
        r = pbox_env_vars_upsert(&env, "PATH", BOXPROC_DEFAULT_PATH);
        if (r >= 0)
                r = pbox_env_vars_upsert(&env, "TERM", "xterm");
        if (r >= 0)
                r = pbox_env_vars_upsert(&env, "LC_ALL", "C.UTF-8");
        if (r >= 0)
                r = pbox_env_vars_upsert(&env, "HOME", home ? home : "/");
        if (r >= 0 && enter_env)
                r = pbox_env_file_parse(enter_env, len, &env);
        for (char *const *p = req; r >= 0 && p && *p; p++) {
                const char *eq = strchr(*p, '=');
                _cleanup_free_ char *name = NULL;

                if (!eq || eq == *p) {
                        r = -EINVAL;
                        break;
                }
                name = strndup(*p, (size_t)(eq - *p));
                r = name ? pbox_env_vars_upsert(&env, name, eq + 1) : -ENOMEM;
        }
        if (r < 0) {
                pbox_env_vars_free(&env);
                return r;
        }
        v = pbox_env_vars_environ(&env);
        pbox_env_vars_free(&env);
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

int boxproc_set_label(const char *label, char *errmsg, size_t errlen)
{
        int r;

        if (!label || !label[0] || is_selinux_enabled() <= 0)
                return 0;
        if (setexeccon(label) < 0) {
                r = errno ? -errno : -EINVAL;
                ERR("SELinux label %s: %s", label, strerror(-r));
                return r;
        }
        return 0;
}

/* Bounding set = the box's set for every user; permitted and effective =
 * the box's set for root, empty otherwise; inheritable and ambient empty
 * (SPEC §2, CVE-2022-29162). */
int boxproc_drop_to_user(const struct pbox_user *u, uint64_t caps,
                         bool no_new_privs, char *errmsg, size_t errlen)
{
        uint64_t permitted = 0;
        int r;

        if (!u)
                return -EINVAL;
        /* What we hold now: a root process can only keep those before
           exec (and exec as root grants the whole bounding set anyway). */
        if (capng_get_caps_process() < 0) {
                ERR("read capabilities");
                return -EPERM;
        }
        for (int c = 0; c < 64; c++)
                if (capng_have_capability(CAPNG_PERMITTED, (unsigned)c) > 0)
                        permitted |= UINT64_C(1) << c;
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
                if (u->uid == 0 && (permitted & (UINT64_C(1) << c)))
                        capng_update(CAPNG_ADD,
                                     CAPNG_EFFECTIVE | CAPNG_PERMITTED,
                                     (unsigned)c);
        }
        /* The bounding set is dropped while we still hold CAP_SETPCAP. */
        if (capng_apply(CAPNG_SELECT_BOUNDS) < 0) {
                ERR("drop the bounding set");
                return -EPERM;
        }
        if (setgroups(u->ngroups, u->groups) < 0 ||
            setresgid(u->gid, u->gid, u->gid) < 0 ||
            setresuid(u->uid, u->uid, u->uid) < 0) {
                r = -errno;
                ERR("become %u:%u: %s", (unsigned)u->uid, (unsigned)u->gid,
                    strerror(-r));
                return r;
        }
        /* A changed uid or gid makes the kernel reset dumpability to
         * fs.suid_dumpable (1 on some hosts): non-dumpable again until
         * the exec, so the box cannot ptrace or read us meanwhile. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
                ERR("set capabilities");
                return -EPERM;
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
            errno != EINVAL) {
                r = -errno;
                ERR("clear ambient capabilities: %s", strerror(-r));
                return r;
        }
        if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                r = -errno;
                ERR("no_new_privs: %s", strerror(-r));
                return r;
        }
        return 0;
}

void boxproc_reset_signals(void)
{
        struct sigaction sa = {.sa_handler = SIG_DFL};
        sigset_t none;

        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &sa, NULL);
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *env_path(char *const *env)
{
        for (; env && *env; env++)
                if (strncmp(*env, "PATH=", 5) == 0)
                        return *env + 5;
        return BOXPROC_DEFAULT_PATH;
}

/* The next entry of a PATH list joined with prog into buf, advancing *p
 * past it; false when none is left. Entries too long for buf are skipped.
 * The one search of boxproc_exec() and boxproc_which(). */
static bool path_next(const char **p, const char *prog, char *buf, size_t len)
{
        while (**p) {
                const char *end = strchrnul(*p, ':');
                int n =
                    snprintf(buf, len, "%.*s/%s", (int)(end - *p), *p, prog);

                *p = *end ? end + 1 : end;
                if (n > 0 && (size_t)n < len)
                        return true;
        }
        return false;
}

int boxproc_which(const char *prog, char *const *env, char *buf, size_t len)
{
        const char *p = env_path(env);
        struct stat st;
        int n;

        if (!prog || !prog[0])
                return -ENOENT;
        if (strchr(prog, '/')) {
                n = snprintf(buf, len, "%s", prog);
                return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
        }
        while (path_next(&p, prog, buf, len))
                if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
                        return 0;
        return -ENOENT;
}

int boxproc_compute_label(char *const *args, char *const *env, char **ret,
                          char *errmsg, size_t errlen)
{
        char *init = NULL, *file = NULL, *label = NULL;
        char path[PATH_MAX];
        security_class_t cls;

        *ret = NULL;
        if (is_selinux_enabled() <= 0)
                return 0;
        if (getpidcon(1, &init) < 0) {
                int r = errno ? -errno : -EINVAL;

                ERR("SELinux context of the box's init: %s", strerror(-r));
                return r;
        }
        cls = string_to_security_class("process");
        if (cls && args &&
            boxproc_which(args[0], env, path, sizeof(path)) == 0 &&
            getfilecon(path, &file) >= 0)
                (void)security_compute_create(init, file, cls, &label);
        *ret = strdup(label ? label : init);
        freecon(label);
        freecon(file);
        freecon(init);
        return *ret ? 0 : -ENOMEM;
}

int boxproc_exec(char *const *args, char *const *env, char *errmsg,
                 size_t errlen)
{
        const char *prog;
        int err = ENOENT;

        if (!args || !args[0] || !args[0][0]) {
                ERR("no command");
                return -ENOENT;
        }
        prog = args[0];
        if (strchr(prog, '/')) {
                execve(prog, args, env);
                err = errno;
        } else {
                const char *p = env_path(env);
                char path[PATH_MAX];

                while (path_next(&p, prog, path, sizeof(path))) {
                        execve(path, args, env);
                        /* Keep the most telling error: a file that exists
                         * but cannot run beats "missing". */
                        if (errno != ENOENT && errno != ENOTDIR)
                                err = errno;
                }
        }
        ERR("%s: %s", prog, strerror(err));
        /* -EINVAL means "set-up failed" to the caller; a bad ELF is just
         * not executable. */
        return err == EINVAL ? -ENOEXEC : -err;
}
