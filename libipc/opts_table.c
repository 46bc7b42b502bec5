/* opts_table.c — the option table of every pbox subcommand (SPEC §2): long
 * and short name, how the value is checked, where it is stored, and its
 * --help text. Data only; read by opts.c and opts_help.c in the pbox
 * command and in the broker. */
#include <stddef.h>

#include "opts_internal.h"

#define NAME_OPT(type)                                                         \
        {                                                                      \
                .name = "name", .kind = OPT_STRING, .early = true,             \
                .off = offsetof(type, name), .arg = "NAME",                    \
                .help =                                                        \
                    "box name: [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, and "          \
                    "DATA_DIR/NAME/enter.sock must fit a unix socket address " \
                    "(default \"" PBOX_DEFAULT_NAME "\")"                      \
        }
#define DATA_DIR_OPT(type)                                                     \
        {                                                                      \
                .name = "data-dir", .kind = OPT_ABSPATH, .early = true,        \
                .off = offsetof(type, data_dir), .arg = "DIR",                 \
                .help = "state directory, absolute "                           \
                        "(default " PBOX_DEFAULT_DATA_DIR ")"                  \
        }

#define B(f) offsetof(struct box_config, f)
static const struct opt_def start_defs[] = {
    NAME_OPT(struct box_config),
    {.name = "rootfs",
     .kind = OPT_ROOTFS,
     .off = B(rootfs),
     .arg = "DIR",
     .help = "root filesystem of the box (required); a relative path is "
             "taken from the current directory"},
    DATA_DIR_OPT(struct box_config),
    {.name = "env",
     .kind = OPT_ENV_LIST,
     .repeat = true,
     .off = B(env),
     .arg = "LIST",
     .help = "init environment, NAME=VALUE,... (a value in double quotes "
             "may hold commas; later names replace earlier ones)"},
    {.name = "env-file",
     .kind = OPT_PATH_LIST,
     .repeat = true,
     .off = B(env_files),
     .arg = "PATH",
     .help = "also write the --env variables into the box at PATH "
             "(absolute), one NAME=\"VALUE\" line each"},
    {.name = "enter-env",
     .kind = OPT_ENV_LIST,
     .repeat = true,
     .off = B(enter_env),
     .arg = "LIST",
     .help = "variables every entered process inherits unless its "
             "request sets them; written to /etc/pbox/enter.env"},
    {.name = "file",
     .kind = OPT_FILE,
     .repeat = true,
     .off = B(files),
     .off2 = B(nfiles),
     .arg = "SRC:DST[:MODE[:UID:GID]]",
     .help = "copy host file SRC to DST in the box before init starts "
             "(MODE octal)"},
    {.name = "volume",
     .kind = OPT_MOUNTS,
     .repeat = true,
     .off = B(volumes),
     .arg = "SRC:DST[:OPT...]",
     .help = "bind mount; OPT is ro, rw, skip (SRC may be missing) or "
             "rec; SRC may be a glob; comma lists allowed"},
    {.name = "device",
     .kind = OPT_DEVICES,
     .repeat = true,
     .off = B(devices),
     .arg = "SPEC",
     .help = "device node, ';'-separated fields: path=GLOB (required), "
             "permissions=rwm, fileMode=0666, uid=N, gid=N"},
    {.name = "cap",
     .kind = OPT_CAPS,
     .off = B(caps),
     .arg = "LIST",
     .help = "capabilities the box keeps: CAP_X or X names, "
             "comma-separated, or \"all\" (default: Docker's 14, CapBnd "
             "00000000a80425fb)"},
    {.name = "no-new-privs",
     .kind = OPT_FLAG,
     .off = B(no_new_privs),
     .help = "set no_new_privs on init and every entered process"},
    {.name = "init",
     .kind = OPT_FLAG,
     .off = B(minimal_init),
     .help = "stay PID 1 as a minimal init (reap orphans, forward "
             "signals) with INIT as its child"},
    {.name = "tty",
     .short_name = 't',
     .kind = OPT_FLAG,
     .off = B(tty),
     .help = "give init a terminal allocated inside the box (not with "
             "--detach)"},
    {.name = "user",
     .kind = OPT_STRING,
     .off = B(user),
     .arg = "USER",
     .help = "init user: name, uid or uid:gid, resolved in the box's "
             "/etc/passwd (default root)"},
    {.name = "hostname",
     .kind = OPT_HOSTNAME,
     .off = B(hostname),
     .arg = "NAME",
     .help = "hostname of the box, 1 to 64 of [A-Za-z0-9.-] (default: "
             "the host's)"},
    {.name = "dns-hosts",
     .kind = OPT_DNS,
     .repeat = true,
     .off = B(dns_hosts),
     .arg = "LIST",
     .help = "host/ip,... added to the box's /etc/hosts"},
    {.name = "dns-zones",
     .kind = OPT_DNS,
     .repeat = true,
     .off = B(dns_zones),
     .arg = "LIST",
     .help = "zone/nameserver,... written to /etc/pbox/dns-zones"},
    {.name = "net",
     .kind = OPT_NET,
     .off = B(net_none),
     .arg = "host|none",
     .help = "host network (default) or a private network namespace "
             "with only loopback"},
    {.name = "selinux",
     .kind = OPT_FLAG,
     .off = B(selinux),
     .help = "SELinux labelling (ignored where SELinux is disabled)"},
    {.name = "process-label",
     .kind = OPT_STRING,
     .off = B(process_label),
     .arg = "LABEL",
     .help = "SELinux label of init"},
    {.name = "mount-label",
     .kind = OPT_STRING,
     .off = B(mount_label),
     .arg = "LABEL",
     .help = "SELinux label of the box's mounts"},
    {.name = "cpu-shares",
     .kind = OPT_UINT64,
     .off = B(cpu_shares),
     .min = 2,
     .max = 262144,
     .arg = "N",
     .help = "CPU weight, 2 to 262144 (cgroup v2: cpu.weight)"},
    {.name = "memory",
     .kind = OPT_SIZE,
     .off = B(memory),
     .arg = "BYTES",
     .help = "memory limit, with optional k, m, g or t suffix "
             "(memory.max)"},
    {.name = "pids-limit",
     .kind = OPT_UINT64,
     .off = B(pids_limit),
     .min = 1,
     .max = 4194304,
     .arg = "N",
     .help = "most processes in the box, 1 to 4194304 (pids.max)"},
    {.name = "stop-signal",
     .kind = OPT_SIGNAL,
     .off = B(stop_signal),
     .arg = "SIG",
     .help = "signal for init on stop, number or name like TERM or "
             "SIGRTMIN+3 (default SIGTERM)"},
    {.name = "stop-timeout",
     .kind = OPT_UINT,
     .off = B(stop_timeout),
     .min = 0,
     .max = 86400,
     .arg = "SEC",
     .help = "grace in seconds before the whole box is killed, 0 to "
             "86400 (default 10)"},
    {.name = "operator-group",
     .kind = OPT_STRING,
     .off = B(operator_group),
     .arg = "GROUP",
     .help = "members of GROUP may use the enter socket besides root"},
    {.name = "audit-log",
     .kind = OPT_ABSPATH,
     .off = B(audit_log),
     .arg = "PATH",
     .help = "file enterd appends one line per request to, absolute "
             "(default DATA_DIR/_log/audit)"},
    {.name = "broker-user",
     .kind = OPT_STRING,
     .early = true,
     .off = B(broker_user),
     .arg = "USER",
     .help = "unprivileged identity of the broker (default "
             "" PBOX_DEFAULT_BROKER_USER ")"},
    {.name = "detach",
     .kind = OPT_FLAG,
     .early = true,
     .off = B(detach),
     .help = "return once the box is ready; init's output goes to "
             "DATA_DIR/_log/NAME.log"},
};
#undef B

#define E(f) offsetof(struct enter_config, f)
static const struct opt_def enter_defs[] = {
    NAME_OPT(struct enter_config),
    DATA_DIR_OPT(struct enter_config),
    {.name = "tty",
     .short_name = 't',
     .kind = OPT_FLAG,
     .off = E(tty),
     .help = "give the process a terminal allocated inside the box"},
    {.name = "interactive",
     .short_name = 'i',
     .kind = OPT_FLAG,
     .off = E(interactive),
     .help = "keep stdin open (implied by -t); else stdin is /dev/null"},
    {.name = "user",
     .short_name = 'u',
     .kind = OPT_STRING,
     .off = E(user),
     .arg = "USER",
     .help = "name, uid or uid:gid in the box (default root)"},
    {.name = "env",
     .short_name = 'e',
     .kind = OPT_ENV_PAIR,
     .repeat = true,
     .off = E(env),
     .arg = "NAME=VALUE",
     .help = "one variable, VALUE taken literally; wins over "
             "the defaults and /etc/pbox/enter.env"},
    {.name = "workdir",
     .short_name = 'w',
     .kind = OPT_ABSPATH,
     .off = E(workdir),
     .arg = "DIR",
     .help = "working directory, absolute (default /)"},
    {.name = "label",
     .kind = OPT_STRING,
     .off = E(label),
     .arg = "LABEL",
     .help = "SELinux process label (default: computed for CMD)"},
};
#undef E

#define C(f) offsetof(struct cmd_config, f)
static const struct opt_def stop_defs[] = {
    NAME_OPT(struct cmd_config),
    DATA_DIR_OPT(struct cmd_config),
    {.name = "timeout",
     .kind = OPT_UINT,
     .off = C(timeout),
     .off2 = C(has_timeout),
     .off2_set = true,
     .min = 0,
     .max = 86400,
     .arg = "SEC",
     .help = "grace after the stop signal before the box is killed "
             "(default: the box's --stop-timeout)"},
};
static const struct opt_def status_defs[] = {
    NAME_OPT(struct cmd_config),
    DATA_DIR_OPT(struct cmd_config),
    {.name = "json",
     .kind = OPT_FLAG,
     .off = C(json),
     .help = "print one JSON object instead of a table"},
};
static const struct opt_def list_defs[] = {
    {.name = "name",
     .kind = OPT_STRING,
     .early = true,
     .off = C(name),
     .arg = "NAME",
     .help = "accepted and ignored: list shows every box"},
    DATA_DIR_OPT(struct cmd_config),
    {.name = "json",
     .kind = OPT_FLAG,
     .off = C(json),
     .help = "print a JSON array of status objects"},
};
static const struct opt_def plain_defs[] = {
    NAME_OPT(struct cmd_config),
    DATA_DIR_OPT(struct cmd_config),
};
#undef C

#define TABLE(a) .defs = (a), .n = sizeof(a) / sizeof((a)[0])
const struct opt_table opts_tables[OPTS_CMD_MAX] = {
    [OPTS_START] = {.cmd = "start",
                    .usage = "start [OPTIONS] [--] [INIT [ARG...]]",
                    .descr =
                        "Starts a box from a root filesystem and, by "
                        "default, stays in the foreground until its init "
                        "exits, with init's exit status (128+N when killed "
                        "by signal N). INIT is PID 1 of the box "
                        "(default " PBOX_DEFAULT_INIT
                        "); with --init a minimal init "
                        "stays PID 1 and runs INIT as its child. Init's "
                        "stdio is that of pbox start (a host terminal is "
                        "relayed through a pipe). With --detach pbox "
                        "start returns 0 once init runs and the enter "
                        "socket listens.",
                    .operands = "INIT [ARG...]  program to run as the box's "
                                "init (default " PBOX_DEFAULT_INIT ");\n"
                                "                 options after INIT are its "
                                "own",
                    TABLE(start_defs),
                    .stop_at_operand = true},
    [OPTS_ENTER] = {.cmd = "enter",
                    .usage =
                        "enter [OPTIONS] [--] CMD [ARG...]   (alias: exec)",
                    .descr = "Runs CMD inside the running box NAME and returns "
                             "its exit status. The process joins the box's "
                             "namespaces, its cgroup and its capability "
                             "bounding set; without -t it writes straight into "
                             "the caller's stdout and stderr. Its environment, "
                             "lowest first: PATH, TERM=xterm, LC_ALL=C.UTF-8 "
                             "and HOME, then /etc/pbox/enter.env, then -e.",
                    .operands = "CMD [ARG...]  program to run (required); "
                                "options after CMD are its own",
                    TABLE(enter_defs),
                    .stop_at_operand = true},
    [OPTS_STOP] = {.cmd = "stop",
                   .usage = "stop [--name NAME] [--timeout SEC]",
                   .descr = "Sends the stop signal to the box's init, "
                            "waits, then kills the box. Returns 0 once "
                            "the box is gone: mounts, cgroups, socket "
                            "and state removed.",
                   TABLE(stop_defs)},
    [OPTS_STATUS] = {.cmd = "status",
                     .usage = "status [--name NAME] [--json]",
                     .descr = "Shows the state of a box, its init, "
                              "uptime, cgroup and the live privileges "
                              "of every pbox process (read from /proc). "
                              "An operator who may not read the state "
                              "directory gets it through the box's enter "
                              "socket. A box that does not exist exits 125.",
                     TABLE(status_defs)},
    [OPTS_LIST] = {.cmd = "list",
                   .usage = "list [--json]",
                   .descr = "Shows the status of every box in DATA_DIR.",
                   TABLE(list_defs)},
    [OPTS_DEVICE] = {.cmd = "device",
                     .usage = "device add [--name NAME] SPEC  |  device "
                              "remove [--name NAME] PATH",
                     .descr = "Creates or removes a device node in a "
                              "running box.",
                     .operands = "add SPEC     "
                                 "path=GLOB;permissions=rwm;fileMode="
                                 "0666;uid=N;gid=N\n"
                                 "               (only path required)\n"
                                 "  remove PATH  absolute path of the "
                                 "node in the box",
                     TABLE(plain_defs)},
    [OPTS_CHECK] = {.cmd = "check",
                    .usage = "check",
                    .descr = "Checks the host: kernel features, cgroup "
                             "hierarchies and cgroup namespace support. "
                             "Exits 0 when a box can start.",
                    TABLE(plain_defs)},
};
