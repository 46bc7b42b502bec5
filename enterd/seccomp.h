/* seccomp.h — pbox-enterd front's syscall allow-list (enterd/seccomp.c).
 * 0 or -errno. */
#ifndef PBOX_ENTERD_SECCOMP_H
#define PBOX_ENTERD_SECCOMP_H

int enterd_front_seccomp_install(void);

#endif
