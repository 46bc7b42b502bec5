/* proc.h — process hygiene helpers shared by every pbox process:
 * capability drops (libcap-ng), changing uid, closing inherited fds, full
 * read/write loops, fd flags, /proc/PID/status fields and helper paths.
 *
 * Return convention: 0 (or a byte count) on success, -errno on failure;
 * nothing here logs or exits. Buffers are the caller's; proc_self_dir()
 * returns static storage owned by this module.
 */
#ifndef PBOX_PROC_H
#define PBOX_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef PBOX_LIBEXECDIR
#define PBOX_LIBEXECDIR "/usr/local/libexec/pbox"
#endif

/* Keep exactly caps[0..ncaps) in the permitted and effective sets and in
 * the bounding set; empty the inheritable and ambient sets; then, if
 * no_new_privs, set PR_SET_NO_NEW_PRIVS. The caps must already be
 * permitted; shrinking the bounding set needs CAP_SETPCAP permitted (it
 * is raised for the moment if so). Works for a process that stays uid 0
 * and for one that already changed uid with its caps kept; to change uid,
 * use proc_become_user(). Verifies the result: -EPERM if it didn't stick. */
int proc_caps_drop_to(const int *caps, size_t ncaps, bool no_new_privs);

/* Like proc_caps_drop_to without no_new_privs, but the bounding set is
 * left whole: for the privileged helpers (mounter, enterd's spawner) whose
 * children are exec'd as root and receive the box's capabilities, which
 * can only be a subset of the bounding set they inherit. */
int proc_caps_drop_bounded(const int *caps, size_t ncaps);

/* Become uid/gid with supplementary groups[0..ngroups) (none if 0), keeping
 * exactly keep_caps (as proc_caps_drop_to), then optionally no_new_privs.
 * Must be called with CAP_SETUID, CAP_SETGID and CAP_SETPCAP. Verifies
 * the real/effective/saved ids and groups afterwards: -EPERM if anything
 * didn't stick. */
int proc_become_user(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
                     const int *keep_caps, size_t nkeep, bool no_new_privs);

/* Close every fd >= 3 that is not in keep[0..nkeep). */
int proc_close_fds_except(const int *keep, size_t nkeep);

/* Read/write all len bytes, retrying EINTR. read_full returns fewer only
 * at EOF; both return the count or -errno. */
ssize_t proc_read_full(int fd, void *buf, size_t len);
ssize_t proc_write_full(int fd, const void *buf, size_t len);

int proc_fd_nonblock(int fd, bool on);
int proc_fd_cloexec(int fd, bool on);

/* The value of field key ("CapEff", "NoNewPrivs", "Uid", ...) of
 * /proc/PID/status (pid 0: self), leading whitespace stripped, into buf.
 * -ENOENT if there is no such field, -ENOBUFS if it doesn't fit. */
int proc_status_field(pid_t pid, const char *key, char *buf, size_t len);

/* The exit status pbox reports for a box process that never ran (SPEC
 * §3), from the -errno initproc (or, later, enterd) reports: 127 when the
 * program is missing (-ENOENT, -ENOTDIR), 125 when setting up the process
 * failed (-EINVAL: user, terminal, label, capabilities), 126 otherwise
 * (found but not executable). */
int proc_exec_status(int err);

/* Remove directory path and the files in it (no subdirectories are
 * expected: a box's state directory). Retries a few passes, since a
 * directory stream may skip entries unlinked under it. 0 or -errno. */
int proc_rmdir_flat(const char *path);

/* The directory of /proc/self/exe, computed once; NULL if unknown. */
const char *proc_self_dir(void);

/* Where helper program name lives: <dir of self>/<name> if that is an
 * executable file (a build tree), else PBOX_LIBEXECDIR/<name>. */
int proc_helper_path(const char *name, char *buf, size_t len);

#endif
