/* seccomp.c — the syscall allow-list of pbox-enterd's front, installed on
 * itself once it is the unprivileged broker user (no capabilities,
 * no_new_privs) and before it reads a byte from an operator. From then on
 * it only serves its sockets (conn.c, front.c): accept, peer credentials,
 * messages with fds, the audit log (an fd the spawner opened), deadlines,
 * and at the end waiting for the spawner. It opens no file, creates no
 * socket and no process; anything else kills it (SIGSYS), and with it the
 * box (the broker stops a box whose enterd is gone). */
#include <stddef.h>

#include "cleanup.h"
#include "seccomp.h"
#include "seccomp_allow.h"

static const char *const front_syscalls[] = {
    /* the loop and its deadlines */
    "poll", "ppoll", "timerfd_settime", "timerfd_gettime", "read",
    "restart_syscall",
    /* operators: accept, who they are, their frames and fds */
    "accept4", "getsockopt", "recvmsg", "sendmsg", "close", "shutdown",
    /* the audit log: one write() per line */
    "write", "writev",
    /* the spawner, at the end */
    "wait4", "waitid", "clock_nanosleep", "nanosleep",
    /* signals */
    "rt_sigprocmask", "rt_sigreturn", "rt_sigaction",
    /* glibc: memory, stdio on stderr, time */
    "brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "fstat",
    "newfstatat", "lseek", "fcntl", "clock_gettime", "gettimeofday", "time",
    "getpid", "gettid", "futex", "getrandom",
    /* the end */
    "exit_group", "exit"};

int enterd_front_seccomp_install(void)
{
        return seccomp_allow(front_syscalls, ELEMENTSOF(front_syscalls));
}
