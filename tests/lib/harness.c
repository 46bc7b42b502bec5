/* harness.c — the test box life cycle (see harness.h): a private box on
 * a fresh rootfs with its own data dir, pbox start/enter/status/stop on
 * it, and its cleanup, by test_box_free() or by a janitor process forked
 * per box should the test process die first. Runs in the forked check
 * test process and in that janitor. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "harness_internal.h"
#include "testutil.h"

char *test_box_path(const struct test_box *b, const char *rel)
{
        char *p = NULL;

        if (asprintf(&p, "%s/%s", b->tmp, rel) < 0)
                return NULL;
        return p;
}

static void set_last(struct test_box *b, struct run_result *r)
{
        run_result_free(&b->last);
        b->last = *r;
        *r = (struct run_result){0};
}

int test_box_startv(struct test_box *b, struct run_result *r, int timeout_s,
                    const char *const extra[])
{
        const char *argv[96] = {"start",     "--name",   b->name,  "--data-dir",
                                b->data_dir, "--rootfs", b->rootfs};
        size_t n = 7;

        for (size_t i = 0; extra && extra[i] && n < ELEMENTSOF(argv) - 1; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        return run_pbox(r, NULL, timeout_s, argv);
}

int test_box_run_sh(struct test_box *b, struct run_result *r,
                    const char *script, ...)
{
        const char *extra[80];
        size_t n = 0;
        va_list ap;

        va_start(ap, script);
        while (n < ELEMENTSOF(extra) - 5 &&
               (extra[n] = va_arg(ap, const char *)))
                n++;
        va_end(ap);
        extra[n++] = "--";
        extra[n++] = "/bin/sh";
        extra[n++] = "-c";
        extra[n++] = script;
        extra[n] = NULL;
        return test_box_startv(b, r, 20, extra);
}

/* INIT of a detached box when the test gives none: waits, exits 0 on TERM
 * (PID 1 ignores signals it has no handler for). */
#define IDLE_INIT "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"

int test_box_start_detached(struct test_box *b, ...)
{
        const char *extra[80] = {"--detach"};
        struct run_result r = {0};
        bool has_init = false;
        size_t n = 1;
        va_list ap;

        va_start(ap, b);
        while (n < ELEMENTSOF(extra) - 5 &&
               (extra[n] = va_arg(ap, const char *))) {
                if (!strcmp(extra[n], "--"))
                        has_init = true;
                n++;
        }
        va_end(ap);
        if (!has_init) {
                extra[n++] = "--";
                extra[n++] = "/bin/sh";
                extra[n++] = "-c";
                extra[n++] = IDLE_INIT;
        }
        extra[n] = NULL;
        test_box_startv(b, &r, 20, extra);
        set_last(b, &r);
        return b->last.status;
}

char *test_box_enter_sh(struct test_box *b, const char *script)
{
        struct run_result r = {0};

        run_pboxv(&r, NULL, 20, "enter", "--name", b->name, "--data-dir",
                  b->data_dir, "--", "/bin/sh", "-c", script, NULL);
        set_last(b, &r);
        return b->last.status == 0 ? strdup(b->last.out) : NULL;
}

char *test_box_status_json(struct test_box *b)
{
        struct run_result r = {0};

        run_pboxv(&r, NULL, 10, "status", "--name", b->name, "--data-dir",
                  b->data_dir, "--json", NULL);
        set_last(b, &r);
        return b->last.status == 0 ? strdup(b->last.out) : NULL;
}

int test_box_stop(struct test_box *b)
{
        struct run_result r = {0};

        run_pboxv(&r, NULL, 30, "stop", "--name", b->name, "--data-dir",
                  b->data_dir, NULL);
        set_last(b, &r);
        return b->last.status;
}

static void kill_status_pids(const char *json)
{
        long long init = json_get_int(json, "init_pid");

        if (init > 1 && init != getpid())
                kill((pid_t)init, SIGKILL);
        for (size_t i = 0;; i++) {
                _cleanup_free_ char *c = json_component_at(json, i);
                long long pid;

                if (!c)
                        break;
                pid = json_get_int(c, "pid");
                if (pid > 1 && pid != getpid())
                        kill((pid_t)pid, SIGKILL);
        }
}

/* Lazily detach every mount beneath dir, deepest (latest) first. */
static void umount_under(const char *dir)
{
        for (int round = 0; round < 4; round++) {
                _cleanup_free_ char *mi =
                    read_text("/proc/self/mountinfo", NULL);
                char *mps[256];
                char *save = NULL;
                size_t n = 0, dl = strlen(dir);

                if (!mi)
                        return;
                for (char *l = strtok_r(mi, "\n", &save); l && n < 256;
                     l = strtok_r(NULL, "\n", &save)) {
                        char mp[PATH_MAX];

                        if (sscanf(l, "%*s %*s %*s %*s %4095s", mp) == 1 &&
                            !strncmp(mp, dir, dl) && mp[dl] == '/')
                                mps[n++] = strdup(mp);
                }
                if (n == 0)
                        return;
                while (n > 0) {
                        n--;
                        if (mps[n])
                                umount2(mps[n], MNT_DETACH);
                        free(mps[n]);
                }
        }
}

/* SIGKILL every process in cgroup dir and its children (rmdir them too
 * if rm); returns how many processes were found. */
static int cgroup_sweep(const char *dir, bool rm, int depth)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        _cleanup_free_ char *procs = NULL, *text = NULL;
        struct dirent *de;
        int n = 0;

        if (!d || depth > 8)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *s = NULL;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (asprintf(&s, "%s/%s", dir, de->d_name) >= 0)
                        n += cgroup_sweep(s, rm, depth + 1);
        }
        if (asprintf(&procs, "%s/cgroup.procs", dir) >= 0)
                text = read_text(procs, NULL);
        for (char *p = text; p && *p;) {
                long pid = strtol(p, &p, 10);

                if (pid > 1 && pid != getpid()) {
                        kill((pid_t)pid, SIGKILL);
                        n++;
                }
                while (*p == '\n')
                        p++;
        }
        if (rm)
                rmdir(dir);
        return n;
}

/* Last resort for a box whose runtime is gone: its processes are exactly
 * those in its own (uniquely named) pbox-NAME cgroups, all started by
 * this test. Kill them, then remove the empty cgroups. */
static void sweep_cgroups(const char *name)
{
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_strv_free_ char **ctls = NULL;
        int nh = own_cgroups(&dirs, &ctls);

        for (int round = 0; round < 30; round++) {
                int n = 0;

                for (int i = 0; i < nh; i++) {
                        _cleanup_free_ char *p = NULL;

                        if (asprintf(&p, "%s/pbox-%s", dirs[i], name) >= 0)
                                n += cgroup_sweep(p, false, 0);
                }
                if (n == 0)
                        break;
                usleep(100 * 1000);
        }
        for (int i = 0; i < nh; i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/pbox-%s", dirs[i], name) >= 0)
                        cgroup_sweep(p, true, 0);
        }
}

/* Everything test_box_free does but freeing the struct. */
static void box_cleanup(struct test_box *b)
{
        _cleanup_free_ char *json = test_box_status_json(b);

        if (json) {
                test_box_stop(b);
                free(json);
                json = test_box_status_json(b);
                if (json)
                        kill_status_pids(json);
        }
        if (b->name)
                sweep_cgroups(b->name);
        if (b->tmp && !strncmp(b->tmp, "/tmp/pbox-test-", 15)) {
                const char *rm[] = {"rm", "-rf", "--one-file-system", b->tmp,
                                    NULL};
                struct run_result r = {0};

                umount_under(b->tmp);
                run_cmd(&r, NULL, 30, rm);
                run_result_free(&r);
        }
}

static void janitor_run(struct test_box *b, int rfd)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        char c;
        ssize_t k;

        /* Keep only our pipe and stderr: the test's own channels must see
         * EOF when the test ends. */
        while (d && (de = readdir(d))) {
                int fd = atoi(de->d_name);

                if (de->d_name[0] != '.' && fd > 2 && fd != rfd &&
                    fd != dirfd(d))
                        close(fd);
        }
        if (d) {
                closedir(d);
                d = NULL;
        }
        {
                int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (nul >= 0) {
                        dup2(nul, 0);
                        dup2(nul, 1);
                        close(nul);
                }
        }
        setsid();
        do
                k = read(rfd, &c, 1);
        while (k < 0 && errno == EINTR);
        if (k == 1)
                _exit(0);
        box_cleanup(b);
        _exit(0);
}

struct test_box *test_box_new(void)
{
        static unsigned counter;
        struct test_box *b = calloc(1, sizeof(*b));
        char *slash;
        int p[2];
        struct timespec ts;

        if (!b)
                return NULL;
        b->janitor_fd = -EBADF;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (asprintf(&b->name, "t%d-%u-%04lx", (int)getpid(), counter++,
                     (unsigned long)(ts.tv_nsec & 0xffff)) < 0) {
                b->name = NULL;
                goto fail;
        }
        b->rootfs = test_rootfs_new();
        if (!b->rootfs)
                goto fail;
        b->tmp = strdup(b->rootfs);
        if (!b->tmp)
                goto fail;
        slash = strrchr(b->tmp, '/');
        *slash = '\0';
        b->data_dir = test_box_path(b, "data");
        if (!b->data_dir || mkdir(b->data_dir, 0755) < 0)
                goto fail;
        if (pipe2(p, O_CLOEXEC) < 0)
                goto fail;
        b->janitor = fork();
        if (b->janitor < 0) {
                close(p[0]);
                close(p[1]);
                goto fail;
        }
        if (b->janitor == 0) {
                close(p[1]);
                janitor_run(b, p[0]);
        }
        close(p[0]);
        b->janitor_fd = p[1];
        return b;
fail:
        test_box_free(b);
        return NULL;
}

void test_box_free(struct test_box *b)
{
        if (!b)
                return;
        if (b->name && b->tmp)
                box_cleanup(b);
        else if (b->rootfs)
                test_rootfs_remove(TAKE_PTR(b->rootfs));
        if (b->janitor_fd >= 0) {
                if (write(b->janitor_fd, "D", 1) < 0)
                        fprintf(stderr, "harness: janitor: %m\n");
                close(b->janitor_fd);
        }
        if (b->janitor > 0)
                waitpid(b->janitor, NULL, 0);
        run_result_free(&b->last);
        free(b->name);
        free(b->tmp);
        free(b->rootfs);
        free(b->data_dir);
        free(b);
}
