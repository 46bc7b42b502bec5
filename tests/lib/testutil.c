/* testutil.c — helpers shared by pbox's check suites. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

const char *test_src_dir(void)
{
        const char *s = getenv("PBOX_SRC");
        static char cwd[PATH_MAX];

        if (s && *s)
                return s;
        if (!getcwd(cwd, sizeof(cwd)))
                return ".";
        return cwd;
}

char *test_rootfs_new(void)
{
        char tmpl[] = "/tmp/pbox-test-XXXXXX";
        char cmd[PATH_MAX * 2];
        char *path;

        if (!mkdtemp(tmpl))
                return NULL;
        if (asprintf(&path, "%s/rootfs", tmpl) < 0)
                return NULL;
        snprintf(cmd, sizeof(cmd), "'%s/tests/mkrootfs.sh' '%s'",
                 test_src_dir(), path);
        if (system(cmd) != 0) {
                test_rootfs_remove(path);
                return NULL;
        }
        return path;
}

void test_rootfs_remove(char *path)
{
        char cmd[PATH_MAX + 32];
        char *slash;

        if (!path)
                return;
        slash = strrchr(path, '/');
        if (slash && strncmp(path, "/tmp/pbox-test-", 15) == 0) {
                *slash = '\0';
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
                if (system(cmd) != 0)
                        fprintf(stderr, "testutil: could not remove %s\n",
                                path);
        }
        free(path);
}
