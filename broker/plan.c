/* plan.c — pbox-broker, unprivileged: turns the parsed configuration into
 * typed messages for the mounter (one per item, each answered so a
 * refusal names its item) and INIT_EXEC for initproc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "broker.h"
#include "cleanup.h"
#include "ipc.h"

static int call(struct broker *b, void *msg, char *errmsg)
{
        ((struct ipc_hdr *)msg)->id = ++b->next_id;
        return ipc_call(b->mounter_sock, IPC_ROLE_MOUNTER, msg, errmsg);
}

static int write_file(struct broker *b, const char *dst, const char *data,
                      size_t len, bool append, char *errmsg, size_t errlen)
{
        struct ipc_mnt_file_write w = {
            .hdr.type = IPC_MNT_FILE_WRITE,
            .dst = (char *)dst,
            .data = {(uint8_t *)data, len},
            .mode = 0644,
            .append = append,
        };
        int r = call(b, &w, errmsg);

        if (r == -EMSGSIZE || r == -EINVAL)
                snprintf(errmsg, errlen,
                         "%s: too large for the box (%zu "
                         "bytes)",
                         dst, len);
        return r;
}

/* A fresh random (version 4) UUID for container_uuid. */
static int make_uuid(char out[37])
{
        unsigned char u[16] = {0};

        if (getrandom(u, sizeof(u), 0) != sizeof(u))
                return -EIO;
        u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
        u[8] = (u[8] & 0x3f) | 0x80; /* RFC 4122 variant */
        snprintf(out, 37,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x",
                 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
                 u[10], u[11], u[12], u[13], u[14], u[15]);
        return 0;
}

int broker_send_plan(struct broker *b, char *errmsg, size_t errlen)
{
        const struct box_config *c = &b->cfg;
        struct ipc_mnt_config mc = {
            .hdr.type = IPC_MNT_CONFIG,
            .name = c->name,
            .rootfs = c->rootfs,
            .data_dir = c->data_dir,
            .hostname = b->hostname,
            .net_none = c->net_none,
            .selinux = c->selinux,
            .mount_label = c->mount_label ? c->mount_label : "",
            .cpu_shares = c->cpu_shares,
            .memory = c->memory,
            .pids_limit = c->pids_limit,
        };
        int r;

        if (c->hostname)
                snprintf(b->hostname, sizeof(b->hostname), "%s", c->hostname);
        else if (gethostname(b->hostname, sizeof(b->hostname) - 1) < 0)
                snprintf(b->hostname, sizeof(b->hostname), "pbox");
        r = call(b, &mc, errmsg);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->volumes.n; i++) {
                const struct pbox_mount *v = &c->volumes.v[i];
                struct ipc_mnt_volume m = {
                    .hdr.type = IPC_MNT_VOLUME,
                    .src = v->src,
                    .dst = v->dst,
                    .readonly = v->readonly,
                    .skip_if_missing = v->skip_if_missing,
                    .recursive = v->recursive,
                };

                if ((r = call(b, &m, errmsg)) < 0)
                        return r;
        }
        for (size_t i = 0; i < c->devices.n; i++) {
                const struct pbox_device *d = &c->devices.v[i];
                struct ipc_mnt_device m = {
                    .hdr.type = IPC_MNT_DEVICE,
                    .path = d->path,
                    .permissions = d->permissions,
                    .file_mode = d->has_file_mode ? (int64_t)d->file_mode : -1,
                    .uid = d->uid,
                    .gid = d->gid,
                };

                if ((r = call(b, &m, errmsg)) < 0)
                        return r;
        }
        for (size_t i = 0; i < c->nfiles; i++) {
                const struct pbox_file *f = &c->files[i];
                struct ipc_mnt_file_copy m = {
                    .hdr.type = IPC_MNT_FILE_COPY,
                    .src = f->src,
                    .dst = f->dst,
                    .mode = f->has_mode ? (int64_t)f->mode : -1,
                    .uid = f->has_owner ? (int64_t)f->uid : -1,
                    .gid = f->has_owner ? (int64_t)f->gid : -1,
                };

                if ((r = call(b, &m, errmsg)) < 0)
                        return r;
        }
        if (c->env_files && c->env_files[0]) {
                size_t len = 0;
                _cleanup_free_ char *data = pbox_env_file_format(&c->env, &len);

                if (!data)
                        return -ENOMEM;
                for (char **p = c->env_files; *p; p++)
                        if ((r = write_file(b, *p, data, len, false, errmsg,
                                            errlen)) < 0)
                                return r;
        }
        if (c->enter_env.n) {
                size_t len = 0;
                _cleanup_free_ char *data =
                    pbox_env_file_format(&c->enter_env, &len);

                if (!data)
                        return -ENOMEM;
                if ((r = write_file(b, "/etc/pbox/enter.env", data, len, false,
                                    errmsg, errlen)) < 0)
                        return r;
        }
        if (c->dns_hosts.n) {
                _cleanup_free_ char *data =
                    pbox_dns_hosts_format(&c->dns_hosts);

                if (!data)
                        return -ENOMEM;
                if ((r = write_file(b, "/etc/hosts", data, strlen(data), true,
                                    errmsg, errlen)) < 0)
                        return r;
        }
        if (c->dns_zones.n) {
                _cleanup_free_ char *data =
                    pbox_dns_zones_format(&c->dns_zones);

                if (!data)
                        return -ENOMEM;
                if ((r = write_file(b, "/etc/pbox/dns-zones", data,
                                    strlen(data), false, errmsg, errlen)) < 0)
                        return r;
        }
        return 0;
}

int broker_create_box(struct broker *b, char *errmsg, size_t errlen)
{
        struct ipc_mnt_create req = {.hdr.type = IPC_MNT_CREATE, .hdr.nfds = 4};
        _cleanup_msg_ void *reply = NULL;
        struct ipc_hdr *h;
        int sv[2];
        int r;

        r = make_uuid(b->uuid);
        if (r < 0) {
                snprintf(errmsg, errlen, "container_uuid: no randomness");
                return r;
        }
        req.uuid = b->uuid;
        r = ipc_socketpair(sv);
        if (r < 0)
                return r;
        req.hdr.id = ++b->next_id;
        req.hdr.fds[0] = sv[1];
        for (int i = 0; i < 3; i++)
                req.hdr.fds[i + 1] = b->stdio[i];
        r = ipc_send(b->mounter_sock, &req);
        close(sv[1]);
        if (r >= 0)
                r = ipc_recv(b->mounter_sock, IPC_ROLE_MOUNTER, &reply);
        if (r < 0) {
                close(sv[0]);
                snprintf(errmsg, errlen, "mounter: %s", strerror(-r));
                return r;
        }
        h = reply;
        if (h->type == IPC_REPLY) {
                struct ipc_reply *rep = reply;

                close(sv[0]);
                snprintf(errmsg, errlen, "%s", rep->msg);
                return rep->err < 0 ? (int)rep->err : -EPROTO;
        }
        if (h->type != IPC_MNT_CREATED) {
                close(sv[0]);
                snprintf(errmsg, errlen, "mounter: unexpected reply");
                return -EPROTO;
        }
        b->init_pid = (pid_t)((struct ipc_mnt_created *)reply)->init_pid;
        b->cgroup = strdup(((struct ipc_mnt_created *)reply)->cgroup);
        b->init_sock = sv[0];
        b->started = time(NULL);
        return 0;
}

int broker_exec_init(struct broker *b, char *errmsg, size_t errlen)
{
        struct box_config *c = &b->cfg;
        _cleanup_strv_free_ char **env = NULL;
        struct ipc_init_exec m = {
            .hdr.type = IPC_INIT_EXEC,
            .hdr.id = ++b->next_id,
            .args = c->init_args,
            .user = c->user ? c->user : "root",
            .caps = c->caps,
            .no_new_privs = c->no_new_privs,
            .minimal_init = c->minimal_init,
            .tty = c->tty,
            .label = c->process_label ? c->process_label : "",
        };
        int r;

        if (!pbox_env_vars_get(&c->env, "PATH"))
                (void)pbox_env_vars_upsert(
                    &c->env, "PATH",
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                    "/sbin:/bin");
        if (pbox_env_vars_upsert(&c->env, "container", "pbox") < 0 ||
            pbox_env_vars_upsert(&c->env, "container_uuid", b->uuid) < 0)
                return -ENOMEM;
        env = pbox_env_vars_environ(&c->env);
        if (!env)
                return -ENOMEM;
        m.env = env;
        r = ipc_send(b->init_sock, &m);
        if (r < 0)
                snprintf(errmsg, errlen, "send INIT to initproc: %s",
                         strerror(-r));
        return r;
}
