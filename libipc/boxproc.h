/* boxproc.h — preparing a process inside the box: the one implementation
 * of "read the box's own files, resolve the user, take a terminal from the
 * box's devpts, build the environment, drop to the box's capabilities and
 * user, exec with a PATH search". Used by pbox-initproc (the box's PID 1,
 * linked statically: only libc, libcap-ng and libselinux here) and by the
 * process pbox-enterd's spawner forks into the box. Every function runs in
 * the process being prepared, after it is inside the box (its root is the
 * box's root): paths are the box's paths.
 *
 * Return convention: 0 on success, -errno on failure; ret_* are written
 * only on success and owned by the caller; errmsg (errlen bytes, may be
 * NULL) receives the reason on failure. Nothing here logs or exits.
 */
#ifndef PBOX_BOXPROC_H
#define PBOX_BOXPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pbox.h"

#define BOXPROC_DEFAULT_PATH                                                   \
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define BOXPROC_FILE_MAX  (4 * 1024 * 1024)
#define BOXPROC_ENTER_ENV "/etc/pbox/enter.env"

/* Read a whole small file of the box (untrusted): O_NOFOLLOW, opened
 * without blocking, regular files only (-EINVAL otherwise), at most
 * BOXPROC_FILE_MAX bytes (-EFBIG). A missing file reads as empty. *ret is
 * NUL-terminated. */
int boxproc_read_file(const char *path, char **ret, size_t *ret_len);

/* Resolve spec ("" = root; name, uid, uid:gid, name:group) against
 * etc/passwd and etc/group (etc is "/etc" inside the box), never the
 * host's NSS. A numeric uid is taken exactly. Free with pbox_user_free. */
int boxproc_resolve_user(const char *etc, const char *spec,
                         struct pbox_user *ret, char *errmsg, size_t errlen);

/* A pseudo-terminal from the box's /dev/ptmx; the peer is opened through
 * the master (TIOCGPTPEER), never by a path the box controls. Both fds are
 * O_CLOEXEC. */
int boxproc_open_pty(int *ret_master, int *ret_peer, char *errmsg,
                     size_t errlen);
/* Make peer the controlling terminal of this (session leader) process,
 * set its window size when rows and cols are both non-zero, and put it on
 * fds 0, 1, 2. peer itself stays open. */
int boxproc_take_tty(int peer, unsigned rows, unsigned cols, char *errmsg,
                     size_t errlen);

/* The environment of an entered process, lowest precedence first: PATH,
 * TERM=xterm, LC_ALL=C.UTF-8, HOME=home; then the lines of enter_env
 * (/etc/pbox/enter.env content, SPEC §4.5; may be NULL); then req
 * ("NAME=VALUE" strings, NULL-terminated, may be NULL; an item without
 * '=' or with a bad name is -EINVAL). *ret is a NULL-terminated vector,
 * freed with strv_free. */
int boxproc_env_build(const char *home, const char *enter_env, size_t len,
                      char *const *req, char ***ret);

/* SELinux exec label for the next execve; nothing when label is "" or
 * SELinux is disabled. */
int boxproc_set_label(const char *label, char *errmsg, size_t errlen);

/* args[0] as boxproc_exec() would run it: itself when it holds a '/',
 * else the first regular file of that name in env's PATH. -ENOENT if
 * there is none. */
int boxproc_which(const char *prog, char *const *env, char *buf, size_t len);

/* The label an entered command gets when none is asked for, as Planet
 * computed it (selinuxexeccon): the transition the policy defines from
 * the context of the box's init (PID 1 of our PID namespace) to the
 * context of the command's file; init's own context where the policy
 * defines none or the file is not found. *ret (free()) is NULL where
 * SELinux is disabled. */
int boxproc_compute_label(char *const *args, char *const *env, char **ret,
                          char *errmsg, size_t errlen);

/* Drop to u with the box's capability set caps (SPEC §2): bounding set =
 * caps ∩ the current bounding set; groups, gid, uid from u; for uid 0
 * permitted = effective = caps ∩ what is permitted now (exec as root then
 * raises them to the bounding set), for everyone else none; inheritable
 * and ambient empty; then no_new_privs if asked. Needs CAP_SETPCAP,
 * CAP_SETUID and CAP_SETGID effective. */
int boxproc_drop_to_user(const struct pbox_user *u, uint64_t caps,
                         bool no_new_privs, char *errmsg, size_t errlen);

/* Reset every signal disposition to default and unblock all signals, so
 * nothing of the preparing process's handling reaches the program. */
void boxproc_reset_signals(void);

/* execve args[0] with env; a bare name is searched in env's PATH (the
 * default PATH if env has none). Returns only on failure, with -errno of
 * the most telling attempt (never -EINVAL, which means "set-up failed":
 * see proc_exec_status()). */
int boxproc_exec(char *const *args, char *const *env, char *errmsg,
                 size_t errlen);

#endif
