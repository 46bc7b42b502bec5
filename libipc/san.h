/* san.h — sanitizer defaults for pbox's long-lived programs in the
 * ASan/UBSan build (make check's second pass). LeakSanitizer stops the
 * world with ptrace, which a non-dumpable, no_new_privs, setuid'd process
 * (the broker) refuses; its report would then replace the exit status
 * the tests check. Leaks are caught by the unit suites, which keep it. */
#ifndef PBOX_SAN_H
#define PBOX_SAN_H

#ifdef PBOX_SAN
#define PBOX_SAN_DEFAULTS                                                      \
        const char *__asan_default_options(void);                              \
        const char *__asan_default_options(void)                               \
        {                                                                      \
                return "detect_leaks=0";                                       \
        }
#else
#define PBOX_SAN_DEFAULTS
#endif

#endif
