/* netns.h — the box's private network namespace (--net none).
 *
 * Run by the box's init child (root, inside its new namespaces) before it
 * execs initproc. Return convention: 0 or -errno; errmsg (errlen bytes,
 * may be NULL) says what failed. */
#ifndef PBOX_MOUNTER_NETNS_H
#define PBOX_MOUNTER_NETNS_H

#include <stddef.h>

/* Bring the loopback interface "lo" of the current network namespace up
 * (libnl-3 route), so 127.0.0.1 and ::1 are reachable inside the box. */
int netns_loopback_up(char *errmsg, size_t errlen);

#endif
