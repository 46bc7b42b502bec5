/* seccomp_allow.h — syscall allow-lists (libseccomp) for pbox's confined
 * processes: the broker, the mounter after create, initproc with --init and
 * enterd's front. Each component keeps its list, one readable table, in
 * its own seccomp.c; this module only builds and loads the filter.
 *
 * The filter kills the whole process (SCMP_ACT_KILL_PROCESS, SIGSYS) on any
 * syscall not allowed, and on any other architecture's syscall ABI. It
 * never sets no_new_privs itself: the caller must already have it, or hold
 * CAP_SYS_ADMIN. A filter is inherited by every child and across exec, so
 * install it only once the process creates no more box processes.
 *
 * (Not named seccomp.h: with -Ilibipc that would hide libseccomp's own
 * <seccomp.h>.)
 *
 * Return convention: 0 on success, -errno on failure; nothing here logs or
 * exits. On failure no filter has been loaded. */
#ifndef PBOX_SECCOMP_ALLOW_H
#define PBOX_SECCOMP_ALLOW_H

#include <stddef.h>
#include <stdint.h>

/* Allow syscall `name` only when argument `arg` (0..5), masked with `mask`
 * (0 means all bits), equals `value`. Several rules for one name allow it
 * when any of them matches. */
struct seccomp_arg_rule {
        const char *name;
        unsigned arg;
        uint64_t mask;
        uint64_t value;
};

/* Load a filter that allows exactly the syscalls named in
 * syscalls[0..n). A name this architecture does not have (or libseccomp
 * does not know) is skipped; duplicates are fine. */
int seccomp_allow(const char *const *syscalls, size_t n);

/* The same, and also each of rules[0..nrules) (syscalls allowed only with
 * the given argument). A name in both lists is allowed unconditionally. */
int seccomp_allow_with_args(const char *const *syscalls, size_t n,
                            const struct seccomp_arg_rule *rules,
                            size_t nrules);

#endif
