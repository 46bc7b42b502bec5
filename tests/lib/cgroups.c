/* cgroups.c — the cgroups of the test process (see harness.h,
 * harness_internal.h): our own directory on each mounted hierarchy, and
 * the pbox-NAME cgroup of a box beneath it. Runs in the forked check test
 * process and in the box janitor. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "harness.h"
#include "harness_internal.h"

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
int own_cgroups(char ***ret_dirs, char ***ret_ctls)
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
