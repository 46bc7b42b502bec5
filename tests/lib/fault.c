/* fault.c — helpers of the fault-injection suites: see fault.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"

static char *slurp(const char *path, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t n = 0, cap = 4096;
        char *s;
        ssize_t k;

        if (fd < 0)
                return NULL;
        s = malloc(cap + 1);
        while (s && (k = read(fd, s + n, cap - n)) > 0) {
                n += (size_t)k;
                if (n == cap) {
                        char *t = realloc(s, 2 * cap + 1);

                        if (!t) {
                                free(s);
                                return NULL;
                        }
                        s = t;
                        cap *= 2;
                }
        }
        if (!s)
                return NULL;
        s[n] = '\0';
        if (ret_len)
                *ret_len = n;
        return s;
}

bool fault_alive(pid_t pid)
{
        char path[64];
        _cleanup_free_ char *st = NULL;
        const char *paren;

        if (pid <= 1)
                return false;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        st = slurp(path, NULL);
        paren = st ? strrchr(st, ')') : NULL;
        return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

pid_t fault_find(const char *comm, const char *name, pid_t ppid)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        struct dirent *de;
        pid_t best = 0;

        while (d && (de = readdir(d))) {
                char path[64];
                _cleanup_free_ char *c = NULL, *cmd = NULL, *st = NULL;
                size_t cl = 0;
                const char *paren;
                pid_t pid;

                if (!isdigit((unsigned char)de->d_name[0]))
                        continue;
                pid = (pid_t)atoi(de->d_name);
                if (pid <= 1 || pid == getpid())
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
                c = slurp(path, NULL);
                if (!c)
                        continue;
                c[strcspn(c, "\n")] = '\0';
                if (strcmp(c, comm))
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
                st = slurp(path, NULL);
                paren = st ? strrchr(st, ')') : NULL;
                if (!paren || paren[1] != ' ' || paren[2] == 'Z' ||
                    paren[2] == 'X')
                        continue;
                if (ppid > 0 && atoi(paren + 4) != (int)ppid)
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
                cmd = slurp(path, &cl);
                if (!cmd || !memmem(cmd, cl, name, strlen(name)))
                        continue;
                if (!best || pid < best)
                        best = pid;
        }
        return best;
}

void fault_sleep_ms(double ms)
{
        struct timespec ts = {(time_t)(ms / 1000),
                              (long)((ms - 1000.0 * (long)(ms / 1000)) * 1e6)};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

pid_t fault_find_wait(const char *comm, const char *name, pid_t ppid,
                      double timeout_s)
{
        double end = now_secs() + timeout_s;
        pid_t pid;

        while (!(pid = fault_find(comm, name, ppid)) && now_secs() < end)
                fault_sleep_ms(0.2);
        return pid;
}

int fault_leftovers_except(const char *name, const char *data_dir,
                           const char *mp, char *report, size_t len)
{
        _cleanup_free_ char *all = malloc(65536), *pre = NULL;
        size_t off = 0;
        int n = 0;

        if (!all || asprintf(&pre, "mount %s (root ", mp) < 0)
                return -ENOMEM;
        leftovers(name, data_dir, all, 65536);
        if (report && len)
                report[0] = '\0';
        for (char *l = all, *e; *l; l = e ? e + 1 : l + strlen(l)) {
                e = strchr(l, '\n');
                if (e)
                        *e = '\0';
                if (!strncmp(l, pre, strlen(pre)))
                        continue;
                n++;
                if (report && off < len)
                        off += (size_t)snprintf(report + off, len - off, "%s\n",
                                                l);
        }
        return n;
}

int fault_run_start(struct run_proc *p, const char *const argv[], int nofile,
                    int out_fd)
{
        int out[2], err[2];
        pid_t pid;

        if (pipe2(out, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(err, O_CLOEXEC) < 0) {
                close(out[0]);
                close(out[1]);
                return -errno;
        }
        p->t0 = now_secs();
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                struct rlimit rl = {(rlim_t)nofile, (rlim_t)nofile};
                sigset_t none;
                int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

                setpgid(0, 0);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                for (int s = 1; s < NSIG; s++)
                        signal(s, SIG_DFL);
                if (nul < 0 || dup2(nul, 0) < 0 ||
                    dup2(out_fd >= 0 ? out_fd : out[1], 1) < 0 ||
                    dup2(err[1], 2) < 0)
                        _exit(127);
                /* Nothing but 0-2 may survive exec: the limit counts the
                 * highest fd, and a stray fd would skew it. */
                for (int fd = 3; fd < 1024; fd++)
                        close(fd);
                if (nofile > 0 && setrlimit(RLIMIT_NOFILE, &rl) < 0)
                        _exit(127);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        setpgid(pid, pid);
        close(out[1]);
        close(err[1]);
        p->pid = pid;
        p->out_fd = out[0];
        p->err_fd = err[0];
        fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
        fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
        return 0;
}

pid_t fault_find_in_box(const char *comm, const char *name)
{
        _cleanup_closedir_ DIR *d = opendir("/proc");
        _cleanup_free_ char *cgname = NULL;
        struct dirent *de;
        pid_t best = 0;

        if (!d || asprintf(&cgname, "/pbox-%s", name) < 0)
                return 0;
        while ((de = readdir(d))) {
                char path[64];
                _cleanup_free_ char *c = NULL, *cg = NULL;
                pid_t pid;
                const char *q;

                if (!isdigit((unsigned char)de->d_name[0]))
                        continue;
                pid = (pid_t)atoi(de->d_name);
                snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
                c = slurp(path, NULL);
                if (!c)
                        continue;
                c[strcspn(c, "\n")] = '\0';
                if (strcmp(c, comm) || !fault_alive(pid))
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
                cg = slurp(path, NULL);
                for (q = cg ? strstr(cg, cgname) : NULL; q;
                     q = strstr(q + 1, cgname)) {
                        char e = q[strlen(cgname)];

                        if (e == '\n' || e == '/' || e == '\0')
                                break;
                }
                if (q && (!best || pid < best))
                        best = pid;
        }
        return best;
}
