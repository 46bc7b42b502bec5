/* config_device.c — --device specs (SPEC §4.3; Planet's Devices):
 * `path=GLOB;permissions=rwm;fileMode=0666;uid=N;gid=N`. Parsed
 * unprivileged by the pbox command and the broker; the mounter receives
 * only the parsed result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_util.h"
#include "pbox.h"

/* `bad device "TOKEN": WHY` (config_util.c). */
#define device_fail(err, tok, ...)                                             \
        config_fail(err, -EINVAL, "bad device", tok, strlen(tok), __VA_ARGS__)

enum device_key {
        KEY_PATH,
        KEY_PERMISSIONS,
        KEY_FILE_MODE,
        KEY_UID,
        KEY_GID,
        KEY_MAX,
};

static const char *const device_keys[KEY_MAX] = {
    [KEY_PATH] = "path",
    [KEY_PERMISSIONS] = "permissions",
    [KEY_FILE_MODE] = "fileMode",
    [KEY_UID] = "uid",
    [KEY_GID] = "gid",
};

static int device_key_lookup(const char *k, size_t len)
{
        for (int i = 0; i < KEY_MAX; i++)
                if (strlen(device_keys[i]) == len &&
                    memcmp(device_keys[i], k, len) == 0)
                        return i;
        return -EINVAL;
}

/* A non-empty subset of "rwm", each letter at most once. */
static bool device_perms_valid(const char *v, size_t len)
{
        bool seen[3] = {false, false, false};

        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                const char *c = v[i] ? memchr("rwm", v[i], 3) : NULL;

                if (!c || seen[c - "rwm"])
                        return false;
                seen[c - "rwm"] = true;
        }
        return true;
}

static void device_clear(struct pbox_device *dev)
{
        free(dev->path);
        free(dev->permissions);
        *dev = (struct pbox_device){0};
}

/* One key=value item; *dev accumulates, seen[] catches repeated keys. */
static int device_item_apply(const char *spec, const char *item, size_t len,
                             bool seen[KEY_MAX], struct pbox_device *dev,
                             char err[PBOX_ERR_LEN])
{
        const char *eq = memchr(item, '=', len), *v;
        size_t klen, vlen;
        int key;

        if (!eq)
                return device_fail(err, spec, "item \"%.*s\" has no '='",
                                   (int)(len > 32 ? 32 : len), item);
        klen = (size_t)(eq - item);
        v = eq + 1;
        vlen = len - klen - 1;
        key = device_key_lookup(item, klen);
        if (key < 0)
                return device_fail(err, spec, "unknown key \"%.*s\"",
                                   (int)(klen > 32 ? 32 : klen), item);
        if (seen[key])
                return device_fail(err, spec, "key \"%s\" given twice",
                                   device_keys[key]);
        seen[key] = true;
        switch ((enum device_key)key) {
        case KEY_PATH:
                if (vlen == 0 || v[0] != '/')
                        return device_fail(err, spec,
                                           "path is not an absolute path");
                dev->path = strndup(v, vlen);
                if (!dev->path)
                        return -ENOMEM;
                break;
        case KEY_PERMISSIONS:
                if (!device_perms_valid(v, vlen))
                        return device_fail(err, spec,
                                           "permissions \"%.*s\" are not a "
                                           "non-empty subset of \"rwm\"",
                                           (int)(vlen > 16 ? 16 : vlen), v);
                free(dev->permissions);
                dev->permissions = strndup(v, vlen);
                if (!dev->permissions)
                        return -ENOMEM;
                break;
        case KEY_FILE_MODE:
                if (config_octal_mode(v, vlen, &dev->file_mode) < 0)
                        return device_fail(err, spec,
                                           "fileMode \"%.*s\" is not octal "
                                           "0..07777",
                                           (int)(vlen > 16 ? 16 : vlen), v);
                dev->has_file_mode = true;
                break;
        case KEY_UID:
        case KEY_GID:
                if (config_id(v, vlen, key == KEY_UID ? &dev->uid : &dev->gid) <
                    0)
                        return device_fail(err, spec,
                                           "%s \"%.*s\" is not a number "
                                           "0..4294967294",
                                           device_keys[key],
                                           (int)(vlen > 16 ? 16 : vlen), v);
                break;
        case KEY_MAX:
                break;
        }
        return 0;
}

int pbox_devices_set(struct pbox_devices *d, const char *spec,
                     char err[PBOX_ERR_LEN])
{
        struct pbox_device dev = {0};
        bool seen[KEY_MAX] = {false};
        const char *p;
        int r;

        if (!d || !spec)
                return -EINVAL;
        if (!*spec)
                return device_fail(err, spec, "empty");
        for (p = spec;;) {
                const char *semi = strchr(p, ';');
                size_t len = semi ? (size_t)(semi - p) : strlen(p);

                if (len == 0) {
                        r = device_fail(err, spec, "empty item");
                        goto fail;
                }
                r = device_item_apply(spec, p, len, seen, &dev, err);
                if (r < 0)
                        goto fail;
                if (!semi || semi[1] == '\0')
                        break; /* one trailing ';' is ignored */
                p = semi + 1;
        }
        if (!seen[KEY_PATH]) {
                r = device_fail(err, spec, "missing path");
                goto fail;
        }
        if (!dev.permissions) {
                dev.permissions = strdup("rwm");
                if (!dev.permissions) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (d->n == d->cap) {
                size_t ncap = d->cap ? d->cap * 2 : 4;
                struct pbox_device *nv = reallocarray(d->v, ncap, sizeof(*nv));

                if (!nv) {
                        r = -ENOMEM;
                        goto fail;
                }
                d->v = nv;
                d->cap = ncap;
        }
        d->v[d->n++] = dev;
        return 0;
fail:
        device_clear(&dev);
        return r;
}

void pbox_devices_free(struct pbox_devices *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++)
                device_clear(&d->v[i]);
        free(d->v);
        *d = (struct pbox_devices){0};
}
