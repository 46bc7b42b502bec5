/* testutil.h — helpers shared by pbox's check suites (linked into every
 * test binary). */
#ifndef PBOX_TESTUTIL_H
#define PBOX_TESTUTIL_H

/* A fresh busybox root filesystem (tests/mkrootfs.sh) in a new directory
 * under /tmp; returns its path (malloc'd) or NULL. */
char *test_rootfs_new(void);
/* rm -rf the directory test_rootfs_new made (its parent), frees path. Only
 * removes paths under /tmp/pbox-test-. */
void test_rootfs_remove(char *path);
/* Directory of the source tree (from PBOX_SRC, else the cwd). */
const char *test_src_dir(void);

#endif
