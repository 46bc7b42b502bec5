/* seccomp.c — pbox-initproc's syscall allow-list with --init, installed
 * once INIT is forked and initproc has confined itself to CAP_KILL and
 * no_new_privs (supervise.c). As the box's PID 1 it then only waits for
 * signals, forwards them to INIT, reaps orphans and exits with INIT's
 * status; nothing in the box can make it do anything else. Linked
 * statically (libseccomp.a). */
#include <stddef.h>

#include "cleanup.h"
#include "seccomp.h"
#include "seccomp_allow.h"

static const char *const initproc_syscalls[] = {
    /* wait for a signal, forward it, reap */
    "rt_sigtimedwait", "rt_sigprocmask", "rt_sigreturn", "restart_syscall",
    "kill", "wait4", "waitid",
    /* the end (static glibc's exit() flushes stdio) */
    "write", "close", "exit_group", "exit"};

int initproc_seccomp_install(void)
{
        return seccomp_allow(initproc_syscalls, ELEMENTSOF(initproc_syscalls));
}
