/* harness_internal.h — helpers shared by the harness's own files (text.c,
 * run.c, json.c, cgroups.c, leftovers.c, harness.c). Private to
 * tests/lib: the tests include harness.h only.
 *
 * Return convention as in harness.h; heap results are owned by the
 * caller. */
#ifndef PBOX_TEST_HARNESS_INTERNAL_H
#define PBOX_TEST_HARNESS_INTERNAL_H

#include <stddef.h>

/* ---- text.c ----------------------------------------------------------- */

/* A growing buffer, kept NUL-terminated once anything was appended; p is
 * malloc'd and handed to the caller as the result. */
struct buf {
        char *p;
        size_t n, cap;
};

/* Append n bytes of d to b; 0, or -ENOMEM (b unchanged). */
int buf_append(struct buf *b, const char *d, size_t n);
/* The whole file at path, malloc'd and NUL-terminated (may hold NULs),
 * its length in *ret_len if not NULL; NULL if it cannot be opened. */
char *read_text(const char *path, size_t *ret_len);

/* ---- json.c ----------------------------------------------------------- */

/* The idx-th element of array "components" (malloc'd text), or NULL. */
char *json_component_at(const char *json, size_t idx);

/* ---- cgroups.c -------------------------------------------------------- */

/* Our own cgroup directory on each hierarchy: ret_dirs[i] with the
 * controller list ret_ctls[i] ("" for cgroup2). Returns the count, or
 * -ENOMEM with ret_dirs and ret_ctls not written. */
int own_cgroups(char ***ret_dirs, char ***ret_ctls);

#endif
