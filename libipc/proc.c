/* proc.c — process hygiene shared by every pbox process: dropping to an
 * exact capability set, becoming another user, closing inherited fds,
 * EINTR-safe full reads and writes, fd flags, /proc/PID/status fields,
 * and locating the helper programs. See proc.h for the contracts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>
#include <linux/capability.h>

#include "cleanup.h"
#include "proc.h"

/* ---- capabilities ------------------------------------------------------- */

/* Whether capability c exists on this kernel (bounding set readable). */
static bool cap_known(int c)
{
        return c >= 0 && c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0;
}

static int caps_mask(const int *caps, size_t ncaps, uint64_t *ret)
{
        uint64_t m = 0;

        if (ncaps > 0 && !caps)
                return -EINVAL;
        for (size_t i = 0; i < ncaps; i++) {
                if (!cap_known(caps[i]))
                        return -EINVAL;
                m |= UINT64_C(1) << caps[i];
        }
        *ret = m;
        return 0;
}

/* Drops every bounding-set capability outside keep. PR_CAPBSET_DROP needs
 * CAP_SETPCAP in the effective set, so it is raised from permitted first
 * (the final capset below takes it away again unless kept). */
static int bounding_drop_to(uint64_t keep)
{
        bool need = false;

        for (int c = 0; cap_known(c); c++)
                if (!(keep & (UINT64_C(1) << c)) &&
                    prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
                        need = true;
        if (!need)
                return 0;

        if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP)) {
                if (!capng_have_capability(CAPNG_PERMITTED, CAP_SETPCAP))
                        return -EPERM;
                if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, CAP_SETPCAP) < 0 ||
                    capng_apply(CAPNG_SELECT_CAPS) < 0)
                        return -EPERM;
        }
        for (int c = 0; cap_known(c); c++)
                if (!(keep & (UINT64_C(1) << c)) &&
                    prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
                    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                        return -errno;
        return 0;
}

/* Reads the sets back from the kernel: exactly keep, nothing else. */
static int caps_verify(uint64_t keep, bool no_new_privs, bool bounding)
{
        if (capng_get_caps_process() < 0)
                return -EPERM;
        for (int c = 0; cap_known(c); c++) {
                bool k = keep & (UINT64_C(1) << c);
                int amb;

                if (capng_have_capability(CAPNG_EFFECTIVE, c) != k ||
                    capng_have_capability(CAPNG_PERMITTED, c) != k ||
                    capng_have_capability(CAPNG_INHERITABLE, c) ||
                    (bounding && prctl(PR_CAPBSET_READ, c, 0, 0, 0) != k))
                        return -EPERM;
                amb = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
                if (amb > 0)
                        return -EPERM;
        }
        if (no_new_privs && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
                return -EPERM;
        return 0;
}

static int caps_drop(const int *caps, size_t ncaps, bool no_new_privs,
                     bool bounding)
{
        uint64_t keep;
        int r;

        r = caps_mask(caps, ncaps, &keep);
        if (r < 0)
                return r;
        if (capng_get_caps_process() < 0)
                return -EPERM;
        if (bounding) {
                r = bounding_drop_to(keep);
                if (r < 0)
                        return r;
        }
        /* Ambient first: it may only hold caps that are permitted. EINVAL
         * means a kernel without ambient caps, so nothing to clear. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
            errno != EINVAL)
                return -errno;

        capng_clear(CAPNG_SELECT_CAPS);
        for (size_t i = 0; i < ncaps; i++)
                if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
                                 (unsigned)caps[i]) < 0)
                        return -EINVAL;
        if (capng_apply(CAPNG_SELECT_CAPS) < 0)
                return -EPERM;

        if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return caps_verify(keep, no_new_privs, bounding);
}

int proc_caps_drop_to(const int *caps, size_t ncaps, bool no_new_privs)
{
        return caps_drop(caps, ncaps, no_new_privs, true);
}

int proc_caps_drop_bounded(const int *caps, size_t ncaps)
{
        return caps_drop(caps, ncaps, false, false);
}

static int ids_verify(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups)
{
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        gid_t now[NGROUPS_MAX];
        int n;

        if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
                return -EPERM;
        if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
            sg != gid)
                return -EPERM;
        n = getgroups(NGROUPS_MAX, now);
        if (n < 0 || (size_t)n != ngroups)
                return -EPERM;
        for (size_t i = 0; i < ngroups; i++) {
                bool found = false;

                for (int j = 0; j < n && !found; j++)
                        found = now[j] == groups[i];
                if (!found)
                        return -EPERM;
        }
        return 0;
}

int proc_become_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
                     const int *keep_caps, size_t nkeep, bool no_new_privs)
{
        uint64_t keep;
        int r;

        if ((ngroups > 0 && !groups) || ngroups > NGROUPS_MAX)
                return -EINVAL;
        r = caps_mask(keep_caps, nkeep, &keep);
        if (r < 0)
                return r;

        /* KEEPCAPS: setresuid away from 0 would otherwise empty permitted,
         * and the caps to keep could not be kept. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return -errno;
        if (setgroups(ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
            setresuid(uid, uid, uid) < 0) {
                r = -errno;
                (void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
                return r;
        }
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return -errno;

        r = proc_caps_drop_to(keep_caps, nkeep, no_new_privs);
        if (r < 0)
                return r;
        return ids_verify(uid, gid, groups, ngroups);
}

/* ---- fds ---------------------------------------------------------------- */

static int int_cmp(const void *a, const void *b)
{
        int x = *(const int *)a, y = *(const int *)b;

        return (x > y) - (x < y);
}

static bool fd_kept(int fd, const int *keep, size_t nkeep)
{
        for (size_t i = 0; i < nkeep; i++)
                if (keep[i] == fd)
                        return true;
        return false;
}

/* Without close_range (kernels before 5.9): walk /proc/self/fd. */
static int close_fds_proc(const int *keep, size_t nkeep)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char *end;
                long fd;

                errno = 0;
                fd = strtol(de->d_name, &end, 10);
                if (errno || *end || end == de->d_name || fd < 3 ||
                    fd > INT_MAX || fd == dirfd(d) ||
                    fd_kept((int)fd, keep, nkeep))
                        continue;
                close((int)fd);
        }
        return 0;
}

int proc_close_fds_except(const int *keep, size_t nkeep)
{
        _cleanup_free_ int *sorted = NULL;
        unsigned lo = 3;

        if (nkeep > 0 && !keep)
                return -EINVAL;
        if (nkeep > 0) {
                sorted = malloc(nkeep * sizeof(int));
                if (!sorted)
                        return -ENOMEM;
                memcpy(sorted, keep, nkeep * sizeof(int));
                qsort(sorted, nkeep, sizeof(int), int_cmp);
        }
        for (size_t i = 0; i < nkeep; i++) {
                if (sorted[i] < 0 || (unsigned)sorted[i] < lo)
                        continue; /* stdio, duplicates, -EBADF */
                if ((unsigned)sorted[i] > lo &&
                    close_range(lo, (unsigned)sorted[i] - 1, 0) < 0)
                        return errno == ENOSYS ? close_fds_proc(keep, nkeep)
                                               : -errno;
                lo = (unsigned)sorted[i] + 1;
        }
        if (close_range(lo, UINT_MAX, 0) < 0)
                return errno == ENOSYS ? close_fds_proc(keep, nkeep) : -errno;
        return 0;
}

ssize_t proc_read_full(int fd, void *buf, size_t len)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = read(fd, (uint8_t *)buf + done, len - done);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

ssize_t proc_write_full(int fd, const void *buf, size_t len)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

static int fd_flag(int fd, int get, int set, int bit, bool on)
{
        int flags = fcntl(fd, get);

        if (flags < 0)
                return -errno;
        if (!!(flags & bit) == on)
                return 0;
        flags = on ? flags | bit : flags & ~bit;
        if (fcntl(fd, set, flags) < 0)
                return -errno;
        return 0;
}

int proc_fd_nonblock(int fd, bool on)
{
        return fd_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on);
}

int proc_fd_cloexec(int fd, bool on)
{
        return fd_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on);
}

/* ---- /proc -------------------------------------------------------------- */

int proc_status_field(pid_t pid, const char *key, char *buf, size_t len)
{
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        char path[64];
        size_t cap = 0, klen;

        if (!key || !*key || !buf || len == 0 || pid < 0)
                return -EINVAL;
        if (pid == 0)
                snprintf(path, sizeof(path), "/proc/self/status");
        else
                snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        klen = strlen(key);
        while (getline(&line, &cap, f) >= 0) {
                char *v;
                size_t n;

                if (strncmp(line, key, klen) != 0 || line[klen] != ':')
                        continue;
                v = line + klen + 1;
                v += strspn(v, " \t");
                n = strcspn(v, "\n");
                if (n >= len)
                        return -ENOBUFS;
                memcpy(buf, v, n);
                buf[n] = 0;
                return 0;
        }
        return ferror(f) ? -EIO : -ENOENT;
}

const char *proc_self_dir(void)
{
        static char dir[PATH_MAX];
        static bool done;
        ssize_t n;
        char *slash;

        if (done)
                return dir[0] ? dir : NULL;
        done = true;
        n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
        if (n <= 0) {
                dir[0] = 0;
                return NULL;
        }
        dir[n] = 0;
        slash = strrchr(dir, '/');
        if (!slash) {
                dir[0] = 0;
                return NULL;
        }
        /* "/pbox" lives in "/" */
        slash[slash == dir ? 1 : 0] = 0;
        return dir;
}

static bool is_exec_file(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
               faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

int proc_helper_path(const char *name, char *buf, size_t len)
{
        const char *dir = proc_self_dir();
        int n;

        if (!name || !*name || strchr(name, '/') || !buf || len == 0)
                return -EINVAL;
        if (dir) {
                n = snprintf(buf, len, "%s%s%s", dir,
                             strcmp(dir, "/") == 0 ? "" : "/", name);
                if (n >= 0 && (size_t)n < len && is_exec_file(buf))
                        return 0;
        }
        n = snprintf(buf, len, "%s/%s", PBOX_LIBEXECDIR, name);
        if (n < 0 || (size_t)n >= len)
                return -ENAMETOOLONG;
        return 0;
}

int proc_exec_status(int err)
{
        if (err == -ENOENT || err == -ENOTDIR)
                return 127;
        if (err == -EINVAL)
                return 125;
        return 126;
}

int proc_rmdir_flat(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        for (int pass = 0; pass < 10; pass++) {
                rewinddir(d);
                while ((de = readdir(d)))
                        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                                (void)unlinkat(dirfd(d), de->d_name, 0);
                if (rmdir(path) == 0)
                        return 0;
                if (errno != ENOTEMPTY)
                        return -errno;
        }
        return -ENOTEMPTY;
}
