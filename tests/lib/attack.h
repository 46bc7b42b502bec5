/* attack.h — helpers shared by the attack suites in tests/security/
 * (check_cve_*.c, check_sec_socket.c): box set-up with check assertions,
 * host-side snapshots (directory listing + content hashes, sha256 of the
 * host binaries, mount points), and running `pbox enter` with arguments.
 * Runs in the forked check test process, as root. Failures are reported
 * through ck_assert (they _exit the test); heap results are the caller's. */
#ifndef PBOX_TEST_ATTACK_H
#define PBOX_TEST_ATTACK_H

#include <stdbool.h>
#include <sys/types.h>

#include "harness.h"

#define ATTACK_REPORT_LEN 8192

/* Failure text: what, then the run's status and output. */
#define ck_run(cond, r, what)                                                  \
        ck_assert_msg(cond,                                                    \
                      "%s: status %d\n--- stdout:\n%.3000s\n--- stderr:\n"     \
                      "%.3000s",                                               \
                      what, (r)->status, (r)->out ? (r)->out : "",             \
                      (r)->err ? (r)->err : "")

/* A busybox sh function for scripts run in a box: `foreign PID` is true
 * when /proc/PID is a pbox process (its exe unreadable, or a path other
 * than the box's /bin/busybox); it sets $f to what `ls -l` said. */
#define ATTACK_SH_FOREIGN                                                      \
        "foreign() {\n"                                                        \
        "  f=$(ls -l /proc/$1/exe 2>&1)\n"                                     \
        "  case \"$f\" in\n"                                                   \
        "    *denied*) return 0;;\n"                                           \
        "    *' -> /bin/busybox'|*'No such'*|'') return 1;;\n"                 \
        "    *' -> '*) return 0;;\n"                                           \
        "  esac\n"                                                             \
        "  return 1\n"                                                         \
        "}\n"

/* test_box_new() or fail the test. */
struct test_box *attack_box_new(void);
/* Fail unless nothing of b is left within wait_s seconds. */
void attack_no_leftovers(const struct test_box *b, double wait_s);
/* test_box_free(b), then fail if anything of it is left (processes,
 * mounts, cgroups) within wait_s seconds. */
void attack_box_free(struct test_box *b, double wait_s);
/* Fail unless r is SPEC §3's refusal: 125 and one line `pbox: ...`. */
void attack_pbox_error(const struct run_result *r, const char *what);
/* Create/overwrite path with data and mode, or fail. */
void attack_write_file(const char *path, const char *data, mode_t mode);
/* Whole file (malloc'd), or NULL if it cannot be opened. */
char *attack_read_file(const char *path);
/* Listing of a host tree: one line per entry with path, mode, owner,
 * size, a 64-bit content hash (regular files) or link target. */
char *attack_snapshot(const char *dir);
/* "sha256  path" lines of every $PBOX_BUILD/pbox* file (malloc'd). */
char *attack_pbox_hashes(void);
/* Mount points (field 5 of /proc/self/mountinfo), one a line. */
char *attack_mountpoints(void);
/* Fail if anything is mounted on dir or beneath it (host mountinfo). */
void attack_no_mount_at(const char *dir);
/* `pbox enter --name --data-dir ARGS...`; NULL-terminated; returns status. */
int attack_enter(struct test_box *b, struct run_result *r, int timeout_s, ...)
    __attribute__((sentinel));
/* Does text hold this exact line? */
bool attack_has_line(const char *text, const char *line);
/* The lines of text that contain needle (malloc'd, maybe ""). */
char *attack_grep(const char *text, const char *needle);
/* Number of lines of text that contain needle. */
int attack_count(const char *text, const char *needle);

#endif
