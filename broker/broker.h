/* broker.h — the state of pbox-broker, the foreground `pbox start`
 * process: root only while it opens its state and starts the privileged
 * helpers, then an unprivileged uid with no capabilities that parses the
 * configuration, drives the helpers by messages and learns init's exit.
 * Return convention: 0 or -errno. */
#ifndef PBOX_BROKER_H
#define PBOX_BROKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>

#include "opts.h"
#include "relay.h"

enum box_state { BOX_STARTING, BOX_RUNNING, BOX_STOPPING };

struct broker {
        struct box_config early; /* name, data_dir, broker_user, detach */
        struct box_config cfg;   /* everything, parsed unprivileged */
        int lock_fd;
        bool state_handed; /* the mounter removes DATA_DIR/NAME now */
        int state_fd;
        int log_fd;    /* --detach: DATA_DIR/_log/NAME.log */
        int ready_fd;  /* --detach: tells the waiting parent the outcome */
        int notify_fd; /* NOTIFY_SOCKET, connected while root */
        int mounter_sock;
        pid_t mounter_pid;
        int enterd_sock; /* to the enterd front */
        pid_t enterd_pid;
        int64_t operator_gid; /* -1: root only */
        char *audit_log;
        bool ready;            /* init runs and the enter socket listens */
        bool failure_reported; /* broker_report: the first reason only */
        /* Device requests from enterd, forwarded to the mounter: the
         * mounter's reply (by our id) goes back under enterd's id. */
        struct {
                uint32_t mounter_id, enterd_id;
        } pending[8];
        int init_sock; /* to initproc until INIT runs */
        int stdio[3];  /* what init gets */
        struct relay_chan *chans[3];
        size_t nchans;
        bool tty_raw;
        struct termios saved_tty;
        int tty_master;
        pid_t init_pid;
        char *cgroup;
        time_t started;
        enum box_state state;
        bool init_started;
        bool exited;
        int exit_status; /* what `pbox start` exits with */
        uint32_t next_id;
        char uuid[37];
        char hostname[65];
};

/* setup.c — the root phase. */
int broker_open_log(struct broker *b);
int broker_open_state(struct broker *b);
int broker_daemonize(struct broker *b);
/* pbox-mounter (waiting for its hello) and pbox-enterd, each with its
 * socket on fd 3. */
int broker_spawn_mounter(struct broker *b);
int broker_hand_state(struct broker *b);
void broker_remove_state(struct broker *b);
int broker_spawn_enterd(struct broker *b);
int broker_drop_privileges(struct broker *b);
int broker_format_state(const struct broker *b, char *buf, size_t len);
int broker_write_state(struct broker *b);

/* plan.c — configuration to the mounter, and INIT to initproc. */
int broker_send_plan(struct broker *b, char *errmsg, size_t errlen);
int broker_create_box(struct broker *b, char *errmsg, size_t errlen);
int broker_exec_init(struct broker *b, char *errmsg, size_t errlen);

/* run.c — the event loop until the box is gone. */
int broker_run(struct broker *b);
/* Report the outcome to whoever waits (--detach parent or stderr). */
void broker_report(struct broker *b, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
