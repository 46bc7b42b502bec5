/* check.h — `pbox check`: Planet-style host checks (kernel, namespaces,
 * cgroup hierarchies and controllers, cgroup namespace, our own cgroups
 * writable, openat2, privilege, seccomp), run by the operator command
 * `pbox` as root. Prints one `CHECK  STATUS  DETAIL` row per check to out.
 * Returns 0 when a box can start, -1 when some row is FAIL. */
#ifndef PBOX_CHECK_H
#define PBOX_CHECK_H

#include <stdio.h>

int pbox_check_run(FILE *out);

#endif
