/* check_opts.c — unit tests for the command lines of pbox (libipc/opts.c,
 * opts_table.c, opts_help.c): every option of every subcommand, defaults,
 * PBOX_* environment defaults and their precedence, every error naming its
 * option, name rules, OPTS_EARLY, operands, enter's literal -e and --help. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "opts.h"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
/* Parse a literal command line: START(flags, &cfg, err, "start", ...). */
#define START(fl, c, e, ...)                                                   \
        opts_parse_start(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), fl, c, e)
#define ENTER(c, e, ...)                                                       \
        opts_parse_enter(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), c, e)
#define CMD(k, c, e, ...)                                                      \
        opts_parse_cmd(k, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), c, e)

extern char **environ;

/* Runs in each forked test: no PBOX_* from the caller's environment. */
static void env_clear(void)
{
        for (;;) {
                char **e, name[256];
                size_t n;

                for (e = environ; *e && strncmp(*e, "PBOX_", 5) != 0; e++)
                        ;
                if (!*e)
                        return;
                n = strcspn(*e, "=");
                ck_assert_uint_lt(n, sizeof(name));
                memcpy(name, *e, n);
                name[n] = '\0';
                ck_assert_int_eq(unsetenv(name), 0);
        }
}

/* An error line: one line, no trailing period, mentioning want. */
static void err_check(int r, const char *err, const char *want)
{
        size_t n = strlen(err);

        ck_assert_msg(r == -EINVAL, "r = %d, err \"%s\"", r, err);
        ck_assert_msg(strstr(err, want), "err \"%s\" lacks \"%s\"", err, want);
        ck_assert_uint_gt(n, 0);
        ck_assert_uint_lt(n, PBOX_ERR_LEN);
        ck_assert_ptr_null(strchr(err, '\n'));
        ck_assert_int_ne(err[n - 1], '.');
}

START_TEST(test_start_defaults)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";

        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "/r"), 0);
        ck_assert_str_eq(c.name, "default");
        ck_assert_str_eq(c.data_dir, "/run/pbox");
        ck_assert_str_eq(c.broker_user, "nobody");
        ck_assert_str_eq(c.rootfs, "/r");
        ck_assert_str_eq(c.user, "root");
        ck_assert_uint_eq(c.caps, PBOX_CAPS_DEFAULT);
        ck_assert_int_eq(c.stop_signal, SIGTERM);
        ck_assert_uint_eq(c.stop_timeout, 10);
        ck_assert_str_eq(c.init_args[0], "/sbin/init");
        ck_assert_ptr_null(c.init_args[1]);
        ck_assert(!c.detach && !c.tty && !c.no_new_privs && !c.minimal_init);
        ck_assert(!c.net_none && !c.selinux);
        ck_assert_ptr_null(c.hostname);
        ck_assert_ptr_null(c.process_label);
        ck_assert_ptr_null(c.mount_label);
        ck_assert_ptr_null(c.operator_group);
        ck_assert_ptr_null(c.audit_log);
        ck_assert_ptr_null(c.env_files);
        ck_assert_uint_eq(c.env.n + c.enter_env.n + c.nfiles + c.volumes.n +
                              c.devices.n + c.dns_hosts.n + c.dns_zones.n,
                          0);
        ck_assert_uint_eq(c.cpu_shares + c.memory + c.pids_limit, 0);
        box_config_free(&c);
        box_config_free(&c); /* zeroed: a second free is harmless */
        box_config_free(NULL);
}
END_TEST

START_TEST(test_start_every_option)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";
        int r;

        r = START(0, &c, err, "start", "--name", "web-1.x", "--rootfs",
                  "/srv/root", "--data-dir", "/var/pbox", "--env", "A=1,B=2",
                  "--env-file", "/etc/a.env", "--env-file", "/etc/b.env",
                  "--enter-env", "http_proxy=http://p:3128", "--file",
                  "/etc/hosts:/etc/hosts.host:0644", "--volume",
                  "/a:/b:ro,/c:/d", "--device", "path=/dev/null;uid=5", "--cap",
                  "CAP_CHOWN,KILL", "--no-new-privs", "--init", "--tty",
                  "--user", "1000:1000", "--hostname", "box.local",
                  "--dns-hosts", "h/1.2.3.4", "--dns-zones", "z/5.6.7.8",
                  "--net", "none", "--selinux", "--process-label", "pl",
                  "--mount-label", "ml", "--cpu-shares", "512", "--memory",
                  "64m", "--pids-limit", "100", "--stop-signal", "SIGRTMIN+3",
                  "--stop-timeout=0", "--operator-group", "ops", "--audit-log",
                  "/var/log/audit", "--broker-user", "pbox", "/bin/sh", "-c",
                  "x");
        ck_assert_msg(r == 0, "%d %s", r, err);
        ck_assert_str_eq(c.name, "web-1.x");
        ck_assert_str_eq(c.rootfs, "/srv/root");
        ck_assert_str_eq(c.data_dir, "/var/pbox");
        ck_assert_uint_eq(c.env.n, 2);
        ck_assert_str_eq(pbox_env_vars_get(&c.env, "B"), "2");
        ck_assert_str_eq(c.env_files[0], "/etc/a.env");
        ck_assert_str_eq(c.env_files[1], "/etc/b.env");
        ck_assert_ptr_null(c.env_files[2]);
        ck_assert_str_eq(pbox_env_vars_get(&c.enter_env, "http_proxy"),
                         "http://p:3128");
        ck_assert_uint_eq(c.nfiles, 1);
        ck_assert_str_eq(c.files[0].dst, "/etc/hosts.host");
        ck_assert(c.files[0].has_mode && c.files[0].mode == 0644);
        ck_assert_uint_eq(c.volumes.n, 2);
        ck_assert(c.volumes.v[0].readonly && !c.volumes.v[1].readonly);
        ck_assert_uint_eq(c.devices.n, 1);
        ck_assert_uint_eq(c.devices.v[0].uid, 5);
        ck_assert_uint_eq(c.caps, (1u << 0) | (1u << 5)); /* CHOWN, KILL */
        ck_assert(c.no_new_privs && c.minimal_init && c.tty && !c.detach);
        ck_assert_str_eq(c.user, "1000:1000");
        ck_assert_str_eq(c.hostname, "box.local");
        ck_assert_uint_eq(c.dns_hosts.n, 1);
        ck_assert_str_eq(c.dns_hosts.v[0].key, "h");
        ck_assert_uint_eq(c.dns_zones.n, 1);
        ck_assert_str_eq(c.dns_zones.v[0].val, "5.6.7.8");
        ck_assert(c.net_none && c.selinux);
        ck_assert_str_eq(c.process_label, "pl");
        ck_assert_str_eq(c.mount_label, "ml");
        ck_assert_uint_eq(c.cpu_shares, 512);
        ck_assert_uint_eq(c.memory, 64u << 20);
        ck_assert_uint_eq(c.pids_limit, 100);
        ck_assert_int_eq(c.stop_signal, SIGRTMIN + 3);
        ck_assert_uint_eq(c.stop_timeout, 0);
        ck_assert_str_eq(c.operator_group, "ops");
        ck_assert_str_eq(c.audit_log, "/var/log/audit");
        ck_assert_str_eq(c.broker_user, "pbox");
        ck_assert_str_eq(c.init_args[0], "/bin/sh");
        ck_assert_str_eq(c.init_args[2], "x");
        ck_assert_ptr_null(c.init_args[3]);
        box_config_free(&c);

        r = START(0, &c, err, "start", "--rootfs", "/r", "--net", "host",
                  "--detach", "--cap", "all");
        ck_assert_msg(r == 0, "%s", err);
        ck_assert(!c.net_none && c.detach);
        ck_assert_uint_gt(c.caps, PBOX_CAPS_DEFAULT);
        box_config_free(&c);
}
END_TEST

START_TEST(test_start_rootfs_relative)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";

        ck_assert_int_eq(chdir("/tmp"), 0);
        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "./a//b/."), 0);
        ck_assert_str_eq(c.rootfs, "/tmp/a/b");
        box_config_free(&c);
        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs=."), 0);
        ck_assert_str_eq(c.rootfs, "/tmp");
        box_config_free(&c);
        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "/x/../y/"), 0);
        ck_assert_str_eq(c.rootfs, "/x/../y");
        box_config_free(&c);
}
END_TEST

START_TEST(test_start_env_defaults)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";

        setenv("PBOX_ROOTFS", "/env/root", 1);
        setenv("PBOX_DATA_DIR", "/env/data", 1);
        setenv("PBOX_NAME", "envbox", 1);
        setenv("PBOX_STOP_TIMEOUT", "33", 1);
        setenv("PBOX_STOP_SIGNAL", "kill", 1);
        setenv("PBOX_NO_NEW_PRIVS", "1", 1);
        setenv("PBOX_DETACH", "yes", 1);
        setenv("PBOX_NET", "none", 1);
        setenv("PBOX_CPU_SHARES", "2", 1);
        setenv("PBOX_MEMORY", "1g", 1);
        setenv("PBOX_PIDS_LIMIT", "9", 1);
        setenv("PBOX_HOSTNAME", "h", 1);
        setenv("PBOX_OPERATOR_GROUP", "wheel", 1);
        setenv("PBOX_BROKER_USER", "daemon", 1);
        setenv("PBOX_USER", "", 1); /* empty: unset, the default applies */
        ck_assert_msg(START(0, &c, err, "start") == 0, "%s", err);
        ck_assert_str_eq(c.rootfs, "/env/root");
        ck_assert_str_eq(c.data_dir, "/env/data");
        ck_assert_str_eq(c.name, "envbox");
        ck_assert_uint_eq(c.stop_timeout, 33);
        ck_assert_int_eq(c.stop_signal, SIGKILL);
        ck_assert(c.no_new_privs && c.detach && c.net_none);
        ck_assert_uint_eq(c.cpu_shares, 2);
        ck_assert_uint_eq(c.memory, 1u << 30);
        ck_assert_uint_eq(c.pids_limit, 9);
        ck_assert_str_eq(c.hostname, "h");
        ck_assert_str_eq(c.operator_group, "wheel");
        ck_assert_str_eq(c.broker_user, "daemon");
        ck_assert_str_eq(c.user, "root");
        box_config_free(&c);
}
END_TEST

/* The command line wins over PBOX_*, and a bad PBOX_* value that the
 * command line overrides is never read. */
START_TEST(test_start_cli_wins)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";
        int r;

        setenv("PBOX_ROOTFS", "/env/root", 1);
        setenv("PBOX_STOP_TIMEOUT", "5", 1);
        setenv("PBOX_CPU_SHARES", "bogus", 1);
        setenv("PBOX_NAME", "_bad", 1);
        setenv("PBOX_NO_NEW_PRIVS", "0", 1);
        setenv("PBOX_TTY", "maybe", 1);
        r = START(0, &c, err, "start", "--rootfs", "/cli", "--stop-timeout",
                  "7", "--cpu-shares", "100", "--name", "n", "--no-new-privs",
                  "-t");
        ck_assert_msg(r == 0, "%s", err);
        ck_assert_str_eq(c.rootfs, "/cli");
        ck_assert_uint_eq(c.stop_timeout, 7);
        ck_assert_uint_eq(c.cpu_shares, 100);
        ck_assert_str_eq(c.name, "n");
        ck_assert(c.no_new_privs && c.tty);
        box_config_free(&c);

        /* Without the command line's, the bad ones are errors. */
        unsetenv("PBOX_TTY");
        r = START(0, &c, err, "start", "--name", "n");
        err_check(r, err, "PBOX_CPU_SHARES (--cpu-shares) \"bogus\"");
        setenv("PBOX_CPU_SHARES", "3", 1);
        r = START(0, &c, err, "start");
        err_check(r, err, "--name");
}
END_TEST

static const struct {
        const char *val;
        int want; /* 1 set, 0 unset, -1 error */
} flag_cases[] = {
    {"1", 1},      {"true", 1}, {"yes", 1},   {"TRUE", 1},
    {"0", 0},      {"no", 0},   {"false", 0}, {"", 0},
    {"maybe", -1}, {"2", -1},   {"on", -1},   {" 1", -1},
};

START_TEST(test_start_env_flags)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";
        int r;

        setenv("PBOX_NO_NEW_PRIVS", flag_cases[_i].val, 1);
        r = START(0, &c, err, "start", "--rootfs", "/r");
        if (flag_cases[_i].want < 0) {
                err_check(r, err, "PBOX_NO_NEW_PRIVS");
                ck_assert_ptr_nonnull(strstr(err, "--no-new-privs"));
                return;
        }
        ck_assert_msg(r == 0, "%s", err);
        ck_assert_int_eq(c.no_new_privs, flag_cases[_i].want);
        box_config_free(&c);
}
END_TEST

/* For repeatable options PBOX_X is one more occurrence, before argv's. */
START_TEST(test_start_env_repeatable)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";
        int r;

        setenv("PBOX_ENV", "A=1,B=2", 1);
        setenv("PBOX_ENTER_ENV", "P=1", 1);
        setenv("PBOX_ENV_FILE", "/env.env", 1);
        setenv("PBOX_FILE", "/s:/d", 1);
        setenv("PBOX_VOLUME", "/v1:/m1", 1);
        setenv("PBOX_DEVICE", "path=/dev/zero", 1);
        setenv("PBOX_DNS_HOSTS", "eh/1.1.1.1", 1);
        setenv("PBOX_DNS_ZONES", "ez/2.2.2.2", 1);
        r = START(0, &c, err, "start", "--rootfs", "/r", "--env", "B=3",
                  "--env", "C=4", "--enter-env", "P=2,Q=3", "--env-file",
                  "/cli.env", "--file", "/s2:/d2", "--volume", "/v2:/m2",
                  "--device", "path=/dev/null", "--dns-hosts", "ch/3.3.3.3",
                  "--dns-zones", "cz/4.4.4.4");
        ck_assert_msg(r == 0, "%s", err);
        ck_assert_uint_eq(c.env.n, 3);
        ck_assert_str_eq(c.env.v[0].name, "A");
        ck_assert_str_eq(c.env.v[1].val, "3"); /* argv's B replaces env's */
        ck_assert_str_eq(c.env.v[2].name, "C");
        ck_assert_uint_eq(c.enter_env.n, 2);
        ck_assert_str_eq(pbox_env_vars_get(&c.enter_env, "P"), "2");
        ck_assert_str_eq(c.env_files[0], "/env.env");
        ck_assert_str_eq(c.env_files[1], "/cli.env");
        ck_assert_uint_eq(c.nfiles, 2);
        ck_assert_str_eq(c.files[0].dst, "/d");
        ck_assert_str_eq(c.files[1].dst, "/d2");
        ck_assert_uint_eq(c.volumes.n, 2);
        ck_assert_str_eq(c.volumes.v[0].dst, "/m1");
        ck_assert_str_eq(c.volumes.v[1].dst, "/m2");
        ck_assert_uint_eq(c.devices.n, 2);
        ck_assert_str_eq(c.devices.v[0].path, "/dev/zero");
        ck_assert_uint_eq(c.dns_hosts.n, 2);
        ck_assert_str_eq(c.dns_hosts.v[0].key, "eh");
        ck_assert_str_eq(c.dns_hosts.v[1].key, "ch");
        ck_assert_uint_eq(c.dns_zones.n, 2);
        ck_assert_str_eq(c.dns_zones.v[1].key, "cz");
        box_config_free(&c);

        /* A bad environment occurrence is an error even with argv's. */
        setenv("PBOX_VOLUME", "nodst", 1);
        r = START(0, &c, err, "start", "--rootfs", "/r", "--volume", "/a:/b");
        err_check(r, err, "PBOX_VOLUME (--volume)");
}
END_TEST

#define L65 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
static const struct {
        const char *argv[8];
        const char *want; /* in the error line */
} start_bad[] = {
    {{"--cpu-shares", "1"}, "--cpu-shares \"1\": must be between 2 and 262144"},
    {{"--cpu-shares", "262145"}, "--cpu-shares \"262145\""},
    {{"--cpu-shares", "abc"}, "--cpu-shares \"abc\""},
    {{"--cpu-shares", "-5"}, "--cpu-shares \"-5\""},
    {{"--pids-limit", "0"}, "--pids-limit \"0\": must be between 1 and"},
    {{"--pids-limit", "4194305"}, "--pids-limit \"4194305\""},
    {{"--stop-timeout", "86401"}, "--stop-timeout \"86401\""},
    {{"--stop-timeout", "1s"}, "--stop-timeout \"1s\""},
    {{"--memory", "0"}, "--memory \"0\": must be greater than 0"},
    {{"--memory", "12q"}, "--memory"},
    {{"--stop-signal", "SIGFOO"}, "--stop-signal"},
    {{"--cap", "CAP_FROB"}, "--cap"},
    {{"--net", "bridge"}, "--net \"bridge\": must be \"host\" or \"none\""},
    {{"--hostname", "a_b"}, "--hostname \"a_b\""},
    {{"--hostname", L65}, "--hostname"},
    {{"--hostname", ""}, "--hostname \"\": must not be empty"},
    {{"--env", "a="}, "--env"},
    {{"--env", "1x=2"}, "--env"},
    {{"--enter-env", "noeq"}, "--enter-env"},
    {{"--env-file", "rel.env"}, "--env-file \"rel.env\": must be an abs"},
    {{"--file", "onlysrc"}, "--file"},
    {{"--volume", "a"}, "--volume"},
    {{"--volume", "/a:/b:bogus"}, "--volume"},
    {{"--device", "permissions=rw"}, "--device"},
    {{"--dns-hosts", "nohost"}, "--dns-hosts"},
    {{"--dns-zones", "a/b/c"}, "--dns-zones"},
    {{"--audit-log", "audit"}, "--audit-log \"audit\": must be an abs"},
    {{"--data-dir", "run/pbox"}, "--data-dir \"run/pbox\""},
    {{"--user", ""}, "--user \"\": must not be empty"},
    {{"--broker-user="}, "--broker-user \"\""},
    {{"--name", "_x"}, "--name"},
    {{"--frob"}, "unknown option \"--frob\""},
    {{"--frob=1"}, "unknown option \"--frob=1\""},
    {{"-x"}, "unknown option \"-x\""},
    {{"-tz"}, "unknown option \"-z\""},
    {{"--rootfs"}, "--rootfs requires an argument"},
    {{"--detach=1"}, "--detach takes no value"},
    {{"--rootfs", "/a", "--rootfs", "/b"}, "--rootfs given more than once"},
    {{"--roo", "/a"}, "unknown option \"--roo\""},
    {{"--name", "ok"}, "--rootfs is required"},
    {{"-t", "--detach"}, "--tty"},
    {{"--detach", "--tty"}, "--detach"},
};

START_TEST(test_start_errors)
{
        char *argv[16] = {(char *)"start"};
        struct box_config c = {.name = (char *)"sentinel"};
        char err[PBOX_ERR_LEN] = "";
        int argc = 1, r;

        for (size_t i = 0; start_bad[_i].argv[i]; i++)
                argv[argc++] = (char *)start_bad[_i].argv[i];
        /* --rootfs given unless the case is about it */
        if (!strstr(start_bad[_i].want, "rootfs")) {
                argv[argc++] = (char *)"--rootfs=/r";
        }
        r = opts_parse_start(argc, argv, 0, &c, err);
        err_check(r, err, start_bad[_i].want);
        ck_assert_str_eq(c.name, "sentinel"); /* ret untouched */
}
END_TEST

START_TEST(test_start_tty_detach_env)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";

        setenv("PBOX_TTY", "1", 1);
        err_check(START(0, &c, err, "start", "--rootfs", "/r", "--detach"), err,
                  "--detach");
        setenv("PBOX_TTY", "0", 1);
        ck_assert_int_eq(
            START(0, &c, err, "start", "--rootfs", "/r", "--detach"), 0);
        box_config_free(&c);
}
END_TEST

START_TEST(test_error_bounded)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";
        char *big = malloc(10000);

        ck_assert_ptr_nonnull(big);
        memset(big, 'x', 9999);
        big[9999] = '\0';
        err_check(
            START(0, &c, err, "start", "--rootfs", "/r", "--hostname", big),
            err, "...");
        err_check(
            START(0, &c, err, "start", "--rootfs", "/r", "--net", "a\nb\033"),
            err, "--net \"a?b?\"");
        free(big);
}
END_TEST

#define N64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define D80                                                                    \
        "/ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" \
        "ddddddddddd"

START_TEST(test_names)
{
        struct box_config c;
        struct enter_config e;
        struct cmd_config k;
        char err[PBOX_ERR_LEN] = "";

        ck_assert_uint_eq(strlen(N64), 64);
        ck_assert_msg(START(0, &c, err, "start", "--rootfs", "/r", "--name",
                            N64, "--data-dir", "/p") == 0,
                      "%s", err);
        ck_assert_str_eq(c.name, N64);
        box_config_free(&c);
        err_check(START(0, &c, err, "start", "--rootfs", "/r", "--name",
                        N64 "a", "--data-dir", "/p"),
                  err, "--name");
        err_check(START(0, &c, err, "start", "--rootfs", "/r", "--name", "_x"),
                  err, "--name");
        err_check(START(0, &c, err, "start", "--rootfs", "/r", "--name", "a/b"),
                  err, "--name");
        err_check(START(0, &c, err, "start", "--rootfs", "/r", "--name", ""),
                  err, "--name");
        /* Fits the name rules, but not a unix socket address. */
        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "/r", "--name",
                               "abcdefghijklmnopqrstuvwxyz", "--data-dir",
                               "/d"),
                         0);
        box_config_free(&c);
        err_check(START(0, &c, err, "start", "--rootfs", "/r", "--name",
                        "abcdefghijklmnopqrstuvwxyz", "--data-dir", D80),
                  err, "--name");
        /* Every subcommand checks. */
        err_check(ENTER(&e, err, "enter", "--name", "_x", "sh"), err, "--name");
        err_check(ENTER(&e, err, "enter", "--name", "n", "--data-dir", D80,
                        "--name=abcdefghijklmnopqrstuvwxyz", "sh"),
                  err, "--name");
        for (int k_ = OPTS_STOP; k_ <= OPTS_CHECK; k_++) {
                int r = k_ == OPTS_DEVICE
                            ? CMD(k_, &k, err, "device", "--name", "_x",
                                  "remove", "/dev/x")
                            : CMD(k_, &k, err, "x", "--name", "_x");
                err_check(r, err, "--name");
                setenv("PBOX_NAME", N64 "a", 1);
                r = k_ == OPTS_DEVICE
                        ? CMD(k_, &k, err, "device", "remove", "/dev/x")
                        : CMD(k_, &k, err, "x");
                err_check(r, err, "--name");
                unsetenv("PBOX_NAME");
        }
}
END_TEST

START_TEST(test_early)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";
        int r;

        setenv("PBOX_CPU_SHARES", "bogus", 1);
        setenv("PBOX_TTY", "maybe", 1);
        r = START(OPTS_EARLY, &c, err, "start", "--cpu-shares", "1", "--net",
                  "bogus", "--volume", "x", "-t", "--name", "early",
                  "--data-dir", "/d", "--detach", "--broker-user", "bu",
                  "/bin/sh", "--frob");
        ck_assert_msg(r == 0, "%s", err);
        ck_assert_str_eq(c.name, "early");
        ck_assert_str_eq(c.data_dir, "/d");
        ck_assert_str_eq(c.broker_user, "bu");
        ck_assert(c.detach);
        ck_assert(!c.tty);            /* not interpreted */
        ck_assert_ptr_null(c.rootfs); /* not required either */
        ck_assert_ptr_null(c.init_args);
        ck_assert_uint_eq(c.cpu_shares, 0);
        ck_assert_uint_eq(c.volumes.n, 0);
        box_config_free(&c);

        /* Defaults still apply. */
        ck_assert_int_eq(START(OPTS_EARLY, &c, err, "start"), 0);
        ck_assert_str_eq(c.name, "default");
        ck_assert_str_eq(c.broker_user, "nobody");
        box_config_free(&c);

        /* Syntax is still checked, and the early options' values. */
        err_check(START(OPTS_EARLY, &c, err, "start", "--frob"), err,
                  "unknown option \"--frob\"");
        err_check(START(OPTS_EARLY, &c, err, "start", "--memory"), err,
                  "--memory requires an argument");
        err_check(START(OPTS_EARLY, &c, err, "start", "--name", "_n"), err,
                  "--name");
        err_check(START(OPTS_EARLY, &c, err, "start", "--data-dir", "rel"), err,
                  "--data-dir");
        setenv("PBOX_DETACH", "perhaps", 1);
        err_check(START(OPTS_EARLY, &c, err, "start"), err, "PBOX_DETACH");
}
END_TEST

START_TEST(test_init_args)
{
        struct box_config c;
        char err[PBOX_ERR_LEN] = "";

        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "/r", "--",
                               "/bin/sh", "-c", "x"),
                         0);
        ck_assert_str_eq(c.init_args[0], "/bin/sh");
        ck_assert_str_eq(c.init_args[1], "-c");
        ck_assert_str_eq(c.init_args[2], "x");
        ck_assert_ptr_null(c.init_args[3]);
        box_config_free(&c);

        ck_assert_int_eq(
            START(0, &c, err, "start", "--rootfs", "/r", "/bin/sh", "-c", "x"),
            0);
        ck_assert_str_eq(c.init_args[1], "-c");
        ck_assert_ptr_null(c.init_args[3]);
        box_config_free(&c);

        /* After INIT, pbox-looking options are INIT's. */
        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "/r", "init",
                               "--rootfs", "/q", "--detach", "-t", "--help",
                               "--", "x"),
                         0);
        ck_assert_str_eq(c.rootfs, "/r");
        ck_assert(!c.detach && !c.tty);
        ck_assert_str_eq(c.init_args[1], "--rootfs");
        ck_assert_str_eq(c.init_args[4], "-t");
        ck_assert_str_eq(c.init_args[5], "--help");
        ck_assert_str_eq(c.init_args[6], "--");
        ck_assert_str_eq(c.init_args[7], "x");
        box_config_free(&c);

        /* After --, even an option-looking INIT. */
        ck_assert_int_eq(
            START(0, &c, err, "start", "--rootfs", "/r", "--", "--weird", "--"),
            0);
        ck_assert_str_eq(c.init_args[0], "--weird");
        ck_assert_str_eq(c.init_args[1], "--");
        box_config_free(&c);

        /* "--" alone: the default init; "-" is an operand. */
        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "/r", "--"), 0);
        ck_assert_str_eq(c.init_args[0], "/sbin/init");
        box_config_free(&c);
        ck_assert_int_eq(START(0, &c, err, "start", "--rootfs", "/r", "-"), 0);
        ck_assert_str_eq(c.init_args[0], "-");
        box_config_free(&c);
}
END_TEST

START_TEST(test_enter)
{
        struct enter_config e;
        char err[PBOX_ERR_LEN] = "";
        int r;

        r = ENTER(&e, err, "enter", "-t", "-i", "-u", "app", "-e",
                  "A=b,c=\"d\"", "-e", "EMPTY=", "--env", "X==y", "-w", "/srv",
                  "--label", "l:r:t:s0", "--name", "bx", "--data-dir", "/d",
                  "cmd", "-e", "Z=1");
        ck_assert_msg(r == 0, "%s", err);
        ck_assert(e.tty && e.interactive);
        ck_assert_str_eq(e.user, "app");
        ck_assert_uint_eq(e.env.n, 3);
        ck_assert_str_eq(e.env.v[0].name, "A");
        ck_assert_str_eq(e.env.v[0].val, "b,c=\"d\""); /* literally */
        ck_assert_str_eq(e.env.v[1].val, "");
        ck_assert_str_eq(e.env.v[2].val, "=y");
        ck_assert_str_eq(e.workdir, "/srv");
        ck_assert_str_eq(e.label, "l:r:t:s0");
        ck_assert_str_eq(e.name, "bx");
        ck_assert_str_eq(e.data_dir, "/d");
        ck_assert_str_eq(e.args[0], "cmd");
        ck_assert_str_eq(e.args[1], "-e");
        ck_assert_str_eq(e.args[2], "Z=1");
        ck_assert_ptr_null(e.args[3]);
        enter_config_free(&e);

        /* Defaults, clusters, attached values, the exec alias. */
        ck_assert_int_eq(ENTER(&e, err, "exec", "-ti", "-uroot", "-eK=v",
                               "--env=L=w", "--", "-cmd"),
                         0);
        ck_assert(e.tty && e.interactive);
        ck_assert_str_eq(e.user, "root");
        ck_assert_str_eq(pbox_env_vars_get(&e.env, "K"), "v");
        ck_assert_str_eq(pbox_env_vars_get(&e.env, "L"), "w");
        ck_assert_str_eq(e.args[0], "-cmd");
        enter_config_free(&e);
        ck_assert_int_eq(ENTER(&e, err, "enter", "true"), 0);
        ck_assert_str_eq(e.name, "default");
        ck_assert_str_eq(e.user, "root");
        ck_assert_str_eq(e.workdir, "/");
        ck_assert_ptr_null(e.label);
        ck_assert(!e.tty && !e.interactive);
        ck_assert_uint_eq(e.env.n, 0);
        enter_config_free(&e);

        /* PBOX_ENV is one literal pair before the command line's. */
        setenv("PBOX_ENV", "A=1,B=2", 1);
        setenv("PBOX_WORKDIR", "/w", 1);
        setenv("PBOX_INTERACTIVE", "true", 1);
        ck_assert_int_eq(
            ENTER(&e, err, "enter", "-e", "C=3", "-w", "/x", "true"), 0);
        ck_assert_uint_eq(e.env.n, 2);
        ck_assert_str_eq(e.env.v[0].name, "A");
        ck_assert_str_eq(e.env.v[0].val, "1,B=2");
        ck_assert_str_eq(e.env.v[1].name, "C");
        ck_assert_str_eq(e.workdir, "/x");
        ck_assert(e.interactive);
        enter_config_free(&e);
}
END_TEST

START_TEST(test_enter_errors)
{
        struct enter_config e;
        char err[PBOX_ERR_LEN] = "";

        err_check(ENTER(&e, err, "enter", "-e", "NOEQ", "sh"), err,
                  "-e \"NOEQ\": expected NAME=VALUE");
        err_check(ENTER(&e, err, "enter", "--env", "1A=x", "sh"), err,
                  "--env \"1A=x\"");
        err_check(ENTER(&e, err, "enter", "-e", "=x", "sh"), err, "-e");
        err_check(ENTER(&e, err, "enter", "-w", "rel", "sh"), err,
                  "-w \"rel\": must be an absolute path");
        err_check(ENTER(&e, err, "enter", "-u", "", "sh"), err, "-u");
        err_check(ENTER(&e, err, "enter", "-t"), err, "CMD");
        err_check(ENTER(&e, err, "enter", "--"), err, "CMD");
        err_check(ENTER(&e, err, "enter", "-x", "sh"), err,
                  "unknown option \"-x\"");
        err_check(ENTER(&e, err, "enter", "--detach", "sh"), err,
                  "unknown option \"--detach\"");
        err_check(ENTER(&e, err, "enter", "-u"), err, "-u requires");
        err_check(ENTER(&e, err, "enter", "-t", "-w", "/a", "-w", "/b", "sh"),
                  err, "--workdir given more than once");
        setenv("PBOX_ENV", "nopair", 1);
        err_check(ENTER(&e, err, "enter", "sh"), err, "PBOX_ENV (--env)");
}
END_TEST

START_TEST(test_cmds)
{
        struct cmd_config k;
        char err[PBOX_ERR_LEN] = "";

        ck_assert_int_eq(
            CMD(OPTS_STOP, &k, err, "stop", "--timeout", "30", "--name", "b"),
            0);
        ck_assert(k.has_timeout);
        ck_assert_uint_eq(k.timeout, 30);
        ck_assert_str_eq(k.name, "b");
        cmd_config_free(&k);
        ck_assert_int_eq(CMD(OPTS_STOP, &k, err, "stop"), 0);
        ck_assert(!k.has_timeout);
        ck_assert_str_eq(k.data_dir, "/run/pbox");
        cmd_config_free(&k);
        setenv("PBOX_TIMEOUT", "0", 1);
        ck_assert_int_eq(CMD(OPTS_STOP, &k, err, "stop"), 0);
        ck_assert(k.has_timeout && k.timeout == 0);
        cmd_config_free(&k);
        unsetenv("PBOX_TIMEOUT");
        err_check(CMD(OPTS_STOP, &k, err, "stop", "--timeout", "x"), err,
                  "--timeout \"x\"");
        err_check(CMD(OPTS_STOP, &k, err, "stop", "--json"), err,
                  "unknown option \"--json\"");
        err_check(CMD(OPTS_STOP, &k, err, "stop", "extra"), err,
                  "unexpected argument \"extra\"");

        ck_assert_int_eq(CMD(OPTS_STATUS, &k, err, "status", "--json"), 0);
        ck_assert(k.json);
        cmd_config_free(&k);
        setenv("PBOX_JSON", "1", 1);
        ck_assert_int_eq(CMD(OPTS_LIST, &k, err, "list", "--name", "ig"), 0);
        ck_assert(k.json);
        cmd_config_free(&k);
        unsetenv("PBOX_JSON");
        err_check(CMD(OPTS_LIST, &k, err, "list", "--timeout", "1"), err,
                  "unknown option \"--timeout\"");

        ck_assert_int_eq(CMD(OPTS_CHECK, &k, err, "check", "--data-dir", "/x"),
                         0);
        cmd_config_free(&k);
        err_check(CMD(OPTS_CHECK, &k, err, "check", "--json"), err,
                  "unknown option \"--json\"");
        err_check(CMD(OPTS_CHECK, &k, err, "check", "now"), err,
                  "unexpected argument \"now\"");
        err_check(CMD(OPTS_START, &k, err, "start"), err, "not a plain");
}
END_TEST

START_TEST(test_device)
{
        struct cmd_config k;
        char err[PBOX_ERR_LEN] = "";

        ck_assert_msg(CMD(OPTS_DEVICE, &k, err, "device", "add", "--name", "b",
                          "path=/dev/fuse;permissions=rw") == 0,
                      "%s", err);
        ck_assert_str_eq(k.device_verb, "add");
        ck_assert_str_eq(k.device_arg, "path=/dev/fuse;permissions=rw");
        ck_assert_str_eq(k.name, "b");
        cmd_config_free(&k);
        ck_assert_int_eq(
            CMD(OPTS_DEVICE, &k, err, "device", "remove", "/dev/fuse"), 0);
        ck_assert_str_eq(k.device_verb, "remove");
        ck_assert_str_eq(k.device_arg, "/dev/fuse");
        cmd_config_free(&k);

        err_check(CMD(OPTS_DEVICE, &k, err, "device"), err, "add SPEC");
        err_check(CMD(OPTS_DEVICE, &k, err, "device", "frob", "x"), err,
                  "unknown action \"frob\"");
        err_check(CMD(OPTS_DEVICE, &k, err, "device", "add"), err, "SPEC");
        err_check(CMD(OPTS_DEVICE, &k, err, "device", "add", "path=/a", "b"),
                  err, "exactly one");
        err_check(CMD(OPTS_DEVICE, &k, err, "device", "add", "uid=1"), err,
                  "add:");
        err_check(CMD(OPTS_DEVICE, &k, err, "device", "remove", "dev/x"), err,
                  "remove \"dev/x\": must be an absolute path");
}
END_TEST

static const enum opts_cmd all_cmds[] = {OPTS_START,  OPTS_ENTER, OPTS_STOP,
                                         OPTS_STATUS, OPTS_LIST,  OPTS_DEVICE,
                                         OPTS_CHECK};

static int parse_any(enum opts_cmd cmd, int argc, char **argv, char *err)
{
        struct box_config c = {.name = (char *)"sentinel"};
        struct enter_config e = {.name = (char *)"sentinel"};
        struct cmd_config k = {.name = (char *)"sentinel"};
        int r;

        if (cmd == OPTS_START)
                r = opts_parse_start(argc, argv, 0, &c, err);
        else if (cmd == OPTS_ENTER)
                r = opts_parse_enter(argc, argv, &e, err);
        else
                r = opts_parse_cmd(cmd, argc, argv, &k, err);
        /* Help writes nothing. */
        ck_assert_str_eq(c.name, "sentinel");
        ck_assert_str_eq(e.name, "sentinel");
        ck_assert_str_eq(k.name, "sentinel");
        return r;
}

START_TEST(test_help_returns)
{
        enum opts_cmd cmd = all_cmds[_i];
        char err[PBOX_ERR_LEN] = "";

        ck_assert_int_eq(parse_any(cmd, 2, ARGV("x", "--help"), err),
                         OPTS_HELP);
        ck_assert_int_eq(parse_any(cmd, 2, ARGV("x", "-h"), err), OPTS_HELP);
        /* Anywhere among the options, even after a bad one. */
        ck_assert_int_eq(
            parse_any(cmd, 5, ARGV("x", "--frob", "--name", "_bad", "-h"), err),
            OPTS_HELP);
        ck_assert_int_eq(
            parse_any(cmd, 3, ARGV("x", "--data-dir=rel", "--help"), err),
            OPTS_HELP);
}
END_TEST

START_TEST(test_help_lists_every_option)
{
        enum opts_cmd cmd = all_cmds[_i];
        static const char *names[] = {"start", "enter",  "stop", "status",
                                      "list",  "device", "check"};
        _cleanup_free_ char *text = NULL;
        char usage[64];
        size_t len = 0, nopts = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        opts_help_fprint(f, cmd);
        ck_assert_int_eq(fclose(f), 0);
        snprintf(usage, sizeof(usage), "Usage: pbox %s", names[cmd]);
        ck_assert_ptr_nonnull(strstr(text, usage));
        for (const char *n; (n = opts_long_name(cmd, nopts)); nopts++) {
                char want[64];
                const char *p = text;
                bool found = false;

                snprintf(want, sizeof(want), "--%s", n);
                /* as a whole word: "--init" must not match "--init-x" */
                while ((p = strstr(p, want))) {
                        char after = p[strlen(want)];

                        p += strlen(want);
                        if (after == ' ' || after == '\n' || after == '=') {
                                found = true;
                                break;
                        }
                }
                ck_assert_msg(found, "help of %s lacks %s", names[cmd], want);
        }
        ck_assert_uint_ge(nopts, 2); /* at least --name, --data-dir */
        ck_assert_ptr_null(opts_long_name(cmd, nopts));
        ck_assert_ptr_nonnull(strstr(text, "--help"));
        ck_assert_ptr_nonnull(strstr(text, "PBOX_<OPTION>"));
        ck_assert_ptr_nonnull(strstr(text, "125"));
        if (cmd == OPTS_START || cmd == OPTS_ENTER) {
                ck_assert_ptr_nonnull(strstr(text, "126"));
                ck_assert_ptr_nonnull(strstr(text, "127"));
        }
        /* No line runs past the terminal. */
        for (const char *l = text; *l;) {
                size_t w = strcspn(l, "\n");

                ck_assert_msg(w <= 79, "long line: %.*s", (int)w, l);
                l += w + (l[w] == '\n');
        }
}
END_TEST

START_TEST(test_help_main)
{
        static const char *cmds[] = {"start",  "enter", "exec",   "stop",
                                     "status", "list",  "device", "check"};
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        opts_help_main_fprint(f);
        ck_assert_int_eq(fclose(f), 0);
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
                ck_assert_msg(strstr(text, cmds[i]), "lacks %s", cmds[i]);
        ck_assert_ptr_nonnull(strstr(text, "pbox COMMAND --help"));
        ck_assert_ptr_nonnull(strstr(text, "125"));
        ck_assert_ptr_nonnull(strstr(text, "127"));
}
END_TEST

static Suite *opts_suite(void)
{
        Suite *s = suite_create("opts");
        TCase *tc = tcase_create("opts");

        tcase_add_checked_fixture(tc, env_clear, NULL);
        tcase_add_test(tc, test_start_defaults);
        tcase_add_test(tc, test_start_every_option);
        tcase_add_test(tc, test_start_rootfs_relative);
        tcase_add_test(tc, test_start_env_defaults);
        tcase_add_test(tc, test_start_cli_wins);
        tcase_add_loop_test(tc, test_start_env_flags, 0,
                            sizeof(flag_cases) / sizeof(flag_cases[0]));
        tcase_add_test(tc, test_start_env_repeatable);
        tcase_add_loop_test(tc, test_start_errors, 0,
                            sizeof(start_bad) / sizeof(start_bad[0]));
        tcase_add_test(tc, test_start_tty_detach_env);
        tcase_add_test(tc, test_error_bounded);
        tcase_add_test(tc, test_names);
        tcase_add_test(tc, test_early);
        tcase_add_test(tc, test_init_args);
        tcase_add_test(tc, test_enter);
        tcase_add_test(tc, test_enter_errors);
        tcase_add_test(tc, test_cmds);
        tcase_add_test(tc, test_device);
        tcase_add_loop_test(tc, test_help_returns, 0,
                            sizeof(all_cmds) / sizeof(all_cmds[0]));
        tcase_add_loop_test(tc, test_help_lists_every_option, 0,
                            sizeof(all_cmds) / sizeof(all_cmds[0]));
        tcase_add_test(tc, test_help_main);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(opts_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
