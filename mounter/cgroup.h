/* cgroup.h — the box's cgroups, run by the privileged mounter (root):
 * create them beneath the cgroup the mounter runs in on every hierarchy,
 * apply limits, place processes, kill and remove; mount the box's own
 * /sys/fs/cgroup; and Planet's MountCgroups for hosts missing v1 mounts.
 *
 * Ownership: a struct box_cgroup is owned by whoever created it and
 * released by box_cgroup_destroy() (removes the cgroups) or
 * box_cgroup_free() (forgets them, for a forked child). Return
 * convention: 0 or a count on success, -errno on failure; errmsg (when
 * given) receives the real reason on failure. */
#ifndef PBOX_MOUNTER_CGROUP_H
#define PBOX_MOUNTER_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup_layout.h"

struct box_cgroup; /* opaque */

/* Create DIR = <own cgroup>/pbox-<name> on every usable hierarchy (v1 and
 * v2), plus DIR/enter. Limits: cpu_shares (v1 cpu.shares; v2 cpu.weight
 * = 1 + (N-2)*9999/262142), memory bytes (v1 memory.limit_in_bytes; v2
 * memory.max), pids (pids.max); 0 = unset. A limit whose controller
 * exists nowhere is an error. A stale DIR without processes is removed
 * first; one with processes gives -EBUSY. On failure nothing is left. */
int box_cgroup_create(const struct cg_layout *l, const char *name,
                      uint64_t cpu_shares, uint64_t memory, uint64_t pids_limit,
                      struct box_cgroup **ret, char *errmsg, size_t errlen);
/* Move pid (0 = the caller) into DIR on every hierarchy. */
int box_cgroup_attach(const struct box_cgroup *cg, pid_t pid);
/* Move pid (0 = the caller) into DIR/enter on every hierarchy. */
int box_cgroup_attach_enter(const struct box_cgroup *cg, pid_t pid);
/* O_DIRECTORY fd of the v2 DIR (for CLONE_INTO_CGROUP), or -ENOENT. The
 * fd stays owned by cg: do not close it. */
int box_cgroup_v2_fd(const struct box_cgroup *cg);
/* A human path for status, e.g. "/process_api/x/pbox-NAME" (the v2 one on
 * pure v2, else the memory one, else the first). */
const char *box_cgroup_path(const struct box_cgroup *cg);
/* SIGKILL every process in DIR and DIR/enter: cgroup.kill where v2 has
 * it, else a bounded loop over cgroup.procs. -EBUSY if some remain. */
int box_cgroup_kill(const struct box_cgroup *cg);
/* Kill, wait (~2 s) until empty, remove enter/ then DIR everywhere, free.
 * NULL is fine; directories already gone are fine. */
int box_cgroup_destroy(struct box_cgroup *cg);
/* The box cgroup pbox-NAME as it would be on every hierarchy of l, made
 * by nobody in this process (the janitor's view: box_cgroup_destroy() it
 * whether or not the directories exist). */
int box_cgroup_lookup(const struct cg_layout *l, const char *name,
                      struct box_cgroup **ret);
/* Forget without removing (for a forked child). NULL is fine. */
void box_cgroup_free(struct box_cgroup *cg);

/* Mount the box's /sys/fs/cgroup at target_fd (O_PATH/O_DIRECTORY fd of
 * ROOTFS/sys/fs/cgroup), from the box's init child after it unshared its
 * cgroup namespace: a tmpfs with each hierarchy under its host basename
 * (symlinks for comounted controllers), or cgroup2 directly on pure v2. */
int box_cgroup_mount_in_box(const struct cg_layout *l, int target_fd,
                            char *errmsg, size_t errlen);
/* Planet's MountCgroups: mount each required v1 controller that is
 * enabled but bound to no mounted hierarchy at ROOT/sys/fs/cgroup/<ctl>
 * (a tmpfs first if nothing is mounted there). Nothing on pure v2. A
 * conflicting layout is an error. Returns how many hierarchies it
 * mounted. */
int cgroup_mount_missing(const char *root, char *errmsg, size_t errlen);

#endif
