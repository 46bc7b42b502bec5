/* seccomp_allow.c — build and load a syscall allow-list with libseccomp
 * (seccomp_allow.h). Used by the broker, the mounter, initproc and enterd's
 * front on themselves; library code: no logging, no exit. */
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>

#include "cleanup.h"
#include "seccomp_allow.h"

static void ctx_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}
#define _cleanup_ctx_ _cleanup_(ctx_releasep)

/* The kernel's number for name, or < 0 when this architecture has no such
 * syscall (libseccomp gives unknown names __NR_SCMP_ERROR and syscalls of
 * other architectures negative pseudo numbers). */
static int resolve(const char *name)
{
        if (!name || !name[0])
                return -1;
        return seccomp_syscall_resolve_name(name);
}

#ifdef PBOX_SAN
/* The ASan/UBSan build (make check's second pass) only: what the
 * sanitizer runtime needs to write a report (it reads /proc/self/maps and
 * the binaries' debug info, then exits) instead of dying by SIGSYS. */
static const char *const san_syscalls[] = {
    "open",       "openat",  "readlink",     "readlinkat",     "newfstatat",
    "fstat",      "fcntl",   "lseek",        "pread64",        "read",
    "write",      "writev",  "close",        "mmap",           "munmap",
    "mprotect",   "madvise", "mremap",       "sched_yield",    "getpid",
    "gettid",     "tgkill",  "rt_sigaction", "rt_sigprocmask", "sigaltstack",
    "prctl",      "futex",   "uname",        "prlimit64",      "getrlimit",
    "exit_group", "exit"};
#endif

/* libseccomp answers -EEXIST for a rule it already has. */
static int add_result(int r)
{
        return r == -EEXIST ? 0 : r;
}

static int add_plain(scmp_filter_ctx ctx, const char *const *syscalls, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int nr = resolve(syscalls[i]);
                int r;

                if (nr < 0)
                        continue;
                r = add_result(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0));
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool in_list(const char *name, const char *const *syscalls, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (syscalls[i] && strcmp(syscalls[i], name) == 0)
                        return true;
        return false;
}

static int add_conditional(scmp_filter_ctx ctx, const char *const *syscalls,
                           size_t n, const struct seccomp_arg_rule *rules,
                           size_t nrules)
{
        for (size_t i = 0; i < nrules; i++) {
                const struct seccomp_arg_rule *a = &rules[i];
                struct scmp_arg_cmp cmp = {
                    .arg = a->arg,
                    .op = SCMP_CMP_MASKED_EQ,
                    .datum_a = a->mask ? a->mask : ~(uint64_t)0,
                    .datum_b = a->value,
                };
                int nr = resolve(a->name);
                int r;

                if (a->arg > 5)
                        return -EINVAL;
                /* An unconditional rule already covers every argument. */
                if (nr < 0 || in_list(a->name, syscalls, n))
                        continue;
                r = add_result(
                    seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp));
                if (r < 0)
                        return r;
        }
        return 0;
}

int seccomp_allow_with_args(const char *const *syscalls, size_t n,
                            const struct seccomp_arg_rule *rules, size_t nrules)
{
        _cleanup_ctx_ scmp_filter_ctx ctx = NULL;
        int r;

        if ((n && !syscalls) || (nrules && !rules))
                return -EINVAL;
        ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
        if (!ctx)
                return -ENOMEM;
        /* Another ABI (i386, x32) kills too; no_new_privs is the caller's
         * decision (the mounter keeps it off); real errnos from load. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
                             SCMP_ACT_KILL_PROCESS);
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
        if (r == 0)
                r = add_plain(ctx, syscalls, n);
#ifdef PBOX_SAN
        if (r == 0)
                r = add_plain(ctx, san_syscalls, ELEMENTSOF(san_syscalls));
#endif
        if (r == 0)
                r = add_conditional(ctx, syscalls, n, rules, nrules);
        if (r == 0)
                r = seccomp_load(ctx);
        return r < 0 ? r : 0;
}

int seccomp_allow(const char *const *syscalls, size_t n)
{
        return seccomp_allow_with_args(syscalls, n, NULL, 0);
}
