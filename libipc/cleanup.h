/* cleanup.h — scope-bound cleanup for every pbox process and libipc.
 *
 * Declare with an owning initialiser (NULL or -EBADF) and hand ownership on
 * with TAKE_PTR / TAKE_FD. Header-only; used by every component. */
#ifndef PBOX_CLEANUP_H
#define PBOX_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void freep(void *p)
{
        free(*(void **)p);
}
static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
/* NULL-terminated vector of heap strings. */
static inline void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}
static inline void strv_freep(char ***v)
{
        strv_free(*v);
}

#define _cleanup_(f)        __attribute__((cleanup(f)))
#define _cleanup_free_      _cleanup_(freep)
#define _cleanup_close_     _cleanup_(closep)
#define _cleanup_fclose_    _cleanup_(fclosep)
#define _cleanup_closedir_  _cleanup_(closedirp)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define TAKE_PTR(p)                                                            \
        ({                                                                     \
                __typeof__(p) _tp = (p);                                       \
                (p) = NULL;                                                    \
                _tp;                                                           \
        })
#define TAKE_FD(fd)                                                            \
        ({                                                                     \
                int _tf = (fd);                                                \
                (fd) = -EBADF;                                                 \
                _tf;                                                           \
        })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
