/* check_it_rootfs.c — the box's root filesystem (mounter/rootfs*.c,
 * resolve.c, netns.c), as root. Each box test forks a child that unshares
 * mount, PID, UTS, IPC and network namespaces and forks again, so the
 * grandchild is PID 1 there; it builds the root from a busybox rootfs
 * (tests/lib), pivots, checks from inside and reports through a pipe. The
 * namespaces die with the child; the temp dir is removed by teardown. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "testutil.h"
#include "../../mounter/netns.h"
#include "../../mounter/rootfs.h"

static char *rootfs; /* TDIR/rootfs */
static char tdir[256];
static int report_fd = -EBADF;
static int guard_fd = -EBADF; /* see guard_start() */
static pid_t guard_pid;
static bool host_net; /* run_box without CLONE_NEWNET (--net host) */
static struct ipc_mnt_config cfg;
static struct rootfs_plan plan;
static char errmsg[IPC_ERRMSG_MAX];

/* ---- harness ------------------------------------------------------------ */

static void box_fail(int line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void box_fail(int line, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        int n;

        n = snprintf(buf, sizeof(buf), "line %d: ", line);
        va_start(ap, fmt);
        vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
        va_end(ap);
        if (write(report_fd, buf, strlen(buf)) < 0)
                _exit(3);
        _exit(1);
}
#define BOX_CHECK(cond, ...)                                                   \
        do {                                                                   \
                if (!(cond))                                                   \
                        box_fail(__LINE__, __VA_ARGS__);                       \
        } while (0)

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
        char cmd[2048];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* Run fn as PID 1 of fresh namespaces; fail the test with its report. */
static void run_box(void (*fn)(void))
{
        char buf[2048] = "";
        size_t len = 0;
        int p[2], st;
        ssize_t n;
        pid_t c;

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        c = fork();
        ck_assert_int_ge(c, 0);
        if (c == 0) {
                pid_t g;

                close(p[0]);
                close(guard_fd);
                report_fd = p[1];
                if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
                            CLONE_NEWIPC | (host_net ? 0 : CLONE_NEWNET)) < 0)
                        box_fail(__LINE__, "unshare: %m");
                g = fork();
                if (g < 0)
                        box_fail(__LINE__, "fork: %m");
                if (g == 0) {
                        fn();
                        _exit(0);
                }
                close(p[1]);
                if (waitpid(g, &st, 0) < 0)
                        _exit(4);
                _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
        }
        close(p[1]);
        while (len < sizeof(buf) - 1 &&
               (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = '\0';
        close(p[0]);
        ck_assert_int_eq(waitpid(c, &st, 0), c);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "box failed (status 0x%x): %s", st, buf);
}

/* A failed check _exit()s the test process without teardown: a guardian
 * child removes the rootfs once the test process's end of a pipe closes,
 * however it ends. */

static void guard_start(void)
{
        int p[2];
        char c;

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        guard_pid = fork();
        ck_assert_int_ge(guard_pid, 0);
        if (guard_pid == 0) {
                /* out of the test's process group, which check kills */
                setpgid(0, 0);
                close(p[1]);
                while (read(p[0], &c, 1) > 0)
                        ;
                test_rootfs_remove(rootfs);
                _exit(0);
        }
        close(p[0]);
        guard_fd = p[1];
}

static void setup(void)
{
        char *slash;

        rootfs = test_rootfs_new();
        ck_assert_ptr_nonnull(rootfs);
        guard_start();
        snprintf(tdir, sizeof(tdir), "%s", rootfs);
        slash = strrchr(tdir, '/');
        *slash = '\0';
        memset(&cfg, 0, sizeof(cfg));
        cfg.rootfs = rootfs;
        cfg.name = (char *)"test";
        cfg.mount_label = (char *)"";
        memset(&plan, 0, sizeof(plan));
        plan.cfg = &cfg;
        errmsg[0] = '\0';
}

static void teardown(void)
{
        close(TAKE_FD(guard_fd));
        waitpid(guard_pid, NULL, 0);
        free(TAKE_PTR(rootfs));
}

/* Set the box up or fail with the reason. */
static void box_setup(void)
{
        int r = rootfs_setup(&plan, errmsg, sizeof(errmsg));
        BOX_CHECK(r == 0, "rootfs_setup: %d: %s", r, errmsg);
}

static void read_file(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        BOX_CHECK(fd >= 0, "open %s: %m", path);
        n = read(fd, buf, size - 1);
        BOX_CHECK(n >= 0, "read %s: %m", path);
        buf[n] = '\0';
        close(fd);
}

static void check_fs(const char *path, unsigned long magic, unsigned long set,
                     unsigned long clear)
{
        struct statfs sfs;
        struct statvfs sv;

        BOX_CHECK(statfs(path, &sfs) == 0, "statfs %s: %m", path);
        BOX_CHECK((unsigned long)sfs.f_type == magic, "%s: f_type %lx", path,
                  (unsigned long)sfs.f_type);
        BOX_CHECK(statvfs(path, &sv) == 0, "statvfs %s: %m", path);
        BOX_CHECK((sv.f_flag & set) == set, "%s: flags %lx lack %lx", path,
                  sv.f_flag, set);
        BOX_CHECK(!(sv.f_flag & clear), "%s: flags %lx have %lx", path,
                  sv.f_flag, clear);
}

static void check_link(const char *path, const char *target)
{
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);

        BOX_CHECK(n > 0, "readlink %s: %m", path);
        buf[n] = '\0';
        BOX_CHECK(strcmp(buf, target) == 0, "%s -> %s", path, buf);
}

/* The mountinfo line whose mount point is mp, or "" (static buffer). */
static const char *mountinfo_line(const char *mp)
{
        static char line[1024];
        FILE *f = fopen("/proc/self/mountinfo", "re");
        const char *found = "";

        BOX_CHECK(f, "mountinfo: %m");
        while (fgets(line, sizeof(line), f)) {
                char point[512];
                if (sscanf(line, "%*s %*s %*s %*s %511s", point) == 1 &&
                    strcmp(point, mp) == 0)
                        found = line; /* the last one is the top mount */
                if (found == line)
                        break;
        }
        fclose(f);
        return found;
}

/* ---- default mount table ------------------------------------------------ */

static void box_defaults(void)
{
        static const struct {
                const char *name;
                unsigned maj, min;
        } nodes[] = {{"/dev/null", 1, 3},    {"/dev/zero", 1, 5},
                     {"/dev/full", 1, 7},    {"/dev/random", 1, 8},
                     {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
        struct stat st;
        char buf[256];
        int fd;

        box_setup();
        BOX_CHECK(getpid() == 1, "pid %d", getpid());
        BOX_CHECK(access("/bin/busybox", X_OK) == 0, "no busybox: %m");
        /* pivoted: the host's tree is gone */
        BOX_CHECK(stat(tdir, &st) < 0 && errno == ENOENT, "%s visible", tdir);
        BOX_CHECK(getcwd(buf, sizeof(buf)) && strcmp(buf, "/") == 0, "cwd");

        check_fs("/proc", PROC_SUPER_MAGIC, ST_NOSUID | ST_NODEV | ST_NOEXEC,
                 ST_RDONLY);
        check_fs("/sys", SYSFS_MAGIC, ST_RDONLY | ST_NOSUID, 0);
        check_fs("/dev", TMPFS_MAGIC, ST_NOSUID, ST_RDONLY);
        check_fs("/dev/pts", DEVPTS_SUPER_MAGIC, ST_NOSUID, ST_RDONLY);
        check_fs("/dev/shm", TMPFS_MAGIC, ST_NOSUID | ST_NODEV, ST_RDONLY);
        check_fs("/run", TMPFS_MAGIC, ST_NOSUID | ST_NODEV, ST_RDONLY);
        check_fs("/run/lock", TMPFS_MAGIC, ST_NOSUID | ST_NODEV, ST_RDONLY);
        BOX_CHECK(stat("/proc/1/status", &st) == 0, "/proc of the box: %m");
        BOX_CHECK(stat("/dev", &st) == 0 && (st.st_mode & 07777) == 0755,
                  "/dev mode %o", st.st_mode & 07777);
        BOX_CHECK(stat("/dev/shm", &st) == 0 && (st.st_mode & 07777) == 01777,
                  "/dev/shm mode %o", st.st_mode & 07777);
        BOX_CHECK(stat("/run/lock", &st) == 0 && (st.st_mode & 07777) == 01777,
                  "/run/lock mode %o", st.st_mode & 07777);

        /* host cgroup hierarchy, read-only */
        if (access("/sys/fs/cgroup", F_OK) == 0) {
                struct statvfs sv;
                BOX_CHECK(statvfs("/sys/fs/cgroup", &sv) == 0 &&
                              (sv.f_flag & ST_RDONLY),
                          "/sys/fs/cgroup not read-only");
                BOX_CHECK(mkdir("/sys/fs/cgroup/pbox-x", 0755) < 0 &&
                              errno == EROFS,
                          "mkdir in /sys/fs/cgroup: %m");
        }
        BOX_CHECK(mkdir("/sys/pbox-x", 0755) < 0 && errno == EROFS,
                  "mkdir in /sys: %m");
        fd = open("/dev/shm/x", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        BOX_CHECK(fd >= 0, "/dev/shm not writable: %m");
        close(fd);

        for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
                BOX_CHECK(lstat(nodes[i].name, &st) == 0, "%s: %m",
                          nodes[i].name);
                BOX_CHECK(S_ISCHR(st.st_mode) &&
                              major(st.st_rdev) == nodes[i].maj &&
                              minor(st.st_rdev) == nodes[i].min,
                          "%s: %u:%u", nodes[i].name, major(st.st_rdev),
                          minor(st.st_rdev));
                BOX_CHECK((st.st_mode & 07777) == 0666, "%s: mode %o",
                          nodes[i].name, st.st_mode & 07777);
        }
        fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        BOX_CHECK(fd >= 0 && read(fd, buf, 4) == 4 && buf[0] == 0,
                  "/dev/zero unusable: %m");
        close(fd);
        check_link("/dev/ptmx", "pts/ptmx");
        check_link("/dev/fd", "/proc/self/fd");
        check_link("/dev/stdin", "/proc/self/fd/0");
        check_link("/dev/stdout", "/proc/self/fd/1");
        check_link("/dev/stderr", "/proc/self/fd/2");
        BOX_CHECK(lstat("/dev/console", &st) < 0, "/dev/console exists");

        /* devpts is a new instance with a usable ptmx */
        fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        BOX_CHECK(fd >= 0, "open /dev/ptmx: %m");
        BOX_CHECK(ptsname_r(fd, buf, sizeof(buf)) == 0 &&
                      strcmp(buf, "/dev/pts/0") == 0,
                  "ptsname %s", buf);
        close(fd);
        BOX_CHECK(strstr(mountinfo_line("/dev/pts"), "ptmxmode=666") &&
                      strstr(mountinfo_line("/dev/pts"), "gid=5"),
                  "devpts options: %s", mountinfo_line("/dev/pts"));

        if (access("/dev/kmsg", F_OK) == 0) {
                struct statvfs sv;
                BOX_CHECK(lstat("/dev/kmsg", &st) == 0 && S_ISCHR(st.st_mode),
                          "/dev/kmsg not a char device");
                BOX_CHECK(statvfs("/dev/kmsg", &sv) == 0 &&
                              (sv.f_flag & ST_RDONLY),
                          "/dev/kmsg not read-only");
        }
}

START_TEST(test_default_mounts)
{
        run_box(box_defaults);
}
END_TEST

/* --net host: sysfs is mounted from the host's network namespace. */
START_TEST(test_default_mounts_host_net)
{
        host_net = true;
        run_box(box_defaults);
}
END_TEST

/* ---- volumes ------------------------------------------------------------ */

static void box_volumes(void)
{
        char buf[256], path[PATH_MAX];
        struct statvfs sv;
        struct stat st;
        int fd;

        box_setup();
        read_file("/mnt/ro/hello", buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "ro\n") == 0, "ro content %s", buf);
        fd = open("/mnt/ro/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        BOX_CHECK(fd < 0 && errno == EROFS, "write to ro volume: %m");
        BOX_CHECK(statvfs("/mnt/ro", &sv) == 0 && (sv.f_flag & ST_RDONLY),
                  "ro volume not read-only");
        fd = open("/mnt/rw/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        BOX_CHECK(fd >= 0, "write to rw volume: %m");
        close(fd);
        BOX_CHECK(strstr(mountinfo_line("/mnt/rw"), " shared:"),
                  "volume not shared: %s", mountinfo_line("/mnt/rw"));
        BOX_CHECK(lstat("/skip", &st) < 0 && errno == ENOENT, "/skip exists");
        read_file("/etc/vfile", buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "file\n") == 0, "file volume %s", buf);
        /* glob: each match at its own path */
        snprintf(path, sizeof(path), "%s/globA/id", tdir);
        read_file(path, buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "A\n") == 0, "globA %s", buf);
        snprintf(path, sizeof(path), "%s/globB/id", tdir);
        read_file(path, buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "B\n") == 0, "globB %s", buf);
        BOX_CHECK(lstat("/globdst", &st) < 0, "/globdst exists");
}

START_TEST(test_volumes)
{
        char src[5][PATH_MAX];
        struct ipc_mnt_volume v[5] = {0};
        struct ipc_mnt_volume *vp[5];
        struct stat st;
        char path[PATH_MAX];

        sh("cd %s && mkdir vol_ro vol_rw globA globB && echo ro > "
           "vol_ro/hello && echo file > vfile && echo A > globA/id && "
           "echo B > globB/id",
           tdir);
        snprintf(src[0], PATH_MAX, "%s/vol_ro", tdir);
        snprintf(src[1], PATH_MAX, "%s/vol_rw", tdir);
        snprintf(src[2], PATH_MAX, "%s/missing", tdir);
        snprintf(src[3], PATH_MAX, "%s/vfile", tdir);
        snprintf(src[4], PATH_MAX, "%s/glob[AB]", tdir);
        const char *dst[5] = {"/mnt/ro", "/mnt/rw", "/skip", "/etc/vfile",
                              "/globdst"};
        for (int i = 0; i < 5; i++) {
                v[i].src = src[i];
                v[i].dst = (char *)dst[i];
                vp[i] = &v[i];
        }
        v[0].readonly = true;
        v[2].skip_if_missing = true;
        plan.volumes = vp;
        plan.nvolumes = 5;
        run_box(box_volumes);

        /* The rw bind was the host's directory; the file mount point was
         * created as an empty file in the rootfs. */
        snprintf(path, sizeof(path), "%s/vol_rw/new", tdir);
        ck_assert_int_eq(stat(path, &st), 0);
        snprintf(path, sizeof(path), "%s/etc/vfile", rootfs);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(st.st_size, 0);
}
END_TEST

static char expected[512];

static void box_volume_missing(void)
{
        int r = rootfs_setup(&plan, errmsg, sizeof(errmsg));

        BOX_CHECK(r == -ENOENT, "r = %d (%s)", r, errmsg);
        BOX_CHECK(strcmp(errmsg, expected) == 0, "message: %s", errmsg);
}

START_TEST(test_volume_missing)
{
        struct ipc_mnt_volume v = {.src = (char *)"/nonexistent-pbox",
                                   .dst = (char *)"/data"};
        struct ipc_mnt_volume *vp[] = {&v};

        plan.volumes = vp;
        plan.nvolumes = 1;
        snprintf(expected, sizeof(expected),
                 "volume /data: source "
                 "/nonexistent-pbox: No such file or directory");
        run_box(box_volume_missing);
        /* a pattern with no match fails the same way */
        v.src = (char *)"/nonexistent-pbox*";
        snprintf(expected, sizeof(expected),
                 "volume /data: source "
                 "/nonexistent-pbox*: No such file or directory");
        run_box(box_volume_missing);
}
END_TEST

/* ---- devices ------------------------------------------------------------ */

static void box_devices(void)
{
        struct stat st;

        box_setup();
        BOX_CHECK(lstat("/dev/zero", &st) == 0, "/dev/zero: %m");
        BOX_CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5),
                  "/dev/zero rdev");
        BOX_CHECK((st.st_mode & 07777) == 0600, "mode %o", st.st_mode & 07777);
        BOX_CHECK(st.st_uid == 1000 && st.st_gid == 1000, "owner %u:%u",
                  st.st_uid, st.st_gid);
        BOX_CHECK(lstat("/dev/net/tun", &st) == 0 && S_ISCHR(st.st_mode) &&
                      st.st_rdev == makedev(10, 200),
                  "/dev/net/tun: %m");
}

START_TEST(test_devices_in_box)
{
        struct ipc_mnt_device d[2] = {
            {.path = (char *)"/dev/zer[o]",
             .file_mode = 0600,
             .uid = 1000,
             .gid = 1000},
            {.path = (char *)"/dev/net/tun", .file_mode = -1},
        };
        struct ipc_mnt_device *dp[] = {&d[0], &d[1]};

        if (access("/dev/net/tun", F_OK) < 0)
                plan.ndevices = 1;
        else
                plan.ndevices = 2;
        plan.devices = dp;
        if (plan.ndevices == 1)
                d[1] = d[0];
        run_box(box_devices);
}
END_TEST

/* Hot-plug on a root that is just a directory; /dev in it is a symlink to
 * a watched host directory. */
START_TEST(test_device_hotplug)
{
        _cleanup_close_ int rootfd = -EBADF;
        struct ipc_mnt_device d = {.path = (char *)"/dev/full",
                                   .file_mode = -1};
        char path[PATH_MAX];
        struct stat st, host;

        sh("cd %s && mkdir hostdev && rmdir rootfs/dev && ln -s %s/hostdev "
           "rootfs/dev",
           tdir, tdir);
        rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(rootfd, 0);
        ck_assert_int_eq(rootfs_device_add(rootfd, &d, errmsg, sizeof(errmsg)),
                         1);
        snprintf(path, sizeof(path), "%s%s/hostdev/full", rootfs, tdir);
        ck_assert_int_eq(lstat(path, &st), 0);
        ck_assert_int_eq(stat("/dev/full", &host), 0);
        ck_assert(S_ISCHR(st.st_mode) && st.st_rdev == host.st_rdev);
        ck_assert_int_eq(st.st_mode & 07777, host.st_mode & 07777);
        snprintf(path, sizeof(path), "%s/hostdev/full", tdir);
        ck_assert_int_eq(lstat(path, &st), -1); /* nothing on the host */
        /* again: the existing node is replaced */
        d.file_mode = 0640;
        ck_assert_int_eq(rootfs_device_add(rootfd, &d, errmsg, sizeof(errmsg)),
                         1);
        snprintf(path, sizeof(path), "%s%s/hostdev/full", rootfs, tdir);
        ck_assert_int_eq(lstat(path, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0640);

        /* not a device on the host; no match */
        d.path = (char *)"/etc/passwd";
        ck_assert_int_eq(rootfs_device_add(rootfd, &d, errmsg, sizeof(errmsg)),
                         -ENODEV);
        ck_assert_ptr_nonnull(strstr(errmsg, "not a character or block"));
        d.path = (char *)"/dev/pbox-nonexistent*";
        ck_assert_int_eq(rootfs_device_add(rootfd, &d, errmsg, sizeof(errmsg)),
                         -ENOENT);

        /* remove: only device nodes */
        ck_assert_int_eq(
            rootfs_device_remove(rootfd, "/etc/passwd", errmsg, sizeof(errmsg)),
            -EPERM);
        snprintf(path, sizeof(path), "%s/etc/passwd", rootfs);
        ck_assert_int_eq(access(path, F_OK), 0);
        ck_assert_int_eq(
            rootfs_device_remove(rootfd, "/dev/full", errmsg, sizeof(errmsg)),
            0);
        snprintf(path, sizeof(path), "%s%s/hostdev/full", rootfs, tdir);
        ck_assert_int_eq(lstat(path, &st), -1);
}
END_TEST

/* ---- files -------------------------------------------------------------- */

static void box_files(void)
{
        char buf[256];
        struct stat st;

        box_setup();
        read_file("/etc/deep/copied", buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "copy me\n") == 0, "copied: %s", buf);
        BOX_CHECK(stat("/etc/deep/copied", &st) == 0 &&
                      (st.st_mode & 07777) == 0640 && st.st_uid == 1000 &&
                      st.st_gid == 1001,
                  "copied: mode %o owner %u:%u", st.st_mode & 07777, st.st_uid,
                  st.st_gid);
        BOX_CHECK(stat("/etc/deep", &st) == 0 && (st.st_mode & 07777) == 0755,
                  "/etc/deep mode %o", st.st_mode & 07777);
        BOX_CHECK(stat("/etc/copy2", &st) == 0 &&
                      (st.st_mode & 07777) == 0604 && st.st_uid == 0 &&
                      st.st_gid == 0,
                  "copy2: mode %o owner %u:%u", st.st_mode & 07777, st.st_uid,
                  st.st_gid);
        read_file("/etc/pbox/enter.env", buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "HTTP_PROXY=\"http://p:3128\"\n") == 0,
                  "enter.env: %s", buf);
        BOX_CHECK(stat("/etc/pbox/enter.env", &st) == 0 &&
                      (st.st_mode & 07777) == 0644,
                  "enter.env mode %o", st.st_mode & 07777);
        read_file("/etc/hosts", buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "127.0.0.1\tlocalhost\n10.0.0.1\tfoo\n") == 0,
                  "hosts: %s", buf);
}

START_TEST(test_files)
{
        char src[PATH_MAX];
        struct ipc_mnt_file_copy c[2] = {
            {.src = src,
             .dst = (char *)"/etc/deep/copied",
             .mode = 0640,
             .uid = 1000,
             .gid = 1001},
            {.src = src,
             .dst = (char *)"/etc/copy2",
             .mode = -1,
             .uid = -1,
             .gid = -1},
        };
        struct ipc_mnt_file_copy *cp[] = {&c[0], &c[1]};
        static const char env[] = "HTTP_PROXY=\"http://p:3128\"\n";
        static const char hosts[] = "10.0.0.1\tfoo\n";
        struct ipc_mnt_file_write w[2] = {
            {.dst = (char *)"/etc/pbox/enter.env",
             .data = {(uint8_t *)env, sizeof(env) - 1},
             .mode = 0644},
            {.dst = (char *)"/etc/hosts",
             .data = {(uint8_t *)hosts, sizeof(hosts) - 1},
             .mode = 0644,
             .append = true},
        };
        struct ipc_mnt_file_write *wp[] = {&w[0], &w[1]};

        snprintf(src, sizeof(src), "%s/src.txt", tdir);
        sh("echo 'copy me' > %s && chmod 0604 %s", src, src);
        plan.copies = cp;
        plan.ncopies = 2;
        plan.writes = wp;
        plan.nwrites = 2;
        run_box(box_files);
}
END_TEST

/* ---- network namespace -------------------------------------------------- */

static bool lo_up(void)
{
        struct ifreq ifr = {0};
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        bool up;

        BOX_CHECK(s >= 0, "socket: %m");
        strcpy(ifr.ifr_name, "lo");
        BOX_CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0, "SIOCGIFFLAGS: %m");
        up = ifr.ifr_flags & IFF_UP;
        close(s);
        return up;
}

static void box_netns(void)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t len = sizeof(sa);
        int l, c, a, r;

        BOX_CHECK(!lo_up(), "lo already up in a new netns");
        r = netns_loopback_up(errmsg, sizeof(errmsg));
        BOX_CHECK(r == 0, "netns_loopback_up: %d %s", r, errmsg);
        BOX_CHECK(lo_up(), "lo not up");
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        BOX_CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
                      listen(l, 1) == 0 &&
                      getsockname(l, (struct sockaddr *)&sa, &len) == 0,
                  "listen on 127.0.0.1: %m");
        c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        BOX_CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0,
                  "connect 127.0.0.1: %m");
        a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        BOX_CHECK(a >= 0 && write(c, "x", 1) == 1, "accept: %m");
        close(a);
        close(c);
        close(l);
}

START_TEST(test_netns_loopback)
{
        run_box(box_netns);
}
END_TEST

/* ---- symlink attacks ---------------------------------------------------- */

static void box_proc_symlink(void)
{
        int r = rootfs_setup(&plan, errmsg, sizeof(errmsg));

        BOX_CHECK(r == -ELOOP, "r = %d (%s)", r, errmsg);
        BOX_CHECK(strstr(errmsg, "/proc is a symlink"), "message: %s", errmsg);
}

START_TEST(test_proc_symlink_refused)
{
        char path[PATH_MAX];
        struct stat st;

        sh("cd %s && mkdir elsewhere && rmdir rootfs/proc && ln -s "
           "%s/elsewhere rootfs/proc",
           tdir, tdir);
        run_box(box_proc_symlink);
        snprintf(path, sizeof(path), "%s/elsewhere", tdir);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_nlink, 2); /* still empty */
        sh("test -z \"$(ls -A %s/elsewhere)\"", tdir);
}
END_TEST

static void box_symlink_volumes(void)
{
        char buf[256], path[PATH_MAX];

        box_setup();
        /* /data -> /etc: mounted on the box's /etc */
        read_file("/etc/marker", buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "vol\n") == 0, "/etc/marker %s", buf);
        /* /data2 -> ../../../../TDIR/hostdir: the box's own TDIR/hostdir */
        snprintf(path, sizeof(path), "%s/hostdir/marker", tdir);
        read_file(path, buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "vol\n") == 0, "%s %s", path, buf);
        read_file("/etc/pbox/enter.env", buf, sizeof(buf));
        BOX_CHECK(strcmp(buf, "X=\"1\"\n") == 0, "enter.env %s", buf);
}

START_TEST(test_symlink_destinations_stay_inside)
{
        char vol[512], vfile[512], hostdir[512], hostdir3[512], p[PATH_MAX];
        struct ipc_mnt_volume v[3] = {
            {.src = vol, .dst = (char *)"/data"},
            {.src = vol, .dst = (char *)"/data2"},
            {.src = vfile, .dst = (char *)"/data3/vfile"},
        };
        struct ipc_mnt_volume *vp[] = {&v[0], &v[1], &v[2]};
        static const char env[] = "X=\"1\"\n";
        struct ipc_mnt_file_write w = {
            .dst = (char *)"/etc/pbox/enter.env",
            .data = {(uint8_t *)env, sizeof(env) - 1},
            .mode = 0644};
        struct ipc_mnt_file_write *wp[] = {&w};
        struct ipc_mnt_file_copy c = {.src = vfile,
                                      .dst = (char *)"/data3/copied",
                                      .mode = -1,
                                      .uid = -1,
                                      .gid = -1};
        struct ipc_mnt_file_copy *cp[] = {&c};
        struct stat st;

        snprintf(vol, sizeof(vol), "%s/vol", tdir);
        snprintf(vfile, sizeof(vfile), "%s/vfile", tdir);
        snprintf(hostdir, sizeof(hostdir), "%s/hostdir", tdir);
        snprintf(hostdir3, sizeof(hostdir3), "%s/hostdir3", tdir);
        /* data: absolute, data2: relative climbing out, data3: absolute
         * naming a watched host directory; the volume on /etc (through
         * /data) brings etc/pbox -> the same host directory. */
        sh("cd %s && mkdir vol hostdir hostdir3 && echo vol > vol/marker && "
           "echo f > vfile && ln -s /etc rootfs/data && ln -s ../../../..%s "
           "rootfs/data2 && ln -s %s rootfs/data3 && ln -s %s vol/pbox",
           tdir, hostdir, hostdir3, hostdir3);
        plan.volumes = vp;
        plan.nvolumes = 3;
        plan.writes = wp;
        plan.nwrites = 1;
        plan.copies = cp;
        plan.ncopies = 1;
        run_box(box_symlink_volumes);

        /* The watched host directories are untouched ... */
        sh("test -z \"$(ls -A %s)\" && test -z \"$(ls -A %s)\"", hostdir,
           hostdir3);
        /* ... and everything landed in their images inside the rootfs. */
        snprintf(p, sizeof(p), "%s%s", rootfs, hostdir);
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        snprintf(p, sizeof(p), "%s%s/enter.env", rootfs, hostdir3);
        ck_assert_int_eq(access(p, F_OK), 0);
        snprintf(p, sizeof(p), "%s%s/vfile", rootfs, hostdir3);
        ck_assert_int_eq(access(p, F_OK), 0);
        snprintf(p, sizeof(p), "%s%s/copied", rootfs, hostdir3);
        ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

/* File writes straight on a root directory (no namespaces needed): the
 * last component a symlink or a hard link to a host file. */
START_TEST(test_write_last_component_links)
{
        _cleanup_close_ int rootfd = -EBADF;
        static const char data[] = "evil\n";
        struct ipc_mnt_file_write w = {
            .data = {(uint8_t *)data, sizeof(data) - 1}, .mode = 0644};
        char victim[PATH_MAX], p[PATH_MAX];

        snprintf(victim, sizeof(victim), "%s/victim", tdir);
        sh("echo orig > %s && ln -s %s %s/etc/slink && ln %s %s/etc/hlink",
           victim, victim, rootfs, victim, rootfs);
        rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(rootfd, 0);

        w.append = true;
        w.dst = (char *)"/etc/slink";
        ck_assert_int_eq(rootfs_file_write(rootfd, &w, errmsg, sizeof(errmsg)),
                         -ELOOP);
        w.dst = (char *)"/etc/hlink";
        ck_assert_int_eq(rootfs_file_write(rootfd, &w, errmsg, sizeof(errmsg)),
                         -EMLINK);
        w.append = false;
        ck_assert_int_eq(rootfs_file_write(rootfd, &w, errmsg, sizeof(errmsg)),
                         0);
        w.dst = (char *)"/etc/slink";
        ck_assert_int_eq(rootfs_file_write(rootfd, &w, errmsg, sizeof(errmsg)),
                         0);
        sh("grep -qx orig %s", victim);
        snprintf(p, sizeof(p), "%s/etc/slink", rootfs);
        sh("test -f %s && ! test -L %s && grep -qx evil %s", p, p, p);
}
END_TEST

static Suite *rootfs_suite(void)
{
        Suite *s = suite_create("rootfs");
        TCase *tc = tcase_create("box");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_default_mounts);
        tcase_add_test(tc, test_default_mounts_host_net);
        tcase_add_test(tc, test_volumes);
        tcase_add_test(tc, test_volume_missing);
        tcase_add_test(tc, test_devices_in_box);
        tcase_add_test(tc, test_device_hotplug);
        tcase_add_test(tc, test_files);
        tcase_add_test(tc, test_netns_loopback);
        tcase_add_test(tc, test_proc_symlink_refused);
        tcase_add_test(tc, test_symlink_destinations_stay_inside);
        tcase_add_test(tc, test_write_last_component_links);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(rootfs_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
