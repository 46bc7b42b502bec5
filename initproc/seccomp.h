/* seccomp.h — initproc's syscall allow-list in --init mode, once INIT is
 * forked (initproc/seccomp.c). 0 or -errno; needs no_new_privs. */
#ifndef PBOX_INITPROC_SECCOMP_H
#define PBOX_INITPROC_SECCOMP_H

int initproc_seccomp_install(void);

#endif
