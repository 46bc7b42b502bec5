/* seccomp.h — the mounter's syscall allow-list once the box's init exists
 * (mounter/seccomp.c). 0 or -errno; needs CAP_SYS_ADMIN (no_new_privs is
 * not set). */
#ifndef PBOX_MOUNTER_SECCOMP_H
#define PBOX_MOUNTER_SECCOMP_H

int mounter_seccomp_install(void);

#endif
