/* config_util.h — pieces shared by the parsers of the configuration
 * language (libipc/config_*.c): the one-line error format, numeric fields
 * and box paths. Internal to libipc. Return convention: 0 or -errno. */
#ifndef PBOX_CONFIG_UTIL_H
#define PBOX_CONFIG_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "pbox.h"

/* Writes `PREFIX "TOKEN"` and, when fmt is given, `: WHY` into err as one
 * line: tok[0..len) cut at 120 bytes, control bytes shown as '?'. Returns
 * r, so a parser can `return config_fail(...)`. err may be NULL. */
int config_fail(char err[PBOX_ERR_LEN], int r, const char *prefix,
                const char *tok, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Octal permission bits p[0..len), at most 07777. */
int config_octal_mode(const char *p, size_t len, uint32_t *ret);
/* Decimal uid/gid p[0..len): -EINVAL unless digits, -ERANGE above
 * 4294967294 ((uid_t)-1 means "unchanged" to the kernel). */
int config_id(const char *p, size_t len, uint32_t *ret);
/* Normalise an absolute path inside the box p[0..len): duplicate slashes
 * and "." go, ".." is refused (a destination must not climb), no trailing
 * slash, and "/" itself is refused (nothing goes over the box's root).
 * On -EINVAL *ret_why says why; *ret is malloc'd. */
int config_box_path(const char *p, size_t len, char **ret,
                    const char **ret_why);

#endif
