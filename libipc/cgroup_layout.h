/* cgroup_layout.h — what the host's cgroup hierarchies look like: v1, v2
 * or hybrid, where each hierarchy is mounted, which controllers it holds
 * and which cgroup this process runs in on it. Read from
 * /proc/self/mountinfo and /proc/self/cgroup; pure parsing, no privilege.
 * Used by the mounter (to create the box's cgroups and mount them in the
 * box), enterd (to place entered processes) and `pbox check`.
 * Return convention: 0 or -errno; *_free() accepts a zeroed value. */
#ifndef PBOX_CGROUP_LAYOUT_H
#define PBOX_CGROUP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

enum cg_kind { CG_NONE, CG_V1, CG_V2, CG_HYBRID };

struct cg_hier {
        char *mountpoint;  /* e.g. "/sys/fs/cgroup/cpu" or "/sys/fs/cgroup" */
        bool v2;           /* cgroup2 */
        char *controllers; /* v1: mount options naming controllers, e.g.
                              "cpu,cpuacct" or "name=systemd"; v2: the
                              cgroup.controllers list space-separated ("" if
                              unknown) */
        char *own;         /* this process's cgroup in it, e.g. "/" or
                              "/process_api/f7..", from /proc/self/cgroup */
};

struct cg_layout {
        struct cg_hier *v;
        size_t n;
        enum cg_kind kind;
        bool has_cgroupns; /* /proc/self/ns/cgroup exists */
};

/* Parse text of /proc/self/mountinfo and /proc/self/cgroup (testable). The
 * mountinfo root field must be "/" for a hierarchy to be usable; others
 * (bind mounts of sub-cgroups) are ignored. */
int cg_layout_parse(const char *mountinfo, const char *proc_cgroup,
                    struct cg_layout *ret);
/* Read this process's layout. */
int cg_layout_read(struct cg_layout *ret);
void cg_layout_free(struct cg_layout *l);
/* The hierarchy holding v1 controller ctl ("memory"), or the v2 one if
 * ctl is enabled there; NULL if none. */
const struct cg_hier *cg_layout_find(const struct cg_layout *l,
                                     const char *ctl);
/* The cgroup2 hierarchy of the layout, NULL if none. */
const struct cg_hier *cg_layout_v2(const struct cg_layout *l);

/* The box's cgroup directory on hierarchy h: <mountpoint><own>/pbox-NAME
 * (where the mounter creates it, beneath the cgroup it runs in; enterd's
 * spawner runs in the same one). Caller frees *ret. */
int cg_box_dir(const struct cg_hier *h, const char *name, char **ret);

/* Helpers over raw text, shared by the mounter and `pbox check`. */
/* Read a whole (small, < 4 MiB) file into a NUL-terminated heap string. */
int cg_read_text(const char *path, char **ret);
/* The fstype of the visible (topmost) mount at exactly path in mountinfo
 * text; -ENOENT if nothing is mounted there. */
int cg_mountinfo_fstype(const char *mountinfo, const char *path,
                        char **ret_fstype);
/* Mountpoint of a visible v1 cgroup mount holding controller ctl (any
 * root), one beneath prefer if there is one; -ENOENT if none. */
int cg_mountinfo_find_v1(const char *mountinfo, const char *ctl,
                         const char *prefer, char **ret_mountpoint);

#endif
