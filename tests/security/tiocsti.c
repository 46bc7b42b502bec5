/* tiocsti.c — a tiny static helper that check_cve_tiocsti compiles into a
 * box's rootfs (busybox has no TIOCSTI tool). It tries to push "x" into the
 * input queue of the terminal behind each of fds 0-2 and of /dev/tty, and
 * prints one line per attempt: fd N, isatty, the ttyname, INJECTED or the
 * error. When fd 0 is a terminal it then reads back what it injected
 * ("GOT x": the character reached its own terminal). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static void try_fd(const char *what, int fd)
{
        const char *name = isatty(fd) ? ttyname(fd) : NULL;
        int r = ioctl(fd, TIOCSTI, "x");

        printf("%s isatty=%d tty=%s %s\n", what, isatty(fd), name ? name : "-",
               r == 0 ? "INJECTED" : strerror(errno));
}

int main(void)
{
        struct termios t;
        int fd;

        if (isatty(0) && tcgetattr(0, &t) == 0) {
                cfmakeraw(&t);
                tcsetattr(0, TCSANOW, &t);
        }
        try_fd("fd0", 0);
        try_fd("fd1", 1);
        try_fd("fd2", 2);
        fd = open("/dev/tty", O_RDWR | O_NOCTTY);
        if (fd < 0)
                printf("devtty open: %s\n", strerror(errno));
        else
                try_fd("devtty", fd);
        if (isatty(0)) {
                struct pollfd p = {.fd = 0, .events = POLLIN};
                char c[16];

                if (poll(&p, 1, 1000) == 1 && read(0, c, sizeof(c)) > 0)
                        printf("GOT %c\n", c[0]);
        }
        fflush(stdout);
        return 0;
}
