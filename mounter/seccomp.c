/* seccomp.c — pbox-mounter's syscall allow-list, installed on itself once
 * the box's init exists (SPEC §1: after MNT_CREATE is answered). The
 * janitor was forked before and is not under it. From then on the mounter
 * only: serves the broker's messages (signal init by pidfd, kill the box,
 * device hot-plug), reaps init through its pidfd, tears the box down
 * (cgroup kill and rmdir, the state directory) and tells the janitor.
 * It creates no process, mounts nothing and changes no namespace: clone,
 * mount, pivot_root, setns, unshare, execve, ptrace... all kill it. */
#include <stddef.h>

#include "cleanup.h"
#include "seccomp.h"
#include "seccomp_allow.h"

static const char *const mounter_syscalls[] = {
    /* the message loop with the broker, init's pidfd */
    "poll", "ppoll", "recvmsg", "sendmsg", "sendto", "read", "write", "close",
    "restart_syscall",
    /* init: signal and reap by pidfd only */
    "pidfd_send_signal", "waitid",
    /* device hot-plug (rootfs_device_add/remove, resolve_in_root): host
     * glob, then *at() calls inside the box's root fd */
    "openat", "openat2", "open", "newfstatat", "fstat", "lstat", "stat",
    "statx", "readlinkat", "mkdirat", "fchmod", "fchmodat", "mknodat", "umask",
    "fchownat", "unlinkat", "getdents64", "fcntl", "lseek",
    /* teardown: cgroup.kill or kill each pid of cgroup.procs (v1), wait
     * for them to leave, rmdir the cgroups, empty and remove the state
     * directory; one byte to the janitor's pipe */
    "kill", "nanosleep", "clock_nanosleep", "rmdir", "unlink",
    /* glibc */
    "brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "rt_sigprocmask",
    "rt_sigreturn", "clock_gettime", "getpid", "gettid", "futex",
    /* the end */
    "exit_group", "exit"};

int mounter_seccomp_install(void)
{
        return seccomp_allow(mounter_syscalls, ELEMENTSOF(mounter_syscalls));
}
