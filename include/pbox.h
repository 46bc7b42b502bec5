/* pbox.h — the public C API of pbox.
 *
 * Part 1: the configuration language of SPEC §4 (environment lists,
 * volumes, devices, DNS overrides, environment files) and the small
 * value parsers every pbox program shares (capabilities, signals, sizes,
 * names, --file specs, users). Implemented in libipc/config_*.c; used by
 * the pbox command, the broker and C programs.
 *
 * Conventions: functions return 0 (or a count) on success and -errno on
 * failure (-EINVAL for a parse error, -ENOMEM, ...). Parsers take
 * `char err[PBOX_ERR_LEN]`; on failure it holds one line naming the
 * offending token, e.g. `bad environment item "a=": empty value`.
 * Out-parameters (ret_*) are written only on success. Containers are
 * owned by the caller and released with their *_free(), which accepts a
 * zeroed or already-freed value. Mirrors planet/lib/box names.
 */
#ifndef PBOX_H
#define PBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PBOX_ERR_LEN 256

/* ---- Environment lists (SPEC §4.1; Planet's EnvVars) ------------------ */

struct pbox_env_pair {
        char *name;
        char *val;
};

/* Ordered list, names unique (upsert keeps the first position). */
struct pbox_env_vars {
        struct pbox_env_pair *v;
        size_t n;
        size_t cap;
};

/* Parse LIST (`NAME=VALUE,...`, SPEC §4.1) and upsert every pair into env.
 * On error env is unchanged. (Planet's EnvVars.Set) */
int pbox_env_vars_set(struct pbox_env_vars *env, const char *list,
                      char err[PBOX_ERR_LEN]);
/* Value of name, or NULL. (Get) */
const char *pbox_env_vars_get(const struct pbox_env_vars *env,
                              const char *name);
/* Add or replace. -EINVAL for a bad name. (Upsert) */
int pbox_env_vars_upsert(struct pbox_env_vars *env, const char *name,
                         const char *val);
/* Remove name; *ret_val (if non-NULL) receives the old value, owned by the
 * caller. -ENOENT when absent. (Delete) */
int pbox_env_vars_delete(struct pbox_env_vars *env, const char *name,
                         char **ret_val);
/* Append val to an existing value with delim between, or add. (Append) */
int pbox_env_vars_append(struct pbox_env_vars *env, const char *name,
                         const char *val, const char *delim);
/* Format back to the list language; parses back to the same pairs.
 * Values that need it are quoted. Caller frees. NULL on ENOMEM. (String) */
char *pbox_env_vars_string(const struct pbox_env_vars *env);
/* NULL-terminated "NAME=VALUE" vector (execve's envp); caller frees with
 * strv_free semantics (each string, then the vector). (Environment) */
char **pbox_env_vars_environ(const struct pbox_env_vars *env);
void pbox_env_vars_free(struct pbox_env_vars *env);

/* ---- Environment files (SPEC §4.5) ------------------------------------ */

/* Go %q quoting of s (with the quotes). Caller frees. */
char *pbox_go_quote(const char *s);
/* Inverse of pbox_go_quote for a whole quoted token q[0..len): -EINVAL if q
 * is not a valid Go quoted string. Caller frees *ret. */
int pbox_go_unquote(const char *q, size_t len, char **ret);
/* One NAME="VALUE"\n line per pair. Caller frees; *ret_len is its length. */
char *pbox_env_file_format(const struct pbox_env_vars *env, size_t *ret_len);
/* Parse file content: NAME=VALUE lines, VALUE quoted or raw (a quoted value
 * that does not unquote is kept raw), lines without '=' skipped, last
 * duplicate wins. Upserts into env. */
int pbox_env_file_parse(const char *buf, size_t len, struct pbox_env_vars *env);
/* Path wrappers (Planet's WriteEnvironment / ReadEnvironment). */
int pbox_write_environment(const char *path, const struct pbox_env_vars *env);
int pbox_read_environment(const char *path, struct pbox_env_vars *env);

/* ---- Volumes (SPEC §4.2; Planet's Mounts) ----------------------------- */

struct pbox_mount {
        char *src; /* host path, may be a glob */
        char *dst; /* absolute path inside the box */
        bool readonly;
        bool skip_if_missing;
        bool recursive;
};
struct pbox_mounts {
        struct pbox_mount *v;
        size_t n;
        size_t cap;
};
/* Parse SPEC (`SRC:DST[:OPT...]`, or a comma list of them) and append. */
int pbox_mounts_set(struct pbox_mounts *m, const char *spec,
                    char err[PBOX_ERR_LEN]);
void pbox_mounts_free(struct pbox_mounts *m);

/* ---- Devices (SPEC §4.3; Planet's Devices) ---------------------------- */

struct pbox_device {
        char *path;         /* host glob */
        char *permissions;  /* subset of "rwm", default "rwm" */
        uint32_t file_mode; /* permission bits, valid if has_file_mode */
        bool has_file_mode;
        uint32_t uid; /* default 0 */
        uint32_t gid; /* default 0 */
};
struct pbox_devices {
        struct pbox_device *v;
        size_t n;
        size_t cap;
};
/* Parse one `path=GLOB;permissions=rwm;fileMode=0666;uid=N;gid=N` and
 * append. */
int pbox_devices_set(struct pbox_devices *d, const char *spec,
                     char err[PBOX_ERR_LEN]);
void pbox_devices_free(struct pbox_devices *d);

/* ---- DNS overrides (SPEC §4.4; Planet's DNSOverrides) ----------------- */

struct pbox_dns_override {
        char *key; /* host (for --dns-hosts) or zone (for --dns-zones) */
        char *val; /* ip or nameserver */
};
struct pbox_dns_overrides {
        struct pbox_dns_override *v;
        size_t n;
        size_t cap;
};
/* Parse `key/val,...` and append (a key may repeat). */
int pbox_dns_overrides_set(struct pbox_dns_overrides *d, const char *list,
                           char err[PBOX_ERR_LEN]);
/* "IP\tHOST\n" lines for /etc/hosts. Caller frees. */
char *pbox_dns_hosts_format(const struct pbox_dns_overrides *d);
/* "server=/ZONE/IP\n" lines for /etc/pbox/dns-zones. Caller frees. */
char *pbox_dns_zones_format(const struct pbox_dns_overrides *d);
void pbox_dns_overrides_free(struct pbox_dns_overrides *d);

/* ---- Files copied into the box (--file; Planet's File) ---------------- */

struct pbox_file {
        char *src;     /* host path */
        char *dst;     /* absolute path inside the box */
        uint32_t mode; /* valid if has_mode */
        bool has_mode;
        uint32_t uid, gid; /* valid if has_owner */
        bool has_owner;
};
/* Parse `SRC:DST[:MODE[:UID:GID]]` (MODE octal). */
int pbox_file_parse(const char *spec, struct pbox_file *ret,
                    char err[PBOX_ERR_LEN]);
void pbox_file_free(struct pbox_file *f);

/* ---- Small value parsers ---------------------------------------------- */

/* --cap: comma list of CAP_X or X names (any case) or "all" → bitmask of
 * capability numbers known to this libcap-ng. */
int pbox_caps_parse(const char *list, uint64_t *ret_mask,
                    char err[PBOX_ERR_LEN]);
/* Docker's 14 default capabilities (CapBnd 00000000a80425fb). */
#define PBOX_CAPS_DEFAULT UINT64_C(0x00000000a80425fb)
/* Signal as number or kill -l name, with or without SIG, any case,
 * RTMIN+N / RTMAX-N. */
int pbox_signal_parse(const char *s, int *ret_sig, char err[PBOX_ERR_LEN]);
/* Name of a signal, "TERM" style; static storage, "?" if unknown. */
const char *pbox_signal_name(int sig);
/* Byte size: decimal with optional k/m/g/t suffix (binary, any case,
 * optional trailing b). */
int pbox_size_parse(const char *s, uint64_t *ret, char err[PBOX_ERR_LEN]);
/* Unsigned decimal in [min, max]. */
int pbox_uint_parse(const char *s, uint64_t min, uint64_t max, uint64_t *ret,
                    char err[PBOX_ERR_LEN]);
/* Box names: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, and
 * DATA_DIR/NAME/enter.sock must fit sockaddr_un.sun_path. */
int pbox_name_check(const char *name, const char *data_dir,
                    char err[PBOX_ERR_LEN]);

/* ---- Users inside the box (never the host's NSS) ---------------------- */

struct pbox_user {
        uid_t uid;
        gid_t gid;
        char *name;    /* NULL when given numerically and absent from passwd */
        char *home;    /* "/" when unknown */
        gid_t *groups; /* supplementary groups from /etc/group (incl. gid) */
        size_t ngroups;
};
/* Resolve SPEC (`name`, `uid`, or `uid:gid`, or `name:group`) against the
 * contents of a passwd and a group file (either may be NULL/empty).
 * A numeric uid absent from passwd is taken exactly (gid = uid unless
 * given, home "/"). An unknown name is -ENOENT with err set. */
int pbox_user_resolve(const char *spec, const char *passwd, size_t passwd_len,
                      const char *group, size_t group_len,
                      struct pbox_user *ret, char err[PBOX_ERR_LEN]);
void pbox_user_free(struct pbox_user *u);

/* ==== Part 2: boxes and enter (Planet's Box, Enter, CombinedOutput) ====
 *
 * Implemented in libipc/api_*.c. pbox_enter and pbox_combined_output are
 * clients of a running box's enter socket DATA_DIR/NAME/enter.sock
 * (served by pbox-enterd; root or a member of the box's
 * --operator-group). pbox_start runs the broker as a child of the
 * calling process. Same conventions as part 1: 0 or -errno, err holds
 * one line on failure, ret_* written only on success. The configs are
 * read, never kept or freed: they stay owned by the caller. */

/* What to run in a box (Planet's EnterConfig + ProcessConfig). */
struct pbox_enter_config {
        const char *name;                /* NULL: "default" */
        const char *data_dir;            /* NULL: "/run/pbox" */
        char *const *args;               /* NULL-terminated, at least CMD */
        const char *user;                /* NULL: root (name, uid or uid:gid) */
        const struct pbox_env_vars *env; /* NULL: none; sent in order */
        const char *workdir;             /* NULL: "/" */
        const char *label; /* SELinux process label; NULL: computed */
        bool tty;          /* a terminal allocated inside the box */
        bool interactive;  /* keep stdin (implied by tty); else /dev/null */
        /* -1: the caller's 0/1/2 (0 is fd 0: set all three). Without tty they
         * are passed into the box as they are, except a terminal, which is
         * relayed through a pipe (a host terminal never enters the box). With
         * tty the terminal's input is read from stdin_fd (raw mode while it
         * runs, if it is a terminal) and its output written to stdout_fd. */
        int stdin_fd, stdout_fd, stderr_fd;
};

/* Run c->args in the running box and wait for it (Planet's Enter).
 * While it runs, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and
 * SIGWINCH sent to the calling process are blocked and forwarded to the
 * process in the box (with tty, SIGWINCH resizes its terminal instead);
 * SIGPIPE is blocked too. The caller's signal mask and terminal mode are
 * restored before it returns. In a threaded program, block these signals
 * in every other thread. Returns as soon as the process has exited, even
 * if something it started still holds its output open.
 *
 * 0 with *ret_status = the exit code, 128+N when killed by signal N, or,
 * when it never ran, 127 (not found), 126 (not executable) or 125
 * (refused: bad user, workdir, ...) with err holding the box's reason
 * (err is "" when the process ran). -ENOTCONN when the box cannot be
 * reached: err is `cannot connect to box NAME at PATH: REASON` (Planet's
 * ErrConnect). -EINVAL for a bad config; -ECONNRESET when the box closed
 * the connection before the process exited; other -errno otherwise. */
int pbox_enter(const struct pbox_enter_config *c, int *ret_status,
               char err[PBOX_ERR_LEN]);

/* pbox_enter with stdin /dev/null and stdout and stderr merged into one
 * buffer (Planet's CombinedOutput). c->tty, c->interactive and the fds
 * of c are ignored. *ret_out (NUL-terminated, *ret_len bytes before the
 * NUL, may hold NULs) is owned by the caller: free(). Same returns as
 * pbox_enter; the output is returned whatever the exit status. */
int pbox_combined_output(const struct pbox_enter_config *c, char **ret_out,
                         size_t *ret_len, int *ret_status,
                         char err[PBOX_ERR_LEN]);

/* A box started by this process (Planet's Box): owns the broker child. */
struct pbox_box;

/* How to start a box (Planet's Config). The options are those of
 * `pbox start` and are validated by the same parser. */
struct pbox_config {
        const char *name;     /* NULL: "default" */
        const char *data_dir; /* NULL: "/run/pbox" */
        const char *rootfs;   /* required */
        /* Any further `pbox start` options, NULL-terminated, e.g.
         * {"--volume", "/a:/b", "--env", "A=1", NULL}; NULL: none.
         * --detach is refused. */
        char *const *extra_args;
        char *const *init_args; /* INIT and its arguments; NULL: /sbin/init */
};

/* Start a box: runs `pbox-broker start ...` as a child in the foreground
 * (needs root), and returns once it reports ready (READY=1 on a private
 * notify socket). Init's stdin is /dev/null and its stdout the caller's;
 * the broker's and init's stderr are copied to the caller's stderr.
 * 0 with *ret (free with pbox_close). -EINVAL for bad options (err from
 * the parser). If the broker exits before the box is ready: -ENOENT (it
 * exited 127: INIT not found), -EACCES (126: INIT not executable),
 * -ECHILD (any other status), with err `pbox-broker exited with status
 * N: LAST LINE OF ITS STDERR`. */
int pbox_start(const struct pbox_config *c, struct pbox_box **ret,
               char err[PBOX_ERR_LEN]);

/* Wait until the box ends; *ret_status is init's exit status (128+N when
 * killed by signal N), the broker's own. Again after it ended: the same
 * status. */
int pbox_wait(struct pbox_box *b, int *ret_status);

/* Stop the box if it still runs (SIGTERM to the broker: the box's stop
 * signal, then a kill after its --stop-timeout), wait for it, and free
 * b (Planet's Close). NULL is fine; a box that already ended is simply
 * freed. Returns 0 or -errno; b is freed either way. */
int pbox_close(struct pbox_box *b);

#ifdef __cplusplus
}
#endif
#endif
