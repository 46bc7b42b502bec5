/* attack.c — helpers of the attack suites (see attack.h). Runs in the
 * forked check test process. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attack.h"
#include "cleanup.h"

struct test_box *attack_box_new(void)
{
        struct test_box *b = test_box_new();

        ck_assert_msg(b, "cannot set up a test box (rootfs, temp dir)");
        return b;
}

void attack_no_leftovers(const struct test_box *b, double wait_s)
{
        char rep[ATTACK_REPORT_LEN];
        int n = leftovers_wait(b->name, b->data_dir, rep, sizeof(rep), wait_s);

        ck_assert_msg(n == 0, "%d leftovers of box %s:\n%s", n, b->name, rep);
}

void attack_box_free(struct test_box *b, double wait_s)
{
        _cleanup_free_ char *name = strdup(b->name);
        _cleanup_free_ char *dd = strdup(b->data_dir);
        char rep[ATTACK_REPORT_LEN];
        int n;

        test_box_free(b);
        ck_assert(name && dd);
        n = leftovers_wait(name, dd, rep, sizeof(rep), wait_s);
        ck_assert_msg(n == 0, "%d leftovers of box %s:\n%s", n, name, rep);
}

void attack_pbox_error(const struct run_result *r, const char *what)
{
        ck_run(r->status == 125, r, what);
        ck_run(strncmp(r->err, "pbox: ", 6) == 0 && count_lines(r->err) == 1, r,
               "error is not one line starting 'pbox: '");
}

void attack_write_file(const char *path, const char *data, mode_t mode)
{
        _cleanup_close_ int fd =
            open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        ck_assert_msg(fd >= 0, "open %s: %m", path);
        ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
        ck_assert_int_eq(fchmod(fd, mode), 0);
}

char *attack_read_file(const char *path)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *s = NULL;
        size_t n = 0;

        if (!f)
                return NULL;
        if (getdelim(&s, &n, '\0', f) < 0) {
                free(s);
                return strdup("");
        }
        return s;
}

static char snap_buf[65536];
static size_t snap_len;

static uint64_t fnv_file(const char *path)
{
        _cleanup_close_ int fd =
            open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        uint64_t h = 1469598103934665603ULL;
        unsigned char b[8192];
        ssize_t k;

        if (fd < 0)
                return 0;
        while ((k = read(fd, b, sizeof(b))) > 0)
                for (ssize_t i = 0; i < k; i++)
                        h = (h ^ b[i]) * 1099511628211ULL;
        return h;
}

static int snap_one(const char *path, const struct stat *st, int type,
                    struct FTW *ftw)
{
        char target[PATH_MAX] = "";
        uint64_t h = 0;

        (void)ftw;
        if (type == FTW_SL) {
                ssize_t k = readlink(path, target, sizeof(target) - 1);

                target[k > 0 ? k : 0] = '\0';
        } else if (S_ISREG(st->st_mode)) {
                h = fnv_file(path);
        }
        if (snap_len < sizeof(snap_buf))
                snap_len += (size_t)snprintf(
                    snap_buf + snap_len, sizeof(snap_buf) - snap_len,
                    "%s %o %u:%u %lld %016llx %s\n", path,
                    (unsigned)st->st_mode, (unsigned)st->st_uid,
                    (unsigned)st->st_gid, (long long)st->st_size,
                    (unsigned long long)h, target);
        return 0;
}

char *attack_snapshot(const char *dir)
{
        snap_len = 0;
        snap_buf[0] = '\0';
        ck_assert_int_eq(nftw(dir, snap_one, 16, FTW_PHYS), 0);
        return strdup(snap_buf);
}

char *attack_pbox_hashes(void)
{
        _cleanup_closedir_ DIR *d = opendir(pbox_build_dir());
        _cleanup_free_ char *all = strdup("");
        struct dirent *de;
        int n = 0;

        ck_assert_msg(d && all, "cannot list %s", pbox_build_dir());
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                struct run_result r = {0};
                char *next = NULL;

                if (strncmp(de->d_name, "pbox", 4) ||
                    !(p = pbox_build_path(de->d_name)))
                        continue;
                {
                        struct stat st;

                        if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
                                continue;
                }
                run_cmd(&r, NULL, 20,
                        (const char *const[]){"sha256sum", p, NULL});
                ck_run(r.status == 0, &r, "sha256sum");
                ck_assert_int_ge(asprintf(&next, "%s%s", all, r.out), 0);
                free(all);
                all = next;
                run_result_free(&r);
                n++;
        }
        ck_assert_msg(n >= 5, "only %d pbox binaries in %s", n,
                      pbox_build_dir());
        return TAKE_PTR(all);
}

char *attack_mountpoints(void)
{
        _cleanup_free_ char *mi = attack_read_file("/proc/self/mountinfo");
        size_t cap = mi ? strlen(mi) + 1 : 1, off = 0;
        char *out = calloc(1, cap);
        char *save = NULL;

        ck_assert(mi && out);
        for (char *l = strtok_r(mi, "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
                char mp[PATH_MAX];

                if (sscanf(l, "%*s %*s %*s %*s %4095s", mp) == 1)
                        off +=
                            (size_t)snprintf(out + off, cap - off, "%s\n", mp);
        }
        return out;
}

void attack_no_mount_at(const char *dir)
{
        _cleanup_free_ char *mps = attack_mountpoints();
        size_t dl = strlen(dir);

        for (const char *p = mps; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);

                ck_assert_msg(!(l >= dl && !memcmp(p, dir, dl) &&
                                (l == dl || p[dl] == '/')),
                              "something is mounted on host dir %s: %.*s", dir,
                              (int)l, p);
                p = e ? e + 1 : NULL;
        }
}

int attack_enter(struct test_box *b, struct run_result *r, int timeout_s, ...)
{
        const char *args[64] = {"enter", "--name", b->name, "--data-dir",
                                b->data_dir};
        size_t n = 5;
        va_list ap;

        va_start(ap, timeout_s);
        while (n < ELEMENTSOF(args) - 1 && (args[n] = va_arg(ap, const char *)))
                n++;
        va_end(ap);
        args[n] = NULL;
        return run_pbox(r, NULL, timeout_s, args);
}

bool attack_has_line(const char *text, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);

                if (l == n && !memcmp(p, line, n))
                        return true;
                p = e ? e + 1 : NULL;
        }
        return false;
}

int attack_count(const char *text, const char *needle)
{
        int n = 0;

        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);

                if (memmem(p, l, needle, strlen(needle)))
                        n++;
                p = e ? e + 1 : NULL;
        }
        return n;
}

char *attack_grep(const char *text, const char *needle)
{
        size_t cap = text ? strlen(text) + 1 : 1, off = 0;
        char *out = calloc(1, cap);

        ck_assert(out);
        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t l = e ? (size_t)(e - p) : strlen(p);

                if (memmem(p, l, needle, strlen(needle))) {
                        memcpy(out + off, p, l);
                        off += l;
                        out[off++] = '\n';
                }
                p = e ? e + 1 : NULL;
        }
        out[off] = '\0';
        return out;
}
