/* harness.c — the integration-test harness (see harness.h): runs commands
 * with a timeout, drives pbox on private boxes, finds leftovers, reads the
 * status JSON. Runs in the forked check test process and, for cleanup
 * after a failed assertion, in a janitor process forked per box. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
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
#include "testutil.h"

double now_secs(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int count_lines(const char *s)
{
        int n = 0;

        if (!s)
                return 0;
        for (const char *p = s; *p; p++)
                if (*p == '\n' || p[1] == '\0')
                        n++;
        return n;
}

const char *pbox_build_dir(void)
{
        static char buf[PATH_MAX];
        const char *e = getenv("PBOX_BUILD");

        if (e && *e)
                return e;
        snprintf(buf, sizeof(buf), "%s/build", test_src_dir());
        return buf;
}

char *pbox_build_path(const char *name)
{
        char *p = NULL;

        if (asprintf(&p, "%s/%s", pbox_build_dir(), name) < 0)
                return NULL;
        return p;
}

/* ---- Running commands ------------------------------------------------ */

struct buf {
        char *p;
        size_t n, cap;
};

static int buf_append(struct buf *b, const char *d, size_t n)
{
        if (b->n + n + 1 > b->cap) {
                size_t cap = (b->n + n + 1) * 2;
                char *p = realloc(b->p, cap);

                if (!p)
                        return -ENOMEM;
                b->p = p;
                b->cap = cap;
        }
        memcpy(b->p + b->n, d, n);
        b->n += n;
        b->p[b->n] = '\0';
        return 0;
}

/* Read what fd has now; returns 1 at EOF, 0 otherwise. */
static int drain(int fd, struct buf *b)
{
        char tmp[8192];

        for (;;) {
                ssize_t k = read(fd, tmp, sizeof(tmp));

                if (k > 0) {
                        if (buf_append(b, tmp, (size_t)k) < 0)
                                return 1;
                        continue;
                }
                if (k == 0)
                        return 1;
                if (errno == EINTR)
                        continue;
                return errno == EAGAIN ? 0 : 1;
        }
}

static int spawn(struct run_proc *p, int *ret_in, const char *const argv[])
{
        int out[2], err[2], in[2] = {-EBADF, -EBADF}, ep[2];
        int e = 0;
        pid_t pid;

        if (pipe2(out, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(err, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
                return -errno;
        if (ret_in && pipe2(in, O_CLOEXEC) < 0)
                return -errno;
        p->t0 = now_secs();
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                sigset_t all;
                int nul;

                setpgid(0, 0);
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                for (int s = 1; s < NSIG; s++)
                        signal(s, SIG_DFL);
                if (ret_in)
                        nul = in[0];
                else
                        nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (nul < 0 || dup2(nul, 0) < 0 || dup2(out[1], 1) < 0 ||
                    dup2(err[1], 2) < 0)
                        goto fail;
                execvp(argv[0], (char *const *)argv);
        fail:
                e = errno;
                if (write(ep[1], &e, sizeof(e)) < 0)
                        _exit(127);
                _exit(127);
        }
        setpgid(pid, pid);
        close(out[1]);
        close(err[1]);
        close(ep[1]);
        if (ret_in)
                close(in[0]);
        while (read(ep[0], &e, sizeof(e)) < 0 && errno == EINTR)
                ;
        close(ep[0]);
        p->pid = pid;
        p->out_fd = out[0];
        p->err_fd = err[0];
        fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
        fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
        if (ret_in)
                *ret_in = in[1];
        return e ? -e : 0;
}

static int collect(struct run_proc *p, int in_fd, const char *in_data,
                   struct run_result *r, int timeout_s)
{
        struct buf o = {0}, e = {0};
        size_t in_len = in_data ? strlen(in_data) : 0, in_off = 0;
        double deadline = p->t0 + timeout_s;
        bool out_eof = false, err_eof = false, exited = false;
        int ws = 0;

        if (in_fd >= 0)
                fcntl(in_fd, F_SETFL, O_NONBLOCK);
        while (!exited) {
                struct pollfd pf[3];
                int n = 0, w;

                if (!out_eof)
                        pf[n++] = (struct pollfd){p->out_fd, POLLIN, 0};
                if (!err_eof)
                        pf[n++] = (struct pollfd){p->err_fd, POLLIN, 0};
                if (in_fd >= 0)
                        pf[n++] = (struct pollfd){in_fd, POLLOUT, 0};
                poll(pf, (nfds_t)n, 20);
                if (!out_eof)
                        out_eof = drain(p->out_fd, &o);
                if (!err_eof)
                        err_eof = drain(p->err_fd, &e);
                if (in_fd >= 0) {
                        ssize_t k = in_off < in_len
                                        ? write(in_fd, in_data + in_off,
                                                in_len - in_off)
                                        : 0;
                        if (k > 0)
                                in_off += (size_t)k;
                        if (in_off >= in_len ||
                            (k < 0 && errno != EAGAIN && errno != EINTR)) {
                                close(in_fd);
                                in_fd = -EBADF;
                        }
                }
                w = waitpid(p->pid, &ws, WNOHANG);
                if (w == p->pid) {
                        exited = true;
                } else if (now_secs() > deadline) {
                        kill(-p->pid, SIGKILL);
                        kill(p->pid, SIGKILL);
                        waitpid(p->pid, &ws, 0);
                        ws = -1;
                        exited = true;
                }
        }
        /* A daemon it left may still hold the pipes: take what is there. */
        drain(p->out_fd, &o);
        drain(p->err_fd, &e);
        if (in_fd >= 0)
                close(in_fd);
        close(p->out_fd);
        close(p->err_fd);
        r->secs = now_secs() - p->t0;
        if (ws == -1)
                r->status = RUN_TIMEOUT;
        else if (WIFEXITED(ws))
                r->status = WEXITSTATUS(ws);
        else
                r->status = 128 + WTERMSIG(ws);
        if (!o.p)
                buf_append(&o, "", 0);
        if (!e.p)
                buf_append(&e, "", 0);
        r->out = o.p;
        r->out_len = o.n;
        r->err = e.p;
        r->err_len = e.n;
        return r->status;
}

static void noexec_result(struct run_result *r, int err)
{
        *r = (struct run_result){.status = RUN_NOEXEC};
        if (asprintf(&r->err, "harness: cannot run: %s\n", strerror(-err)) < 0)
                r->err = NULL;
        r->err_len = r->err ? strlen(r->err) : 0;
        r->out = strdup("");
}

int run_cmd(struct run_result *r, const char *stdin_data, int timeout_s,
            const char *const argv[])
{
        struct run_proc p = {0};
        int in = -EBADF;
        int k;

        k = spawn(&p, stdin_data ? &in : NULL, argv);
        if (k < 0) {
                if (p.pid > 0) {
                        waitpid(p.pid, NULL, 0);
                        close(p.out_fd);
                        close(p.err_fd);
                        if (in >= 0)
                                close(in);
                }
                noexec_result(r, k);
                return k;
        }
        return collect(&p, in, stdin_data, r, timeout_s);
}

int run_start(struct run_proc *p, const char *const argv[])
{
        int k = spawn(p, NULL, argv);

        if (k < 0 && p->pid > 0) {
                waitpid(p->pid, NULL, 0);
                close(p->out_fd);
                close(p->err_fd);
                p->pid = 0;
        }
        return k;
}

int run_finish(struct run_proc *p, struct run_result *r, int timeout_s)
{
        if (p->pid <= 0) {
                noexec_result(r, -ECHILD);
                return -ECHILD;
        }
        /* the deadline counts from now, not from the start */
        p->t0 = now_secs();
        return collect(p, -EBADF, NULL, r, timeout_s);
}

/* argv for pbox: [$PBOX_BUILD/pbox, args..., NULL], malloc'd vector. */
static const char **pbox_argv(const char *const args[], char **ret_bin)
{
        size_t n = 0;
        const char **v;

        while (args[n])
                n++;
        v = calloc(n + 2, sizeof(*v));
        *ret_bin = pbox_build_path("pbox");
        if (!v || !*ret_bin) {
                free(v);
                free(*ret_bin);
                return NULL;
        }
        v[0] = *ret_bin;
        memcpy(v + 1, args, n * sizeof(*v));
        return v;
}

int run_pbox(struct run_result *r, const char *stdin_data, int timeout_s,
             const char *const argv[])
{
        _cleanup_free_ char *bin = NULL;
        _cleanup_free_ const char **v = pbox_argv(argv, &bin);

        if (!v) {
                noexec_result(r, -ENOMEM);
                return -ENOMEM;
        }
        return run_cmd(r, stdin_data, timeout_s, v);
}

int run_pbox_start(struct run_proc *p, const char *const argv[])
{
        _cleanup_free_ char *bin = NULL;
        _cleanup_free_ const char **v = pbox_argv(argv, &bin);

        if (!v)
                return -ENOMEM;
        return run_start(p, v);
}

int run_pboxv(struct run_result *r, const char *stdin_data, int timeout_s, ...)
{
        const char *args[64];
        size_t n = 0;
        va_list ap;

        va_start(ap, timeout_s);
        while (n < ELEMENTSOF(args) - 1 && (args[n] = va_arg(ap, const char *)))
                n++;
        va_end(ap);
        args[n] = NULL;
        return run_pbox(r, stdin_data, timeout_s, args);
}

void run_result_free(struct run_result *r)
{
        if (!r)
                return;
        free(r->out);
        free(r->err);
        *r = (struct run_result){0};
}

/* ---- Minimal JSON ---------------------------------------------------- */

static const char *js_ws(const char *p)
{
        while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
        return p;
}

/* p at '"': just past the closing quote, or NULL. */
static const char *js_skip_str(const char *p)
{
        for (p++; *p; p++) {
                if (*p == '\\' && p[1])
                        p++;
                else if (*p == '"')
                        return p + 1;
        }
        return NULL;
}

static const char *js_skip_val(const char *p)
{
        int depth = 0;

        if (*p == '"')
                return js_skip_str(p);
        if (*p != '{' && *p != '[') {
                while (*p && !strchr(",}] \t\r\n", *p))
                        p++;
                return p;
        }
        for (; *p; p++) {
                if (*p == '"') {
                        p = js_skip_str(p);
                        if (!p)
                                return NULL;
                        p--;
                } else if (*p == '{' || *p == '[') {
                        depth++;
                } else if ((*p == '}' || *p == ']') && --depth == 0) {
                        return p + 1;
                }
        }
        return NULL;
}

/* Value of top-level key of the object at json, or NULL. */
static const char *js_find(const char *json, const char *key)
{
        const char *p = js_ws(json);
        size_t klen = strlen(key);

        if (!p || *p != '{')
                return NULL;
        p++;
        for (;;) {
                const char *k, *q;

                p = js_ws(p);
                if (*p != '"')
                        return NULL;
                k = p + 1;
                q = js_skip_str(p);
                if (!q)
                        return NULL;
                p = js_ws(q);
                if (*p != ':')
                        return NULL;
                p = js_ws(p + 1);
                if ((size_t)(q - 1 - k) == klen && !memcmp(k, key, klen))
                        return p;
                p = js_skip_val(p);
                if (!p)
                        return NULL;
                p = js_ws(p);
                if (*p != ',')
                        return NULL;
                p++;
        }
}

long long json_get_int(const char *json, const char *key)
{
        const char *v;
        char *end;
        long long x;

        if (!json)
                return -1;
        v = js_find(json, key);
        if (!v || !(isdigit((unsigned char)*v) || *v == '-'))
                return -1;
        errno = 0;
        x = strtoll(v, &end, 10);
        if (errno || end == v || (*end && !strchr(",}] \t\r\n", *end)))
                return -1;
        return x;
}

char *json_get_str(const char *json, const char *key)
{
        const char *v = json ? js_find(json, key) : NULL;
        const char *end;
        struct buf b = {0};

        if (!v || *v != '"' || !(end = js_skip_str(v)))
                return NULL;
        buf_append(&b, "", 0);
        for (const char *p = v + 1; p < end - 1; p++) {
                char c = *p;

                if (c == '\\') {
                        p++;
                        switch (*p) {
                        case 'n':
                                c = '\n';
                                break;
                        case 't':
                                c = '\t';
                                break;
                        case 'r':
                                c = '\r';
                                break;
                        case 'u': {
                                unsigned u = 0;

                                if (sscanf(p + 1, "%4x", &u) != 1)
                                        u = '?';
                                p += 4;
                                c = u < 0x80 ? (char)u : '?';
                                break;
                        }
                        default:
                                c = *p;
                        }
                }
                buf_append(&b, &c, 1);
        }
        return b.p;
}

/* The idx-th element of array "components" (malloc'd text), or NULL. */
static char *json_component_at(const char *json, size_t idx)
{
        const char *p = json ? js_find(json, "components") : NULL;

        if (!p || *p != '[')
                return NULL;
        p++;
        for (size_t i = 0;; i++) {
                const char *s = js_ws(p), *e;

                if (*s == ']' || !*s)
                        return NULL;
                e = js_skip_val(s);
                if (!e)
                        return NULL;
                if (i == idx)
                        return strndup(s, (size_t)(e - s));
                p = js_ws(e);
                if (*p != ',')
                        return NULL;
                p++;
        }
}

char *json_component(const char *json, const char *name)
{
        for (size_t i = 0;; i++) {
                _cleanup_free_ char *c = json_component_at(json, i);
                _cleanup_free_ char *n = NULL;

                if (!c)
                        return NULL;
                n = json_get_str(c, "name");
                if (n && !strcmp(n, name))
                        return TAKE_PTR(c);
        }
}

/* ---- Cgroups of this process ----------------------------------------- */

static char *read_text(const char *path, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct buf b = {0};

        if (fd < 0)
                return NULL;
        buf_append(&b, "", 0);
        for (;;) {
                char tmp[4096];
                ssize_t k = read(fd, tmp, sizeof(tmp));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                buf_append(&b, tmp, (size_t)k);
        }
        if (ret_len)
                *ret_len = b.n;
        return b.p;
}

/* Does comma list `list` hold every token of comma list `want`? */
static bool list_has_all(const char *list, const char *want)
{
        _cleanup_free_ char *w = strdup(want);
        char *save = NULL;

        if (!w)
                return false;
        for (char *t = strtok_r(w, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
                size_t n = strlen(t);
                const char *p = list;
                bool found = false;

                while ((p = strstr(p, t))) {
                        if ((p == list || p[-1] == ',') &&
                            (p[n] == ',' || p[n] == '\0')) {
                                found = true;
                                break;
                        }
                        p++;
                }
                if (!found)
                        return false;
        }
        return true;
}

/* Our own cgroup directory on each hierarchy: ret_dirs[i] with the
 * controller list ret_ctls[i] ("" for cgroup2). Returns the count. */
static int own_cgroups(char ***ret_dirs, char ***ret_ctls)
{
        _cleanup_free_ char *mi = read_text("/proc/self/mountinfo", NULL);
        _cleanup_free_ char *cg = read_text("/proc/self/cgroup", NULL);
        char **dirs = calloc(64, sizeof(char *));
        char **ctls = calloc(64, sizeof(char *));
        char *save = NULL;
        int n = 0;

        if (!mi || !cg || !dirs || !ctls) {
                free(dirs);
                free(ctls);
                return -ENOMEM;
        }
        for (char *l = strtok_r(cg, "\n", &save); l && n < 63;
             l = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : 0;
                char *ctl, *own, *msave = NULL;
                _cleanup_free_ char *m = strdup(mi);

                if (!c2 || !m)
                        continue;
                *c2 = '\0';
                ctl = c1 + 1;
                own = c2 + 1;
                for (char *ml = strtok_r(m, "\n", &msave); ml;
                     ml = strtok_r(NULL, "\n", &msave)) {
                        char root[PATH_MAX], mp[PATH_MAX], fst[64], sopt[1024];
                        char *sep = strstr(ml, " - ");

                        if (!sep ||
                            sscanf(ml, "%*s %*s %*s %4095s %4095s", root, mp) !=
                                2 ||
                            sscanf(sep + 3, "%63s %*s %1023s", fst, sopt) != 2)
                                continue;
                        if (strcmp(root, "/"))
                                continue;
                        if (*ctl ? (strcmp(fst, "cgroup") ||
                                    !list_has_all(sopt, ctl))
                                 : strcmp(fst, "cgroup2"))
                                continue;
                        if (asprintf(&dirs[n], "%s%s", mp,
                                     strcmp(own, "/") ? own : "") < 0)
                                break;
                        ctls[n] = strdup(ctl);
                        n++;
                        break;
                }
        }
        *ret_dirs = dirs;
        *ret_ctls = ctls;
        return n;
}

char *box_cgroup_dir(const char *name, const char *ctl)
{
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_strv_free_ char **ctls = NULL;
        int n = own_cgroups(&dirs, &ctls);

        for (int i = 0; i < n; i++) {
                char *p = NULL;
                struct stat st;

                if (*ctl ? !list_has_all(ctls[i], ctl) : *ctls[i] != '\0')
                        continue;
                if (asprintf(&p, "%s/pbox-%s", dirs[i], name) < 0)
                        return NULL;
                if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                        return p;
                free(p);
        }
        return NULL;
}

/* ---- Leftovers ------------------------------------------------------- */

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

/* ---- Boxes ----------------------------------------------------------- */

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
