/* config_values.c — the small value parsers of the configuration language:
 * capability lists, signals, byte sizes, bounded unsigned numbers and box
 * names (SPEC §2). Pure functions over strings, no privilege needed; run
 * by the pbox command (to refuse bad input early) and by the broker. */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "config_util.h"
#include "pbox.h"

/* `bad WHAT "TOKEN": WHY` (config_util.c). */
#define value_fail(err, r, what, tok, len, ...)                                \
        config_fail(err, r, "bad " what, tok, len, __VA_ARGS__)

/* ---- numbers ---------------------------------------------------------- */

/* Strict decimal: digits only, no sign or blanks, overflow checked. */
static int decimal_parse(const char *s, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                d = (unsigned)(s[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int pbox_uint_parse(const char *s, uint64_t min, uint64_t max, uint64_t *ret,
                    char err[PBOX_ERR_LEN])
{
        uint64_t v;
        int r;

        if (!s)
                return value_fail(err, -EINVAL, "number", "", 0, "missing");
        r = decimal_parse(s, strlen(s), &v);
        if (r == -ERANGE || (r == 0 && (v < min || v > max)))
                return value_fail(
                    err, -EINVAL, "number", s, strlen(s), "not in [%llu, %llu]",
                    (unsigned long long)min, (unsigned long long)max);
        if (r < 0)
                return value_fail(err, -EINVAL, "number", s, strlen(s),
                                  "not an unsigned decimal number");
        *ret = v;
        return 0;
}

int pbox_size_parse(const char *s, uint64_t *ret, char err[PBOX_ERR_LEN])
{
        size_t len, n;
        unsigned shift = 0;
        uint64_t v;
        int r;

        if (!s)
                return value_fail(err, -EINVAL, "size", "", 0, "missing");
        len = strlen(s);
        n = len;
        /* optional trailing b, then optional k/m/g/t (binary multiples) */
        if (n > 0 && (s[n - 1] == 'b' || s[n - 1] == 'B'))
                n--;
        if (n > 0) {
                switch (s[n - 1]) {
                case 'k':
                case 'K':
                        shift = 10;
                        break;
                case 'm':
                case 'M':
                        shift = 20;
                        break;
                case 'g':
                case 'G':
                        shift = 30;
                        break;
                case 't':
                case 'T':
                        shift = 40;
                        break;
                default:
                        break;
                }
                if (shift)
                        n--;
        }
        r = decimal_parse(s, n, &v);
        if (r == -ERANGE || (r == 0 && v > (UINT64_MAX >> shift)))
                return value_fail(err, -EINVAL, "size", s, len, "too large");
        if (r < 0)
                return value_fail(
                    err, -EINVAL, "size", s, len,
                    "expected a decimal number with optional k/m/g/t");
        *ret = v << shift;
        return 0;
}

/* ---- capabilities ----------------------------------------------------- */

/* The kernel's last capability, capped to what a 64-bit mask holds. */
static unsigned caps_last(void)
{
        _cleanup_close_ int fd = -EBADF;
        char buf[16];
        uint64_t v;
        ssize_t n;

        fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                do
                        n = read(fd, buf, sizeof(buf) - 1);
                while (n < 0 && errno == EINTR);
                while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                        n--;
                if (n > 0 && decimal_parse(buf, (size_t)n, &v) == 0)
                        return v > 63 ? 63 : (unsigned)v;
        }
        return CAP_LAST_CAP > 63 ? 63 : CAP_LAST_CAP;
}

/* One item of a --cap list: CAP_X or X, any case; "all". */
static int cap_item_parse(const char *tok, size_t len, uint64_t *mask,
                          char err[PBOX_ERR_LEN])
{
        char name[64];
        const char *p = tok;
        size_t n = len;
        int c;

        if (len == 0)
                return value_fail(err, -EINVAL, "capability", tok, len,
                                  "empty item");
        if (len == 3 && strncasecmp(tok, "all", 3) == 0) {
                unsigned last = caps_last();

                *mask |=
                    last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
                return 0;
        }
        if (n > 4 && strncasecmp(p, "cap_", 4) == 0) {
                p += 4;
                n -= 4;
        }
        /* libcap-ng also takes numbers in some versions: names only here */
        if (n >= sizeof(name) || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "abcdefghijklmnopqrstuvwxyz_") < n)
                return value_fail(err, -EINVAL, "capability", tok, len,
                                  "unknown capability");
        memcpy(name, p, n);
        name[n] = '\0';
        c = capng_name_to_capability(name);
        if (c < 0 || c > 63)
                return value_fail(err, -EINVAL, "capability", tok, len,
                                  "unknown capability");
        *mask |= UINT64_C(1) << c;
        return 0;
}

int pbox_caps_parse(const char *list, uint64_t *ret_mask,
                    char err[PBOX_ERR_LEN])
{
        uint64_t mask = 0;
        const char *p;
        int r;

        if (!list)
                return value_fail(err, -EINVAL, "capability list", "", 0,
                                  "missing");
        p = list;
        while (*p) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                r = cap_item_parse(p, len, &mask, err);
                if (r < 0)
                        return r;
                if (!comma)
                        break;
                p = comma + 1; /* a trailing comma ends the loop: ignored */
        }
        *ret_mask = mask;
        return 0;
}

/* ---- signals ---------------------------------------------------------- */

/* Names as `kill -l` prints them, indexed by number. */
static const char *const signal_names[] = {
    [SIGHUP] = "HUP",       [SIGINT] = "INT",       [SIGQUIT] = "QUIT",
    [SIGILL] = "ILL",       [SIGTRAP] = "TRAP",     [SIGABRT] = "ABRT",
    [SIGBUS] = "BUS",       [SIGFPE] = "FPE",       [SIGKILL] = "KILL",
    [SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2",
    [SIGPIPE] = "PIPE",     [SIGALRM] = "ALRM",     [SIGTERM] = "TERM",
    [SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD",     [SIGCONT] = "CONT",
    [SIGSTOP] = "STOP",     [SIGTSTP] = "TSTP",     [SIGTTIN] = "TTIN",
    [SIGTTOU] = "TTOU",     [SIGURG] = "URG",       [SIGXCPU] = "XCPU",
    [SIGXFSZ] = "XFSZ",     [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",
    [SIGWINCH] = "WINCH",   [SIGIO] = "IO",         [SIGPWR] = "PWR",
    [SIGSYS] = "SYS",
};

/* Older spellings still accepted on input. */
static const struct {
        const char *name;
        int sig;
} signal_aliases[] = {
    {"IOT", SIGABRT},
    {"CLD", SIGCHLD},
    {"POLL", SIGIO},
};

#define RT_NAME_MAX 32
static const char *const rtmin_names[RT_NAME_MAX] = {
    "RTMIN",    "RTMIN+1",  "RTMIN+2",  "RTMIN+3",  "RTMIN+4",  "RTMIN+5",
    "RTMIN+6",  "RTMIN+7",  "RTMIN+8",  "RTMIN+9",  "RTMIN+10", "RTMIN+11",
    "RTMIN+12", "RTMIN+13", "RTMIN+14", "RTMIN+15", "RTMIN+16", "RTMIN+17",
    "RTMIN+18", "RTMIN+19", "RTMIN+20", "RTMIN+21", "RTMIN+22", "RTMIN+23",
    "RTMIN+24", "RTMIN+25", "RTMIN+26", "RTMIN+27", "RTMIN+28", "RTMIN+29",
    "RTMIN+30", "RTMIN+31",
};
static const char *const rtmax_names[RT_NAME_MAX] = {
    "RTMAX",    "RTMAX-1",  "RTMAX-2",  "RTMAX-3",  "RTMAX-4",  "RTMAX-5",
    "RTMAX-6",  "RTMAX-7",  "RTMAX-8",  "RTMAX-9",  "RTMAX-10", "RTMAX-11",
    "RTMAX-12", "RTMAX-13", "RTMAX-14", "RTMAX-15", "RTMAX-16", "RTMAX-17",
    "RTMAX-18", "RTMAX-19", "RTMAX-20", "RTMAX-21", "RTMAX-22", "RTMAX-23",
    "RTMAX-24", "RTMAX-25", "RTMAX-26", "RTMAX-27", "RTMAX-28", "RTMAX-29",
    "RTMAX-30", "RTMAX-31",
};

const char *pbox_signal_name(int sig)
{
        int rtmin = SIGRTMIN, rtmax = SIGRTMAX;

        if (sig > 0 && (size_t)sig < ELEMENTSOF(signal_names) &&
            signal_names[sig])
                return signal_names[sig];
        if (sig < rtmin || sig > rtmax)
                return "?";
        /* as bash's kill -l: RTMIN+N for the lower half, RTMAX-N above */
        if (sig - rtmin <= (rtmax - rtmin) / 2)
                return sig - rtmin < RT_NAME_MAX ? rtmin_names[sig - rtmin]
                                                 : "?";
        return rtmax - sig < RT_NAME_MAX ? rtmax_names[rtmax - sig] : "?";
}

/* RTMIN, RTMIN+N, RTMAX, RTMAX-N (the SIG prefix already removed). */
static int signal_rt_parse(const char *s, int *ret)
{
        int rtmin = SIGRTMIN, rtmax = SIGRTMAX, base, sign, sig;
        uint64_t n = 0;

        if (strncasecmp(s, "RTMIN", 5) == 0) {
                base = rtmin;
                sign = 1;
        } else if (strncasecmp(s, "RTMAX", 5) == 0) {
                base = rtmax;
                sign = -1;
        } else
                return -EINVAL;
        s += 5;
        if (*s) {
                if (*s != (sign > 0 ? '+' : '-'))
                        return -EINVAL;
                s++;
                if (decimal_parse(s, strlen(s), &n) < 0 ||
                    n > (uint64_t)(rtmax - rtmin))
                        return -EINVAL;
        }
        sig = base + sign * (int)n;
        if (sig < rtmin || sig > rtmax)
                return -EINVAL;
        *ret = sig;
        return 0;
}

int pbox_signal_parse(const char *s, int *ret_sig, char err[PBOX_ERR_LEN])
{
        const char *p;
        uint64_t n;
        int sig;

        if (!s)
                return value_fail(err, -EINVAL, "signal", "", 0, "missing");
        if (*s >= '0' && *s <= '9') {
                if (decimal_parse(s, strlen(s), &n) < 0 || n < 1 || n > 64)
                        return value_fail(err, -EINVAL, "signal", s, strlen(s),
                                          "not in [1, 64]");
                *ret_sig = (int)n;
                return 0;
        }
        p = s;
        if (strncasecmp(p, "SIG", 3) == 0)
                p += 3;
        for (size_t i = 1; i < ELEMENTSOF(signal_names); i++)
                if (signal_names[i] && strcasecmp(p, signal_names[i]) == 0) {
                        *ret_sig = (int)i;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(signal_aliases); i++)
                if (strcasecmp(p, signal_aliases[i].name) == 0) {
                        *ret_sig = signal_aliases[i].sig;
                        return 0;
                }
        if (signal_rt_parse(p, &sig) == 0) {
                *ret_sig = sig;
                return 0;
        }
        return value_fail(err, -EINVAL, "signal", s, strlen(s),
                          "not a signal number or kill -l name");
}

/* ---- box names (SPEC §2) ---------------------------------------------- */

#define NAME_MAX_LEN     64
#define DEFAULT_DATA_DIR "/run/pbox" /* opts.h's PBOX_DEFAULT_DATA_DIR */

int pbox_name_check(const char *name, const char *data_dir,
                    char err[PBOX_ERR_LEN])
{
        struct sockaddr_un sa;
        size_t len, need;

        if (!name || !*name)
                return value_fail(err, -EINVAL, "name", "", 0, "empty");
        len = strlen(name);
        if (!((name[0] >= 'A' && name[0] <= 'Z') ||
              (name[0] >= 'a' && name[0] <= 'z') ||
              (name[0] >= '0' && name[0] <= '9')))
                return value_fail(err, -EINVAL, "name", name, len,
                                  "must start with a letter or digit");
        if (len > NAME_MAX_LEN)
                return value_fail(err, -EINVAL, "name", name, len,
                                  "longer than %d characters", NAME_MAX_LEN);
        if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789_.-") < len)
                return value_fail(err, -EINVAL, "name", name, len,
                                  "only letters, digits, '_', '.' and '-' "
                                  "are allowed");
        if (!data_dir)
                data_dir = DEFAULT_DATA_DIR;
        /* DATA_DIR "/" NAME "/enter.sock" NUL */
        need = strlen(data_dir) + 1 + len + strlen("/enter.sock") + 1;
        if (need > sizeof(sa.sun_path))
                return value_fail(err, -EINVAL, "name", name, len,
                                  "DATA_DIR/NAME/enter.sock needs %zu bytes, "
                                  "a unix socket address holds %zu",
                                  need, sizeof(sa.sun_path));
        return 0;
}
