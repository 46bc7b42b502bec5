/* relay.c — byte relays between descriptors and raw terminal mode; used
 * by the broker and the pbox client (see relay.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "relay.h"

void relay_chan_init(struct relay_chan *c, int in, int out, bool close_out)
{
        c->in = in;
        c->out = out;
        c->close_out = close_out;
        c->done = false;
        c->len = c->off = 0;
}

int relay_chan_pollfd(const struct relay_chan *c, struct pollfd *p)
{
        p->revents = 0;
        if (c->done) {
                p->fd = -1;
                p->events = 0;
                return 0;
        }
        if (c->len > c->off) {
                p->fd = c->out;
                p->events = POLLOUT;
        } else {
                p->fd = c->in;
                p->events = POLLIN;
        }
        return 1;
}

static void finish(struct relay_chan *c)
{
        c->done = true;
        if (c->close_out && c->out >= 0) {
                close(c->out);
                c->out = -1;
        }
}

int relay_chan_step(struct relay_chan *c, const struct pollfd *p)
{
        ssize_t n;

        if (c->done || !p->revents || p->fd < 0)
                return 0;
        if (p->fd == c->out && c->len > c->off) {
                if (p->revents & (POLLERR | POLLNVAL)) {
                        finish(c);
                        return -EPIPE;
                }
                n = write(c->out, c->buf + c->off, c->len - c->off);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                return 0;
                        finish(c);
                        return -errno;
                }
                c->off += (size_t)n;
                if (c->off == c->len)
                        c->off = c->len = 0;
                return 0;
        }
        n = read(c->in, c->buf, sizeof(c->buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return 0;
        if (n <= 0) {
                /* EIO is how a pty master reports that its peer closed. */
                int r = n < 0 && errno != EIO ? -errno : 0;

                finish(c);
                return r;
        }
        c->len = (size_t)n;
        c->off = 0;
        return 0;
}

void relay_chan_drain(struct relay_chan *c)
{
        for (int rounds = 0; !c->done && rounds < 1024; rounds++) {
                struct pollfd p;

                if (!relay_chan_pollfd(c, &p))
                        break;
                if (poll(&p, 1, 0) <= 0)
                        break;
                (void)relay_chan_step(c, &p);
        }
}

int relay_term_raw(int fd, struct termios *saved)
{
        struct termios t;

        if (tcgetattr(fd, saved) < 0)
                return -errno;
        t = *saved;
        cfmakeraw(&t);
        if (tcsetattr(fd, TCSANOW, &t) < 0)
                return -errno;
        return 0;
}

int relay_term_restore(int fd, const struct termios *saved)
{
        return tcsetattr(fd, TCSANOW, saved) < 0 ? -errno : 0;
}

int relay_copy_winsize(int from, int to)
{
        struct winsize ws;

        if (ioctl(from, TIOCGWINSZ, &ws) < 0)
                return -errno;
        return ioctl(to, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}
