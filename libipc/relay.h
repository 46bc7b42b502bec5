/* relay.h — copying bytes between descriptors inside a poll loop, and the
 * caller's terminal in raw mode. Shared by the broker (init's stdio when
 * it is a host terminal, `start -t`) and the `pbox enter` client (`-t`,
 * and a host terminal without -t): one implementation of the relay.
 * Buffers are owned by the channel; nothing here logs. */
#ifndef PBOX_RELAY_H
#define PBOX_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#define RELAY_BUF 65536

struct relay_chan {
        int in;
        int out;
        bool close_out; /* close out when in reaches EOF (pipes into a box) */
        bool done;      /* in reached EOF (or failed) and the buffer drained */
        size_t len, off;
        char buf[RELAY_BUF];
};

/* Set up a channel copying in → out. */
void relay_chan_init(struct relay_chan *c, int in, int out, bool close_out);
/* Fill *p for poll(): the fd and events this channel waits for now.
 * Returns 0 if the channel has nothing to wait for (p->fd = -1). */
int relay_chan_pollfd(const struct relay_chan *c, struct pollfd *p);
/* Act on p->revents: one read or one write. 0, or -errno on a failure
 * that ended the channel (it is then done). */
int relay_chan_step(struct relay_chan *c, const struct pollfd *p);
/* Write out whatever is buffered and read what is left until EOF or
 * EAGAIN-free exhaustion (used when the other side is known finished). */
void relay_chan_drain(struct relay_chan *c);

/* Put terminal fd in raw mode, saving the old mode in *saved. */
int relay_term_raw(int fd, struct termios *saved);
/* Restore a mode saved by relay_term_raw. */
int relay_term_restore(int fd, const struct termios *saved);
/* Copy the window size of terminal from to pty master to. */
int relay_copy_winsize(int from, int to);

#endif
