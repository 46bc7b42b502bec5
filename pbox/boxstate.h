/* boxstate.h — the pbox command's view of a box's state directory
 * DATA_DIR/NAME/: the state file the broker keeps (key=value lines), its
 * lock (held while the box lives) and the live privileges of each
 * component read from /proc. Used by stop, status and list.
 * Return convention: 0 or -errno; -ESRCH when the box is not running. */
#ifndef PBOX_BOXSTATE_H
#define PBOX_BOXSTATE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct component {
        const char *name; /* broker, mounter, initproc, enterd, ... */
        pid_t pid;
        long uid;
        char cap_eff[17], cap_prm[17], cap_bnd[17];
        int no_new_privs;
        int seccomp;
};

struct box_state {
        char name[65];
        char state[16];
        pid_t init_pid;
        long long started;
        char cgroup[4096];
        unsigned stop_timeout;
        struct component comps[5];
        size_t ncomps;
};

/* The broker's key=value lines (its state file, or OP_STATE), with each
 * component's live privileges from /proc. -ESRCH if name or state lack. */
int box_state_parse(const char *text, struct box_state *ret);
/* Read and check: -ESRCH if nothing holds the box's lock. */
int box_state_read(const char *data_dir, const char *name,
                   struct box_state *ret);
/* True while the broker holds the lock of DATA_DIR/NAME. */
bool box_state_running(const char *data_dir, const char *name);
void box_state_print_json(const struct box_state *s, FILE *out);
void box_state_print_table(const struct box_state *s, FILE *out);

#endif
