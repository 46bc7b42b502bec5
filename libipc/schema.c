/* schema.c — the one table of every pbox message: who sends it, its fds,
 * its fields in wire order with their types and limits. Both the encoder
 * and the decoder (codec.c) are driven by it; the C structs are in ipc.h
 * and every entry below is type-checked against them at compile time.
 * Linked into every pbox process. */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* A compile error unless member f of struct S has C type T. */
#define CHK_(S, f, T)                                                          \
        (0 * sizeof(char[1 - 2 * !__builtin_types_compatible_p(                \
                                     __typeof__(((struct S *)0)->f), T)]))
#define OFF_(S, f, T) (offsetof(struct S, f) + CHK_(S, f, T))

#define U64(S, f, lo, hi)                                                      \
        {                                                                      \
#f, IPC_T_U64, OFF_(S, f, uint64_t), (lo), (hi), 0             \
        }
#define I64(S, f, lo, hi)                                                      \
        {                                                                      \
#f, IPC_T_I64, OFF_(S, f, int64_t), (uint64_t)(int64_t)(lo),   \
                    (uint64_t)(int64_t)(hi), 0                                 \
        }
#define BOOL(S, f)                                                             \
        {                                                                      \
#f, IPC_T_BOOL, OFF_(S, f, bool), 0, 1, 0                      \
        }
#define STR(S, f, maxlen)                                                      \
        {                                                                      \
#f, IPC_T_STR, OFF_(S, f, char *), 0, (maxlen), 0              \
        }
#define BIN(S, f, maxlen)                                                      \
        {                                                                      \
#f, IPC_T_BIN, OFF_(S, f, struct ipc_bin), 0, (maxlen), 0      \
        }
#define STRV(S, f, lo, hi, elem)                                               \
        {                                                                      \
#f, IPC_T_STRV, OFF_(S, f, char **), (lo), (hi), (elem)        \
        }

#define NAME_MAX_  64
#define LABEL_MAX_ 1024
#define UID_MAX_   UINT64_C(0xfffffffe)

static const struct ipc_field f_reply[] = {
    I64(ipc_reply, err, -4095, 0),
    STR(ipc_reply, msg, IPC_ERRMSG_MAX),
};
static const struct ipc_field f_mnt_config[] = {
    STR(ipc_mnt_config, name, NAME_MAX_),
    STR(ipc_mnt_config, rootfs, IPC_PATH_MAX),
    STR(ipc_mnt_config, data_dir, IPC_PATH_MAX),
    STR(ipc_mnt_config, hostname, NAME_MAX_),
    BOOL(ipc_mnt_config, net_none),
    BOOL(ipc_mnt_config, selinux),
    STR(ipc_mnt_config, mount_label, LABEL_MAX_),
    U64(ipc_mnt_config, cpu_shares, 0, 262144),
    U64(ipc_mnt_config, memory, 0, INT64_MAX),
    U64(ipc_mnt_config, pids_limit, 0, INT64_MAX),
};
static const struct ipc_field f_mnt_volume[] = {
    STR(ipc_mnt_volume, src, IPC_PATH_MAX),
    STR(ipc_mnt_volume, dst, IPC_PATH_MAX),
    BOOL(ipc_mnt_volume, readonly),
    BOOL(ipc_mnt_volume, skip_if_missing),
    BOOL(ipc_mnt_volume, recursive),
};
static const struct ipc_field f_mnt_device[] = {
    STR(ipc_mnt_device, path, IPC_PATH_MAX),
    STR(ipc_mnt_device, permissions, 3),
    I64(ipc_mnt_device, file_mode, -1, 07777),
    U64(ipc_mnt_device, uid, 0, UID_MAX_),
    U64(ipc_mnt_device, gid, 0, UID_MAX_),
};
static const struct ipc_field f_mnt_device_remove[] = {
    STR(ipc_mnt_device_remove, path, IPC_PATH_MAX),
};
static const struct ipc_field f_mnt_file_copy[] = {
    STR(ipc_mnt_file_copy, src, IPC_PATH_MAX),
    STR(ipc_mnt_file_copy, dst, IPC_PATH_MAX),
    I64(ipc_mnt_file_copy, mode, -1, 07777),
    I64(ipc_mnt_file_copy, uid, -1, UID_MAX_),
    I64(ipc_mnt_file_copy, gid, -1, UID_MAX_),
};
static const struct ipc_field f_mnt_file_write[] = {
    STR(ipc_mnt_file_write, dst, IPC_PATH_MAX),
    BIN(ipc_mnt_file_write, data, 60 * 1024),
    U64(ipc_mnt_file_write, mode, 0, 07777),
    BOOL(ipc_mnt_file_write, append),
};
static const struct ipc_field f_mnt_create[] = {
    STR(ipc_mnt_create, uuid, 36),
};
static const struct ipc_field f_mnt_created[] = {
    U64(ipc_mnt_created, init_pid, 1, INT32_MAX),
    STR(ipc_mnt_created, cgroup, IPC_PATH_MAX),
};
static const struct ipc_field f_mnt_signal[] = {
    U64(ipc_mnt_signal, sig, 1, 64),
};
static const struct ipc_field f_mnt_init_exit[] = {
    U64(ipc_mnt_init_exit, status, 0, 0xffff),
};
static const struct ipc_field f_init_exec[] = {
    STRV(ipc_init_exec, args, 1, IPC_ARGS_MAX, IPC_ARG_MAX),
    STRV(ipc_init_exec, env, 0, IPC_ARGS_MAX, IPC_ARG_MAX),
    STR(ipc_init_exec, user, 256),
    U64(ipc_init_exec, caps, 0, UINT64_MAX),
    BOOL(ipc_init_exec, no_new_privs),
    BOOL(ipc_init_exec, minimal_init),
    BOOL(ipc_init_exec, tty),
    STR(ipc_init_exec, label, LABEL_MAX_),
};
static const struct ipc_field f_init_started[] = {
    U64(ipc_init_started, pid, 1, INT32_MAX),
};

static const struct ipc_field f_enterd_config[] = {
    STR(ipc_enterd_config, name, NAME_MAX_),
    U64(ipc_enterd_config, init_pid, 1, INT32_MAX),
    U64(ipc_enterd_config, caps, 0, UINT64_MAX),
    BOOL(ipc_enterd_config, no_new_privs),
    I64(ipc_enterd_config, operator_gid, -1, UID_MAX_),
    STR(ipc_enterd_config, audit_log, IPC_PATH_MAX),
};
/* A request from an operator: bounded to what fits a frame. */
static const struct ipc_field f_enter_req[] = {
    STRV(ipc_enter_req, args, 1, 1024, 8192),
    STRV(ipc_enter_req, env, 0, 256, 8192),
    STR(ipc_enter_req, user, 256),
    STR(ipc_enter_req, workdir, IPC_PATH_MAX),
    STR(ipc_enter_req, label, LABEL_MAX_),
    BOOL(ipc_enter_req, tty),
    BOOL(ipc_enter_req, interactive),
    U64(ipc_enter_req, rows, 0, 65535),
    U64(ipc_enter_req, cols, 0, 65535),
};
static const struct ipc_field f_enter_started[] = {
    U64(ipc_enter_started, pid, 1, INT32_MAX),
};
static const struct ipc_field f_enter_signal[] = {
    U64(ipc_enter_signal, sig, 1, 64),
};
static const struct ipc_field f_enter_exit[] = {
    U64(ipc_enter_exit, status, 0, 255),
};
static const struct ipc_field f_op_stop[] = {
    I64(ipc_op_stop, timeout, -1, 86400),
};
static const struct ipc_field f_op_device_add[] = {
    STR(ipc_op_device_add, spec, IPC_PATH_MAX),
};
static const struct ipc_field f_op_device_remove[] = {
    STR(ipc_op_device_remove, path, IPC_PATH_MAX),
};
static const struct ipc_field f_op_state[] = {
    STR(ipc_op_state, text, IPC_STATE_MAX),
};
static const struct ipc_field f_spawn_config[] = {
    STR(ipc_spawn_config, name, NAME_MAX_),
    U64(ipc_spawn_config, init_pid, 1, INT32_MAX),
    U64(ipc_spawn_config, caps, 0, UINT64_MAX),
    BOOL(ipc_spawn_config, no_new_privs),
    I64(ipc_spawn_config, operator_gid, -1, UID_MAX_),
    STR(ipc_spawn_config, audit_log, IPC_PATH_MAX),
};
static const struct ipc_field f_spawn_req[] = {
    U64(ipc_spawn_req, conn, 1, UINT32_MAX),
    STRV(ipc_spawn_req, args, 1, 1024, 8192),
    STRV(ipc_spawn_req, env, 0, 256, 8192),
    STR(ipc_spawn_req, user, 256),
    STR(ipc_spawn_req, workdir, IPC_PATH_MAX),
    STR(ipc_spawn_req, label, LABEL_MAX_),
    BOOL(ipc_spawn_req, tty),
    U64(ipc_spawn_req, rows, 0, 65535),
    U64(ipc_spawn_req, cols, 0, 65535),
};
static const struct ipc_field f_spawn_started[] = {
    U64(ipc_spawn_started, conn, 1, UINT32_MAX),
    U64(ipc_spawn_started, pid, 1, INT32_MAX),
};
static const struct ipc_field f_spawn_tty[] = {
    U64(ipc_spawn_tty, conn, 1, UINT32_MAX),
};
static const struct ipc_field f_spawn_exit[] = {
    U64(ipc_spawn_exit, conn, 1, UINT32_MAX),
    U64(ipc_spawn_exit, status, 0, 255),
    I64(ipc_spawn_exit, err, -4095, 0),
    STR(ipc_spawn_exit, msg, IPC_ERRMSG_MAX),
};
static const struct ipc_field f_spawn_signal[] = {
    U64(ipc_spawn_signal, conn, 1, UINT32_MAX),
    U64(ipc_spawn_signal, sig, 1, 64),
};
static const struct ipc_field f_spawn_hangup[] = {
    U64(ipc_spawn_hangup, conn, 1, UINT32_MAX),
};

#define B IPC_ROLE_BROKER
#define E IPC_ROLE_ENTERD
#define C IPC_ROLE_CLIENT
#define S IPC_ROLE_SPAWNER
#define ANY                                                                    \
        (IPC_ROLE_BROKER | IPC_ROLE_MOUNTER | IPC_ROLE_INITPROC |              \
         IPC_ROLE_ENTERD | IPC_ROLE_SPAWNER | IPC_ROLE_CLIENT)
#define DEF(T, S, snd, nfd, F)                                                 \
        [T] = {T, #T, (snd), (nfd), sizeof(struct S), (F), ELEMS_(F)}
#define DEF0(T, S, snd, nfd)                                                   \
        [T] = {T, #T, (snd), (nfd), sizeof(struct S), NULL, 0}
#define ELEMS_(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static const struct ipc_msgdef schema[IPC_TYPE_MAX] = {
    DEF(IPC_REPLY, ipc_reply, ANY, 0, f_reply),
    DEF(IPC_MNT_CONFIG, ipc_mnt_config, B, 0, f_mnt_config),
    DEF(IPC_MNT_VOLUME, ipc_mnt_volume, B, 0, f_mnt_volume),
    DEF(IPC_MNT_DEVICE, ipc_mnt_device, B | E, 0, f_mnt_device),
    DEF(IPC_MNT_FILE_COPY, ipc_mnt_file_copy, B, 0, f_mnt_file_copy),
    DEF(IPC_MNT_FILE_WRITE, ipc_mnt_file_write, B, 0, f_mnt_file_write),
    DEF(IPC_MNT_CREATE, ipc_mnt_create, B, 4, f_mnt_create),
    DEF(IPC_MNT_CREATED, ipc_mnt_created, IPC_ROLE_MOUNTER, 0, f_mnt_created),
    DEF(IPC_MNT_SIGNAL, ipc_mnt_signal, B, 0, f_mnt_signal),
    DEF0(IPC_MNT_KILL, ipc_mnt_kill, B, 0),
    DEF(IPC_MNT_INIT_EXIT, ipc_mnt_init_exit, IPC_ROLE_MOUNTER, 0,
        f_mnt_init_exit),
    DEF(IPC_MNT_DEVICE_REMOVE, ipc_mnt_device_remove, B | E, 0,
        f_mnt_device_remove),
    DEF(IPC_INIT_EXEC, ipc_init_exec, B, 0, f_init_exec),
    DEF0(IPC_INIT_TTY, ipc_init_tty, IPC_ROLE_INITPROC, 1),
    DEF(IPC_INIT_STARTED, ipc_init_started, IPC_ROLE_INITPROC, 0,
        f_init_started),
    DEF(IPC_ENTERD_CONFIG, ipc_enterd_config, B, 0, f_enterd_config),
    DEF(IPC_ENTER_REQ, ipc_enter_req, C, 3, f_enter_req),
    DEF(IPC_ENTER_STARTED, ipc_enter_started, E, 0, f_enter_started),
    DEF0(IPC_ENTER_TTY, ipc_enter_tty, E, 1),
    DEF(IPC_ENTER_SIGNAL, ipc_enter_signal, C, 0, f_enter_signal),
    DEF(IPC_ENTER_EXIT, ipc_enter_exit, E, 0, f_enter_exit),
    DEF(IPC_OP_STOP, ipc_op_stop, C | E, 0, f_op_stop),
    DEF(IPC_OP_DEVICE_ADD, ipc_op_device_add, C, 0, f_op_device_add),
    DEF(IPC_OP_DEVICE_REMOVE, ipc_op_device_remove, C, 0, f_op_device_remove),
    DEF(IPC_SPAWN_CONFIG, ipc_spawn_config, E, 0, f_spawn_config),
    DEF0(IPC_SPAWN_READY, ipc_spawn_ready, S, 1),
    DEF(IPC_SPAWN_REQ, ipc_spawn_req, E, 3, f_spawn_req),
    DEF(IPC_SPAWN_STARTED, ipc_spawn_started, S, 0, f_spawn_started),
    DEF(IPC_SPAWN_TTY, ipc_spawn_tty, S, 1, f_spawn_tty),
    DEF(IPC_SPAWN_EXIT, ipc_spawn_exit, S, 0, f_spawn_exit),
    DEF(IPC_SPAWN_SIGNAL, ipc_spawn_signal, E, 0, f_spawn_signal),
    DEF(IPC_SPAWN_HANGUP, ipc_spawn_hangup, E, 0, f_spawn_hangup),
    DEF(IPC_LAUNCH_REQ, ipc_spawn_req, S, 4, f_spawn_req),
    DEF0(IPC_MNT_STATE_HELD, ipc_mnt_state_held, B, 0),
    DEF0(IPC_OP_STATUS, ipc_op_status, C | E, 0),
    DEF(IPC_OP_STATE, ipc_op_state, B | E, 0, f_op_state),
};

const struct ipc_msgdef *ipc_schema_lookup(unsigned type)
{
        if (type == 0 || type >= IPC_TYPE_MAX || !schema[type].name)
                return NULL;
        return &schema[type];
}
