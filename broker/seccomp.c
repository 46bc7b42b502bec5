/* seccomp.c — pbox-broker's syscall allow-list, installed on itself once
 * INIT runs (after broker_exec_init, before broker_run). From then on the
 * broker only waits in its event loop (run.c): poll; signalfd and timerfd
 * reads; messages from the mounter and initproc; terminal relays; the
 * state file; READY=1 to the notify socket; reaping the mounter; exit.
 * It has no capabilities and no_new_privs already. Anything else kills
 * it (SIGSYS): it opens no file, creates no socket and no process. */
#include <stddef.h>
#include <sys/ioctl.h>

#include "cleanup.h"
#include "seccomp.h"
#include "seccomp_allow.h"

static const char *const broker_syscalls[] = {
    /* the event loop: broker_run() makes its signalfd and timerfd first */
    "signalfd4", "signalfd", "timerfd_create", "poll", "ppoll", "read", "readv",
    "write", "writev", "close", "timerfd_settime", "timerfd_gettime",
    "restart_syscall",
    /* messages from the mounter and initproc (fds come with SCM_RIGHTS) */
    "recvmsg", "sendmsg", "sendto", "recvfrom",
    /* the state file: rewritten whole */
    "pwrite64", "ftruncate",
    /* the mounter, our only child */
    "wait4", "waitid",
    /* signals (the loop blocks them; SIGPIPE is ignored) */
    "rt_sigprocmask", "rt_sigreturn", "rt_sigaction",
    /* glibc: memory, stdio on stderr, time, identity */
    "brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "fstat",
    "newfstatat", "lseek", "fcntl", "clock_gettime", "gettimeofday", "time",
    "getpid", "gettid", "futex", "getrandom",
    /* the end */
    "exit_group", "exit"};

/* The only ioctls: the operator's terminal (raw mode, window size) and
 * isatty(). */
static const struct seccomp_arg_rule broker_ioctls[] = {
    {"ioctl", 1, 0xffffffffu, TCGETS},
    {"ioctl", 1, 0xffffffffu, TCSETS},
    {"ioctl", 1, 0xffffffffu, TCSETSW},
    {"ioctl", 1, 0xffffffffu, TCSETSF},
    {"ioctl", 1, 0xffffffffu, TIOCGWINSZ},
    {"ioctl", 1, 0xffffffffu, TIOCSWINSZ},
};

int broker_seccomp_install(void)
{
        return seccomp_allow_with_args(
            broker_syscalls, ELEMENTSOF(broker_syscalls), broker_ioctls,
            ELEMENTSOF(broker_ioctls));
}
