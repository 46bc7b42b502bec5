/* harness.h — the integration-test harness: run commands with captured
 * output and a hard timeout, drive `pbox` on a private box (temp data dir,
 * fresh busybox rootfs, unique name), find what a box left behind, and
 * read the `pbox status --json` object. Linked into every test binary;
 * runs in the (forked) test process, as root for integration tests. The
 * one header the tests include; its parts are implemented in run.c,
 * text.c, harness.c, leftovers.c, cgroups.c and json.c (named per section
 * below).
 *
 * Return convention: 0 (or a count / a status) on success, -errno on
 * failure. Heap results are owned by the caller; *_free() accept NULL or a
 * zeroed value. */
#ifndef PBOX_TEST_HARNESS_H
#define PBOX_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- Running commands (run.c) ----------------------------------------- */

/* Status values of a run besides exit codes and 128+signal. */
#define RUN_TIMEOUT (-1) /* killed by the harness after timeout_s */
#define RUN_NOEXEC  (-2) /* the program could not be executed at all */

struct run_result {
        int status; /* exit code, 128+signal, RUN_TIMEOUT or RUN_NOEXEC */
        char *out;  /* captured stdout, NUL-terminated (may hold NULs) */
        size_t out_len;
        char *err; /* captured stderr, NUL-terminated */
        size_t err_len;
        double secs; /* wall-clock duration */
};

/* A command started in the background; finish it with run_finish(). */
struct run_proc {
        pid_t pid; /* also its process group */
        int out_fd, err_fd;
        double t0;
};

/* fork/exec argv[0] (a path, or a name looked up in PATH) in a new process
 * group, stdin from stdin_data (NULL: /dev/null), stdout and stderr
 * captured separately. After timeout_s seconds the whole process group is
 * SIGKILLed and status is RUN_TIMEOUT. Returns r->status, or -errno when
 * nothing could be run (then r->status is RUN_NOEXEC). */
int run_cmd(struct run_result *r, const char *stdin_data, int timeout_s,
            const char *const argv[]);
/* The same for $PBOX_BUILD/pbox with argv the arguments after "pbox". */
int run_pbox(struct run_result *r, const char *stdin_data, int timeout_s,
             const char *const argv[]);
/* run_pbox with a NULL-terminated list of arguments. */
int run_pboxv(struct run_result *r, const char *stdin_data, int timeout_s, ...)
    __attribute__((sentinel));
void run_result_free(struct run_result *r);

/* Background variant: stdin /dev/null, output into pipes (keep it small:
 * it is read only by run_finish). */
int run_start(struct run_proc *p, const char *const argv[]);
int run_pbox_start(struct run_proc *p, const char *const argv[]);
/* Wait up to timeout_s (then SIGKILL the group), collect into r. */
int run_finish(struct run_proc *p, struct run_result *r, int timeout_s);

/* $PBOX_BUILD (absolute), default <srcdir>/build. */
const char *pbox_build_dir(void);
/* $PBOX_BUILD/NAME, malloc'd. */
char *pbox_build_path(const char *name);
/* Monotonic seconds. */
double now_secs(void);

/* ---- Text (text.c) ----------------------------------------------------- */

/* Number of lines of s (a last line without '\n' counts). */
int count_lines(const char *s);

/* ---- A private box (harness.c) ---------------------------------------- */

/* Layout: tmp/ holds rootfs/ (test_rootfs_new), data/ (--data-dir) and
 * whatever else the test puts there (host files, volume sources). */
struct test_box {
        char *name;             /* unique: "t<pid>-<n>-<rand>" */
        char *tmp;              /* /tmp/pbox-test-XXXXXX */
        char *rootfs;           /* tmp/rootfs */
        char *data_dir;         /* tmp/data */
        struct run_result last; /* result of the last pbox call made by a
                                   test_box_* helper, for messages */
        pid_t janitor;          /* cleans up if the test process dies first */
        int janitor_fd;         /* write end of the janitor's pipe */
};

/* New box; NULL on failure (no pbox call is made). A janitor process is
 * forked that stops the box and removes tmp/ should the test process end
 * without test_box_free() (a failed ck_assert _exit()s). */
struct test_box *test_box_new(void);
/* A path beneath b->tmp, malloc'd ("tmp/rel"). */
char *test_box_path(const struct test_box *b, const char *rel);
/* `pbox start --name --data-dir --rootfs <extra...> [-- INIT]` with
 * timeout_s; extra is NULL-terminated. Returns the status (r is filled). */
int test_box_startv(struct test_box *b, struct run_result *r, int timeout_s,
                    const char *const extra[]);
/* Foreground start with INIT `/bin/sh -c script`, options before it
 * (NULL-terminated); 20 s timeout. Returns the status. */
int test_box_run_sh(struct test_box *b, struct run_result *r,
                    const char *script, ...) __attribute__((sentinel));
/* `pbox start --detach` with the extra arguments (NULL-terminated). If
 * they contain no "--", INIT is a shell that waits and exits 0 on TERM.
 * Returns the status; output in b->last. */
int test_box_start_detached(struct test_box *b, ...) __attribute__((sentinel));
/* `pbox enter --name --data-dir -- /bin/sh -c script`: its stdout
 * (malloc'd) if it exited 0, else NULL; details in b->last. */
char *test_box_enter_sh(struct test_box *b, const char *script);
/* `pbox status --json`: the JSON text (malloc'd) if it exited 0, else
 * NULL; details in b->last. */
char *test_box_status_json(struct test_box *b);
/* `pbox stop`; returns its status, output in b->last. */
int test_box_stop(struct test_box *b);
/* Stops the box if it still runs (pbox stop; then SIGKILL of only the
 * pids `pbox status --json` names; then, should the runtime be gone, of
 * the processes in the box's own pbox-NAME cgroups), removes those
 * cgroups, detaches stray mounts under tmp/, removes tmp/, ends the
 * janitor. NULL ok. */
void test_box_free(struct test_box *b);

/* ---- Leftovers (leftovers.c) ------------------------------------------ */

/* What is left of box NAME with data dir D (rootfs taken as the sibling
 * D/../rootfs, the test_box layout): live processes named pbox-* whose
 * cmdline or environ mentions NAME or D, any process in a pbox-NAME
 * cgroup, mounts whose mount point or root lies under the rootfs or D,
 * pbox-NAME cgroup directories beneath our own cgroup on any hierarchy,
 * and D/NAME. Returns how many, described in report (one per line). */
int leftovers(const char *name, const char *data_dir, char *report, size_t len);
/* Poll leftovers() until 0 or timeout_s; returns the last count. */
int leftovers_wait(const char *name, const char *data_dir, char *report,
                   size_t len, double timeout_s);

/* ---- Cgroups of this process (cgroups.c) ------------------------------ */

/* Directory of cgroup pbox-NAME on the hierarchy whose controller list
 * holds ctl ("memory", "pids", "cpu"; "" for cgroup2), malloc'd, or NULL
 * if there is none or it does not exist. */
char *box_cgroup_dir(const char *name, const char *ctl);

/* ---- Minimal JSON reading, good enough for pbox status (json.c) ------- */

/* Integer value of top-level key in the object json; -1 if absent or not
 * a number (pids, times and flags in status are never negative). */
long long json_get_int(const char *json, const char *key);
/* String value of top-level key, malloc'd and unescaped; NULL if absent
 * or not a string. */
char *json_get_str(const char *json, const char *key);
/* Text of the object in array "components" whose "name" is name,
 * malloc'd; NULL if none. */
char *json_component(const char *json, const char *name);

#endif
