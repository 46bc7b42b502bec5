/* boxstate.c — the pbox command reads a box's state file and lock, and
 * each component's live privileges from /proc/PID/status (SPEC §2). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "boxstate.h"
#include "cleanup.h"
#include "ipc.h"
#include "proc.h"

/* 1 while a broker holds DATA_DIR/NAME/lock, 0 if nobody does, -errno
 * when it cannot be opened (-EACCES: we may not look). */
static int lock_held(const char *data_dir, const char *name)
{
        _cleanup_close_ int fd = -EBADF;
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s/lock", data_dir, name);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_SH | LOCK_NB) == 0)
                return 0; /* nobody holds it: no broker */
        return errno == EWOULDBLOCK;
}

bool box_state_running(const char *data_dir, const char *name)
{
        return lock_held(data_dir, name) > 0;
}

/* The component pid, if it is alive and still the program we expect. */
static bool comp_alive(pid_t pid, const char *comm)
{
        char path[64], buf[64] = "";
        _cleanup_fclose_ FILE *f = NULL;

        if (pid <= 0)
                return false;
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        f = fopen(path, "re");
        if (!f || !fgets(buf, sizeof(buf), f))
                return false;
        buf[strcspn(buf, "\n")] = '\0';
        return !comm || strcmp(buf, comm) == 0;
}

static void comp_add(struct box_state *s, const char *name, pid_t pid,
                     const char *comm)
{
        struct component *c;
        char buf[128];

        if (!comp_alive(pid, comm) || s->ncomps >= ELEMENTSOF(s->comps))
                return;
        c = &s->comps[s->ncomps++];
        memset(c, 0, sizeof(*c));
        c->name = name;
        c->pid = pid;
        if (proc_status_field(pid, "Uid", buf, sizeof(buf)) >= 0)
                c->uid = strtol(buf, NULL, 10);
        if (proc_status_field(pid, "CapEff", buf, sizeof(buf)) >= 0)
                snprintf(c->cap_eff, sizeof(c->cap_eff), "%.16s", buf);
        if (proc_status_field(pid, "CapPrm", buf, sizeof(buf)) >= 0)
                snprintf(c->cap_prm, sizeof(c->cap_prm), "%.16s", buf);
        if (proc_status_field(pid, "CapBnd", buf, sizeof(buf)) >= 0)
                snprintf(c->cap_bnd, sizeof(c->cap_bnd), "%.16s", buf);
        if (proc_status_field(pid, "NoNewPrivs", buf, sizeof(buf)) >= 0)
                c->no_new_privs = atoi(buf);
        if (proc_status_field(pid, "Seccomp", buf, sizeof(buf)) >= 0)
                c->seccomp = atoi(buf);
}

/* enterd's spawner is the child of the enterd front named pbox-enterd-sp
 * (enterd/main.c); it is not in the state file. */
static pid_t find_spawner(pid_t enterd)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (enterd <= 0 || !(d = opendir("/proc")))
                return 0;
        while ((de = readdir(d))) {
                char path[300], buf[512];
                _cleanup_fclose_ FILE *f = NULL;
                char *rp;
                int ppid;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                f = fopen(path, "re");
                if (!f || !fgets(buf, sizeof(buf), f))
                        continue;
                /* pid (comm) state ppid ...: comm may hold spaces. */
                rp = strrchr(buf, ')');
                if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1 ||
                    ppid != enterd || !strstr(buf, "(pbox-enterd-sp)"))
                        continue;
                return (pid_t)atoi(de->d_name);
        }
        return 0;
}

int box_state_parse(const char *text, struct box_state *ret)
{
        struct box_state s = {0};
        pid_t broker = 0, mounter = 0, initproc = 0, enterd = 0, spawner = 0;

        for (const char *line = text; line && *line;) {
                const char *nl = strchr(line, '\n');
                int len = (int)(nl ? (size_t)(nl - line) : strlen(line));
                const char *eq = memchr(line, '=', (size_t)len);
                int klen = eq ? (int)(eq - line) : 0, vlen = len - klen - 1;
                char key[32], num[24];

                line = nl ? nl + 1 : NULL;
                if (!eq || klen >= (int)sizeof(key))
                        continue;
                snprintf(key, sizeof(key), "%.*s", klen, eq - klen);
                snprintf(num, sizeof(num), "%.*s", vlen, eq + 1);
                if (!strcmp(key, "name"))
                        snprintf(s.name, sizeof(s.name), "%.*s", vlen, eq + 1);
                else if (!strcmp(key, "state"))
                        snprintf(s.state, sizeof(s.state), "%.*s", vlen,
                                 eq + 1);
                else if (!strcmp(key, "cgroup"))
                        snprintf(s.cgroup, sizeof(s.cgroup), "%.*s", vlen,
                                 eq + 1);
                else if (!strcmp(key, "init_pid"))
                        s.init_pid = atoi(num);
                else if (!strcmp(key, "started"))
                        s.started = atoll(num);
                else if (!strcmp(key, "stop_timeout"))
                        s.stop_timeout = (unsigned)atoi(num);
                else if (!strcmp(key, "broker"))
                        broker = atoi(num);
                else if (!strcmp(key, "mounter"))
                        mounter = atoi(num);
                else if (!strcmp(key, "initproc"))
                        initproc = atoi(num);
                else if (!strcmp(key, "enterd"))
                        enterd = atoi(num);
                else if (!strcmp(key, "enterd_spawner"))
                        spawner = atoi(num);
        }
        if (!s.name[0] || !s.state[0])
                return -ESRCH;
        comp_add(&s, "broker", broker, "pbox-broker");
        comp_add(&s, "mounter", mounter, "pbox-mounter");
        comp_add(&s, "initproc", initproc, "pbox-initproc");
        comp_add(&s, "enterd", enterd, "pbox-enterd");
        if (!spawner)
                spawner = find_spawner(enterd);
        comp_add(&s, "enterd-spawner", spawner, "pbox-enterd-sp");
        *ret = s;
        return 0;
}

int box_state_read(const char *data_dir, const char *name,
                   struct box_state *ret)
{
        _cleanup_close_ int fd = -EBADF;
        char path[4096], text[IPC_STATE_MAX + 1];
        ssize_t n;
        int r = lock_held(data_dir, name);

        /* Say so when it is only that we may not look. */
        if (r <= 0)
                return r == -EACCES ? -EACCES : -ESRCH;
        snprintf(path, sizeof(path), "%s/%s/state", data_dir, name);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, text, sizeof(text) - 1);
        if (n < 0)
                return -errno;
        text[n] = '\0';
        return box_state_parse(text, ret);
}

static void json_str(FILE *out, const char *s)
{
        fputc('"', out);
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        fprintf(out, "\\%c", c);
                else if (c < 0x20)
                        fprintf(out, "\\u%04x", c);
                else
                        fputc(c, out);
        }
        fputc('"', out);
}

void box_state_print_json(const struct box_state *s, FILE *out)
{
        long long now = (long long)time(NULL);

        fprintf(out, "{\"name\":");
        json_str(out, s->name);
        fprintf(out, ",\"state\":");
        json_str(out, s->state);
        fprintf(out,
                ",\"init_pid\":%d,\"started\":%lld,\"uptime_s\":%lld,"
                "\"cgroup\":",
                (int)s->init_pid, s->started,
                s->started ? now - s->started : 0);
        json_str(out, s->cgroup);
        fprintf(out, ",\"components\":[");
        for (size_t i = 0; i < s->ncomps; i++) {
                const struct component *c = &s->comps[i];

                fprintf(out,
                        "%s{\"name\":\"%s\",\"pid\":%d,\"uid\":%ld,"
                        "\"cap_eff\":\"%s\",\"cap_prm\":\"%s\","
                        "\"cap_bnd\":\"%s\",\"no_new_privs\":%d,"
                        "\"seccomp\":%d}",
                        i ? "," : "", c->name, (int)c->pid, c->uid, c->cap_eff,
                        c->cap_prm, c->cap_bnd, c->no_new_privs, c->seccomp);
        }
        fprintf(out, "]}");
}

void box_state_print_table(const struct box_state *s, FILE *out)
{
        long long now = (long long)time(NULL);

        fprintf(out,
                "name:      %s\nstate:     %s\ninit pid:  %d\n"
                "uptime:    %llds\ncgroup:    %s\n\n",
                s->name, s->state, (int)s->init_pid,
                s->started ? now - s->started : 0, s->cgroup);
        fprintf(out, "%-15s %7s %6s %-16s %-16s %-16s %3s %3s\n", "COMPONENT",
                "PID", "UID", "CAPEFF", "CAPPRM", "CAPBND", "NNP", "SEC");
        for (size_t i = 0; i < s->ncomps; i++) {
                const struct component *c = &s->comps[i];

                fprintf(out, "%-15s %7d %6ld %-16s %-16s %-16s %3d %3d\n",
                        c->name, (int)c->pid, c->uid, c->cap_eff, c->cap_prm,
                        c->cap_bnd, c->no_new_privs, c->seccomp);
        }
}
