/* leftovers.c — finding what a box left behind (see harness.h):
 * processes, mounts, cgroups and its state directory, described one per
 * line. Runs in the forked check test process. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "harness_internal.h"

static void rep(char *report, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rep(char *report, size_t len, size_t *off, const char *fmt, ...)
{
        va_list ap;
        int k;

        if (!report || *off >= len)
                return;
        va_start(ap, fmt);
        k = vsnprintf(report + *off, len - *off, fmt, ap);
        va_end(ap);
        if (k > 0)
                *off += (size_t)k;
        if (*off >= len)
                *off = len - 1;
}

static bool mem_has(const char *hay, size_t n, const char *needle)
{
        return hay && memmem(hay, n, needle, strlen(needle)) != NULL;
}

static int leftover_procs(const char *name, const char *data_dir, char *report,
                          size_t len, size_t *off)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        _cleanup_free_ char *cgname = NULL;
        struct dirent *de;
        int n = 0;

        if (!d || asprintf(&cgname, "/pbox-%s", name) < 0)
                return 0;
        while ((de = readdir(d))) {
                char path[64];
                _cleanup_free_ char *comm = NULL, *stat = NULL, *cg = NULL;
                _cleanup_free_ char *cmd = NULL, *env = NULL;
                size_t cmd_len = 0, env_len = 0;
                char *paren;
                bool hit = false;

                int pid = atoi(de->d_name);

                if (!isdigit((unsigned char)de->d_name[0]) || pid == getpid())
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/stat", pid);
                stat = read_text(path, NULL);
                paren = stat ? strrchr(stat, ')') : NULL;
                if (!paren || paren[1] != ' ' || paren[2] == 'Z')
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/comm", pid);
                comm = read_text(path, NULL);
                if (comm)
                        comm[strcspn(comm, "\n")] = '\0';
                snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
                cmd = read_text(path, &cmd_len);
                if (comm && !strncmp(comm, "pbox-", 5)) {
                        snprintf(path, sizeof(path), "/proc/%d/environ", pid);
                        env = read_text(path, &env_len);
                        hit = mem_has(cmd, cmd_len, name) ||
                              mem_has(cmd, cmd_len, data_dir) ||
                              mem_has(env, env_len, name) ||
                              mem_has(env, env_len, data_dir);
                }
                if (!hit) {
                        size_t cl = 0;
                        const char *p;

                        snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
                        cg = read_text(path, &cl);
                        p = cg ? strstr(cg, cgname) : NULL;
                        hit = p && (p[strlen(cgname)] == '\n' ||
                                    p[strlen(cgname)] == '/');
                }
                if (!hit)
                        continue;
                for (size_t i = 0; cmd && i + 1 < cmd_len; i++)
                        if (cmd[i] == '\0')
                                cmd[i] = ' ';
                rep(report, len, off, "process %d (%s): %.200s\n", pid,
                    comm ? comm : "?", cmd ? cmd : "");
                n++;
        }
        return n;
}

/* The unique marker of the box's files in mount paths: the basename of
 * the test_box tmp dir if data_dir lives in one, else data_dir itself. */
static char *mount_marker(const char *data_dir)
{
        _cleanup_free_ char *parent = strdup(data_dir);
        char *slash = parent ? strrchr(parent, '/') : NULL;
        char *base;

        if (!slash)
                return NULL;
        *slash = '\0';
        base = strrchr(parent, '/');
        if (base && !strncmp(base + 1, "pbox-test-", 10))
                return strdup(base + 1);
        return strdup(data_dir);
}

static int leftover_mounts(const char *data_dir, char *report, size_t len,
                           size_t *off)
{
        _cleanup_free_ char *mi = read_text("/proc/self/mountinfo", NULL);
        _cleanup_free_ char *marker = mount_marker(data_dir);
        char *save = NULL;
        int n = 0;

        if (!mi || !marker)
                return 0;
        for (char *l = strtok_r(mi, "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
                char root[PATH_MAX], mp[PATH_MAX];

                if (sscanf(l, "%*s %*s %*s %4095s %4095s", root, mp) != 2)
                        continue;
                if (strstr(root, marker) || strstr(mp, marker)) {
                        rep(report, len, off, "mount %s (root %s)\n", mp, root);
                        n++;
                }
        }
        return n;
}

int leftovers(const char *name, const char *data_dir, char *report, size_t len)
{
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_strv_free_ char **ctls = NULL;
        _cleanup_free_ char *state = NULL;
        size_t off = 0;
        struct stat st;
        int n = 0, nh;

        if (report && len)
                report[0] = '\0';
        n += leftover_procs(name, data_dir, report, len, &off);
        n += leftover_mounts(data_dir, report, len, &off);
        nh = own_cgroups(&dirs, &ctls);
        for (int i = 0; i < nh; i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/pbox-%s", dirs[i], name) < 0)
                        continue;
                if (stat(p, &st) == 0) {
                        rep(report, len, &off, "cgroup %s\n", p);
                        n++;
                }
        }
        if (asprintf(&state, "%s/%s", data_dir, name) >= 0 &&
            lstat(state, &st) == 0) {
                rep(report, len, &off, "state dir %s\n", state);
                n++;
        }
        return n;
}

int leftovers_wait(const char *name, const char *data_dir, char *report,
                   size_t len, double timeout_s)
{
        double end = now_secs() + timeout_s;
        int n;

        while ((n = leftovers(name, data_dir, report, len)) > 0 &&
               now_secs() < end)
                usleep(100 * 1000);
        return n;
}
