/* seccomp.h — the broker's syscall allow-list (broker/seccomp.c).
 * 0 or -errno; the caller already has no_new_privs. */
#ifndef PBOX_BROKER_SECCOMP_H
#define PBOX_BROKER_SECCOMP_H

int broker_seccomp_install(void);

#endif
